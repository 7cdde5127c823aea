// See dml.h.
#include "mre/causal/dml.h"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "mre/causal/folds.h"
#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {
namespace {

double r_squared(const Vector& actual, const Vector& residual) {
  const double total = (actual.array() - actual.mean()).square().sum();
  return total > 0 ? 1.0 - residual.squaredNorm() / total : 0.0;
}

void check_inputs(const Matrix& X, const Vector& t, const Vector& y) {
  check_arg(X.rows() == t.size() && t.size() == y.size(), "data",
            "X, treatment and outcome need the same rows");
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y(i)))
      throw Error(ErrorCode::kDataError,
                  "outcome: missing or non-finite value in row " + std::to_string(i + 1));
    if (!std::isfinite(t(i)))
      throw Error(ErrorCode::kDataError,
                  "treatment: missing or non-finite value in row " + std::to_string(i + 1));
  }
  if (!X.allFinite()) throw Error(ErrorCode::kDataError, "controls: missing or non-finite values");
  if (t.maxCoeff() == t.minCoeff()) {
    throw Error(ErrorCode::kDataError, "treatment: constant (every value is " +
                                           std::to_string(t(0)) +
                                           "); an effect cannot be estimated");
  }
}

}  // namespace

Residuals cross_fit_residuals(const Matrix& X, const Vector& t, const Vector& y,
                              const Regressor& model_y, const Regressor& model_t,
                              const std::vector<Fold>& folds) {
  Residuals out;
  out.y = Vector::Constant(y.size(), std::numeric_limits<double>::quiet_NaN());
  out.t = out.y;
  for (const auto& fold : folds) {
    const Matrix Xtr = take_rows(X, fold.train);
    const Matrix Xte = take_rows(X, fold.test);
    auto ly = model_y.fresh();
    ly->fit(Xtr, take_rows(y, fold.train));
    auto mt = model_t.fresh();
    mt->fit(Xtr, take_rows(t, fold.train));
    const Vector py = ly->predict(Xte);
    const Vector pt = mt->predict(Xte);
    for (std::size_t i = 0; i < fold.test.size(); ++i) {
      out.y(fold.test[i]) = y(fold.test[i]) - py(static_cast<Eigen::Index>(i));
      out.t(fold.test[i]) = t(fold.test[i]) - pt(static_cast<Eigen::Index>(i));
    }
  }
  check_invariant(out.y.allFinite() && out.t.allFinite(), "the folds must cover every row once");
  out.r2_y = r_squared(y, out.y);
  out.r2_t = r_squared(t, out.t);
  return out;
}

SelectedResiduals cross_fit_select(const Matrix& X, const Vector& t, const Vector& y,
                                   const std::vector<const Regressor*>& candidates,
                                   const std::vector<Fold>& folds) {
  check_arg(!candidates.empty(), "learners", "at least one candidate learner");
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t K = candidates.size();
  std::vector<Vector> py(K, Vector::Constant(y.size(), nan));
  std::vector<Vector> pt(K, Vector::Constant(y.size(), nan));
  SelectedResiduals out;
  out.scores.resize(K);
  for (std::size_t c = 0; c < K; ++c) out.scores[c].learner = candidates[c]->name();
  for (const auto& fold : folds) {
    const Matrix Xtr = take_rows(X, fold.train);
    const Matrix Xte = take_rows(X, fold.test);
    const Vector ytr = take_rows(y, fold.train);
    const Vector ttr = take_rows(t, fold.train);
    for (std::size_t c = 0; c < K; ++c) {
      if (!out.scores[c].error.empty()) continue;
      const auto fit_predict = [&](const Matrix& train, const Matrix& test) {
        auto ly = candidates[c]->fresh();
        ly->fit(train, ytr);
        auto mt = candidates[c]->fresh();
        mt->fit(train, ttr);
        const Vector a = ly->predict(test);
        const Vector b = mt->predict(test);
        for (std::size_t i = 0; i < fold.test.size(); ++i) {
          py[c](fold.test[i]) = a(static_cast<Eigen::Index>(i));
          pt[c](fold.test[i]) = b(static_cast<Eigen::Index>(i));
        }
      };
      try {
        fit_predict(Xtr, Xte);
      } catch (const Error& error) {
        if (error.code() != ErrorCode::kDataError) throw;
        // A control can be collinear within one fold's training rows only (a regime never
        // visited before the test block): refit on the training rows' independent columns, as
        // R's lm drops aliased coefficients, and count the fold.
        const auto independent = independent_columns(Xtr);
        bool refitted = false;
        if (!independent.dropped.empty()) {
          Matrix train(Xtr.rows(), static_cast<Eigen::Index>(independent.kept.size()));
          Matrix test(Xte.rows(), train.cols());
          for (std::size_t j = 0; j < independent.kept.size(); ++j) {
            train.col(static_cast<Eigen::Index>(j)) = Xtr.col(independent.kept[j]);
            test.col(static_cast<Eigen::Index>(j)) = Xte.col(independent.kept[j]);
          }
          try {
            fit_predict(train, test);
            ++out.scores[c].reduced_folds;
            refitted = true;
          } catch (const Error& again) {
            if (again.code() != ErrorCode::kDataError) throw;
          }
        }
        if (!refitted) out.scores[c].error = error.what();
      }
    }
  }
  std::ptrdiff_t best_y = -1;
  std::ptrdiff_t best_t = -1;
  for (std::size_t c = 0; c < K; ++c) {
    auto& score = out.scores[c];
    if (!score.error.empty()) continue;
    check_invariant(py[c].allFinite() && pt[c].allFinite(), "the folds must cover every row once");
    score.r2_outcome = r_squared(y, y - py[c]);
    score.r2_treatment = r_squared(t, t - pt[c]);
    if (best_y < 0 || score.r2_outcome > out.scores[static_cast<std::size_t>(best_y)].r2_outcome)
      best_y = static_cast<std::ptrdiff_t>(c);
    if (best_t < 0 ||
        score.r2_treatment > out.scores[static_cast<std::size_t>(best_t)].r2_treatment)
      best_t = static_cast<std::ptrdiff_t>(c);
  }
  if (best_y < 0) {
    throw Error(ErrorCode::kDataError, "learners: no candidate learner could fit the nuisances (" +
                                           out.scores[0].learner + ": " + out.scores[0].error +
                                           ")");
  }
  const auto by = static_cast<std::size_t>(best_y);
  const auto bt = static_cast<std::size_t>(best_t);
  out.outcome_learner = out.scores[by].learner;
  out.treatment_learner = out.scores[bt].learner;
  out.residuals.y = y - py[by];
  out.residuals.t = t - pt[bt];
  out.residuals.r2_y = out.scores[by].r2_outcome;
  out.residuals.r2_t = out.scores[bt].r2_treatment;
  for (std::size_t c = 0; c < K; ++c) {
    const bool ok = out.scores[c].error.empty();
    out.outcome_predictions.push_back(ok ? py[c] : Vector());
    out.treatment_predictions.push_back(ok ? pt[c] : Vector());
  }
  return out;
}

ColumnSelection independent_columns(const Matrix& X) {
  ColumnSelection out;
  Matrix design(X.rows(), 1);
  design.col(0).setOnes();
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    Matrix candidate(X.rows(), design.cols() + 1);
    candidate.leftCols(design.cols()) = design;
    candidate.col(design.cols()) = X.col(j);
    Eigen::ColPivHouseholderQR<Matrix> qr(candidate);
    qr.setThreshold(1e-10);
    if (qr.rank() == candidate.cols()) {
      design = std::move(candidate);
      out.kept.push_back(j);
    } else {
      out.dropped.push_back(j);
    }
  }
  return out;
}

namespace {
// Both DML entry points: at least two folds of at least five rows each.
void check_fold_count(Eigen::Index n, int folds) {
  check_arg(folds >= 2, "folds", "must be >= 2");
  constexpr Eigen::Index kMinFold = 5;
  if (n < folds * kMinFold) {
    throw Error(ErrorCode::kDataError,
                "rows: " + std::to_string(n) + " observations are fewer than folds x " +
                    std::to_string(kMinFold) + " (" + std::to_string(folds * kMinFold) +
                    "); use fewer --folds or more data");
  }
}
}  // namespace

DmlResult dml_plr_select(const Matrix& X, const Vector& t, const Vector& y,
                         const std::vector<const Regressor*>& candidates, const DmlOptions& options,
                         const std::optional<Matrix>& regimes,
                         const std::vector<std::string>& regime_names) {
  check_inputs(X, t, y);
  const Eigen::Index n = y.size();
  check_fold_count(n, options.folds);
  const int lag =
      options.hac_lag >= 0 ? options.hac_lag : std::max(newey_west_lag(n), options.embargo);
  const auto folds = contiguous_folds(n, options.folds, options.embargo);
  const auto selected = cross_fit_select(X, t, y, candidates, folds);
  auto out = final_stage(selected.residuals.y, selected.residuals.t, options.se, lag, regimes,
                         regime_names);
  out.r2_outcome = selected.residuals.r2_y;
  out.r2_treatment = selected.residuals.r2_t;
  out.outcome_learner = selected.outcome_learner;
  out.treatment_learner = selected.treatment_learner;
  out.candidates = selected.scores;
  // Each candidate's own estimate (both nuisances that learner): the robustness checks read it.
  for (std::size_t c = 0; c < out.candidates.size(); ++c) {
    if (!out.candidates[c].error.empty()) continue;
    const Vector ty = t - selected.treatment_predictions[c];
    if (!(ty.squaredNorm() > 0)) continue;
    const auto own =
        final_stage(y - selected.outcome_predictions[c], ty, options.se, lag, std::nullopt, {});
    out.candidates[c].theta = own.theta;
    out.candidates[c].p_value = own.p_value;
  }
  if (out.r2_outcome <= 0) {
    out.warnings.push_back("outcome nuisance: out-of-fold R^2 " + std::to_string(out.r2_outcome) +
                           " <= 0 (no candidate predicts the outcome better than its mean)");
  }
  if (out.r2_treatment <= 0) {
    out.warnings.push_back(
        "treatment nuisance: out-of-fold R^2 " + std::to_string(out.r2_treatment) +
        " <= 0 (the controls do not predict the treatment: it behaves like a surprise)");
  }
  return out;
}

DmlResult final_stage(const Vector& y_residual, const Vector& t_residual, StandardError se,
                      int hac_lag, const std::optional<Matrix>& regimes,
                      const std::vector<std::string>& regime_names) {
  DmlResult out;
  out.n = y_residual.size();
  out.se_type = standard_error_name(se);
  const Matrix design = t_residual;
  const auto fit = ols_with_covariance(design, y_residual, se, hac_lag);
  out.hac_lag = se == StandardError::kHac || is_ewc(se) ? hac_lag : 0;
  out.dof = fit.dof;
  const double critical = critical_975(out.dof);
  out.theta = fit.coefficients(0);
  out.se = std::sqrt(fit.covariance(0, 0));
  out.ci_low = out.theta - critical * out.se;
  out.ci_high = out.theta + critical * out.se;
  out.p_value = two_sided_p(out.theta / out.se, out.dof);
  // The EWC needs n / nu >= hac_lag (h + 1 for h-month outcomes); with fewer rows than that even
  // one cosine term spans less than the overlap, and the interval cannot account for it.
  if (is_ewc(se) && hac_lag > 1 && out.n < hac_lag) {
    out.warnings.push_back("inference: " + std::to_string(out.n) +
                           " observations are fewer than the bandwidth the overlap needs (" +
                           std::to_string(hac_lag) +
                           "): the interval cannot account for overlapping outcomes; do not "
                           "read it");
  }
  out.y_residual = y_residual;
  out.t_residual = t_residual;
  if (regimes) {
    const Matrix& Z = *regimes;
    check_arg(Z.rows() == y_residual.size(), "regimes", "need one row per observation");
    check_arg(static_cast<Eigen::Index>(regime_names.size()) == Z.cols(), "regimes",
              "need one name per column");
    // A regime the sample (almost) never visits cannot be estimated: drop it (it is then
    // absent from the regime effects). "Almost": under 2% of the largest regime's weight.
    std::vector<Eigen::Index> used;
    std::vector<double> weight;
    for (Eigen::Index r = 0; r < Z.cols(); ++r)
      weight.push_back((Z.col(r).array() * t_residual.array()).square().sum());
    const double heaviest = *std::max_element(weight.begin(), weight.end());
    for (Eigen::Index r = 0; r < Z.cols(); ++r) {
      if (weight[static_cast<std::size_t>(r)] > 0.02 * heaviest) used.push_back(r);
    }
    Matrix X(Z.rows(), static_cast<Eigen::Index>(used.size()));
    for (std::size_t j = 0; j < used.size(); ++j)
      X.col(static_cast<Eigen::Index>(j)) = Z.col(used[j]).cwiseProduct(t_residual);
    LinearFit het;
    try {
      het = ols_with_covariance(X, y_residual, se, hac_lag);
    } catch (const Error& e) {
      // A regime whose few months alone fix its coefficient (leverage 1 under ewc_hc3): the
      // pooled effect stands, the regime effects are not estimated, and the estimate says why.
      if (e.code() != ErrorCode::kDataError || se != StandardError::kEwcHc3) throw;
      out.warnings.push_back(std::string("regime effects not estimated: ") + e.what());
      return out;
    }
    for (std::size_t j = 0; j < used.size(); ++j) {
      const auto i = static_cast<Eigen::Index>(j);
      RegimeEffect e;
      e.regime = regime_names[static_cast<std::size_t>(used[j])];
      e.effect = het.coefficients(i);
      e.se = std::sqrt(het.covariance(i, i));
      const double c = critical_975(het.dof);
      e.ci_low = e.effect - c * e.se;
      e.ci_high = e.effect + c * e.se;
      e.p_value = two_sided_p(e.effect / e.se, het.dof);
      out.regimes.push_back(e);
    }
    // Wald test of theta_1 = ... = theta_R: R - 1 differences from the first.
    const auto R = static_cast<Eigen::Index>(used.size());
    if (R >= 2 && het.dof > 0 && R - 1 > het.dof) {
      out.warnings.push_back("regime equality: " + std::to_string(R - 1) +
                             " restrictions exceed the EWC's " + std::to_string(het.dof) +
                             " degrees of freedom; not tested");
    } else if (R >= 2) {
      Matrix C = Matrix::Zero(R - 1, R);
      for (Eigen::Index r = 1; r < R; ++r) {
        C(r - 1, 0) = -1.0;
        C(r - 1, r) = 1.0;
      }
      const Vector d = C * het.coefficients;
      const Matrix V = C * het.covariance * C.transpose();
      out.wald_statistic = d.dot(V.ldlt().solve(d));
      out.wald_dof = static_cast<int>(R - 1);
      out.wald_p_value = wald_p_value(out.wald_statistic, out.wald_dof, het.dof);
    }
  }
  return out;
}

DmlResult dml_plr(const Matrix& X, const Vector& t, const Vector& y, const Regressor& model_y,
                  const Regressor& model_t, const DmlOptions& options,
                  const std::optional<Matrix>& regimes,
                  const std::vector<std::string>& regime_names) {
  check_inputs(X, t, y);
  const Eigen::Index n = y.size();
  check_fold_count(n, options.folds);
  const int lag =
      options.hac_lag >= 0 ? options.hac_lag : std::max(newey_west_lag(n), options.embargo);
  if (options.time_series) {
    const auto folds = contiguous_folds(n, options.folds, options.embargo);
    const auto res = cross_fit_residuals(X, t, y, model_y, model_t, folds);
    auto out = final_stage(res.y, res.t, options.se, lag, regimes, regime_names);
    out.r2_outcome = res.r2_y;
    out.r2_treatment = res.r2_t;
    return out;
  }
  // i.i.d.: repeated shuffled splits, the median estimate (and the median of the variances
  // adjusted for the spread of the estimates, Chernozhukov et al. 2018, section 3.4).
  check_arg(options.repeats >= 1, "repeats", "must be >= 1");
  std::vector<DmlResult> runs;
  for (int r = 0; r < options.repeats; ++r) {
    const auto folds =
        shuffled_folds(n, options.folds, options.seed + static_cast<std::uint64_t>(r));
    const auto res = cross_fit_residuals(X, t, y, model_y, model_t, folds);
    auto one = final_stage(res.y, res.t, options.se, lag, regimes, regime_names);
    one.r2_outcome = res.r2_y;
    one.r2_treatment = res.r2_t;
    runs.push_back(std::move(one));
  }
  std::vector<double> thetas;
  thetas.reserve(runs.size());
  for (const auto& r : runs) thetas.push_back(r.theta);
  std::nth_element(thetas.begin(), thetas.begin() + static_cast<std::ptrdiff_t>(thetas.size() / 2),
                   thetas.end());
  const double median_theta = thetas[thetas.size() / 2];
  std::vector<double> variances;
  variances.reserve(runs.size());
  for (const auto& r : runs)
    variances.push_back(r.se * r.se + (r.theta - median_theta) * (r.theta - median_theta));
  std::nth_element(variances.begin(),
                   variances.begin() + static_cast<std::ptrdiff_t>(variances.size() / 2),
                   variances.end());
  DmlResult out =
      *std::min_element(runs.begin(), runs.end(), [&](const DmlResult& a, const DmlResult& b) {
        return std::abs(a.theta - median_theta) < std::abs(b.theta - median_theta);
      });
  out.theta = median_theta;
  out.se = std::sqrt(variances[variances.size() / 2]);
  out.ci_low = out.theta - critical_975(out.dof) * out.se;
  out.ci_high = out.theta + critical_975(out.dof) * out.se;
  out.p_value = two_sided_p(out.theta / out.se, out.dof);
  return out;
}

}  // namespace mre::causal
