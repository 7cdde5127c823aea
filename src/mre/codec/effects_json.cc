// See effects_json.h.
#include "mre/codec/effects_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "mre/causal/inference.h"
#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"

namespace mre::codec {

std::string nuisance_json(const causal::DmlResult& r) {
  const auto number = [](std::string& out, double v) {
    if (std::isfinite(v)) {
      append_number(out, v);
    } else {
      out += "null";
    }
  };
  std::string out = "{\"outcome\": ";
  append_json_string(out, r.outcome_learner);
  out += ", \"treatment\": ";
  append_json_string(out, r.treatment_learner);
  out += ", \"candidates\": [";
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const auto& c = r.candidates[i];
    if (i) out += ", ";
    out += "{\"learner\": ";
    append_json_string(out, c.learner);
    out += ", \"r2_outcome\": ";
    number(out, c.r2_outcome);
    out += ", \"r2_treatment\": ";
    number(out, c.r2_treatment);
    if (c.reduced_folds > 0)
      out += ", \"folds_without_collinear_columns\": " + std::to_string(c.reduced_folds);
    if (!c.error.empty()) {
      out += ", \"error\": ";
      append_json_string(out, c.error);
    }
    out += "}";
  }
  out += "], \"warnings\": [";
  for (std::size_t i = 0; i < r.warnings.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, r.warnings[i]);
  }
  return out + "]}";
}

std::string robustness_json(const causal::Robustness& r, double magnitude) {
  std::string out = "{\"fragile\": ";
  out += r.fragile ? "true" : "false";
  out += ", \"reason\": ";
  append_json_string(out, r.reason);
  out += ", \"checks\": [";
  for (std::size_t i = 0; i < r.checks.size(); ++i) {
    const auto& c = r.checks[i];
    if (i) out += ", ";
    out += "{\"method\": ";
    append_json_string(out, c.method);
    if (!c.error.empty()) {
      out += ", \"error\": ";
      append_json_string(out, c.error);
    } else {
      out += ", \"effect\": ";
      append_number(out, c.effect * magnitude);
      out += ", \"p_value\": ";
      append_number(out, c.p_value);
      out += std::string(", \"sign\": \"") + (c.effect >= 0 ? "+" : "-") +
             "\", \"significant\": " + (c.p_value < 0.05 ? "true" : "false");
      if (std::isfinite(c.r2_outcome) && std::isfinite(c.r2_treatment)) {
        out += ", \"r2_outcome\": ";
        append_number(out, c.r2_outcome);
        out += ", \"r2_treatment\": ";
        append_number(out, c.r2_treatment);
      }
      if (c.below_baseline) {
        out += std::string(", \"below_baseline\": ") + (*c.below_baseline ? "true" : "false");
      }
    }
    out += "}";
  }
  return out + "]}";
}

namespace {

std::string two_decimals(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", x);
  return buffer;
}

using ojson = nlohmann::ordered_json;

// A double as the JSON value its shortest text reads back as: null when not finite, an integer
// when the text has no fraction or exponent ("2", not 2.0), else the double.
ojson number(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  if (text.find_first_of(".e") == std::string_view::npos) {
    std::int64_t i = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), i).ec == std::errc{}) return i;
    std::uint64_t u = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), u).ec == std::errc{}) return u;
  }
  return v;
}

ojson strings(const std::vector<std::string>& list) {
  ojson out = ojson::array();
  for (const auto& s : list) out.push_back(s);
  return out;
}

// The house text form of a value: ", " and ": " separators, insertion order, the shortest
// round-trip form of a double.
void render(std::string& out, const ojson& v) {
  switch (v.type()) {
    case ojson::value_t::object: {
      out += "{";
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_json_string(out, key);
        out += ": ";
        render(out, item);
      }
      out += "}";
      break;
    }
    case ojson::value_t::array: {
      out += "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        render(out, v[i]);
      }
      out += "]";
      break;
    }
    case ojson::value_t::string:
      append_json_string(out, v.get_ref<const std::string&>());
      break;
    case ojson::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case ojson::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      break;
    case ojson::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      break;
    case ojson::value_t::number_float:
      append_number(out, v.get<double>());
      break;
    default:
      out += "null";
      break;
  }
}

// What "uncertainty" is and how the interval is built from it, in words.
std::string uncertainty_meaning(const EffectReport& e) {
  if (e.method != "dml") {
    // The X-learner: the standard deviation over the resamples; the interval is their 2.5th to
    // 97.5th percentiles, which need not be symmetric about the effect.
    return "the standard error of the effect (moving-block bootstrap, the standard deviation over "
           "the resamples); the 95% interval is the resamples' 2.5th to 97.5th percentiles, not "
           "symmetric about the effect";
  }
  const bool ewc = e.dml.dof > 0;
  std::string estimator = e.dml.se_type;
  if (e.dml.se_type == "hac") {
    estimator = "Newey-West HAC, lag " + std::to_string(e.dml.hac_lag);
  } else if (ewc) {
    estimator = "equal-weighted cosine HAR, " + std::to_string(e.dml.dof) +
                " cosine terms (Lazarus, Lewis, Stock & Watson 2018)" +
                (e.dml.se_type == "ewc_hc3" ? ", on leverage-adjusted (HC3) scores" : "");
  }
  return "the standard error of the effect (" + estimator +
         "); the 95% interval is the effect plus or minus " +
         (ewc ? two_decimals(causal::critical_975(e.dml.dof)) + " of it (Student's t, " +
                    std::to_string(e.dml.dof) + " degrees of freedom)"
              : std::string("1.96 of it"));
}

// The estimate as one value: what the CLI prints and the API's answer carries.
ojson effect_value(const EffectReport& e) {
  const bool dml = e.method == "dml";
  ojson analysis;
  analysis["treatment"] = e.treatment;
  analysis["identified"] = e.identified;
  analysis["identification"] = e.identification;
  analysis["outcome"] = e.outcome;
  analysis["horizon_months"] = e.horizon;
  analysis["magnitude"] = number(e.magnitude);
  analysis["effect"] = number(dml ? e.dml.theta * e.magnitude : e.xlearner->ate);
  const auto ci = dml ? causal::scaled_interval(e.dml.ci_low, e.dml.ci_high, e.magnitude)
                      : causal::Interval{e.xlearner->ci_low, e.xlearner->ci_high};
  analysis["confidence_interval"] = {number(ci.low), number(ci.high)};
  analysis["p_value"] = number(dml ? e.dml.p_value : std::nan(""));
  // The dominant regime now and its filtered probabilities.
  const auto& probs = e.latest_regime_probabilities;
  const auto& names = e.latest_regime_names;
  ojson probabilities = ojson::object();
  if (!probs.empty() && probs.size() == names.size()) {
    const auto top = std::max_element(probs.begin(), probs.end()) - probs.begin();
    analysis["regime"] = names[static_cast<std::size_t>(top)];
    analysis["regime_as_of"] = e.latest ? e.latest->iso() : "";
    for (std::size_t r = 0; r < probs.size(); ++r) probabilities[names[r]] = number(probs[r]);
  } else {
    analysis["regime"] = nullptr;
  }
  analysis["regime_probabilities"] = probabilities;
  if (e.robustness) {
    analysis["fragile"] = e.robustness->fragile;
    ojson checks = ojson::array();
    for (const auto& c : e.robustness->checks) {
      ojson check;
      check["method"] = c.method;
      if (!c.error.empty()) {
        check["error"] = c.error;
      } else {
        check["effect"] = number(c.effect * e.magnitude);
        check["p_value"] = number(c.p_value);
        check["sign"] = c.effect >= 0 ? "+" : "-";
        check["significant"] = c.p_value < 0.05;
        if (std::isfinite(c.r2_outcome) && std::isfinite(c.r2_treatment)) {
          check["r2_outcome"] = number(c.r2_outcome);
          check["r2_treatment"] = number(c.r2_treatment);
        }
        if (c.below_baseline) check["below_baseline"] = *c.below_baseline;
      }
      checks.push_back(check);
    }
    analysis["robustness"] = {
        {"fragile", e.robustness->fragile}, {"reason", e.robustness->reason}, {"checks", checks}};
  }
  analysis["uncertainty"] = number(dml ? e.dml.se * std::abs(e.magnitude) : e.xlearner->se);
  analysis["uncertainty_meaning"] = uncertainty_meaning(e);
  if (e.prediction_interval) {
    const auto& p = *e.prediction_interval;
    const auto figures = [](const IntervalFigures& f) {
      return ojson{
          {"coverage", number(f.coverage)}, {"mean_width", number(f.mean_width)}, {"rows", f.rows}};
    };
    analysis["prediction_interval"] = {
        {"level", number(p.level)},
        {"interval", {number(p.low), number(p.high)}},
        {"prediction", number(p.prediction)},
        {"at", p.at},
        {"treatment", number(p.treatment)},
        {"scale", p.scale},
        {"sigma", number(p.sigma)},
        {"conformal_quantile", number(p.quantile)},
        {"calibration",
         {{"rows", p.calibration_rows}, {"from", p.calibration_from}, {"to", p.calibration_to}}},
        {"constant_variance_interval", {number(p.constant_low), number(p.constant_high)}},
        {"out_of_sample_check",
         {{"from", p.check_from},
          {"to", p.check_to},
          {"neural", figures(p.check_neural)},
          {"constant_variance", figures(p.check_constant)}}},
        {"out_of_fold_gaussian_nll",
         {{"neural", number(p.out_of_fold_nll)},
          {"constant_variance", number(p.out_of_fold_nll_constant)}}},
        {"networks", p.networks}};
    analysis["prediction_interval_meaning"] = p.meaning;
  }
  ojson regime_effects = ojson::object();
  if (dml) {
    for (const auto& re : e.dml.regimes) {
      const auto rci = causal::scaled_interval(re.ci_low, re.ci_high, e.magnitude);
      regime_effects[re.regime] = {{"effect", number(re.effect * e.magnitude)},
                                   {"confidence_interval", {number(rci.low), number(rci.high)}},
                                   {"p_value", number(re.p_value)}};
    }
  }
  analysis["regime_effects"] = regime_effects;
  if (dml && e.dml.wald_dof > 0)
    analysis["regime_effects_equal_p_value"] = number(e.dml.wald_p_value);
  ojson diagnostics;
  diagnostics["observations"] = dml ? static_cast<long long>(e.dml.n) : e.observations;
  if (e.from && e.to) {
    diagnostics["from"] = e.from->iso();
    diagnostics["to"] = e.to->iso();
  }
  if (dml) {
    diagnostics["r2_outcome"] = number(e.dml.r2_outcome);
    diagnostics["r2_treatment"] = number(e.dml.r2_treatment);
    diagnostics["hac_lag"] = e.dml.hac_lag;
    if (e.dml.dof > 0) diagnostics["ewc_dof"] = e.dml.dof;
    ojson candidates = ojson::array();
    for (const auto& c : e.dml.candidates) {
      ojson candidate;
      candidate["learner"] = c.learner;
      candidate["r2_outcome"] = number(c.r2_outcome);
      candidate["r2_treatment"] = number(c.r2_treatment);
      if (c.reduced_folds > 0) candidate["folds_without_collinear_columns"] = c.reduced_folds;
      if (!c.error.empty()) candidate["error"] = c.error;
      candidates.push_back(candidate);
    }
    diagnostics["nuisance_learners"] = {{"outcome", e.dml.outcome_learner},
                                        {"treatment", e.dml.treatment_learner},
                                        {"candidates", candidates},
                                        {"warnings", strings(e.dml.warnings)}};
  }
  diagnostics["notes"] = strings(e.notes);
  diagnostics["feature_version"] = e.feature_version;
  diagnostics["regime_version"] = e.regime_version;
  ojson placebos = ojson::array();
  for (const auto& p : e.placebos)
    placebos.push_back(
        {{"kind", p.kind}, {"effect", number(p.effect)}, {"p_value", number(p.p_value)}});
  diagnostics["placebo"] = placebos;
  ojson out;
  out["causal_analysis"] = analysis;
  out["explanation"] = e.explanation;
  out["methodology"] =
      dml ? "Double machine learning, partially linear model (Chernozhukov et al. 2018): " +
                e.learner + " nuisances cross-fitted on " + std::to_string(e.folds) +
                " contiguous folds with an embargo of " + std::to_string(e.embargo) +
                " months; effects by regime from the filtered regime probabilities"
          : "X-learner (Kunzel et al. 2019) on the treatment binarised at > 0 with " + e.learner +
                " learners; moving-block bootstrap interval";
  out["diagnostics"] = diagnostics;
  return out;
}

}  // namespace

std::string effect_to_json(const EffectReport& e) {
  std::string out;
  render(out, effect_value(e));
  return out;
}

std::string causal_answer_to_json(const CausalAnswerReport& report) {
  return causal_answer_document(report).dump();
}

nlohmann::json causal_answer_document(const CausalAnswerReport& a) {
  nlohmann::json out(effect_value(a.effect));  // keys sorted from here on
  auto& analysis = out["causal_analysis"];
  analysis["requested_treatment"] = a.requested_treatment;
  if (!a.treatment_note.empty()) analysis["treatment_note"] = a.treatment_note;
  nlohmann::json event = nullptr;
  if (a.event_study && !a.event_study->error.empty()) {
    event = {{"error", a.event_study->error}};
  } else if (a.event_study) {
    const auto& r = *a.event_study;
    event = {
        {"window_days", 0},
        {"effect", r.effect},
        {"confidence_interval", {r.ci_low, r.ci_high}},
        {"p_value", r.p_value},
        {"events", r.events},
        {"per_25bp", r.per_25bp},
        {"meaning",
         "the close-to-close response on FOMC announcement days, per the query's magnitude (HC1)"}};
  }
  analysis["event_study"] = event;
  if (!a.query_text.empty()) out["query_text"] = a.query_text;
  out["narrative"] = a.narrative;
  return out;
}

std::string regime_effects_json(const causal::DmlResult& dml, double magnitude) {
  std::string out = "{";
  for (std::size_t r = 0; r < dml.regimes.size(); ++r) {
    const auto& re = dml.regimes[r];
    if (r) out += ", ";
    append_json_string(out, re.regime);
    out += ": {\"effect\": ";
    append_number(out, re.effect * magnitude);
    out += ", \"confidence_interval\": [";
    const auto ci = causal::scaled_interval(re.ci_low, re.ci_high, magnitude);
    append_number(out, ci.low);
    out += ", ";
    append_number(out, ci.high);
    out += "], \"p_value\": ";
    append_number(out, re.p_value);
    out += "}";
  }
  return out + "}";
}

std::string placebos_json(const std::vector<causal::Placebo>& placebos) {
  std::string out = "[";
  for (std::size_t i = 0; i < placebos.size(); ++i) {
    if (i) out += ", ";
    out += "{\"kind\": ";
    append_json_string(out, placebos[i].kind);
    out += ", \"effect\": ";
    append_number(out, placebos[i].effect);
    out += ", \"p_value\": ";
    append_number(out, placebos[i].p_value);
    out += "}";
  }
  return out + "]";
}

std::string open_cell_diagnostics(const EffectReport& e, const causal::Robustness& robust) {
  std::string diagnostics = "{\"r2_outcome\": ";
  append_number(diagnostics, e.dml.r2_outcome);
  diagnostics += ", \"r2_treatment\": ";
  append_number(diagnostics, e.dml.r2_treatment);
  diagnostics += ", \"se\": \"" + e.dml.se_type +
                 "\", \"hac_lag\": " + std::to_string(e.dml.hac_lag) +
                 (e.dml.dof > 0 ? ", \"ewc_dof\": " + std::to_string(e.dml.dof) : std::string()) +
                 ", \"folds\": " + std::to_string(e.folds) +
                 ", \"embargo\": " + std::to_string(e.embargo) + ", \"from\": \"" + e.from->iso() +
                 "\", \"to\": \"" + e.to->iso() + "\", \"regime_effects_equal_p_value\": ";
  append_number(diagnostics, e.dml.wald_dof > 0 ? e.dml.wald_p_value : 1.0);
  diagnostics += std::string(", \"identified\": ") + (e.identified ? "true" : "false") +
                 ", \"identification\": ";
  append_json_string(diagnostics, e.identification);
  diagnostics += std::string(", \"fragile\": ") + (robust.fragile ? "true" : "false") +
                 ", \"robustness\": " + robustness_json(robust, 1.0);
  diagnostics += ", \"nuisance_learners\": " + nuisance_json(e.dml) + ", \"notes\": [";
  for (std::size_t i = 0; i < e.notes.size(); ++i) {
    if (i) diagnostics += ", ";
    append_json_string(diagnostics, e.notes[i]);
  }
  diagnostics += "]";
  return diagnostics;
}

void close_cell_diagnostics(std::string& d, double q_value,
                            const std::vector<double>& regime_q_values, std::size_t family) {
  d += ", \"q_value\": ";
  append_number(d, q_value);
  d += ", \"regime_q_values\": [";
  for (std::size_t r = 0; r < regime_q_values.size(); ++r) {
    if (r) d += ", ";
    append_number(d, regime_q_values[r]);
  }
  d += "], \"q_value_family\": " + std::to_string(family) + "}";
}

std::string effect_rows_to_csv(const std::vector<store::EffectRow>& rows) {
  std::string out =
      "treatment,outcome,horizon,method,learner,effect,se,ci_low,ci_high,p_value,observations\n";
  for (const auto& r : rows) {
    out += r.treatment + "," + r.outcome + "," + std::to_string(r.horizon) + "," + r.method + "," +
           r.learner + ",";
    for (const double v : {r.effect, r.se, r.ci_low, r.ci_high, r.p_value}) {
      append_number(out, v);
      out += ",";
    }
    out += std::to_string(r.observations) + "\n";
  }
  return out;
}

std::string effect_rows_to_json(const std::vector<store::EffectRow>& rows) {
  return effect_rows_text(effect_rows_document(rows));
}

nlohmann::ordered_json effect_rows_document(const std::vector<store::EffectRow>& rows) {
  using ojson = nlohmann::ordered_json;
  ojson out = ojson::array();
  for (const auto& r : rows) {
    const auto stored = [&](const std::string& text, const char* what) -> ojson {
      if (text.empty()) return nullptr;
      try {
        return ojson::parse(text);
      } catch (const ojson::parse_error& e) {
        throw Error(ErrorCode::kDataError, "effects row " + r.treatment + "/" + r.outcome + "/" +
                                               std::to_string(r.horizon) + ": the stored " + what +
                                               " is not JSON (" + e.what() + ")");
      }
    };
    ojson row;
    row["treatment"] = r.treatment;
    row["outcome"] = r.outcome;
    row["horizon_months"] = r.horizon;
    row["method"] = r.method;
    row["learner"] = r.learner;
    row["effect"] = r.effect;
    row["confidence_interval"] = {r.ci_low, r.ci_high};
    row["uncertainty"] = r.se;
    row["p_value"] = r.p_value;
    row["observations"] = r.observations;
    row["regime_effects"] = stored(r.regime_effects_json, "regime effects");
    row["placebo"] = stored(r.placebo_json, "placebos");
    row["diagnostics"] = stored(r.diagnostics_json, "diagnostics");
    out.push_back(std::move(row));
  }
  return out;
}

std::string effect_rows_text(const nlohmann::ordered_json& document) {
  std::string out = "[";
  for (std::size_t i = 0; i < document.size(); ++i) {
    if (i) out += ",\n ";
    append_spaced_json(out, document[i]);
  }
  return out + "]\n";
}

}  // namespace mre::codec
