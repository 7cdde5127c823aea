// Double machine learning for the partially linear model (Chernozhukov et al. 2018,
// "Double/debiased machine learning for treatment and structural parameters"):
// Y = theta T + g(X) + e, T = m(X) + v. Cross-fitted residuals Y - l(X), T - m(X) with
// l(X) = E[Y | X]; theta from the orthogonal score (residual-on-residual regression); standard
// errors HC0, HC1 or Newey-West HAC. Heterogeneous effects by regime: theta(Z) = sum_r theta_r Z_r
// with Z hard regime indicators or filtered regime probabilities, one effect per regime and a
// Wald test that they are equal.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mre/causal/folds.h"
#include "mre/causal/inference.h"
#include "mre/causal/learners.h"
#include "mre/core/linalg.h"

namespace mre::causal {

struct DmlOptions {
  int folds = 5;
  int embargo = 0;          // rows dropped each side of a test fold (time series)
  bool time_series = true;  // contiguous folds with embargo; false: shuffled K-fold
  int repeats = 1;          // repeated splitting (shuffled folds only): median aggregate
  StandardError se = StandardError::kHac;
  int hac_lag = -1;  // -1: max(newey_west_lag(n), embargo)
  std::uint64_t seed = 42;
};

struct RegimeEffect {
  std::string regime{};
  double effect = 0.0;
  double se = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;
};

// One candidate learner's out-of-fold R^2 for both nuisances (NaN with `error` when it cannot fit,
// e.g. OLS on collinear controls).
struct CandidateScore {
  std::string learner{};
  double r2_outcome = std::numeric_limits<double>::quiet_NaN();
  double r2_treatment = std::numeric_limits<double>::quiet_NaN();
  std::string error{};
  int reduced_folds = 0;  // folds refitted without columns collinear in their training rows
  // dml_plr_select: the estimate with this learner for both nuisances (the same folds, so equal to
  // dml_plr_select with this candidate alone); NaN when it cannot fit.
  double theta = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
};

struct DmlResult {
  double theta = 0.0;
  double se = 0.0;
  double ci_low = 0.0;  // 95%: normal, or Student's t(dof) for EWC
  double ci_high = 0.0;
  double p_value = 1.0;
  Eigen::Index n = 0;
  std::string se_type{};
  int hac_lag = 0;  // hac: the Newey-West lag; ewc: the minimum bandwidth n / dof honours
  int dof = 0;      // ewc: the cosine terms nu, the degrees of freedom of t and F; 0: normal
  double r2_outcome = 0.0;    // out-of-fold R^2 of l(X)
  double r2_treatment = 0.0;  // out-of-fold R^2 of m(X)
  // Learner selection (dml_plr_select): the learner of each nuisance and every candidate's score.
  std::string outcome_learner{};
  std::string treatment_learner{};
  std::vector<CandidateScore> candidates{};
  std::vector<std::string> warnings{};  // e.g. a nuisance whose out-of-fold R^2 is <= 0
  Vector y_residual;
  Vector t_residual;
  // Heterogeneity (when regimes were given).
  std::vector<RegimeEffect> regimes{};
  double wald_statistic = 0.0;
  int wald_dof = 0;
  double wald_p_value = 1.0;
};

// Cross-fitted residuals of y and t on X. REQUIRES: finite data, n rows.
struct Residuals {
  Vector y;
  Vector t;
  double r2_y = 0.0;
  double r2_t = 0.0;
};
Residuals cross_fit_residuals(const Matrix& X, const Vector& t, const Vector& y,
                              const Regressor& model_y, const Regressor& model_t,
                              const std::vector<Fold>& folds);

// Learner selection by out-of-fold performance: every candidate is cross-fitted on the same
// folds, and each nuisance takes the candidate with the highest out-of-fold R^2, its out-of-fold
// residuals used as they are. With the "constant" baseline among the candidates, a learner that
// predicts worse than the training mean is never used. (Choosing among K candidates on the same
// out-of-fold residuals is mildly optimistic for the R^2 reported; the orthogonal score keeps
// theta first-order insensitive to it.) A candidate that cannot fit a fold's training rows
// (DataError, e.g. OLS on a control constant there) is refitted on that fold's independent
// columns (independent_columns) and the fold counted in reduced_folds. InvalidArgument when no
// candidate is given; DataError when none can fit.
struct SelectedResiduals {
  Residuals residuals{};
  std::string outcome_learner{};
  std::string treatment_learner{};
  std::vector<CandidateScore> scores{};
  std::vector<Vector> outcome_predictions{};  // per candidate, out of fold (empty on error)
  std::vector<Vector> treatment_predictions{};
};
SelectedResiduals cross_fit_select(const Matrix& X, const Vector& t, const Vector& y,
                                   const std::vector<const Regressor*>& candidates,
                                   const std::vector<Fold>& folds);

// Columns of X that are linearly independent of the intercept and of the columns kept before
// them (in order; pivoted QR rank with a relative threshold of 1e-10): a control set with a
// redundant column (regime probabilities summing to one) keeps all but the redundant one.
struct ColumnSelection {
  std::vector<Eigen::Index> kept{};
  std::vector<Eigen::Index> dropped{};
};
ColumnSelection independent_columns(const Matrix& X);

// The DML estimate. `regimes` (optional, n x R: one-hot labels or probabilities, rows summing
// to 1) with `regime_names` adds per-regime effects and the Wald test. InvalidArgument /
// DataError naming the parameter for: a constant treatment, NaN anywhere, too few rows.
DmlResult dml_plr(const Matrix& X, const Vector& t, const Vector& y, const Regressor& model_y,
                  const Regressor& model_t, const DmlOptions& options,
                  const std::optional<Matrix>& regimes = std::nullopt,
                  const std::vector<std::string>& regime_names = {});

// dml_plr with the nuisances chosen by cross_fit_select among `candidates` (time-series folds
// only); the result names both learners, every candidate's score, and warns when a chosen
// nuisance's out-of-fold R^2 is <= 0 (no candidate beats predicting the mean).
DmlResult dml_plr_select(const Matrix& X, const Vector& t, const Vector& y,
                         const std::vector<const Regressor*>& candidates, const DmlOptions& options,
                         const std::optional<Matrix>& regimes = std::nullopt,
                         const std::vector<std::string>& regime_names = {});

// The final stage alone, from given residuals (shared by dml_plr and the tests).
DmlResult final_stage(const Vector& y_residual, const Vector& t_residual, StandardError se,
                      int hac_lag, const std::optional<Matrix>& regimes,
                      const std::vector<std::string>& regime_names);

}  // namespace mre::causal
