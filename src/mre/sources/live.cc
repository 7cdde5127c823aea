// See live.h.
#include "mre/sources/live.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "mre/core/error.h"

namespace mre::sources {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what, const std::string& message) {
  throw Error(ErrorCode::kDataError, what + ": " + message);
}

// The response's JSON, or DataError naming `what` for a transport failure, an HTTP error
// (with the service's message when `service_message` finds one), a non-JSON content type or
// malformed JSON.
json body_json(const HttpResponse& r, const std::string& what, const std::string& url,
               std::string (*service_message)(const json&)) {
  if (r.status == 0) fail(what, "no response from " + redact_url(url) + " (" + r.error + ")");
  json j;
  bool parsed = false;
  try {
    j = json::parse(r.body);
    parsed = true;
  } catch (const json::exception&) {
  }
  if (r.status < 200 || r.status >= 300) {
    const std::string message = parsed && service_message ? service_message(j) : "";
    fail(what, "HTTP " + std::to_string(r.status) + " from " + redact_url(url) +
                   (message.empty() ? "" : ": " + message));
  }
  if (r.content_type.find("json") == std::string::npos) {
    fail(what,
         "expected JSON from " + redact_url(url) + ", got content type '" + r.content_type + "'");
  }
  if (!parsed)
    fail(what, "malformed JSON from " + redact_url(url) + " (" + std::to_string(r.body.size()) +
                   " bytes)");
  return j;
}

std::string fred_message(const json& j) {
  if (j.is_object() && j.contains("error_message") && j["error_message"].is_string())
    return j["error_message"].get<std::string>();
  return "";
}

std::string yahoo_message(const json& j) {
  try {
    const auto& e = j.at("chart").at("error");
    if (e.is_object())
      return e.value("code", std::string()) + ": " + e.value("description", std::string());
  } catch (const json::exception&) {
  }
  return "";
}

std::string worldbank_message(const json& j) {
  try {
    if (j.is_array() && !j.empty() && j[0].contains("message")) {
      const auto& m = j[0]["message"][0];
      return m.value("key", std::string()) + ": " + m.value("value", std::string());
    }
  } catch (const json::exception&) {
  }
  return "";
}

Date parse_date(const std::string& text, const std::string& what) {
  const auto d = Date::parse(text);
  if (!d) fail(what, "bad date '" + text + "' in the response");
  return *d;
}

// Days since 1970-01-01 of the plausible range's ends (see PlausibleDates in live.h).
std::int64_t earliest_day() { return Date::from_ymd(1800, 1, 1).days_since_epoch(); }
std::int64_t latest_day() {
  return static_cast<std::int64_t>(std::time(nullptr)) / 86400 + kMaxDaysInFuture;
}

// An observation dated `day` (days since the epoch, not yet narrowed to a Date) from `what`:
// DataError outside [1800-01-01, today + kMaxDaysInFuture], so nothing of the series is stored.
Date plausible_date(std::int64_t day, const std::string& what, const std::string& shown) {
  if (day < earliest_day() || day > latest_day()) {
    fail(what, "observation date " + shown + " is outside the plausible range 1800-01-01 .. " +
                   Date::from_days(static_cast<std::int32_t>(latest_day())).iso() + " (today + " +
                   std::to_string(kMaxDaysInFuture) +
                   " days): the response is corrupt; nothing of this series was stored");
  }
  return Date::from_days(static_cast<std::int32_t>(day));
}
Date plausible_date(Date d, const std::string& what) {
  return plausible_date(d.days_since_epoch(), what, d.iso());
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

TimeSeries to_series(const std::string& name, const std::map<Date, double>& rows) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& [d, v] : rows) {
    dates.push_back(d);
    values.push_back(v);
  }
  return TimeSeries(name, std::move(dates), std::move(values));
}

std::int64_t epoch_seconds(Date d) {
  return static_cast<std::int64_t>(d.days_since_epoch()) * 86400;
}

}  // namespace

LiveEndpoints endpoints_from_environment() {
  LiveEndpoints e;
  e.fred = env_or("MRE_FRED_URL", e.fred);
  e.yahoo = env_or("MRE_YAHOO_URL", e.yahoo);
  e.worldbank = env_or("MRE_WORLDBANK_URL", e.worldbank);
  e.fred_api_key = env_or("FRED_API_KEY", "");
  return e;
}

FredSeries fetch_fred(HttpClient& http, const LiveEndpoints& endpoints,
                      const std::string& series_id, std::optional<Date> start, bool vintages) {
  const std::string what = "FRED series " + series_id;
  if (endpoints.fred_api_key.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                what +
                    ": FRED_API_KEY is not set (a free key: "
                    "https://fred.stlouisfed.org/docs/api/api_key.html)");
  }
  FredSeries out;
  std::map<Date, double> current;
  std::int64_t offset = 0;
  for (;;) {
    std::string url = endpoints.fred + "/series/observations?series_id=" + url_encode(series_id) +
                      "&api_key=" + url_encode(endpoints.fred_api_key) +
                      "&file_type=json&limit=100000&offset=" + std::to_string(offset);
    if (start) url += "&observation_start=" + start->iso();
    if (vintages) url += "&realtime_start=1776-07-04&realtime_end=9999-12-31";
    const json j = body_json(http.get(url), what, url, fred_message);
    try {
      const auto& obs = j.at("observations");
      for (const auto& o : obs) {
        const std::string value = o.at("value").get<std::string>();
        if (value == ".") continue;
        double v = 0;
        try {
          std::size_t used = 0;
          v = std::stod(value, &used);
          if (used != value.size() || !std::isfinite(v)) throw std::invalid_argument(value);
        } catch (const std::exception&) {
          fail(what, "value '" + value + "' is not a number");
        }
        const Date date = plausible_date(parse_date(o.at("date").get<std::string>(), what), what);
        if (vintages)
          out.vintages.push_back(
              {date, v, parse_date(o.at("realtime_start").get<std::string>(), what)});
        if (!vintages || o.at("realtime_end").get<std::string>() == "9999-12-31") current[date] = v;
      }
      const auto count = j.value("count", static_cast<std::int64_t>(obs.size()));
      offset += static_cast<std::int64_t>(obs.size());
      if (obs.empty() || offset >= count) break;
    } catch (const json::exception& e) {
      fail(what, std::string("unexpected response shape (") + e.what() + ")");
    }
  }
  out.current = to_series(series_id, current);
  std::sort(out.vintages.begin(), out.vintages.end(), [](const Vintage& a, const Vintage& b) {
    return std::tie(a.date, a.published) < std::tie(b.date, b.published);
  });
  return out;
}

TimeSeries fetch_yahoo(HttpClient& http, const LiveEndpoints& endpoints, const std::string& symbol,
                       std::optional<Date> start, const std::string& column) {
  const std::string what = "Yahoo symbol " + symbol;
  const Date from = start.value_or(Date::from_ymd(1900, 1, 1));
  // The end of the window: midnight UTC two days ahead, so the URL (and a cached response's
  // key) stays the same all day.
  const std::int64_t now = (static_cast<std::int64_t>(std::time(nullptr)) / 86400 + 2) * 86400;
  const std::string url =
      endpoints.yahoo + "/v8/finance/chart/" + url_encode(symbol) +
      "?period1=" + std::to_string(std::max<std::int64_t>(0, epoch_seconds(from))) +
      "&period2=" + std::to_string(now) + "&interval=1d&events=div%2Csplits";
  const json j = body_json(http.get(url), what, url, yahoo_message);
  std::map<Date, double> rows;
  try {
    const auto& chart = j.at("chart");
    if (!chart.at("error").is_null()) fail(what, yahoo_message(j));
    const auto& result = chart.at("result").at(0);
    const std::int64_t gmtoffset =
        result.at("meta").value("gmtoffset", static_cast<std::int64_t>(0));
    if (!result.contains("timestamp"))
      return TimeSeries(symbol, {}, {});  // no trading days in the window
    const auto& stamps = result.at("timestamp");
    const auto& indicators = result.at("indicators");
    const json* prices = nullptr;
    if (!column.empty()) prices = &indicators.at("quote").at(0).at(column);
    if (!prices && indicators.contains("adjclose") && !indicators["adjclose"].empty())
      prices = &indicators["adjclose"][0]["adjclose"];
    if (!prices) prices = &indicators.at("quote").at(0).at("close");
    if (prices->size() != stamps.size()) fail(what, "timestamps and prices differ in length");
    for (std::size_t i = 0; i < stamps.size(); ++i) {
      if ((*prices)[i].is_null()) continue;
      const double v = (*prices)[i].get<double>();
      if (!std::isfinite(v)) continue;
      const std::int64_t stamp = stamps[i].get<std::int64_t>();
      // Checked before any arithmetic or narrowing: a corrupt stamp may be near INT64_MAX.
      constexpr std::int64_t kLimit = std::int64_t{1} << 50;
      if (stamp < -kLimit || stamp > kLimit || gmtoffset < -86400 || gmtoffset > 86400) {
        fail(what, "timestamp " + std::to_string(stamp) + " (gmtoffset " +
                       std::to_string(gmtoffset) +
                       ") is outside the plausible range: the response is corrupt; nothing of this "
                       "series was stored");
      }
      const std::int64_t local = stamp + gmtoffset;
      const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
      const Date d = plausible_date(
          day, what,
          "of timestamp " + std::to_string(stamp) + " (about year " +
              std::to_string(1970 +
                             static_cast<std::int64_t>(static_cast<double>(day) / 365.2425)) +
              ")");
      if (d >= from) rows[d] = v;
    }
  } catch (const json::exception& e) {
    fail(what, std::string("unexpected response shape (") + e.what() + ")");
  }
  return to_series(symbol, rows);
}

TimeSeries fetch_worldbank(HttpClient& http, const LiveEndpoints& endpoints,
                           const std::string& country, const std::string& indicator,
                           std::optional<Date> start, int per_page) {
  const std::string what = "World Bank indicator " + indicator + " (" + country + ")";
  std::map<Date, double> rows;
  int pages = 1;
  for (int page = 1; page <= pages; ++page) {
    std::string url = endpoints.worldbank + "/v2/country/" + url_encode(country) + "/indicator/" +
                      url_encode(indicator) + "?format=json&per_page=" + std::to_string(per_page) +
                      "&page=" + std::to_string(page);
    if (start) url += "&date=" + std::to_string(start->year()) + ":2100";
    const json j = body_json(http.get(url), what, url, worldbank_message);
    try {
      if (!j.is_array() || j.empty())
        fail(what, "unexpected response shape (not a [meta, data] array)");
      if (j[0].contains("message")) fail(what, worldbank_message(j));
      pages = j[0].at("pages").get<int>();
      if (j.size() < 2 || j[1].is_null()) break;  // no data
      for (const auto& o : j[1]) {
        if (o.at("value").is_null()) continue;
        const std::string year = o.at("date").get<std::string>();
        const Date d = plausible_date(parse_date(year + "-12-31", what), what);
        rows[d] = o.at("value").get<double>();
      }
    } catch (const json::exception& e) {
      fail(what, std::string("unexpected response shape (") + e.what() + ")");
    }
  }
  return to_series(indicator, rows);
}

}  // namespace mre::sources
