// Event-study regression (e.g. Kuttner 2001; Gurkaynak, Sack and Swanson 2005): an asset's
// response over the announcement window regressed on the surprise, one row per event,
//   response_i = a + b surprise_i + e_i,
// with heteroskedasticity-robust (HC1, statsmodels' cov_type="HC1") and Newey-West (HAC over the
// event index, Bartlett kernel, no small-sample correction as statsmodels' "HAC") errors.
#pragma once

#include "mre/core/linalg.h"

namespace mre::causal {

struct EventStudyFit {
  double intercept = 0.0;
  double effect = 0.0;  // b
  double se_hc1 = 0.0;
  double se_hac = 0.0;
  int hac_lag = 0;
  double p_value_hc1 = 1.0;
  double p_value_hac = 1.0;
  double ci_low = 0.0;  // 95%, normal, HC1
  double ci_high = 0.0;
  double r2 = 0.0;
  Eigen::Index events = 0;
};

// REQUIRES: finite vectors of equal length. DataError for fewer than `min_events` events or a
// surprise without variation; hac_lag < 0 takes newey_west_lag(n).
EventStudyFit event_study_regression(const Vector& surprise, const Vector& response,
                                     int hac_lag = -1, Eigen::Index min_events = 10);

}  // namespace mre::causal
