# Reference values from R's survey package for the campus-as-stratum designs
# (tests/analysis/test_strata_r.py). Usage: Rscript strata.R design.csv invited.csv out.csv
# Shares of answers 1 and 2 among respondents who answered other than NA (code 9), by
# domain, with the campus as stratum and respondents as PSUs: weighted (w), post-stratified
# on campus x group cells, raked on the campus and group margins. Also the degenerate
# designs (campus as cluster + calibration), whose SEs R gives as 0 (post-stratified) or
# near 0 (raked: only what 10 backfitting sweeps leave).
suppressMessages(library(survey))
options(survey.lonely.psu = "certainty")
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
inv <- read.csv(args[2], stringsAsFactors = FALSE)
d$ok <- !is.na(d$code) & d$code != 9
d$a1 <- as.numeric(!is.na(d$code) & d$code == 1)
d$a2 <- as.numeric(!is.na(d$code) & d$code == 2)
d$cell <- paste(d$campus, d$grp, sep = ":")
d$one <- 1
inv$cell <- paste(inv$campus, inv$grp, sep = ":")
pop <- data.frame(cell = inv$cell, Freq = inv$invited)
mc <- aggregate(invited ~ campus, inv, sum); names(mc)[2] <- "Freq"
mg <- aggregate(invited ~ grp, inv, sum); names(mg)[2] <- "Freq"
ctl <- list(maxit = 1000, epsilon = 1e-13)
out <- list()
add <- function(design_name, des, by) {
  r <- svyby(~a1 + a2, as.formula(paste0("~", by)), subset(des, ok), svymean)
  s <- SE(r)
  for (a in c("a1", "a2")) {
    out[[length(out) + 1]] <<- data.frame(design = design_name, by = by, domain = r[[by]],
      answer = substr(a, 2, 2), est = r[[a]], se = s[, paste0("se.", a)])
  }
}
strat_w <- svydesign(ids = ~1, strata = ~campus, weights = ~w, data = d)
strat <- svydesign(ids = ~1, strata = ~campus, weights = ~one, data = d)
clus <- svydesign(ids = ~campus, weights = ~one, data = d)
designs <- list(
  strata_weighted = strat_w,
  strata_poststrat = postStratify(strat, ~cell, pop),
  strata_rake = rake(strat, list(~campus, ~grp), list(mc, mg), control = ctl),
  cluster_poststrat = postStratify(clus, ~cell, pop),
  cluster_rake = rake(clus, list(~campus, ~grp), list(mc, mg), control = ctl)
)
for (name in names(designs)) for (by in c("grp", "campus", "cell")) add(name, designs[[name]], by)
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
