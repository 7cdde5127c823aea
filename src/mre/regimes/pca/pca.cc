// PCA by a symmetric eigen-decomposition of the (standardised) covariance matrix.
#include "mre/regimes/pca/pca.h"

#include <Eigen/Eigenvalues>
#include <cmath>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::regimes::pca {

PcaFit fit(const Matrix& data, const PcaConfig& config) {
  const Eigen::Index T = data.rows();
  const Eigen::Index D = data.cols();
  check_arg(T >= 2, "data", "needs at least two rows");
  check_arg(config.n_components >= 1 && config.n_components <= D, "n_components",
            "must be between 1 and the number of features");
  for (Eigen::Index d = 0; d < D; ++d) {
    for (Eigen::Index t = 0; t < T; ++t) {
      if (!std::isfinite(data(t, d))) {
        throw Error(ErrorCode::kDataError, "PCA: column " + std::to_string(d) +
                                               " has a missing or non-finite value in row " +
                                               std::to_string(t) +
                                               " (drop or fill incomplete rows first)");
      }
    }
  }
  PcaFit out;
  out.center = data.colwise().mean().transpose();
  const Matrix centred = data.rowwise() - out.center.transpose();
  out.scale = Vector::Ones(D);
  if (config.standardise) {
    out.scale =
        (centred.colwise().squaredNorm() / static_cast<double>(T - 1)).cwiseSqrt().transpose();
    for (Eigen::Index d = 0; d < D; ++d) {
      // Exactly constant, even when its value is inexact in binary (0.1 repeated gives a
      // rounding-size std that standardisation would blow up into a fake component).
      if ((data.col(d).array() == data(0, d)).all() || !(out.scale(d) > 0)) {
        throw Error(ErrorCode::kDataError,
                    "column " + std::to_string(d) + " is constant: it cannot be standardised");
      }
    }
  }
  const Matrix z = centred * out.scale.cwiseInverse().asDiagonal();
  const Matrix covariance = (z.transpose() * z) / static_cast<double>(T - 1);
  Eigen::SelfAdjointEigenSolver<Matrix> solver(covariance);
  // Eigen returns ascending eigenvalues; take the largest first.
  const int C = config.n_components;
  out.loadings.resize(D, C);
  out.explained_variance.resize(C);
  for (int c = 0; c < C; ++c) {
    const Eigen::Index source = D - 1 - c;
    Vector v = solver.eigenvectors().col(source);
    Eigen::Index largest = 0;
    v.cwiseAbs().maxCoeff(&largest);
    if (v(largest) < 0) v = -v;  // deterministic sign
    out.loadings.col(c) = v;
    out.explained_variance(c) = solver.eigenvalues()(source);
  }
  out.explained_variance_ratio = out.explained_variance / solver.eigenvalues().sum();
  return out;
}

Matrix transform(const PcaFit& fit, const Matrix& data) {
  check_arg(data.cols() == fit.center.size(), "data", "must have the fitted number of columns");
  const Matrix z =
      (data.rowwise() - fit.center.transpose()) * fit.scale.cwiseInverse().asDiagonal();
  return z * fit.loadings;
}

}  // namespace mre::regimes::pca
