// detect_regimes: spec + feature version -> a registered regime method (regime_methods/) -> regime
// version.
#include "mre/workflows/detect_regimes.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/core/work_items.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/hmm_settings.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"
#include "mre/workflows/regime_methods/regime_method.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

std::string canonical(const RegimeSpec& s, const RegimeMethod& method) {
  std::ostringstream out;
  out.precision(17);
  out << "name=" << s.name << "\nmethod=" << s.method << "\nfeature_set=" << s.feature_set
      << "\ncolumns=" << store::join_names(s.columns) << "\nlabels=" << store::join_names(s.labels)
      << "\n";
  method.canonical(s, out);
  return out.str();
}

}  // namespace

RegimeSpec load_regime_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "regime spec");
  // The keys every method shares, then the chosen method's own (its registry entry).
  std::vector<std::string> keys = {"name",        "description",  "method",
                                   "feature_set", "columns",      "labels",
                                   "hmm",         "walk_forward", "standardize"};
  for (const auto* m : regime_methods()) {
    for (const auto key : m->keys) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.emplace_back(key);
    }
  }
  only_keys(path, root, keys, "");
  RegimeSpec spec;
  for (const char* key : {"name", "method", "feature_set"}) {
    if (!root[key] || root[key].Scalar().empty())
      fail(path, root, std::string("missing field '") + key + "'");
  }
  spec.name = root["name"].Scalar();
  if (const auto problem = name_problem(spec.name)) fail(path, root["name"], "'name' " + *problem);
  spec.method = root["method"].Scalar();
  spec.feature_set = root["feature_set"].Scalar();
  const RegimeMethod* method = find_regime_method(spec.method);
  if (!method)
    fail(path, root["method"],
         "'method' must be " + regime_method_names() + " (got '" + spec.method + "')");
  // Names listed twice, or an empty list, were accepted (QA 2026-12-07): labels [a, a] stored a
  // version whose two states could not be told apart (one key in the JSON, one probability
  // dropped), a column twice counted twice in the distance, `columns: []` meant every column.
  const auto distinct = [&](const char* key, const std::vector<std::string>& names) {
    if (names.empty())
      fail(path, root[key],
           std::string("'") + key + "' is empty: name at least one, or leave the key out");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) fail(path, root[key], std::string("'") + key + "' has an empty name");
      if (const auto problem = name_problem(names[i]))
        fail(path, root[key],
             std::string("'") + key + "': the name '" + names[i] + "' " + *problem);
      for (std::size_t j = 0; j < i; ++j) {
        if (names[j] == names[i])
          fail(path, root[key], std::string("'") + key + "' names '" + names[i] + "' twice");
      }
    }
  };
  if (root["columns"]) {
    spec.columns = scalar<std::vector<std::string>>(path, root["columns"], "columns");
    distinct("columns", spec.columns);
  }
  if (root["labels"]) {
    spec.labels = scalar<std::vector<std::string>>(path, root["labels"], "labels");
    distinct("labels", spec.labels);
  }
  if (const YAML::Node h = root["hmm"]) detail::parse_hmm_settings(path, h, spec.hmm, true);
  if (method->walk_forward_by_default) spec.walk_forward = regimes::WalkForwardConfig{};
  if (const YAML::Node w = root["walk_forward"]) {
    if (w.IsScalar() && w.Scalar() == "off") {
      spec.walk_forward.reset();
    } else {
      only_keys(
          path, w,
          {"refit_every_months", "min_train_rows", "min_column_observations", "train_window_rows"},
          "walk_forward: ");
      if (w["train_window_rows"]) {
        if (spec.method != "jump")
          fail(path, w["train_window_rows"],
               "walk_forward: 'train_window_rows' applies to method jump only");
        spec.jump_schedule.train_window_rows = detail::count_in_range(
            path, w["train_window_rows"], "train_window_rows", 0, 10'000'000);
      }
      if (w["min_column_observations"] && spec.method == "jump") {
        fail(path, w["min_column_observations"],
             "walk_forward: 'min_column_observations' applies to method hmm only (a jump model "
             "uses complete rows)");
      }
      regimes::WalkForwardConfig config;
      // Ranged here, with the line, so a bad value never reaches the kernel's check (whose
      // message named an internal function: "mre::regimes::walk_forward_hmm: argument ...").
      if (w["refit_every_months"])
        config.refit_every_months =
            detail::count_in_range(path, w["refit_every_months"], "refit_every_months", 1, 1200);
      if (w["min_train_rows"])
        config.min_train_rows =
            detail::count_in_range(path, w["min_train_rows"], "min_train_rows", 2, 100'000'000);
      if (w["min_column_observations"]) {
        config.min_column_observations = detail::count_in_range(
            path, w["min_column_observations"], "min_column_observations", 2, 100'000'000);
      }
      spec.walk_forward = config;
    }
  }
  if (const YAML::Node z = root["standardize"]) {
    if (!(z.IsScalar() && z.Scalar() == "off")) {
      only_keys(path, z, {"method", "min_observations"}, "standardize: ");
      if (!method->standardizes)
        fail(path, z, "'standardize' does not apply to method " + spec.method);
      const std::string scaling = z["method"] ? z["method"].Scalar() : "expanding";
      if (scaling != "expanding")
        fail(path, z["method"], "standardize: method must be 'expanding' (got '" + scaling + "')");
      spec.standardize_min_observations = 252;
      if (z["min_observations"]) {
        spec.standardize_min_observations =
            scalar<int>(path, z["min_observations"], "min_observations");
      }
      if (spec.standardize_min_observations < 2) {
        fail(path, z["min_observations"] ? z["min_observations"] : z,
             "standardize: 'min_observations' must be >= 2");
      }
    }
  }
  for (const auto* other : regime_methods()) {
    if (other == method) continue;
    for (const auto key : other->keys) {
      const std::string k(key);
      if (root[k] &&
          std::find(method->keys.begin(), method->keys.end(), key) == method->keys.end()) {
        fail(path, root[k], "'" + k + "' applies to method " + std::string(other->name) + " only");
      }
    }
  }
  method->parse(path, root, spec);
  if (const auto states = method->states(spec);
      states && !spec.labels.empty() && static_cast<int>(spec.labels.size()) != *states) {
    fail(path, root["labels"],
         "'labels' names " + std::to_string(spec.labels.size()) + " states, n_states is " +
             std::to_string(*states));
  }
  // A fit needs more rows than states (docs/jump_models.md): a first fit on n_states rows puts
  // one row in each state (QA: 2 states on 2 rows were stored as 58 fits).
  if (const auto states = method->states(spec);
      states && spec.walk_forward && spec.walk_forward->min_train_rows <= *states) {
    const YAML::Node w = root["walk_forward"];
    fail(path, w && w.IsMap() && w["min_train_rows"] ? w["min_train_rows"] : root,
         "walk_forward: 'min_train_rows' (" + std::to_string(spec.walk_forward->min_train_rows) +
             ") must be above n_states (" + std::to_string(*states) + ")");
  }
  spec.canonical_text = canonical(spec, *method);
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "regime spec");
}

DetectRegimesReport detect_regimes(store::Store& store, const DetectRegimesOptions& options) {
  RegimeSpec spec = load_regime_spec(options.spec_path);
  const ThreadWorkItems local(options.threads);
  spec.hmm.threads = options.threads;
  spec.hmm.work_items = options.work_items ? options.work_items : &local;
  const std::string where = options.spec_path.string() + ": ";
  // The feature version: given, or the newest of the spec's feature set.
  const auto features = detail::resolve_feature_version(
      store, options.features_version, spec.feature_set, where + "run 'mre features build' first");
  const Panel panel = store.read_features(features.version, std::nullopt, std::nullopt);
  std::vector<std::string> columns = spec.columns;
  if (columns.empty()) {
    for (const auto& c : features.columns) columns.push_back(c.name);
  }
  Matrix data(static_cast<Eigen::Index>(panel.rows()), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const auto info =
        std::find_if(features.columns.begin(), features.columns.end(),
                     [&](const store::FeatureColumn& fc) { return fc.name == columns[c]; });
    if (info == features.columns.end()) {
      throw Error(
          ErrorCode::kInvalidArgument,
          where + "column '" + columns[c] + "' is not in feature version " + features.version);
    }
    if (info->forward_looking) {
      throw Error(ErrorCode::kInvalidArgument,
                  where + "column '" + columns[c] +
                      "' is forward-looking (an outcome) and never a regime input");
    }
    const auto& values = panel.column(columns[c]);
    for (std::size_t t = 0; t < panel.rows(); ++t)
      data(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(c)) = values[t];
  }

  store::RegimeModel model;
  model.kind = spec.method;
  model.spec_name = spec.name;
  model.spec_hash = spec.hash;
  model.spec_text = spec.canonical_text;
  model.feature_version = features.version;
  model.columns = columns;
  model.version =
      options.version == "auto"
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
    report.fits_with_empty_states = fits_with_empty_states(*existing);
    const auto rows = store.read_regimes(model.version, existing->last, existing->last);
    if (!rows.empty()) report.latest = rows.back();
    return report;
  }

  RegimeFitOutput fitted;
  try {
    fitted = find_regime_method(spec.method)
                 ->fit({spec, data, panel.dates(), columns, features.version});
  } catch (const Error& e) {
    throw Error(e.code(), where + e.what());
  }
  const Matrix& probabilities = fitted.probabilities;
  const Matrix& raw_scores = fitted.raw_scores;
  model.labels = fitted.labels;
  model.params_json = fitted.params_json;
  model.trained_from = fitted.trained_from;
  model.trained_to = fitted.trained_to;
  report.refits = fitted.refits;
  model.diagnostics_json = fitted.diagnostics_json;
  model.created_at = Timestamp::now();

  std::vector<store::RegimeRow> rows;
  for (Eigen::Index t = 0; t < probabilities.rows(); ++t) {
    if (probabilities.row(t).hasNaN()) continue;
    std::vector<double> p(probabilities.row(t).data(), probabilities.row(t).data() + 0);
    p.resize(static_cast<std::size_t>(probabilities.cols()));
    double total = 0;
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k) total += probabilities(t, k);
    for (Eigen::Index k = 0; k < probabilities.cols(); ++k)
      p[static_cast<std::size_t>(k)] = probabilities(t, k) / total;
    const auto best = std::max_element(p.begin(), p.end()) - p.begin();
    const double score =
        raw_scores.size() ? raw_scores(t, best) : p[static_cast<std::size_t>(best)];
    rows.push_back({panel.dates()[static_cast<std::size_t>(t)],
                    model.labels[static_cast<std::size_t>(best)], score, std::move(p)});
  }
  if (rows.empty())
    throw Error(ErrorCode::kDataError, where + "no date has enough data for a regime");
  report.written = store.write_regimes(model, rows) == store::FeatureWriteOutcome::kWritten;
  report.rows = rows.size();
  report.labels = model.labels;
  report.fits_with_empty_states = fits_with_empty_states(model);
  report.latest = rows.back();
  return report;
}

std::vector<std::string> fits_with_empty_states(const store::RegimeModel& model) {
  std::vector<std::string> out;
  const auto parsed = nlohmann::json::parse(model.diagnostics_json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return out;
  const auto describe = [&](const nlohmann::json& fit, const std::string& when) {
    if (!fit.contains("empty_states") || !fit["empty_states"].is_array()) return;
    std::string names;
    for (const auto& k : fit["empty_states"]) {
      if (!k.is_number_integer()) continue;
      const auto index = k.get<long long>();
      names += (names.empty() ? "" : ", ") +
               (index >= 0 && static_cast<std::size_t>(index) < model.labels.size()
                    ? model.labels[static_cast<std::size_t>(index)]
                    : "state " + std::to_string(index));
    }
    if (!names.empty()) out.push_back(when + " (" + names + ")");
  };
  if (parsed.contains("refits") && parsed["refits"].is_array()) {
    for (const auto& r : parsed["refits"]) {
      if (r.is_object()) describe(r, r.value("from", std::string("?")));
    }
  } else {
    describe(parsed, "the fit");
  }
  return out;
}

std::vector<std::string> refits_at_iteration_limit(const store::RegimeModel& model) {
  std::vector<std::string> out;
  const auto parsed = nlohmann::json::parse(model.diagnostics_json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("refits")) return out;
  for (const auto& r : parsed.at("refits")) {
    if (r.value("converged", true)) continue;
    out.push_back(r.value("from", std::string("?")) + " (" +
                  std::to_string(r.value("iterations", 0)) + " iterations)");
  }
  return out;
}

}  // namespace mre::workflows
