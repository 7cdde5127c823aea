// See regime_dependent.h.
#include "mre/scm/regime_dependent.h"

#include <cmath>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::scm {

std::vector<Fitted> fit_by_regime(const Graph& graph, const Matrix& data,
                                  const Matrix& probabilities,
                                  const std::vector<std::string>& labels, int hac_lag) {
  check_arg(probabilities.rows() == data.rows(), "probabilities", "needs one row per data row");
  check_arg(probabilities.cols() == static_cast<Eigen::Index>(labels.size()) && !labels.empty(),
            "labels", "needs one name per regime");
  std::vector<Fitted> out;
  for (Eigen::Index k = 0; k < probabilities.cols(); ++k) {
    out.push_back(fit_weighted(graph, data, probabilities.col(k), hac_lag,
                               "regime '" + labels[static_cast<std::size_t>(k)] + "'"));
  }
  return out;
}

std::vector<int> most_likely_path(const Matrix& probabilities) {
  std::vector<int> path(static_cast<std::size_t>(probabilities.rows()), 0);
  for (Eigen::Index t = 0; t < probabilities.rows(); ++t) {
    Eigen::Index best = 0;
    probabilities.row(t).maxCoeff(&best);
    path[static_cast<std::size_t>(t)] = static_cast<int>(best);
  }
  return path;
}

Matrix transition_from_path(const std::vector<int>& path, int regimes) {
  check_arg(regimes >= 1, "regimes", "must be >= 1");
  Matrix counts = Matrix::Zero(regimes, regimes);
  for (std::size_t t = 1; t < path.size(); ++t) {
    check_arg(path[t] >= 0 && path[t] < regimes && path[t - 1] >= 0 && path[t - 1] < regimes,
              "path", "regime outside 0..K-1");
    counts(path[t - 1], path[t]) += 1.0;
  }
  for (int i = 0; i < regimes; ++i) {
    const double total = counts.row(i).sum();
    if (total > 0) {
      counts.row(i) /= total;
    } else {
      counts(i, i) = 1.0;
    }
  }
  return counts;
}

std::vector<int> draw_path(const Matrix& transition, int start, Eigen::Index length,
                           PathRandom& rng) {
  const auto k = transition.rows();
  check_arg(transition.cols() == k && k >= 1, "transition", "must be square");
  check_arg(start >= 0 && start < k, "start", "regime outside 0..K-1");
  std::vector<int> path(static_cast<std::size_t>(std::max<Eigen::Index>(length, 0)), start);
  for (std::size_t t = 1; t < path.size(); ++t) {
    const double u = rng.uniform();
    double cumulative = 0.0;
    int next = static_cast<int>(k) -
               1;  // rounding: a u beyond the last cumulative sum lands in the last regime
    for (int j = 0; j < k; ++j) {
      cumulative += transition(path[t - 1], j);
      if (u < cumulative) {
        next = j;
        break;
      }
    }
    path[t] = next;
  }
  return path;
}

}  // namespace mre::scm
