// See neural.h.
#include "mre/workflows/neural.h"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/neural/forecast_scores.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {

namespace {

using detail::only_keys;
using detail::scalar;

const char* const kKind = "neural_attention";

// The feature rows the model sees: from `from` (or the start), leading rows before every chosen
// column has a value skipped, the columns in the spec's order.
struct Grid {
  std::vector<Date> dates;
  Matrix values;
  std::vector<std::string> names;
};

Grid read_grid(const store::Store& store, const std::string& feature_version,
               const std::vector<std::string>& columns, std::optional<Date> from) {
  const Panel panel = store.read_features(feature_version, from, std::nullopt);
  Grid g;
  std::vector<std::size_t> index;
  if (columns.empty()) {
    g.names = panel.names();
    for (std::size_t j = 0; j < panel.cols(); ++j) index.push_back(j);
  } else {
    g.names = columns;
    for (const auto& c : columns) {
      try {
        index.push_back(panel.index_of(c));
      } catch (const Error&) {
        throw Error(ErrorCode::kNotFound,
                    "neural: feature version '" + feature_version + "' has no column '" + c + "'");
      }
    }
  }
  std::size_t start = panel.rows();
  for (std::size_t t = 0; t < panel.rows(); ++t) {
    bool all = true;
    for (const auto j : index) all = all && !std::isnan(panel.column(j)[t]);
    if (all) {
      start = t;
      break;
    }
  }
  const auto rows = static_cast<Eigen::Index>(panel.rows() - start);
  g.values.resize(rows, static_cast<Eigen::Index>(index.size()));
  for (std::size_t t = start; t < panel.rows(); ++t) {
    g.dates.push_back(panel.dates()[t]);
    for (std::size_t j = 0; j < index.size(); ++j)
      g.values(static_cast<Eigen::Index>(t - start), static_cast<Eigen::Index>(j)) =
          panel.column(index[j])[t];
  }
  return g;
}

// The target's class per grid row (-1: no label that day).
std::vector<int> classes_on(const std::vector<Date>& dates,
                            const std::vector<store::RegimeRow>& rows,
                            const std::map<std::string, int>& class_of) {
  std::map<Date, int> by_date;
  for (const auto& r : rows) {
    const auto it = class_of.find(r.regime);
    if (it != class_of.end()) by_date[r.date] = it->second;
  }
  std::vector<int> out;
  out.reserve(dates.size());
  for (const auto& d : dates) {
    const auto it = by_date.find(d);
    out.push_back(it == by_date.end() ? -1 : it->second);
  }
  return out;
}

std::string canonical_text(const NeuralSpec& s, const std::string& feature_version) {
  const auto& c = s.config;
  std::string out = "kind=neural_attention\nfeature_version=" + feature_version + "\ncolumns=";
  for (std::size_t j = 0; j < s.columns.size(); ++j) out += (j ? "," : "") + s.columns[j];
  out += "\nfrom=" + (s.from ? s.from->iso() : std::string()) +
         "\ntarget_version=" + s.target_version + "\nhorizon=" + std::to_string(c.horizon) +
         "\nclasses=";
  for (std::size_t k = 0; k < s.class_names.size(); ++k) {
    out += (k ? ";" : "") + s.class_names[k] + ":";
    for (std::size_t m = 0; m < s.class_members[k].size(); ++m)
      out += (m ? "," : "") + s.class_members[k][m];
  }
  out += "\nhidden=" + std::to_string(c.spec.hidden) + "\nheads=" + std::to_string(c.spec.heads) +
         "\nwindow=" + std::to_string(c.spec.window) + "\ndropout=";
  codec::append_number(out, c.spec.dropout);
  out += "\nepochs=" + std::to_string(c.training.epochs) +
         "\npatience=" + std::to_string(c.training.patience) +
         "\nbatch=" + std::to_string(c.training.batch) + "\nlearning_rate=";
  codec::append_number(out, c.training.learning_rate);
  out += "\nweight_decay=";
  codec::append_number(out, c.training.weight_decay);
  out += "\nvalidation_fraction=";
  codec::append_number(out, c.training.validation_fraction);
  return out + "\nseed=" + std::to_string(c.training.seed) +
         "\nthreads=" + std::to_string(c.training.threads) +
         "\nrefit_every_months=" + std::to_string(c.refit_every_months) +
         "\nmin_train_examples=" + std::to_string(c.min_train_examples) + "\n";
}

void check_torch() {
  if (!neural::attention_available()) {
    throw Error(ErrorCode::kUnsupported,
                "neural: this build has no LibTorch (install Debian's libtorch-dev and configure "
                "with -DMRE_TORCH=ON)");
  }
}

std::map<std::string, int> class_index(const std::vector<std::vector<std::string>>& members) {
  std::map<std::string, int> out;
  for (std::size_t k = 0; k < members.size(); ++k)
    for (const auto& label : members[k]) out[label] = static_cast<int>(k);
  return out;
}

std::size_t row_of(const std::vector<Date>& dates, Date d) {
  return static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), d) - dates.begin());
}

}  // namespace

NeuralSpec load_neural_spec(const std::filesystem::path& path) {
  const YAML::Node root = detail::load_yaml_mapping(path, "neural spec");
  try {
    only_keys(path, root,
              {"name", "description", "feature_version", "feature_set", "columns", "from", "target",
               "network", "training", "walk_forward"},
              "");
    NeuralSpec s;
    if (!root["name"]) detail::fail(path, root, "'name' is required");
    s.name = scalar<std::string>(path, root["name"], "name");
    if (root["description"])
      s.description = scalar<std::string>(path, root["description"], "description");
    if (root["feature_version"])
      s.feature_version = scalar<std::string>(path, root["feature_version"], "feature_version");
    if (root["feature_set"])
      s.feature_version = "set:" + scalar<std::string>(path, root["feature_set"], "feature_set");
    if (s.feature_version.empty())
      detail::fail(path, root,
                   "'feature_version' (a tag) or 'feature_set' (its newest) is required");
    if (root["columns"])
      s.columns = scalar<std::vector<std::string>>(path, root["columns"], "columns");
    if (root["from"]) {
      const auto text = scalar<std::string>(path, root["from"], "from");
      s.from = Date::parse(text);
      if (!s.from) detail::fail(path, root["from"], "'from' must be a date YYYY-MM-DD");
    }
    const YAML::Node target = root["target"];
    if (!target) detail::fail(path, root, "'target' is required (version, horizon, classes)");
    only_keys(path, target, {"version", "horizon", "classes"}, "target: ");
    if (!target["version"]) detail::fail(path, target, "target: 'version' is required");
    s.target_version = scalar<std::string>(path, target["version"], "target.version");
    if (target["horizon"])
      s.config.horizon =
          detail::count_in_range(path, target["horizon"], "target.horizon", 0, 10'000);
    const YAML::Node classes = target["classes"];
    if (!classes || !classes.IsMap() || classes.size() < 2)
      detail::fail(path, target,
                   "target: 'classes' must map at least two class names to lists of the target "
                   "version's labels");
    std::set<std::string> seen;
    for (const auto& kv : classes) {
      const auto name = kv.first.as<std::string>();
      s.class_names.push_back(name);
      auto members = scalar<std::vector<std::string>>(path, kv.second, "target.classes." + name);
      for (const auto& m : members) {
        if (!seen.insert(m).second)
          detail::fail(path, kv.second, "target.classes: label '" + m + "' is in two classes");
      }
      s.class_members.push_back(std::move(members));
    }
    s.config.spec.classes = static_cast<int>(s.class_names.size());
    if (const YAML::Node n = root["network"]) {
      only_keys(path, n, {"hidden", "heads", "window", "dropout"}, "network: ");
      auto& sp = s.config.spec;
      if (n["hidden"])
        sp.hidden = detail::count_in_range(path, n["hidden"], "network.hidden", 1, 4096);
      if (n["heads"]) sp.heads = detail::count_in_range(path, n["heads"], "network.heads", 1, 256);
      if (n["window"])
        sp.window = detail::count_in_range(path, n["window"], "network.window", 1, 10'000);
      if (n["dropout"]) sp.dropout = scalar<double>(path, n["dropout"], "network.dropout");
    }
    if (const YAML::Node n = root["training"]) {
      only_keys(path, n,
                {"epochs", "patience", "batch", "learning_rate", "weight_decay",
                 "validation_fraction", "seed", "threads"},
                "training: ");
      auto& t = s.config.training;
      if (n["epochs"])
        t.epochs = detail::count_in_range(path, n["epochs"], "training.epochs", 1, 100'000);
      if (n["patience"])
        t.patience = detail::count_in_range(path, n["patience"], "training.patience", 1, 100'000);
      if (n["batch"])
        t.batch = detail::count_in_range(path, n["batch"], "training.batch", 1, 1'000'000);
      if (n["learning_rate"])
        t.learning_rate = scalar<double>(path, n["learning_rate"], "training.learning_rate");
      if (n["weight_decay"])
        t.weight_decay = scalar<double>(path, n["weight_decay"], "training.weight_decay");
      if (n["validation_fraction"])
        t.validation_fraction =
            scalar<double>(path, n["validation_fraction"], "training.validation_fraction");
      if (n["seed"]) t.seed = scalar<std::uint64_t>(path, n["seed"], "training.seed");
      if (n["threads"])
        t.threads = detail::count_in_range(path, n["threads"], "training.threads", 1, 1024);
    }
    if (const YAML::Node n = root["walk_forward"]) {
      only_keys(path, n, {"refit_every_months", "min_train_examples"}, "walk_forward: ");
      if (n["refit_every_months"])
        s.config.refit_every_months = detail::count_in_range(
            path, n["refit_every_months"], "walk_forward.refit_every_months", 1, 1200);
      if (n["min_train_examples"])
        s.config.min_train_examples = detail::count_in_range(
            path, n["min_train_examples"], "walk_forward.min_train_examples", 2, 10'000'000);
    }
    try {
      s.config.spec.inputs = 1;  // set from the data; checked here for the other sizes
      neural::check_attention_spec(s.config.spec);
      neural::check_attention_training(s.config.training);
    } catch (const Error& e) {
      // The kernel names the setting ("attention: setting 'heads' ..."): point at its own line
      // when the spec gives it (it pointed at the spec's first key).
      YAML::Node at;  // reset(), not =: assigning a yaml-cpp node writes through to its target
      at.reset(root);
      const std::string what = e.what();
      for (const char* section : {"network", "training"}) {
        const YAML::Node n = root[section];
        if (!n || !n.IsMap()) continue;
        for (const auto& entry : n) {
          const auto key = entry.first.as<std::string>();
          if (what.find("setting '" + key + "'") != std::string::npos) at.reset(entry.second);
        }
      }
      detail::fail(path, at, what);
    }
    return s;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    detail::rethrow_yaml_error(path, e, "neural spec");
  }
}

NeuralTrainReport train_neural(store::Store& store, const NeuralTrainOptions& o) {
  check_torch();
  if (o.version.empty()) throw Error(ErrorCode::kInvalidArgument, "--version: required");
  store::validate_version_tag(o.version);
  NeuralSpec spec = load_neural_spec(o.spec_path);
  if (o.threads) spec.config.training.threads = *o.threads;
  if (o.seed) spec.config.training.seed = *o.seed;
  if (o.feature_version) spec.feature_version = *o.feature_version;
  if (o.target_version) spec.target_version = *o.target_version;
  neural::check_attention_training(spec.config.training);
  std::string feature_version = spec.feature_version;
  if (feature_version.rfind("set:", 0) == 0) {
    feature_version = detail::resolve_feature_version(store, "", feature_version.substr(4),
                                                      "mre features build --spec ...")
                          .version;
  } else if (!store.find_feature_version(feature_version)) {
    throw Error(ErrorCode::kNotFound,
                "neural: no feature version '" + feature_version + "' in " + store.describe());
  }
  const auto target = store.find_regime_model(spec.target_version);
  if (!target) {
    throw Error(ErrorCode::kNotFound, "neural: no regime version '" + spec.target_version +
                                          "' (the target) in " + store.describe());
  }
  {
    const auto d = nlohmann::json::parse(target->diagnostics_json, nullptr, false);
    if (d.is_object() && d.contains("walk_forward") && d["walk_forward"].is_boolean() &&
        !d["walk_forward"].get<bool>()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "neural: target version '" + spec.target_version +
                      "' is an in-sample fit (its labels use later data); train against a "
                      "walk-forward regime version (a classifier backfill or a walk_forward HMM)");
    }
  }
  const auto class_of = class_index(spec.class_members);
  for (const auto& label : target->labels) {
    if (!class_of.count(label))
      throw Error(ErrorCode::kInvalidArgument,
                  o.spec_path.string() + ": target.classes does not map label '" + label +
                      "' of target version '" + spec.target_version + "'");
  }
  for (const auto& [label, k] : class_of) {
    if (std::find(target->labels.begin(), target->labels.end(), label) == target->labels.end())
      throw Error(ErrorCode::kInvalidArgument,
                  o.spec_path.string() + ": target.classes lists label '" + label +
                      "', which target version '" + spec.target_version + "' does not have");
  }
  const std::string text = canonical_text(spec, feature_version);
  const std::string hash = fnv1a_hex(text);
  const std::map<std::string, std::string> inputs{{"feature_version", feature_version},
                                                  {"target_version", spec.target_version}};
  NeuralTrainReport report;
  report.version = o.version;
  const auto existing = store.find_artefact(kKind, o.version);
  const auto existing_regimes = store.find_regime_model(o.version);
  const bool artefact_matches =
      existing && existing->spec_hash == hash && existing->inputs == inputs;
  const bool regimes_match =
      existing_regimes && existing_regimes->spec_hash == hash && existing_regimes->kind == kKind;
  if ((existing && !artefact_matches) || (existing_regimes && !regimes_match)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--version: '" + o.version +
                    "' is already stored (a regime version or neural model from another spec or "
                    "other inputs; versions are never overwritten: choose another tag)");
  }
  if (artefact_matches && regimes_match) {
    report.stored = read_neural(store, o.version);
    return report;
  }
  // Neither is stored, or a failure between the two writes left the model alone: training is
  // deterministic, so the model is written again as a no-op and its probabilities follow.
  const Grid grid = read_grid(store, feature_version, spec.columns, spec.from);
  if (grid.dates.empty())
    throw Error(ErrorCode::kDataError, "neural: feature version '" + feature_version +
                                           "' has no row where every chosen column is present");
  const auto target_rows = store.read_regimes(spec.target_version, std::nullopt, std::nullopt);
  const std::vector<int> labels = classes_on(grid.dates, target_rows, class_of);
  std::size_t covered = 0;
  for (const int y : labels) covered += y >= 0 ? 1 : 0;
  if (covered == 0) {
    throw Error(ErrorCode::kDataError,
                "neural: target version '" + spec.target_version +
                    "' does not cover feature version '" + feature_version + "': " +
                    (target_rows.empty() ? std::string("it has no rows")
                                         : "its dates " + target_rows.front().date.iso() + ".." +
                                               target_rows.back().date.iso()) +
                    " share no day with the features' " + grid.dates.front().iso() + ".." +
                    grid.dates.back().iso());
  }
  spec.config.spec.inputs = static_cast<int>(grid.names.size());
  const auto start = std::chrono::steady_clock::now();
  const auto result = neural::walk_forward_attention(grid.dates, grid.values, labels, spec.config,
                                                     grid.names, spec.class_names);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  codec::StoredAttention& s = report.stored;
  s.version = o.version;
  s.feature_version = feature_version;
  s.target_version = spec.target_version;
  s.horizon = spec.config.horizon;
  s.refit_every_months = spec.config.refit_every_months;
  s.min_train_examples = spec.config.min_train_examples;
  s.spec = spec.config.spec;
  s.training = spec.config.training;
  s.feature_names = grid.names;
  s.class_names = spec.class_names;
  s.class_members = spec.class_members;
  double train_seconds = 0.0;
  int epochs = 0;
  for (const auto& r : result.refits) {
    codec::StoredAttentionRefit f;
    f.date = r.date;
    f.train_first = r.train_first;
    f.train_last = r.train_last;
    f.label_last = r.label_last;
    f.train_examples = r.fit.train_examples;
    f.validation_examples = r.fit.validation_examples;
    f.best_epoch = r.fit.best_epoch;
    f.epochs_run = r.fit.epochs_run;
    f.seconds = r.fit.seconds;
    f.train_loss = r.fit.train_loss;
    f.validation_loss = r.fit.validation_loss;
    f.model = r.fit.model;
    train_seconds += r.fit.seconds;
    epochs += r.fit.epochs_run;
    s.refits.push_back(std::move(f));
  }
  report.seconds_per_epoch = epochs > 0 ? train_seconds / epochs : 0.0;

  std::vector<store::RegimeRow> rows;
  for (std::size_t t = 0; t < grid.dates.size(); ++t) {
    if (result.refit_of_row[t] < 0 ||
        !result.probabilities.row(static_cast<Eigen::Index>(t)).allFinite())
      continue;  // before the first refit, or a masked window
    store::RegimeRow row;
    row.date = grid.dates[t];
    const auto p = result.probabilities.row(static_cast<Eigen::Index>(t));
    Eigen::Index best = 0;
    row.score = p.maxCoeff(&best);
    row.regime = spec.class_names[static_cast<std::size_t>(best)];
    for (Eigen::Index c = 0; c < p.size(); ++c) row.probabilities.push_back(p(c));
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    throw Error(
        ErrorCode::kDataError,
        "neural: every window after the first refit holds a missing value; nothing to store");
  report.rows = rows.size();
  report.first = rows.front().date;
  report.last = rows.back().date;

  store::ArtefactHeader header;
  header.version = o.version;
  header.spec_name = spec.name;
  header.spec_text = text;
  header.spec_hash = hash;
  header.inputs = inputs;
  header.created_at = Timestamp::now();

  store::RegimeModel model;
  model.version = o.version;
  model.kind = kKind;
  model.spec_name = spec.name;
  model.spec_hash = hash;
  model.spec_text = text;
  model.feature_version = feature_version;
  model.columns = grid.names;
  model.labels = spec.class_names;
  {
    nlohmann::json p;
    p["model"] = "neural_attention";
    p["artefact"] = o.version;
    p["target_version"] = spec.target_version;
    p["horizon"] = spec.config.horizon;
    p["note"] = "weights per refit in the neural_attention artefact of the same tag";
    model.params_json = p.dump();
    nlohmann::json d;
    d["method"] = "neural_attention";
    d["walk_forward"] = true;
    d["horizon"] = spec.config.horizon;
    d["refit_every_months"] = spec.config.refit_every_months;
    d["refits"] = nlohmann::json::array();
    for (const auto& f : s.refits) {
      d["refits"].push_back({{"from", f.date.iso()},
                             {"rows", f.train_examples + f.validation_examples},
                             {"train_first", f.train_first.iso()},
                             {"train_last", f.train_last.iso()},
                             {"best_epoch", f.best_epoch},
                             {"epochs_run", f.epochs_run},
                             {"seconds", f.seconds}});
    }
    model.diagnostics_json = d.dump();
  }
  model.trained_from = s.refits.front().train_first;
  model.trained_to = s.refits.back().train_last;
  model.created_at = header.created_at;
  // The model first, then its probabilities: a failure in between leaves a model artefact
  // without a regime version, which `neural train` with the same tag and spec then completes.
  store.write_artefact(codec::neural_attention_kind(), header, codec::neural_attention_tables(s));
  report.written = store.write_regimes(model, rows) == store::FeatureWriteOutcome::kWritten;
  return report;
}

codec::StoredAttention read_neural(const store::Store& store, const std::string& version) {
  const auto& kind = codec::neural_attention_kind();
  const auto header = store.find_artefact(kind.name, version);
  if (!header) {
    throw Error(ErrorCode::kNotFound, "no neural model '" + version + "' in " + store.describe() +
                                          " (list them: mre neural list)");
  }
  std::vector<store::ArtefactTable> tables;
  for (const auto& t : kind.tables)
    tables.push_back(store.read_artefact_table(kind.name, version, t.name));
  return codec::neural_attention_from_tables(*header, tables);
}

std::vector<store::ArtefactHeader> list_neural(const store::Store& store) {
  return store.list_artefacts(codec::neural_attention_kind().name);
}

codec::AttentionEvaluation evaluate_neural(const store::Store& store, const std::string& version) {
  const codec::StoredAttention s = read_neural(store, version);
  const auto rows = store.read_regimes(version, std::nullopt, std::nullopt);
  if (rows.empty())
    throw Error(ErrorCode::kNotFound, "neural: regime version '" + version + "' has no rows");
  const Grid grid = read_grid(store, s.feature_version, s.feature_names, std::nullopt);
  const auto target_rows = store.read_regimes(s.target_version, std::nullopt, std::nullopt);
  const std::vector<int> path = classes_on(grid.dates, target_rows, class_index(s.class_members));
  const int classes = static_cast<int>(s.class_names.size());
  const auto k = static_cast<std::size_t>(s.horizon);
  // The transition matrix of each refit: the classes observed before its date.
  std::vector<Matrix> transition;
  for (const auto& f : s.refits)
    transition.push_back(
        neural::observed_transition_matrix(path, classes, row_of(grid.dates, f.date)));
  std::vector<Vector> model_p, persistence_p, markov_p;
  std::vector<int> outcomes;
  codec::AttentionEvaluation e;
  std::size_t refit = 0;
  for (const auto& r : rows) {
    while (refit + 1 < s.refits.size() && s.refits[refit + 1].date <= r.date) ++refit;
    const std::size_t t = row_of(grid.dates, r.date);
    if (t >= grid.dates.size() || grid.dates[t] != r.date) continue;
    if (t + k >= grid.dates.size() || path[t + k] < 0) continue;  // outcome unknown
    if (s.horizon == 0 && t == 0) continue;
    const int source = s.horizon == 0 ? path[t - 1] : path[t];
    if (source < 0) continue;
    if (static_cast<int>(r.probabilities.size()) != classes) continue;
    model_p.push_back(Eigen::Map<const Vector>(r.probabilities.data(), classes));
    persistence_p.push_back(Vector::Unit(classes, source));
    markov_p.push_back(neural::markov_forecast(transition[refit], source, std::max(s.horizon, 1)));
    outcomes.push_back(path[t + k]);
    if (outcomes.size() == 1) e.first = r.date;
    e.last = r.date;
  }
  if (outcomes.empty()) {
    throw Error(ErrorCode::kDataError,
                "neural evaluate " + version +
                    ": no stored forecast has a known outcome yet (the target's class at t + " +
                    std::to_string(s.horizon) + ")");
  }
  const auto stack = [&](const std::vector<Vector>& v) {
    Matrix m(static_cast<Eigen::Index>(v.size()), classes);
    for (std::size_t i = 0; i < v.size(); ++i) m.row(static_cast<Eigen::Index>(i)) = v[i];
    return m;
  };
  e.version = version;
  e.target_version = s.target_version;
  e.horizon = s.horizon;
  e.class_names = s.class_names;
  e.rows.push_back(neural::score_forecasts("model", stack(model_p), outcomes));
  e.rows.push_back(neural::score_forecasts("persistence", stack(persistence_p), outcomes));
  e.rows.push_back(neural::score_forecasts("markov", stack(markov_p), outcomes));
  e.persistence_rule = s.horizon == 0 ? "the class at t-1 (probability 1)"
                                      : "the class at t stays for t+k (probability 1)";
  e.markov_source =
      "the transition matrix of the target's classes observed before each refit date (add-one "
      "smoothing), " +
      std::string(s.horizon == 0 ? "one step from the class at t-1"
                                 : std::to_string(s.horizon) + " steps from the class at t") +
      "; the target versions store only their last fit's HMM parameters, which would look ahead";
  return e;
}

codec::AttentionLatest classify_latest_neural(const store::Store& store,
                                              const std::string& version) {
  const codec::StoredAttention s = read_neural(store, version);  // NotFound first
  check_torch();
  if (s.refits.empty())
    throw Error(ErrorCode::kDataError, "neural model '" + version + "' has no refit");
  const Grid grid = read_grid(store, s.feature_version, s.feature_names, std::nullopt);
  const auto window = static_cast<std::size_t>(s.spec.window);
  if (grid.dates.size() < window)
    throw Error(ErrorCode::kDataError, "neural: feature version '" + s.feature_version +
                                           "' has fewer rows than the window of " +
                                           std::to_string(window) + " days");
  // The latest day whose window is complete (the snapshot's series end on different days).
  const auto complete = neural::complete_windows(grid.values, s.spec.window);
  std::size_t t = grid.dates.size();
  while (t > 0 && !complete[t - 1]) --t;
  if (t == 0)
    throw Error(ErrorCode::kDataError, "neural: feature version '" + s.feature_version +
                                           "' has no complete window of " + std::to_string(window) +
                                           " days");
  --t;
  // The refit in force on that day (as the stored walk-forward row there used).
  std::size_t refit = 0;
  while (refit + 1 < s.refits.size() && s.refits[refit + 1].date <= grid.dates[t]) ++refit;
  const auto& last = s.refits[refit];
  const Matrix p = neural::attention_probabilities(
      last.model, neural::windows_ending_at(grid.values, s.spec.window, {t}));
  codec::AttentionLatest l;
  l.version = version;
  l.feature_version = s.feature_version;
  l.date = grid.dates[t];
  l.refit_date = last.date;
  l.horizon = s.horizon;
  l.class_names = s.class_names;
  for (Eigen::Index c = 0; c < p.cols(); ++c) l.probabilities.push_back(p(0, c));
  Eigen::Index best = 0;
  p.row(0).maxCoeff(&best);
  l.regime = s.class_names[static_cast<std::size_t>(best)];
  return l;
}

}  // namespace mre::workflows
