# Weighted variance of the partners' scores per campus (R survey's svyvar through svyby),
# for tests/report/test_comparisons_r.py. Args: scores.csv (campus_id, s, w) out.csv
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d <- d[!is.na(d$s), ]
des <- svydesign(ids = ~1, weights = ~w, data = d)
r <- svyby(~s, ~campus_id, des, svyvar)
write.csv(data.frame(campus = as.character(r$campus_id), var = as.numeric(coef(r))), args[2], row.names = FALSE)
