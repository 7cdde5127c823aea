// The X-learner (Kunzel, Sekhon, Bickel and Yu 2019, "Metalearners for estimating
// heterogeneous treatment effects using machine learning") for a binary treatment:
// mu0, mu1 on the control and treated rows; imputed effects D1 = Y1 - mu0(X1) and
// D0 = mu1(X0) - Y0; tau1, tau0 fitted to them; CATE tau(x) = e(x) tau0(x) + (1 - e(x)) tau1(x)
// with the propensity e(x). The average effect's CI comes from a moving-block bootstrap that
// refits everything on resampled blocks (keeping serial dependence within blocks).
#pragma once

#include <cstdint>
#include <memory>

#include "mre/causal/learners.h"
#include "mre/core/linalg.h"

namespace mre::causal {

struct XLearnerOptions {
  int bootstrap = 200;   // resamples for the CI (0: no CI)
  int block_length = 0;  // 0: ceil(n^(1/3))
  std::uint64_t seed = 42;
};

struct XLearnerResult {
  Vector cate;          // per observation
  Vector propensity;    // e(x) per observation
  double ate = 0.0;     // mean CATE
  double ci_low = 0.0;  // 95% percentile interval over bootstrap resamples
  double ci_high = 0.0;
  double se = 0.0;  // bootstrap standard deviation
  int block_length = 0;
  int bootstrap = 0;
};

// The five learners of one X-learner fit, kept to give the CATE at any rows (the Python
// binding's effect(X)): tau(x) = e(x) tau0(x) + (1 - e(x)) tau1(x).
struct XLearnerModel {
  std::unique_ptr<Regressor> mu0, mu1, tau0, tau1;
  std::unique_ptr<Classifier> propensity;
  Eigen::Index n_features = 0;
  // InvalidArgument when X's columns differ from the fit's; DataError for non-finite X.
  Vector cate(const Matrix& X) const;
  Vector propensity_of(const Matrix& X) const;
};

// The same checks as x_learner; fits once on all rows (no bootstrap).
XLearnerModel fit_x_learner_model(const Matrix& X, const Vector& t, const Vector& y,
                                  const Regressor& outcome_model, const Regressor& effect_model,
                                  const Classifier& propensity_model);

// REQUIRES: t in {0, 1} with at least 2 rows of each (DataError naming "treatment" otherwise).
XLearnerResult x_learner(const Matrix& X, const Vector& t, const Vector& y,
                         const Regressor& outcome_model, const Regressor& effect_model,
                         const Classifier& propensity_model, const XLearnerOptions& options = {});

// Indices of a moving-block bootstrap resample of n rows: blocks of `block` consecutive rows
// with uniformly drawn starts, concatenated and cut to n.
std::vector<Eigen::Index> moving_block_resample(Eigen::Index n, int block, std::uint64_t seed);

}  // namespace mre::causal
