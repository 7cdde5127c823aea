// Expanding-window z-scores, one pass per column.
#include "mre/regimes/standardize.h"

#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"

namespace mre::regimes {

Matrix expanding_zscore(const Matrix& data, int min_observations) {
  check_arg(min_observations >= 2, "standardize: min_observations",
            "must be >= 2 (got " + std::to_string(min_observations) + ")");
  check_arg(min_observations <= data.rows(), "standardize: min_observations",
            "(" + std::to_string(min_observations) + ") is longer than the data (" +
                std::to_string(data.rows()) + " rows)");
  Matrix out = Matrix::Constant(data.rows(), data.cols(), std::numeric_limits<double>::quiet_NaN());
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    double n = 0;
    double mean = 0;
    double m2 = 0;
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      const double v = data(t, d);
      if (std::isnan(v)) continue;
      n += 1;
      const double delta = v - mean;
      mean += delta / n;
      m2 += delta * (v - mean);
      if (n < min_observations) continue;
      const double sd = std::sqrt(m2 / (n - 1));
      if (sd > 0) out(t, d) = (v - mean) / sd;
    }
  }
  return out;
}

}  // namespace mre::regimes
