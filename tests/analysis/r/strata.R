# Reference values from R's survey package for the campus-as-stratum designs
# (tests/analysis/test_strata_r.py). Usage: Rscript strata.R design.csv invited.csv out.csv
# Shares of answers 1 and 2 among respondents who answered other than NA (code 9), by
# domain, with the campus as stratum and respondents as PSUs: weighted (w), post-stratified
# on campus x group cells, raked on the campus and group margins. Also the degenerate
# designs (campus as cluster + calibration), whose SEs R gives as 0 (post-stratified) or
# near 0 (raked: only what 10 backfitting sweeps leave).
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "common.R"))
options(survey.lonely.psu = "certainty")
pop <- data.frame(cell = inv$cell, Freq = inv$invited)
ctl <- list(maxit = 1000, epsilon = 1e-13)
strat <- svydesign(ids = ~1, strata = ~campus, weights = ~one, data = d)
clus <- svydesign(ids = ~campus, weights = ~one, data = d)
designs <- list(
  strata_weighted = svydesign(ids = ~1, strata = ~campus, weights = ~w, data = d),
  strata_poststrat = postStratify(strat, ~cell, pop),
  strata_rake = rake(strat, list(~campus, ~grp), list(mc, mg), control = ctl),
  cluster_poststrat = postStratify(clus, ~cell, pop),
  cluster_rake = rake(clus, list(~campus, ~grp), list(mc, mg), control = ctl)
)
for (name in names(designs)) for (by in c("grp", "campus", "cell")) add(name, designs[[name]], by)
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
