// Principal components of standardised features (seed 004): loadings, explained variance,
// scores. Eigen-decomposition of the correlation matrix (Jolliffe 2002, section 2.3).
#pragma once

#include "mre/core/linalg.h"

namespace mre::regimes::pca {

struct PcaConfig {
  int n_components = 3;
  bool standardise = true;  // z-score each column first (sample std, ddof = 1)
};

struct PcaFit {
  Vector center;              // D: column means used
  Vector scale;               // D: column stds used (1 when not standardising)
  Matrix loadings;            // D x C: unit eigenvectors, sign fixed so the largest |entry| is > 0
  Vector explained_variance;  // C: eigenvalues (variance of each component's scores, ddof = 1)
  Vector explained_variance_ratio;  // C: share of the total variance
};

// REQUIRES: data T x D without NaN, T >= 2, 1 <= n_components <= D; no constant column when
// standardising (DataError naming the column).
PcaFit fit(const Matrix& data, const PcaConfig& config);
// Scores (T x C) of rows under a fitted PCA.
Matrix transform(const PcaFit& fit, const Matrix& data);

}  // namespace mre::regimes::pca
