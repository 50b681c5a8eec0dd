# Shared by golden.R and strata.R: reads design.csv and invited.csv (paths in args[1],
# args[2]), sets the answer indicators, and add() collects svyby shares of answers 1 and 2
# among respondents who answered other than NA (code 9) into `out`.
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
mc <- aggregate(invited ~ campus, inv, sum); names(mc)[2] <- "Freq"
mg <- aggregate(invited ~ grp, inv, sum); names(mg)[2] <- "Freq"
out <- list()
add <- function(design_name, des, by) {
  r <- svyby(~a1 + a2, as.formula(paste0("~", by)), subset(des, ok), svymean)
  s <- SE(r)
  for (a in c("a1", "a2")) {
    out[[length(out) + 1]] <<- data.frame(design = design_name, by = by, domain = r[[by]],
      answer = substr(a, 2, 2), est = r[[a]], se = s[, paste0("se.", a)])
  }
}
