// detect_regimes: spec + feature version -> walk-forward HMM, k-means or rules -> regime version.
#include "mre/workflows/detect_regimes.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "mre/codec/hmm_json.h"
#include "mre/codec/jump_json.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/kmeans/kmeans.h"
#include "mre/regimes/standardize.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/hmm_settings.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

std::string canonical(const RegimeSpec& s) {
  std::ostringstream out;
  out.precision(17);
  out << "name=" << s.name << "\nmethod=" << s.method << "\nfeature_set=" << s.feature_set
      << "\ncolumns=" << store::join_names(s.columns) << "\nlabels=" << store::join_names(s.labels) << "\n";
  if (s.method == "jump") {
    out << "n_states=" << s.jump.n_states << "\njump_penalty=" << s.jump.jump_penalty << "\ncontinuous=" << s.jump.continuous
        << "\ngrid_size=" << s.jump.grid_size << "\nmode_loss=" << s.jump.mode_loss << "\nn_init=" << s.jump.n_init
        << "\nmax_iter=" << s.jump.max_iter << "\ntol=" << s.jump.tol << "\nseed=" << s.jump.seed
        << "\njump_window=" << s.jump_schedule.train_window_rows << ",standardize=" << s.jump_schedule.standardize
        << ",order_by=" << s.jump_order_by << ",descending=" << s.jump_schedule.order_descending << "\n";
  } else if (s.method != "rules") {
    out << "n_states=" << s.hmm.n_states << "\ncovariance=" << regimes::hmm::covariance_name(s.hmm.covariance)
        << "\nn_iter=" << s.hmm.n_iter << "\ntol=" << s.hmm.tol << "\nn_init=" << s.hmm.n_init << "\nseed=" << s.hmm.seed
        << "\nmin_covar=" << s.hmm.min_covar << "\n";
  }
  if (s.hmm.screen_iterations > 0) out << "screen_iterations=" << s.hmm.screen_iterations << "\n";
  if (s.standardize_min_observations > 0) out << "standardize=expanding," << s.standardize_min_observations << "\n";
  if (s.walk_forward) {
    out << "walk_forward=" << s.walk_forward->refit_every_months << "," << s.walk_forward->min_train_rows << ","
        << s.walk_forward->min_column_observations << "\n";
  }
  for (const auto& rule : s.rules) {
    out << "rule=" << rule.regime;
    for (const auto& c : rule.conditions) out << "|" << c.feature << "," << c.sign << "," << c.threshold << "," << c.scale;
    out << "\n";
  }
  return out.str();
}

// The `jump:` block: n_states, jump_penalty (required), n_init, continuous, grid_size, mode_loss,
// max_iter, tol, seed, standardize (window | off), order_by (a column), order (ascending |
// descending).
void parse_jump_settings(const std::filesystem::path& path, const YAML::Node& root, RegimeSpec& spec) {
  const YAML::Node j = root["jump"];
  if (!j || !j.IsMap()) fail(path, j ? j : root, "method jump needs a 'jump' mapping with at least 'jump_penalty'");
  only_keys(path, j, {"n_states", "jump_penalty", "n_init", "continuous", "grid_size", "mode_loss", "max_iter", "tol",
                      "seed", "standardize", "order_by", "order"}, "jump: ");
  auto& c = spec.jump;
  if (j["n_states"]) c.n_states = detail::count_in_range(path, j["n_states"], "n_states", 1, regimes::hmm::kMaxStates);
  if (!j["jump_penalty"]) fail(path, j, "jump: 'jump_penalty' is required (lambda >= 0, the cost of one switch)");
  c.jump_penalty = scalar<double>(path, j["jump_penalty"], "jump_penalty");
  if (!(std::isfinite(c.jump_penalty) && c.jump_penalty >= 0)) {
    fail(path, j["jump_penalty"], "jump: 'jump_penalty' must be a finite number >= 0 (got " + j["jump_penalty"].Scalar() + ")");
  }
  if (j["n_init"]) c.n_init = detail::count_in_range(path, j["n_init"], "n_init", 1, 1'000);
  if (j["continuous"]) c.continuous = scalar<bool>(path, j["continuous"], "continuous");
  if (j["grid_size"]) c.grid_size = scalar<double>(path, j["grid_size"], "grid_size");
  if (j["mode_loss"]) c.mode_loss = scalar<bool>(path, j["mode_loss"], "mode_loss");
  if (j["max_iter"]) c.max_iter = detail::count_in_range(path, j["max_iter"], "max_iter", 1, 1'000'000);
  if (j["tol"]) c.tol = scalar<double>(path, j["tol"], "tol");
  if (!(std::isfinite(c.tol) && c.tol >= 0)) fail(path, j["tol"], "jump: 'tol' must be a finite number >= 0");
  if (j["seed"]) c.seed = scalar<std::uint64_t>(path, j["seed"], "seed");
  try {
    (void)regimes::jump::candidate_states(c);
  } catch (const Error& e) {
    fail(path, j["grid_size"] ? j["grid_size"] : j, std::string("jump: ") + e.what());
  }
  if (j["standardize"]) {
    const std::string v = j["standardize"].Scalar();
    if (v != "window" && v != "off") fail(path, j["standardize"], "jump: 'standardize' must be window or off (got '" + v + "')");
    spec.jump_schedule.standardize = v == "window";
  }
  if (j["order_by"]) spec.jump_order_by = scalar<std::string>(path, j["order_by"], "order_by");
  if (j["order"]) {
    const std::string v = j["order"].Scalar();
    if (v != "ascending" && v != "descending") fail(path, j["order"], "jump: 'order' must be ascending or descending (got '" + v + "')");
    spec.jump_schedule.order_descending = v == "descending";
  }
  spec.hmm.n_states = c.n_states;
}

// method jump: complete rows (after the optional expanding z-scores), walk-forward refits
// labelled online, or one in-sample fit labelled online when walk_forward is off. Fills the
// model's labels, params and diagnostics; returns T x K probabilities (NaN rows unlabelled) and
// the number of refits.
std::pair<Matrix, std::size_t> fit_jump_version(const RegimeSpec& spec, const std::vector<std::string>& columns,
                                                const std::vector<Date>& all_dates, Matrix data,
                                                const std::string& feature_version, store::RegimeModel& model,
                                                std::ostringstream& diagnostics) {
  namespace jm = regimes::jump;
  if (spec.standardize_min_observations > 0) {
    if (spec.standardize_min_observations > data.rows()) {
      throw Error(ErrorCode::kInvalidArgument, "standardize: min_observations (" +
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
    throw Error(ErrorCode::kInvalidArgument, "jump: n_states (" + std::to_string(K) + ") exceeds the " +
                                                 std::to_string(keep.size()) + " complete rows of feature version " +
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
      throw Error(ErrorCode::kInvalidArgument, "jump: 'order_by' names '" + spec.jump_order_by + "', not one of the spec's columns");
    }
    schedule.order_by_column = static_cast<int>(it - columns.begin());
  }
  Matrix filtered;
  std::size_t refits = 0;
  diagnostics << "{\"method\": \"jump\", \"loss\": \"0.5 * squared euclidean distance\", \"jump_penalty\": "
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
                  << dates[r.first_row].iso() << "\", \"rows\": " << r.rows << ", \"objective\": " << r.fit.objective
                  << ", \"iterations\": " << r.fit.iterations << ", \"converged\": " << (r.fit.converged ? "true" : "false")
                  << "}";
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
        const double sd = x.rows() > 1 ? std::sqrt((x.col(d).array() - params.mean(d)).square().sum() /
                                                   static_cast<double>(x.rows() - 1))
                                       : 0.0;
        params.scale(d) = sd > 0 ? sd : 1.0;
      }
    }
    const Matrix z = jm::standardise(x, params);
    const auto raw = jm::fit(z, spec.jump);
    std::vector<int> order(static_cast<std::size_t>(K));
    std::iota(order.begin(), order.end(), 0);
    const auto column = static_cast<Eigen::Index>(schedule.order_by_column);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return schedule.order_descending ? raw.centers(a, column) > raw.centers(b, column)
                                       : raw.centers(a, column) < raw.centers(b, column);
    });
    const auto fitted = jm::permute_states(z, raw, order, spec.jump);
    params.centers = fitted.centers;
    filtered = jm::infer_online(z, params.centers, spec.jump).probabilities;
    model.params_json = codec::jump_params_to_json(params, columns);
    model.trained_from = dates.front();
    model.trained_to = dates.back();
    diagnostics << "\"walk_forward\": false, \"note\": \"in-sample fit: centroids use all dates; labels are the "
                   "online pass under them\", \"objective\": " << fitted.objective << ", \"iterations\": "
                << fitted.iterations << ", \"converged\": " << (fitted.converged ? "true" : "false") << "}";
  }
  Matrix probabilities = Matrix::Constant(data.rows(), K, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < keep.size(); ++i) probabilities.row(keep[i]) = filtered.row(static_cast<Eigen::Index>(i));
  for (int k = 0; k < K; ++k) {
    model.labels.push_back(spec.labels.empty() ? "J" + std::to_string(k) : spec.labels[static_cast<std::size_t>(k)]);
  }
  return {std::move(probabilities), refits};
}

}  // namespace

RegimeSpec load_regime_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "regime spec");
  only_keys(path, root, {"name", "description", "method", "feature_set", "columns", "labels", "hmm", "walk_forward", "standardize", "rules", "jump"}, "");
  RegimeSpec spec;
  for (const char* key : {"name", "method", "feature_set"}) {
    if (!root[key] || root[key].Scalar().empty()) fail(path, root, std::string("missing field '") + key + "'");
  }
  spec.name = root["name"].Scalar();
  spec.method = root["method"].Scalar();
  spec.feature_set = root["feature_set"].Scalar();
  if (spec.method != "hmm" && spec.method != "kmeans" && spec.method != "rules" && spec.method != "jump") {
    fail(path, root["method"], "'method' must be hmm, kmeans, rules or jump (got '" + spec.method + "')");
  }
  if (root["columns"]) spec.columns = scalar<std::vector<std::string>>(path, root["columns"], "columns");
  if (root["labels"]) spec.labels = scalar<std::vector<std::string>>(path, root["labels"], "labels");
  if (const YAML::Node h = root["hmm"]) detail::parse_hmm_settings(path, h, spec.hmm, true);
  if (spec.method == "hmm" || spec.method == "jump") spec.walk_forward = regimes::WalkForwardConfig{};
  if (root["jump"] && spec.method != "jump") fail(path, root["jump"], "'jump' applies to method jump only");
  if (spec.method == "jump") parse_jump_settings(path, root, spec);
  if (const YAML::Node w = root["walk_forward"]) {
    if (w.IsScalar() && w.Scalar() == "off") {
      spec.walk_forward.reset();
    } else {
      only_keys(path, w, {"refit_every_months", "min_train_rows", "min_column_observations", "train_window_rows"}, "walk_forward: ");
      if (w["train_window_rows"]) {
        if (spec.method != "jump") fail(path, w["train_window_rows"], "walk_forward: 'train_window_rows' applies to method jump only");
        spec.jump_schedule.train_window_rows =
            detail::count_in_range(path, w["train_window_rows"], "train_window_rows", 0, 10'000'000);
      }
      if (w["min_column_observations"] && spec.method == "jump") {
        fail(path, w["min_column_observations"], "walk_forward: 'min_column_observations' applies to method hmm only (a jump model uses complete rows)");
      }
      regimes::WalkForwardConfig config;
      if (w["refit_every_months"]) config.refit_every_months = scalar<int>(path, w["refit_every_months"], "refit_every_months");
      if (w["min_train_rows"]) config.min_train_rows = scalar<int>(path, w["min_train_rows"], "min_train_rows");
      if (w["min_column_observations"]) {
        config.min_column_observations = scalar<int>(path, w["min_column_observations"], "min_column_observations");
      }
      spec.walk_forward = config;
    }
  }
  if (const YAML::Node z = root["standardize"]) {
    if (!(z.IsScalar() && z.Scalar() == "off")) {
      only_keys(path, z, {"method", "min_observations"}, "standardize: ");
      if (spec.method != "hmm" && spec.method != "jump") fail(path, z, "'standardize' applies to methods hmm and jump only");
      const std::string method = z["method"] ? z["method"].Scalar() : "expanding";
      if (method != "expanding") fail(path, z["method"], "standardize: method must be 'expanding' (got '" + method + "')");
      spec.standardize_min_observations = 252;
      if (z["min_observations"]) {
        spec.standardize_min_observations = scalar<int>(path, z["min_observations"], "min_observations");
      }
      if (spec.standardize_min_observations < 2) {
        fail(path, z["min_observations"] ? z["min_observations"] : z, "standardize: 'min_observations' must be >= 2");
      }
    }
  }
  if (spec.method == "rules") {
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsMap()) fail(path, root, "method rules needs 'rules': a mapping from regime to conditions");
    for (const auto& item : rules) {
      regimes::rules::Rule rule;
      rule.regime = item.first.Scalar();
      if (!item.second.IsSequence()) fail(path, item.second, "regime '" + rule.regime + "': expected a list of conditions");
      for (const auto& c : item.second) {
        only_keys(path, c, {"feature", "direction", "threshold", "scale"}, "regime '" + rule.regime + "': ");
        if (!c["feature"]) fail(path, c, "regime '" + rule.regime + "': a condition needs 'feature'");
        regimes::rules::Condition condition;
        condition.feature = c["feature"].Scalar();
        const std::string direction = c["direction"] ? c["direction"].Scalar() : "up";
        if (direction != "up" && direction != "down") {
          fail(path, c["direction"], "regime '" + rule.regime + "': direction must be up or down");
        }
        condition.sign = direction == "up" ? 1.0 : -1.0;
        if (c["threshold"]) condition.threshold = scalar<double>(path, c["threshold"], "threshold");
        if (c["scale"]) condition.scale = scalar<double>(path, c["scale"], "scale");
        if (!(condition.scale > 0)) fail(path, c, "regime '" + rule.regime + "', feature '" + condition.feature + "': scale must be > 0");
        rule.conditions.push_back(condition);
      }
      spec.rules.push_back(std::move(rule));
    }
  }
  if (!spec.labels.empty() && spec.method != "rules" && static_cast<int>(spec.labels.size()) != spec.hmm.n_states) {
    fail(path, root["labels"], "'labels' names " + std::to_string(spec.labels.size()) + " states, n_states is " +
                                   std::to_string(spec.hmm.n_states));
  }
  spec.canonical_text = canonical(spec);
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "regime spec");
}

DetectRegimesReport detect_regimes(store::Store& store, const DetectRegimesOptions& options) {
  const RegimeSpec spec = load_regime_spec(options.spec_path);
  const std::string where = options.spec_path.string() + ": ";
  // The feature version: given, or the newest of the spec's feature set.
  const auto features = detail::resolve_feature_version(store, options.features_version, spec.feature_set,
                                                        where + "run 'mre features build' first");
  const Panel panel = store.read_features(features.version, std::nullopt, std::nullopt);
  std::vector<std::string> columns = spec.columns;
  if (columns.empty()) {
    for (const auto& c : features.columns) columns.push_back(c.name);
  }
  Matrix data(static_cast<Eigen::Index>(panel.rows()), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto info = std::find_if(features.columns.begin(), features.columns.end(),
                                   [&](const store::FeatureColumn& fc) { return fc.name == columns[c]; });
    if (info == features.columns.end()) {
      throw Error(ErrorCode::kInvalidArgument, where + "column '" + columns[c] + "' is not in feature version " + features.version);
    }
    if (info->forward_looking) {
      throw Error(ErrorCode::kInvalidArgument, where + "column '" + columns[c] +
                                                   "' is forward-looking (an outcome) and never a regime input");
    }
    const auto& values = panel.column(columns[c]);
    for (std::size_t t = 0; t < panel.rows(); ++t) data(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(c)) = values[t];
  }

  store::RegimeModel model;
  model.kind = spec.method;
  model.spec_name = spec.name;
  model.spec_hash = spec.hash;
  model.spec_text = spec.canonical_text;
  model.feature_version = features.version;
  model.columns = columns;
  model.version = options.version == "auto"
                      ? "R_" + spec.name + "_" + fnv1a_hex(spec.hash + features.version).substr(0, 8)
                      : options.version;
  store::validate_version_tag(model.version);
  DetectRegimesReport report;
  report.version = model.version;
  report.kind = spec.method;
  report.feature_version = features.version;
  if (const auto existing = store.find_regime_model(model.version)) {
    store::same_regime_model(*existing, model);
    report.rows = existing->rows;
    report.labels = existing->labels;
    const auto rows = store.read_regimes(model.version, existing->last, existing->last);
    if (!rows.empty()) report.latest = rows.back();
    return report;
  }

  Matrix probabilities;
  Matrix raw_scores;  // rules: the regime scores themselves, the row's score is the winner's
  std::ostringstream diagnostics;
  diagnostics.precision(17);
  try {
    if (spec.method == "rules") {
      const auto scored = regimes::rules::score(spec.rules, columns, data);
      probabilities = scored.scores;
      raw_scores = scored.scores;
      for (const auto& r : spec.rules) model.labels.push_back(r.regime);
      model.params_json = spec.canonical_text;
      diagnostics << "{\"method\": \"rules\", \"note\": \"scores are rule strengths in [0, 1], normalised to sum to 1\"}";
    } else if (spec.method == "hmm") {
      if (spec.standardize_min_observations > 0) {
        if (spec.standardize_min_observations > data.rows()) {
          throw Error(ErrorCode::kInvalidArgument,
                      "standardize: min_observations (" + std::to_string(spec.standardize_min_observations) +
                          ") is longer than the data (" + std::to_string(data.rows()) + " rows of feature version " +
                          features.version + ")");
        }
        data = regimes::expanding_zscore(data, spec.standardize_min_observations);
      }
      // Rows with no feature at all (before every series starts) carry no information: skip them.
      std::vector<Eigen::Index> keep;
      for (Eigen::Index t = 0; t < data.rows(); ++t) {
        if (!data.row(t).array().isNaN().all()) keep.push_back(t);
      }
      Matrix x(static_cast<Eigen::Index>(keep.size()), data.cols());
      std::vector<Date> dates;
      for (std::size_t i = 0; i < keep.size(); ++i) {
        x.row(static_cast<Eigen::Index>(i)) = data.row(keep[i]);
        dates.push_back(panel.dates()[static_cast<std::size_t>(keep[i])]);
      }
      Matrix filtered;
      if (spec.walk_forward) {
        const auto wf = regimes::walk_forward_hmm(dates, x, spec.hmm, *spec.walk_forward);
        filtered = wf.filtered;
        report.refits = wf.refits.size();
        model.params_json = codec::hmm_params_to_json(wf.refits.back().fit.params, columns);
        model.trained_from = dates.front();
        model.trained_to = dates[wf.refits.back().rows - 1];
        diagnostics << "{\"method\": \"hmm\", \"walk_forward\": true, \"standardize\": "
                    << (spec.standardize_min_observations > 0
                            ? "\"expanding z-scores from " + std::to_string(spec.standardize_min_observations) +
                                  " observations\""
                            : std::string("null"))
                    << ", \"refit_every_months\": " << spec.walk_forward->refit_every_months << ", \"refits\": [";
        for (std::size_t j = 0; j < wf.refits.size(); ++j) {
          const auto& r = wf.refits[j];
          diagnostics << (j ? ", " : "") << "{\"from\": \"" << r.date.iso() << "\", \"rows\": " << r.rows
                      << ", \"log_likelihood\": " << r.fit.log_likelihood << ", \"iterations\": " << r.fit.iterations
                      << ", \"converged\": " << (r.fit.converged ? "true" : "false") << ", \"bic\": " << r.fit.bic
                      << ", \"active_columns\": " << r.active_columns.size() << "}";
        }
        diagnostics << "]}";
      } else {
        const auto fit = regimes::hmm::fit(x, spec.hmm);
        filtered = regimes::hmm::forward_filter(regimes::hmm::log_emission(fit.params, x), fit.params.transition,
                                                fit.params.initial)
                       .filtered;
        model.params_json = codec::hmm_params_to_json(fit.params, columns);
        model.trained_from = dates.front();
        model.trained_to = dates.back();
        diagnostics << "{\"method\": \"hmm\", \"walk_forward\": false, \"note\": \"in-sample fit: parameters use all "
                       "dates\", \"summary\": " << codec::hmm_fit_summary_json(fit, keep.size()) << "}";
      }
      probabilities = Matrix::Constant(data.rows(), spec.hmm.n_states, std::numeric_limits<double>::quiet_NaN());
      for (std::size_t i = 0; i < keep.size(); ++i) probabilities.row(keep[i]) = filtered.row(static_cast<Eigen::Index>(i));
      for (int k = 0; k < spec.hmm.n_states; ++k) {
        model.labels.push_back(spec.labels.empty() ? "S" + std::to_string(k) : spec.labels[static_cast<std::size_t>(k)]);
      }
    } else if (spec.method == "jump") {
      auto [jump_probabilities, refits] =
          fit_jump_version(spec, columns, panel.dates(), data, features.version, model, diagnostics);
      probabilities = std::move(jump_probabilities);
      report.refits = refits;
    } else {  // kmeans, in-sample on complete rows
      std::vector<Eigen::Index> keep;
      for (Eigen::Index t = 0; t < data.rows(); ++t) {
        if (!data.row(t).hasNaN()) keep.push_back(t);
      }
      Matrix x(static_cast<Eigen::Index>(keep.size()), data.cols());
      for (std::size_t i = 0; i < keep.size(); ++i) x.row(static_cast<Eigen::Index>(i)) = data.row(keep[i]);
      const auto km = regimes::kmeans::fit(x, {.n_clusters = spec.hmm.n_states, .n_init = 10, .seed = spec.hmm.seed});
      probabilities = Matrix::Constant(data.rows(), spec.hmm.n_states, std::numeric_limits<double>::quiet_NaN());
      for (std::size_t i = 0; i < keep.size(); ++i) {
        probabilities.row(keep[i]).setZero();
        probabilities(keep[i], km.labels[i]) = 1.0;
      }
      for (int k = 0; k < spec.hmm.n_states; ++k) {
        model.labels.push_back(spec.labels.empty() ? "C" + std::to_string(k) : spec.labels[static_cast<std::size_t>(k)]);
      }
      model.params_json = "{\"model\": \"kmeans\", \"inertia\": " + format_double(km.inertia) + "}";
      diagnostics << "{\"method\": \"kmeans\", \"note\": \"in-sample clustering of complete rows\", \"inertia\": "
                  << km.inertia << ", \"rows\": " << keep.size() << "}";
    }
  } catch (const Error& e) {
    throw Error(e.code(), where + e.what());
  }
  model.diagnostics_json = diagnostics.str();
  model.created_at = Timestamp::now();

  std::vector<store::RegimeRow> rows;
  for (Eigen::Index t = 0; t < probabilities.rows(); ++t) {
    if (probabilities.row(t).hasNaN()) continue;
    std::vector<double> p(probabilities.row(t).data(), probabilities.row(t).data() + 0);
    p.resize(static_cast<std::size_t>(probabilities.cols()));
    double total = 0;
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) total += probabilities(t, k);
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) p[static_cast<std::size_t>(k)] = probabilities(t, k) / total;
    const auto best = std::max_element(p.begin(), p.end()) - p.begin();
    const double score = raw_scores.size() ? raw_scores(t, best) : p[static_cast<std::size_t>(best)];
    rows.push_back({panel.dates()[static_cast<std::size_t>(t)], model.labels[static_cast<std::size_t>(best)], score,
                    std::move(p)});
  }
  if (rows.empty()) throw Error(ErrorCode::kDataError, where + "no date has enough data for a regime");
  report.written = store.write_regimes(model, rows) == store::FeatureWriteOutcome::kWritten;
  report.rows = rows.size();
  report.labels = model.labels;
  report.latest = rows.back();
  return report;
}

std::vector<std::string> refits_at_iteration_limit(const store::RegimeModel& model) {
  std::vector<std::string> out;
  const auto parsed = nlohmann::json::parse(model.diagnostics_json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("refits")) return out;
  for (const auto& r : parsed.at("refits")) {
    if (r.value("converged", true)) continue;
    out.push_back(r.value("from", std::string("?")) + " (" + std::to_string(r.value("iterations", 0)) + " iterations)");
  }
  return out;
}

}  // namespace mre::workflows
