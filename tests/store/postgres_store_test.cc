// PostgresStore against a throwaway server: the contract suite, then what only a shared server
// has - schema and indexes, hostile names as data, connection failures with the password
// redacted, concurrent writers, readers beside an open write, and a server crash mid-write.
#include "mre/store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <future>
#include <thread>

#include "mre/core/error.h"
#include "mre/store/postgres/detail/connection.h"
#include "mre/store/schema.h"
#include "store/store_contract.h"
#include "support/postgres_server.h"
#include "support/test_support.h"

namespace mre::store {
namespace {

using mre::testing::PostgresServer;

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract,
                         ::testing::Values(Backend{"postgres",
                                                   [](const mre::testing::TempDir&) {
                                                     return std::make_unique<PostgresStore>(
                                                         PostgresServer::shared().create_database(),
                                                         true);
                                                   }}),
                         backend_name);

Date d(const char* iso) { return *Date::parse(iso); }

SeriesWrite series(const std::string& ticker, std::vector<std::pair<const char*, double>> points) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& [date, value] : points) {
    dates.push_back(d(date));
    values.push_back(value);
  }
  return {ticker, AssetClass::kRates, "test", TimeSeries(ticker, dates, values)};
}

// A long daily series: enough rows for the COPY to span several chunks and reads several fetches.
SeriesWrite long_series(const std::string& ticker, int days, double offset) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (int i = 0; i < days; ++i) {
    dates.push_back(d("1990-01-01") + i);
    values.push_back(offset + i * 0.001);
  }
  return {ticker, AssetClass::kEquity, "test", TimeSeries(ticker, dates, values)};
}

// The database name in a test server URL.
std::string database_of(const std::string& url) { return url.substr(url.rfind('/') + 1); }

std::string expect_store_error(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kStoreError) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a StoreError";
  return {};
}

// Polls the server until `sql` returns "t" (a condition on another session's state, never a
// timing); fails after 60 s.
void wait_until(const std::string& sql, const std::string& database) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (PostgresServer::shared().sql(sql, database) != "t") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "never true: " << sql;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST(PostgresStore, CreatesSchemaMacroWithVersionTableAndIndexes) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  PostgresStore store(url, true);
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  const auto db = database_of(url);
  EXPECT_EQ(server.sql("SELECT max(version) FROM macro.schema_version", db),
            std::to_string(kSchemaVersion));
  // The indexes of the product's queries: series by ticker+date, features and regimes by
  // version+date.
  EXPECT_EQ(server.sql("SELECT indexdef FROM pg_indexes WHERE schemaname = 'macro' AND indexname = "
                       "'raw_series_pkey'",
                       db),
            "CREATE UNIQUE INDEX raw_series_pkey ON macro.raw_series USING btree (ticker, dt, "
            "ingested_at)");
  EXPECT_EQ(server.sql("SELECT indexdef FROM pg_indexes WHERE schemaname = 'macro' AND indexname = "
                       "'features_version_dt'",
                       db),
            "CREATE INDEX features_version_dt ON macro.features USING btree (version, dt)");
  EXPECT_EQ(
      server.sql("SELECT indexdef FROM pg_indexes WHERE schemaname = 'macro' AND indexname = "
                 "'regimes_global_pkey'",
                 db),
      "CREATE UNIQUE INDEX regimes_global_pkey ON macro.regimes_global USING btree (version, dt)");
  // Opening again changes nothing.
  PostgresStore again(url, true);
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.schema_version", db),
            std::to_string(kSchemaVersion));
}

TEST(PostgresStore, EmptyDatabaseOpenedReadOnlyIsEmptyAndUntouched) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  PostgresStore store(url, false);
  EXPECT_EQ(store.schema_version(), 0);
  EXPECT_TRUE(store.list_series().empty());
  EXPECT_TRUE(store.list_feature_versions().empty());
  EXPECT_EQ(
      server.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'macro'", database_of(url)),
      "0");
  std::vector<SeriesWrite> batch{series("A", {{"2024-01-01", 1.0}})};
  expect_store_error([&] { store.write_raw(batch, Timestamp::now()); });
}

TEST(PostgresStore, OldSchemaIsMigratedKeepingItsData) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  {
    PostgresStore store(url, true);
    std::vector<SeriesWrite> batch{series("A", {{"2024-01-01", 1.5}})};
    store.write_raw(batch, Timestamp::now());
  }
  // Turn it back into what schema version 1 leaves.
  server.sql(
      "DROP VIEW macro.raw_series_latest, macro.regimes_global_long; "
      "DROP TABLE macro.scenarios, macro.scenario_runs, macro.scm_models, macro.causal_effects, "
      "macro.effect_versions, "
      "macro.classifier_states, macro.classifier_approvals, "
      "macro.classifier_models, macro.regimes_global, macro.regime_models, macro.features, "
      "macro.feature_columns, "
      "macro.feature_versions, macro.artefact_columns, macro.artefact_inputs, "
      "macro.artefact_versions CASCADE; "
      "DELETE FROM macro.schema_version WHERE version >= 2",
      database_of(url));
  {
    PostgresStore reader(url, false);
    EXPECT_EQ(reader.schema_version(), 1);
    EXPECT_TRUE(reader.list_feature_versions().empty());  // readable without migrating
    EXPECT_TRUE(reader.list_artefact_kinds().empty());
    EXPECT_TRUE(reader.list_artefacts("event_study").empty());
  }
  PostgresStore store(url, true);
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  EXPECT_EQ(store.read_raw({.ticker = "A"})->values()[0], 1.5);
  const ArtefactKind kind{"event_study", {{"path", {{"dt", ColumnType::kDate}}}}};
  EXPECT_EQ(store.write_artefact(kind, {"ES1", "s", "h", "t", {}, Timestamp::now()},
                                 {{"path", {{d("2024-01-31")}}}}),
            ArtefactWriteOutcome::kWritten);
}

TEST(PostgresStore, SchemaFromANewerMreIsRefused) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  { PostgresStore store(url, true); }
  server.sql("INSERT INTO macro.schema_version VALUES (99, now())", database_of(url));
  for (bool create : {true, false}) {
    const auto message = expect_store_error([&] { PostgresStore store(url, create); });
    EXPECT_NE(message.find("newer than this mre supports"), std::string::npos) << message;
  }
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.schema_version", database_of(url)),
            std::to_string(kSchemaVersion + 1));
}

TEST(PostgresStore, HostileNamesRoundTripAsData) {
  const auto url = PostgresServer::shared().create_database();
  PostgresStore store(url, true);
  const std::string ticker = "x'); DROP TABLE macro.raw_series;--";
  std::vector<SeriesWrite> batch{series(ticker, {{"2024-01-01", 1.0}, {"2024-01-02", 2.0}}),
                                 series("tab\there\nnewline\\N", {{"2024-01-01", 3.0}})};
  batch[0].source = "csv:it's \"mine\"\\.csv";
  EXPECT_EQ(store.write_raw(batch, Timestamp::now()).inserted(), 3u);
  const auto list = store.list_series();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].ticker, "tab\there\nnewline\\N");
  EXPECT_EQ(list[1].ticker, ticker);
  EXPECT_EQ(list[1].source, batch[0].source);
  EXPECT_EQ(store.read_raw({.ticker = ticker})->values()[1], 2.0);
  EXPECT_EQ(PostgresServer::shared().sql("SELECT count(*) FROM macro.raw_series", database_of(url)),
            "3");

  FeatureVersion version{.version = "F1",
                         .spec_name = "n'ame",
                         .spec_hash = "h",
                         .data_watermark = "w",
                         .frequency = "daily",
                         .spec_text = "a: 'b' \\ \"c\"\n\td",
                         .created_at = Timestamp::now()};
  const std::string feature = "it's a \"quoted\" \\back\\slash\\ feature\t";
  version.columns = {{.name = feature, .description = "O'Reilly \\N"}, {.name = "plain"}};
  const Panel values({d("2024-01-31"), d("2024-02-29")}, {feature, "plain"},
                     {{1.5, 2.5}, {-1.0, std::nan("")}});
  EXPECT_EQ(store.write_features(version, values), FeatureWriteOutcome::kWritten);
  const auto back = store.find_feature_version("F1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->columns[0].name, feature);
  EXPECT_EQ(back->columns[0].description, "O'Reilly \\N");
  EXPECT_EQ(back->spec_text, version.spec_text);
  const Panel panel = store.read_features("F1", std::nullopt, std::nullopt);
  EXPECT_EQ(panel.names()[0], feature);
  EXPECT_EQ(panel.column(0)[1], 2.5);
  EXPECT_TRUE(std::isnan(panel.column(1)[1]));
}

TEST(PostgresStore, LargeWritesAndReadsSpanManyCopyChunksAndFetches) {
  PostgresStore store(PostgresServer::shared().create_database(), true);
  // 3 x 25,000 rows: several 1 MiB COPY chunks, and more than one 20,000-row cursor fetch.
  std::vector<SeriesWrite> batch{long_series("A", 25000, 1.0), long_series("B", 25000, 2.0),
                                 long_series("C", 25000, 3.0)};
  EXPECT_EQ(store.write_raw(batch, Timestamp::now()).inserted(), 75000u);
  const auto b = store.read_raw({.ticker = "B"});
  ASSERT_EQ(b->size(), 25000u);
  EXPECT_EQ(b->values()[24999], batch[1].data.values()[24999]);
  EXPECT_EQ(b->dates()[24999], batch[1].data.dates()[24999]);

  std::vector<std::vector<double>> columns;
  std::vector<std::string> names;
  std::vector<FeatureColumn> info;
  for (const auto& s : batch) {
    columns.push_back(s.data.values());
    names.push_back(s.ticker);
    info.push_back({.name = s.ticker});
  }
  FeatureVersion version{.version = "WIDE",
                         .spec_name = "s",
                         .spec_hash = "h",
                         .data_watermark = "w",
                         .frequency = "daily",
                         .spec_text = "",
                         .created_at = Timestamp::now(),
                         .columns = info};
  store.write_features(version, Panel(batch[0].data.dates(), names, columns));
  const Panel panel = store.read_features("WIDE", std::nullopt, std::nullopt);
  ASSERT_EQ(panel.rows(), 25000u);
  for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(panel.column(c), columns[c]) << names[c];
}

TEST(PostgresStore, ConnectionFailuresAreClearStoreErrorsWithThePasswordRedacted) {
  auto& server = PostgresServer::shared();
  server.sql(std::string("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '") +
             PostgresServer::kPasswordRole + "') THEN CREATE ROLE " +
             PostgresServer::kPasswordRole + " LOGIN PASSWORD 'right-Pa55word'; END IF; END $$");
  const std::string base = "127.0.0.1:" + std::to_string(server.port());
  const std::string role = PostgresServer::kPasswordRole;

  // Wrong password: named as an authentication failure; neither password appears anywhere.
  const std::string wrong = "postgresql://" + role + ":wrong-Pa55word@" + base + "/postgres";
  auto message = expect_store_error([&] { PostgresStore store(wrong, true); });
  EXPECT_NE(message.find("authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find(role + ":***@"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong-Pa55word"), std::string::npos) << message;

  // The right password, in the URL or in a ~/.pgpass-format file: connects; describe() hides it.
  {
    PostgresStore store(
        "postgresql://" + role + ":right-Pa55word@" + base + "/postgres?sslmode=disable", false);
    EXPECT_EQ(store.describe(),
              "postgresql://" + role + ":***@" + base + "/postgres?sslmode=disable");
  }
  {
    mre::testing::TempDir dir;
    mre::testing::write_file(dir / "pgpass", "127.0.0.1:" + std::to_string(server.port()) +
                                                 ":*:" + role + ":right-Pa55word\n");
    std::filesystem::permissions(
        dir / "pgpass", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ::setenv("PGPASSFILE", (dir / "pgpass").c_str(), 1);
    PostgresStore store("postgresql://" + role + "@" + base + "/postgres", false);
    EXPECT_EQ(store.describe().find("right"), std::string::npos);
    ::unsetenv("PGPASSFILE");
  }
  // A password given as a query parameter is redacted too.
  message = expect_store_error([&] {
    PostgresStore store("postgresql://" + role + "@" + base + "/postgres?password=wrong-Pa55word",
                        true);
  });
  EXPECT_EQ(message.find("wrong-Pa55word"), std::string::npos) << message;
  EXPECT_NE(message.find("password=***"), std::string::npos) << message;

  // A database that does not exist.
  message = expect_store_error([&] { PostgresStore store(server.url("no_such_db"), true); });
  EXPECT_NE(message.find("database does not exist"), std::string::npos) << message;

  // Nothing listening on the port.
  const std::string dead = "postgresql://postgres:secret-Pa55@127.0.0.1:1/postgres";
  message = expect_store_error([&] { PostgresStore store(dead, true); });
  EXPECT_NE(message.find("unreachable"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret-Pa55"), std::string::npos) << message;
  // open_store routes both URL schemes here.
  EXPECT_THROW(open_store("postgres://postgres@127.0.0.1:1/postgres"), Error);
}

TEST(PostgresStore, TwoWritersOfTheSameSeriesEndWithNoDuplicateAndNoError) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  const auto db = database_of(url);
  PostgresStore first(url, true);
  PostgresStore second(url, true);
  std::vector<SeriesWrite> batch{long_series("SPX", 2000, 100.0), long_series("VIX", 2000, 20.0)};
  // Hold the raw-series lock so that both writers are provably waiting at once, then let go.
  postgres::Connection gate(url);
  gate.exec("BEGIN");
  gate.query("SELECT pg_advisory_xact_lock($1::bigint)", {postgres::lock_key("mre:raw_series")});
  auto a = std::async(std::launch::async, [&] { return first.write_raw(batch, Timestamp::now()); });
  auto b =
      std::async(std::launch::async, [&] { return second.write_raw(batch, Timestamp::now()); });
  wait_until("SELECT count(*) = 2 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", db);
  gate.exec("COMMIT");
  const WriteResult ra = a.get();
  const WriteResult rb = b.get();
  // One wrote everything, the other found nothing left to do.
  EXPECT_EQ(ra.inserted() + rb.inserted(), 4000u);
  EXPECT_EQ(ra.unchanged() + rb.unchanged(), 4000u);
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.raw_series", db), "4000");
  EXPECT_EQ(
      server.sql("SELECT count(*) FROM (SELECT DISTINCT ticker, dt FROM macro.raw_series) x", db),
      "4000");
  EXPECT_EQ(first.list_ingests().size(), 1u);
}

FeatureVersion small_version(const std::string& hash) {
  return {.version = "F1",
          .spec_name = "s",
          .spec_hash = hash,
          .data_watermark = "w",
          .frequency = "daily",
          .spec_text = "spec " + hash,
          .created_at = Timestamp::now(),
          .columns = {{.name = "a"}}};
}

TEST(PostgresStore, TwoBuildsOfOneTagCannotBothWrite) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  const auto db = database_of(url);
  PostgresStore first(url, true);
  PostgresStore second(url, true);
  const Panel one({d("2024-01-31")}, {"a"}, {{1.0}});
  const Panel two({d("2024-01-31"), d("2024-02-29")}, {"a"}, {{2.0, 3.0}});
  postgres::Connection gate(url);
  gate.exec("BEGIN");
  gate.query("SELECT pg_advisory_xact_lock($1::bigint)", {postgres::lock_key("mre:features:F1")});
  auto run = [](PostgresStore& store, const FeatureVersion& v, const Panel& p) -> std::string {
    try {
      return store.write_features(v, p) == FeatureWriteOutcome::kWritten ? "written" : "present";
    } catch (const Error& e) {
      return e.code() == ErrorCode::kInvalidArgument ? "refused" : e.what();
    }
  };
  auto a = std::async(std::launch::async, [&] { return run(first, small_version("h1"), one); });
  auto b = std::async(std::launch::async, [&] { return run(second, small_version("h2"), two); });
  wait_until("SELECT count(*) = 2 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", db);
  gate.exec("COMMIT");
  std::vector<std::string> outcomes{a.get(), b.get()};
  std::sort(outcomes.begin(), outcomes.end());
  EXPECT_EQ(outcomes, (std::vector<std::string>{"refused", "written"}));
  // Exactly one build's rows are stored, complete.
  const auto stored = first.find_feature_version("F1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->values, stored->spec_hash == "h1" ? 1u : 2u);
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.feature_versions", db), "1");
}

// Blocks a writer after its COPY has reached the server, by holding the lock on the series
// catalogue row it updates next. Returns the open blocking connection.
std::unique_ptr<postgres::Connection> block_catalogue_row(const std::string& url,
                                                          const std::string& ticker) {
  auto blocker = std::make_unique<postgres::Connection>(url);
  blocker->exec("BEGIN");
  blocker->query("SELECT 1 FROM macro.series WHERE ticker = $1 FOR UPDATE", {ticker});
  return blocker;
}

constexpr const char* kWriterWaiting =
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'mre' AND wait_event_type "
    "= 'Lock'";

TEST(PostgresStore, ReadersNeverSeeAHalfWrittenIngest) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  PostgresStore writer(url, true);
  std::vector<SeriesWrite> seed{series("A", {{"2024-01-01", 1.0}})};
  writer.write_raw(seed, Timestamp::now());
  auto blocker = block_catalogue_row(url, "A");
  std::vector<SeriesWrite> batch{long_series("A", 3000, 5.0), long_series("B", 3000, 6.0)};
  auto pending =
      std::async(std::launch::async, [&] { return writer.write_raw(batch, Timestamp::now()); });
  wait_until(kWriterWaiting, database_of(url));
  // The writer's 6,000 rows are on the server, uncommitted: a reader sees the store as before.
  PostgresStore reader(url, false);
  EXPECT_EQ(reader.list_series().size(), 1u);
  EXPECT_EQ(reader.read_raw({.ticker = "A"})->size(), 1u);
  EXPECT_FALSE(reader.read_raw({.ticker = "B"}).has_value());
  blocker->exec("COMMIT");
  EXPECT_EQ(pending.get().inserted(), 6000u);
  EXPECT_EQ(reader.read_raw({.ticker = "B"})->size(), 3000u);
}

TEST(PostgresStore, AServerCrashMidWriteIsAStoreErrorAndLeavesTheStoreAsItWas) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  {
    PostgresStore store(url, true);
    std::vector<SeriesWrite> seed{series("A", {{"2024-01-01", 1.0}})};
    store.write_raw(seed, Timestamp::now());
  }
  std::string message;
  {
    PostgresStore writer(url, true);
    auto blocker = block_catalogue_row(url, "A");
    std::vector<SeriesWrite> batch{long_series("A", 3000, 5.0), long_series("B", 3000, 6.0)};
    auto pending = std::async(std::launch::async, [&] {
      try {
        writer.write_raw(batch, Timestamp::now());
      } catch (const Error& e) {
        return std::string(e.what()) + (e.code() == ErrorCode::kStoreError ? " [StoreError]" : "");
      }
      return std::string("no error");
    });
    wait_until(kWriterWaiting, database_of(url));
    server.crash();
    message = pending.get();
  }
  server.start();
  EXPECT_NE(message.find("[StoreError]"), std::string::npos) << message;
  EXPECT_NE(message.find(url), std::string::npos) << message;
  PostgresStore after(url, false);
  ASSERT_EQ(after.list_series().size(), 1u);
  EXPECT_EQ(after.list_series()[0].rows, 1u);
  EXPECT_EQ(after.list_ingests().size(), 1u);
}

TEST(PostgresStore, RedactUrl) {
  using postgres::redact_url;
  EXPECT_EQ(redact_url("postgresql://u:p%40ss@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db?password=x&sslmode=require"),
            "postgresql://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgres://h/db?sslmode=require&password=x"),
            "postgres://h/db?sslmode=require&password=***");
  EXPECT_EQ(redact_url("postgresql://u:p@a,b:5433/db"), "postgresql://u:***@a,b:5433/db");
  EXPECT_EQ(redact_url("postgresql://h:5432/db"), "postgresql://h:5432/db");
}

// Store::hold_lock on a shared server (what keeps two `mre run`s apart): a session advisory
// lock; a second holder waits until the first lease ends and is told it waits.
TEST(PostgresStore, AStoreLockMakesASecondHolderWaitUntilTheFirstLeaseEnds) {
  const std::string url = PostgresServer::shared().create_database();
  PostgresStore first(url, true);
  PostgresStore second(url, true);
  auto lease = first.hold_lock("run");
  std::atomic<bool> waited{false};
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    const auto mine = second.hold_lock("run", [&] { waited = true; });
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(acquired.load());
  lease.reset();
  waiter.join();
  EXPECT_TRUE(waited.load());
  EXPECT_TRUE(acquired.load());
  bool waited_again = false;
  const auto again = first.hold_lock("run", [&] { waited_again = true; });
  EXPECT_FALSE(waited_again);
}

}  // namespace
}  // namespace mre::store
