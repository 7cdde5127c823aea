// The explicit registry of live sources (live_sources.h): one line per provider.
#include "mre/sources/live_sources.h"

namespace mre::sources {
namespace {

LiveFetch fred(HttpClient& http, const LiveEndpoints& endpoints, const SeriesSpec& series,
               std::optional<Date> start, bool vintages) {
  auto fetched = fetch_fred(http, endpoints, series.id, start, vintages);
  return {std::move(fetched.current), std::move(fetched.vintages)};
}

LiveFetch yahoo(HttpClient& http, const LiveEndpoints& endpoints, const SeriesSpec& series,
                std::optional<Date> start, bool /*vintages*/) {
  return {fetch_yahoo(http, endpoints, series.id, start, series.column), {}};
}

LiveFetch worldbank(HttpClient& http, const LiveEndpoints& endpoints, const SeriesSpec& series,
                    std::optional<Date> start, bool /*vintages*/) {
  return {fetch_worldbank(http, endpoints, series.country, series.id, start), {}};
}

}  // namespace

const std::vector<LiveSource>& live_sources() {
  // Rate limits: FRED documents 120 requests a minute; Yahoo publishes none (60 is polite); the
  // World Bank none either (120).
  static const std::vector<LiveSource> sources = {
      {.name = "fred",
       .rate_variable = "MRE_FRED_PER_MINUTE",
       .requests_per_minute = 120,
       .has_vintages = true,
       .fetch = fred},
      {.name = "yahoo",
       .rate_variable = "MRE_YAHOO_PER_MINUTE",
       .requests_per_minute = 60,
       .fetch = yahoo},
      {.name = "worldbank",
       .rate_variable = "MRE_WORLDBANK_PER_MINUTE",
       .requests_per_minute = 120,
       .fetch = worldbank},
  };
  return sources;
}

const LiveSource* find_live_source(std::string_view name) {
  for (const auto& s : live_sources()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string live_source_names() {
  std::string out;
  for (const auto& s : live_sources()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

}  // namespace mre::sources
