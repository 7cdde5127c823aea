// Classifier JSON. Parsing with nlohmann::json; the output objects are written by hand (fixed
// keys, std::to_chars shortest round-trip numbers): the historical mode writes millions.
#include "mre/codec/classifier_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "mre/codec/hmm_json.h"
#include "mre/codec/json_matrix.h"
#include "mre/core/check.h"
#include "mre/core/date.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

using nlohmann::json;
namespace hier = regimes::hierarchical;

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, source + ": " + what);
}

std::vector<double> to_vector(const Vector& v) { return {v.data(), v.data() + v.size()}; }

Vector vector_from(const json& j, const std::string& source, const std::string& field) {
  if (!j.is_array()) bad(source, "'" + field + "' must be a list of numbers");
  Vector v(static_cast<Eigen::Index>(j.size()));
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number()) bad(source, "'" + field + "' holds a non-number");
    v(static_cast<Eigen::Index>(i)) = j[i].get<double>();
  }
  return v;
}

std::vector<int> ints_from(const json& j, const std::string& source, const std::string& field) {
  if (!j.is_array()) bad(source, "'" + field + "' must be a list of integers");
  std::vector<int> out;
  for (const auto& v : j) {
    if (!v.is_number_integer()) bad(source, "'" + field + "' holds a non-integer");
    out.push_back(v.get<int>());
  }
  return out;
}

json component_json(const hier::Component& c) {
  json out;
  out["name"] = c.definition.name;
  out["indicators"] = c.definition.indicators;
  std::vector<std::string> labels;
  for (const auto& p : c.definition.profiles) labels.push_back(p.label);
  out["labels"] = labels;
  out["hmm"] = json::parse(hmm_params_to_json(c.params, c.definition.indicators));
  out["global_mean"] = to_vector(c.stats.mean);
  out["global_std"] = to_vector(c.stats.std);
  const auto& m = c.mapping;
  out["mapping"] = {{"state_z", matrix_json(m.state_z)},
                    {"distance", matrix_json(m.distance)},
                    {"assigned", m.assigned},
                    {"cost", m.cost},
                    {"serving", m.serving},
                    {"fallback", m.fallback},
                    {"distress_state", m.distress_state ? json(*m.distress_state) : json(nullptr)},
                    {"distress_state_qualifies", m.distress_state_qualifies}};
  // A backfill retrain that kept the previous assignment (remap_states); written only then, so
  // the served classifier's JSON is unchanged.
  if (m.kept_previous) {
    out["mapping"]["kept_previous"] = true;
    out["mapping"]["optimal_cost"] = m.optimal_cost;
  }
  return out;
}

hier::Component component_from(const json& j, const hier::ModelDefinition& definition,
                               const std::string& source) {
  if (!j.is_object()) bad(source, "model '" + definition.name + "' missing");
  hier::Component c;
  c.definition = definition;
  if (j.value("name", std::string()) != definition.name)
    bad(source, "expected model '" + definition.name + "'");
  if (!j.contains("indicators") ||
      j["indicators"].get<std::vector<std::string>>() != definition.indicators) {
    bad(source, definition.name + ": indicators differ from this mre's definition");
  }
  const auto loaded =
      hmm_params_from_json(j.at("hmm").dump(), source + " (" + definition.name + ".hmm)");
  c.params = loaded.params;
  c.stats.mean = vector_from(j.at("global_mean"), source, "global_mean");
  c.stats.std = vector_from(j.at("global_std"), source, "global_std");
  const auto& m = j.at("mapping");
  c.mapping.state_z = matrix_from_json(m.at("state_z"), source, "state_z");
  c.mapping.distance = matrix_from_json(m.at("distance"), source, "distance");
  c.mapping.assigned = ints_from(m.at("assigned"), source, "assigned");
  c.mapping.cost = m.at("cost").get<double>();
  c.mapping.serving = ints_from(m.at("serving"), source, "serving");
  c.mapping.fallback = ints_from(m.at("fallback"), source, "fallback");
  if (!m.at("distress_state").is_null())
    c.mapping.distress_state = m.at("distress_state").get<int>();
  c.mapping.distress_state_qualifies = m.at("distress_state_qualifies").get<bool>();
  c.mapping.kept_previous = m.value("kept_previous", false);
  c.mapping.optimal_cost = m.value("optimal_cost", c.mapping.cost);
  const int K = definition.n_states();
  for (const auto* v : {&c.mapping.assigned, &c.mapping.serving, &c.mapping.fallback}) {
    if (static_cast<int>(v->size()) != K)
      bad(source, definition.name + ": mapping must cover " + std::to_string(K) + " states");
    for (int r : *v) {
      if (r < 0 || r >= K) bad(source, definition.name + ": mapping names a label out of range");
    }
  }
  return c;
}

}  // namespace

std::string classifier_model_to_json(const hier::HierarchicalModel& model) {
  json out;
  out["model"] = "hierarchical_classifier";
  out["global_macro"] = component_json(model.global);
  out["muni"] = component_json(model.muni);
  out["distress_condition"] = {{"ratio_min", model.condition.ratio_min},
                               {"flows_max", model.condition.flows_max},
                               {"divergence_min", model.condition.divergence_min}};
  return out.dump(1);
}

hier::HierarchicalModel classifier_model_from_json(const std::string& text,
                                                   const std::string& source) {
  try {
    const json j = json::parse(text);
    if (j.value("model", std::string()) != "hierarchical_classifier")
      bad(source, "not a hierarchical classifier model");
    hier::HierarchicalModel model;
    model.global = component_from(j.at("global_macro"), hier::global_macro_definition(), source);
    model.muni = component_from(j.at("muni"), hier::muni_definition(), source);
    const auto& c = j.at("distress_condition");
    model.condition = {c.at("ratio_min").get<double>(), c.at("flows_max").get<double>(),
                       c.at("divergence_min").get<double>()};
    return model;
  } catch (const json::exception& e) {
    bad(source, std::string("malformed classifier model (") + e.what() + ")");
  }
}

std::string filter_state_to_json(const hier::FilterState& state,
                                 const std::vector<double>& values) {
  std::string out = "{\"global\": [";
  for (Eigen::Index k = 0; k < state.global.size(); ++k) {
    if (k) out += ", ";
    append_number(out, state.global(k));
  }
  out += "], \"muni\": [";
  for (Eigen::Index k = 0; k < state.muni.size(); ++k) {
    if (k) out += ", ";
    append_number(out, state.muni(k));
  }
  out += "]";
  if (!values.empty()) {
    out += ", \"values\": [";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out += ", ";
      if (std::isnan(values[i])) {
        out += "null";
      } else {
        append_number(out, values[i]);
      }
    }
    out += "]";
  }
  out += "}";
  return out;
}

std::vector<double> filter_state_values_from_json(const std::string& text,
                                                  const std::string& source) {
  try {
    const json j = json::parse(text);
    std::vector<double> out;
    if (!j.contains("values")) return out;
    for (const auto& v : j.at("values")) {
      if (v.is_null()) {
        out.push_back(std::numeric_limits<double>::quiet_NaN());
      } else if (v.is_number()) {
        out.push_back(v.get<double>());
      } else {
        bad(source, "'values' holds a non-number");
      }
    }
    return out;
  } catch (const json::exception& e) {
    bad(source, std::string("malformed classifier state (") + e.what() + ")");
  }
}

hier::FilterState filter_state_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    return {vector_from(j.at("global"), source, "global"),
            vector_from(j.at("muni"), source, "muni")};
  } catch (const json::exception& e) {
    bad(source, std::string("malformed classifier state (") + e.what() + ")");
  }
}

ObservationJson observation_from_json(const std::string& text, const std::string& source,
                                      const std::vector<std::string>& indicators) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kDataError, source + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(ErrorCode::kDataError, source + ": expected a JSON object");
  ObservationJson obs;
  if (!j.contains("timestamp") || !j["timestamp"].is_string()) {
    throw Error(ErrorCode::kDataError,
                source +
                    (j.contains("timestamp") ? ": field 'timestamp' must be a string"
                                             : ": missing field 'timestamp'") +
                    " (an ISO date or time string)");
  }
  obs.timestamp = j["timestamp"].get<std::string>();
  // The indicators at the top level or under "indicators", never both; every other key is
  // refused. An "indicators" list fell back to the top level, a top-level value beside the
  // object was dropped, and a misspelled extra key was ignored (QA 2026-12-08).
  const bool nested = j.contains("indicators");
  if (nested && !j["indicators"].is_object()) {
    throw Error(ErrorCode::kDataError,
                source + ": 'indicators' must be an object of indicator values");
  }
  const auto is_indicator = [&](const std::string& key) {
    return std::find(indicators.begin(), indicators.end(), key) != indicators.end();
  };
  for (const auto& [key, value] : j.items()) {
    if (key == "timestamp" || key == "instrument_type" || key == "indicators") continue;
    if (is_indicator(key)) {
      if (nested) {
        throw Error(ErrorCode::kDataError, source + ": indicator '" + key +
                                               "' is given both at the top level and under "
                                               "'indicators'; give each once");
      }
      continue;
    }
    throw Error(ErrorCode::kDataError,
                source + ": unknown field '" + key.substr(0, 80) +
                    "' (expected timestamp, instrument_type and the indicators, at the top level "
                    "or under 'indicators')");
  }
  if (nested) {
    for (const auto& [key, value] : j["indicators"].items()) {
      if (!is_indicator(key)) {
        throw Error(ErrorCode::kDataError,
                    source + ": 'indicators' has an unknown indicator '" + key.substr(0, 80) + "'");
      }
    }
  }
  const json& values = nested ? j["indicators"] : j;
  for (const auto& name : indicators) {
    if (!values.contains(name))
      throw Error(ErrorCode::kDataError, source + ": missing indicator '" + name + "'");
    const auto& v = values[name];
    if (v.is_null()) {  // an explicitly missing indicator: marginalised by the classifier (issue
                        // 18)
      obs.values.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    if (!v.is_number())
      throw Error(ErrorCode::kDataError,
                  source + ": indicator '" + name + "' is not a number or null");
    const double x = v.get<double>();
    if (!std::isfinite(x))
      throw Error(ErrorCode::kDataError, source + ": indicator '" + name + "' is not finite");
    obs.values.push_back(x);
  }
  if (j.contains("instrument_type")) {
    if (!j["instrument_type"].is_string()) {
      throw Error(ErrorCode::kDataError, source + ": 'instrument_type' must be a string");
    }
    obs.instrument_type = j["instrument_type"].get<std::string>();
  }
  return obs;
}

void append_number(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_probability(std::string& out, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {  // not a probability: never expected, but print it faithfully
    append_number(out, p);
    return;
  }
  const auto scaled = static_cast<std::int64_t>(std::llround(p * 1e6));
  out += static_cast<char>('0' + scaled / 1000000);
  std::int64_t fraction = scaled % 1000000;
  if (fraction == 0) return;
  char digits[7] = {'.', '0', '0', '0', '0', '0', '0'};
  for (int i = 6; i >= 1; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  int end = 7;
  while (digits[end - 1] == '0') --end;
  out.append(digits, static_cast<std::size_t>(end));
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_probabilities(std::string& out, const hier::ModelDefinition& definition,
                          const hier::ComponentOutput& output, std::string_view quote) {
  out += '{';
  for (int r = 0; r < output.n; ++r) {
    if (r) out += ", ";
    out += quote;
    out += definition.profiles[static_cast<std::size_t>(r)].label;
    out += quote;
    out += ": ";
    append_probability(out, output.labels[static_cast<std::size_t>(r)]);
  }
  out += '}';
}

void append_spaced_json(std::string& out, const nlohmann::ordered_json& value, bool fixed) {
  using Type = nlohmann::ordered_json::value_t;
  switch (value.type()) {
    case Type::object: {
      out += '{';
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (it != value.begin()) out += ", ";
        append_json_string(out, it.key());
        out += ": ";
        append_spaced_json(out, it.value(), fixed);
      }
      out += '}';
      return;
    }
    case Type::array:
      out += '[';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i) out += ", ";
        append_spaced_json(out, value[i], fixed);
      }
      out += ']';
      return;
    case Type::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case Type::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Type::number_integer:
      out += std::to_string(value.get<std::int64_t>());
      return;
    case Type::number_unsigned:
      out += std::to_string(value.get<std::uint64_t>());
      return;
    case Type::number_float: {
      const double x = value.get<double>();
      if (!std::isfinite(x)) {
        out += "null";
      } else if (fixed) {
        char buffer[400];  // the longest fixed-notation double (DBL_MAX: 309 digits)
        const auto r = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed);
        out.append(buffer, r.ptr);
      } else {
        append_number(out, x);
      }
      return;
    }
    case Type::null:
    case Type::binary:
    case Type::discarded:
      out += "null";
      return;
  }
}

namespace {

// A probability as append_probability writes it: rounded to 6 decimals (anything else as is).
double rounded_probability(double p) {
  if (!(p >= 0.0 && p <= 1.0)) return p;
  return static_cast<double>(std::llround(p * 1e6)) / 1e6;
}

}  // namespace

nlohmann::ordered_json classification_document(std::string_view timestamp,
                                               const hier::HierarchicalModel& model,
                                               const hier::Classification& result, bool muni,
                                               std::string_view explanation,
                                               std::span<const hier::IndicatorCoverage> coverage) {
  using ojson = nlohmann::ordered_json;
  const auto component = [](const hier::ModelDefinition& def, const hier::ComponentOutput& o,
                            ojson into) {
    into["regime_label"] = def.profiles[static_cast<std::size_t>(o.label)].label;
    into["confidence_score"] = rounded_probability(o.confidence);
    ojson probabilities = ojson::object();
    for (int r = 0; r < o.n; ++r) {
      probabilities[def.profiles[static_cast<std::size_t>(r)].label] =
          rounded_probability(o.labels[static_cast<std::size_t>(r)]);
    }
    into["regime_probabilities"] = std::move(probabilities);
    return into;
  };
  ojson out;
  out["data_timestamp"] = std::string(timestamp);
  out["global_macro_regime"] = component(model.global.definition, result.global, ojson::object());
  if (muni) {
    out["contextual_regime"] =
        component(model.muni.definition, result.muni, ojson{{"regime_type", "MUNI_SPECIFIC"}});
  }
  out["volatility_classification"] = {{"volatility_regime", result.volatility_regime},
                                      {"volatility_index_name", "VIX"},
                                      {"volatility_index_value", result.vix}};  // NaN: null
  if (!explanation.empty()) out["explanation"] = std::string(explanation);
  if (!coverage.empty()) {
    const auto& names = hier::mr_ds_01_indicators();
    check_arg(coverage.size() == names.size(), "coverage", "must hold the ten MR-DS-01 indicators");
    int used = 0;
    int stale = 0;
    ojson indicators = ojson::object();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto& c = coverage[i];
      used += c.used ? 1 : 0;
      stale += c.stale ? 1 : 0;
      indicators[names[i]] = {{"used", c.used},
                              {"age_days", c.age_days ? ojson(*c.age_days) : ojson()},
                              {"stale", c.stale}};
    }
    out["coverage"] = {
        {"indicators_used", used}, {"indicators_stale", stale}, {"indicators", indicators}};
  }
  return out;
}

std::string classification_text(const nlohmann::ordered_json& document) {
  std::string out;
  append_spaced_json(out, document, true);
  return out;
}

std::string classification_to_json(std::string_view timestamp, const hier::HierarchicalModel& model,
                                   const hier::Classification& result, bool muni,
                                   std::string_view explanation,
                                   std::span<const hier::IndicatorCoverage> coverage) {
  return classification_text(
      classification_document(timestamp, model, result, muni, explanation, coverage));
}

std::string backfill_diagnostics_to_json(const hier::BackfillResult& result) {
  json refits = json::array();
  for (const auto& r : result.retrains) {
    json one;
    one["from"] = r.date.iso();
    one["rows"] = r.rows;
    one["trained_from"] = r.trained_from.iso();
    one["trained_to"] = r.trained_to.iso();
    one["log_likelihood"] = r.log_likelihood;
    json starts = json::array();
    for (const double ll : r.start_log_likelihoods)
      starts.push_back(std::isfinite(ll) ? json(ll) : json());
    one["start_log_likelihoods"] = starts;
    one["starts_at_best"] = r.starts_at_best;
    one["best_start"] = r.best_start;
    one["iterations"] = r.iterations;
    one["converged"] = r.converged;
    one["muni_converged"] = r.muni_converged;
    one["churn"] = std::isfinite(r.churn) ? json(r.churn) : json();
    one["churn_rows"] = r.churn_rows;
    if (r.switch_tested) {
      one["switch"] = {{"switched", r.switched},
                       {"statistic", r.switch_statistic},
                       {"log_likelihood_difference", r.switch_difference}};
    }
    one["model"] = json::parse(classifier_model_to_json(r.model));
    refits.push_back(std::move(one));
  }
  json out;
  out["kind"] = "classifier_backfill";
  out["approved"] = false;
  out["refits"] = std::move(refits);
  return out.dump();
}

std::vector<hier::BackfillRetrain> backfill_retrains_from_json(const std::string& text,
                                                               const std::string& source) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("refits") || !j.at("refits").is_array()) {
    bad(source, "not a classifier backfill's diagnostics (no 'refits' list)");
  }
  std::vector<hier::BackfillRetrain> out;
  for (const auto& one : j.at("refits")) {
    try {
      hier::BackfillRetrain r;
      const auto date = Date::parse(one.at("from").get<std::string>());
      if (!date) bad(source, "a refit's 'from' is not a date");
      r.date = *date;
      r.rows = one.at("rows").get<std::size_t>();
      if (const auto d = Date::parse(one.at("trained_from").get<std::string>()))
        r.trained_from = *d;
      if (const auto d = Date::parse(one.at("trained_to").get<std::string>())) r.trained_to = *d;
      r.log_likelihood = one.at("log_likelihood").get<double>();
      for (const auto& ll : one.at("start_log_likelihoods")) {
        r.start_log_likelihoods.push_back(
            ll.is_number() ? ll.get<double>() : std::numeric_limits<double>::quiet_NaN());
      }
      r.starts_at_best = one.at("starts_at_best").get<int>();
      r.best_start = one.at("best_start").get<int>();
      r.iterations = one.at("iterations").get<int>();
      r.converged = one.at("converged").get<bool>();
      r.muni_converged = one.at("muni_converged").get<bool>();
      r.churn = one.at("churn").is_number() ? one.at("churn").get<double>()
                                            : std::numeric_limits<double>::quiet_NaN();
      r.churn_rows = one.at("churn_rows").get<std::size_t>();
      if (one.contains("switch")) {  // absent before issue 18's fourth pass and when not tested
        const auto& sw = one.at("switch");
        r.switch_tested = true;
        r.switched = sw.at("switched").get<bool>();
        r.switch_statistic = sw.at("statistic").get<double>();
        r.switch_difference = sw.at("log_likelihood_difference").get<double>();
      }
      r.model = classifier_model_from_json(one.at("model").dump(),
                                           source + " (refit " + r.date.iso() + ")");
      out.push_back(std::move(r));
    } catch (const json::exception& e) {
      bad(source, std::string("malformed refit: ") + e.what());
    }
  }
  return out;
}

}  // namespace mre::codec
