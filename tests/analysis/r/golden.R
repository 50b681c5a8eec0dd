# Reference values from R's survey package for tests/analysis/test_kernel_r.py.
# Usage: Rscript golden.R design.csv invited.csv out.csv
# Shares of answers 1 and 2 among respondents who answered other than NA (code 9), by
# domain, under five designs: unweighted, weighted (ids=~1), clustered by campus, post-stratified on
# campus x group cells to the invited counts, raked on the campus and group margins.
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "common.R"))
unweighted <- svydesign(ids = ~1, weights = ~one, data = d)
for (by in c("grp", "campus", "cell")) add("unweighted", unweighted, by)
plain <- svydesign(ids = ~1, weights = ~w, data = d)
for (by in c("grp", "campus", "cell")) add("plain", plain, by)
clus <- svydesign(ids = ~campus, weights = ~w, data = d)
for (by in c("grp", "cell")) add("cluster", clus, by)
base <- svydesign(ids = ~1, weights = ~one, data = d)
ps <- postStratify(base, ~cell, data.frame(cell = inv$cell, Freq = inv$invited))
for (by in c("grp", "campus", "cell")) add("poststrat", ps, by)
rk <- rake(base, list(~campus, ~grp), list(mc, mg), control = list(maxit = 1000, epsilon = 1e-13))
for (by in c("grp", "campus", "cell")) add("rake", rk, by)
res <- do.call(rbind, out)
write.csv(res, args[3], row.names = FALSE)
w <- data.frame(design = c(rep("poststrat", nrow(d)), rep("rake", nrow(d))), row = rep(seq_len(nrow(d)), 2),
  weight = c(weights(ps), weights(rk)))
write.csv(w, sub("\\.csv$", "_weights.csv", args[3]), row.names = FALSE)
