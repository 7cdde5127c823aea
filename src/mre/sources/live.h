// The live sources (issue 10): FRED's series/observations (and ALFRED's vintages), Yahoo
// Finance's chart API, the World Bank's v2 indicators API, each parsed from its documented
// JSON into core types. Base URLs come from the environment so tests point at loopback:
// MRE_FRED_URL (the part before /series/observations), MRE_YAHOO_URL (before
// /v8/finance/chart/SYMBOL), MRE_WORLDBANK_URL (before /v2/country/...); FRED's key from
// FRED_API_KEY. Errors are DataError naming the source and the series, with the service's
// own message when it sent one, and never the API key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/time_series.h"
#include "mre/sources/http.h"

namespace mre::sources {

// Observations dated before 1800-01-01 or more than kMaxDaysInFuture days after the ingest
// (the machine's clock) are a corrupt response: the fetch fails with DataError naming the
// series and the date, so the ingest reports that series as failed and stores none of it.
inline constexpr int kMaxDaysInFuture = 7;

struct LiveEndpoints {
  std::string fred = "https://api.stlouisfed.org/fred";
  std::string yahoo = "https://query1.finance.yahoo.com";
  std::string worldbank = "https://api.worldbank.org";
  std::string fred_api_key{};
};
// The defaults above overridden by MRE_FRED_URL, MRE_YAHOO_URL, MRE_WORLDBANK_URL, FRED_API_KEY.
LiveEndpoints endpoints_from_environment();

// One observation as first known from a date on (ALFRED's realtime_start).
struct Vintage {
  Date date{};
  double value = 0.0;
  Date published{};
};

struct FredSeries {
  TimeSeries current{};             // today's values
  std::vector<Vintage> vintages{};  // every vintage, when asked for
};
// Observations from `start` (all when absent); with `vintages`, every vintage since the
// series began (realtime_start 1776-07-04 .. 9999-12-31). "." (missing) values are skipped.
FredSeries fetch_fred(HttpClient& http, const LiveEndpoints& endpoints,
                      const std::string& series_id, std::optional<Date> start, bool vintages);

// Daily adjusted closes (closes when the chart has no adjclose; `column`: that quote field -
// open, high, low, close) from `start`, dated in the exchange's time zone.
TimeSeries fetch_yahoo(HttpClient& http, const LiveEndpoints& endpoints, const std::string& symbol,
                       std::optional<Date> start, const std::string& column = {});

// Annual values of an indicator for one country, dated 31 December of their year, from
// `start`'s year; every page of the response.
TimeSeries fetch_worldbank(HttpClient& http, const LiveEndpoints& endpoints,
                           const std::string& country, const std::string& indicator,
                           std::optional<Date> start, int per_page = 1000);

}  // namespace mre::sources
