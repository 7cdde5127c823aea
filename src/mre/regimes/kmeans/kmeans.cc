// k-means++ and Lloyd's algorithm (Lloyd 1982), with scikit-learn's convergence rule.
#include "mre/regimes/kmeans/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::regimes::kmeans {
namespace {

// Squared distances T x K as |x|^2 - 2 x.c + |c|^2, after moving the origin to the data's
// mean: far from zero (levels around 1e7) the expansion would cancel catastrophically.
Matrix squared_distances(const Matrix& raw_data, const Matrix& raw_centers) {
  const RowVector origin = raw_data.colwise().mean();
  const Matrix data = raw_data.rowwise() - origin;
  const Matrix centers = raw_centers.rowwise() - origin;
  const Vector row_norms = data.rowwise().squaredNorm();
  const Vector center_norms = centers.rowwise().squaredNorm();
  Matrix d = -2.0 * data * centers.transpose();
  d.colwise() += row_norms;
  d.rowwise() += center_norms.transpose();
  return d.cwiseMax(0.0);
}

void check_finite_data(const Matrix& data) {
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      if (!std::isfinite(data(t, d))) {
        throw Error(ErrorCode::kDataError, "k-means: column " + std::to_string(d) +
                                               " has a missing or non-finite value in row " +
                                               std::to_string(t) +
                                               " (drop or fill incomplete rows first)");
      }
    }
  }
}

// scikit-learn's rule for a cluster that no row chose (_relocate_empty_clusters_dense): the
// rows farthest from their own centre, farthest first, become the empty clusters' centres (in
// cluster order) and leave their old clusters' sums. Keeping the empty cluster's centre instead
// would leave a centre no row supports, one that later rows (or an HMM start) would still use.
// Deviations, only where sklearn's result is unspecified or degenerate: with several empty
// clusters the far rows are taken in descending distance, ties by row (numpy's argpartition
// leaves their order unspecified); a row at distance 0 is never moved (every row then sits on
// its centre, there is nothing to gain, and sklearn 1.2 moves one anyway, leaving two equal
// centres); and a cluster that the move leaves with no row keeps its centre for this step and
// is relocated at the next (sklearn would put that centre at the origin).
void relocate_empty_clusters(const Matrix& data, const Matrix& centers,
                             const std::vector<int>& labels, Matrix& sums, Vector& counts) {
  std::vector<Eigen::Index> empty;
  for (Eigen::Index k = 0; k < counts.size(); ++k) {
    if (counts(k) == 0) empty.push_back(k);
  }
  if (empty.empty()) return;
  // Direct differences, as sklearn: the expansion in squared_distances rounds small distances.
  std::vector<std::pair<double, Eigen::Index>> distance(static_cast<std::size_t>(data.rows()));
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    distance[static_cast<std::size_t>(t)] = {
        (data.row(t) - centers.row(labels[static_cast<std::size_t>(t)])).squaredNorm(), t};
  }
  const std::size_t n_far = std::min(empty.size(), distance.size());
  std::partial_sort(distance.begin(), distance.begin() + static_cast<std::ptrdiff_t>(n_far),
                    distance.end(), [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  for (std::size_t i = 0; i < n_far; ++i) {
    const auto [d, t] = distance[i];
    if (!(d > 0)) break;  // the rest are at distance 0 too
    const int from = labels[static_cast<std::size_t>(t)];
    sums.row(from) -= data.row(t);
    counts(from) -= 1;
    sums.row(empty[i]) = data.row(t);
    counts(empty[i]) = 1;
  }
}

}  // namespace

Matrix kmeans_plus_plus(const Matrix& data, int n_clusters, std::uint64_t seed) {
  const Eigen::Index T = data.rows();
  check_arg(n_clusters >= 1 && T >= n_clusters, "n_clusters",
            "must be between 1 and the number of rows");
  std::mt19937_64 rng(seed);
  Matrix centers(n_clusters, data.cols());
  std::uniform_int_distribution<Eigen::Index> first(0, T - 1);
  centers.row(0) = data.row(first(rng));
  Vector closest = (data.rowwise() - centers.row(0)).rowwise().squaredNorm();
  for (int k = 1; k < n_clusters; ++k) {
    const double total = closest.sum();
    Eigen::Index chosen = 0;
    if (total > 0) {
      std::uniform_real_distribution<double> u(0.0, total);
      double target = u(rng);
      for (; chosen < T - 1; ++chosen) {
        target -= closest(chosen);
        if (target <= 0) break;
      }
    } else {
      chosen = first(rng);
    }
    centers.row(k) = data.row(chosen);
    closest = closest.cwiseMin((data.rowwise() - centers.row(k)).rowwise().squaredNorm());
  }
  return centers;
}

std::vector<int> assign(const Matrix& data, const Matrix& centers) {
  const Matrix d = squared_distances(data, centers);
  std::vector<int> labels(static_cast<std::size_t>(data.rows()));
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    Eigen::Index k = 0;
    d.row(t).minCoeff(&k);
    labels[static_cast<std::size_t>(t)] = static_cast<int>(k);
  }
  return labels;
}

KMeansFit fit_from(const Matrix& data, const Matrix& initial_centers, const KMeansConfig& config) {
  check_finite_data(data);
  check_arg(initial_centers.cols() == data.cols() && initial_centers.rows() >= 1, "initial_centers",
            "must have at least one row and as many columns as the data");
  const Eigen::Index K = initial_centers.rows();
  // sklearn: tol scaled by the mean of the per-feature variances.
  const RowVector mean = data.colwise().mean();
  const double variance = (data.rowwise() - mean).array().square().colwise().mean().mean();
  const double tolerance = config.tol * variance;
  KMeansFit out;
  out.centers = initial_centers;
  for (out.iterations = 1; out.iterations <= config.max_iter; ++out.iterations) {
    out.labels = assign(data, out.centers);
    Matrix sums = Matrix::Zero(K, data.cols());
    Vector counts = Vector::Zero(K);
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      const int k = out.labels[static_cast<std::size_t>(t)];
      sums.row(k) += data.row(t);
      counts(k) += 1;
    }
    relocate_empty_clusters(data, out.centers, out.labels, sums, counts);
    Matrix next = out.centers;
    for (Eigen::Index k = 0; k < K; ++k) {
      if (counts(k) > 0) next.row(k) = sums.row(k) / counts(k);
    }
    const double shift = (next - out.centers).squaredNorm();
    out.centers = next;
    if (shift <= tolerance) {
      out.converged = true;
      break;
    }
  }
  out.iterations = std::min(out.iterations, config.max_iter);
  out.labels = assign(data, out.centers);
  out.inertia = 0;
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    out.inertia +=
        (data.row(t) - out.centers.row(out.labels[static_cast<std::size_t>(t)])).squaredNorm();
  }
  return out;
}

KMeansFit fit(const Matrix& data, const KMeansConfig& config) {
  check_arg(config.n_init >= 1, "n_init", "must be >= 1");
  check_finite_data(data);
  std::optional<KMeansFit> best;
  for (int run = 0; run < config.n_init; ++run) {
    const Matrix seeds =
        kmeans_plus_plus(data, config.n_clusters, config.seed + static_cast<std::uint64_t>(run));
    KMeansFit candidate = fit_from(data, seeds, config);
    if (!best || candidate.inertia < best->inertia) best = std::move(candidate);
  }
  // n_init >= 1 (checked above): the loop ran and set it.
  return *best;  // NOLINT(bugprone-unchecked-optional-access)
}

}  // namespace mre::regimes::kmeans
