// Tests for mre::sources::load_universe on the real config/universe.yml and on the bad
// fixtures of tests/data/sources/universe, plus the asset-class names it relies on.
#include "mre/sources/universe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "mre/core/asset_class.h"
#include "mre/core/error.h"
#include "mre/sources/csv_files.h"
#include "mre/sources/research_files.h"
#include "support/test_support.h"

namespace mre::sources {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  return testing::source_dir() / "tests" / "data" / "sources" / "universe" / name;
}

constexpr AssetClass kAllClasses[] = {
    AssetClass::kEquity,    AssetClass::kRates,      AssetClass::kFx,    AssetClass::kCredit,
    AssetClass::kCommodity, AssetClass::kVolatility, AssetClass::kMacro, AssetClass::kShocks};

TEST(AssetClass, NamesRoundTripAndParsingIsExact) {
  std::set<std::string> names;
  for (const AssetClass c : kAllClasses) {
    const std::string_view name = asset_class_name(c);
    names.emplace(name);
    EXPECT_EQ(parse_asset_class(name), c) << name;
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_TRUE(names.count("VOLATILITY"));
  EXPECT_EQ(parse_asset_class("equity"), std::nullopt);  // upper case only
  EXPECT_EQ(parse_asset_class("BONDS"), std::nullopt);
  EXPECT_EQ(parse_asset_class(""), std::nullopt);
}

TEST(FrequencyName, NamesEveryFrequency) {
  EXPECT_EQ(frequency_name(SeriesFrequency::kDaily), "daily");
  EXPECT_EQ(frequency_name(SeriesFrequency::kWeekly), "weekly");
  EXPECT_EQ(frequency_name(SeriesFrequency::kMonthly), "monthly");
  EXPECT_EQ(frequency_name(SeriesFrequency::kQuarterly), "quarterly");
  EXPECT_EQ(frequency_name(SeriesFrequency::kAnnual), "annual");
}

TEST(LoadUniverse, TheBundledUniverseIsCompleteAndConsistent) {
  const Universe universe = load_universe(testing::universe_path());
  EXPECT_EQ(universe.snapshot_dir,
            (testing::source_dir() / "data" / "snapshot").lexically_normal());
  std::set<std::string> tickers;
  std::set<AssetClass> classes_with_data;
  int available = 0;
  for (const SeriesSpec& s : universe.series) {
    EXPECT_TRUE(tickers.insert(s.ticker).second) << "duplicate ticker " << s.ticker;
    EXPECT_FALSE(s.id.empty()) << s.ticker;
    EXPECT_FALSE(s.unit.empty()) << s.ticker;
    EXPECT_FALSE(s.description.empty()) << s.ticker;
    EXPECT_GE(s.publication_lag_days, 0) << s.ticker;
    if (s.available) {
      ++available;
      classes_with_data.insert(s.asset_class);
      EXPECT_TRUE(s.file.is_absolute()) << s.ticker << " " << s.file;
      EXPECT_TRUE(fs::exists(s.file)) << s.ticker << " " << s.file;
    } else {
      EXPECT_TRUE(s.file.empty()) << s.ticker;
    }
  }
  EXPECT_GE(available, 45);
  for (const AssetClass c : kAllClasses) {
    EXPECT_TRUE(classes_with_data.count(c)) << "no available series for " << asset_class_name(c);
  }
  // Spot checks against the file's own text.
  const SeriesSpec* gspc = universe.find("^GSPC");
  ASSERT_NE(gspc, nullptr);
  EXPECT_EQ(gspc->asset_class, AssetClass::kEquity);
  EXPECT_EQ(gspc->source, "yahoo");
  EXPECT_TRUE(gspc->available);
  EXPECT_EQ(gspc->file, (universe.snapshot_dir / "yahoo" / "GSPC.csv").lexically_normal());
  EXPECT_EQ(universe.find("NO_SUCH_TICKER"), nullptr);
}

TEST(LoadUniverse, EveryAvailableSeriesLoadsNonEmpty) {
  // The universe and the loader agree: each available file has a layout load_series_file
  // understands and holds at least one present value.
  const Universe universe = load_universe(testing::universe_path());
  for (const SeriesSpec& s : universe.series) {
    if (!s.available) continue;
    try {
      const TimeSeries series = load_universe_series(s);
      EXPECT_FALSE(series.empty()) << s.ticker;
      EXPECT_EQ(series.name(), s.ticker);
    } catch (const Error& e) {
      ADD_FAILURE() << s.ticker << ": " << e.what();
    }
  }
}

TEST(LoadUniverse, ReadsAValidFixture) {
  const Universe universe = load_universe(fixture("good.yml"));
  ASSERT_EQ(universe.series.size(), 2u);
  // snapshot_dir ".." resolves to tests/data/sources (lexically_normal keeps a trailing '/').
  EXPECT_TRUE(
      fs::equivalent(universe.snapshot_dir, testing::source_dir() / "tests" / "data" / "sources"))
      << universe.snapshot_dir;
  const SeriesSpec& test = universe.series[0];
  EXPECT_EQ(test.ticker, "TEST");
  EXPECT_EQ(test.asset_class, AssetClass::kMacro);
  EXPECT_EQ(test.source, "fred");
  EXPECT_EQ(test.frequency, SeriesFrequency::kMonthly);
  EXPECT_EQ(test.publication_lag_days, 14);
  EXPECT_EQ(test.unit, "index");
  EXPECT_TRUE(test.available);
  EXPECT_TRUE(fs::equivalent(
      test.file, testing::source_dir() / "tests" / "data" / "sources" / "good_series.csv"))
      << test.file;
  const SeriesSpec* live = universe.find("^LIVE");
  ASSERT_NE(live, nullptr);
  EXPECT_FALSE(live->available);
  EXPECT_TRUE(live->file.empty());
  EXPECT_EQ(live->asset_class, AssetClass::kEquity);
}

TEST(LoadUniverse, DefaultsTheSnapshotDirNextToTheConfig) {
  testing::TempDir dir;
  fs::create_directories(dir / "config");
  testing::write_file(
      dir / "config" / "u.yml",
      "series:\n"
      "  - {ticker: A, asset_class: FX, source: csv, id: a, available: false,\n"
      "     frequency: weekly, publication_lag_days: 0, unit: x, description: d}\n");
  const Universe universe = load_universe(dir / "config" / "u.yml");
  EXPECT_EQ(universe.snapshot_dir, (dir.path() / "data" / "snapshot").lexically_normal());
  ASSERT_EQ(universe.series.size(), 1u);
  EXPECT_EQ(universe.series[0].frequency, SeriesFrequency::kWeekly);
}

TEST(LoadUniverse, AColumnPicksThePriceReadAndAnUnknownOneIsRefused) {
  // ZQ=F.open reads the front contract file's Open column: 2019-05-01's row is
  // 2019-05-01,97.6025 (Close),97.6075,97.5775,97.5825 (Open),215720.
  const Universe universe = load_universe(testing::universe_path());
  const SeriesSpec* open = universe.find("ZQ=F.open");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->column, "open");
  const TimeSeries o = load_series_file(open->file, open->ticker, open->column);
  const TimeSeries c = load_series_file(open->file, "ZQ=F");
  const auto at = [](const TimeSeries& s) {
    const auto it = std::find(s.dates().begin(), s.dates().end(), Date::from_ymd(2019, 5, 1));
    return s.values()[static_cast<std::size_t>(it - s.dates().begin())];
  };
  EXPECT_DOUBLE_EQ(at(o), 97.5824966430664);
  EXPECT_DOUBLE_EQ(at(c), 97.60250091552734);
  testing::TempDir dir;
  testing::write_file(
      dir / "u.yml",
      "series:\n"
      "  - {ticker: A, asset_class: FX, source: yahoo, id: a, column: volume, available: false,\n"
      "     frequency: daily, publication_lag_days: 0, unit: x, description: d}\n");
  try {
    load_universe(dir / "u.yml");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown column 'volume'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_series_file(open->file, "X", "settle"), Error);
}

// Loads a fixture expecting InvalidArgument with a message starting "PATH:LINE:" and holding
// every string of `details`.
void expect_invalid(const std::string& name, std::optional<int> line,
                    const std::vector<std::string>& details) {
  const fs::path path = fixture(name);
  try {
    load_universe(path);
    ADD_FAILURE() << name << ": expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    const std::string what = e.what();
    const std::string where = path.string() + (line ? ":" + std::to_string(*line) + ":" : ":");
    EXPECT_EQ(what.rfind(where, 0), 0u) << "want prefix '" << where << "' in: " << what;
    for (const auto& detail : details) {
      EXPECT_NE(what.find(detail), std::string::npos) << "want '" << detail << "' in: " << what;
    }
  }
}

TEST(LoadUniverse, MissingFieldNamesTheFieldTheTickerAndTheLine) {
  // The second entry (line 12) has no `unit`.
  expect_invalid("missing_field.yml", 12, {"series[1] (SECOND)", "missing field 'unit'"});
}

TEST(LoadUniverse, RejectsUnknownAssetClassAndFrequency) {
  // The error points at the offending value: `asset_class:` on line 4, `frequency:` on line 8.
  expect_invalid("unknown_asset_class.yml", 4, {"(BONDX)", "unknown asset_class 'BONDS'"});
  expect_invalid("unknown_frequency.yml", 8, {"(HOURLY)", "unknown frequency 'hourly'"});
}

TEST(LoadUniverse, RejectsANegativeLag) {
  // `publication_lag_days: -3` is on line 9.
  expect_invalid("negative_lag.yml", 9, {"(EARLY)", "'publication_lag_days'", "got '-3'"});
}

// Issue 18: the one staleness rule, by hand. A monthly series with a 14-day lag and a 3-day
// grace may be 31 + 14 + 3 = 48 days old; 49 is stale. A daily series with no lag: 4 days
// (Friday to Tuesday) is fine, 5 is stale. An ended series is never stale.
TEST(Staleness, Issue18_FrequencyPlusLagPlusGraceByHand) {
  SeriesSpec monthly;
  monthly.frequency = SeriesFrequency::kMonthly;
  monthly.publication_lag_days = 14;
  EXPECT_EQ(staleness_allowance_days(monthly), 48);
  const Date last = *Date::parse("2026-01-01");
  EXPECT_FALSE(is_stale(monthly, last, last + 48));
  EXPECT_TRUE(is_stale(monthly, last, last + 49));
  SeriesSpec daily;
  daily.frequency = SeriesFrequency::kDaily;
  const Date friday = *Date::parse("2026-08-21");
  EXPECT_FALSE(is_stale(daily, friday, friday + 4));
  EXPECT_TRUE(is_stale(daily, friday, friday + 5));
  daily.stale_grace_days = 10;
  EXPECT_FALSE(is_stale(daily, friday, friday + 11));
  daily.ended = friday;
  EXPECT_FALSE(is_stale(daily, friday, friday + 4000));
  // The bundled universe loads with the defaults (no series sets the optional keys yet).
  const Universe universe = load_universe(testing::universe_path());
  for (const auto& s : universe.series)
    EXPECT_GE(staleness_allowance_days(s), 1 + s.publication_lag_days) << s.ticker;
}

TEST(LoadUniverse, RejectsADuplicateTicker) {
  // The second entry, starting on line 12, repeats the first one's ticker.
  expect_invalid("duplicate_ticker.yml", 12, {"series[1] (TWICE)", "duplicate ticker 'TWICE'"});
}

TEST(LoadUniverse, RejectsAnAvailableSeriesWithoutItsFile) {
  // `file: no_such_file.csv` is on line 7; the message gives the resolved path.
  expect_invalid("missing_file.yml", 7, {"(GHOST)", "no_such_file.csv", "does not exist"});
}

TEST(LoadUniverse, RejectsTextThatIsNotAYamlMapping) {
  // An unclosed flow sequence: yaml-cpp's parse error becomes InvalidArgument.
  expect_invalid("not_yaml.yml", std::nullopt, {});
  expect_invalid("not_a_mapping.yml", std::nullopt, {"expected a mapping"});
}

// The universe file shares every spec's limits (QA 2026-12-07): yaml-cpp answers the first of a
// key written twice, so `publication_lag_days: 0` then `: 30` meant 0 silently; and it recurses
// per nesting level, so a file of 100,000 '[' overflowed the stack instead of being refused.
TEST(LoadUniverse, RefusesAKeyWrittenTwiceAndNestingBeyondTheSpecLimit) {
  testing::TempDir dir;
  testing::write_file(dir / "twice.yml",
                      "series:\n"
                      "  - ticker: A\n"
                      "    asset_class: FX\n"
                      "    source: yahoo\n"
                      "    id: a\n"
                      "    available: false\n"
                      "    frequency: daily\n"
                      "    publication_lag_days: 0\n"
                      "    unit: x\n"
                      "    publication_lag_days: 30\n"
                      "    description: d\n");
  try {
    load_universe(dir / "twice.yml");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(
                  (dir / "twice.yml").string() +
                  ":10: key 'publication_lag_days' appears twice in one mapping (first at line 8)"),
              std::string::npos)
        << e.what();
  }
  testing::write_file(dir / "deep.yml", "series: " + std::string(100000, '[') + "\n");
  try {
    load_universe(dir / "deep.yml");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find("nested more than 64 levels deep"), std::string::npos)
        << e.what();
  }
}

TEST(LoadUniverse, RejectsASnapshotDirThatIsNotAPath) {
  // A list must not escape as a yaml-cpp exception, and an empty value (a YAML null) must not
  // silently become a directory named "null".
  for (const char* name : {"bad_snapshot_dir.yml", "null_snapshot_dir.yml"}) {
    try {
      load_universe(fixture(name));
      ADD_FAILURE() << name << ": expected InvalidArgument";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("snapshot_dir"), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": a non-mre exception escaped: " << e.what();
    }
  }
}

TEST(LoadUniverse, MissingFileIsAnIoError) {
  try {
    load_universe(fixture("no_such_universe.yml"));
    FAIL() << "expected an IoError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("no_such_universe.yml"), std::string::npos) << e.what();
  }
}

TEST(DefaultUniversePath, PrefersTheEnvironmentVariable) {
  const char* saved = std::getenv("MRE_UNIVERSE");
  const std::optional<std::string> previous =
      saved ? std::optional<std::string>(saved) : std::nullopt;
  ::setenv("MRE_UNIVERSE", "/somewhere/u.yml", 1);
  EXPECT_EQ(default_universe_path(), fs::path("/somewhere/u.yml"));
  ::unsetenv("MRE_UNIVERSE");
  // Without it: ./config/universe.yml if present, else the source tree's; either way it exists.
  EXPECT_TRUE(fs::exists(default_universe_path())) << default_universe_path();
  if (previous) ::setenv("MRE_UNIVERSE", previous->c_str(), 1);
}

}  // namespace
}  // namespace mre::sources
