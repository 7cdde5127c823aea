// Keeping a store current from the live services (issue 10): for each ticker of the universe
// whose source is FRED, Yahoo or the World Bank, fetch from the last stored date minus an
// overlap window (so revisions are caught), or from --since, or everything; write each series
// in its own transaction (a failing series writes nothing and does not stop the others). With
// vintages, FRED series come from ALFRED with every revision stored as of its publication.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct LiveIngestOptions {
  std::filesystem::path universe_path{};
  std::vector<std::string> sources{};  // fred, yahoo, worldbank (empty: all three)
  std::vector<std::string> tickers{};  // empty: every ticker of those sources
  std::optional<Date> since{};         // fetch from here instead of the incremental start
  bool vintages = false;               // FRED: every ALFRED vintage, stored as published
  std::filesystem::path cache_dir{};   // raw response bodies, for replay
  std::filesystem::path replay_dir{};  // answer requests from an earlier run's cache (offline)
};

struct LiveSeriesReport {
  std::string ticker{};
  std::string source{};
  std::string id{};
  std::optional<Date> start{};  // where the fetch started (none: the whole history)
  std::size_t fetched = 0;      // observations (or vintage rows) received
  std::size_t inserted = 0;
  std::size_t revised = 0;
  std::size_t unchanged = 0;
  std::string error{};  // empty: ok
};

struct LiveIngestReport {
  std::vector<LiveSeriesReport> series{};
  std::size_t failed() const;
};

// Calls progress(done, total, ticker) before each series. Throws only for bad options
// (InvalidArgument: unknown source, a ticker outside the universe or of another source) and
// store failures; a series' fetch or parse failure is recorded in its report.
LiveIngestReport ingest_live(
    store::Store& store, const LiveIngestOptions& options,
    const std::function<void(std::size_t, std::size_t, const std::string&)>& progress = {});

// The overlap re-fetched before the last stored date, by frequency (daily 14 days, weekly 8
// weeks, monthly 13 months, quarterly 2 years, annual 3 years).
int overlap_days(const std::string& frequency);

}  // namespace mre::workflows
