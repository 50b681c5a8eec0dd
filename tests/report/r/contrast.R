# Campus comparisons as R's survey package computes them: campus means of a score by
# svyby(..., svymean, covmat = TRUE) on the respondents who have a score (unweighted
# design), then each contrast (campus minus the mean of its comparison group) by svycontrast.
# args: scores.csv (campus_id, s), contrasts.csv (name, campus, coef), output csv.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
k <- read.csv(args[2], stringsAsFactors = FALSE)
d$ok <- !is.na(d$s)
des <- svydesign(ids = ~1, data = d)
by <- svyby(~s, ~campus_id, subset(des, ok), svymean, covmat = TRUE)
out <- list()
for (name in unique(k$name)) {
  part <- k[k$name == name, ]
  w <- setNames(rep(0, nrow(by)), rownames(by))
  w[part$campus] <- part$coef
  r <- svycontrast(by, w)
  out[[length(out) + 1]] <- data.frame(name = name, est = as.numeric(coef(r)), se = as.numeric(SE(r)))
}
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
