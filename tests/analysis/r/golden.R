# Reference values from R's survey package for tests/analysis/test_kernel_r.py.
# Usage: Rscript golden.R design.csv invited.csv out.csv
# Shares of answers 1 and 2 among respondents who answered other than NA (code 9), by
# domain, under five designs: unweighted, weighted (ids=~1), clustered by campus, post-stratified on
# campus x group cells to the invited counts, raked on the campus and group margins.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
inv <- read.csv(args[2], stringsAsFactors = FALSE)
d$ok <- !is.na(d$code) & d$code != 9
d$a1 <- as.numeric(!is.na(d$code) & d$code == 1)
d$a2 <- as.numeric(!is.na(d$code) & d$code == 2)
d$cell <- paste(d$campus, d$grp, sep = ":")
d$one <- 1

inv$cell <- paste(inv$campus, inv$grp, sep = ":")
out <- list()
add <- function(design_name, des, by) {
  r <- svyby(~a1 + a2, as.formula(paste0("~", by)), subset(des, ok), svymean)
  s <- SE(r)
  for (a in c("a1", "a2")) {
    out[[length(out) + 1]] <<- data.frame(design = design_name, by = by, domain = r[[by]],
      answer = substr(a, 2, 2), est = r[[a]], se = s[, paste0("se.", a)])
  }
}
unweighted <- svydesign(ids = ~1, weights = ~one, data = d)
for (by in c("grp", "campus", "cell")) add("unweighted", unweighted, by)
plain <- svydesign(ids = ~1, weights = ~w, data = d)
for (by in c("grp", "campus", "cell")) add("plain", plain, by)
clus <- svydesign(ids = ~campus, weights = ~w, data = d)
for (by in c("grp", "cell")) add("cluster", clus, by)
base <- svydesign(ids = ~1, weights = ~one, data = d)
ps <- postStratify(base, ~cell, data.frame(cell = inv$cell, Freq = inv$invited))
for (by in c("grp", "campus", "cell")) add("poststrat", ps, by)
mc <- aggregate(invited ~ campus, inv, sum); names(mc)[2] <- "Freq"
mg <- aggregate(invited ~ grp, inv, sum); names(mg)[2] <- "Freq"
rk <- rake(base, list(~campus, ~grp), list(mc, mg), control = list(maxit = 1000, epsilon = 1e-13))
for (by in c("grp", "campus", "cell")) add("rake", rk, by)
res <- do.call(rbind, out)
write.csv(res, args[3], row.names = FALSE)
w <- data.frame(design = c(rep("poststrat", nrow(d)), rep("rake", nrow(d))), row = rep(seq_len(nrow(d)), 2),
  weight = c(weights(ps), weights(rk)))
write.csv(w, sub("\\.csv$", "_weights.csv", args[3]), row.names = FALSE)
