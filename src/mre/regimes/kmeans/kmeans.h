// k-means: k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd iterations, best of n_init
// by inertia (the within-cluster sum of squares), as scikit-learn's KMeans(algorithm="lloyd"),
// including its rule for a cluster no row chose: the row farthest from its centre moves there.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::regimes::kmeans {

struct KMeansConfig {
  int n_clusters = 6;
  int n_init = 10;  // restarts from different seeds; the lowest inertia wins
  int max_iter = 300;
  double tol = 1e-4;  // stop when centres move less than tol * mean feature variance (as sklearn)
  std::uint64_t seed = 42;
};

struct KMeansFit {
  Matrix centers;           // K x D
  std::vector<int> labels;  // T
  double inertia = 0.0;     // sum of squared distances to the assigned centre
  int iterations = 0;
  bool converged = false;
};

// REQUIRES: data T x D without NaN, T >= n_clusters >= 1.
KMeansFit fit(const Matrix& data, const KMeansConfig& config);
// Lloyd iterations from given initial centres (deterministic; for cross-checks).
KMeansFit fit_from(const Matrix& data, const Matrix& initial_centers, const KMeansConfig& config);
// k-means++ seeding alone.
Matrix kmeans_plus_plus(const Matrix& data, int n_clusters, std::uint64_t seed);
// Index of the nearest centre for each row.
std::vector<int> assign(const Matrix& data, const Matrix& centers);

}  // namespace mre::regimes::kmeans
