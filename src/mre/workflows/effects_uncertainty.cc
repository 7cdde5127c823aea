// See effects_uncertainty.h: the final-stage residuals, the scale networks on the DML's folds,
// the conformal calibration on the last block and the rolling out-of-sample check.
#include "mre/workflows/effects_uncertainty.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mre/causal/folds.h"
#include "mre/causal/learners.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/neural/conformal.h"

namespace mre::workflows {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::vector<neural::ScaleFold> scale_folds(const std::vector<causal::Fold>& folds) {
  std::vector<neural::ScaleFold> out;
  for (const auto& f : folds) out.push_back({f.train, f.test});
  return out;
}

Vector take(const Vector& v, const std::vector<Eigen::Index>& rows) {
  return causal::take_rows(v, rows);
}

// A nuisance learner refitted on `train` rows and predicting `query` rows, as cross_fit_select
// does it: on a DataError (a control collinear within the training rows) refitted on the
// training rows' independent columns.
Vector refit_predict(const std::string& learner, const Matrix& X, const Vector& target,
                     const std::vector<Eigen::Index>& train, const Matrix& query) {
  const Matrix Xtr = causal::take_rows(X, train);
  const Vector ytr = take(target, train);
  try {
    auto model = causal::make_regressor(learner);
    model->fit(Xtr, ytr);
    return model->predict(query);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kDataError) throw;
    const auto independent = causal::independent_columns(Xtr);
    if (independent.dropped.empty()) throw;
    Matrix a(Xtr.rows(), static_cast<Eigen::Index>(independent.kept.size()));
    Matrix b(query.rows(), a.cols());
    for (std::size_t j = 0; j < independent.kept.size(); ++j) {
      a.col(static_cast<Eigen::Index>(j)) = Xtr.col(independent.kept[j]);
      b.col(static_cast<Eigen::Index>(j)) = query.col(independent.kept[j]);
    }
    auto model = causal::make_regressor(learner);
    model->fit(a, ytr);
    return model->predict(b);
  }
}

std::string iso(const EffectsPanel& panel, Eigen::Index row) {
  return static_cast<std::size_t>(row) < panel.dates.size()
             ? panel.dates[static_cast<std::size_t>(row)].iso()
             : "row " + std::to_string(row + 1);
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// Gaussian NLL per row (constant dropped): log sigma + r^2 / (2 sigma^2).
double mean_nll(const Vector& r, const Vector& sigma) {
  return (sigma.array().log() + r.array().square() / (2.0 * sigma.array().square())).mean();
}

}  // namespace

Vector final_stage_residual(const EffectEstimate& e) {
  check_arg(e.method == "dml", "--uncertainty", "needs --method dml (the DML final stage)");
  return e.dml.y_residual - e.dml.theta * e.dml.t_residual;
}

codec::OutcomeInterval effect_uncertainty(const EffectEstimate& e,
                                          const EffectUncertaintyOptions& options) {
  check_arg(options.level > 0.0 && options.level < 1.0, "level",
            "must be inside (0, 1) (got " + std::to_string(options.level) + ")");
  check_arg(options.scale == "neural" || options.scale == "constant", "scale",
            "must be neural or constant (got '" + options.scale + "')");
  const bool neural_scale = options.scale == "neural";
  const Vector r = final_stage_residual(e);
  const Matrix& X = e.panel.X;
  const Eigen::Index n = X.rows();
  check_arg(r.size() == n, "estimate", "needs one final-stage residual per panel row");
  const auto folds = causal::contiguous_folds(n, e.folds, e.embargo);
  const auto& last = folds.back();

  codec::OutcomeInterval out;
  out.level = options.level;
  out.scale = options.scale;
  out.treatment = e.magnitude;
  // The query's controls: the newest month that has them all (its outcome is usually still
  // unknown), else the newest row of the panel.
  const bool current = static_cast<Eigen::Index>(e.panel.latest_controls.size()) == X.cols() &&
                       e.panel.latest_controls_date.has_value();
  Matrix query = X.row(n - 1);
  if (current) {
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      query(0, j) = e.panel.latest_controls[static_cast<std::size_t>(j)];
  }
  out.at = current ? e.panel.latest_controls_date->iso() : iso(e.panel, n - 1);

  // sigma on every row out of fold (the DML's folds), and at the query from the last fold's
  // network (trained on the rows before the last block only).
  Vector sigma = Vector::Ones(n);
  double sigma_query = 1.0;
  double nll_neural = kNan;
  double nll_constant = kNan;
  if (neural_scale) {
    const auto oof = neural::out_of_fold_scale(X, r, scale_folds(folds), options.network);
    sigma = oof.sigma;
    sigma_query = neural::predict_scale(oof.models.back(), query)(0);
    out.networks = static_cast<int>(oof.models.size());
    // The out-of-fold Gaussian NLL against each fold's constant scale (its training RMS).
    Vector constant(n);
    for (std::size_t k = 0; k < folds.size(); ++k) {
      for (const auto row : folds[k].test) constant(row) = oof.models[k].residual_scale;
    }
    nll_neural = mean_nll(r, sigma);
    nll_constant = mean_nll(r, constant);
  }
  out.out_of_fold_nll = nll_neural;
  out.out_of_fold_nll_constant = nll_constant;

  // Split conformal on the last block (time order, never shuffled).
  const Vector r_cal = take(r, last.test);
  const Vector sigma_cal = take(sigma, last.test);
  out.calibration_rows = static_cast<long long>(last.test.size());
  out.calibration_from = iso(e.panel, last.test.front());
  out.calibration_to = iso(e.panel, last.test.back());
  out.quantile =
      neural::conformal_quantile(neural::normalised_scores(r_cal, sigma_cal), options.level);
  const double q_constant = neural::conformal_quantile(
      neural::normalised_scores(r_cal, Vector::Ones(r_cal.size())), options.level);
  out.sigma = sigma_query;

  // The point prediction from the last fold's nuisances.
  const double l = refit_predict(e.dml.outcome_learner, X, e.panel.y, last.train, query)(0);
  const double m = refit_predict(e.dml.treatment_learner, X, e.panel.t, last.train, query)(0);
  out.prediction = l + e.dml.theta * (e.magnitude - m);
  out.low = out.prediction - out.quantile * sigma_query;
  out.high = out.prediction + out.quantile * sigma_query;
  out.constant_low = out.prediction - q_constant;
  out.constant_high = out.prediction + q_constant;

  // Rolling check: for blocks k >= 2, a network trained on the rows before block k - 1 (minus
  // the embargo), calibrated on block k - 1, judged on block k; the constant baseline calibrated
  // on the same block. Pooled over the judged rows.
  double covered_neural = 0.0, covered_constant = 0.0, width_neural = 0.0, width_constant = 0.0;
  long long judged = 0;
  for (std::size_t k = 2; k < folds.size(); ++k) {
    const auto& calibration = folds[k - 1].test;
    const auto& test = folds[k].test;
    std::vector<Eigen::Index> train;
    for (Eigen::Index row = 0; row < calibration.front() - e.embargo; ++row) train.push_back(row);
    if (train.size() < 10) continue;
    Vector s_cal = Vector::Ones(static_cast<Eigen::Index>(calibration.size()));
    Vector s_test = Vector::Ones(static_cast<Eigen::Index>(test.size()));
    if (neural_scale) {
      const auto model =
          neural::train_scale_network(causal::take_rows(X, train), take(r, train), options.network);
      ++out.networks;
      s_cal = neural::predict_scale(model, causal::take_rows(X, calibration));
      s_test = neural::predict_scale(model, causal::take_rows(X, test));
    }
    const Vector rc = take(r, calibration);
    const Vector rt = take(r, test);
    const double q =
        neural::conformal_quantile(neural::normalised_scores(rc, s_cal), options.level);
    const double qc = neural::conformal_quantile(
        neural::normalised_scores(rc, Vector::Ones(rc.size())), options.level);
    const auto a = neural::check_intervals(rt, s_test, q);
    const auto b = neural::check_intervals(rt, Vector::Ones(rt.size()), qc);
    const auto rows = static_cast<double>(rt.size());
    covered_neural += a.coverage * rows;
    covered_constant += b.coverage * rows;
    width_neural += a.mean_width * rows;
    width_constant += b.mean_width * rows;
    if (judged == 0) out.check_from = iso(e.panel, test.front());
    out.check_to = iso(e.panel, test.back());
    judged += static_cast<long long>(rt.size());
  }
  const double rows = static_cast<double>(judged);
  out.check_neural = {judged > 0 ? covered_neural / rows : kNan,
                      judged > 0 ? width_neural / rows : kNan, judged};
  out.check_constant = {judged > 0 ? covered_constant / rows : kNan,
                        judged > 0 ? width_constant / rows : kNan, judged};

  const int percent = static_cast<int>(std::lround(options.level * 100.0));
  out.meaning =
      "a split conformal " + std::to_string(percent) + "% interval for the outcome " + e.outcome +
      " over " + std::to_string(e.horizon) + " months at the controls of " + out.at +
      (current ? " (the newest month with every control)"
               : " (the newest month with an observed outcome)") +
      " and a treatment of " + fixed(e.magnitude, 4) +
      ": the prediction l(x) + theta (treatment - m(x)) plus or minus q sigma(x), sigma(x) " +
      (neural_scale ? "the neural network's scale of the DML final-stage residual (trained out of "
                      "fold on the DML's folds)"
                    : "1 (constant variance)") +
      ", q calibrated on the last block (" + out.calibration_from + " to " + out.calibration_to +
      "); not an interval for the effect (the standard error is)";
  return out;
}

}  // namespace mre::workflows
