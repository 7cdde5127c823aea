// Series <-> JSON.
#include "mre/codec/series_json.h"

#include <nlohmann/json.hpp>

namespace mre::codec {

std::string series_to_json(const TimeSeries& series, std::optional<Timestamp> as_of) {
  return series_document(series, as_of).dump();
}

nlohmann::json series_document(const TimeSeries& series, std::optional<Timestamp> as_of) {
  nlohmann::json out;
  out["ticker"] = series.name();
  out["as_of"] = as_of ? nlohmann::json(as_of->iso()) : nlohmann::json(nullptr);
  auto& obs = out["observations"] = nlohmann::json::array();
  for (std::size_t i = 0; i < series.size(); ++i) {
    obs.push_back({{"date", series.dates()[i].iso()}, {"value", series.values()[i]}});
  }
  return out;
}

std::string revisions_to_json(const std::string& ticker, std::span<const store::RawRow> rows) {
  nlohmann::json out;
  out["ticker"] = ticker;
  auto& list = out["revisions"] = nlohmann::json::array();
  for (const auto& row : rows) {
    list.push_back(
        {{"date", row.date.iso()}, {"value", row.value}, {"ingested_at", row.ingested_at.iso()}});
  }
  return out.dump();
}

std::string series_list_to_json(std::span<const store::SeriesSummary> list) {
  return series_list_document(list).dump();
}

nlohmann::json series_list_document(std::span<const store::SeriesSummary> list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : list) {
    out.push_back({{"ticker", s.ticker},
                   {"asset_class", std::string(asset_class_name(s.asset_class))},
                   {"source", s.source},
                   {"observations", s.observations},
                   {"rows", s.rows},
                   {"first", s.first.iso()},
                   {"last", s.last.iso()},
                   {"last_ingested_at", s.last_ingested_at.iso()}});
  }
  return out;
}

}  // namespace mre::codec
