// See forecast_scores.h.
#include "mre/neural/forecast_scores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mre/core/error.h"

namespace mre::neural {

ForecastScores score_forecasts(const std::string& name, const Matrix& p,
                               const std::vector<int>& outcomes, int bins, double clip) {
  const auto n = static_cast<std::size_t>(p.rows());
  const int classes = static_cast<int>(p.cols());
  if (n == 0 || outcomes.size() != n || classes < 1 || bins < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "score_forecasts: " + name + ": " + std::to_string(outcomes.size()) +
                    " outcomes for " + std::to_string(n) + " forecasts (need >= 1, equal)");
  }
  ForecastScores s;
  s.name = name;
  s.forecasts = n;
  std::vector<double> sum_p(static_cast<std::size_t>(bins), 0.0);
  std::vector<double> hits(static_cast<std::size_t>(bins), 0.0);
  std::vector<std::size_t> count(static_cast<std::size_t>(bins), 0);
  double log_loss = 0.0, brier = 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    const int y = outcomes[i];
    if (y < 0 || y >= classes || !p.row(row).allFinite() || std::abs(p.row(row).sum() - 1) > 1e-6)
      throw Error(ErrorCode::kInvalidArgument,
                  "score_forecasts: " + name + ": forecast " + std::to_string(i) +
                      " is not a probability vector or its outcome is out of range");
    log_loss -= std::log(std::max(p(row, y), clip));
    Eigen::Index best = 0;
    p.row(row).maxCoeff(&best);
    if (best == y) ++right;
    for (int c = 0; c < classes; ++c) {
      const double event = c == y ? 1.0 : 0.0;
      const double v = p(row, c);
      brier += (v - event) * (v - event);
      const auto b =
          static_cast<std::size_t>(std::clamp(static_cast<int>(std::floor(v * bins)), 0, bins - 1));
      sum_p[b] += v;
      hits[b] += event;
      ++count[b];
    }
  }
  s.log_loss = log_loss / static_cast<double>(n);
  s.brier = brier / static_cast<double>(n);
  s.accuracy = static_cast<double>(right) / static_cast<double>(n);
  for (int b = 0; b < bins; ++b) {
    const auto i = static_cast<std::size_t>(b);
    CalibrationBin bin;
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    bin.count = count[i];
    const double nan = std::numeric_limits<double>::quiet_NaN();
    bin.mean_forecast = count[i] ? sum_p[i] / static_cast<double>(count[i]) : nan;
    bin.observed = count[i] ? hits[i] / static_cast<double>(count[i]) : nan;
    s.calibration.push_back(bin);
  }
  return s;
}

Matrix observed_transition_matrix(const std::vector<int>& path, int classes, std::size_t end) {
  Matrix counts = Matrix::Ones(classes, classes);
  for (std::size_t j = 1; j < std::min(end, path.size()); ++j) {
    const int a = path[j - 1], b = path[j];
    if (a >= 0 && b >= 0 && a < classes && b < classes) counts(a, b) += 1.0;
  }
  for (int i = 0; i < classes; ++i) counts.row(i) /= counts.row(i).sum();
  return counts;
}

Vector markov_forecast(const Matrix& transition, int from, int steps) {
  Vector row = transition.row(from).transpose();
  for (int s = 1; s < steps; ++s) row = (row.transpose() * transition).transpose();
  return row;
}

}  // namespace mre::neural
