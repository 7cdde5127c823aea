// A conjugate (normal-inverse-Wishart) prior on each state's mean and covariance, for MAP-EM:
// the M-step term that replaces the maximum-likelihood mean and covariance by their posterior
// mode, and the log prior density added to the log-likelihood (the penalised objective EM then
// increases). The default of Fraley & Raftery (2007), "Bayesian regularization for normal mixture
// estimation and model-based clustering", J. Classification 24:155-181, section 3 and table 2
// (model VVV): it keeps every covariance away from singularity, removing the degenerate optima
// where maximum-likelihood EM crawls towards a collapsing state.
#pragma once

#include <string>

#include "mre/core/linalg.h"

namespace mre::regimes::hmm {

enum class CovariancePrior { kNone, kFraleyRaftery };

std::string covariance_prior_name(CovariancePrior prior);  // none | fraley_raftery
// Throws InvalidArgument naming the parameter for anything else.
CovariancePrior parse_covariance_prior(const std::string& name);

// mu_k | Sigma_k ~ N(mean, Sigma_k / shrinkage), Sigma_k ~ inverse-Wishart(dof, scale), with
// density |Sigma|^{-(dof + d + 1)/2} exp(-tr(scale Sigma^{-1}) / 2) / normaliser.
struct NormalInverseWishart {
  Vector mean;           // mu_P (d)
  double shrinkage = 0;  // kappa_P
  double dof = 0;        // nu_P
  Matrix scale;          // Lambda_P (d x d, positive definite)
};

// Fraley & Raftery's default for K states on T x d data (NaN = missing): mean = the column means,
// shrinkage 0.01, dof d + 2, scale = the data covariance / K^(2/d). With missing values the data
// covariance is taken pairwise (each entry over the rows where both columns are present, sample
// covariance); if that matrix is not positive definite, its diagonal. REQUIRES every column to
// have two present values (DataError naming the column otherwise).
NormalInverseWishart fraley_raftery_prior(const Matrix& data, int n_states);

// The posterior mode of one state's (mu, Sigma) given its expected sufficient statistics: weight
// n = sum_t gamma_t, mean ybar = sum_t gamma_t y_t / n and scatter W = sum_t gamma_t (y_t - ybar)
// (y_t - ybar)' (Fraley & Raftery 2007, table 2, VVV):
//   mu    = (n ybar + kappa mu_P) / (n + kappa)
//   Sigma = (Lambda_P + W + kappa n / (kappa + n) (ybar - mu_P)(ybar - mu_P)') / (nu_P + n + d + 2)
struct MapEstimate {
  Vector mean;
  Matrix covariance;
};
MapEstimate map_estimate(const NormalInverseWishart& prior, double weight, const Vector& mean,
                         const Matrix& scatter);

// log N(mu; mean, Sigma / shrinkage) + log inverse-Wishart(Sigma; dof, scale), normalised.
// REQUIRES Sigma positive definite (DataError otherwise).
double log_prior_density(const NormalInverseWishart& prior, const Vector& mu, const Matrix& sigma);

}  // namespace mre::regimes::hmm
