// See effects_json.h.
#include "mre/codec/effects_json.h"

#include <algorithm>
#include <cmath>

#include "mre/codec/classifier_json.h"

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
    if (c.reduced_folds > 0) out += ", \"folds_without_collinear_columns\": " + std::to_string(c.reduced_folds);
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
      out += std::string(", \"sign\": \"") + (c.effect >= 0 ? "+" : "-") + "\", \"significant\": " + (c.p_value < 0.05 ? "true" : "false");
    }
    out += "}";
  }
  return out + "]}";
}

std::string effect_to_json(const EffectReport& e) {
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
  out += std::string(", \"identified\": ") + (e.identified ? "true" : "false") + ", \"identification\": ";
  append_json_string(out, e.identification);
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
  const auto& probs = e.latest_regime_probabilities;
  const auto& names = e.latest_regime_names;
  if (!probs.empty() && probs.size() == names.size()) {
    const auto top = std::max_element(probs.begin(), probs.end()) - probs.begin();
    append_json_string(out, names[static_cast<std::size_t>(top)]);
    out += ", \"regime_as_of\": ";
    append_json_string(out, e.latest ? e.latest->iso() : "");
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
  append_json_string(out, e.explanation);
  out += ", \"methodology\": ";
  std::string method = dml ? "Double machine learning, partially linear model (Chernozhukov et al. 2018): " + e.learner +
                                 " nuisances cross-fitted on " + std::to_string(e.folds) +
                                 " contiguous folds with an embargo of " + std::to_string(e.embargo) +
                                 " months; effects by regime from the filtered regime probabilities"
                           : "X-learner (Kunzel et al. 2019) on the treatment binarised at > 0 with " + e.learner +
                                 " learners; moving-block bootstrap interval";
  append_json_string(out, method);
  out += ", \"diagnostics\": {\"observations\": " + std::to_string(dml ? static_cast<long long>(e.dml.n) : e.observations);
  if (e.from && e.to) {
    out += ", \"from\": ";
    append_json_string(out, e.from->iso());
    out += ", \"to\": ";
    append_json_string(out, e.to->iso());
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
  append_json_string(out, e.feature_version);
  out += ", \"regime_version\": ";
  append_json_string(out, e.regime_version);
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

std::string regime_effects_json(const causal::DmlResult& dml, double magnitude) {
  std::string out = "{";
  for (std::size_t r = 0; r < dml.regimes.size(); ++r) {
    const auto& re = dml.regimes[r];
    if (r) out += ", ";
    append_json_string(out, re.regime);
    out += ": {\"effect\": ";
    append_number(out, re.effect * magnitude);
    out += ", \"confidence_interval\": [";
    append_number(out, re.ci_low * magnitude);
    out += ", ";
    append_number(out, re.ci_high * magnitude);
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
  diagnostics += ", \"se\": \"" + e.dml.se_type + "\", \"hac_lag\": " + std::to_string(e.dml.hac_lag) +
                 ", \"folds\": " + std::to_string(e.folds) + ", \"embargo\": " + std::to_string(e.embargo) +
                 ", \"from\": \"" + e.from->iso() + "\", \"to\": \"" + e.to->iso() +
                 "\", \"regime_effects_equal_p_value\": ";
  append_number(diagnostics, e.dml.wald_dof > 0 ? e.dml.wald_p_value : 1.0);
  diagnostics += std::string(", \"identified\": ") + (e.identified ? "true" : "false") + ", \"identification\": ";
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

void close_cell_diagnostics(std::string& d, double q_value, const std::vector<double>& regime_q_values, std::size_t family) {
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
  std::string out = "treatment,outcome,horizon,method,learner,effect,se,ci_low,ci_high,p_value,observations\n";
  for (const auto& r : rows) {
    out += r.treatment + "," + r.outcome + "," + std::to_string(r.horizon) + "," + r.method + "," + r.learner + ",";
    for (const double v : {r.effect, r.se, r.ci_low, r.ci_high, r.p_value}) {
      append_number(out, v);
      out += ",";
    }
    out += std::to_string(r.observations) + "\n";
  }
  return out;
}

std::string effect_rows_to_json(const std::vector<store::EffectRow>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i) out += ",\n ";
    out += "{\"treatment\": ";
    append_json_string(out, r.treatment);
    out += ", \"outcome\": ";
    append_json_string(out, r.outcome);
    out += ", \"horizon_months\": " + std::to_string(r.horizon) + ", \"method\": ";
    append_json_string(out, r.method);
    out += ", \"learner\": ";
    append_json_string(out, r.learner);
    out += ", \"effect\": ";
    append_number(out, r.effect);
    out += ", \"confidence_interval\": [";
    append_number(out, r.ci_low);
    out += ", ";
    append_number(out, r.ci_high);
    out += "], \"uncertainty\": ";
    append_number(out, r.se);
    out += ", \"p_value\": ";
    append_number(out, r.p_value);
    out += ", \"observations\": " + std::to_string(r.observations) + ", \"regime_effects\": " +
           r.regime_effects_json + ", \"placebo\": " + r.placebo_json + ", \"diagnostics\": " + r.diagnostics_json +
           "}";
  }
  return out + "]\n";
}

}  // namespace mre::codec
