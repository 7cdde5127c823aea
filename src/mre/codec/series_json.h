// JSON forms of series data for the CLI and the API (nlohmann::json stays in the .cc).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mre/store/store.h"

namespace mre::codec {

// {"ticker": ..., "as_of": ... | null, "observations": [{"date": ..., "value": ...}, ...]}
std::string series_to_json(const TimeSeries& series, std::optional<Timestamp> as_of);
// The same as a document (the API encodes it as JSON or CSV; series_to_json is its dump()).
nlohmann::json series_document(const TimeSeries& series, std::optional<Timestamp> as_of);
// {"ticker": ..., "revisions": [{"date", "value", "ingested_at"}, ...]}
std::string revisions_to_json(const std::string& ticker, std::span<const store::RawRow> rows);
// [{"ticker", "asset_class", "source", "observations", "rows", "first", "last",
// "last_ingested_at"}]
std::string series_list_to_json(std::span<const store::SeriesSummary> list);
nlohmann::json series_list_document(std::span<const store::SeriesSummary> list);

}  // namespace mre::codec
