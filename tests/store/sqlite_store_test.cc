// SQLite-specific behaviour: persistence, migrations, refusal of foreign or newer files,
// read-only opening, and readers running beside an open write transaction (WAL).
#include "mre/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "mre/core/error.h"
#include "mre/store/schema.h"
#include "mre/store/store.h"
#include "support/test_support.h"

namespace mre::store {
namespace {

using mre::testing::TempDir;

SeriesWrite one(const std::string& ticker, const char* date, double value) {
  return {ticker, AssetClass::kMacro, "test", TimeSeries(ticker, {*Date::parse(date)}, {value})};
}

void exec_raw(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(SqliteStore, CreatesSchemaAndPersistsAcrossReopen) {
  TempDir dir;
  {
    SqliteStore store(dir / "s.db", true);
    EXPECT_EQ(store.schema_version(), kSchemaVersion);
    std::vector<SeriesWrite> batch{one("A", "2024-01-01", 1.5)};
    store.write_raw(batch, Timestamp::now());
  }
  SqliteStore reopened(dir / "s.db", false);
  const auto a = reopened.read_raw({.ticker = "A"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->values()[0], 1.5);
}

TEST(SqliteStore, ReadableViewShowsTheDesignShape) {
  TempDir dir;
  {
    SqliteStore store(dir / "s.db", true);
    std::vector<SeriesWrite> batch{one("A", "2024-02-29", 1.5)};
    store.write_raw(batch, *Timestamp::parse("2026-11-22T03:04:05.123456Z"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "s.db").string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT ticker, asset_class, dt, value, source, ingested_at FROM "
                               "raw_series_readable",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)), "2024-02-29");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), "MACRO");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 4)), "test");
  // strftime's %f keeps milliseconds: the readable view is for people, not for as-of queries.
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 5)),
               "2026-11-22T03:04:05.123Z");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(SqliteStore, AVersionOneStoreIsMigratedKeepingItsData) {
  TempDir dir;
  {
    SqliteStore store(dir / "s.db", true);
    std::vector<SeriesWrite> batch{one("A", "2024-01-01", 1.5)};
    store.write_raw(batch, Timestamp::now());
  }
  // Turn it back into what schema version 1 left on disk.
  exec_raw(
      dir / "s.db",
      "DROP VIEW raw_series_latest; DROP VIEW regimes_global_long; "
      "DROP TABLE scenarios; DROP TABLE scenario_runs; DROP TABLE scm_models; "
      "DROP TABLE causal_effects; DROP TABLE effect_versions; "
      "DROP TABLE classifier_states; DROP TABLE classifier_approvals; DROP TABLE "
      "classifier_models; "
      "DROP VIEW regimes_global_readable; DROP TABLE regimes_global; DROP TABLE regime_models; "
      "DROP VIEW features_readable; DROP TABLE features; DROP TABLE feature_columns; "
      "DROP TABLE feature_versions; DROP TABLE artefact_columns; DROP TABLE artefact_inputs; "
      "DROP TABLE artefact_versions; DELETE FROM schema_version WHERE version >= 2;");
  {
    SqliteStore reader(dir / "s.db", false);
    EXPECT_EQ(reader.schema_version(), 1);
    EXPECT_TRUE(reader.list_feature_versions().empty());  // readable without migrating
    EXPECT_TRUE(reader.list_artefact_kinds().empty());
    EXPECT_TRUE(reader.list_artefacts("event_study").empty());
  }
  SqliteStore store(dir / "s.db", true);
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  EXPECT_EQ(store.read_raw({.ticker = "A"})->values()[0], 1.5);
  EXPECT_TRUE(store.list_feature_versions().empty());
  // Schema 7 (generated) is in place: a generic artefact can be written.
  const ArtefactKind kind{"event_study", {{"path", {{"dt", ColumnType::kDate}}}}};
  EXPECT_EQ(store.write_artefact(kind, {"ES1", "s", "h", "t", {}, Timestamp::now()},
                                 {{"path", {{*Date::parse("2024-01-31")}}}}),
            ArtefactWriteOutcome::kWritten);
}

TEST(SqliteStore, FileThatIsNotSqliteIsAStoreErrorNamingThePath) {
  TempDir dir;
  mre::testing::write_file(dir / "junk.db", std::string(8192, 'x'));
  try {
    SqliteStore store(dir / "junk.db", true);
    FAIL() << "expected StoreError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kStoreError);
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not an SQLite database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(mre::testing::read_file(dir / "junk.db"), std::string(8192, 'x'));  // untouched
}

TEST(SqliteStore, SchemaFromANewerMreIsRefused) {
  TempDir dir;
  { SqliteStore store(dir / "s.db", true); }
  exec_raw(dir / "s.db", "INSERT INTO schema_version VALUES (99, '2030-01-01')");
  for (bool create : {true, false}) {
    try {
      SqliteStore store(dir / "s.db", create);
      FAIL() << "expected StoreError";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kStoreError);
      EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
  }
}

TEST(SqliteStore, MissingFileOpenedForReadingIsAStoreError) {
  TempDir dir;
  EXPECT_THROW(SqliteStore(dir / "absent.db", false), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "absent.db"));
}

TEST(SqliteStore, ReadOnlyOpeningRefusesWrites) {
  TempDir dir;
  { SqliteStore store(dir / "s.db", true); }
  SqliteStore store(dir / "s.db", false);
  std::vector<SeriesWrite> batch{one("A", "2024-01-01", 1.0)};
  EXPECT_THROW(store.write_raw(batch, Timestamp::now()), Error);
}

TEST(SqliteStore, ReaderSeesCommittedStateWhileAWriterHoldsItsTransaction) {
  TempDir dir;
  {
    SqliteStore store(dir / "s.db", true);
    std::vector<SeriesWrite> batch{one("A", "2024-01-01", 1.0)};
    store.write_raw(batch, Timestamp::now());
  }
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "s.db").string().c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "BEGIN IMMEDIATE; INSERT INTO raw_series VALUES ('A', 20240102, 1, 2.0);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  {
    SqliteStore reader(dir / "s.db", false);  // must not block on the writer (WAL)
    const auto a = reader.read_raw({.ticker = "A"});
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->size(), 1u);  // the uncommitted row is invisible
  }
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

// Store::hold_lock (what keeps two `mre run`s apart): a second holder of the same name on the
// same file waits until the first lease ends, and is told it waits; another name does not wait.
TEST(SqliteStore, AStoreLockMakesASecondHolderWaitUntilTheFirstLeaseEnds) {
  TempDir dir;
  SqliteStore first(dir / "s.db", true);
  SqliteStore second(dir / "s.db", true);
  auto lease = first.hold_lock("run");
  const auto other = second.hold_lock("other");  // a different name: no wait
  std::atomic<bool> waited{false};
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    const auto mine = second.hold_lock("run", [&] { waited = true; });
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(acquired.load());  // still held by the first
  lease.reset();
  waiter.join();
  EXPECT_TRUE(waited.load());
  EXPECT_TRUE(acquired.load());
  // Free again: no wait.
  bool waited_again = false;
  const auto again = first.hold_lock("run", [&] { waited_again = true; });
  EXPECT_FALSE(waited_again);
  EXPECT_THROW(first.hold_lock("../x"), Error);
}

}  // namespace
}  // namespace mre::store
