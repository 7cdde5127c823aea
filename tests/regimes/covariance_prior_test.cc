// MAP-EM under Fraley & Raftery's (2007) conjugate prior (regimes/hmm/covariance_prior.h): one EM
// step against a numpy/scipy reference written below (forward-backward, the MAP M-step, the
// penalised objective), the hyperparameters against numpy and pandas, recovery of a simulated
// model with known states, monotonicity of the penalised objective, and bad input.
#include "mre/regimes/hmm/covariance_prior.h"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mre/core/error.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/hmm/viterbi.h"
#include "support/hmm_simulation.h"
#include "support/test_support.h"

namespace mre::regimes::hmm {
namespace {

GaussianHmmParams truth() {
  GaussianHmmParams p;
  p.covariance = CovarianceType::kFull;
  p.initial = (Vector(3) << 0.6, 0.3, 0.1).finished();
  p.transition = (Matrix(3, 3) << 0.95, 0.03, 0.02, 0.04, 0.94, 0.02, 0.03, 0.03, 0.94).finished();
  p.means = (Matrix(3, 3) << 0.0, 0.0, 1.0, 3.0, -2.0, 0.0, -3.0, 2.5, -1.0).finished();
  p.covariances = {(Matrix(3, 3) << 1.0, 0.3, 0.1, 0.3, 0.5, 0.0, 0.1, 0.0, 0.7).finished(),
                   (Matrix(3, 3) << 0.6, -0.2, 0.0, -0.2, 0.8, 0.1, 0.0, 0.1, 0.4).finished(),
                   (Matrix(3, 3) << 1.5, 0.5, 0.2, 0.5, 1.0, 0.0, 0.2, 0.0, 0.9).finished()};
  return p;
}

using Simulated = mre::testing::SimulatedHmm;
using mre::testing::simulate_hmm;

void write_matrix(std::ostream& out, const Matrix& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << m(i, j) << (j + 1 < m.cols() ? " " : "\n");
  }
}

bool have_scipy() {
  return std::system("/usr/bin/python3 -c 'import numpy, scipy, pandas' >/dev/null 2>&1") == 0;
}

// The reference, numpy and scipy (Debian python3-numpy, -scipy, -pandas): one EM step of a
// Gaussian HMM from given parameters with the MAP M-step of Fraley & Raftery (2007, table 2,
// VVV) and its penalised objective; the prior's hyperparameters; pandas' pairwise covariance of
// data with gaps. Prints one number per line.
constexpr const char* kReference = R"(
import sys
import numpy as np
import pandas as pd
from scipy.stats import invwishart, multivariate_normal
rows = [l.split() for l in open(sys.argv[1])]
T, D, K = (int(v) for v in rows[0])
num = lambda r: np.array(r, dtype=float)
X = num(rows[1:1 + T]); at = 1 + T
pi0 = num(rows[at]); at += 1
A = num(rows[at:at + K]); at += K
mu = num(rows[at:at + K]); at += K
S = [num(rows[at + k * D:at + (k + 1) * D]) for k in range(K)]; at += K * D
min_covar = float(rows[at][0]); at += 1
gaps = num(rows[at:])
kappa, nu = 0.01, D + 2.0
mu_p = X.mean(axis=0)
scale = np.cov(X.T) / K ** (2.0 / D)
def log_prior(mu, S):
    return sum(multivariate_normal(mu_p, S[k] / kappa).logpdf(mu[k]) +
               invwishart(df=nu, scale=scale).logpdf(S[k]) for k in range(K))
def e_step(pi0, A, mu, S):
    B = np.column_stack([multivariate_normal(mu[k], S[k]).pdf(X) for k in range(K)])
    alpha = np.zeros((T, K)); c = np.zeros(T)
    a = pi0 * B[0]; c[0] = a.sum(); alpha[0] = a / c[0]
    for t in range(1, T):
        a = (alpha[t - 1] @ A) * B[t]; c[t] = a.sum(); alpha[t] = a / c[t]
    beta = np.ones((T, K))
    for t in range(T - 2, -1, -1):
        beta[t] = A @ (B[t + 1] * beta[t + 1]) / c[t + 1]
    gamma = alpha * beta
    xi = np.zeros((K, K))
    for t in range(T - 1):
        xi += np.outer(alpha[t], B[t + 1] * beta[t + 1]) * A / c[t + 1]
    return np.log(c).sum(), gamma, xi
def floor(p):
    p = np.maximum(p, 1e-12); return p / p.sum(axis=-1, keepdims=True)
ll0, gamma, xi = e_step(pi0, A, mu, S)
pi1 = floor(gamma[0] / gamma[0].sum())
A1 = floor(xi / xi.sum(axis=1, keepdims=True))
mu1 = np.zeros((K, D)); S1 = []
for k in range(K):
    n = gamma[:, k].sum(); ybar = gamma[:, k] @ X / n
    R = X - ybar; W = (gamma[:, k][:, None] * R).T @ R
    mu1[k] = (n * ybar + kappa * mu_p) / (n + kappa)
    d = (ybar - mu_p)[:, None]
    S1.append((scale + W + kappa * n / (kappa + n) * d @ d.T) / (nu + n + D + 2) +
              min_covar * np.eye(D))
ll1 = e_step(pi1, A1, mu1, S1)[0]
out = [ll0 + log_prior(mu, S), ll1 + log_prior(mu1, S1), log_prior(mu, S)]
out += list(pi1) + list(A1.ravel()) + list(mu1.ravel())
for k in range(K): out += list(S1[k].ravel())
out += list(mu_p) + list(scale.ravel())
out += list((pd.DataFrame(gaps).cov().to_numpy() / K ** (2.0 / D)).ravel())
for v in out: print(repr(float(v)))
)";

TEST(CovariancePrior, Issue18_OneMapEmStepMatchesANumpyReference) {
  if (!have_scipy()) GTEST_SKIP() << "/usr/bin/python3 lacks numpy, scipy or pandas";
  const int K = 3;
  const auto sim = simulate_hmm(truth(), 400, 11);
  const Matrix& X = sim.data;
  const auto D = X.cols();
  // A start away from the truth, so the step moves every parameter.
  GaussianHmmParams start;
  start.covariance = CovarianceType::kFull;
  start.initial = (Vector(3) << 0.2, 0.5, 0.3).finished();
  start.transition = (Matrix(3, 3) << 0.8, 0.1, 0.1, 0.15, 0.7, 0.15, 0.2, 0.2, 0.6).finished();
  start.means = (Matrix(3, 3) << 0.5, 0.5, 0.5, 2.0, -1.0, 0.0, -2.0, 2.0, 0.0).finished();
  for (int k = 0; k < K; ++k) start.covariances.push_back((1.0 + 0.5 * k) * Matrix::Identity(D, D));
  // Data with gaps for the pairwise covariance of the prior's scale.
  Matrix gaps = X.topRows(60);
  for (Eigen::Index t = 0; t < 60; t += 7) gaps(t, t % 3) = std::nan("");
  gaps(1, 0) = gaps(2, 1) = std::nan("");
  const double min_covar = 1e-3;
  testing::TempDir dir;
  {
    std::ofstream out(dir.path() / "input.txt");
    out.precision(17);
    out << X.rows() << " " << D << " " << K << "\n";
    write_matrix(out, X);
    write_matrix(out, start.initial.transpose());
    write_matrix(out, start.transition);
    write_matrix(out, start.means);
    for (const auto& c : start.covariances) write_matrix(out, c);
    out << min_covar << "\n";
    for (Eigen::Index t = 0; t < gaps.rows(); ++t) {
      for (Eigen::Index j = 0; j < D; ++j)
        out << (std::isnan(gaps(t, j)) ? std::string("nan") : std::to_string(gaps(t, j)))
            << (j + 1 < D ? " " : "\n");
    }
  }
  testing::write_file(dir.path() / "reference.py", kReference);
  const auto ran = testing::run_shell("/usr/bin/python3 " + (dir.path() / "reference.py").string() +
                                      " " + (dir.path() / "input.txt").string());
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::istringstream lines(ran.out);
  std::vector<double> ref;
  for (double v; lines >> v;) ref.push_back(v);
  const auto n = static_cast<std::size_t>(3 + K + K * K + K * D + K * D * D + D + 2 * D * D);
  ASSERT_EQ(ref.size(), n) << ran.out;
  // One M-step: n_iter 2 stops after the second E-step, whose objective is at the new parameters.
  const auto fit = fit_from(X, start,
                            {.n_states = K,
                             .n_iter = 2,
                             .tol = 0,
                             .min_covar = min_covar,
                             .covariance_prior = CovariancePrior::kFraleyRaftery});
  ASSERT_EQ(fit.trace.size(), 2u);
  std::size_t at = 0;
  // Objectives (~-2,000): 1e-9 absolute is ~1e-12 relative, the two forward recursions'
  // rounding; the parameters below are sums over 400 rows in another order: 1e-10.
  EXPECT_NEAR(fit.trace[0], ref[at++], 1e-9);
  EXPECT_NEAR(fit.trace[1], ref[at++], 1e-9);
  EXPECT_NEAR(fit.log_likelihood, fit.trace[1], 0.0);
  const double prior_at_start = ref[at++];
  EXPECT_NE(prior_at_start, 0.0);
  for (int k = 0; k < K; ++k) EXPECT_NEAR(fit.params.initial(k), ref[at++], 1e-10) << k;
  for (int i = 0; i < K; ++i) {
    for (int j = 0; j < K; ++j) EXPECT_NEAR(fit.params.transition(i, j), ref[at++], 1e-10);
  }
  for (int k = 0; k < K; ++k) {
    for (Eigen::Index d = 0; d < D; ++d) EXPECT_NEAR(fit.params.means(k, d), ref[at++], 1e-10);
  }
  for (int k = 0; k < K; ++k) {
    for (Eigen::Index i = 0; i < D; ++i) {
      for (Eigen::Index j = 0; j < D; ++j) {
        EXPECT_NEAR(fit.params.covariances[static_cast<std::size_t>(k)](i, j), ref[at++], 1e-10)
            << k << " " << i << " " << j;
      }
    }
  }
  // The hyperparameters, and the prior density at the start, directly.
  const auto prior = fraley_raftery_prior(X, K);
  EXPECT_DOUBLE_EQ(prior.shrinkage, 0.01);
  EXPECT_DOUBLE_EQ(prior.dof, static_cast<double>(D) + 2.0);
  for (Eigen::Index d = 0; d < D; ++d) EXPECT_NEAR(prior.mean(d), ref[at++], 1e-12);
  for (Eigen::Index i = 0; i < D; ++i) {
    for (Eigen::Index j = 0; j < D; ++j) EXPECT_NEAR(prior.scale(i, j), ref[at++], 1e-12);
  }
  double log_prior = 0;
  for (int k = 0; k < K; ++k) {
    log_prior += log_prior_density(prior, start.means.row(k).transpose(),
                                   start.covariances[static_cast<std::size_t>(k)]);
  }
  // The normalising constants (lgamma, log 2, log pi) in two libraries: 1e-10.
  EXPECT_NEAR(log_prior, prior_at_start, 1e-10);
  // With gaps: pandas' pairwise covariance (the values were written with 6 decimals, read back
  // the same way here).
  Matrix rounded = gaps;
  for (auto& v : rounded.reshaped()) {
    if (!std::isnan(v)) v = std::stod(std::to_string(v));
  }
  const auto gap_prior = fraley_raftery_prior(rounded, K);
  for (Eigen::Index i = 0; i < D; ++i) {
    for (Eigen::Index j = 0; j < D; ++j) EXPECT_NEAR(gap_prior.scale(i, j), ref[at++], 1e-12);
  }
}

TEST(CovariancePrior, Issue18_MapEmRecoversASimulatedModelAndNeverDecreasesItsObjective) {
  const auto p = truth();
  const auto sim = simulate_hmm(p, 3000, 5);
  const auto fit = hmm::fit(sim.data, {.n_states = 3,
                                       .n_init = 3,
                                       .min_covar = 0.0,
                                       .covariance_prior = CovariancePrior::kFraleyRaftery});
  ASSERT_TRUE(fit.converged);
  EXPECT_LT(fit.log_prior, 0.0);
  // min_covar 0: the MAP M-step maximises the penalised objective exactly, so it never falls
  // (1e-9 relative: the E-step's rounding).
  for (std::size_t i = 1; i < fit.trace.size(); ++i)
    EXPECT_GE(fit.trace[i], fit.trace[i - 1] - 1e-9 * std::abs(fit.trace[i - 1])) << i;
  // With ~1,000 rows per state the prior's 5 pseudo-observations move a covariance by ~0.5%:
  // the tolerances of the maximum-likelihood recovery test (about 4 standard errors) hold.
  std::vector<int> map;
  for (int k = 0; k < 3; ++k) {
    Eigen::Index best = 0;
    (fit.params.means.rowwise() - p.means.row(k)).rowwise().squaredNorm().minCoeff(&best);
    map.push_back(static_cast<int>(best));
    EXPECT_NEAR((fit.params.means.row(best) - p.means.row(k)).cwiseAbs().maxCoeff(), 0.0, 0.12);
    EXPECT_NEAR((fit.params.covariances[static_cast<std::size_t>(best)] -
                 p.covariances[static_cast<std::size_t>(k)])
                    .cwiseAbs()
                    .maxCoeff(),
                0.0, 0.2);
  }
  const auto path =
      viterbi(log_emission(fit.params, sim.data), fit.params.transition, fit.params.initial).path;
  int right = 0;
  for (std::size_t t = 0; t < path.size(); ++t)
    right += path[t] == map[static_cast<std::size_t>(sim.states[t])];
  EXPECT_GE(right, static_cast<int>(0.95 * 3000));
  // AIC and BIC use the log-likelihood without the prior term.
  const auto criteria = information_criteria(fit.params, fit.log_likelihood - fit.log_prior, 3000);
  EXPECT_DOUBLE_EQ(fit.bic, criteria.bic);
}

// A state on a handful of identical rows: maximum-likelihood EM without a floor drives its
// covariance to singularity; under the prior every covariance keeps the scale's share.
TEST(CovariancePrior, Issue18_APriorKeepsADegenerateStateNonSingular) {
  auto sim = simulate_hmm(truth(), 600, 9);
  for (Eigen::Index t = 100; t < 108; ++t) sim.data.row(t) << 8.0, 8.0, 8.0;
  const auto fit = hmm::fit(sim.data, {.n_states = 4,
                                       .n_init = 2,
                                       .min_covar = 0.0,
                                       .covariance_prior = CovariancePrior::kFraleyRaftery});
  ASSERT_TRUE(std::isfinite(fit.log_likelihood));
  const auto prior = fraley_raftery_prior(sim.data, 4);
  const double scale_floor = Eigen::SelfAdjointEigenSolver<Matrix>(prior.scale).eigenvalues()(0);
  for (const auto& c : fit.params.covariances) {
    const double smallest = Eigen::SelfAdjointEigenSolver<Matrix>(c).eigenvalues()(0);
    // Sigma >= Lambda / (nu + n + d + 2) with n <= 600 rows: bounded away from 0.
    EXPECT_GE(smallest, scale_floor / (5.0 + 600.0 + 3.0 + 2.0) * (1 - 1e-9));
  }
}

TEST(CovariancePrior, Issue18_BadSettingsAreRefusedNamingThem) {
  const auto sim = simulate_hmm(truth(), 300, 1);
  try {
    hmm::fit(sim.data, {.n_states = 3,
                        .covariance = CovarianceType::kDiag,
                        .covariance_prior = CovariancePrior::kFraleyRaftery});
    FAIL() << "a prior with diagonal covariances was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("covariance_prior"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_covariance_prior("wishart"), Error);
  EXPECT_EQ(parse_covariance_prior(covariance_prior_name(CovariancePrior::kFraleyRaftery)),
            CovariancePrior::kFraleyRaftery);
  Matrix one_value = sim.data;
  one_value.col(1).setConstant(std::nan(""));
  one_value(0, 1) = 1.0;
  EXPECT_THROW(fraley_raftery_prior(one_value, 3), Error);
}

}  // namespace
}  // namespace mre::regimes::hmm
