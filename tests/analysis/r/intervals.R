# Reference intervals from R's survey package for tests/analysis/test_intervals_r.py.
# Usage: Rscript intervals.R design.csv invited.csv out.csv
# Shares of answers 1 and 2 among respondents who answered other than NA (code 9), by
# group, campus and campus x group, with
#   svyby(~a, ~by, subset(des, ok), svyciprop, method = "beta" | "logit", vartype = "ci")
# (and method = "xlogit": the same logit interval by the delta method on svymean, without
# the iterative svyglm fit, whose convergence tolerance leaves about 1e-9 in the bounds)
# under six designs: unweighted, weighted (ids=~1), campus as stratum, campus as cluster
# (groups only: a campus lies inside one PSU), post-stratified on campus x group cells,
# raked on the campus and group margins. Per domain the script also writes what the
# Korn-Graubard formula of svyciprop uses: degf() of the domain's subset design, nrow() of
# it (the base count for a plain design; every row of the sample for a calibrated one, whose
# subsets keep all rows with zero weight) and the base count, and the same formula with the
# base count in place of nrow() (kg_base_l, kg_base_u; what effipia computes everywhere).
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "common.R"))
options(survey.lonely.psu = "certainty")
pop <- data.frame(cell = inv$cell, Freq = inv$invited)
ctl <- list(maxit = 1000, epsilon = 1e-13)
base <- svydesign(ids = ~1, weights = ~one, data = d)
designs <- list(
  unweighted = list(base, c("grp", "campus", "cell")),
  plain = list(svydesign(ids = ~1, weights = ~w, data = d), c("grp", "campus", "cell")),
  strata = list(svydesign(ids = ~1, strata = ~campus, weights = ~w, data = d), c("grp", "campus", "cell")),
  cluster = list(svydesign(ids = ~campus, weights = ~w, data = d), c("grp")),
  poststrat = list(postStratify(base, ~cell, pop), c("grp", "campus", "cell")),
  rake = list(rake(base, list(~campus, ~grp), list(mc, mg), control = ctl), c("grp", "campus", "cell"))
)
kg <- function(p, v, nr, df, alpha = 0.05) {
  n.eff <- p * (1 - p) / v * (qt(alpha / 2, nr - 1) / qt(alpha / 2, df))^2
  c(qbeta(alpha / 2, n.eff * p, n.eff * (1 - p) + 1), qbeta(1 - alpha / 2, n.eff * p + 1, n.eff * (1 - p)))
}
rows <- list()
for (name in names(designs)) {
  des <- subset(designs[[name]][[1]], ok)
  for (by in designs[[name]][[2]]) {
    for (a in c("a1", "a2")) {
      f <- as.formula(paste0("~", a))
      g <- as.formula(paste0("~", by))
      beta <- svyby(f, g, des, svyciprop, method = "beta", vartype = "ci")
      logit <- svyby(f, g, des, svyciprop, method = "logit", vartype = "ci")
      xlogit <- svyby(f, g, des, svyciprop, method = "xlogit", vartype = "ci")
      mean <- svyby(f, g, des, svymean)
      for (i in seq_len(nrow(beta))) {
        level <- beta[[by]][i]
        sub <- des[des$variables[[by]] == level, ]
        n <- sum(weights(sub, "sampling") != 0)
        p <- coef(mean)[i]
        v <- SE(mean)[i]^2
        kb <- kg(p, v, n, degf(sub))
        rows[[length(rows) + 1]] <- data.frame(
          design = name, by = by, domain = level, answer = substr(a, 2, 2),
          est = p, se = sqrt(v),
          beta_l = beta$ci_l[i], beta_u = beta$ci_u[i],
          logit_est = logit[[a]][i], logit_l = logit$ci_l[i], logit_u = logit$ci_u[i],
          xlogit_l = xlogit$ci_l[i], xlogit_u = xlogit$ci_u[i],
          degf = degf(sub), rows = nrow(sub), n = n,
          kg_base_l = kb[1], kg_base_u = kb[2]
        )
      }
    }
  }
}
write.csv(do.call(rbind, rows), args[3], row.names = FALSE)
