// See event_study.h.
#include "mre/causal/event_study.h"

#include <cmath>
#include <string>

#include "mre/causal/inference.h"
#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {

EventStudyFit event_study_regression(const Vector& surprise, const Vector& response, int hac_lag,
                                     Eigen::Index min_events) {
  check_arg(surprise.size() == response.size(), "response", "needs one value per surprise");
  check_arg(surprise.allFinite() && response.allFinite(), "events",
            "surprises and responses must be finite");
  const Eigen::Index n = surprise.size();
  if (n < min_events) {
    throw Error(ErrorCode::kDataError, "events: " + std::to_string(n) +
                                           " events with a response, fewer than the " +
                                           std::to_string(min_events) + " an event study needs");
  }
  if (surprise.maxCoeff() == surprise.minCoeff()) {
    throw Error(ErrorCode::kDataError,
                "treatment: the surprise is the same at every event; no effect can be estimated");
  }
  Matrix X(n, 2);
  X.col(0).setOnes();
  X.col(1) = surprise;
  EventStudyFit out;
  out.events = n;
  out.hac_lag = hac_lag >= 0 ? hac_lag : newey_west_lag(n);
  const auto hc1 = ols_with_covariance(X, response, StandardError::kHc1, 0);
  const auto hac = ols_with_covariance(X, response, StandardError::kHac, out.hac_lag);
  out.intercept = hc1.coefficients(0);
  out.effect = hc1.coefficients(1);
  out.se_hc1 = std::sqrt(hc1.covariance(1, 1));
  out.se_hac = std::sqrt(hac.covariance(1, 1));
  out.p_value_hc1 = two_sided_p(out.effect / out.se_hc1);
  out.p_value_hac = two_sided_p(out.effect / out.se_hac);
  out.ci_low = out.effect - kZ975 * out.se_hc1;
  out.ci_high = out.effect + kZ975 * out.se_hc1;
  const double total = (response.array() - response.mean()).square().sum();
  out.r2 = total > 0 ? 1.0 - hc1.residuals.squaredNorm() / total : 0.0;
  return out;
}

}  // namespace mre::causal
