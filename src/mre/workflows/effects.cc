// See effects.h.
#include "mre/workflows/effects.h"
#include "mre/workflows/effect_stability.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>

#include "mre/causal/learners.h"
#include "mre/causal/multiple_testing.h"
#include "mre/codec/classifier_json.h"
#include "mre/core/atomic_file.h"
#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/narrative/result_narratives.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/effect_studies.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {



using detail::fail;

// Fewest non-zero treatment values (months) an effect is estimated from (issue 17's bad input).
constexpr long kMinNonZeroTreatment = 30;
// Fewest months (sum of a regime's filtered probabilities) a per-regime effect is reported from.
constexpr double kMinRegimeObservations = 30.0;
using detail::only_keys;
using detail::scalar;

std::string canonical(const EffectsSpec& s) {
  std::ostringstream out;
  out << "name=" << s.name << "\nfeature_set=" << s.feature_set << "\nregimes=" << s.regimes
      << "\ntreatments=" << store::join_names(s.treatments) << "\noutcomes=";
  for (const auto& [name, o] : s.outcomes) out << name << ":" << o.feature << ":" << (o.change ? "change" : "return") << ";";
  out << "\nhorizons=";
  for (int h : s.horizons) out << h << ";";
  out << "\ncontrols=" << store::join_names(s.controls) << "\nlags=";
  for (int l : s.lags) out << l << ";";
  out << "\nlearner=" << s.learner << "\nfolds=" << s.folds << "\nse=" << causal::standard_error_name(s.se) << "\n";
  if (s.learner == "auto") out << "learners=" << store::join_names(s.learners) << "\n";
  if (!s.event_outcomes.empty()) {
    out << "event_outcomes=";
    for (const auto& [name, o] : s.event_outcomes) out << name << ":" << o.ticker << ":" << (o.change ? "change" : "return") << ";";
    out << "\n";
  }
  out << "irf_horizons=";
  for (int h : s.irf_horizons) out << h << ";";
  out << "\nirf_lags=" << s.irf_lags << "\nirf_se=" << s.irf_se << "\n";
  return out.str();
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

store::FeatureVersion newest_features(const store::Store& store, const std::string& set) {
  return detail::resolve_feature_version(store, "", set,
                                         "run 'mre features build --spec config/features/" + set +
                                             ".yml --version auto' or 'mre run' first");
}

const std::vector<double>& column(const Panel& panel, const std::string& name, const std::string& what) {
  const auto& names = panel.names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw Error(ErrorCode::kInvalidArgument, what + ": '" + name + "' is not a column of the feature set");
  }
  return panel.column(name);
}

// {"outcome": learner, "treatment": learner, "candidates": [...], "warnings": [...]}.
std::string nuisance_json(const causal::DmlResult& r) {
  const auto number = [](std::string& out, double v) {
    if (std::isfinite(v)) {
      codec::append_number(out, v);
    } else {
      out += "null";
    }
  };
  std::string out = "{\"outcome\": ";
  codec::append_json_string(out, r.outcome_learner);
  out += ", \"treatment\": ";
  codec::append_json_string(out, r.treatment_learner);
  out += ", \"candidates\": [";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const auto& c = r.candidates[i];
    if (i) out += ", ";
    out += "{\"learner\": ";
    codec::append_json_string(out, c.learner);
    out += ", \"r2_outcome\": ";
    number(out, c.r2_outcome);
    out += ", \"r2_treatment\": ";
    number(out, c.r2_treatment);
    if (c.reduced_folds > 0) out += ", \"folds_without_collinear_columns\": " + std::to_string(c.reduced_folds);
    if (!c.error.empty()) {
      out += ", \"error\": ";
      codec::append_json_string(out, c.error);
    }
    out += "}";
  }
  out += "], \"warnings\": [";
  for (std::size_t i = 0; i < r.warnings.size(); ++i) {
    if (i) out += ", ";
    codec::append_json_string(out, r.warnings[i]);
  }
  return out + "]}";
}

}  // namespace

EffectsSpec load_effects_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "effects spec");
  only_keys(path, root,
            {"name", "description", "feature_set", "regimes", "treatments", "outcomes", "horizons", "controls", "lags",
             "learner", "learners", "folds", "se", "event_outcomes", "irf"},
            "");
  // Every range in one place (issue 26): the error names the file, line, key and value.
  const auto int_in = [&](const YAML::Node& node, const std::string& key, int low, int high) {
    if (!node.IsScalar()) fail(path, node, "'" + key + "' must be a whole number");
    const std::string text = node.Scalar();
    long long value = 0;
    std::size_t used = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size()) fail(path, node, "'" + key + "' must be a whole number (got '" + text + "')");
    if (value < low || value > high) {
      fail(path, node, "'" + key + "' must be in [" + std::to_string(low) + ", " + std::to_string(high) + "] (got " + text + ")");
    }
    return static_cast<int>(value);
  };
  const auto int_list = [&](const YAML::Node& node, const std::string& key, int low, int high) {
    if (!node.IsSequence() || node.size() == 0) fail(path, node, "'" + key + "' must be a non-empty list of whole numbers");
    std::vector<int> out;
    for (const auto& item : node) out.push_back(int_in(item, key, low, high));
    return out;
  };
  EffectsSpec spec;
  if (!root["name"]) fail(path, root, "missing field 'name'");
  spec.name = scalar<std::string>(path, root["name"], "name");
  if (root["feature_set"]) spec.feature_set = scalar<std::string>(path, root["feature_set"], "feature_set");
  if (root["regimes"]) spec.regimes = scalar<std::string>(path, root["regimes"], "regimes");
  if (!root["treatments"]) fail(path, root, "missing field 'treatments'");
  spec.treatments = scalar<std::vector<std::string>>(path, root["treatments"], "treatments");
  if (spec.treatments.empty()) fail(path, root["treatments"], "'treatments' must name at least one treatment");
  if (!root["outcomes"] || !root["outcomes"].IsMap()) fail(path, root, "'outcomes' must map names to level features");
  for (const auto& item : root["outcomes"]) {
    OutcomeSpec o;
    const YAML::Node v = item.second;
    if (v.IsScalar()) {
      o.feature = v.Scalar();
    } else {
      if (!v.IsMap()) fail(path, v, "outcomes: '" + item.first.Scalar() + "' must be a feature name or {feature, kind}");
      only_keys(path, v, {"feature", "kind"}, "outcomes: ");
      o.feature = scalar<std::string>(path, v["feature"], "feature");
      const std::string kind = v["kind"] ? scalar<std::string>(path, v["kind"], "kind") : "return";
      if (kind != "return" && kind != "change") fail(path, v["kind"], "'kind' must be return or change");
      o.change = kind == "change";
    }
    spec.outcomes[item.first.Scalar()] = o;
  }
  if (!root["horizons"]) fail(path, root, "missing field 'horizons'");
  spec.horizons = int_list(root["horizons"], "horizons", 1, 120);
  if (root["controls"]) spec.controls = scalar<std::vector<std::string>>(path, root["controls"], "controls");
  spec.lags = {1, 3};
  if (root["lags"]) spec.lags = int_list(root["lags"], "lags", 1, 60);
  if (root["learner"]) spec.learner = scalar<std::string>(path, root["learner"], "learner");
  if (root["learners"]) spec.learners = scalar<std::vector<std::string>>(path, root["learners"], "learners");
  try {
    if (spec.learner != "auto") causal::make_regressor(spec.learner);  // validates the name
    for (const auto& l : spec.learners) causal::make_regressor(l);
  } catch (const Error& e) {
    fail(path, root["learner"] ? root["learner"] : root, e.what());
  }
  if (spec.learner == "auto" && spec.learners.empty()) fail(path, root, "'learners' must name at least one candidate");
  if (root["folds"]) spec.folds = int_in(root["folds"], "folds", 2, 50);
  if (root["se"]) spec.se = causal::parse_standard_error(scalar<std::string>(path, root["se"], "se"));
  if (const YAML::Node events = root["event_outcomes"]) {
    if (!events.IsMap()) fail(path, events, "'event_outcomes' must map names to {ticker, kind}");
    for (const auto& item : events) {
      const YAML::Node v = item.second;
      if (!v.IsMap()) fail(path, v, "event_outcomes: '" + item.first.Scalar() + "' must be {ticker, kind}");
      only_keys(path, v, {"ticker", "kind"}, "event_outcomes: ");
      if (!v["ticker"]) fail(path, v, "event_outcomes: '" + item.first.Scalar() + "' needs a ticker");
      EventOutcomeSpec o;
      o.ticker = scalar<std::string>(path, v["ticker"], "ticker");
      const std::string kind = v["kind"] ? scalar<std::string>(path, v["kind"], "kind") : "return";
      if (kind != "return" && kind != "change") fail(path, v["kind"], "'kind' must be return or change");
      o.change = kind == "change";
      spec.event_outcomes[item.first.Scalar()] = o;
    }
  }
  if (const YAML::Node irf = root["irf"]) {
    if (!irf.IsMap()) fail(path, irf, "'irf' must be a mapping {horizons, lags, se}");
    only_keys(path, irf, {"horizons", "lags", "se"}, "irf: ");
    if (irf["horizons"]) spec.irf_horizons = int_list(irf["horizons"], "irf.horizons", 0, 120);
    if (irf["lags"]) spec.irf_lags = int_in(irf["lags"], "irf.lags", 1, 24);
    if (irf["se"]) {
      spec.irf_se = scalar<std::string>(path, irf["se"], "irf.se");
      if (spec.irf_se != "hc1" && spec.irf_se != "hac") fail(path, irf["se"], "'irf.se' must be hc1 or hac (got '" + spec.irf_se + "')");
    }
  }
  spec.canonical_text = canonical(spec);
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "effects spec");
}

EffectsSpec spec_from_canonical(const std::string& text) {
  // canonical() writes one "key=value" line per field; lists are ','-joined or ';'-terminated.
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw Error(ErrorCode::kDataError, "effects spec text: line '" + line + "' has no '='");
    fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const auto field = [&](const std::string& key) -> const std::string& {
    const auto it = fields.find(key);
    if (it == fields.end()) throw Error(ErrorCode::kDataError, "effects spec text: no '" + key + "'");
    return it->second;
  };
  const auto pieces = [](const std::string& list) {
    std::vector<std::string> out;
    std::string current;
    for (const char c : list) {
      if (c == ';') {
        out.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    return out;
  };
  const auto ints = [&](const std::string& list) {
    std::vector<int> out;
    for (const auto& p : pieces(list)) out.push_back(std::stoi(p));
    return out;
  };
  EffectsSpec spec;
  try {
    spec.name = field("name");
    spec.feature_set = field("feature_set");
    spec.regimes = field("regimes");
    spec.treatments = store::split_names(field("treatments"));
    for (const auto& o : pieces(field("outcomes"))) {
      const auto a = o.find(':');
      const auto b = o.rfind(':');
      if (a == std::string::npos || a == b) throw Error(ErrorCode::kDataError, "effects spec text: outcome '" + o + "'");
      spec.outcomes[o.substr(0, a)] = {.feature = o.substr(a + 1, b - a - 1), .change = o.substr(b + 1) == "change"};
    }
    spec.horizons = ints(field("horizons"));
    spec.controls = store::split_names(field("controls"));
    spec.lags = ints(field("lags"));
    spec.learner = field("learner");
    spec.folds = std::stoi(field("folds"));
    spec.se = causal::parse_standard_error(field("se"));
    if (spec.learner == "auto") spec.learners = store::split_names(field("learners"));
    if (fields.count("event_outcomes")) {
      for (const auto& o : pieces(fields["event_outcomes"])) {
        const auto a = o.find(':');
        const auto b = o.rfind(':');
        if (a == std::string::npos || a == b) throw Error(ErrorCode::kDataError, "effects spec text: event outcome '" + o + "'");
        spec.event_outcomes[o.substr(0, a)] = {.ticker = o.substr(a + 1, b - a - 1), .change = o.substr(b + 1) == "change"};
      }
    }
    spec.irf_horizons = ints(field("irf_horizons"));
    spec.irf_lags = std::stoi(field("irf_lags"));
    spec.irf_se = field("irf_se");
  } catch (const std::logic_error& e) {  // stoi
    throw Error(ErrorCode::kDataError, std::string("effects spec text: a number does not parse (") + e.what() + ")");
  }
  spec.canonical_text = canonical(spec);
  if (spec.canonical_text != text) {
    throw Error(ErrorCode::kDataError, "effects spec text: does not read back to itself (written by another mre?)");
  }
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
}

namespace {

// The source from the given feature version and the regime version (newest of the spec's regime
// spec when `regime_version` is empty and `pinned` is false).
EffectsSource load_source(const store::Store& store, const EffectsSpec& spec, const std::string& feature_version,
                          const std::string& regime_version, bool pinned) {
  EffectsSource source;
  source.feature_version = feature_version;
  source.panel = store.read_features(source.feature_version, std::nullopt, std::nullopt);
  const auto& dates = source.panel.dates();
  source.regime_at.resize(dates.size());
  if (!spec.regimes.empty() && !(pinned && regime_version.empty())) {
    std::optional<store::RegimeModel> model;
    for (const auto& m : store.list_regime_models()) {
      if (pinned ? m.version == regime_version : m.spec_name == spec.regimes) model = m;
    }
    if (!model && pinned) throw Error(ErrorCode::kNotFound, "regime version '" + regime_version + "' is not in the store");
    if (!model) {
      throw Error(ErrorCode::kNotFound, "no regime version of spec '" + spec.regimes + "' (run 'mre run' or 'mre regimes fit --spec config/regimes/" + spec.regimes + ".yml --version auto')");
    }
    source.regime_version = model->version;
    source.regime_names = model->labels;
    // Regime probabilities on the grid, as of each date (the newest row on or before it).
    const auto rows = store.read_regimes(model->version, std::nullopt, std::nullopt);
    std::size_t j = 0;
    for (std::size_t i = 0; i < dates.size(); ++i) {
      while (j < rows.size() && rows[j].date <= dates[i]) ++j;
      if (j > 0) source.regime_at[i] = rows[j - 1].probabilities;
    }
  }
  // The built treatments the spec names (identified shocks and real-time surprises).
  for (const auto& name : spec.treatments) {
    if (treatment_info(name).built) source.built[name] = build_treatment(store, name, dates);
  }
  return source;
}

}  // namespace

EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec) {
  return load_source(store, spec, newest_features(store, spec.feature_set).version, "", false);
}

EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec, const std::string& feature_version,
                                  const std::string& regime_version) {
  if (!store.find_feature_version(feature_version)) {
    throw Error(ErrorCode::kNotFound, "feature version '" + feature_version + "' is not in the store");
  }
  return load_source(store, spec, feature_version, regime_version, true);
}

EffectsPanel assemble_panel(const store::Store& store, const EffectsSpec& spec, const std::string& treatment,
                            const std::string& outcome, int horizon) {
  auto source = load_effects_source(store, spec);
  if (treatment_info(treatment).built && !source.built.count(treatment)) {
    source.built[treatment] = build_treatment(store, treatment, source.panel.dates());
  }
  return assemble_panel(source, spec, treatment, outcome, horizon);
}

EffectsPanel assemble_panel(const EffectsSource& source, const EffectsSpec& spec, const std::string& treatment,
                            const std::string& outcome, int horizon) {
  if (horizon < 1) throw Error(ErrorCode::kInvalidArgument, "horizon: must be >= 1 month (got " + std::to_string(horizon) + ")");
  const auto found = spec.outcomes.find(outcome);
  if (found == spec.outcomes.end()) {
    std::string known;
    for (const auto& [name, o] : spec.outcomes) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kInvalidArgument, "outcome: unknown '" + outcome + "' (known: " + known + ")");
  }
  const Panel& panel = source.panel;
  const auto& dates = panel.dates();
  const auto n = static_cast<Eigen::Index>(panel.rows());
  for (const int l : spec.lags) {
    // Checked by load_effects_spec for a file; a spec built in code is checked here, before any
    // index arithmetic (a negative lag would read future months, a large one out of range).
    if (l < 1 || l > 60) throw Error(ErrorCode::kInvalidArgument, "lags: must be in [1, 60] (got " + std::to_string(l) + ")");
  }
  const auto built = source.built.find(treatment);
  const auto& t_col = built != source.built.end() ? built->second : column(panel, treatment, "treatment");
  const auto& level = column(panel, found->second.feature, "outcome");
  std::vector<const std::vector<double>*> controls;
  for (const auto& c : spec.controls) controls.push_back(&column(panel, c, "control"));
  EffectsPanel out;
  out.feature_version = source.feature_version;
  out.regime_version = source.regime_version;
  out.regime_names = source.regime_names;
  const auto& regime_at = source.regime_at;
  const std::size_t R = out.regime_names.size();
  int max_lag = 0;
  for (int l : spec.lags) max_lag = std::max(max_lag, l);
  // Columns: each control and each regime probability at each lag.
  for (const auto& c : spec.controls) {
    for (int l : spec.lags) out.control_names.push_back(c + "_lag" + std::to_string(l));
  }
  // Regime probabilities sum to one: the last regime's column is left out (it is the
  // intercept minus the others).
  for (std::size_t r = 0; r + 1 < out.regime_names.size(); ++r) {
    for (int l : spec.lags) out.control_names.push_back("p_" + out.regime_names[r] + "_lag" + std::to_string(l));
  }
  std::vector<double> t_values;
  std::vector<double> y_values;
  std::vector<std::vector<double>> x_rows;
  std::vector<std::vector<double>> z_rows;
  for (Eigen::Index i = max_lag; i + horizon < n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const double t = t_col[u];
    const double a = level[u];
    const double b = level[u + static_cast<std::size_t>(horizon)];
    const double y = found->second.change ? b - a : b / a - 1.0;
    if (!std::isfinite(t) || !std::isfinite(y)) continue;
    std::vector<double> x;
    bool ok = true;
    for (const auto* c : controls) {
      for (int l : spec.lags) {
        const double v = (*c)[u - static_cast<std::size_t>(l)];
        ok &= std::isfinite(v);
        x.push_back(v);
      }
    }
    if (R > 0) {
      for (std::size_t r = 0; r + 1 < R; ++r) {
        for (int l : spec.lags) {
          const auto& p = regime_at[u - static_cast<std::size_t>(l)];
          ok &= p.size() == R;
          x.push_back(p.size() == R ? p[r] : 0.0);
        }
      }
      ok &= regime_at[u].size() == R;
    }
    if (!ok) continue;
    out.dates.push_back(dates[u]);
    t_values.push_back(t);
    y_values.push_back(y);
    x_rows.push_back(std::move(x));
    if (R > 0) z_rows.push_back(regime_at[u]);
  }
  const auto rows = static_cast<Eigen::Index>(t_values.size());
  if (rows == 0) {
    throw Error(ErrorCode::kDataError, "no month has the treatment '" + treatment + "', the outcome '" + outcome +
                                           "' at horizon " + std::to_string(horizon) + " and every control");
  }
  const auto nonzero = std::count_if(t_values.begin(), t_values.end(), [](double v) { return v != 0.0; });
  if (nonzero < kMinNonZeroTreatment) {
    throw Error(ErrorCode::kDataError, "treatment: '" + treatment + "' has " + std::to_string(nonzero) +
                                           " non-zero values in the usable months (fewer than " +
                                           std::to_string(kMinNonZeroTreatment) + ")");
  }
  out.t = Eigen::Map<const Vector>(t_values.data(), rows);
  out.y = Eigen::Map<const Vector>(y_values.data(), rows);
  out.X.resize(rows, static_cast<Eigen::Index>(out.control_names.size()));
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < out.X.cols(); ++j) out.X(i, j) = x_rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  }
  if (R > 0) {
    Matrix Z(rows, static_cast<Eigen::Index>(R));
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (std::size_t r = 0; r < R; ++r) Z(i, static_cast<Eigen::Index>(r)) = z_rows[static_cast<std::size_t>(i)][r];
    }
    out.regimes = Z;
  }
  // "Current": the newest grid date with a treatment value (and regime probabilities).
  for (Eigen::Index i = n - 1; i >= 0; --i) {
    const auto u = static_cast<std::size_t>(i);
    if (std::isfinite(t_col[u]) && (R == 0 || regime_at[u].size() == R)) {
      out.latest = dates[u];
      out.latest_regime_probabilities = regime_at[u];
      out.latest_regime_names = out.regime_names;
      break;
    }
  }
  return out;
}

EffectsPanel panel_from_csv(const std::filesystem::path& path, const std::string& outcome_column,
                            const std::string& treatment_column, const std::vector<std::string>& controls) {
  auto reader = CsvReader::open(path);
  const auto index = [&](const std::string& name, const char* option) {
    const auto c = reader.find_column(name);
    if (!c) throw Error(ErrorCode::kDataError, reader.name() + ":1: no column '" + name + "' (" + option + ")");
    return *c;
  };
  const std::size_t yc = index(outcome_column, "--outcome-col");
  const std::size_t tc = index(treatment_column, "--treatment-col");
  std::vector<std::size_t> xc;
  for (const auto& c : controls) xc.push_back(index(c, "--controls"));
  EffectsPanel out;
  out.control_names = controls;
  std::vector<double> t_values;
  std::vector<double> y_values;
  std::vector<double> x_values;
  CsvRow row;
  while (reader.next(row)) {
    const std::string where = reader.name() + ":" + std::to_string(row.line) + ": ";
    if (row.fields.size() != reader.header().size()) throw Error(ErrorCode::kDataError, where + "wrong number of fields");
    const auto date = Date::parse(row.fields[0]);
    if (!date) throw Error(ErrorCode::kDataError, where + "first column: " + quote_field(row.fields[0]) + " is not a YYYY-MM-DD date");
    const auto number = [&](std::size_t c) {
      const auto v = parse_double(row.fields[c]);
      if (!v) {
        throw Error(ErrorCode::kDataError, where + "column " + reader.header()[c] + ": " + quote_field(row.fields[c]) +
                                               " is not a finite number");
      }
      return *v;
    };
    out.dates.push_back(*date);
    y_values.push_back(number(yc));
    t_values.push_back(number(tc));
    for (const auto c : xc) x_values.push_back(number(c));
  }
  const auto n = static_cast<Eigen::Index>(t_values.size());
  out.t = Eigen::Map<const Vector>(t_values.data(), n);
  out.y = Eigen::Map<const Vector>(y_values.data(), n);
  out.X = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      x_values.data(), n, static_cast<Eigen::Index>(xc.size()));
  if (n > 0) out.latest = out.dates.back();
  return out;
}

EffectEstimate estimate_effect(const EffectsPanel& panel, const EffectQuery& query, const EffectsSpec& spec) {
  EffectEstimate out;
  out.treatment = query.treatment;
  out.outcome = query.outcome;
  out.horizon = query.horizon;
  out.magnitude = query.magnitude;
  out.method = query.method;
  out.learner = query.learner.empty() ? spec.learner : query.learner;
  out.folds = query.folds > 0 ? query.folds : spec.folds;
  out.embargo = query.embargo >= 0 ? query.embargo : query.horizon;
  out.panel = panel;
  const auto check_stop = [&query] {
    if (query.stop.stop_requested()) throw Error(ErrorCode::kIoError, "estimate cancelled (time limit)");
  };
  check_stop();
  out.info = treatment_info(query.treatment);
  // A control set with a redundant column (collinear with the others and the intercept) keeps
  // all but that column, and says so.
  const auto columns = causal::independent_columns(panel.X);
  if (!columns.dropped.empty()) {
    Matrix kept(panel.X.rows(), static_cast<Eigen::Index>(columns.kept.size()));
    std::vector<std::string> names;
    for (std::size_t j = 0; j < columns.kept.size(); ++j) {
      kept.col(static_cast<Eigen::Index>(j)) = panel.X.col(columns.kept[j]);
      if (static_cast<std::size_t>(columns.kept[j]) < panel.control_names.size()) names.push_back(panel.control_names[static_cast<std::size_t>(columns.kept[j])]);
    }
    std::string dropped;
    for (const auto j : columns.dropped) {
      dropped += (dropped.empty() ? "" : ", ") +
                 (static_cast<std::size_t>(j) < panel.control_names.size() ? panel.control_names[static_cast<std::size_t>(j)]
                                                                          : "column " + std::to_string(j + 1));
    }
    out.notes.push_back("dropped redundant control(s) " + dropped +
                        ": a linear combination of the other controls and the intercept");
    out.panel.X = std::move(kept);
    out.panel.control_names = std::move(names);
  }
  // A regime the sample spends fewer than 30 months in (the sum of its filtered probabilities)
  // has no per-regime effect: omitted with a note, never a failure.
  if (out.panel.regimes) {
    const Matrix& Z = *out.panel.regimes;
    std::vector<Eigen::Index> kept_regimes;
    for (Eigen::Index r = 0; r < Z.cols(); ++r) {
      const double months = Z.col(r).sum();
      if (months >= kMinRegimeObservations) {
        kept_regimes.push_back(r);
      } else {
        out.notes.push_back("regime " + out.panel.regime_names[static_cast<std::size_t>(r)] + " omitted from the regime effects: " +
                            fixed(months, 1) + " months of probability in the sample (fewer than " +
                            std::to_string(static_cast<int>(kMinRegimeObservations)) + ")");
      }
    }
    if (kept_regimes.size() < static_cast<std::size_t>(Z.cols())) {
      if (kept_regimes.empty()) {
        out.panel.regimes.reset();
        out.panel.regime_names.clear();
      } else {
        Matrix kept(Z.rows(), static_cast<Eigen::Index>(kept_regimes.size()));
        std::vector<std::string> names;
        for (std::size_t j = 0; j < kept_regimes.size(); ++j) {
          kept.col(static_cast<Eigen::Index>(j)) = Z.col(kept_regimes[j]);
          names.push_back(out.panel.regime_names[static_cast<std::size_t>(kept_regimes[j])]);
        }
        out.panel.regimes = std::move(kept);
        out.panel.regime_names = std::move(names);
      }
    }
  }
  const EffectsPanel& data = out.panel;
  // The nuisance candidates: the spec's list for "auto", else the one learner named.
  std::vector<std::unique_ptr<causal::Regressor>> owned;
  if (out.learner == "auto") {
    for (const auto& name : spec.learners) owned.push_back(causal::make_regressor(name));
    if (owned.empty()) throw Error(ErrorCode::kInvalidArgument, "learners: at least one candidate learner");
  } else {
    owned.push_back(causal::make_regressor(out.learner));
  }
  std::vector<const causal::Regressor*> candidates;
  for (const auto& l : owned) candidates.push_back(l.get());
  // Overlapping h-month outcomes: a HAC bandwidth of at least h + 1.
  const causal::DmlOptions options{.folds = out.folds,
                                   .embargo = out.embargo,
                                   .time_series = true,
                                   .se = query.se.value_or(spec.se),
                                   .hac_lag = std::max(causal::newey_west_lag(data.t.size()), query.horizon + 1)};
  if (query.method == "xlearner") {
    const std::string name = out.learner == "auto" ? "forest" : out.learner;
    const auto learner = causal::make_regressor(name);
    Vector binary = (data.t.array() > 0.0).cast<double>();
    const auto classifier = causal::make_classifier(name == "ols" || name == "ridge" || name == "lasso" || name == "constant"
                                                        ? "logistic"
                                                        : name);
    out.xlearner = causal::x_learner(data.X, binary, data.y, *learner, *learner, *classifier, {.bootstrap = 100});
  } else if (query.method == "dml") {
    out.dml = causal::dml_plr_select(data.X, data.t, data.y, candidates, options, data.regimes, data.regime_names);
  } else {
    throw Error(ErrorCode::kInvalidArgument, "method: expected dml or xlearner (got '" + query.method + "')");
  }
  check_stop();
  if (query.method == "dml" && query.placebos) {
    // Placebo 1: the treatment permuted in blocks (keeps its autocorrelation, breaks its link
    // to the outcome). Placebo 2: the outcome over the h months before the treatment, which
    // the treatment cannot cause (it can still be correlated with it through a reaction
    // function: read a large value as a warning, not a proof).
    const Eigen::Index n = data.t.size();
    const int block = std::max(1, query.placebo_block);
    std::vector<Eigen::Index> starts;
    for (Eigen::Index s = 0; s < n; s += block) starts.push_back(s);
    std::mt19937_64 rng(7);
    std::shuffle(starts.begin(), starts.end(), rng);
    Vector permuted(n);
    Eigen::Index k = 0;
    for (const auto s : starts) {
      for (Eigen::Index i = s; i < std::min(n, s + block); ++i) permuted(k++) = data.t(i);
    }
    check_stop();
    try {
      const auto p = causal::dml_plr_select(data.X, permuted, data.y, candidates, options);
      out.placebos.push_back({"permuted_treatment", p.theta * out.magnitude, p.p_value});
    } catch (const Error&) {
    }
    if (n > 2 * query.horizon + 10) {
      // y_pre(t) = y(t - h): the outcome window ending where the treatment window starts.
      const Eigen::Index m = n - query.horizon;
      const Vector y_pre = data.y.head(m);
      check_stop();
      try {
        const auto p = causal::dml_plr_select(data.X.bottomRows(m), data.t.tail(m), y_pre, candidates, options);
        out.placebos.push_back({"pre_treatment_outcome", p.theta * out.magnitude, p.p_value});
      } catch (const Error&) {
      }
    }
  }
  return out;
}

Robustness judge_robustness(std::vector<RobustnessCheck> checks) {
  Robustness out;
  out.checks = std::move(checks);
  std::vector<std::string> positive, negative, significant, not_significant;
  for (const auto& c : out.checks) {
    if (!c.error.empty() || !std::isfinite(c.effect) || !std::isfinite(c.p_value)) continue;
    (c.effect >= 0 ? positive : negative).push_back(c.method);
    (c.p_value < 0.05 ? significant : not_significant).push_back(c.method);
  }
  const auto list = [](const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    return text;
  };
  const bool signs = !positive.empty() && !negative.empty();
  const bool significance = !significant.empty() && !not_significant.empty();
  out.fragile = signs || significance;
  if (positive.empty() && negative.empty()) {
    out.reason = "no check could be computed";
  } else if (!out.fragile) {
    out.reason = "the same sign and " + std::string(significant.empty() ? "no significance" : "significance at 5%") +
                 " under every check (" + list(positive.empty() ? negative : positive) + ")";
  } else {
    if (signs) out.reason = "the sign differs: positive under " + list(positive) + ", negative under " + list(negative);
    if (significance) {
      out.reason += (signs ? "; " : "") + std::string("significant at 5% under ") + list(significant) + " but not under " +
                    list(not_significant);
    }
  }
  return out;
}

Robustness assess_robustness(const EffectEstimate& e, const EffectsSpec& spec, const std::optional<RobustnessCheck>& local_projection) {
  std::vector<RobustnessCheck> checks;
  checks.push_back({"dml:" + e.learner + " (the estimate)", e.dml.theta, e.dml.p_value, ""});
  const std::vector<std::string> learners = spec.learners.empty() ? std::vector<std::string>{"ols", "ridge", "forest"} : spec.learners;
  for (const auto& learner : learners) {
    if (learner == e.learner) continue;  // the estimate itself
    RobustnessCheck c{.method = "dml:" + learner};
    // A candidate of the selection already holds its own estimate on the same folds.
    const auto scored = std::find_if(e.dml.candidates.begin(), e.dml.candidates.end(),
                                     [&](const causal::CandidateScore& s) { return s.learner == learner; });
    if (scored != e.dml.candidates.end() && (std::isfinite(scored->theta) || !scored->error.empty())) {
      c.effect = scored->theta;
      c.p_value = scored->p_value;
      c.error = scored->error;
      checks.push_back(std::move(c));
      continue;
    }
    try {
      EffectQuery q;
      q.treatment = e.treatment;
      q.outcome = e.outcome;
      q.horizon = e.horizon;
      q.learner = learner;
      q.folds = e.folds;
      q.embargo = e.embargo;
      q.placebos = false;
      const auto again = estimate_effect(e.panel, q, spec);
      c.effect = again.dml.theta;
      c.p_value = again.dml.p_value;
    } catch (const Error& error) {
      if (error.code() == ErrorCode::kIoError) throw;  // cancelled
      c.error = error.what();
    }
    checks.push_back(std::move(c));
  }
  if (local_projection) checks.push_back(*local_projection);
  return judge_robustness(std::move(checks));
}

RobustnessCheck local_projection_check(const store::Store& store, const EffectsSpec& spec, const std::string& treatment,
                                       const std::string& outcome, int horizon) {
  RobustnessCheck c{.method = "local_projection"};
  try {
    const auto r = run_impulse_response(store, spec, {.treatment = treatment, .outcome = outcome, .horizons = {horizon}});
    c.effect = r.fit.points.front().effect;
    c.p_value = r.fit.points.front().p_value;
  } catch (const Error& error) {
    c.error = error.what();
  }
  return c;
}

namespace {

std::string robustness_json(const Robustness& r, double magnitude) {
  std::string out = "{\"fragile\": ";
  out += r.fragile ? "true" : "false";
  out += ", \"reason\": ";
  codec::append_json_string(out, r.reason);
  out += ", \"checks\": [";
  for (std::size_t i = 0; i < r.checks.size(); ++i) {
    const auto& c = r.checks[i];
    if (i) out += ", ";
    out += "{\"method\": ";
    codec::append_json_string(out, c.method);
    if (!c.error.empty()) {
      out += ", \"error\": ";
      codec::append_json_string(out, c.error);
    } else {
      out += ", \"effect\": ";
      codec::append_number(out, c.effect * magnitude);
      out += ", \"p_value\": ";
      codec::append_number(out, c.p_value);
      out += std::string(", \"sign\": \"") + (c.effect >= 0 ? "+" : "-") + "\", \"significant\": " + (c.p_value < 0.05 ? "true" : "false");
    }
    out += "}";
  }
  return out + "]}";
}

}  // namespace

std::string explain_effect(const EffectEstimate& e) {
  std::ostringstream out;
  const bool dml = e.method == "dml";
  const double effect = dml ? e.dml.theta * e.magnitude : e.xlearner->ate;
  const double lo = dml ? e.dml.ci_low * e.magnitude : e.xlearner->ci_low;
  const double hi = dml ? e.dml.ci_high * e.magnitude : e.xlearner->ci_high;
  const double p = dml ? e.dml.p_value : (lo > 0 || hi < 0 ? 0.01 : 0.5);
  if (dml) {
    out << "A " << fixed(e.magnitude, 2) << " unit " << e.treatment << " changes " << e.outcome << " over the next "
        << e.horizon << " month" << (e.horizon == 1 ? "" : "s") << " by " << fixed(effect, 4) << " (95% CI "
        << fixed(lo, 4) << " to " << fixed(hi, 4) << ", p = " << fixed(p, 3) << ")";
  } else {
    out << "Months with a positive " << e.treatment << " see " << e.outcome << " change by " << fixed(effect, 4)
        << " on average over the next " << e.horizon << " month" << (e.horizon == 1 ? "" : "s") << " (95% CI "
        << fixed(lo, 4) << " to " << fixed(hi, 4) << ")";
  }
  out << (p < 0.05 ? "; the effect is distinguishable from zero" : "; the data cannot distinguish it from zero");
  if (dml && !e.dml.regimes.empty()) {
    const auto strongest = std::max_element(e.dml.regimes.begin(), e.dml.regimes.end(), [](const auto& a, const auto& b) {
      return std::abs(a.effect) < std::abs(b.effect);
    });
    out << ". By regime it is strongest in " << strongest->regime << " (" << fixed(strongest->effect * e.magnitude, 4)
        << ")" << (e.dml.wald_p_value < 0.05 ? ", and the regime effects differ (Wald p = "
                                             : ", though the regime effects are not distinguishable (Wald p = ")
        << fixed(e.dml.wald_p_value, 3) << ")";
  }
  out << ". Estimated on " << (dml ? e.dml.n : e.panel.t.size()) << " months.";
  if (dml && e.info.narrative_scale != 1.0 && !e.info.narrative_unit.empty()) {
    out << " Per " << e.info.narrative_unit << " " << e.treatment << ": " << fixed(e.dml.theta * e.info.narrative_scale, 4)
        << " (95% CI " << fixed(e.dml.ci_low * e.info.narrative_scale, 4) << " to "
        << fixed(e.dml.ci_high * e.info.narrative_scale, 4) << ").";
  }
  out << (e.info.identified ? " Identification: " : " Caution, ") << e.info.identification << ".";
  if (dml) {
    out << " Nuisances: " << e.dml.outcome_learner << " for the outcome (out-of-fold R^2 " << fixed(e.dml.r2_outcome, 3)
        << "), " << e.dml.treatment_learner << " for the treatment (" << fixed(e.dml.r2_treatment, 3) << ").";
    for (const auto& w : e.dml.warnings) out << " Warning: " << w << ".";
  }
  for (const auto& n : e.notes) out << " Note: " << n << ".";
  if (e.robustness) {
    out << (e.robustness->fragile ? " Fragile: " : " Robust: ") << e.robustness->reason << ".";
  }
  return out.str();
}

std::string effect_to_json(const EffectEstimate& e) {
  using codec::append_json_string;
  using codec::append_number;
  std::string out = "{\"causal_analysis\": {";
  const bool dml = e.method == "dml";
  const auto number = [&](double v) {
    if (std::isfinite(v)) {
      append_number(out, v);
    } else {
      out += "null";
    }
  };
  out += "\"treatment\": ";
  append_json_string(out, e.treatment);
  out += std::string(", \"identified\": ") + (e.info.identified ? "true" : "false") + ", \"identification\": ";
  append_json_string(out, e.info.identification);
  out += ", \"outcome\": ";
  append_json_string(out, e.outcome);
  out += ", \"horizon_months\": " + std::to_string(e.horizon) + ", \"magnitude\": ";
  number(e.magnitude);
  out += ", \"effect\": ";
  number(dml ? e.dml.theta * e.magnitude : e.xlearner->ate);
  out += ", \"confidence_interval\": [";
  number(dml ? e.dml.ci_low * e.magnitude : e.xlearner->ci_low);
  out += ", ";
  number(dml ? e.dml.ci_high * e.magnitude : e.xlearner->ci_high);
  out += "], \"p_value\": ";
  number(dml ? e.dml.p_value : std::nan(""));
  // The dominant regime now and its filtered probabilities.
  out += ", \"regime\": ";
  const auto& probs = e.panel.latest_regime_probabilities;
  const auto& names = e.panel.latest_regime_names;
  if (!probs.empty() && probs.size() == names.size()) {
    const auto top = std::max_element(probs.begin(), probs.end()) - probs.begin();
    append_json_string(out, names[static_cast<std::size_t>(top)]);
    out += ", \"regime_as_of\": ";
    append_json_string(out, e.panel.latest ? e.panel.latest->iso() : "");
    out += ", \"regime_probabilities\": {";
    for (std::size_t r = 0; r < probs.size(); ++r) {
      if (r) out += ", ";
      append_json_string(out, names[r]);
      out += ": ";
      number(probs[r]);
    }
    out += "}";
  } else {
    out += "null, \"regime_probabilities\": {}";
  }
  if (e.robustness) {
    out += std::string(", \"fragile\": ") + (e.robustness->fragile ? "true" : "false") + ", \"robustness\": " +
           robustness_json(*e.robustness, e.magnitude);
  }
  out += ", \"uncertainty\": ";
  number(dml ? e.dml.se * e.magnitude : e.xlearner->se);
  out += ", \"uncertainty_meaning\": \"the standard error of the effect (";
  out += dml ? (e.dml.se_type == "hac" ? "Newey-West HAC, lag " + std::to_string(e.dml.hac_lag) : e.dml.se_type)
             : "moving-block bootstrap";
  out += "); the 95% interval is the effect plus or minus 1.96 of it\"";
  out += ", \"regime_effects\": {";
  if (dml) {
    for (std::size_t r = 0; r < e.dml.regimes.size(); ++r) {
      const auto& re = e.dml.regimes[r];
      if (r) out += ", ";
      append_json_string(out, re.regime);
      out += ": {\"effect\": ";
      number(re.effect * e.magnitude);
      out += ", \"confidence_interval\": [";
      number(re.ci_low * e.magnitude);
      out += ", ";
      number(re.ci_high * e.magnitude);
      out += "], \"p_value\": ";
      number(re.p_value);
      out += "}";
    }
  }
  out += "}";
  if (dml && e.dml.wald_dof > 0) {
    out += ", \"regime_effects_equal_p_value\": ";
    number(e.dml.wald_p_value);
  }
  out += "}, \"explanation\": ";
  append_json_string(out, explain_effect(e));
  out += ", \"methodology\": ";
  std::string method = dml ? "Double machine learning, partially linear model (Chernozhukov et al. 2018): " + e.learner +
                                 " nuisances cross-fitted on " + std::to_string(e.folds) +
                                 " contiguous folds with an embargo of " + std::to_string(e.embargo) +
                                 " months; effects by regime from the filtered regime probabilities"
                           : "X-learner (Kunzel et al. 2019) on the treatment binarised at > 0 with " + e.learner +
                                 " learners; moving-block bootstrap interval";
  append_json_string(out, method);
  out += ", \"diagnostics\": {\"observations\": " + std::to_string(dml ? e.dml.n : e.panel.t.size());
  if (!e.panel.dates.empty()) {
    out += ", \"from\": ";
    append_json_string(out, e.panel.dates.front().iso());
    out += ", \"to\": ";
    append_json_string(out, e.panel.dates.back().iso());
  }
  if (dml) {
    out += ", \"r2_outcome\": ";
    number(e.dml.r2_outcome);
    out += ", \"r2_treatment\": ";
    number(e.dml.r2_treatment);
    out += ", \"hac_lag\": " + std::to_string(e.dml.hac_lag) + ", \"nuisance_learners\": " + nuisance_json(e.dml);
  }
  out += ", \"notes\": [";
  for (std::size_t i = 0; i < e.notes.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, e.notes[i]);
  }
  out += "]";
  out += ", \"feature_version\": ";
  append_json_string(out, e.panel.feature_version);
  out += ", \"regime_version\": ";
  append_json_string(out, e.panel.regime_version);
  out += ", \"placebo\": [";
  for (std::size_t i = 0; i < e.placebos.size(); ++i) {
    if (i) out += ", ";
    out += "{\"kind\": ";
    append_json_string(out, e.placebos[i].kind);
    out += ", \"effect\": ";
    number(e.placebos[i].effect);
    out += ", \"p_value\": ";
    number(e.placebos[i].p_value);
    out += "}";
  }
  out += "]}}";
  return out;
}

namespace {

std::string regime_effects_json(const EffectEstimate& e) {
  std::string out = "{";
  for (std::size_t r = 0; r < e.dml.regimes.size(); ++r) {
    const auto& re = e.dml.regimes[r];
    if (r) out += ", ";
    codec::append_json_string(out, re.regime);
    out += ": {\"effect\": ";
    codec::append_number(out, re.effect * e.magnitude);
    out += ", \"confidence_interval\": [";
    codec::append_number(out, re.ci_low * e.magnitude);
    out += ", ";
    codec::append_number(out, re.ci_high * e.magnitude);
    out += "], \"p_value\": ";
    codec::append_number(out, re.p_value);
    out += "}";
  }
  return out + "}";
}

std::string placebo_json(const EffectEstimate& e) {
  std::string out = "[";
  for (std::size_t i = 0; i < e.placebos.size(); ++i) {
    if (i) out += ", ";
    out += "{\"kind\": ";
    codec::append_json_string(out, e.placebos[i].kind);
    out += ", \"effect\": ";
    codec::append_number(out, e.placebos[i].effect);
    out += ", \"p_value\": ";
    codec::append_number(out, e.placebos[i].p_value);
    out += "}";
  }
  return out + "]";
}

}  // namespace

EffectsRunReport run_effects(store::Store& store, const EffectsRunOptions& options, const EffectsProgress& progress) {
  EffectsSpec spec = load_effects_spec(options.spec_path);
  if (!options.learner.empty()) {
    if (options.learner != "auto") causal::make_regressor(options.learner);
    spec.learner = options.learner;
    spec.canonical_text = canonical(spec);
    spec.hash = fnv1a_hex(spec.canonical_text);
  }
  store::EffectVersion version;
  version.spec_name = spec.name;
  version.spec_hash = spec.hash;
  version.spec_text = spec.canonical_text;
  const EffectsSource source = load_effects_source(store, spec);
  version.feature_version = source.feature_version;
  version.regime_version = source.regime_version;
  version.version = options.version == "auto"
                        ? "E_" + spec.name + "_" +
                              fnv1a_hex(spec.hash + version.feature_version + version.regime_version).substr(0, 8)
                        : options.version;
  store::validate_version_tag(version.version);
  EffectsRunReport report;
  report.version = version.version;
  for (const auto& v : store.list_effect_versions()) {
    if (v.version == version.version && store::same_effect_version(v, version)) {
      report.rows = v.rows;
      return report;  // the same spec and data: nothing to do
    }
  }
  std::vector<store::EffectRow> rows;
  std::vector<std::vector<double>> regime_p_values;  // per row, in regime-effect order
  std::vector<codec::StabilityCell> stability;       // issue 27: stored with the version below
  for (const auto& treatment : spec.treatments) {
    for (const auto& [outcome, o] : spec.outcomes) {
      // The local projection at every horizon of the grid, once per pair: each cell's robustness.
      std::map<int, RobustnessCheck> projection;
      try {
        const auto lp = run_impulse_response(store, spec, {.treatment = treatment, .outcome = outcome, .horizons = spec.horizons});
        for (const auto& p : lp.fit.points) projection[p.horizon] = {"local_projection", p.effect, p.p_value, ""};
      } catch (const Error& error) {
        for (const int h : spec.horizons) projection[h] = {"local_projection", std::nan(""), std::nan(""), error.what()};
      }
      for (const int h : spec.horizons) {
        const std::string cell = treatment + "/" + outcome + "/" + std::to_string(h);
        try {
          const auto panel = assemble_panel(source, spec, treatment, outcome, h);
          EffectQuery query;
          query.treatment = treatment;
          query.outcome = outcome;
          query.horizon = h;
          const auto e = estimate_effect(panel, query, spec);
          collect_stability(stability, e);
          store::EffectRow row;
          row.treatment = treatment;
          row.outcome = outcome;
          row.horizon = h;
          row.method = e.method;
          row.learner = e.learner;
          row.effect = e.dml.theta;
          row.se = e.dml.se;
          row.ci_low = e.dml.ci_low;
          row.ci_high = e.dml.ci_high;
          row.p_value = e.dml.p_value;
          row.observations = e.dml.n;
          row.regime_effects_json = regime_effects_json(e);
          row.placebo_json = placebo_json(e);
          std::string diagnostics = "{\"r2_outcome\": ";
          codec::append_number(diagnostics, e.dml.r2_outcome);
          diagnostics += ", \"r2_treatment\": ";
          codec::append_number(diagnostics, e.dml.r2_treatment);
          diagnostics += ", \"se\": \"" + e.dml.se_type + "\", \"hac_lag\": " + std::to_string(e.dml.hac_lag) +
                         ", \"folds\": " + std::to_string(e.folds) + ", \"embargo\": " + std::to_string(e.embargo) +
                         ", \"from\": \"" + panel.dates.front().iso() + "\", \"to\": \"" +
                         panel.dates.back().iso() + "\", \"regime_effects_equal_p_value\": ";
          codec::append_number(diagnostics, e.dml.wald_dof > 0 ? e.dml.wald_p_value : 1.0);
          diagnostics += std::string(", \"identified\": ") + (e.info.identified ? "true" : "false") + ", \"identification\": ";
          codec::append_json_string(diagnostics, e.info.identification);
          const auto robust = assess_robustness(e, spec, projection.count(h) ? std::optional(projection.at(h)) : std::nullopt);
          diagnostics += std::string(", \"fragile\": ") + (robust.fragile ? "true" : "false") +
                         ", \"robustness\": " + robustness_json(robust, 1.0);
          diagnostics += ", \"nuisance_learners\": " + nuisance_json(e.dml) + ", \"notes\": [";
          for (std::size_t i = 0; i < e.notes.size(); ++i) {
            if (i) diagnostics += ", ";
            codec::append_json_string(diagnostics, e.notes[i]);
          }
          diagnostics += "]";
          row.diagnostics_json = diagnostics;  // closed below with the grid's q-values
          std::vector<double> regime_p;
          for (const auto& re : e.dml.regimes) regime_p.push_back(re.p_value);
          regime_p_values.push_back(std::move(regime_p));
          rows.push_back(std::move(row));
          if (progress) progress(cell + ": " + fixed(e.dml.theta, 4) + " (p " + fixed(e.dml.p_value, 3) + ")");
        } catch (const Error& error) {
          // A cell the data cannot support (e.g. too short a history) is skipped, and said.
          if (error.code() != ErrorCode::kDataError) throw;
          report.skipped.push_back(cell + ": " + error.what());
          if (progress) progress(cell + ": skipped (" + error.what() + ")");
        }
      }
    }
  }
  // Benjamini-Hochberg over this grid: the cells' p-values together, the per-regime effects'
  // p-values together (a separate family).
  std::vector<double> cell_p;
  std::vector<double> all_regime_p;
  for (const auto& r : rows) cell_p.push_back(r.p_value);
  for (const auto& v : regime_p_values) all_regime_p.insert(all_regime_p.end(), v.begin(), v.end());
  const auto cell_q = causal::benjamini_hochberg(cell_p);
  const auto regime_q = causal::benjamini_hochberg(all_regime_p);
  std::size_t next_regime = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& d = rows[i].diagnostics_json;
    d += ", \"q_value\": ";
    codec::append_number(d, cell_q[i]);
    d += ", \"regime_q_values\": [";
    for (std::size_t r = 0; r < regime_p_values[i].size(); ++r) {
      if (r) d += ", ";
      codec::append_number(d, regime_q[next_regime++]);
    }
    d += "], \"q_value_family\": " + std::to_string(rows.size()) + "}";
  }
  if (rows.empty()) {
    throw Error(ErrorCode::kDataError, "effects: no cell of the grid could be estimated, nothing stored (" +
                                           (report.skipped.empty() ? std::string("no cells") : report.skipped.front()) + ")");
  }
  version.created_at = Timestamp::now();
  report.written = store.write_effects(version, rows) == store::FeatureWriteOutcome::kWritten;
  if (report.written) write_effect_stability(store, version.version, stability);
  report.rows = rows.size();
  return report;
}

std::string effects_to_csv(const std::vector<store::EffectRow>& rows) {
  std::string out = "treatment,outcome,horizon,method,learner,effect,se,ci_low,ci_high,p_value,observations\n";
  for (const auto& r : rows) {
    out += r.treatment + "," + r.outcome + "," + std::to_string(r.horizon) + "," + r.method + "," + r.learner + ",";
    for (const double v : {r.effect, r.se, r.ci_low, r.ci_high, r.p_value}) {
      codec::append_number(out, v);
      out += ",";
    }
    out += std::to_string(r.observations) + "\n";
  }
  return out;
}

std::string effects_to_json(const std::vector<store::EffectRow>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i) out += ",\n ";
    out += "{\"treatment\": ";
    codec::append_json_string(out, r.treatment);
    out += ", \"outcome\": ";
    codec::append_json_string(out, r.outcome);
    out += ", \"horizon_months\": " + std::to_string(r.horizon) + ", \"method\": ";
    codec::append_json_string(out, r.method);
    out += ", \"learner\": ";
    codec::append_json_string(out, r.learner);
    out += ", \"effect\": ";
    codec::append_number(out, r.effect);
    out += ", \"confidence_interval\": [";
    codec::append_number(out, r.ci_low);
    out += ", ";
    codec::append_number(out, r.ci_high);
    out += "], \"uncertainty\": ";
    codec::append_number(out, r.se);
    out += ", \"p_value\": ";
    codec::append_number(out, r.p_value);
    out += ", \"observations\": " + std::to_string(r.observations) + ", \"regime_effects\": " +
           r.regime_effects_json + ", \"placebo\": " + r.placebo_json + ", \"diagnostics\": " + r.diagnostics_json +
           "}";
  }
  return out + "]\n";
}

std::size_t export_panels(const store::Store& store, const std::filesystem::path& spec_path,
                          const std::filesystem::path& directory) {
  const auto spec = load_effects_spec(spec_path);
  const EffectsSource source = load_effects_source(store, spec);
  std::error_code status_error;
  const auto status = std::filesystem::symlink_status(directory, status_error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--out: " + directory.string() + " exists and is not a directory (export-panels writes one CSV per cell into a directory)");
  }
  std::error_code create_error;
  std::filesystem::create_directories(directory, create_error);
  if (create_error) {
    throw Error(ErrorCode::kIoError, "--out: cannot create the directory " + directory.string() + ": " + create_error.message());
  }
  std::size_t files = 0;
  for (const auto& treatment : spec.treatments) {
    for (const auto& [outcome, o] : spec.outcomes) {
      for (const int h : spec.horizons) {
        const auto panel = assemble_panel(source, spec, treatment, outcome, h);
        std::string text = "date,y,t";
        for (const auto& c : panel.control_names) text += "," + c;
        text += "\n";
        for (Eigen::Index i = 0; i < panel.t.size(); ++i) {
          text += panel.dates[static_cast<std::size_t>(i)].iso() + ",";
          codec::append_number(text, panel.y(i));
          text += ",";
          codec::append_number(text, panel.t(i));
          for (Eigen::Index j = 0; j < panel.X.cols(); ++j) {
            text += ",";
            codec::append_number(text, panel.X(i, j));
          }
          text += "\n";
        }
        const auto path = directory / (treatment + "__" + outcome + "__" + std::to_string(h) + ".csv");
        write_file_atomically(path, text);  // checked, fsynced, renamed: never half a file
        ++files;
      }
    }
  }
  return files;
}

std::string answer_causal_query(const store::Store& store, const EffectsSpec& spec, const CausalQuery& query) {
  std::string outcome = query.asset;
  if (const auto at = outcome.rfind("_returns"); at != std::string::npos && at + 8 == outcome.size()) outcome.resize(at);
  // The Fed's rate is answered from the identified surprise unless the caller insists.
  const std::string& asked = query.macro_variable;
  const bool fed_rate = asked.empty() || asked == "fed_shock" || asked == "fed_funds" || asked == "interest_rate";
  const std::string treatment = fed_rate && !query.as_given ? "mp_surprise" : (asked.empty() ? "mp_surprise" : asked);
  EffectQuery q;
  q.treatment = treatment;
  q.outcome = outcome;
  q.horizon = query.horizon;
  q.magnitude = query.magnitude;
  q.learner = query.learner;
  q.stop = query.stop;
  const auto panel = assemble_panel(store, spec, treatment, outcome, query.horizon);
  auto estimate = estimate_effect(panel, q, spec);
  estimate.robustness = assess_robustness(estimate, spec, local_projection_check(store, spec, treatment, outcome, query.horizon));
  auto out = nlohmann::json::parse(effect_to_json(estimate));
  auto& analysis = out["causal_analysis"];
  analysis["requested_treatment"] = asked;
  if (treatment != asked) {
    analysis["treatment_note"] = (asked.empty() ? std::string("no macro_variable given") : asked + " is not an identified shock") +
                                 "; answered from mp_surprise, the Jarocinski-Karadi FOMC surprise (send \"as_given\": true "
                                 "for the requested series itself)";
  }
  // The event study on announcement days beside the monthly figure.
  const TreatmentInfo info = treatment_info(treatment);
  nlohmann::json event = nullptr;
  if (!info.event_series.empty() && spec.event_outcomes.count(outcome)) {
    try {
      const auto r = run_event_study(store, spec, {.treatment = treatment, .outcome = outcome, .window = 0, .hac_lag = -1});
      event = {{"window_days", 0},
               {"effect", r.fit.effect * query.magnitude},
               {"confidence_interval", {r.fit.ci_low * query.magnitude, r.fit.ci_high * query.magnitude}},
               {"p_value", r.fit.p_value_hc1},
               {"events", r.fit.events},
               {"per_25bp", r.fit.effect * info.narrative_scale},
               {"meaning", "the close-to-close response on FOMC announcement days, per the query's magnitude (HC1)"}};
    } catch (const Error& error) {
      if (error.code() == ErrorCode::kIoError) throw;
      event = {{"error", error.what()}};
    }
  }
  analysis["event_study"] = event;
  if (!query.query_text.empty()) out["query_text"] = query.query_text;
  // Seed 001's paragraph, then what a sceptical reader needs: identification and robustness.
  const double m = estimate.magnitude;
  narrative::EffectFacts facts{.treatment = estimate.treatment, .outcome = estimate.outcome, .horizon_months = estimate.horizon,
                               .magnitude = m, .effect = estimate.dml.theta * m, .ci_low = estimate.dml.ci_low * m,
                               .ci_high = estimate.dml.ci_high * m, .p_value = estimate.dml.p_value};
  for (const auto& r : estimate.dml.regimes) facts.regimes.push_back({r.regime, r.effect * m, r.ci_low * m, r.ci_high * m, r.p_value});
  for (const auto& p : estimate.placebos) facts.placebos.push_back({p.kind, p.effect, p.p_value});
  std::string narrative = narrative::effect_paragraph(facts);
  narrative += (info.identified ? " Identification: " : " Caution, ") + info.identification + ".";
  if (info.narrative_scale != 1.0 && !info.narrative_unit.empty()) {
    narrative += " Per " + info.narrative_unit + ": " + fixed(estimate.dml.theta * info.narrative_scale, 4) + " (95% CI " +
                 fixed(estimate.dml.ci_low * info.narrative_scale, 4) + " to " + fixed(estimate.dml.ci_high * info.narrative_scale, 4) + ").";
  }
  narrative += (estimate.robustness->fragile ? " Fragile: " : " Robust: ") + estimate.robustness->reason + ".";
  if (event.is_object() && event.contains("effect")) {
    narrative += " On announcement days the same surprise moves " + outcome + " by " + fixed(event["effect"].get<double>(), 4) +
                 " (95% CI " + fixed(event["confidence_interval"][0].get<double>(), 4) + " to " +
                 fixed(event["confidence_interval"][1].get<double>(), 4) + ", " + std::to_string(event["events"].get<long>()) +
                 " announcements).";
  }
  if (analysis.contains("treatment_note")) narrative = "Note: " + analysis["treatment_note"].get<std::string>() + ". " + narrative;
  out["narrative"] = narrative;
  return out.dump();
}

}  // namespace mre::workflows
