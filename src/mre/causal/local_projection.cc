// See local_projection.h.
#include "mre/causal/local_projection.h"

#include <algorithm>
#include <cmath>

#include "mre/causal/dml.h"
#include "mre/causal/inference.h"
#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {

std::string lp_inference_name(LpInference inference) {
  return inference == LpInference::kLagAugmentedHc1 ? "lag_augmented_hc1" : "newey_west";
}

LpInference parse_lp_inference(const std::string& name) {
  if (name == "hc1" || name == "lag_augmented_hc1") return LpInference::kLagAugmentedHc1;
  if (name == "hac" || name == "newey_west") return LpInference::kNeweyWest;
  throw Error(ErrorCode::kInvalidArgument,
              "se: expected hc1 (lag-augmented) or hac (Newey-West), got '" + name + "'");
}

LocalProjectionFit local_projection(const Vector& y, const Vector& shock, const Matrix& controls,
                                    const LocalProjectionOptions& options) {
  check_arg(y.size() == shock.size(), "shock", "needs one value per period of y");
  check_arg(controls.rows() == y.size(), "controls", "need one row per period of y");
  if (options.lags < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "lags: must be >= 1 (got " + std::to_string(options.lags) + ")");
  }
  check_arg(!options.horizons.empty(), "horizons", "at least one horizon");
  const Eigen::Index n = y.size();
  const int p = options.lags;
  const Eigen::Index k = controls.cols();
  // w_t: the lagged-outcome regressor.
  Vector w = y;
  if (options.cumulative) {
    w.setConstant(std::numeric_limits<double>::quiet_NaN());
    for (Eigen::Index t = 1; t < n; ++t) w(t) = y(t) - y(t - 1);
  }
  LocalProjectionFit out;
  out.inference = lp_inference_name(options.inference);
  out.lags = p;
  out.cumulative = options.cumulative;
  const Eigen::Index columns = 2 + p * (2 + k);
  for (const int h : options.horizons) {
    if (h < 0)
      throw Error(ErrorCode::kInvalidArgument,
                  "horizons: must be >= 0 (got " + std::to_string(h) + ")");
    std::vector<Eigen::Index> rows;
    for (Eigen::Index t = p + (options.cumulative ? 1 : 0); t + h < n; ++t) {
      bool ok = std::isfinite(y(t + h)) && std::isfinite(shock(t)) &&
                (!options.cumulative || std::isfinite(y(t - 1)));
      for (int l = 1; ok && l <= p; ++l) {
        ok = std::isfinite(shock(t - l)) && std::isfinite(w(t - l));
        for (Eigen::Index j = 0; ok && j < k; ++j) ok = std::isfinite(controls(t - l, j));
      }
      if (ok) rows.push_back(t);
    }
    const auto m = static_cast<Eigen::Index>(rows.size());
    if (m < std::max<Eigen::Index>(options.min_rows, columns + 1)) {
      throw Error(ErrorCode::kDataError,
                  "horizons: horizon " + std::to_string(h) + " leaves " + std::to_string(m) +
                      " usable periods (need " +
                      std::to_string(std::max<Eigen::Index>(options.min_rows, columns + 1)) +
                      "); the horizon is beyond the data");
    }
    Matrix X(m, columns);
    Vector d(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      const Eigen::Index t = rows[static_cast<std::size_t>(i)];
      d(i) = options.cumulative ? y(t + h) - y(t - 1) : y(t + h);
      X(i, 0) = 1.0;
      X(i, 1) = shock(t);
      Eigen::Index c = 2;
      for (int l = 1; l <= p; ++l) {
        X(i, c++) = shock(t - l);
        X(i, c++) = w(t - l);
        for (Eigen::Index j = 0; j < k; ++j) X(i, c++) = controls(t - l, j);
      }
    }
    // Redundant regressors (a control that is a difference of another's lags, as fed_shock and
    // fed_funds) are dropped, never the shock: it comes first after the intercept.
    const auto independent = independent_columns(X.rightCols(columns - 1));
    if (independent.kept.empty() || independent.kept.front() != 0) {
      throw Error(
          ErrorCode::kDataError,
          "treatment: the shock is constant or a combination of its own lags and the controls");
    }
    if (!independent.dropped.empty()) {
      Matrix reduced(m, 1 + static_cast<Eigen::Index>(independent.kept.size()));
      reduced.col(0).setOnes();
      for (std::size_t j = 0; j < independent.kept.size(); ++j) {
        reduced.col(1 + static_cast<Eigen::Index>(j)) = X.col(1 + independent.kept[j]);
      }
      X = std::move(reduced);
    }
    LocalProjectionPoint point;
    point.horizon = h;
    point.observations = m;
    point.dropped_columns = static_cast<int>(independent.dropped.size());
    LinearFit fit;
    if (options.inference == LpInference::kLagAugmentedHc1) {
      fit = ols_with_covariance(X, d, StandardError::kHc1, 0);
    } else {
      point.hac_lag = std::max(h + 1, newey_west_lag(m));
      fit = ols_with_covariance(X, d, StandardError::kHac, point.hac_lag);
    }
    point.effect = fit.coefficients(1);
    point.se = std::sqrt(fit.covariance(1, 1));
    point.ci_low = point.effect - kZ975 * point.se;
    point.ci_high = point.effect + kZ975 * point.se;
    point.p_value = two_sided_p(point.effect / point.se);
    out.points.push_back(point);
  }
  return out;
}

}  // namespace mre::causal
