# Reference fits of the relation-variety count model WITH CONTROLS (effipia.analysis.model,
# statsmodels path): glm(y ~ 0 + profile + controls, family = poisson) / MASS::glm.nb,
# cluster-robust covariance sandwich::vcovCL(cluster = ~campus_id, type = "HC1"), and each
# profile's prediction averaged over the sample (every respondent given that profile, own
# controls kept) with its delta-method standard error.
# Usage: Rscript model_controls_r.R [data folder] [output json]
#        (defaults: this folder, model_controls_r.json)
suppressPackageStartupMessages({library(MASS); library(sandwich)})
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "."
out <- if (length(args) >= 2) args[2] else file.path(dir, "model_controls_r.json")

prep <- function(file) {
  d <- read.csv(file.path(dir, file), colClasses = c(involved = "character", campus_id = "character"))
  d$profile <- factor(ifelse(d$category == "autre", "autre", paste0(d$category, ":", d$involved)))
  d$campus <- factor(d$campus_id)
  d$campus_number <- as.integer(substr(d$campus_id, 2, 3))  # a numeric campus-level control
  d
}
num <- function(x) formatC(x, digits = 15, format = "g")
obj <- function(v) paste0("{", paste0('"', names(v), '": ', num(v), collapse = ", "), "}")
block <- function(m, d, w = rep(1, nrow(d)), extra = "") {
  V <- vcovCL(m, cluster = ~campus_id, type = "HC1")
  b <- coef(m)
  k <- nlevels(d$profile)
  tt <- delete.response(terms(m))
  amp <- se_amp <- setNames(numeric(k), levels(d$profile))
  for (p in levels(d$profile)) {
    nd <- d
    nd$profile <- factor(rep(p, nrow(d)), levels = levels(d$profile))
    X <- model.matrix(tt, nd)
    mu <- as.vector(exp(X %*% b))
    amp[p] <- sum(w * mu) / sum(w)
    g <- colSums(w * mu * X) / sum(w)
    se_amp[p] <- sqrt(as.numeric(t(g) %*% V %*% g))
  }
  coef_p <- b[1:k]; names(coef_p) <- sub("^profile", "", names(coef_p))
  se_p <- sqrt(diag(V))[1:k]; names(se_p) <- names(coef_p)
  paste0('{"coef": ', obj(coef_p), ', "se": ', obj(se_p), ', "amp": ', obj(amp), ', "amp_se": ', obj(se_amp), extra, "}")
}
dp <- prep("model_poisson.csv")
m_fe <- glm(y ~ 0 + profile + campus, family = poisson, data = dp)
m_num <- glm(y ~ 0 + profile + campus_number, family = poisson, data = dp)
dp$w <- 1 + (seq_len(nrow(dp)) %% 3)  # survey-like weights 2, 3, 1, 2, 3, 1, ...
m_w <- suppressWarnings(glm(y ~ 0 + profile + campus, family = poisson, data = dp, weights = w))
dn <- prep("model_negbin.csv")
m_nb <- glm.nb(y ~ 0 + profile + campus, data = dn)
m_nbp <- glm(y ~ 0 + profile + campus, family = poisson, data = dn)
lr <- as.numeric(2 * (logLik(m_nb) - logLik(m_nbp)))
json <- paste0(
  '{"r_version": "', R.version.string, '", "sandwich": "', packageVersion("sandwich"),
  '", "MASS": "', packageVersion("MASS"), '",\n "poisson_campus": ', block(m_fe, dp),
  ',\n "poisson_campus_number": ', block(m_num, dp),
  ',\n "poisson_campus_weighted": ', block(m_w, dp, dp$w),
  ',\n "negbin_campus": ', block(m_nb, dn, extra = paste0(', "theta": ', num(m_nb$theta), ', "lr_overdispersion": ', num(lr))),
  "}\n")
writeLines(json, out)
