// `mre db copy`'s workflow: a store holding every kind of row goes memory -> SQLite ->
// PostgreSQL -> SQLite with every table's rows and checksum unchanged; a second copy finds
// everything in place; a target holding other raw series is refused.
#include "mre/workflows/copy_store.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/store/postgres/postgres_store.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "support/postgres_server.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::PostgresServer;
using mre::testing::TempDir;

Date d(const char* iso) { return *Date::parse(iso); }

store::SeriesWrite one(const std::string& ticker,
                       std::vector<std::pair<const char*, double>> points) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& [date, value] : points) {
    dates.push_back(d(date));
    values.push_back(value);
  }
  return {ticker, AssetClass::kRates, "src:" + ticker, TimeSeries(ticker, dates, values)};
}

// A store with revisions and one version of every kind, names with quotes and backslashes.
void fill(store::Store& s) {
  std::vector<store::SeriesWrite> first{one("A", {{"2024-01-01", 1.0}, {"2024-01-02", 2.0}}),
                                        one("B'\\", {{"2024-01-01", 3.0}})};
  s.write_raw(first, Timestamp::from_micros(1'700'000'000'000'001));
  std::vector<store::SeriesWrite> second{one("A", {{"2024-01-02", 2.25}})};
  s.write_raw(second, Timestamp::from_micros(1'700'000'100'000'002));
  store::FeatureVersion f{
      .version = "F1",
      .spec_name = "s",
      .spec_hash = "h",
      .data_watermark = "w",
      .frequency = "daily",
      .spec_text = "x: \"y\"",
      .created_at = Timestamp::from_micros(10),
      .columns = {{.name = "a", .description = "it's"}, {.name = "b\\c", .proxy = "p"}}};
  s.write_features(f, Panel({d("2024-01-01"), d("2024-01-02")}, {"a", "b\\c"},
                            {{1.0, std::nan("")}, {0.5, -0.1}}));
  store::RegimeModel m{.version = "R1",
                       .kind = "hmm",
                       .spec_name = "s",
                       .spec_hash = "h",
                       .spec_text = "t",
                       .feature_version = "F1",
                       .columns = {"a"},
                       .labels = {"CALM", "STRESS"},
                       .params_json = "{}",
                       .diagnostics_json = "{\"k\": 1}",
                       .trained_from = d("2024-01-01"),
                       .created_at = Timestamp::from_micros(11)};
  s.write_regimes(m, {{d("2024-01-01"), "CALM", 0.75, {0.75, 0.25}},
                      {d("2024-01-02"), "STRESS", 0.6, {0.4, 0.6}}});
  s.write_classifier({.version = "C1",
                      .spec_name = "g",
                      .spec_hash = "h",
                      .spec_text = "t",
                      .source = "F1",
                      .model_json = "{}",
                      .trained_from = "2024-01-01",
                      .trained_to = "2024-01-02",
                      .created_at = Timestamp::from_micros(12)},
                     {.sequence = 0,
                      .timestamp = "2024-01-02",
                      .key = 5,
                      .state_json = "{}",
                      .origin = "train",
                      .written_at = Timestamp::from_micros(13)});
  s.append_classifier_state("C1", {.sequence = 1,
                                   .timestamp = "2024-01-03",
                                   .key = 6,
                                   .state_json = "{\"g\":[1]}",
                                   .origin = "classify",
                                   .written_at = Timestamp::from_micros(14)});
  s.approve_classifier({"C1", "muni", "A. Expert", Timestamp::from_micros(15)});
  s.write_effects({.version = "E1",
                   .spec_name = "e",
                   .spec_hash = "h",
                   .spec_text = "t",
                   .feature_version = "F1",
                   .regime_version = "R1",
                   .created_at = Timestamp::from_micros(16)},
                  {{.treatment = "t",
                    .outcome = "o",
                    .horizon = 3,
                    .method = "dml",
                    .learner = "ols",
                    .effect = 0.1,
                    .se = 0.2,
                    .ci_low = -0.3,
                    .ci_high = 0.5,
                    .p_value = 0.6,
                    .observations = 100,
                    .regime_effects_json = "{}",
                    .placebo_json = "[]",
                    .diagnostics_json = "{}"}});
  s.write_scm_model({.version = "S1",
                     .spec_name = "p",
                     .spec_hash = "h",
                     .spec_text = "t",
                     .data_watermark = "w",
                     .model_json = "{\"graph\": 1}",
                     .first = d("2020-01-01"),
                     .last = d("2024-01-01"),
                     .created_at = Timestamp::from_micros(17)});
  s.write_scenario(
      {.id = "SC-1",
       .scm_version = "S1",
       .name = "hike",
       .interventions = "EFFR=+0.50",
       .shocks = "student-t",
       .start = d("2024-01-02"),
       .horizon = 2,
       .paths = 10,
       .seed = 42,
       .summary_json = "{}",
       .created_at = Timestamp::from_micros(18)},
      {{1, "EFFR", "baseline", 1, 2, 3, 4, 5}, {2, "EFFR", "intervened", -1.25, 2, 3, 4, 5.5}});
  // Generic artefacts of two kinds (the copy knows neither): NaN, NULL, quotes, tabs.
  using T = store::ColumnType;
  const store::ArtefactKind study{
      "event_study",
      {{"estimates", {{"shock", T::kText, true}, {"effect", T::kReal}, {"n", T::kInteger}}},
       {"path", {{"dt", T::kDate}, {"value", T::kReal}}}}};
  const store::ArtefactKind backtest{
      "backtest", {{"folds", {{"fold", T::kInteger, true}, {"at", T::kTimestamp}}}}};
  s.write_artefact(
      study, {"ES1", "es", "h1", "t", {{"feature_version", "F1"}}, Timestamp::from_micros(19)},
      {{"estimates",
        {{std::string("oil'\\t"), std::nan(""), std::int64_t{3}},
         {std::string("rates\t"), 0.5, store::Cell{}}}},
       {"path", {{d("2024-01-31"), 1.0}, {d("2024-02-29"), store::Cell{}}}}});
  s.write_artefact(study, {"ES2", "es", "h2", "t", {}, Timestamp::from_micros(20)},
                   {{"path", {{d("2024-03-29"), -2.5}}}});
  s.write_artefact(backtest,
                   {"B1", "bt", "h", "t", {{"regime_version", "R1"}}, Timestamp::from_micros(21)},
                   {{"folds", {{std::int64_t{1}, Timestamp::from_micros(22)}}}});
}

TEST(CopyStore, AWholeStoreMovesBetweenBackendsWithEveryTableUnchanged) {
  TempDir dir;
  store::MemoryStore memory;
  fill(memory);
  store::SqliteStore sqlite(dir / "a.db", true);
  const auto to_sqlite = copy_store(memory, sqlite);
  EXPECT_TRUE(to_sqlite.equal());
  EXPECT_TRUE(to_sqlite.raw_copied);
  EXPECT_EQ(to_sqlite.versions_copied, 9u);
  ASSERT_EQ(to_sqlite.source.size(), 21u);  // 17 fixed tables, artefact_versions, 3 generic tables
  EXPECT_EQ(to_sqlite.source[17].table, "artefact_versions");
  EXPECT_EQ(to_sqlite.source[17].rows, 3u);
  EXPECT_EQ(to_sqlite.source[18].table, "backtest_folds");
  EXPECT_EQ(to_sqlite.source[20].table, "event_study_path");
  EXPECT_EQ(to_sqlite.source[20].rows, 3u);
  EXPECT_EQ(to_sqlite.source[1].table, "raw_series");
  EXPECT_EQ(to_sqlite.source[1].rows, 4u);  // a revision is a row
  for (const auto& table : to_sqlite.source) EXPECT_GT(table.rows, 0u) << table.table;

  store::PostgresStore postgres(PostgresServer::shared().create_database(), true);
  EXPECT_TRUE(copy_store(sqlite, postgres).equal());
  store::SqliteStore back(dir / "b.db", true);
  EXPECT_TRUE(copy_store(postgres, back).equal());
  const auto original = summarize_store(memory);
  const auto round_trip = summarize_store(back);
  ASSERT_EQ(original.size(), round_trip.size());
  for (std::size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(original[i].rows, round_trip[i].rows) << original[i].table;
    EXPECT_EQ(original[i].checksum, round_trip[i].checksum) << original[i].table;
  }

  // Again: everything is in place, nothing is written.
  const auto again = copy_store(sqlite, postgres);
  EXPECT_TRUE(again.equal());
  EXPECT_FALSE(again.raw_copied);
  EXPECT_EQ(again.versions_copied, 0u);
  EXPECT_EQ(again.versions_present, 9u);
}

TEST(CopyStore, ATargetWithOtherRawSeriesIsRefused) {
  store::MemoryStore source;
  fill(source);
  store::MemoryStore target;
  std::vector<store::SeriesWrite> other{one("Z", {{"2024-01-01", 9.0}})};
  target.write_raw(other, Timestamp::now());
  try {
    copy_store(source, target);
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("copy into an empty store"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(target.list_feature_versions().empty());
}

// QA 2026-12-07: a target holding a version the source lacks had 14 versions merged into it and
// then failed (exit 3) - a failed command that changed the store - and the differing tables were
// misnamed, the two sides' tables paired by position. Now refused before anything is written;
// tables are paired by name.
TEST(CopyStore, ATargetWithAVersionTheSourceLacksIsRefusedBeforeWriting) {
  store::MemoryStore source;
  fill(source);
  store::MemoryStore target;
  fill(target);
  store::FeatureVersion extra = *target.find_feature_version("F1");
  extra.version = "F_ONLY_HERE";
  target.write_features(extra, target.read_features("F1", std::nullopt, std::nullopt));
  // The source gains a version the target lacks: it must not be written.
  store::FeatureVersion more = *source.find_feature_version("F1");
  more.version = "F_NEW";
  source.write_features(more, source.read_features("F1", std::nullopt, std::nullopt));
  const auto before = summarize_store(target);
  try {
    copy_store(source, target);
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("holds 1 version(s) that"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("features F_ONLY_HERE"), std::string::npos) << e.what();
  }
  const auto after = summarize_store(target);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].checksum, before[i].checksum);
  EXPECT_FALSE(target.find_feature_version("F_NEW").has_value());

  // Paired by name: a table on one side only is unpaired, the others meet whatever the order.
  const std::vector<TableSummary> a = {{"x", 1, "c1"}, {"k_t", 2, "c2"}, {"y", 3, "c3"}};
  const std::vector<TableSummary> b = {
      {"x", 1, "c1"}, {"j_t", 5, "c5"}, {"y", 3, "c3"}, {"k_t", 2, "c2"}};
  const auto t = compare_tables(a, b);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_TRUE(t[0].same());
  EXPECT_EQ(t[1].table, "k_t");
  EXPECT_TRUE(t[1].same());
  EXPECT_TRUE(t[2].same());
  EXPECT_EQ(t[3].table, "j_t");
  EXPECT_FALSE(t[3].source.has_value());
  EXPECT_FALSE(t[3].same());
  CopyReport report{.source = a, .target = b};
  EXPECT_FALSE(report.equal());
  report.target = {b[0], b[2], b[3]};
  EXPECT_TRUE(report.equal());
}

}  // namespace
}  // namespace mre::workflows
