// Ingest throughput on the whole bundled snapshot: parse only (memory store), parse + write
// into a fresh SQLite file (what `mre ingest` does), a no-op re-ingest, and the floor: bare
// SQLite inserts of the same rows with a prepared statement (no parsing, no diffing).
// Run by bench/ingest_compare.py, which adds pandas on the same files and prints the ratios.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "mre/sources/csv_files.h"
#include "mre/sources/universe.h"
#include "mre/store/memory/memory_store.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "mre/workflows/ingest.h"

namespace {

const std::filesystem::path kUniverse =
    std::filesystem::path(MRE_SOURCE_DIR) / "config" / "universe.yml";

std::filesystem::path temp_db(const char* name) {
  return std::filesystem::temp_directory_path() /
         (std::string("mre-bench-") + std::to_string(::getpid()) + "-" + name + ".db");
}

void remove_db(const std::filesystem::path& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

void BM_ParseSnapshotIntoMemory(benchmark::State& state) {
  std::size_t rows = 0;
  for (auto _ : state) {
    mre::store::MemoryStore store;
    rows = mre::workflows::ingest(store, {.universe_path = kUniverse}).observations_read;
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ParseSnapshotIntoMemory)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_IngestSnapshotIntoNewSqliteFile(benchmark::State& state) {
  const auto path = temp_db("full");
  std::size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    remove_db(path);
    state.ResumeTiming();
    mre::store::SqliteStore store(path, true);
    rows = mre::workflows::ingest(store, {.universe_path = kUniverse}).write.inserted();
  }
  remove_db(path);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_IngestSnapshotIntoNewSqliteFile)->Unit(benchmark::kMillisecond)->MinTime(3.0);

void BM_ReingestUnchangedSnapshot(benchmark::State& state) {
  const auto path = temp_db("again");
  remove_db(path);
  {
    mre::store::SqliteStore store(path, true);
    mre::workflows::ingest(store, {.universe_path = kUniverse});
  }
  std::size_t rows = 0;
  for (auto _ : state) {
    mre::store::SqliteStore store(path, true);
    rows = mre::workflows::ingest(store, {.universe_path = kUniverse}).write.unchanged();
  }
  remove_db(path);
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReingestUnchangedSnapshot)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The floor: the same rows, already parsed, inserted with one prepared statement in one
// transaction into the same table shape. No ingest can beat this on this engine.
void BM_BareSqliteInsertFloor(benchmark::State& state) {
  const auto universe = mre::sources::load_universe(kUniverse);
  std::vector<mre::TimeSeries> all;
  for (const auto& spec : universe.series) {
    if (spec.available) all.push_back(mre::sources::load_series_file(spec.file, spec.ticker));
  }
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  const auto path = temp_db("floor");
  std::size_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    remove_db(path);
    state.ResumeTiming();
    sqlite3* db = nullptr;
    sqlite3_open(path.string().c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA page_size=65536; PRAGMA cache_size=-65536; PRAGMA journal_mode=WAL; "
                 "PRAGMA synchronous=NORMAL; CREATE TABLE raw_series(ticker TEXT NOT NULL, dt "
                 "INTEGER NOT NULL, ingested_at INTEGER NOT NULL, value REAL NOT NULL, PRIMARY "
                 "KEY (ticker, dt, ingested_at)) WITHOUT ROWID; BEGIN",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO raw_series VALUES (?, ?, ?, ?)", -1, &insert, nullptr);
    rows = 0;
    for (const auto& series : all) {
      for (std::size_t i = 0; i < series.size(); ++i) {
        const mre::Date d = series.dates()[i];
        sqlite3_bind_text(insert, 1, series.name().data(), static_cast<int>(series.name().size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(insert, 2, d.year() * 10000LL + d.month() * 100 + d.day());
        sqlite3_bind_int64(insert, 3, 1'763'780'000'000'000LL);
        sqlite3_bind_double(insert, 4, series.values()[i]);
        sqlite3_step(insert);
        sqlite3_reset(insert);
        ++rows;
      }
    }
    sqlite3_finalize(insert);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  remove_db(path);
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BareSqliteInsertFloor)->Unit(benchmark::kMillisecond)->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();
