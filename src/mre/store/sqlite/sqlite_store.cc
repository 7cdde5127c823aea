// SqliteStore over the sqlite3 C API: prepared statements, one transaction per write,
// schema migrations by version number.
#include "mre/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <map>
#include <cstdlib>
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
      throw Error(ErrorCode::kStoreError,
                  "sqlite:" + path.string() + ": " + sqlite3_errmsg(db) + " (preparing: " + sql + ")");
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

SqliteStore::SqliteStore(const std::filesystem::path& path, bool create) : path_(path) {
  if (!create && !std::filesystem::exists(path)) {
    throw Error(ErrorCode::kStoreError,
                "sqlite:" + path.string() + ": no store here (run 'mre ingest' to create one)");
  }
  const int flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.string().c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": cannot open (" + message + ")");
  }
  writable_ = create;
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 60'000);
  try {
    // Touch the header first so "not a database" is reported as such.
    if (!writable_ && sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                                   nullptr) != SQLITE_OK &&
        (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_READONLY) {
      // A WAL store in a directory we cannot write (no -shm file can be made): nobody can be
      // writing it through this directory either, so read it as an immutable file.
      sqlite3_close(db_);
      db_ = nullptr;
      const std::string uri = "file:" + path.string() + "?immutable=1";
      if (sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
          SQLITE_OK) {
        throw Error(ErrorCode::kStoreError, "sqlite:" + path.string() + ": cannot open read-only (" +
                                                sqlite3_errmsg(db_) + ")");
      }
    }
    exec(db_, "SELECT count(*) FROM sqlite_master", path_);
    session_ = sql::sqlite_session(db_, describe(), writable_, path_ == ":memory:" ? "" : path_.string());
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

std::string SqliteStore::describe() const { return "sqlite:" + path_.string(); }

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
  exec(db_, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL, applied_at TEXT NOT NULL)",
       path_);
  const int current = schema_version();
  if (current > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, "sqlite:" + path_.string() + ": schema version " +
                                            std::to_string(current) +
                                            " is newer than this mre supports (" +
                                            std::to_string(kSchemaVersion) + "); upgrade mre");
  }
  for (int v = current + 1; v <= kSchemaVersion; ++v) {
    exec(db_, v <= kHandWrittenSchemaVersion ? kMigrations[v - 1] : sql::generated_migration(*session_, v).c_str(),
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
  Statement select(db_, "SELECT dt, value FROM raw_series WHERE ticker = ? ORDER BY dt, ingested_at",
                   path_);
  Statement insert(db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)",
                   path_);
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
    Statement log(db_, "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, ?, ?, ?)",
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

SeriesWriteSummary SqliteStore::write_vintages(const SeriesWrite& series, std::span<const VintageRow> rows, Timestamp ingested_at) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  std::vector<RawRow> stored;
  {
    Statement select(db_, "SELECT dt, value, ingested_at FROM raw_series WHERE ticker = ? ORDER BY dt, ingested_at", path_);
    select.bind(1, series.ticker);
    while (select.step(path_)) {
      stored.push_back({from_yyyymmdd(select.integer(0), path_), select.real(1), Timestamp::from_micros(select.integer(2))});
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
    Statement insert(db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)", path_);
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
  Statement lineage(db_, "INSERT INTO series_ingests(ticker, ingested_at, source, inserted, revised) VALUES (?, ?, ?, ?, ?)", path_);
  lineage.bind(1, series.ticker);
  lineage.bind(2, at.micros());
  lineage.bind(3, series.source);
  lineage.bind(4, static_cast<std::int64_t>(plan.summary.inserted));
  lineage.bind(5, static_cast<std::int64_t>(plan.summary.revised));
  lineage.step(path_);
  Statement log(db_, "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, 1, ?, ?)", path_);
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
    out.push_back({from_yyyymmdd(q.integer(0), path_), q.real(1), Timestamp::from_micros(q.integer(2))});
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
  Statement q(db_, "SELECT ingested_at, series, inserted, revised FROM ingests ORDER BY ingested_at",
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
      history.series.push_back({std::string(q.text(0)), parse_asset_class(q.text(1)).value_or(AssetClass::kMacro), {}});
    }
  }
  {
    Statement q(db_, "SELECT ticker, dt, value, ingested_at FROM raw_series ORDER BY ticker, dt, ingested_at", path_);
    std::size_t k = 0;
    while (q.step(path_)) {
      while (k < history.series.size() && history.series[k].ticker < q.text(0)) ++k;
      if (k == history.series.size() || history.series[k].ticker != q.text(0)) {
        throw Error(ErrorCode::kStoreError, describe() + ": raw_series holds '" + std::string(q.text(0)) +
                                                "', which the series catalogue lacks");
      }
      history.series[k].rows.push_back(
          {from_yyyymmdd(q.integer(1), path_), q.real(2), Timestamp::from_micros(q.integer(3))});
    }
  }
  {
    Statement q(db_,
                "SELECT ticker, ingested_at, source, inserted, revised FROM series_ingests ORDER BY ticker, ingested_at",
                path_);
    while (q.step(path_)) {
      history.lineage.push_back({std::string(q.text(0)), Timestamp::from_micros(q.integer(1)), std::string(q.text(2)),
                                 static_cast<std::size_t>(q.integer(3)), static_cast<std::size_t>(q.integer(4))});
    }
  }
  history.ingests = list_ingests();
  return history;
}

void SqliteStore::restore_raw_history(const RawHistory& history) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  {
    Statement any(db_, "SELECT count(*) FROM raw_series", path_);
    any.step(path_);
    if (any.integer(0) > 0) {
      throw Error(ErrorCode::kStoreError, describe() + ": holds raw series already; copy into an empty store");
    }
  }
  Statement catalogue(db_, "INSERT INTO series(ticker, asset_class) VALUES (?, ?)", path_);
  Statement row(db_, "INSERT INTO raw_series(ticker, dt, ingested_at, value) VALUES (?, ?, ?, ?)", path_);
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
  Statement lineage(db_, "INSERT INTO series_ingests(ticker, ingested_at, source, inserted, revised) VALUES (?, ?, ?, ?, ?)",
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
  Statement log(db_, "INSERT INTO ingests(ingested_at, series, inserted, revised) VALUES (?, ?, ?, ?)", path_);
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

FeatureWriteOutcome SqliteStore::write_features(const FeatureVersion& version, const Panel& values) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(version.version);
  if (values.cols() != version.columns.size()) {
    throw Error(ErrorCode::kInternal, "write_features: columns do not match the version's");
  }
  Transaction tx(db_, path_);
  // Checked inside the write transaction, so two builds of one tag cannot both write.
  if (const auto existing = find_feature_version(version.version)) {
    same_feature_version(*existing, version);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  {
    Statement insert(db_,
                     "INSERT INTO feature_versions(version, spec_name, spec_hash, data_watermark, "
                     "frequency, spec_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     path_);
    insert.bind(1, version.version);
    insert.bind(2, version.spec_name);
    insert.bind(3, version.spec_hash);
    insert.bind(4, version.data_watermark);
    insert.bind(5, version.frequency);
    insert.bind(6, version.spec_text);
    insert.bind(7, version.created_at.micros());
    insert.step(path_);
  }
  Statement column(db_,
                   "INSERT INTO feature_columns(version, position, feature, description, proxy, "
                   "uses_future_data, forward_looking) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   path_);
  Statement value(db_, "INSERT INTO features(version, feature, dt, value) VALUES (?, ?, ?, ?)", path_);
  for (std::size_t c = 0; c < values.cols(); ++c) {
    const FeatureColumn& info = version.columns[c];
    column.bind(1, version.version);
    column.bind(2, static_cast<std::int64_t>(c));
    column.bind(3, info.name);
    column.bind(4, info.description);
    column.bind(5, info.proxy);
    column.bind(6, static_cast<std::int64_t>(info.uses_future_data));
    column.bind(7, static_cast<std::int64_t>(info.forward_looking));
    column.step(path_);
    column.reset();
    const auto& data = values.column(c);
    for (std::size_t t = 0; t < values.rows(); ++t) {
      if (std::isnan(data[t])) continue;
      value.bind_static(1, version.version);
      value.bind_static(2, info.name);
      value.bind(3, to_yyyymmdd(values.dates()[t]));
      value.bind(4, data[t]);
      value.step(path_);
      value.reset();
    }
  }
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

FeatureVersion read_version_row(Statement& q, const std::filesystem::path& path) {
  FeatureVersion v;
  v.version = q.text(0);
  v.spec_name = q.text(1);
  v.spec_hash = q.text(2);
  v.data_watermark = q.text(3);
  v.frequency = q.text(4);
  v.created_at = Timestamp::from_micros(q.integer(5));
  v.values = static_cast<std::size_t>(q.integer(6));
  if (!q.is_null(7)) v.first = from_yyyymmdd(q.integer(7), path);
  if (!q.is_null(8)) v.last = from_yyyymmdd(q.integer(8), path);
  return v;
}

constexpr const char* kVersionColumns =
    "SELECT v.version, v.spec_name, v.spec_hash, v.data_watermark, v.frequency, v.created_at, "
    "(SELECT count(*) FROM features f WHERE f.version = v.version), "
    "(SELECT min(dt) FROM features f WHERE f.version = v.version), "
    "(SELECT max(dt) FROM features f WHERE f.version = v.version) FROM feature_versions v ";

}  // namespace

std::vector<FeatureVersion> SqliteStore::list_feature_versions() const {
  std::vector<FeatureVersion> out;
  if (schema_version() < 2) return out;
  Statement q(db_, (std::string(kVersionColumns) + "ORDER BY v.created_at, v.version").c_str(), path_);
  while (q.step(path_)) out.push_back(read_version_row(q, path_));
  for (auto& v : out) v.columns = find_feature_version(v.version)->columns;
  return out;
}

std::optional<FeatureVersion> SqliteStore::find_feature_version(const std::string& version) const {
  if (schema_version() < 2) return std::nullopt;
  Statement q(db_, (std::string(kVersionColumns) + "WHERE v.version = ?").c_str(), path_);
  q.bind(1, version);
  if (!q.step(path_)) return std::nullopt;
  FeatureVersion v = read_version_row(q, path_);
  Statement text(db_, "SELECT spec_text FROM feature_versions WHERE version = ?", path_);
  text.bind(1, version);
  if (text.step(path_)) v.spec_text = text.text(0);
  Statement columns(db_,
                    "SELECT feature, description, proxy, uses_future_data, forward_looking FROM "
                    "feature_columns WHERE version = ? ORDER BY position",
                    path_);
  columns.bind(1, version);
  while (columns.step(path_)) {
    v.columns.push_back({std::string(columns.text(0)), std::string(columns.text(1)),
                         std::string(columns.text(2)), columns.integer(3) != 0, columns.integer(4) != 0});
  }
  return v;
}

Panel SqliteStore::read_features(const std::string& version, std::optional<Date> from,
                                 std::optional<Date> to) const {
  const auto info = find_feature_version(version);
  if (!info) throw Error(ErrorCode::kNotFound, "no feature version '" + version + "' (see 'mre features list')");
  std::vector<std::string> names;
  std::map<std::string, std::size_t, std::less<>> position;
  for (const auto& c : info->columns) {
    position[c.name] = names.size();
    names.push_back(c.name);
  }
  Statement q(db_,
              "SELECT feature, dt, value FROM features WHERE version = ?1 AND dt >= ?2 AND dt <= ?3",
              path_);
  q.bind(1, version);
  q.bind(2, from ? to_yyyymmdd(*from) : std::int64_t{0});
  q.bind(3, to ? to_yyyymmdd(*to) : std::int64_t{99991231});
  std::vector<FeatureValue> rows;
  while (q.step(path_)) {
    const auto it = position.find(q.text(0));
    if (it == position.end()) continue;
    rows.push_back({from_yyyymmdd(q.integer(1), path_), it->second, q.real(2)});
  }
  return panel_from_long(names, std::move(rows));
}

FeatureWriteOutcome SqliteStore::write_regimes(const RegimeModel& model, const std::vector<RegimeRow>& rows) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(model.version);
  Transaction tx(db_, path_);
  if (const auto existing = find_regime_model(model.version)) {
    same_regime_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  {
    Statement insert(db_,
                     "INSERT INTO regime_models(version, kind, spec_name, spec_hash, spec, feature_version, "
                     "columns, labels, params, diagnostics, trained_from, trained_to, created_at) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     path_);
    insert.bind(1, model.version);
    insert.bind(2, model.kind);
    insert.bind(3, model.spec_name);
    insert.bind(4, model.spec_hash);
    insert.bind(5, model.spec_text);
    insert.bind(6, model.feature_version);
    insert.bind(7, join_names(model.columns));
    insert.bind(8, join_names(model.labels));
    insert.bind(9, model.params_json);
    insert.bind(10, model.diagnostics_json);
    if (model.trained_from) insert.bind(11, to_yyyymmdd(*model.trained_from));
    if (model.trained_to) insert.bind(12, to_yyyymmdd(*model.trained_to));
    insert.bind(13, model.created_at.micros());
    insert.step(path_);
  }
  Statement row_insert(db_, "INSERT INTO regimes_global(version, dt, regime, score, probabilities) VALUES (?, ?, ?, ?, ?)",
                       path_);
  for (const auto& row : rows) {
    row_insert.bind_static(1, model.version);
    row_insert.bind(2, to_yyyymmdd(row.date));
    row_insert.bind(3, row.regime);
    row_insert.bind(4, row.score);
    row_insert.bind(5, format_probabilities(row.probabilities));
    row_insert.step(path_);
    row_insert.reset();
  }
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

constexpr const char* kRegimeColumns =
    "SELECT m.version, m.kind, m.spec_name, m.spec_hash, m.spec, m.feature_version, m.columns, m.labels, "
    "m.params, m.diagnostics, m.trained_from, m.trained_to, m.created_at, "
    "(SELECT count(*) FROM regimes_global g WHERE g.version = m.version), "
    "(SELECT min(dt) FROM regimes_global g WHERE g.version = m.version), "
    "(SELECT max(dt) FROM regimes_global g WHERE g.version = m.version) FROM regime_models m ";

RegimeModel read_regime_row(Statement& q, const std::filesystem::path& path) {
  RegimeModel m;
  m.version = q.text(0);
  m.kind = q.text(1);
  m.spec_name = q.text(2);
  m.spec_hash = q.text(3);
  m.spec_text = q.text(4);
  m.feature_version = q.text(5);
  m.columns = split_names(std::string(q.text(6)));
  m.labels = split_names(std::string(q.text(7)));
  m.params_json = q.text(8);
  m.diagnostics_json = q.text(9);
  if (!q.is_null(10)) m.trained_from = from_yyyymmdd(q.integer(10), path);
  if (!q.is_null(11)) m.trained_to = from_yyyymmdd(q.integer(11), path);
  m.created_at = Timestamp::from_micros(q.integer(12));
  m.rows = static_cast<std::size_t>(q.integer(13));
  if (!q.is_null(14)) m.first = from_yyyymmdd(q.integer(14), path);
  if (!q.is_null(15)) m.last = from_yyyymmdd(q.integer(15), path);
  return m;
}

}  // namespace

std::vector<RegimeModel> SqliteStore::list_regime_models() const {
  std::vector<RegimeModel> out;
  if (schema_version() < 3) return out;
  Statement q(db_, (std::string(kRegimeColumns) + "ORDER BY m.created_at, m.version").c_str(), path_);
  while (q.step(path_)) out.push_back(read_regime_row(q, path_));
  return out;
}

std::optional<RegimeModel> SqliteStore::find_regime_model(const std::string& version) const {
  if (schema_version() < 3) return std::nullopt;
  Statement q(db_, (std::string(kRegimeColumns) + "WHERE m.version = ?").c_str(), path_);
  q.bind(1, version);
  if (!q.step(path_)) return std::nullopt;
  return read_regime_row(q, path_);
}

std::vector<RegimeRow> SqliteStore::read_regimes(const std::string& version, std::optional<Date> from,
                                                 std::optional<Date> to) const {
  if (!find_regime_model(version)) {
    throw Error(ErrorCode::kNotFound, "no regime version '" + version + "' (see 'mre regimes list')");
  }
  Statement q(db_,
              "SELECT dt, regime, score, probabilities FROM regimes_global WHERE version = ?1 AND dt >= ?2 "
              "AND dt <= ?3 ORDER BY dt",
              path_);
  q.bind(1, version);
  q.bind(2, from ? to_yyyymmdd(*from) : std::int64_t{0});
  q.bind(3, to ? to_yyyymmdd(*to) : std::int64_t{99991231});
  std::vector<RegimeRow> out;
  while (q.step(path_)) {
    out.push_back({from_yyyymmdd(q.integer(0), path_), std::string(q.text(1)), q.real(2),
                   parse_probabilities(std::string(q.text(3)))});
  }
  return out;
}

void SqliteStore::write_classifier(const ClassifierModel& model, const ClassifierState& initial) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(model.version);
  Transaction tx(db_, path_);
  if (find_classifier(model.version)) {
    throw Error(ErrorCode::kInvalidArgument, "classifier version '" + model.version +
                                                 "' already exists; versions are never overwritten (choose a new tag)");
  }
  Statement insert(db_,
                   "INSERT INTO classifier_models(version, spec_name, spec_hash, spec, source, model, trained_from, "
                   "trained_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   path_);
  insert.bind(1, model.version);
  insert.bind(2, model.spec_name);
  insert.bind(3, model.spec_hash);
  insert.bind(4, model.spec_text);
  insert.bind(5, model.source);
  insert.bind(6, model.model_json);
  insert.bind(7, model.trained_from);
  insert.bind(8, model.trained_to);
  insert.bind(9, model.created_at.micros());
  insert.step(path_);
  ClassifierState first = initial;
  first.sequence = 0;
  insert_classifier_state(model.version, first);
  tx.commit();
}

void SqliteStore::insert_classifier_state(const std::string& version, const ClassifierState& state) {
  Statement insert(db_,
                   "INSERT INTO classifier_states(version, sequence, ts, ts_key, state, origin, written_at) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?)",
                   path_);
  insert.bind(1, version);
  insert.bind(2, state.sequence);
  insert.bind(3, state.timestamp);
  insert.bind(4, state.key);
  insert.bind(5, state.state_json);
  insert.bind(6, state.origin);
  insert.bind(7, state.written_at.micros());
  insert.step(path_);
}

namespace {

constexpr const char* kClassifierColumns =
    "SELECT version, spec_name, spec_hash, spec, source, model, trained_from, trained_to, created_at "
    "FROM classifier_models ";

ClassifierModel read_classifier_row(const Statement& q) {
  ClassifierModel m;
  m.version = q.text(0);
  m.spec_name = q.text(1);
  m.spec_hash = q.text(2);
  m.spec_text = q.text(3);
  m.source = q.text(4);
  m.model_json = q.text(5);
  m.trained_from = q.text(6);
  m.trained_to = q.text(7);
  m.created_at = Timestamp::from_micros(q.integer(8));
  return m;
}

}  // namespace

std::vector<ClassifierModel> SqliteStore::list_classifiers() const {
  std::vector<ClassifierModel> out;
  if (schema_version() < 4) return out;
  Statement q(db_, (std::string(kClassifierColumns) + "ORDER BY created_at, version").c_str(), path_);
  while (q.step(path_)) out.push_back(read_classifier_row(q));
  return out;
}

std::optional<ClassifierModel> SqliteStore::find_classifier(const std::string& version) const {
  if (schema_version() < 4) return std::nullopt;
  Statement q(db_, (std::string(kClassifierColumns) + "WHERE version = ?").c_str(), path_);
  q.bind(1, version);
  if (!q.step(path_)) return std::nullopt;
  return read_classifier_row(q);
}

void SqliteStore::approve_classifier(const ClassifierApproval& approval) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  if (!find_classifier(approval.version)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + approval.version + "' (see 'mre classify list')");
  }
  Statement insert(db_, "INSERT INTO classifier_approvals(version, model, approved_by, approved_at) VALUES (?, ?, ?, ?)",
                   path_);
  insert.bind(1, approval.version);
  insert.bind(2, approval.model);
  insert.bind(3, approval.approved_by);
  insert.bind(4, approval.approved_at.micros());
  insert.step(path_);
  tx.commit();
}

std::vector<ClassifierApproval> SqliteStore::list_approvals(const std::string& version) const {
  std::vector<ClassifierApproval> out;
  if (schema_version() < 4) return out;
  Statement q(db_, "SELECT model, approved_by, approved_at FROM classifier_approvals WHERE version = ? ORDER BY approved_at",
              path_);
  q.bind(1, version);
  while (q.step(path_)) {
    out.push_back({version, std::string(q.text(0)), std::string(q.text(1)), Timestamp::from_micros(q.integer(2))});
  }
  return out;
}

void SqliteStore::append_classifier_state(const std::string& version, const ClassifierState& state) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  Transaction tx(db_, path_);
  Statement q(db_, "SELECT max(sequence) FROM classifier_states WHERE version = ?", path_);
  q.bind(1, version);
  q.step(path_);
  if (q.is_null(0)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  const std::int64_t newest = q.integer(0);
  if (state.sequence != newest + 1) {
    throw Error(ErrorCode::kStoreError, "classifier " + version + ": the state moved on (sequence " +
                                            std::to_string(newest) + ") while this classification ran; retry");
  }
  insert_classifier_state(version, state);
  tx.commit();
}

std::vector<ClassifierState> SqliteStore::read_classifier_states(const std::string& version, std::size_t count) const {
  if (!find_classifier(version)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  Statement q(db_,
              "SELECT sequence, ts, ts_key, state, origin, written_at FROM classifier_states WHERE version = ? "
              "ORDER BY sequence DESC LIMIT ?",
              path_);
  q.bind(1, version);
  q.bind(2, static_cast<std::int64_t>(count));
  std::vector<ClassifierState> out;
  while (q.step(path_)) {
    out.push_back({q.integer(0), std::string(q.text(1)), q.integer(2), std::string(q.text(3)), std::string(q.text(4)),
                   Timestamp::from_micros(q.integer(5))});
  }
  return out;
}

FeatureWriteOutcome SqliteStore::write_effects(const EffectVersion& version, const std::vector<EffectRow>& rows) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(version.version);
  Transaction tx(db_, path_);
  for (const auto& v : list_effect_versions()) {
    if (v.version == version.version) {
      same_effect_version(v, version);
      return FeatureWriteOutcome::kAlreadyPresent;
    }
  }
  {
    Statement insert(db_,
                     "INSERT INTO effect_versions(version, spec_name, spec_hash, spec, feature_version, regime_version, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     path_);
    insert.bind(1, version.version);
    insert.bind(2, version.spec_name);
    insert.bind(3, version.spec_hash);
    insert.bind(4, version.spec_text);
    insert.bind(5, version.feature_version);
    insert.bind(6, version.regime_version);
    insert.bind(7, version.created_at.micros());
    insert.step(path_);
  }
  Statement insert(db_,
                   "INSERT INTO causal_effects(version, treatment, outcome, horizon, method, learner, effect, se, ci_low, "
                   "ci_high, p_value, observations, regime_effects, placebo, diagnostics) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   path_);
  for (const auto& r : rows) {
    insert.bind(1, version.version);
    insert.bind(2, r.treatment);
    insert.bind(3, r.outcome);
    insert.bind(4, static_cast<std::int64_t>(r.horizon));
    insert.bind(5, r.method);
    insert.bind(6, r.learner);
    insert.bind(7, r.effect);
    insert.bind(8, r.se);
    insert.bind(9, r.ci_low);
    insert.bind(10, r.ci_high);
    insert.bind(11, r.p_value);
    insert.bind(12, r.observations);
    insert.bind(13, r.regime_effects_json);
    insert.bind(14, r.placebo_json);
    insert.bind(15, r.diagnostics_json);
    insert.step(path_);
    insert.reset();
  }
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<EffectVersion> SqliteStore::list_effect_versions() const {
  std::vector<EffectVersion> out;
  if (schema_version() < 5) return out;
  Statement q(db_,
              "SELECT v.version, v.spec_name, v.spec_hash, v.spec, v.feature_version, v.regime_version, v.created_at, "
              "(SELECT count(*) FROM causal_effects e WHERE e.version = v.version) FROM effect_versions v "
              "ORDER BY v.created_at, v.version",
              path_);
  while (q.step(path_)) {
    EffectVersion v;
    v.version = q.text(0);
    v.spec_name = q.text(1);
    v.spec_hash = q.text(2);
    v.spec_text = q.text(3);
    v.feature_version = q.text(4);
    v.regime_version = q.text(5);
    v.created_at = Timestamp::from_micros(q.integer(6));
    v.rows = static_cast<std::size_t>(q.integer(7));
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<EffectRow> SqliteStore::read_effects(const std::string& version) const {
  bool known = false;
  for (const auto& v : list_effect_versions()) known |= v.version == version;
  if (!known) throw Error(ErrorCode::kNotFound, "no effects version '" + version + "' (see 'mre effects list')");
  Statement q(db_,
              "SELECT treatment, outcome, horizon, method, learner, effect, se, ci_low, ci_high, p_value, observations, "
              "regime_effects, placebo, diagnostics FROM causal_effects WHERE version = ? ORDER BY treatment, outcome, "
              "horizon",
              path_);
  q.bind(1, version);
  std::vector<EffectRow> out;
  while (q.step(path_)) {
    EffectRow r;
    r.treatment = q.text(0);
    r.outcome = q.text(1);
    r.horizon = static_cast<int>(q.integer(2));
    r.method = q.text(3);
    r.learner = q.text(4);
    r.effect = q.real(5);
    r.se = q.real(6);
    r.ci_low = q.real(7);
    r.ci_high = q.real(8);
    r.p_value = q.real(9);
    r.observations = q.integer(10);
    r.regime_effects_json = q.text(11);
    r.placebo_json = q.text(12);
    r.diagnostics_json = q.text(13);
    out.push_back(std::move(r));
  }
  return out;
}

FeatureWriteOutcome SqliteStore::write_scm_model(const ScmModel& model) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(model.version);
  Transaction tx(db_, path_);
  if (const auto existing = find_scm_model(model.version)) {
    same_scm_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  Statement insert(db_,
                   "INSERT INTO scm_models(version, spec_name, spec_hash, spec, data_watermark, model, first_date, "
                   "last_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   path_);
  insert.bind(1, model.version);
  insert.bind(2, model.spec_name);
  insert.bind(3, model.spec_hash);
  insert.bind(4, model.spec_text);
  insert.bind(5, model.data_watermark);
  insert.bind(6, model.model_json);
  insert.bind(7, model.first ? model.first->iso() : std::string());
  insert.bind(8, model.last ? model.last->iso() : std::string());
  insert.bind(9, model.created_at.micros());
  insert.step(path_);
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

ScmModel scm_model_from(Statement& q, bool with_model) {
  ScmModel m;
  m.version = q.text(0);
  m.spec_name = q.text(1);
  m.spec_hash = q.text(2);
  m.spec_text = q.text(3);
  m.data_watermark = q.text(4);
  if (with_model) m.model_json = q.text(5);
  if (const std::string f(q.text(6)); !f.empty()) m.first = Date::parse(f);
  if (const std::string l(q.text(7)); !l.empty()) m.last = Date::parse(l);
  m.created_at = Timestamp::from_micros(q.integer(8));
  return m;
}

}  // namespace

std::vector<ScmModel> SqliteStore::list_scm_models() const {
  std::vector<ScmModel> out;
  if (schema_version() < 6) return out;
  Statement q(db_,
              "SELECT version, spec_name, spec_hash, spec, data_watermark, '', first_date, last_date, created_at "
              "FROM scm_models ORDER BY created_at, version",
              path_);
  while (q.step(path_)) out.push_back(scm_model_from(q, false));
  return out;
}

std::optional<ScmModel> SqliteStore::find_scm_model(const std::string& version) const {
  if (schema_version() < 6) return std::nullopt;
  Statement q(db_,
              "SELECT version, spec_name, spec_hash, spec, data_watermark, model, first_date, last_date, created_at "
              "FROM scm_models WHERE version = ?",
              path_);
  q.bind(1, version);
  if (!q.step(path_)) return std::nullopt;
  return scm_model_from(q, true);
}

FeatureWriteOutcome SqliteStore::write_scenario(const ScenarioRun& run, const std::vector<ScenarioFanRow>& rows) {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
  validate_version_tag(run.id);
  Transaction tx(db_, path_);
  {
    Statement known(db_, "SELECT count(*) FROM scm_models WHERE version = ?", path_);
    known.bind(1, run.scm_version);
    known.step(path_);
    if (known.integer(0) == 0) throw Error(ErrorCode::kNotFound, "no scm version '" + run.scm_version + "' (see 'mre scm list')");
    Statement exists(db_, "SELECT count(*) FROM scenario_runs WHERE id = ?", path_);
    exists.bind(1, run.id);
    exists.step(path_);
    if (exists.integer(0) > 0) return FeatureWriteOutcome::kAlreadyPresent;
  }
  {
    Statement insert(db_,
                     "INSERT INTO scenario_runs(id, scm_version, name, interventions, shocks, start_date, horizon, paths, "
                     "seed, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     path_);
    insert.bind(1, run.id);
    insert.bind(2, run.scm_version);
    insert.bind(3, run.name);
    insert.bind(4, run.interventions);
    insert.bind(5, run.shocks);
    insert.bind(6, run.start.iso());
    insert.bind(7, static_cast<std::int64_t>(run.horizon));
    insert.bind(8, static_cast<std::int64_t>(run.paths));
    insert.bind(9, run.seed);
    insert.bind(10, run.summary_json);
    insert.bind(11, run.created_at.micros());
    insert.step(path_);
  }
  Statement insert(db_,
                   "INSERT INTO scenarios(id, position, day, node, scenario, q05, q25, q50, q75, q95) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   path_);
  std::int64_t position = 0;
  for (const auto& r : rows) {
    insert.bind(1, run.id);
    insert.bind(2, position++);
    insert.bind(3, static_cast<std::int64_t>(r.day));
    insert.bind(4, r.node);
    insert.bind(5, r.scenario);
    insert.bind(6, r.q05);
    insert.bind(7, r.q25);
    insert.bind(8, r.q50);
    insert.bind(9, r.q75);
    insert.bind(10, r.q95);
    insert.step(path_);
    insert.reset();
  }
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScenarioRun> SqliteStore::list_scenarios() const {
  std::vector<ScenarioRun> out;
  if (schema_version() < 6) return out;
  Statement q(db_,
              "SELECT id, scm_version, name, interventions, shocks, start_date, horizon, paths, seed, summary, created_at "
              "FROM scenario_runs ORDER BY created_at, id",
              path_);
  while (q.step(path_)) {
    ScenarioRun r;
    r.id = q.text(0);
    r.scm_version = q.text(1);
    r.name = q.text(2);
    r.interventions = q.text(3);
    r.shocks = q.text(4);
    r.start = Date::parse(q.text(5)).value_or(Date());
    r.horizon = static_cast<int>(q.integer(6));
    r.paths = static_cast<int>(q.integer(7));
    r.seed = q.integer(8);
    r.summary_json = q.text(9);
    r.created_at = Timestamp::from_micros(q.integer(10));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ScenarioFanRow> SqliteStore::read_scenario(const std::string& id) const {
  bool known = false;
  for (const auto& r : list_scenarios()) known |= r.id == id;
  if (!known) throw Error(ErrorCode::kNotFound, "no scenario '" + id + "' (see 'mre scm scenarios')");
  Statement q(db_, "SELECT day, node, scenario, q05, q25, q50, q75, q95 FROM scenarios WHERE id = ? ORDER BY position",
              path_);
  q.bind(1, id);
  std::vector<ScenarioFanRow> out;
  while (q.step(path_)) {
    out.push_back({static_cast<int>(q.integer(0)), std::string(q.text(1)), std::string(q.text(2)), q.real(3), q.real(4),
                   q.real(5), q.real(6), q.real(7)});
  }
  return out;
}

}  // namespace mre::store
