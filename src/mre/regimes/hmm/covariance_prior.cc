// The normal-inverse-Wishart prior of MAP-EM; see covariance_prior.h.
#include "mre/regimes/hmm/covariance_prior.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <numbers>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::regimes::hmm {

std::string covariance_prior_name(CovariancePrior prior) {
  switch (prior) {
    case CovariancePrior::kNone:
      return "none";
    case CovariancePrior::kFraleyRaftery:
      return "fraley_raftery";
  }
  return "none";
}

CovariancePrior parse_covariance_prior(const std::string& name) {
  if (name == "none") return CovariancePrior::kNone;
  if (name == "fraley_raftery") return CovariancePrior::kFraleyRaftery;
  throw Error(ErrorCode::kInvalidArgument,
              "covariance_prior: unknown prior '" + name + "' (expected none or fraley_raftery)");
}

NormalInverseWishart fraley_raftery_prior(const Matrix& data, int n_states) {
  check_arg(n_states >= 1, "n_states", "must be >= 1");
  const Eigen::Index T = data.rows();
  const Eigen::Index D = data.cols();
  check_arg(D >= 1, "data", "must have at least one column");
  NormalInverseWishart prior;
  prior.mean.resize(D);
  for (Eigen::Index d = 0; d < D; ++d) {
    double sum = 0;
    double n = 0;
    for (Eigen::Index t = 0; t < T; ++t) {
      if (!std::isnan(data(t, d))) {
        sum += data(t, d);
        n += 1;
      }
    }
    if (n < 2) {
      throw Error(ErrorCode::kDataError,
                  "covariance_prior: column " + std::to_string(d) + " has fewer than two values");
    }
    prior.mean(d) = sum / n;
  }
  // Pairwise sample covariance: entry (i, j) over the rows where both are present, about those
  // rows' own means (as pandas' DataFrame.cov); the plain sample covariance for complete data.
  Matrix covariance(D, D);
  for (Eigen::Index i = 0; i < D; ++i) {
    for (Eigen::Index j = 0; j <= i; ++j) {
      double n = 0;
      double sum_i = 0;
      double sum_j = 0;
      for (Eigen::Index t = 0; t < T; ++t) {
        if (std::isnan(data(t, i)) || std::isnan(data(t, j))) continue;
        n += 1;
        sum_i += data(t, i);
        sum_j += data(t, j);
      }
      double c = 0;
      if (n >= 2) {
        const double mean_i = sum_i / n;
        const double mean_j = sum_j / n;
        for (Eigen::Index t = 0; t < T; ++t) {
          if (std::isnan(data(t, i)) || std::isnan(data(t, j))) continue;
          c += (data(t, i) - mean_i) * (data(t, j) - mean_j);
        }
        c /= n - 1;
      }
      covariance(i, j) = covariance(j, i) = c;
    }
  }
  if (Eigen::LLT<Matrix>(covariance).info() != Eigen::Success) {
    covariance = Matrix(covariance.diagonal().asDiagonal());
  }
  for (Eigen::Index d = 0; d < D; ++d) {
    if (!(covariance(d, d) > 0)) {
      throw Error(ErrorCode::kDataError,
                  "covariance_prior: column " + std::to_string(d) + " has no variance");
    }
  }
  const double dims = static_cast<double>(D);
  prior.shrinkage = 0.01;
  prior.dof = dims + 2.0;
  prior.scale = covariance / std::pow(static_cast<double>(n_states), 2.0 / dims);
  return prior;
}

MapEstimate map_estimate(const NormalInverseWishart& prior, double weight, const Vector& mean,
                         const Matrix& scatter) {
  const double kappa = prior.shrinkage;
  const double dims = static_cast<double>(prior.mean.size());
  const Vector offset = mean - prior.mean;
  MapEstimate out;
  out.mean = (weight * mean + kappa * prior.mean) / (weight + kappa);
  out.covariance = (prior.scale + scatter +
                    (kappa * weight / (kappa + weight)) * (offset * offset.transpose())) /
                   (prior.dof + weight + dims + 2.0);
  return out;
}

double log_prior_density(const NormalInverseWishart& prior, const Vector& mu, const Matrix& sigma) {
  const Eigen::LLT<Matrix> llt(sigma);
  if (llt.info() != Eigen::Success) {
    throw Error(ErrorCode::kDataError,
                "covariance_prior: a state's covariance is not positive definite");
  }
  const auto D = sigma.rows();
  const double d = static_cast<double>(D);
  const Matrix& L = llt.matrixL();
  double log_det_sigma = 0;
  for (Eigen::Index i = 0; i < D; ++i) log_det_sigma += 2.0 * std::log(L(i, i));
  const Eigen::LLT<Matrix> scale_llt(prior.scale);
  const Matrix& S = scale_llt.matrixL();
  double log_det_scale = 0;
  for (Eigen::Index i = 0; i < D; ++i) log_det_scale += 2.0 * std::log(S(i, i));
  const double pi = std::numbers::pi;
  // log N(mu; mu_P, Sigma / kappa).
  const Vector z = llt.matrixL().solve(mu - prior.mean);
  const double log_normal = -0.5 * d * std::log(2.0 * pi) + 0.5 * d * std::log(prior.shrinkage) -
                            0.5 * log_det_sigma - 0.5 * prior.shrinkage * z.squaredNorm();
  // log inverse-Wishart(Sigma; nu, Lambda) = nu/2 log|Lambda| - nu d/2 log 2 - log Gamma_d(nu/2)
  //   - (nu + d + 1)/2 log|Sigma| - tr(Lambda Sigma^{-1}) / 2; Gamma_d the multivariate gamma.
  double log_multigamma = 0.25 * d * (d - 1.0) * std::log(pi);
  for (Eigen::Index j = 1; j <= D; ++j)
    log_multigamma += std::lgamma(0.5 * prior.dof + 0.5 * (1.0 - static_cast<double>(j)));
  const double trace = llt.solve(prior.scale).trace();
  const double log_inverse_wishart = 0.5 * prior.dof * log_det_scale -
                                     0.5 * prior.dof * d * std::log(2.0) - log_multigamma -
                                     0.5 * (prior.dof + d + 1.0) * log_det_sigma - 0.5 * trace;
  return log_normal + log_inverse_wishart;
}

}  // namespace mre::regimes::hmm
