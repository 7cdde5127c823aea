// JSON (and CSV) of causal effects (seed 001): one estimate as `mre effects estimate --format
// json` and POST /api/causal-analysis print it, the stored grid's rows, and the per-cell JSON
// columns a grid stores (regime effects, placebos, diagnostics). The workflow fills the report
// (workflows/effects.h); nothing here computes beyond scaling by the magnitude.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/causal/placebo.h"
#include "mre/causal/robustness.h"
#include "mre/causal/xlearner.h"
#include "mre/core/date.h"
#include "mre/store/store.h"

namespace mre::codec {

// Issue 24: the conformal interval for the outcome at the query's controls (`mre effects estimate
// --uncertainty neural`, workflows/effects_uncertainty.h), already at the query's magnitude.
struct IntervalFigures {
  double coverage = 0.0;
  double mean_width = 0.0;
  long long rows = 0;
};
struct OutcomeInterval {
  double level = 0.9;
  std::string scale{};  // "neural" | "constant": what sigma(x) is
  std::string at{};     // ISO date of the query's controls
  double treatment = 0.0;
  double prediction = 0.0;
  double low = 0.0;
  double high = 0.0;
  double sigma = 0.0;         // the predicted scale at the query's controls
  double quantile = 0.0;      // the conformal quantile of |r| / sigma
  double constant_low = 0.0;  // the constant-variance baseline (sigma = 1), same calibration
  double constant_high = 0.0;
  long long calibration_rows = 0;
  std::string calibration_from{};
  std::string calibration_to{};
  // Rolling out-of-sample check: networks trained before block k - 1, calibrated on it, judged
  // on block k.
  std::string check_from{};
  std::string check_to{};
  IntervalFigures check_neural{};
  IntervalFigures check_constant{};
  int networks = 0;  // scale networks trained
  // Out of fold on every row: the Gaussian NLL of the residuals under sigma(x) and under each
  // fold's constant scale (NaN for scale "constant").
  double out_of_fold_nll = 0.0;
  double out_of_fold_nll_constant = 0.0;
  std::string meaning{};
};

// One estimate as encoded: the DML result (or the X-learner's) per unit of the treatment, with
// what the reader needs beside it.
struct EffectReport {
  std::string treatment{};
  std::string outcome{};
  int horizon = 0;
  double magnitude = 1.0;
  std::string method{};  // dml | xlearner
  std::string learner{};
  int folds = 0;
  int embargo = 0;
  bool identified = false;
  std::string identification{};
  causal::DmlResult dml{};                           // method dml
  std::optional<causal::XLearnerResult> xlearner{};  // method xlearner
  std::vector<causal::Placebo> placebos{};           // already per `magnitude`
  std::optional<causal::Robustness> robustness{};
  long long observations = 0;  // rows of the panel
  std::optional<Date> from{};  // the panel's first and last dates
  std::optional<Date> to{};
  std::optional<Date> latest{};  // the newest date with a treatment (and regime probabilities)
  std::vector<double> latest_regime_probabilities{};
  std::vector<std::string> latest_regime_names{};
  std::string feature_version{};
  std::string regime_version{};
  std::vector<std::string> notes{};
  std::string explanation{};                             // narrative/effect_explanation.h
  std::optional<OutcomeInterval> prediction_interval{};  // only when asked for
};

// {"causal_analysis": {...}, "explanation": ..., "methodology": ..., "diagnostics": {...}}, as
// `mre effects estimate --format json` prints it (", "-separated, in this order).
std::string effect_to_json(const EffectReport& report);

// The event study on announcement days beside the monthly figure (POST /api/causal-analysis),
// per the query's magnitude; or why it could not be computed.
struct CausalEventStudy {
  std::string error{};  // non-empty: only this is reported
  double effect = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;  // HC1
  long long events = 0;
  double per_25bp = 0.0;
};
// Seed 001's answer: the estimate's JSON with the request's treatment, the note when another
// treatment answered it, the event study, the query text and the narrative.
struct CausalAnswerReport {
  EffectReport effect{};
  std::string requested_treatment{};
  std::string treatment_note{};  // empty: answered from the treatment asked for
  std::optional<CausalEventStudy>
      event_study{};         // nullopt: none for this treatment and asset (null)
  std::string query_text{};  // empty: not echoed
  std::string narrative{};
};
// One JSON object, compact, keys sorted (the API's form).
std::string causal_answer_to_json(const CausalAnswerReport& report);
// The same as a document (keys sorted): causal_answer_to_json is its dump(), and
// POST /api/causal-analysis encodes it once, as that JSON or as CSV.
nlohmann::json causal_answer_document(const CausalAnswerReport& report);

// {"outcome": learner, "treatment": learner, "candidates": [...], "warnings": [...]}.
std::string nuisance_json(const causal::DmlResult& dml);
// {"fragile": ..., "reason": ..., "checks": [...]}, the checks' effects times `magnitude`.
std::string robustness_json(const causal::Robustness& robustness, double magnitude);
// A grid cell's stored columns: {"regime": {"effect", "confidence_interval", "p_value"}} per
// unit times `magnitude`, and [{"kind", "effect", "p_value"}].
std::string regime_effects_json(const causal::DmlResult& dml, double magnitude);
std::string placebos_json(const std::vector<causal::Placebo>& placebos);
// A grid cell's diagnostics object, left open for the grid's multiple-testing figures, which
// close_cell_diagnostics appends and closes. REQUIRES: report.from and report.to.
std::string open_cell_diagnostics(const EffectReport& report, const causal::Robustness& robustness);
void close_cell_diagnostics(std::string& diagnostics, double q_value,
                            const std::vector<double>& regime_q_values, std::size_t family);

// The rows of a stored effects version as CSV or JSON.
std::string effect_rows_to_csv(const std::vector<store::EffectRow>& rows);
std::string effect_rows_to_json(const std::vector<store::EffectRow>& rows);
// The rows as a document, keys in that order, each row's stored regime effects, placebos and
// diagnostics read into it (empty: null; DataError naming the row for a stored text that is not
// JSON). effect_rows_to_json is effect_rows_text of it.
nlohmann::ordered_json effect_rows_document(const std::vector<store::EffectRow>& rows);
// The rows' layout: one row a line (append_spaced_json), in [ ], with a final newline.
std::string effect_rows_text(const nlohmann::ordered_json& document);

}  // namespace mre::codec
