// Distribution functions shared by the numeric modules: the regularised incomplete beta function
// (continued fraction of Press et al. 2007 section 6.4, modified Lentz), Student's t (distribution
// function, log density, quantile, two-sided tail) and the upper tail of Fisher's F. Used by the
// heavy-tailed shocks of scm/ and by the t and F reference distributions of causal/ inference.
#pragma once

namespace mre {

// Regularised incomplete beta I_x(a, b), a, b > 0, x in [0, 1].
double incomplete_beta(double x, double a, double b);
double student_t_cdf(double t, double nu);
double student_t_log_pdf(double t, double nu);
// The p-quantile, p in (0, 1); |result| <= 1e300.
double student_t_quantile(double p, double nu);
// P(|T| > |t|) for T ~ t(nu), computed from the tail (accurate for small p-values).
double student_t_two_sided_p(double t, double nu);
// P(F > f) for F ~ F(d1, d2).
double f_distribution_sf(double f, double d1, double d2);

}  // namespace mre
