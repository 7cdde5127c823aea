// Per-row predictive densities and Vuong's test with a HAC variance; see model_comparison.h.
#include "mre/regimes/hmm/model_comparison.h"

#include <algorithm>
#include <cmath>

#include "mre/core/check.h"
#include "mre/regimes/hmm/forward_backward.h"

namespace mre::regimes::hmm {

Vector predictive_log_densities(const GaussianHmmParams& params, const Matrix& data) {
  const Matrix log_b = log_emission(params, data);
  const Eigen::Index T = log_b.rows();
  Vector out(T);
  Vector filtered;
  for (Eigen::Index t = 0; t < T; ++t) {
    double step = 0.0;
    filtered = t == 0 ? first_step(params.initial, log_b.row(0), &step)
                      : forward_step(filtered, log_b.row(t), params.transition, &step);
    out(t) = step;
  }
  return out;
}

LongRunVariance long_run_variance(const Vector& series) {
  const Eigen::Index T = series.size();
  check_arg(T >= 3, "series", "needs at least 3 values");
  const Vector u = series.array() - series.mean();
  const auto autocovariance = [&](Eigen::Index j) {
    return u.head(T - j).dot(u.tail(T - j)) / static_cast<double>(T);
  };
  LongRunVariance out;
  const double denominator = u.head(T - 1).squaredNorm();
  out.rho = denominator > 0 ? u.head(T - 1).dot(u.tail(T - 1)) / denominator : 0.0;
  const double rho = std::clamp(out.rho, -0.97, 0.97);
  const double alpha = 4.0 * rho * rho / ((1.0 - rho) * (1.0 - rho) * (1.0 + rho) * (1.0 + rho));
  out.bandwidth =
      std::min(1.1447 * std::cbrt(alpha * static_cast<double>(T)), static_cast<double>(T - 1));
  out.variance = autocovariance(0);
  for (Eigen::Index j = 1; static_cast<double>(j) < out.bandwidth; ++j)
    out.variance += 2.0 * (1.0 - static_cast<double>(j) / out.bandwidth) * autocovariance(j);
  return out;
}

VuongTest vuong_test(const Vector& a, const Vector& b) {
  check_arg(a.size() == b.size(), "b", "must have as many rows as a");
  const Vector d = a - b;
  VuongTest out;
  out.rows = static_cast<int>(d.size());
  out.difference = d.sum();
  out.lrv = long_run_variance(d);
  const double scale = std::sqrt(static_cast<double>(d.size()) * out.lrv.variance);
  out.statistic = scale > 0 ? out.difference / scale : 0.0;
  return out;
}

}  // namespace mre::regimes::hmm
