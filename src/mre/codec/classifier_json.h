// The hierarchical classifier as JSON: the stored model (both HMMs, training statistics,
// mappings), the carried filter state, and the MR-DS-02 real-time output. The probability
// objects are written by one function for both the real-time JSON and the historical CSV cells
// (shortest round-trip decimals), so the two modes print identical text for the same numbers.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mre/regimes/hierarchical/backfill.h"
#include "mre/regimes/hierarchical/classifier.h"

namespace mre::codec {

std::string classifier_model_to_json(const regimes::hierarchical::HierarchicalModel& model);
// Throws InvalidArgument naming `source` and the field for malformed documents.
regimes::hierarchical::HierarchicalModel classifier_model_from_json(const std::string& text,
                                                                    const std::string& source);

// {"global": [...], "muni": [...], "values": [...]}: the filtered state probabilities and the
// observation that produced them (NaN written as null), so the current labels can be shown again.
std::string filter_state_to_json(const regimes::hierarchical::FilterState& state,
                                 const std::vector<double>& values = {});
regimes::hierarchical::FilterState filter_state_from_json(const std::string& text,
                                                          const std::string& source);
// The "values" of a state document (empty when absent; null reads as NaN).
std::vector<double> filter_state_values_from_json(const std::string& text,
                                                  const std::string& source);

// One real-time input observation: {"timestamp": "...", "instrument_type": "...", and each
// indicator by name as a number (also accepted under "indicators": {...})}. DataError naming
// `source` and the field: not JSON, no timestamp string, a missing indicator (named), a
// non-number or non-finite value, a non-string instrument_type.
struct ObservationJson {
  std::string timestamp{};
  std::vector<double> values{};  // in `indicators` order
  std::string instrument_type{};
};
ObservationJson observation_from_json(const std::string& text, const std::string& source,
                                      const std::vector<std::string>& indicators);

// Appends a double in the shortest form that reads back to the same value.
void append_number(std::string& out, double value);
// Appends a probability in [0, 1] rounded to 6 decimals, trailing zeros dropped ("0.914801",
// "0.0852", "1", "0"): regime probabilities are not meaningful beyond that, and the fixed form
// is several times faster to write than the shortest round-trip form (historical mode writes
// millions). Each probability object still sums to 1 within 6 x 5e-7 (MR-VR-01: 0.01).
void append_probability(std::string& out, double p);
// Appends {"Label": p, ...} over the definition's labels in MR-DS-02 order. `quote` is what
// each JSON quote is written as: "\"\"" gives the object's text inside a quoted CSV cell.
void append_probabilities(std::string& out,
                          const regimes::hierarchical::ModelDefinition& definition,
                          const regimes::hierarchical::ComponentOutput& output,
                          std::string_view quote = "\"");
// Appends `text` as a JSON string (quotes and escapes).
void append_json_string(std::string& out, std::string_view text);

// Appends `value` in the layout the hand-written encoders here write: one line, ", " between
// items and ": " after keys, strings as append_json_string, integers in decimal, floats as
// append_number (with `fixed`, in fixed notation: how append_probability writes a probability
// rounded to 6 decimals), a float that is not finite as null. Keys in the document's order.
void append_spaced_json(std::string& out, const nlohmann::ordered_json& value, bool fixed = false);

// The MR-DS-02 object (one line; probabilities and confidences via append_probability):
// data_timestamp, global_macro_regime, contextual_regime (only when `muni`, regime_type
// "MUNI_SPECIFIC"), volatility_classification; plus "explanation" when non-empty; plus, when
// `coverage` holds the ten MR-DS-01 indicators (issue 18), "coverage": {"indicators_used": N,
// "indicators_stale": S, "indicators": {"<name>": {"used": bool, "age_days": int|null, "stale":
// bool}, ...}} in MR-DS-01 order.
std::string classification_to_json(
    std::string_view timestamp, const regimes::hierarchical::HierarchicalModel& model,
    const regimes::hierarchical::Classification& result, bool muni,
    std::string_view explanation = {},
    std::span<const regimes::hierarchical::IndicatorCoverage> coverage = {});
// The same as a document (probabilities rounded to 6 decimals, as the text has them):
// classification_to_json is classification_text of it.
nlohmann::ordered_json classification_document(
    std::string_view timestamp, const regimes::hierarchical::HierarchicalModel& model,
    const regimes::hierarchical::Classification& result, bool muni,
    std::string_view explanation = {},
    std::span<const regimes::hierarchical::IndicatorCoverage> coverage = {});
// An MR-DS-02 document as its one-line text (append_spaced_json, floats in fixed notation).
std::string classification_text(const nlohmann::ordered_json& document);

// The diagnostics of a classifier backfill (issue 18), stored with its regime version:
// {"kind": "classifier_backfill", "approved": false, "refits": [{"from", "rows", "trained_to",
// "log_likelihood", "start_log_likelihoods", "starts_at_best", "best_start", "iterations",
// "converged", "muni_converged", "churn", "churn_rows", "model": {...}}, ...]}. "refits" has the
// shape `regimes show` reads for the iteration-limit warning.
std::string backfill_diagnostics_to_json(const regimes::hierarchical::BackfillResult& result);
// The retrains back (models parsed); InvalidArgument naming `source` for malformed documents.
std::vector<regimes::hierarchical::BackfillRetrain> backfill_retrains_from_json(
    const std::string& text, const std::string& source);

}  // namespace mre::codec
