// Regime method `jump`: the statistical jump model of regimes/jump/ (discrete or continuous),
// walk-forward with refits labelled online (the forward pass of the dynamic programme, never
// smoothed), or one in-sample fit labelled online when `walk_forward: off`. Its settings are the
// `jump:` block; `walk_forward.train_window_rows` gives a trailing window (docs/jump_models.md).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "mre/codec/jump_json.h"
#include "mre/core/error.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/jump/walk_forward_jump.h"
#include "mre/regimes/standardize.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"
#include "mre/workflows/regimes_csv.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

void canonical(const RegimeSpec& s, std::ostream& out) {
  out << "n_states=" << s.jump.n_states << "\njump_penalty=" << s.jump.jump_penalty
      << "\ncontinuous=" << s.jump.continuous << "\ngrid_size=" << s.jump.grid_size
      << "\nmode_loss=" << s.jump.mode_loss << "\nn_init=" << s.jump.n_init
      << "\nmax_iter=" << s.jump.max_iter << "\ntol=" << s.jump.tol << "\nseed=" << s.jump.seed
      << "\njump_window=" << s.jump_schedule.train_window_rows
      << ",standardize=" << s.jump_schedule.standardize << ",order_by=" << s.jump_order_by
      << ",descending=" << s.jump_schedule.order_descending << "\n";
  if (s.hmm.screen_iterations > 0) out << "screen_iterations=" << s.hmm.screen_iterations << "\n";
  write_schedule(s, out);
}

// The `jump:` block: n_states, jump_penalty (required), n_init, continuous, grid_size, mode_loss,
// max_iter, tol, seed, standardize (window | off), order_by (a column), order (ascending |
// descending).
void parse_jump_settings(const std::filesystem::path& path, const YAML::Node& root,
                         RegimeSpec& spec) {
  const YAML::Node j = root["jump"];
  if (!j || !j.IsMap())
    fail(path, j ? j : root, "method jump needs a 'jump' mapping with at least 'jump_penalty'");
  only_keys(path, j,
            {"n_states", "jump_penalty", "n_init", "continuous", "grid_size", "mode_loss",
             "max_iter", "tol", "seed", "standardize", "order_by", "order"},
            "jump: ");
  auto& c = spec.jump;
  if (j["n_states"])
    c.n_states = detail::count_in_range(path, j["n_states"], "n_states", regimes::hmm::kMinStates,
                                        regimes::hmm::kMaxStates);
  if (!j["jump_penalty"])
    fail(path, j, "jump: 'jump_penalty' is required (lambda >= 0, the cost of one switch)");
  c.jump_penalty = scalar<double>(path, j["jump_penalty"], "jump_penalty");
  if (!(std::isfinite(c.jump_penalty) && c.jump_penalty >= 0)) {
    fail(path, j["jump_penalty"],
         "jump: 'jump_penalty' must be a finite number >= 0 (got " + j["jump_penalty"].Scalar() +
             ")");
  }
  if (j["n_init"]) c.n_init = detail::count_in_range(path, j["n_init"], "n_init", 1, 1'000);
  if (j["continuous"]) c.continuous = scalar<bool>(path, j["continuous"], "continuous");
  if (j["grid_size"]) c.grid_size = scalar<double>(path, j["grid_size"], "grid_size");
  if (j["mode_loss"]) c.mode_loss = scalar<bool>(path, j["mode_loss"], "mode_loss");
  if (j["max_iter"])
    c.max_iter = detail::count_in_range(path, j["max_iter"], "max_iter", 1, 1'000'000);
  if (j["tol"]) c.tol = scalar<double>(path, j["tol"], "tol");
  if (!(std::isfinite(c.tol) && c.tol >= 0))
    fail(path, j["tol"], "jump: 'tol' must be a finite number >= 0");
  if (j["seed"]) c.seed = scalar<std::uint64_t>(path, j["seed"], "seed");
  try {
    (void)regimes::jump::candidate_states(c);
  } catch (const Error& e) {
    fail(path, j["grid_size"] ? j["grid_size"] : j, std::string("jump: ") + e.what());
  }
  if (j["standardize"]) {
    const std::string v = j["standardize"].Scalar();
    if (v != "window" && v != "off")
      fail(path, j["standardize"], "jump: 'standardize' must be window or off (got '" + v + "')");
    spec.jump_schedule.standardize = v == "window";
  }
  if (j["order_by"]) spec.jump_order_by = scalar<std::string>(path, j["order_by"], "order_by");
  if (j["order"]) {
    const std::string v = j["order"].Scalar();
    if (v != "ascending" && v != "descending")
      fail(path, j["order"], "jump: 'order' must be ascending or descending (got '" + v + "')");
    spec.jump_schedule.order_descending = v == "descending";
  }
  spec.hmm.n_states = c.n_states;
}

// "[1, 3]": the empty states of a fit, as a JSON list.
std::string int_list(const std::vector<int>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

// method jump: complete rows (after the optional expanding z-scores), walk-forward refits
// labelled online, or one in-sample fit labelled online when walk_forward is off. Fills the
// model's labels, params and diagnostics; returns T x K probabilities (NaN rows unlabelled) and
// the number of refits.
RegimeFitOutput fit(const RegimeFitInput& in) {
  namespace jm = regimes::jump;
  const RegimeSpec& spec = in.spec;
  const std::vector<std::string>& columns = in.columns;
  const std::vector<Date>& all_dates = in.dates;
  const std::string& feature_version = in.feature_version;
  Matrix data = in.data;
  RegimeFitOutput model;
  std::ostringstream diagnostics;
  diagnostics.precision(17);
  if (spec.standardize_min_observations > 0) {
    if (spec.standardize_min_observations > data.rows()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "standardize: min_observations (" +
                      std::to_string(spec.standardize_min_observations) +
                      ") is longer than the data (" + std::to_string(data.rows()) +
                      " rows of feature version " + feature_version + ")");
    }
    data = regimes::expanding_zscore(data, spec.standardize_min_observations);
  }
  std::vector<Eigen::Index> keep;
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    if (data.row(t).allFinite()) keep.push_back(t);
  }
  const int K = spec.jump.n_states;
  if (static_cast<std::size_t>(K) > keep.size()) {
    throw Error(ErrorCode::kInvalidArgument, "jump: n_states (" + std::to_string(K) +
                                                 ") exceeds the " + std::to_string(keep.size()) +
                                                 " complete rows of feature version " +
                                                 feature_version);
  }
  Matrix x(static_cast<Eigen::Index>(keep.size()), data.cols());
  std::vector<Date> dates;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    x.row(static_cast<Eigen::Index>(i)) = data.row(keep[i]);
    dates.push_back(all_dates[static_cast<std::size_t>(keep[i])]);
  }
  jm::JumpWalkForwardConfig schedule = spec.jump_schedule;
  if (!spec.jump_order_by.empty()) {
    const auto it = std::find(columns.begin(), columns.end(), spec.jump_order_by);
    if (it == columns.end()) {
      throw Error(ErrorCode::kInvalidArgument, "jump: 'order_by' names '" + spec.jump_order_by +
                                                   "', not one of the spec's columns");
    }
    schedule.order_by_column = static_cast<int>(it - columns.begin());
  }
  Matrix filtered;
  std::size_t refits = 0;
  diagnostics
      << "{\"method\": \"jump\", \"loss\": \"0.5 * squared euclidean distance\", \"jump_penalty\": "
      << spec.jump.jump_penalty << ", \"continuous\": " << (spec.jump.continuous ? "true" : "false")
      << ", \"labels\": \"online (forward pass of the dynamic programme), never smoothed\", ";
  if (spec.walk_forward) {
    schedule.refit_every_months = spec.walk_forward->refit_every_months;
    schedule.min_train_rows = spec.walk_forward->min_train_rows;
    const auto wf = jm::walk_forward_jump(dates, x, spec.jump, schedule);
    filtered = wf.probabilities;
    refits = wf.refits.size();
    model.params_json = codec::jump_params_to_json(wf.refits.back().params, columns);
    model.trained_from = dates[wf.refits.back().first_row];
    model.trained_to = dates[wf.refits.back().first_row + wf.refits.back().rows - 1];
    diagnostics << "\"walk_forward\": true, \"refit_every_months\": " << schedule.refit_every_months
                << ", \"train_window_rows\": " << schedule.train_window_rows << ", \"refits\": [";
    for (std::size_t j = 0; j < wf.refits.size(); ++j) {
      const auto& r = wf.refits[j];
      diagnostics << (j ? ", " : "") << "{\"from\": \"" << r.date.iso() << "\", \"train_from\": \""
                  << dates[r.first_row].iso() << "\", \"rows\": " << r.rows
                  << ", \"objective\": " << r.fit.objective
                  << ", \"iterations\": " << r.fit.iterations
                  << ", \"converged\": " << (r.fit.converged ? "true" : "false")
                  << ", \"empty_states\": " << int_list(r.fit.empty_states) << "}";
    }
    diagnostics << "]}";
  } else {
    jm::JumpModelParams params;
    params.config = spec.jump;
    params.mean = Vector::Zero(x.cols());
    params.scale = Vector::Ones(x.cols());
    if (schedule.standardize) {
      params.mean = x.colwise().mean().transpose();
      for (Eigen::Index d = 0; d < x.cols(); ++d) {
        const double sd = x.rows() > 1
                              ? std::sqrt((x.col(d).array() - params.mean(d)).square().sum() /
                                          static_cast<double>(x.rows() - 1))
                              : 0.0;
        params.scale(d) = sd > 0 ? sd : 1.0;
      }
    }
    const Matrix z = jm::standardise(x, params);
    const auto raw = jm::fit(z, spec.jump);
    const auto order =
        jm::order_states(raw.centers, static_cast<Eigen::Index>(schedule.order_by_column),
                         schedule.order_descending);
    const auto fitted = jm::permute_states(z, raw, order, spec.jump);
    params.centers = fitted.centers;
    filtered = jm::infer_online(z, params.centers, spec.jump).probabilities;
    model.params_json = codec::jump_params_to_json(params, columns);
    model.trained_from = dates.front();
    model.trained_to = dates.back();
    diagnostics << "\"walk_forward\": false, \"note\": \"in-sample fit: centroids use all dates; "
                   "labels are the "
                   "online pass under them\", \"objective\": "
                << fitted.objective << ", \"iterations\": " << fitted.iterations
                << ", \"converged\": " << (fitted.converged ? "true" : "false")
                << ", \"empty_states\": " << int_list(fitted.empty_states) << "}";
  }
  model.probabilities = Matrix::Constant(data.rows(), K, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < keep.size(); ++i)
    model.probabilities.row(keep[i]) = filtered.row(static_cast<Eigen::Index>(i));
  model.labels = state_labels(spec, K, "J");
  model.refits = refits;
  model.diagnostics_json = diagnostics.str();
  return model;
}

// `mre regimes fit --data CSV --method jump`: the model on the columns as given.
CsvFitResult fit_table(const FeatureTable& table, const CsvFitOptions& options) {
  CsvFitResult out;
  if (options.init)
    throw Error(ErrorCode::kInvalidArgument, "--init: a warm start applies to method hmm only");
  if (table.values.hasNaN()) {
    throw Error(
        ErrorCode::kDataError,
        options.data.string() + ": a jump model needs complete rows; drop or fill empty cells");
  }
  auto config = options.jump;
  config.n_states = options.hmm.n_states;
  config.n_init = std::max(options.hmm.n_init, 10);  // as k-means: at least 10 k-means++ starts
  config.seed = options.hmm.seed;
  config.max_iter = options.hmm.n_iter;
  regimes::jump::JumpModelFit fitted;
  try {
    fitted = regimes::jump::fit(table.values, config);
  } catch (const Error& e) {
    throw Error(e.code(), options.data.string() + ": " + e.what());
  }
  regimes::jump::JumpModelParams params{.config = config,
                                        .centers = fitted.centers,
                                        .mean = Vector::Zero(table.values.cols()),
                                        .scale = Vector::Ones(table.values.cols())};
  out.params_json = codec::jump_params_to_json(params, table.names);
  out.summary_json =
      codec::jump_fit_summary_json(fitted, config, static_cast<std::size_t>(table.values.rows()));
  return out;
}

}  // namespace

const RegimeMethod& jump_method() {
  static const RegimeMethod method{
      .name = "jump",
      .keys = {"jump"},
      .walk_forward_by_default = true,
      .standardizes = true,
      .parse = parse_jump_settings,
      .states = [](const RegimeSpec& spec) -> std::optional<int> { return spec.jump.n_states; },
      .canonical = canonical,
      .fit = fit,
      .fit_csv = fit_table,
  };
  return method;
}

}  // namespace mre::workflows
