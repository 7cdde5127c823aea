// See classification_csv.h.
#include "mre/codec/classification_csv.h"

#include <cmath>

#include "mre/codec/classifier_json.h"

namespace mre::codec {

namespace hier = regimes::hierarchical;

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\n\r") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_classification_csv_header(std::string& out, const std::vector<std::string>& input,
                                      bool explain) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (i) out += ',';
    append_csv_field(out, input[i]);
  }
  out +=
      ",global_macro_regime_label,global_macro_confidence_score,global_macro_regime_probabilities,"
      "contextual_regime_label,contextual_regime_confidence_score,contextual_regime_probabilities,"
      "volatility_regime,volatility_index_value,indicators_used";
  for (const auto& name : hier::mr_ds_01_indicators()) {
    out += ',';
    out += name;
    out += "_age_days";
  }
  out += ",indicators_stale";
  if (explain) out += ",explanation";
  out += '\n';
}

namespace {

// The ten `<indicator>_age_days` cells and `indicators_stale`, each after a comma (empty when
// unknown).
void append_age_cells(std::string& out, std::span<const hier::IndicatorCoverage> ages) {
  const std::size_t n = hier::mr_ds_01_indicators().size();
  int stale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    out += ',';
    if (i < ages.size() && ages[i].age_days) out += std::to_string(*ages[i].age_days);
    if (i < ages.size() && ages[i].stale) ++stale;
  }
  out += ',';
  if (!ages.empty()) out += std::to_string(stale);
}

}  // namespace

void append_classification_csv_row(std::string& out, std::string_view input_record,
                                   const hier::HierarchicalModel& model,
                                   const hier::Classification& result, bool muni, bool explain,
                                   std::string_view explanation,
                                   std::span<const hier::IndicatorCoverage> ages) {
  out += input_record;  // the input columns exactly as they were
  // label, confidence and the probability object (quoted for CSV) of one model.
  const auto cells = [&](const hier::ModelDefinition& definition, const hier::ComponentOutput& o) {
    out += ',';
    out += definition.profiles[static_cast<std::size_t>(o.label)].label;
    out += ',';
    append_probability(out, o.confidence);
    out += ",\"";
    append_probabilities(out, definition, o, "\"\"");
    out += '"';
  };
  cells(model.global.definition, result.global);
  if (muni) {
    cells(model.muni.definition, result.muni);
  } else {
    out += ",,,";
  }
  out += ',';
  out += result.volatility_regime;
  out += ',';
  if (!std::isnan(result.vix)) append_number(out, result.vix);
  out += ',';
  out += std::to_string(result.global.indicators_used);
  append_age_cells(out, ages);
  if (explain) {
    out += ',';
    append_csv_field(out, explanation);
  }
  out += '\n';
}

void append_unclassified_csv_row(std::string& out, std::string_view input_record, int present,
                                 bool explain, std::span<const hier::IndicatorCoverage> ages) {
  out += input_record;
  out += ",,,,,,,,,";
  out += std::to_string(present);
  append_age_cells(out, ages);
  if (explain) out += ',';
  out += '\n';
}

}  // namespace mre::codec
