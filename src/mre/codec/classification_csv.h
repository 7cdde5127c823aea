// The CSV that `mre classify historical` writes (MR-IMPL-06): the input columns as they were,
// then each row's MR-DS-02 result columns. Appends to a caller's buffer (the workflow streams it
// out in 1 MiB pieces); the probability objects are the MR-DS-02 JSON, quoted as a CSV field.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mre/regimes/hierarchical/classifier.h"

namespace mre::codec {

// One CSV field: as it is, or quoted (RFC 4180, quotes doubled) when it holds a comma, quote or
// line break.
void append_csv_field(std::string& out, std::string_view field);

// The header line: the input's columns, then the result columns (and `explanation` when asked).
// The result columns end with issue 18's coverage: `indicators_used`, one `<indicator>_age_days`
// per MR-DS-01 indicator in its order, and `indicators_stale`.
void append_classification_csv_header(std::string& out, const std::vector<std::string>& input,
                                      bool explain);

// A classified row: the input record exactly as it was (`input_record`, without its line end),
// the global model's label, confidence and probabilities, the contextual (MUNI) model's when
// `muni` (empty cells otherwise), the volatility regime, VIX (empty when missing), the number of
// indicators used, each indicator's age in days and the number of stale indicators (`ages`: the
// ten MR-DS-01 indicators; empty, or an unknown age: empty cells), and `explanation` when
// `explain`.
void append_classification_csv_row(
    std::string& out, std::string_view input_record,
    const regimes::hierarchical::HierarchicalModel& model,
    const regimes::hierarchical::Classification& result, bool muni, bool explain,
    std::string_view explanation,
    std::span<const regimes::hierarchical::IndicatorCoverage> ages = {});

// A row with too few indicators to classify (issue 18): the input record, empty result cells,
// the count of indicators present and the ages as above.
void append_unclassified_csv_row(
    std::string& out, std::string_view input_record, int present, bool explain,
    std::span<const regimes::hierarchical::IndicatorCoverage> ages = {});

}  // namespace mre::codec
