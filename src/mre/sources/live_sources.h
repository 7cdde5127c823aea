// The registry of live sources (fred, yahoo, worldbank): one entry per provider with its typed
// settings (the rate-limit default and the variable that overrides it, whether it serves
// vintages) and the one function that fetches a universe series from it. universe.yml's
// `source:`, `mre ingest --source` and the live ingest all dispatch through it.
// A new live source: its fetch function (live.h/.cc or a file of its own) and one line in
// live_sources.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mre/core/date.h"
#include "mre/sources/live.h"
#include "mre/sources/universe.h"

namespace mre::sources {

struct LiveFetch {
  TimeSeries current{};             // the values as of now
  std::vector<Vintage> vintages{};  // every vintage, when asked for and the source has them
};

struct LiveSource {
  std::string_view name{};           // as written in universe.yml's `source:` and --source
  std::string_view rate_variable{};  // the environment variable overriding the rate limit
  double requests_per_minute = 60;   // the default rate limit (the service's documented one)
  bool has_vintages = false;         // --vintages applies
  // Fetches `series` from `start` (everything when absent); `vintages` only when has_vintages.
  LiveFetch (*fetch)(HttpClient& http, const LiveEndpoints& endpoints, const SeriesSpec& series,
                     std::optional<Date> start, bool vintages) = nullptr;
};

// Every live source, in the order `--source all` fetches them.
const std::vector<LiveSource>& live_sources();
// nullptr when `name` is not a live source.
const LiveSource* find_live_source(std::string_view name);
// "fred, yahoo, worldbank", for messages.
std::string live_source_names();

}  // namespace mre::sources
