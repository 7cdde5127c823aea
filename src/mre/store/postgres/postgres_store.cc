// PostgresStore over libpq: schema `macro`, migrations by version number, COPY for bulk rows,
// advisory locks for writers of the same data, REPEATABLE READ snapshots for multi-statement reads.
#include "mre/store/postgres/postgres_store.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <map>

#include "mre/core/error.h"
#include "mre/store/postgres/detail/connection.h"
#include "mre/store/revisions.h"
#include "mre/store/schema.h"
#include "mre/store/sql/session.h"

namespace mre::store {
namespace {

using postgres::CopyWriter;
using postgres::Param;
using postgres::Result;
using postgres::Transaction;

// The DDL of each schema version, the same logical tables as SQLite's kMigrations with
// PostgreSQL's own types (date, timestamptz, double precision, boolean). Text keys use the "C"
// collation so that every ORDER BY sorts bytes, as SQLite and the memory store do: listings are
// identical whichever backend holds the data. Never edit a released entry: add one.
constexpr const char* kMigrations[] = {
    // 1: raw series with revisions, the series catalogue, the ingest logs, the run log. The
    // primary key (ticker, dt, ingested_at) is the index of every series read.
    R"sql(
CREATE TABLE macro.series(
  ticker text COLLATE "C" PRIMARY KEY,
  asset_class text NOT NULL
);
CREATE TABLE macro.raw_series(
  ticker text COLLATE "C" NOT NULL,
  dt date NOT NULL,
  ingested_at timestamptz NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (ticker, dt, ingested_at)
);
CREATE TABLE macro.ingests(
  ingested_at timestamptz PRIMARY KEY,
  series integer NOT NULL,
  inserted bigint NOT NULL,
  revised bigint NOT NULL
);
CREATE TABLE macro.series_ingests(
  ticker text COLLATE "C" NOT NULL,
  ingested_at timestamptz NOT NULL,
  source text NOT NULL,
  inserted bigint NOT NULL,
  revised bigint NOT NULL,
  PRIMARY KEY (ticker, ingested_at)
);
CREATE TABLE macro.runs(
  run_id bigserial PRIMARY KEY,
  command text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL,
  code_version text NOT NULL,
  detail text NOT NULL
);
CREATE VIEW macro.raw_series_readable AS
SELECT r.ticker, s.asset_class, r.dt, r.value, i.source, r.ingested_at
FROM macro.raw_series r JOIN macro.series s USING (ticker) JOIN macro.series_ingests i USING (ticker, ingested_at);
)sql",
    // 2: versioned feature sets (long form; NaN is absent), their specs and columns. The
    // (version, dt) index serves exports of a date range of one version.
    R"sql(
CREATE TABLE macro.feature_versions(
  version text COLLATE "C" PRIMARY KEY,
  spec_name text NOT NULL,
  spec_hash text NOT NULL,
  data_watermark text NOT NULL,
  frequency text NOT NULL,
  spec_text text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.feature_columns(
  version text COLLATE "C" NOT NULL REFERENCES macro.feature_versions(version),
  position integer NOT NULL,
  feature text COLLATE "C" NOT NULL,
  description text NOT NULL,
  proxy text NOT NULL,
  uses_future_data boolean NOT NULL,
  forward_looking boolean NOT NULL,
  PRIMARY KEY (version, position)
);
CREATE TABLE macro.features(
  version text COLLATE "C" NOT NULL,
  feature text COLLATE "C" NOT NULL,
  dt date NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (version, feature, dt)
);
CREATE INDEX features_version_dt ON macro.features(version, dt);
CREATE VIEW macro.features_readable AS
SELECT f.dt, 'GLOBAL'::text AS ticker, 'MACRO'::text AS asset_class, f.feature, f.value, f.version,
       v.created_at AS computed_at, c.proxy
FROM macro.features f JOIN macro.feature_versions v USING (version)
JOIN macro.feature_columns c ON c.version = f.version AND c.feature = f.feature;
)sql",
    // 3: regime model versions and their per-date regimes; the primary key (version, dt) is the
    // index of every regime read.
    R"sql(
CREATE TABLE macro.regime_models(
  version text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  spec_name text NOT NULL,
  spec_hash text NOT NULL,
  spec text NOT NULL,
  feature_version text NOT NULL,
  columns text NOT NULL,
  labels text NOT NULL,
  params text NOT NULL,
  diagnostics text NOT NULL,
  trained_from date,
  trained_to date,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.regimes_global(
  version text COLLATE "C" NOT NULL,
  dt date NOT NULL,
  regime text NOT NULL,
  score double precision NOT NULL,
  probabilities double precision[] NOT NULL,
  PRIMARY KEY (version, dt)
);
CREATE VIEW macro.regimes_global_readable AS
SELECT g.dt, g.regime, g.score, g.probabilities, g.version, m.created_at
FROM macro.regimes_global g JOIN macro.regime_models m USING (version);
)sql",
    // 4: hierarchical classifier versions, sign-offs and carried filter states (seed 003).
    R"sql(
CREATE TABLE macro.classifier_models(
  version text COLLATE "C" PRIMARY KEY,
  spec_name text NOT NULL,
  spec_hash text NOT NULL,
  spec text NOT NULL,
  source text NOT NULL,
  model text NOT NULL,
  trained_from text NOT NULL,
  trained_to text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.classifier_approvals(
  version text COLLATE "C" NOT NULL REFERENCES macro.classifier_models(version),
  model text COLLATE "C" NOT NULL,
  approved_by text COLLATE "C" NOT NULL,
  approved_at timestamptz NOT NULL,
  PRIMARY KEY (version, model, approved_at, approved_by)
);
CREATE TABLE macro.classifier_states(
  version text COLLATE "C" NOT NULL REFERENCES macro.classifier_models(version),
  sequence bigint NOT NULL,
  ts text NOT NULL,
  ts_key bigint NOT NULL,
  state text NOT NULL,
  origin text NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (version, sequence)
);
)sql",
    // 5: grids of causal effects (seed 001).
    R"sql(
CREATE TABLE macro.effect_versions(
  version text COLLATE "C" PRIMARY KEY,
  spec_name text NOT NULL,
  spec_hash text NOT NULL,
  spec text NOT NULL,
  feature_version text NOT NULL,
  regime_version text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.causal_effects(
  version text COLLATE "C" NOT NULL REFERENCES macro.effect_versions(version),
  treatment text COLLATE "C" NOT NULL,
  outcome text COLLATE "C" NOT NULL,
  horizon integer NOT NULL,
  method text NOT NULL,
  learner text NOT NULL,
  effect double precision NOT NULL,
  se double precision NOT NULL,
  ci_low double precision NOT NULL,
  ci_high double precision NOT NULL,
  p_value double precision NOT NULL,
  observations bigint NOT NULL,
  regime_effects text NOT NULL,
  placebo text NOT NULL,
  diagnostics text NOT NULL,
  PRIMARY KEY (version, treatment, outcome, horizon)
);
)sql",
    // 6: structural causal models (seed 002) and their simulated scenarios; fan rows keep the
    // order written (position).
    R"sql(
CREATE TABLE macro.scm_models(
  version text COLLATE "C" PRIMARY KEY,
  spec_name text NOT NULL,
  spec_hash text NOT NULL,
  spec text NOT NULL,
  data_watermark text NOT NULL,
  model text NOT NULL,
  first_date date,
  last_date date,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.scenario_runs(
  id text COLLATE "C" PRIMARY KEY,
  scm_version text COLLATE "C" NOT NULL REFERENCES macro.scm_models(version),
  name text NOT NULL,
  interventions text NOT NULL,
  shocks text NOT NULL,
  start_date date NOT NULL,
  horizon integer NOT NULL,
  paths integer NOT NULL,
  seed bigint NOT NULL,
  summary text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE macro.scenarios(
  id text COLLATE "C" NOT NULL REFERENCES macro.scenario_runs(id),
  position integer NOT NULL,
  day integer NOT NULL,
  node text NOT NULL,
  scenario text NOT NULL,
  q05 double precision NOT NULL,
  q25 double precision NOT NULL,
  q50 double precision NOT NULL,
  q75 double precision NOT NULL,
  q95 double precision NOT NULL,
  PRIMARY KEY (id, position)
);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kHandWrittenSchemaVersion);

// Multi-statement reads see one snapshot: a version is never seen half-written, and a listing
// never mixes states from before and after a concurrent commit.
constexpr const char* kReadSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

// Open ends of a date range, as PostgreSQL date literals.
Param lower_bound(std::optional<Date> from) { return from ? Param(*from) : Param("-infinity"); }
Param upper_bound(std::optional<Date> to) { return to ? Param(*to) : Param("infinity"); }

// Test hook shared with SqliteStore: MRE_TEST_KILL_AFTER_SERIES=N kills the process (SIGKILL,
// no cleanup) after the rows of N series have reached the server inside the open transaction.
int kill_after_series() {
  const char* env = std::getenv("MRE_TEST_KILL_AFTER_SERIES");
  return env ? std::atoi(env) : -1;
}

std::size_t count(const Result& r, int row, int col) {
  return static_cast<std::size_t>(r.integer(row, col));
}

}  // namespace

PostgresStore::PostgresStore(const std::string& url, bool create)
    : db_(std::make_unique<postgres::Connection>(url)),
      writable_(create),
      session_(sql::postgres_session(*db_, create)) {
  // A read-only command cannot write even by mistake: the server refuses it.
  if (!create) db_->exec("SET default_transaction_read_only = on");
  schema_version_ = read_schema_version();
  if (schema_version_ > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, describe() + ": schema macro is at version " +
                                            std::to_string(schema_version_) +
                                            ", newer than this mre supports (" +
                                            std::to_string(kSchemaVersion) + "); upgrade mre");
  }
  if (create && schema_version_ < kSchemaVersion) migrate();
}

PostgresStore::~PostgresStore() = default;

std::string PostgresStore::describe() const { return db_->description(); }

sql::Session& PostgresStore::artefact_session() const { return *session_; }

int PostgresStore::schema_version() const { return schema_version_; }

int PostgresStore::read_schema_version() const {
  const Result exists = db_->query("SELECT to_regclass('macro.schema_version') IS NOT NULL");
  if (!exists.boolean(0, 0)) return 0;
  const Result version =
      db_->query("SELECT coalesce(max(version), 0)::int8 FROM macro.schema_version");
  return static_cast<int>(version.integer(0, 0));
}

void PostgresStore::migrate() {
  Transaction tx(*db_);
  // Two first runs against one database must not both create the schema.
  tx.lock("mre:migrate");
  db_->exec("CREATE SCHEMA IF NOT EXISTS macro");
  db_->exec(
      "CREATE TABLE IF NOT EXISTS macro.schema_version(version integer NOT NULL, applied_at "
      "timestamptz NOT NULL)");
  const int current = read_schema_version();
  if (current > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, describe() + ": schema macro is at version " +
                                            std::to_string(current) +
                                            ", newer than this mre supports (" +
                                            std::to_string(kSchemaVersion) + "); upgrade mre");
  }
  for (int v = current + 1; v <= kSchemaVersion; ++v) {
    db_->exec(v <= kHandWrittenSchemaVersion ? kMigrations[v - 1]
                                             : sql::generated_migration(*session_, v));
    db_->query("INSERT INTO macro.schema_version(version, applied_at) VALUES ($1, now())", {v});
  }
  tx.commit();
  schema_version_ = kSchemaVersion;
}

void PostgresStore::require_writable() const {
  if (!writable_)
    throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
}

WriteResult PostgresStore::write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) {
  require_writable();
  validate_batch(batch);
  Transaction tx(*db_);
  // One writer of raw series at a time, store-wide (ingest times must increase strictly): a
  // second ingest of the same series waits here, then diffs against what the first committed
  // and finds nothing left to write.
  tx.lock("mre:raw_series");
  WriteResult result;
  result.ingested_at = ingested_at;
  {
    const Result last = db_->query("SELECT max(ingested_at) FROM macro.ingests");
    if (!last.is_null(0, 0)) {
      const Timestamp newest = last.timestamp(0, 0);
      if (!(newest < ingested_at)) result.ingested_at = Timestamp::from_micros(newest.micros() + 1);
    }
  }
  std::vector<RevisionDiff> diffs;
  diffs.reserve(batch.size());
  std::vector<Date> current_dates;
  std::vector<double> current_values;
  for (const auto& write : batch) {
    current_dates.clear();
    current_values.clear();
    // The current value per date: the newest ingest of each date.
    const Result current = db_->query(
        "SELECT DISTINCT ON (dt) dt, value FROM macro.raw_series WHERE ticker = $1 ORDER BY dt, "
        "ingested_at DESC",
        {write.ticker});
    for (int i = 0; i < current.rows(); ++i) {
      current_dates.push_back(current.date(i, 0));
      current_values.push_back(current.real(i, 1));
    }
    diffs.push_back(diff_against_current(current_dates, current_values, write.data));
  }
  // Tickers in primary-key order keep the index inserts near the right edge.
  std::vector<std::size_t> order(batch.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return batch[a].ticker < batch[b].ticker; });
  {
    CopyWriter copy(*db_, "COPY macro.raw_series(ticker, dt, ingested_at, value) FROM STDIN");
    const std::string stamp = result.ingested_at.iso();
    const int kill_after = kill_after_series();
    int written = 0;
    for (const std::size_t k : order) {
      for (const auto& row : diffs[k].rows)
        copy.text(batch[k].ticker).date(row.date).raw(stamp).real(row.value).end_row();
      if (kill_after >= 0 && ++written >= kill_after) {
        copy.flush();
        std::raise(SIGKILL);
      }
    }
    copy.finish();
  }
  IngestRecord record{result.ingested_at, 0, 0, 0};
  for (const std::size_t k : order) {
    const auto& summary = diffs[k].summary;
    if (diffs[k].rows.empty()) continue;
    db_->query(
        "INSERT INTO macro.series(ticker, asset_class) VALUES ($1, $2) "
        "ON CONFLICT (ticker) DO UPDATE SET asset_class = excluded.asset_class",
        {batch[k].ticker, asset_class_name(batch[k].asset_class)});
    db_->query(
        "INSERT INTO macro.series_ingests(ticker, ingested_at, source, inserted, revised) VALUES "
        "($1, $2, $3, $4, $5)",
        {batch[k].ticker, result.ingested_at, batch[k].source, summary.inserted, summary.revised});
    ++record.series;
    record.inserted += summary.inserted;
    record.revised += summary.revised;
  }
  for (const auto& diff : diffs) result.series.push_back(diff.summary);
  if (record.series > 0) {
    db_->query(
        "INSERT INTO macro.ingests(ingested_at, series, inserted, revised) VALUES ($1, $2, $3, $4)",
        {record.ingested_at, record.series, record.inserted, record.revised});
  }
  tx.commit();
  return result;
}

SeriesWriteSummary PostgresStore::write_vintages(const SeriesWrite& series,
                                                 std::span<const VintageRow> rows,
                                                 Timestamp ingested_at) {
  require_writable();
  Transaction tx(*db_);
  tx.lock("mre:raw_series");
  std::vector<RawRow> stored;
  {
    const Result q = db_->query(
        "SELECT dt, value, ingested_at FROM macro.raw_series WHERE ticker = $1 ORDER BY dt, "
        "ingested_at",
        {series.ticker});
    for (int i = 0; i < q.rows(); ++i)
      stored.push_back({q.date(i, 0), q.real(i, 1), q.timestamp(i, 2)});
  }
  const VintagePlan plan = plan_vintages(series.ticker, stored, rows);
  if (plan.rows.empty()) return plan.summary;
  Timestamp at = ingested_at;
  {
    const Result last = db_->query("SELECT max(ingested_at) FROM macro.ingests");
    if (!last.is_null(0, 0)) {
      const Timestamp newest = last.timestamp(0, 0);
      if (!(newest < at)) at = Timestamp::from_micros(newest.micros() + 1);
    }
  }
  {
    CopyWriter copy(*db_, "COPY macro.raw_series(ticker, dt, ingested_at, value) FROM STDIN");
    for (const auto& r : plan.rows)
      copy.text(series.ticker).date(r.date).raw(r.ingested_at.iso()).real(r.value).end_row();
    copy.finish();
  }
  db_->query(
      "INSERT INTO macro.series(ticker, asset_class) VALUES ($1, $2) "
      "ON CONFLICT (ticker) DO UPDATE SET asset_class = excluded.asset_class",
      {series.ticker, asset_class_name(series.asset_class)});
  db_->query(
      "INSERT INTO macro.series_ingests(ticker, ingested_at, source, inserted, revised) VALUES "
      "($1, $2, $3, $4, $5)",
      {series.ticker, at, series.source, plan.summary.inserted, plan.summary.revised});
  db_->query(
      "INSERT INTO macro.ingests(ingested_at, series, inserted, revised) VALUES ($1, $2, $3, $4)",
      {at, std::size_t{1}, plan.summary.inserted, plan.summary.revised});
  tx.commit();
  return plan.summary;
}

std::vector<SeriesSummary> PostgresStore::list_series() const {
  std::vector<SeriesSummary> out;
  if (schema_version_ == 0) return out;
  const Result q = db_->query(
      "SELECT r.ticker, s.asset_class, "
      "  (SELECT source FROM macro.series_ingests i WHERE i.ticker = r.ticker ORDER BY ingested_at "
      "DESC LIMIT 1), "
      "  count(DISTINCT r.dt), count(*), min(r.dt), max(r.dt), max(r.ingested_at) "
      "FROM macro.raw_series r JOIN macro.series s USING (ticker) GROUP BY r.ticker, s.asset_class "
      "ORDER BY r.ticker");
  for (int i = 0; i < q.rows(); ++i) {
    SeriesSummary s;
    s.ticker = q.text(i, 0);
    s.asset_class = parse_asset_class(q.text(i, 1)).value_or(AssetClass::kMacro);
    s.source = q.text(i, 2);
    s.observations = count(q, i, 3);
    s.rows = count(q, i, 4);
    s.first = q.date(i, 5);
    s.last = q.date(i, 6);
    s.last_ingested_at = q.timestamp(i, 7);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RawRow> PostgresStore::read_revisions(const RawQuery& query) const {
  std::vector<RawRow> out;
  if (schema_version_ == 0) return out;
  Transaction tx(*db_, kReadSnapshot);
  db_->stream(
      "SELECT dt, value, ingested_at FROM macro.raw_series WHERE ticker = $1 AND dt >= $2 AND dt "
      "<= $3 "
      "ORDER BY dt, ingested_at",
      {query.ticker, lower_bound(query.from), upper_bound(query.to)}, [&](const Result& r, int i) {
        out.push_back({r.date(i, 0), r.real(i, 1), r.timestamp(i, 2)});
      });
  tx.commit();
  return out;
}

std::optional<TimeSeries> PostgresStore::read_raw(const RawQuery& query) const {
  if (schema_version_ == 0) return std::nullopt;
  Transaction tx(*db_, kReadSnapshot);
  if (db_->query("SELECT 1 FROM macro.raw_series WHERE ticker = $1 LIMIT 1", {query.ticker})
          .rows() == 0) {
    return std::nullopt;
  }
  auto series = current_view(query.ticker, read_revisions(query), query.as_of);
  tx.commit();
  return series;
}

std::vector<IngestRecord> PostgresStore::list_ingests() const {
  std::vector<IngestRecord> out;
  if (schema_version_ == 0) return out;
  const Result q = db_->query(
      "SELECT ingested_at, series, inserted, revised FROM macro.ingests ORDER BY ingested_at");
  for (int i = 0; i < q.rows(); ++i)
    out.push_back({q.timestamp(i, 0), count(q, i, 1), count(q, i, 2), count(q, i, 3)});
  return out;
}

RawHistory PostgresStore::read_raw_history() const {
  RawHistory history;
  if (schema_version_ == 0) return history;
  Transaction tx(*db_, kReadSnapshot);
  const Result catalogue =
      db_->query("SELECT ticker, asset_class FROM macro.series ORDER BY ticker");
  for (int i = 0; i < catalogue.rows(); ++i) {
    history.series.push_back({std::string(catalogue.text(i, 0)),
                              parse_asset_class(catalogue.text(i, 1)).value_or(AssetClass::kMacro),
                              {}});
  }
  std::size_t k = 0;
  db_->stream(
      "SELECT ticker, dt, value, ingested_at FROM macro.raw_series ORDER BY ticker, dt, "
      "ingested_at",
      {}, [&](const Result& r, int i) {
        const auto ticker = r.text(i, 0);
        while (k < history.series.size() && history.series[k].ticker < ticker) ++k;
        if (k == history.series.size() || history.series[k].ticker != ticker) {
          throw Error(ErrorCode::kStoreError, describe() + ": raw_series holds '" +
                                                  std::string(ticker) +
                                                  "', which the series catalogue lacks");
        }
        history.series[k].rows.push_back({r.date(i, 1), r.real(i, 2), r.timestamp(i, 3)});
      });
  const Result lineage = db_->query(
      "SELECT ticker, ingested_at, source, inserted, revised FROM macro.series_ingests ORDER BY "
      "ticker, ingested_at");
  for (int i = 0; i < lineage.rows(); ++i) {
    history.lineage.push_back({std::string(lineage.text(i, 0)), lineage.timestamp(i, 1),
                               std::string(lineage.text(i, 2)), count(lineage, i, 3),
                               count(lineage, i, 4)});
  }
  history.ingests = list_ingests();
  tx.commit();
  return history;
}

void PostgresStore::restore_raw_history(const RawHistory& history) {
  require_writable();
  Transaction tx(*db_);
  tx.lock("mre:raw_series");
  if (db_->query("SELECT 1 FROM macro.raw_series LIMIT 1").rows() > 0) {
    throw Error(ErrorCode::kStoreError,
                describe() + ": holds raw series already; copy into an empty store");
  }
  {
    CopyWriter copy(*db_, "COPY macro.series(ticker, asset_class) FROM STDIN");
    for (const auto& s : history.series)
      copy.text(s.ticker).text(asset_class_name(s.asset_class)).end_row();
    copy.finish();
  }
  {
    CopyWriter copy(*db_, "COPY macro.raw_series(ticker, dt, ingested_at, value) FROM STDIN");
    for (const auto& s : history.series) {
      for (const auto& r : s.rows)
        copy.text(s.ticker).date(r.date).timestamp(r.ingested_at).real(r.value).end_row();
    }
    copy.finish();
  }
  {
    CopyWriter copy(
        *db_,
        "COPY macro.series_ingests(ticker, ingested_at, source, inserted, revised) FROM STDIN");
    for (const auto& l : history.lineage) {
      copy.text(l.ticker)
          .timestamp(l.ingested_at)
          .text(l.source)
          .integer(static_cast<std::int64_t>(l.inserted));
      copy.integer(static_cast<std::int64_t>(l.revised)).end_row();
    }
    copy.finish();
  }
  {
    CopyWriter copy(*db_, "COPY macro.ingests(ingested_at, series, inserted, revised) FROM STDIN");
    for (const auto& i : history.ingests) {
      copy.timestamp(i.ingested_at).integer(static_cast<std::int64_t>(i.series));
      copy.integer(static_cast<std::int64_t>(i.inserted))
          .integer(static_cast<std::int64_t>(i.revised))
          .end_row();
    }
    copy.finish();
  }
  tx.commit();
}

}  // namespace mre::store
