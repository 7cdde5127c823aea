// Comparing two fitted HMMs on the same rows: the per-row predictive log densities whose sum is
// the log-likelihood, and the test of Vuong (1989, "Likelihood ratio tests for model selection
// and non-nested hypotheses", Econometrica 57(2), section 5) for two non-nested models, with the
// long-run variance of Rivers & Vuong (2002, "Model selection tests for nonlinear dynamic
// models", Econometrics Journal 5) for dependent rows: Bartlett kernel, bandwidth by Andrews'
// (1991, Econometrica 59(3), section 6) AR(1) plug-in. The classifier backfill uses it to let a
// fresh optimum replace the carried one only when the data prefer it (issue 18).
#pragma once

#include "mre/core/linalg.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::regimes::hmm {

// log p(y_t | y_1..t-1) for every row under params, filtering from params.initial (rows with no
// observed value contribute 0); the entries sum to the log-likelihood of the data.
Vector predictive_log_densities(const GaussianHmmParams& params, const Matrix& data);

struct LongRunVariance {
  double variance = 0.0;  // gamma_0 + 2 sum_j (1 - j / S) gamma_j over j < S
  double bandwidth =
      0.0;           // S = 1.1447 (alpha(1) T)^(1/3), alpha(1) = 4 rho^2 / ((1-rho)^2 (1+rho)^2)
  double rho = 0.0;  // the AR(1) coefficient of the demeaned series (OLS, no intercept)
};
// The Bartlett-kernel long-run variance of a series (autocovariances divided by T, the series'
// mean removed), Andrews' AR(1) plug-in bandwidth (rho clipped to +-0.97 as Andrews' appendix
// advises against a unit root, S capped at T - 1). REQUIRES at least 3 values.
LongRunVariance long_run_variance(const Vector& series);

struct VuongTest {
  double statistic = 0.0;   // sum_t d_t / sqrt(T * LRV(d)), d_t = a_t - b_t
  double difference = 0.0;  // sum_t d_t: the log-likelihood of a minus that of b
  LongRunVariance lrv{};
  int rows = 0;
};
// The test of a against b from their per-row log densities (same length, >= 3 rows). A large
// positive statistic says the rows prefer a; under H0 (equally close to the truth) it is N(0, 1).
// A zero long-run variance (identical models) gives statistic 0.
VuongTest vuong_test(const Vector& a, const Vector& b);

}  // namespace mre::regimes::hmm
