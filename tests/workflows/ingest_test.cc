// The ingest use case end to end on real files: the full snapshot against its MANIFEST, and
// the all-or-nothing rule when one file of many is bad.
#include "mre/workflows/ingest.h"

#include <gtest/gtest.h>

#include <map>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/sources/universe.h"
#include "mre/store/memory/memory_store.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::TempDir;
using mre::testing::write_file;

// MANIFEST.csv: file -> rows with a present value (rows less missing_values).
std::map<std::string, std::size_t> manifest_counts() {
  CsvReader reader = CsvReader::open(mre::testing::snapshot_dir() / "MANIFEST.csv");
  const std::size_t file = *reader.find_column("file");
  const std::size_t rows = *reader.find_column("rows");
  const std::size_t missing = *reader.find_column("missing_values");
  std::map<std::string, std::size_t> out;
  while (auto row = reader.next()) {
    out[std::string(row->fields[file])] = static_cast<std::size_t>(
        *parse_double(row->fields[rows]) - *parse_double(row->fields[missing]));
  }
  return out;
}

TEST(Ingest, FullSnapshotStoresEveryPresentObservationOfEveryFile) {
  TempDir dir;
  store::SqliteStore store(dir / "full.db", true);
  const auto report = ingest(store, {.universe_path = mre::testing::universe_path()});
  const auto universe = sources::load_universe(mre::testing::universe_path());
  const auto expected = manifest_counts();
  std::map<std::string, std::size_t> stored;
  for (const auto& s : store.list_series()) stored[s.ticker] = s.rows;

  std::size_t checked = 0;
  std::size_t research = 0;
  for (const auto& spec : universe.series) {
    if (!spec.available) continue;
    if (spec.source == "research") {
      // One column of a multi-column research file: counted against pandas in
      // tests/workflows/effect_studies_test.cc instead of the file's MANIFEST row count.
      EXPECT_GT(stored[spec.ticker], 0u) << spec.ticker;
      ++research;
      continue;
    }
    const std::string relative =
        spec.file.lexically_relative(universe.snapshot_dir).generic_string();
    ASSERT_TRUE(expected.count(relative)) << relative << " is not in the MANIFEST";
    EXPECT_EQ(stored[spec.ticker], expected.at(relative)) << spec.ticker << " from " << relative;
    ++checked;
  }
  EXPECT_GE(checked, 45u);  // the floor for the universe
  EXPECT_EQ(report.files, checked + research);
  EXPECT_EQ(research, 8u);  // MP1_JK, MPS_BS, NFP_SURP and mps_orth's five other predictors
  EXPECT_EQ(report.write.inserted(), report.observations_read);

  // Re-ingesting the same snapshot writes zero rows.
  const auto again = ingest(store, {.universe_path = mre::testing::universe_path()});
  EXPECT_EQ(again.write.inserted(), 0u);
  EXPECT_EQ(again.write.revised(), 0u);
  EXPECT_EQ(again.write.unchanged(), report.observations_read);
  EXPECT_EQ(store.list_ingests().size(), 1u);
}

// A universe in a temp dir with two files: GOOD (valid) and BAD (content given).
std::filesystem::path small_universe(const TempDir& dir, const std::string& bad_content) {
  write_file(dir / "good.csv", "date,value\n2024-01-02,1.5\n2024-01-03,1.6\n");
  write_file(dir / "bad.csv", bad_content);
  write_file(dir / "u.yml",
             "snapshot_dir: .\n"
             "series:\n"
             "  - {ticker: GOOD, asset_class: RATES, source: fred, id: GOOD, file: good.csv,"
             " available: true, frequency: daily, publication_lag_days: 1, unit: percent,"
             " description: good}\n"
             "  - {ticker: BAD, asset_class: RATES, source: fred, id: BAD, file: bad.csv,"
             " available: true, frequency: daily, publication_lag_days: 1, unit: percent,"
             " description: bad}\n"
             "  - {ticker: LATER, asset_class: MACRO, source: fred, id: LATER,"
             " available: false, frequency: monthly, publication_lag_days: 30, unit: index,"
             " description: not in the snapshot}\n");
  return dir / "u.yml";
}

TEST(Ingest, OneBadFileStopsTheIngestBeforeAnythingIsWritten) {
  TempDir dir;
  const auto universe = small_universe(dir, "date,value\n2024-01-02,1.0\n2024-01-03,abc\n");
  store::MemoryStore store;
  try {
    ingest(store, {.universe_path = universe});
    FAIL() << "expected DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(store.list_series().empty());
}

TEST(Ingest, UnknownOrUnavailableTickerIsNotFound) {
  TempDir dir;
  const auto universe = small_universe(dir, "date,value\n2024-01-02,1.0\n");
  store::MemoryStore store;
  for (const std::string ticker : {"NOPE", "LATER"}) {
    try {
      ingest(store, {.universe_path = universe, .tickers = {"GOOD", ticker}});
      FAIL() << "expected NotFound for " << ticker;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound);
      EXPECT_NE(std::string(e.what()).find(ticker), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(store.list_series().empty());
}

TEST(Ingest, SelectedTickersOnly) {
  TempDir dir;
  const auto universe = small_universe(dir, "date,value\n2024-01-02,1.0\n");
  store::MemoryStore store;
  const auto report = ingest(store, {.universe_path = universe, .tickers = {"GOOD"}});
  EXPECT_EQ(report.files, 1u);
  ASSERT_EQ(store.list_series().size(), 1u);
  EXPECT_EQ(store.list_series()[0].ticker, "GOOD");
}

TEST(Ingest, CsvSourceTakesColumnsNamedAfterUniverseTickers) {
  TempDir dir;
  const auto universe = small_universe(dir, "date,value\n2024-01-02,1.0\n");
  write_file(dir / "mine.csv", "date,GOOD,BAD\n2024-02-01,1,\n2024-02-02,2,5\n");
  store::MemoryStore store;
  const auto report = ingest(
      store,
      {.universe_path = universe, .source = IngestSource::kCsv, .csv_path = dir / "mine.csv"});
  EXPECT_EQ(report.write.inserted(), 3u);
  EXPECT_EQ(store.read_raw({.ticker = "BAD"})->size(), 1u);
  EXPECT_EQ(store.list_series()[0].source, "csv:mine.csv");

  write_file(dir / "foreign.csv", "date,GOOD,ZZZ\n2024-02-01,1,2\n");
  try {
    ingest(
        store,
        {.universe_path = universe, .source = IngestSource::kCsv, .csv_path = dir / "foreign.csv"});
    FAIL() << "expected NotFound";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("ZZZ"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.read_raw({.ticker = "GOOD"})->size(), 2u);  // unchanged by the refused file
}

}  // namespace
}  // namespace mre::workflows
