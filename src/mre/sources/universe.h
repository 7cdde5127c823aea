// The universe config (config/universe.yml): every series the product knows, where it comes
// from, its asset class, frequency and publication lag. The catalogue every stage consults.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/asset_class.h"
#include "mre/core/date.h"

namespace mre::sources {

// kEvent: irregular dates (one per announcement), never carried forward to other dates.
enum class SeriesFrequency { kDaily, kWeekly, kMonthly, kQuarterly, kAnnual, kEvent };

std::string_view frequency_name(SeriesFrequency frequency);

struct SeriesSpec {
  std::string ticker;  // our name, unique in the universe
  AssetClass asset_class = AssetClass::kMacro;
  std::string source;   // live provider: fred | yahoo | worldbank | csv; research = bundled only
                        // (sources/research_files.h; `id` names the file's column)
  std::string id;       // id at the live provider
  std::string country;  // worldbank: the ISO2 country (default US)
  std::string column;   // yahoo/snapshot: the price column read (open, high, low, close); empty:
                        // the adjusted close when present, else the close
  std::filesystem::path file;  // absolute path of the snapshot file; empty when unavailable
  bool available = false;      // the snapshot has a file for it
  SeriesFrequency frequency = SeriesFrequency::kDaily;
  int publication_lag_days = 0;  // calendar days from observation date to publication
  std::string unit;
  std::string description;
  // The date the series ended (a research data set's last update): past it the series is
  // complete, not stale, and no freshness check should flag it (the staleness rule below).
  std::optional<Date> ended{};
  // Staleness (issue 18; the rule below): extra calendar days allowed before the series counts
  // as stale (optional `stale_grace_days`, default 3: a weekend plus a holiday).
  int stale_grace_days = 3;
};

// The one staleness rule (the dashboard, the classifier's coverage report, `mre monitor`): a
// series is stale on `as_of` when its last observation is older than one period of its
// frequency (1, 7, 31, 92 or 366 days) plus its publication lag plus its grace, in calendar
// days; an ended series is never stale.
int staleness_allowance_days(const SeriesSpec& spec);
bool is_stale(const SeriesSpec& spec, Date last_observation, Date as_of);

struct Universe {
  std::filesystem::path path;          // the config file it was read from
  std::filesystem::path snapshot_dir;  // absolute
  std::vector<SeriesSpec> series;

  // nullptr when the ticker is not in the universe.
  const SeriesSpec* find(std::string_view ticker) const;
};

// Reads and validates the file. Errors (InvalidArgument, "FILE:LINE: series[i] (TICKER): ...")
// for a missing field, an unknown asset class, source or frequency, a negative lag, a duplicate
// ticker, or an available series whose file does not exist; IoError when the file cannot be read.
Universe load_universe(const std::filesystem::path& path);

// Where the universe is when none is named: $MRE_UNIVERSE, else ./config/universe.yml, else the
// one in the source tree this binary was built from.
std::filesystem::path default_universe_path();

}  // namespace mre::sources
