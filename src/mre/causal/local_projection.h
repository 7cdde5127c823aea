// Local projections (Jorda 2005, "Estimation and inference of impulse responses by local
// projections", AER 95(1)): for each horizon h a separate OLS
//   d_{t,h} = a_h + b_h shock_t + sum_{l=1..p} (c_{h,l} shock_{t-l} + g_{h,l} w_{t-l} + k_{h,l}'
//   z_{t-l}) + e_{t,h}
// with d_{t,h} = y_{t+h} - y_{t-1} (cumulative, w = the one-period change y - y_{-1}) or y_{t+h}
// (levels, w = y), z the extra controls. b_h is the impulse response at h.
// Inference: with lag augmentation (the p lags include one more than the dynamics need, Montiel
// Olea and Plagborg-Moller 2021, Econometrica 89(4)) heteroskedasticity-robust HC1 errors are
// valid at every horizon, so kLagAugmentedHc1 is the default; kNeweyWest uses Bartlett HAC with a
// bandwidth of at least h + 1 (the overlap of h-step outcomes), max(h + 1, newey_west_lag(n)).
#pragma once

#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::causal {

enum class LpInference { kLagAugmentedHc1, kNeweyWest };
std::string lp_inference_name(LpInference inference);  // "lag_augmented_hc1" | "newey_west"
LpInference parse_lp_inference(
    const std::string& name);  // hc1 | lag_augmented_hc1 | hac | newey_west

struct LocalProjectionOptions {
  std::vector<int> horizons{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  int lags = 2;            // p, lags of the shock, of y (or its change) and of each control
  bool cumulative = true;  // d = y_{t+h} - y_{t-1}; false: d = y_{t+h}
  LpInference inference = LpInference::kLagAugmentedHc1;
  Eigen::Index min_rows = 30;  // fewest usable rows per horizon (DataError below)
};

struct LocalProjectionPoint {
  int horizon = 0;
  double effect = 0.0;
  double se = 0.0;
  double ci_low = 0.0;  // 95%, normal
  double ci_high = 0.0;
  double p_value = 1.0;
  Eigen::Index observations = 0;
  int hac_lag = 0;  // kNeweyWest only
  int dropped_columns =
      0;  // regressors dropped as linear combinations of the others (causal::independent_columns)
};

struct LocalProjectionFit {
  std::vector<LocalProjectionPoint> points{};
  std::string inference{};
  int lags = 0;
  bool cumulative = true;
};

// y, shock and the columns of controls (rows = time, equally spaced; may be 0 columns) aligned on
// the same dates; NaN marks a missing value and drops the rows that need it, per horizon.
// Regressors that are linear combinations of the intercept and earlier ones are dropped (the shock
// never: it comes first; DataError when it is itself redundant). InvalidArgument for lags < 1, a
// negative horizon, mismatched lengths; DataError naming the horizon when fewer than min_rows rows
// remain (e.g. a horizon beyond the data).
LocalProjectionFit local_projection(const Vector& y, const Vector& shock, const Matrix& controls,
                                    const LocalProjectionOptions& options);

}  // namespace mre::causal
