# Reference fit of the relation-variety count model with R (glm / MASS::glm.nb) and
# cluster-robust covariance sandwich::vcovCL(type = "HC1") by campus.
# Usage: Rscript model_r.R [data folder] [output json]  (defaults: this folder, model_r.json)
suppressPackageStartupMessages({library(MASS); library(sandwich)})
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "."
out <- if (length(args) >= 2) args[2] else file.path(dir, "model_r.json")

prep <- function(file) {
  d <- read.csv(file.path(dir, file), colClasses = c(involved = "character", campus_id = "character"))
  d$profile <- ifelse(d$category == "autre", "autre", paste0(d$category, ":", d$involved))
  d
}
num <- function(x) formatC(x, digits = 15, format = "g")
obj <- function(v) paste0("{", paste0('"', names(v), '": ', num(v), collapse = ", "), "}")
block <- function(m, extra = "") {
  b <- coef(m); names(b) <- sub("^profile", "", names(b))
  se <- sqrt(diag(vcovCL(m, cluster = ~campus_id, type = "HC1"))); names(se) <- names(b)
  paste0('{"coef": ', obj(b), ', "se": ', obj(se), extra, "}")
}
dp <- prep("model_poisson.csv")
mp <- glm(y ~ 0 + profile, family = poisson, data = dp)
dp$w <- 1 + (seq_len(nrow(dp)) %% 3)  # survey-like weights 2, 3, 1, 2, 3, 1, ...
mw <- suppressWarnings(glm(y ~ 0 + profile, family = poisson, data = dp, weights = w))
dn <- prep("model_negbin.csv")
mn <- glm.nb(y ~ 0 + profile, data = dn)
mnp <- glm(y ~ 0 + profile, family = poisson, data = dn)
lr <- as.numeric(2 * (logLik(mn) - logLik(mnp)))
json <- paste0(
  '{"r_version": "', R.version.string, '", "sandwich": "', packageVersion("sandwich"),
  '", "MASS": "', packageVersion("MASS"), '",\n "poisson": ', block(mp),
  ',\n "poisson_weighted": ', block(mw),
  ',\n "negbin": ', block(mn, paste0(', "theta": ', num(mn$theta), ', "lr_overdispersion": ', num(lr))), "}\n")
writeLines(json, out)
