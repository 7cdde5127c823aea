// Split conformal prediction intervals with a normalised score (no torch; issue 24, point 3).
// Lei, G'Sell, Rinaldo, Tibshirani and Wasserman 2018, "Distribution-free predictive inference
// for regression", JASA 113(523), section 2.2 (split conformal) and 5.2 (locally weighted): on a
// calibration set held out from every fit, scores s_i = |r_i| / sigma_i (r the residual,
// sigma_i > 0 the predicted scale); q = the k-th smallest score, k = ceil((n + 1) level); the
// interval at x is prediction(x) +- q sigma(x), covering a new exchangeable row with probability
// >= level. sigma = 1 gives the constant-width baseline.
#pragma once

#include "mre/core/linalg.h"

namespace mre::neural {

// The conformal quantile of `scores` at `level` (the k-th smallest, k = ceil((n + 1) level)).
// InvalidArgument when level is outside (0, 1) ("level"); DataError when a score is not finite
// or negative, or k > n ("calibration": too few rows for the level: n >= level / (1 - level)
// is needed, 9 for 90%).
double conformal_quantile(const Vector& scores, double level);

// |residual_i| / sigma_i. DataError naming the row for a non-finite residual or a sigma that is
// not finite and > 0; InvalidArgument when the sizes differ.
Vector normalised_scores(const Vector& residual, const Vector& sigma);

// Intervals +- quantile sigma_i judged on rows with known residuals (out of sample).
struct IntervalCheck {
  double coverage = 0.0;    // share of rows with |residual| <= quantile sigma
  double mean_width = 0.0;  // mean of 2 quantile sigma
  Eigen::Index rows = 0;
};
IntervalCheck check_intervals(const Vector& residual, const Vector& sigma, double quantile);

}  // namespace mre::neural
