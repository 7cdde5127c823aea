// See conformal.h: the split conformal quantile and the intervals' checks.
#include "mre/neural/conformal.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::neural {

double conformal_quantile(const Vector& scores, double level) {
  check_arg(level > 0.0 && level < 1.0, "level",
            "must be inside (0, 1) (got " + std::to_string(level) + ")");
  const auto n = scores.size();
  std::vector<double> sorted(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(scores(i)) || scores(i) < 0) {
      throw Error(ErrorCode::kDataError, "conformal: calibration score of row " +
                                             std::to_string(i) + " is not a finite value >= 0");
    }
    sorted[static_cast<std::size_t>(i)] = scores(i);
  }
  // k = ceil((n + 1) level), computed with a guard against (n + 1) level landing a rounding
  // error above an integer (0.9 * 10 is 9.000000000000002 in binary).
  const double target = static_cast<double>(n + 1) * level;
  auto k = static_cast<Eigen::Index>(std::ceil(target - 1e-9 * target));
  k = std::max<Eigen::Index>(k, 1);
  if (k > n) {
    const double minimum = level / (1.0 - level);  // (n + 1) level <= n
    throw Error(ErrorCode::kDataError,
                "calibration: " + std::to_string(n) + " held-out rows are too few for level " +
                    std::to_string(level) + " (ceil((n + 1) level) = " + std::to_string(k) +
                    " > n; at least " +
                    std::to_string(static_cast<long long>(std::ceil(minimum - 1e-9 * minimum))) +
                    " rows are needed)");
  }
  std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end());
  return sorted[static_cast<std::size_t>(k - 1)];
}

Vector normalised_scores(const Vector& residual, const Vector& sigma) {
  check_arg(residual.size() == sigma.size(), "sigma", "needs one value per residual");
  Vector out(residual.size());
  for (Eigen::Index i = 0; i < residual.size(); ++i) {
    if (!std::isfinite(residual(i)))
      throw Error(ErrorCode::kDataError,
                  "conformal: residual of row " + std::to_string(i) + " is not finite");
    if (!(std::isfinite(sigma(i)) && sigma(i) > 0))
      throw Error(ErrorCode::kDataError,
                  "conformal: sigma of row " + std::to_string(i) + " is not finite and > 0");
    out(i) = std::abs(residual(i)) / sigma(i);
  }
  return out;
}

IntervalCheck check_intervals(const Vector& residual, const Vector& sigma, double quantile) {
  const Vector scores = normalised_scores(residual, sigma);
  IntervalCheck out;
  out.rows = scores.size();
  if (out.rows == 0) return out;
  out.coverage =
      static_cast<double>((scores.array() <= quantile).count()) / static_cast<double>(out.rows);
  out.mean_width = 2.0 * quantile * sigma.mean();
  return out;
}

}  // namespace mre::neural
