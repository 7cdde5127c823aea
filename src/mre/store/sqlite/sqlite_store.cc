// SqliteStore over the sqlite3 C API: prepared statements, one transaction per write,
// schema migrations by version number.
#include "mre/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <map>
#include <string>

#include "mre/core/error.h"
#include "mre/store/revisions.h"
#include "mre/store/schema.h"
#include "mre/store/sql/session.h"

namespace mre::store {
namespace {

// The DDL of each schema version, applied in order. Never edit a released entry: add one.
constexpr const char* kMigrations[] = {
    // 1: raw series with revisions, the series catalogue, the ingest logs, the run log.
    // Dates are INTEGER yyyymmdd and ingest times INTEGER microseconds since the Unix epoch
    // (UTC): a row is a third of the size of an all-text row, and ingest runs ~1.5x faster.
    // The view raw_series_readable shows DESIGN.md's shape with ISO text for people.
    R"sql(
CREATE TABLE series(
  ticker TEXT PRIMARY KEY,
  asset_class TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE raw_series(
  ticker TEXT NOT NULL,
  dt INTEGER NOT NULL,            -- observation date as yyyymmdd
  ingested_at INTEGER NOT NULL,   -- microseconds since 1970-01-01T00:00:00Z
  value REAL NOT NULL,
  PRIMARY KEY (ticker, dt, ingested_at)
) WITHOUT ROWID;
CREATE TABLE ingests(
  ingested_at INTEGER PRIMARY KEY,
  series INTEGER NOT NULL,
  inserted INTEGER NOT NULL,
  revised INTEGER NOT NULL
);
CREATE TABLE series_ingests(
  ticker TEXT NOT NULL,
  ingested_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  inserted INTEGER NOT NULL,
  revised INTEGER NOT NULL,
  PRIMARY KEY (ticker, ingested_at)
) WITHOUT ROWID;
CREATE TABLE runs(
  run_id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  code_version TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE VIEW raw_series_readable AS
SELECT r.ticker, s.asset_class,
       printf('%04d-%02d-%02d', r.dt / 10000, r.dt / 100 % 100, r.dt % 100) AS dt,
       r.value, i.source,
       strftime('%Y-%m-%dT%H:%M:%f', r.ingested_at / 1000000.0, 'unixepoch') || 'Z' AS ingested_at
FROM raw_series r JOIN series s USING (ticker) JOIN series_ingests i USING (ticker, ingested_at);
)sql",
    // 2: versioned feature sets (long form; NaN is absent), their specs and columns.
    R"sql(
CREATE TABLE feature_versions(
  version TEXT PRIMARY KEY,
  spec_name TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  data_watermark TEXT NOT NULL,
  frequency TEXT NOT NULL,
  spec_text TEXT NOT NULL,
  created_at INTEGER NOT NULL     -- microseconds since the epoch, UTC
) WITHOUT ROWID;
CREATE TABLE feature_columns(
  version TEXT NOT NULL REFERENCES feature_versions(version),
  position INTEGER NOT NULL,
  feature TEXT NOT NULL,
  description TEXT NOT NULL,
  proxy TEXT NOT NULL,            -- empty unless the values are a proxy
  uses_future_data INTEGER NOT NULL,
  forward_looking INTEGER NOT NULL,
  PRIMARY KEY (version, position)
) WITHOUT ROWID;
CREATE TABLE features(
  version TEXT NOT NULL,
  feature TEXT NOT NULL,
  dt INTEGER NOT NULL,            -- yyyymmdd
  value REAL NOT NULL,
  PRIMARY KEY (version, feature, dt)
) WITHOUT ROWID;
CREATE VIEW features_readable AS
SELECT printf('%04d-%02d-%02d', f.dt / 10000, f.dt / 100 % 100, f.dt % 100) AS dt,
       'GLOBAL' AS ticker, 'MACRO' AS asset_class, f.feature, f.value, f.version,
       strftime('%Y-%m-%dT%H:%M:%f', v.created_at / 1000000.0, 'unixepoch') || 'Z' AS computed_at,
       c.proxy
FROM features f JOIN feature_versions v USING (version)
JOIN feature_columns c ON c.version = f.version AND c.feature = f.feature;
)sql",
    // 3: regime model versions and their per-date regimes (DESIGN.md section 4).
    R"sql(
CREATE TABLE regime_models(
  version TEXT PRIMARY KEY,
  kind TEXT NOT NULL,               -- hmm | kmeans | rules
  spec_name TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  feature_version TEXT NOT NULL,
  columns TEXT NOT NULL,            -- comma-separated feature names
  labels TEXT NOT NULL,             -- comma-separated regime names, the probability order
  params TEXT NOT NULL,             -- JSON
  diagnostics TEXT NOT NULL,        -- JSON
  trained_from INTEGER,             -- yyyymmdd
  trained_to INTEGER,
  created_at INTEGER NOT NULL       -- microseconds since the epoch, UTC
) WITHOUT ROWID;
CREATE TABLE regimes_global(
  version TEXT NOT NULL,
  dt INTEGER NOT NULL,              -- yyyymmdd
  regime TEXT NOT NULL,
  score REAL NOT NULL,
  probabilities TEXT NOT NULL,      -- [p_1,...,p_K] in regime_models.labels order
  PRIMARY KEY (version, dt)
) WITHOUT ROWID;
CREATE VIEW regimes_global_readable AS
SELECT printf('%04d-%02d-%02d', g.dt / 10000, g.dt / 100 % 100, g.dt % 100) AS dt, g.regime, g.score,
       g.probabilities, g.version,
       strftime('%Y-%m-%dT%H:%M:%f', m.created_at / 1000000.0, 'unixepoch') || 'Z' AS created_at
FROM regimes_global g JOIN regime_models m USING (version);
)sql",
    // 4: hierarchical classifier versions, sign-offs and carried filter states (seed 003).
    R"sql(
CREATE TABLE classifier_models(
  version TEXT PRIMARY KEY,
  spec_name TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  source TEXT NOT NULL,             -- feature version or csv:<file>
  model TEXT NOT NULL,              -- JSON: both HMMs, statistics, mappings
  trained_from TEXT NOT NULL,
  trained_to TEXT NOT NULL,
  created_at INTEGER NOT NULL       -- microseconds since the epoch, UTC
) WITHOUT ROWID;
CREATE TABLE classifier_approvals(
  version TEXT NOT NULL REFERENCES classifier_models(version),
  model TEXT NOT NULL,              -- global_macro | muni
  approved_by TEXT NOT NULL,
  approved_at INTEGER NOT NULL,
  PRIMARY KEY (version, model, approved_at, approved_by)
) WITHOUT ROWID;
CREATE TABLE classifier_states(
  version TEXT NOT NULL REFERENCES classifier_models(version),
  sequence INTEGER NOT NULL,        -- 0 = end of training, then one per real-time call
  ts TEXT NOT NULL,                 -- the observation's timestamp as given
  ts_key INTEGER NOT NULL,          -- the same in microseconds since the epoch
  state TEXT NOT NULL,              -- JSON filtered state probabilities of both HMMs
  origin TEXT NOT NULL,             -- train | classify
  written_at INTEGER NOT NULL,
  PRIMARY KEY (version, sequence)
) WITHOUT ROWID;
)sql",
    // 5: grids of causal effects (seed 001).
    R"sql(
CREATE TABLE effect_versions(
  version TEXT PRIMARY KEY,
  spec_name TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  feature_version TEXT NOT NULL,
  regime_version TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE causal_effects(
  version TEXT NOT NULL REFERENCES effect_versions(version),
  treatment TEXT NOT NULL,
  outcome TEXT NOT NULL,
  horizon INTEGER NOT NULL,         -- months
  method TEXT NOT NULL,             -- dml | xlearner
  learner TEXT NOT NULL,
  effect REAL NOT NULL,
  se REAL NOT NULL,
  ci_low REAL NOT NULL,
  ci_high REAL NOT NULL,
  p_value REAL NOT NULL,
  observations INTEGER NOT NULL,
  regime_effects TEXT NOT NULL,     -- JSON
  placebo TEXT NOT NULL,            -- JSON
  diagnostics TEXT NOT NULL,        -- JSON
  PRIMARY KEY (version, treatment, outcome, horizon)
) WITHOUT ROWID;
)sql",
    // 6: structural causal models (seed 002) and their simulated scenarios.
    R"sql(
CREATE TABLE scm_models(
  version TEXT PRIMARY KEY,
  spec_name TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  spec TEXT NOT NULL,
  data_watermark TEXT NOT NULL,
  model TEXT NOT NULL,              -- JSON: graph, mapping, coefficients, data, shock regimes
  first_date TEXT,
  last_date TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE scenario_runs(
  id TEXT PRIMARY KEY,
  scm_version TEXT NOT NULL REFERENCES scm_models(version),
  name TEXT NOT NULL,
  interventions TEXT NOT NULL,
  shocks TEXT NOT NULL,
  start_date TEXT NOT NULL,
  horizon INTEGER NOT NULL,
  paths INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  summary TEXT NOT NULL,            -- JSON
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE scenarios(
  id TEXT NOT NULL REFERENCES scenario_runs(id),
  position INTEGER NOT NULL,
  day INTEGER NOT NULL,
  node TEXT NOT NULL,
  scenario TEXT NOT NULL,           -- baseline | intervened
  q05 REAL NOT NULL,
  q25 REAL NOT NULL,
  q50 REAL NOT NULL,
  q75 REAL NOT NULL,
  q95 REAL NOT NULL,
  PRIMARY KEY (id, position)
) WITHOUT ROWID;
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kHandWrittenSchemaVersion);

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& path) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": " + sqlite3_errmsg(db) +
                                              " (preparing: " + sql + ")");
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  // The caller keeps `text` alive until the next step().
  void bind_static(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  // True while a row is available; throws on error.
  bool step(const std::filesystem::path& path) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": " + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string_view text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql, const std::filesystem::path& path) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    const int code = sqlite3_extended_errcode(db);
    if (code == SQLITE_NOTADB) text = "not an SQLite database (" + text + ")";
    if ((code & 0xff) == SQLITE_READONLY) text = "store is read-only (" + text + ")";
    throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": " + text);
  }
}

// Rolls back unless committed: a failure anywhere in a write leaves the store as it was.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& path) : db_(db), path_(path) {
    exec(db_, "BEGIN IMMEDIATE", path_);
  }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT", path_);
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  bool done_ = false;
};

std::int64_t to_yyyymmdd(Date date) {
  return static_cast<std::int64_t>(date.year()) * 10000 + date.month() * 100 + date.day();
}

Date from_yyyymmdd(std::int64_t value, const std::filesystem::path& path) {
  const int y = static_cast<int>(value / 10000);
  const int m = static_cast<int>(value / 100 % 100);
  const int d = static_cast<int>(value % 100);
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
    throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": corrupt date " +
                                            std::to_string(value) + " in raw_series");
  }
  return Date::from_ymd(y, m, d);
}

// Test hook for the crash-safety test: when MRE_TEST_KILL_AFTER_SERIES=N is set, the process
// kills itself (SIGKILL, no cleanup) after writing N series inside the open transaction.
int kill_after_series() {
  const char* env = std::getenv("MRE_TEST_KILL_AFTER_SERIES");
  return env ? std::atoi(env) : -1;
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& path, bool create)
    : SqliteStore(path, create, "sqlite:" + path.string()) {}

SqliteStore::SqliteStore(const std::filesystem::path& path, bool create, std::string description)
    : path_(path), description_(std::move(description)) {
  if (!create && !std::filesystem::exists(path)) {
    throw Error(ErrorCode::kStoreError,
                "sqlite:" + path.string() + ": no store here (run 'mre ingest' to create one)");
  }
  if (create && path != ":memory:" && !std::filesystem::exists(path)) {
    // SQLite says only "unable to open database file" (QA 2026-12-07: `db copy --to` a path in a
    // directory that does not exist).
    const auto parent = path.parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      throw Error(ErrorCode::kStoreError,
                  "sqlite:" + path.string() + ": cannot create the store: the directory '" +
                      parent.string() + "' does not exist (or is not a directory)");
    }
  }
  const int flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.string().c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::kStoreError,
                "sqlite:" + path.string() + ": cannot open (" + message + ")");
  }
  writable_ = create;
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 60'000);
  try {
    // Touch the header first so "not a database" is reported as such.
    if (!writable_ &&
        sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
            SQLITE_OK &&
        (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_READONLY) {
      // A WAL store in a directory we cannot write (no -shm file can be made): nobody can be
      // writing it through this directory either, so read it as an immutable file.
      sqlite3_close(db_);
      db_ = nullptr;
      const std::string uri = "file:" + path.string() + "?immutable=1";
      if (sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
          SQLITE_OK) {
        throw Error(
            ErrorCode::kStoreError,
            "sqlite:" + path.string() + ": cannot open read-only (" + sqlite3_errmsg(db_) + ")");
      }
    }
    exec(db_, "SELECT count(*) FROM sqlite_master", path_);
    session_ =
        sql::sqlite_session(db_, describe(), writable_, path_ == ":memory:" ? "" : path_.string());
    if (writable_) {
      // 64 KiB pages (takes effect on a new file only) and a 64 MiB cache: bulk ingest of the
      // snapshot is ~25% faster than with the 4 KiB default; see bench/README.md.
      exec(db_, "PRAGMA page_size=65536", path_);
      exec(db_, "PRAGMA cache_size=-65536", path_);
      exec(db_, "PRAGMA journal_mode=WAL", path_);
      exec(db_, "PRAGMA synchronous=NORMAL", path_);
      migrate();
    } else if (schema_version() > kSchemaVersion) {
      throw Error(ErrorCode::kStoreError, "sqlite:" + path_.string() + ": schema version " +
                                              std::to_string(schema_version()) +
                                              " is newer than this mre supports (" +
                                              std::to_string(kSchemaVersion) + "); upgrade mre");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

bool remove_if_empty(const std::filesystem::path& path) noexcept {
  sqlite3* db = nullptr;
  bool empty = false;
  if (sqlite3_open_v2(path.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    std::vector<std::string> tables;
    sqlite3_stmt* list = nullptr;
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT name FROM sqlite_master WHERE type='table' AND name NOT "
                                 "LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_version'",
                                 -1, &list, nullptr) == SQLITE_OK;
    int rc = SQLITE_ROW;
    while (ok && (rc = sqlite3_step(list)) == SQLITE_ROW)
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
    ok = ok && rc == SQLITE_DONE;
    sqlite3_finalize(list);
    empty = ok;
    for (const auto& table : tables) {
      if (!empty) break;
      std::string quoted = "\"";
      for (const char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      const std::string sql = "SELECT EXISTS(SELECT 1 FROM " + quoted + "\")";
      sqlite3_stmt* probe = nullptr;
      empty = sqlite3_prepare_v2(db, sql.c_str(), -1, &probe, nullptr) == SQLITE_OK &&
              sqlite3_step(probe) == SQLITE_ROW && sqlite3_column_int(probe, 0) == 0;
      sqlite3_finalize(probe);
    }
  }
  sqlite3_close(db);
  if (!empty) return false;
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    std::filesystem::remove(path.string() + suffix, ec);
  return std::filesystem::remove(path, ec) && !ec;
}

std::string SqliteStore::describe() const { return description_; }

sql::Session& SqliteStore::artefact_session() const { return *session_; }

int SqliteStore::schema_version() const {
  Statement exists(db_, "SELECT count(*) FROM sqlite_master WHERE name='schema_version'", path_);
  exists.step(path_);
  if (exists.integer(0) == 0) return 0;
  Statement version(db_, "SELECT coalesce(max(version), 0) FROM schema_version", path_);
  version.step(path_);
  return static_cast<int>(version.integer(0));
}

void SqliteStore::migrate() {
  Transaction tx(db_, path_);
  exec(db_,
       "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL, applied_at TEXT NOT "
       "NULL)",
       path_);
  const int current = schema_version();
  if (current > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, "sqlite:" + path_.string() + ": schema version " +
                                            std::to_string(current) +
                                            " is newer than this mre supports (" +
                                            std::to_string(kSchemaVersion) + "); upgrade mre");
  }
  for (int v = current + 1; v <= kSchemaVersion; ++v) {
    exec(db_,
         v <= kHandWrittenSchemaVersion ? kMigrations[v - 1]
                                        : sql::generated_migration(*session_, v).c_str(),
         path_);
    Statement record(db_, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)", path_);
    record.bind(1, static_cast<std::int64_t>(v));
    record.bind(2, Timestamp::now().iso());
    record.step(path_);
  }
  tx.commit();
}

WriteResult SqliteStore::write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) {
  if (!writable_) {
    throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  }
  validate_batch(batch);
  Transaction tx(db_, path_);
  WriteResult result;
  result.ingested_at = ingested_at;
  {
    Statement last(db_, "SELECT max(ingested_at) FROM ingests", path_);
    if (last.step(path_) && !last.is_null(0)) {
      const Timestamp newest = Timestamp::from_micros(last.integer(0));
      if (!(newest < ingested_at)) result.ingested_at = Timestamp::from_micros(newest.micros() + 1);
    }
  }
  const std::int64_t stamp = result.ingested_at.micros();
  Statement select(
      db_, "SELECT dt, value FROM raw_series WHERE ticker = ? ORDER BY dt, ingested_at", path_);
  Statement insert(
      db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)", path_);
  Statement catalogue(db_,
                      "INSERT INTO series(ticker, asset_class) VALUES (?, ?) "
                      "ON CONFLICT(ticker) DO UPDATE SET asset_class = excluded.asset_class",
                      path_);
  Statement lineage(db_,
                    "INSERT INTO series_ingests(ticker, ingested_at, source, inserted, revised) "
                    "VALUES (?, ?, ?, ?, ?)",
                    path_);
  const int kill_after = kill_after_series();
  int written = 0;
  IngestRecord record{result.ingested_at, 0, 0, 0};
  std::vector<Date> current_dates;
  std::vector<double> current_values;
  // Writing tickers in primary-key order keeps B-tree inserts near the right edge.
  std::vector<const SeriesWrite*> ordered;
  for (const auto& write : batch) ordered.push_back(&write);
  std::sort(ordered.begin(), ordered.end(),
            [](const SeriesWrite* a, const SeriesWrite* b) { return a->ticker < b->ticker; });
  std::vector<SeriesWriteSummary> summaries(batch.size());
  for (const SeriesWrite* write_ptr : ordered) {
    const SeriesWrite& write = *write_ptr;
    current_dates.clear();
    current_values.clear();
    select.bind(1, write.ticker);
    while (select.step(path_)) {
      // Rows come ordered by (dt, ingested_at): the last one per date is current.
      const Date date = from_yyyymmdd(select.integer(0), path_);
      if (!current_dates.empty() && current_dates.back() == date) {
        current_values.back() = select.real(1);
      } else {
        current_dates.push_back(date);
        current_values.push_back(select.real(1));
      }
    }
    select.reset();
    const RevisionDiff diff = diff_against_current(current_dates, current_values, write.data);
    for (const auto& row : diff.rows) {
      insert.bind_static(1, write.ticker);
      insert.bind(2, to_yyyymmdd(row.date));
      insert.bind(3, stamp);
      insert.bind(4, row.value);
      insert.step(path_);
      insert.reset();
    }
    if (!diff.rows.empty()) {
      catalogue.bind(1, write.ticker);
      catalogue.bind(2, asset_class_name(write.asset_class));
      catalogue.step(path_);
      catalogue.reset();
      lineage.bind(1, write.ticker);
      lineage.bind(2, stamp);
      lineage.bind(3, write.source);
      lineage.bind(4, static_cast<std::int64_t>(diff.summary.inserted));
      lineage.bind(5, static_cast<std::int64_t>(diff.summary.revised));
      lineage.step(path_);
      lineage.reset();
      ++record.series;
      record.inserted += diff.summary.inserted;
      record.revised += diff.summary.revised;
    }
    summaries[static_cast<std::size_t>(write_ptr - batch.data())] = diff.summary;
    if (kill_after >= 0 && ++written >= kill_after) std::raise(SIGKILL);
  }
  result.series = std::move(summaries);
  if (record.series > 0) {
    Statement log(db_,
                  "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, ?, ?, ?)",
                  path_);
    log.bind(1, stamp);
    log.bind(2, static_cast<std::int64_t>(record.series));
    log.bind(3, static_cast<std::int64_t>(record.inserted));
    log.bind(4, static_cast<std::int64_t>(record.revised));
    log.step(path_);
  }
  tx.commit();
  return result;
}

SeriesWriteSummary SqliteStore::write_vintages(const SeriesWrite& series,
                                               std::span<const VintageRow> rows,
                                               Timestamp ingested_at) {
  if (!writable_)
    throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  std::vector<RawRow> stored;
  {
    Statement select(
        db_,
        "SELECT dt, value, ingested_at FROM raw_series WHERE ticker = ? ORDER BY dt, ingested_at",
        path_);
    select.bind(1, series.ticker);
    while (select.step(path_)) {
      stored.push_back({from_yyyymmdd(select.integer(0), path_), select.real(1),
                        Timestamp::from_micros(select.integer(2))});
    }
  }
  const VintagePlan plan = plan_vintages(series.ticker, stored, rows);
  if (plan.rows.empty()) return plan.summary;
  Timestamp at = ingested_at;
  {
    Statement last(db_, "SELECT max(ingested_at) FROM ingests", path_);
    if (last.step(path_) && !last.is_null(0)) {
      const Timestamp newest = Timestamp::from_micros(last.integer(0));
      if (!(newest < at)) at = Timestamp::from_micros(newest.micros() + 1);
    }
  }
  {
    Statement insert(
        db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)", path_);
    for (const auto& r : plan.rows) {
      insert.bind(1, series.ticker);
      insert.bind(2, to_yyyymmdd(r.date));
      insert.bind(3, r.ingested_at.micros());
      insert.bind(4, r.value);
      insert.step(path_);
      insert.reset();
    }
  }
  Statement catalogue(db_,
                      "INSERT INTO series(ticker, asset_class) VALUES (?, ?) "
                      "ON CONFLICT(ticker) DO UPDATE SET asset_class = excluded.asset_class",
                      path_);
  catalogue.bind(1, series.ticker);
  catalogue.bind(2, asset_class_name(series.asset_class));
  catalogue.step(path_);
  Statement lineage(db_,
                    "INSERT INTO series_ingests(ticker, ingested_at, source, inserted, revised) "
                    "VALUES (?, ?, ?, ?, ?)",
                    path_);
  lineage.bind(1, series.ticker);
  lineage.bind(2, at.micros());
  lineage.bind(3, series.source);
  lineage.bind(4, static_cast<std::int64_t>(plan.summary.inserted));
  lineage.bind(5, static_cast<std::int64_t>(plan.summary.revised));
  lineage.step(path_);
  Statement log(db_,
                "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, 1, ?, ?)",
                path_);
  log.bind(1, at.micros());
  log.bind(2, static_cast<std::int64_t>(plan.summary.inserted));
  log.bind(3, static_cast<std::int64_t>(plan.summary.revised));
  log.step(path_);
  tx.commit();
  return plan.summary;
}

std::vector<SeriesSummary> SqliteStore::list_series() const {
  if (schema_version() == 0) return {};
  Statement q(db_,
              "SELECT r.ticker, s.asset_class, "
              "  (SELECT source FROM series_ingests i WHERE i.ticker = r.ticker "
              "   ORDER BY ingested_at DESC LIMIT 1), "
              "  count(DISTINCT r.dt), count(*), min(r.dt), max(r.dt), max(r.ingested_at) "
              "FROM raw_series r JOIN series s USING (ticker) GROUP BY r.ticker ORDER BY r.ticker",
              path_);
  std::vector<SeriesSummary> out;
  while (q.step(path_)) {
    SeriesSummary s;
    s.ticker = q.text(0);
    s.asset_class = parse_asset_class(q.text(1)).value_or(AssetClass::kMacro);
    s.source = q.text(2);
    s.observations = static_cast<std::size_t>(q.integer(3));
    s.rows = static_cast<std::size_t>(q.integer(4));
    s.first = from_yyyymmdd(q.integer(5), path_);
    s.last = from_yyyymmdd(q.integer(6), path_);
    s.last_ingested_at = Timestamp::from_micros(q.integer(7));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RawRow> SqliteStore::read_revisions(const RawQuery& query) const {
  std::vector<RawRow> out;
  if (schema_version() == 0) return out;
  Statement q(db_,
              "SELECT dt, value, ingested_at FROM raw_series WHERE ticker = ?1 AND dt >= ?2 AND "
              "dt <= ?3 ORDER BY dt, ingested_at",
              path_);
  q.bind(1, query.ticker);
  q.bind(2, query.from ? to_yyyymmdd(*query.from) : std::int64_t{0});
  q.bind(3, query.to ? to_yyyymmdd(*query.to) : std::int64_t{99991231});
  while (q.step(path_)) {
    out.push_back(
        {from_yyyymmdd(q.integer(0), path_), q.real(1), Timestamp::from_micros(q.integer(2))});
  }
  return out;
}

std::optional<TimeSeries> SqliteStore::read_raw(const RawQuery& query) const {
  if (schema_version() == 0) return std::nullopt;
  Statement exists(db_, "SELECT 1 FROM raw_series WHERE ticker = ? LIMIT 1", path_);
  exists.bind(1, query.ticker);
  if (!exists.step(path_)) return std::nullopt;
  return current_view(query.ticker, read_revisions(query), query.as_of);
}

std::vector<IngestRecord> SqliteStore::list_ingests() const {
  std::vector<IngestRecord> out;
  if (schema_version() == 0) return out;
  Statement q(db_,
              "SELECT ingested_at, series, inserted, revised FROM ingests ORDER BY ingested_at",
              path_);
  while (q.step(path_)) {
    out.push_back({Timestamp::from_micros(q.integer(0)), static_cast<std::size_t>(q.integer(1)),
                   static_cast<std::size_t>(q.integer(2)), static_cast<std::size_t>(q.integer(3))});
  }
  return out;
}

RawHistory SqliteStore::read_raw_history() const {
  RawHistory history;
  if (schema_version() == 0) return history;
  {
    Statement q(db_, "SELECT ticker, asset_class FROM series ORDER BY ticker", path_);
    while (q.step(path_)) {
      history.series.push_back(
          {std::string(q.text(0)), parse_asset_class(q.text(1)).value_or(AssetClass::kMacro), {}});
    }
  }
  {
    Statement q(
        db_,
        "SELECT ticker, dt, value, ingested_at FROM raw_series ORDER BY ticker, dt, ingested_at",
        path_);
    std::size_t k = 0;
    while (q.step(path_)) {
      while (k < history.series.size() && history.series[k].ticker < q.text(0)) ++k;
      if (k == history.series.size() || history.series[k].ticker != q.text(0)) {
        throw Error(ErrorCode::kStoreError, describe() + ": raw_series holds '" +
                                                std::string(q.text(0)) +
                                                "', which the series catalogue lacks");
      }
      history.series[k].rows.push_back(
          {from_yyyymmdd(q.integer(1), path_), q.real(2), Timestamp::from_micros(q.integer(3))});
    }
  }
  {
    Statement q(db_,
                "SELECT ticker, ingested_at, source, inserted, revised FROM series_ingests ORDER "
                "BY ticker, ingested_at",
                path_);
    while (q.step(path_)) {
      history.lineage.push_back({std::string(q.text(0)), Timestamp::from_micros(q.integer(1)),
                                 std::string(q.text(2)), static_cast<std::size_t>(q.integer(3)),
                                 static_cast<std::size_t>(q.integer(4))});
    }
  }
  history.ingests = list_ingests();
  return history;
}

void SqliteStore::restore_raw_history(const RawHistory& history) {
  if (!writable_)
    throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  {
    Statement any(db_, "SELECT count(*) FROM raw_series", path_);
    any.step(path_);
    if (any.integer(0) > 0) {
      throw Error(ErrorCode::kStoreError,
                  describe() + ": holds raw series already; copy into an empty store");
    }
  }
  Statement catalogue(db_, "INSERT INTO series(ticker, asset_class) VALUES (?, ?)", path_);
  Statement row(db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)",
                path_);
  for (const auto& s : history.series) {
    catalogue.bind(1, s.ticker);
    catalogue.bind(2, asset_class_name(s.asset_class));
    catalogue.step(path_);
    catalogue.reset();
    for (const auto& r : s.rows) {
      row.bind_static(1, s.ticker);
      row.bind(2, to_yyyymmdd(r.date));
      row.bind(3, r.ingested_at.micros());
      row.bind(4, r.value);
      row.step(path_);
      row.reset();
    }
  }
  Statement lineage(db_,
                    "INSERT INTO series_ingests(ticker, ingested_at, source, inserted, revised) "
                    "VALUES (?, ?, ?, ?, ?)",
                    path_);
  for (const auto& l : history.lineage) {
    lineage.bind(1, l.ticker);
    lineage.bind(2, l.ingested_at.micros());
    lineage.bind(3, l.source);
    lineage.bind(4, static_cast<std::int64_t>(l.inserted));
    lineage.bind(5, static_cast<std::int64_t>(l.revised));
    lineage.step(path_);
    lineage.reset();
  }
  Statement log(db_,
                "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, ?, ?, ?)",
                path_);
  for (const auto& i : history.ingests) {
    log.bind(1, i.ingested_at.micros());
    log.bind(2, static_cast<std::int64_t>(i.series));
    log.bind(3, static_cast<std::int64_t>(i.inserted));
    log.bind(4, static_cast<std::int64_t>(i.revised));
    log.step(path_);
    log.reset();
  }
  tx.commit();
}

}  // namespace mre::store
