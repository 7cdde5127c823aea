// See surprise.h.
#include "mre/causal/surprise.h"

#include <Eigen/QR>
#include <cmath>
#include <limits>

#include "mre/core/check.h"
#include "mre/core/linalg.h"

namespace mre::causal {

std::vector<double> real_time_ar_surprise(const std::vector<double>& x,
                                          const ArSurpriseOptions& options) {
  check_arg(options.lags >= 1, "lags", "must be >= 1");
  check_arg(options.window > options.lags + 1, "window", "must exceed lags + 1");
  const int p = options.lags;
  const int min_rows =
      options.min_rows > 0 ? options.min_rows : std::max(3 * (p + 1), options.window / 2);
  const auto n = static_cast<long>(x.size());
  std::vector<double> out(x.size(), std::numeric_limits<double>::quiet_NaN());
  const auto usable = [&](long s) {  // x_s and its p lags finite
    if (s - p < 0) return false;
    for (long j = 0; j <= p; ++j) {
      if (!std::isfinite(x[static_cast<std::size_t>(s - j)])) return false;
    }
    return true;
  };
  for (long t = 0; t < n; ++t) {
    if (!usable(t)) continue;
    std::vector<long> rows;
    for (long s = std::max<long>(0, t - options.window); s < t; ++s) {
      if (usable(s)) rows.push_back(s);
    }
    if (static_cast<int>(rows.size()) < min_rows) continue;
    Matrix X(static_cast<Eigen::Index>(rows.size()), p + 1);
    Vector y(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto r = static_cast<Eigen::Index>(i);
      X(r, 0) = 1.0;
      for (int j = 1; j <= p; ++j) X(r, j) = x[static_cast<std::size_t>(rows[i] - j)];
      y(r) = x[static_cast<std::size_t>(rows[i])];
    }
    Eigen::ColPivHouseholderQR<Matrix> qr(X);
    qr.setThreshold(1e-12);
    if (qr.rank() < X.cols()) continue;
    const Vector b = qr.solve(y);
    double forecast = b(0);
    for (int j = 1; j <= p; ++j) forecast += b(j) * x[static_cast<std::size_t>(t - j)];
    out[static_cast<std::size_t>(t)] = x[static_cast<std::size_t>(t)] - forecast;
  }
  return out;
}

std::vector<double> real_time_orthogonalised(const std::vector<double>& y,
                                             const std::vector<std::vector<double>>& predictors,
                                             int min_rows) {
  const auto k = static_cast<Eigen::Index>(predictors.size());
  for (const auto& column : predictors)
    check_arg(column.size() == y.size(), "predictors", "each must have one value per row of y");
  check_arg(min_rows > k + 1, "min_rows", "must exceed the number of predictors + 1");
  std::vector<double> out(y.size(), std::numeric_limits<double>::quiet_NaN());
  const auto usable = [&](std::size_t s) {
    if (!std::isfinite(y[s])) return false;
    for (const auto& column : predictors) {
      if (!std::isfinite(column[s])) return false;
    }
    return true;
  };
  std::vector<std::size_t> rows;  // the usable rows before t, ascending
  for (std::size_t t = 0; t < y.size(); ++t) {
    if (!usable(t)) continue;
    if (std::ssize(rows) >= min_rows) {
      Matrix X(std::ssize(rows), k + 1);
      Vector v(std::ssize(rows));
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        X(r, 0) = 1.0;
        for (Eigen::Index j = 0; j < k; ++j)
          X(r, j + 1) = predictors[static_cast<std::size_t>(j)][rows[i]];
        v(r) = y[rows[i]];
      }
      Eigen::ColPivHouseholderQR<Matrix> qr(X);
      qr.setThreshold(1e-12);
      if (qr.rank() == X.cols()) {
        const Vector b = qr.solve(v);
        double fit = b(0);
        for (Eigen::Index j = 0; j < k; ++j)
          fit += b(j + 1) * predictors[static_cast<std::size_t>(j)][t];
        out[t] = y[t] - fit;
      }
    }
    rows.push_back(t);
  }
  return out;
}

}  // namespace mre::causal
