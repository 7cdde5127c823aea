// JSON forms of series data for the CLI and the API (nlohmann::json stays in the .cc).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mre/store/store.h"

namespace mre::codec {

// {"ticker": ..., "as_of": ... | null, "observations": [{"date": ..., "value": ...}, ...]}
std::string series_to_json(const TimeSeries& series, std::optional<Timestamp> as_of);
// {"ticker": ..., "revisions": [{"date", "value", "ingested_at"}, ...]}
std::string revisions_to_json(const std::string& ticker, std::span<const store::RawRow> rows);
// [{"ticker", "asset_class", "source", "observations", "rows", "first", "last",
// "last_ingested_at"}]
std::string series_list_to_json(std::span<const store::SeriesSummary> list);

}  // namespace mre::codec
