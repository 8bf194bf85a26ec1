# lavaan's tutorial SEM of Bollen's political democracy data with its six residual
# covariances: the expected values of tests/it/cbsem_covariance.rs.
# Run with lavaan 0.6-14 (Debian r-cran-lavaan) as
#   Rscript tests/scripts/political_democracy.R
# from a checkout next to ../shared (the data are lavaan's PoliticalDemocracy, copied
# as ../shared/reference/data/csem/PoliticalDemocracy.csv; all.equal() with
# lavaan::PoliticalDemocracy is TRUE). Prints fit measures, paths and residual
# covariances (est, se, std.all) with 15 significant digits.
library(lavaan)
d <- read.csv("../shared/reference/data/csem/PoliticalDemocracy.csv")
model <- '
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + y2 + y3 + y4
  dem65 =~ y5 + y6 + y7 + y8
  dem60 ~ ind60
  dem65 ~ ind60 + dem60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8
'
fit <- sem(model, data = d)
fm <- fitMeasures(fit, c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","logl","aic","bic","rmsea","rmsea.ci.lower","rmsea.ci.upper","srmr","gfi"))
for (k in names(fm)) cat(sprintf('("%s", %.15g),\n', k, unclass(fm)[k]))
pe <- parameterEstimates(fit, standardized=TRUE)
sel <- pe[(pe$op == "~~" & pe$lhs != pe$rhs & substr(pe$lhs,1,1) %in% c("x","y")) | pe$op=="~", ]
for (i in seq_len(nrow(sel))) cat(sprintf('("%s", "%s", "%s", %.15g, %.15g, %.15g),\n', sel$lhs[i], sel$op[i], sel$rhs[i], sel$est[i], sel$se[i], sel$std.all[i]))
