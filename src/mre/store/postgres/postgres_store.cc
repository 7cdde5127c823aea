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
#include "mre/store/sql/session.h"
#include "mre/store/schema.h"

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

std::string probabilities_literal(const std::vector<double>& p) {
  std::string out = "{";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) out += ',';
    out += postgres::sql_double(p[i]);
  }
  return out + "}";
}

std::size_t count(const Result& r, int row, int col) { return static_cast<std::size_t>(r.integer(row, col)); }

}  // namespace

PostgresStore::PostgresStore(const std::string& url, bool create)
    : db_(std::make_unique<postgres::Connection>(url)), writable_(create),
      session_(sql::postgres_session(*db_, create)) {
  // A read-only command cannot write even by mistake: the server refuses it.
  if (!create) db_->exec("SET default_transaction_read_only = on");
  schema_version_ = read_schema_version();
  if (schema_version_ > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, describe() + ": schema macro is at version " + std::to_string(schema_version_) +
                                            ", newer than this mre supports (" + std::to_string(kSchemaVersion) +
                                            "); upgrade mre");
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
  const Result version = db_->query("SELECT coalesce(max(version), 0)::int8 FROM macro.schema_version");
  return static_cast<int>(version.integer(0, 0));
}

void PostgresStore::migrate() {
  Transaction tx(*db_);
  // Two first runs against one database must not both create the schema.
  tx.lock("mre:migrate");
  db_->exec("CREATE SCHEMA IF NOT EXISTS macro");
  db_->exec("CREATE TABLE IF NOT EXISTS macro.schema_version(version integer NOT NULL, applied_at timestamptz NOT NULL)");
  const int current = read_schema_version();
  if (current > kSchemaVersion) {
    throw Error(ErrorCode::kStoreError, describe() + ": schema macro is at version " + std::to_string(current) +
                                            ", newer than this mre supports (" + std::to_string(kSchemaVersion) +
                                            "); upgrade mre");
  }
  for (int v = current + 1; v <= kSchemaVersion; ++v) {
    db_->exec(v <= kHandWrittenSchemaVersion ? kMigrations[v - 1] : sql::generated_migration(*session_, v));
    db_->query("INSERT INTO macro.schema_version(version, applied_at) VALUES ($1, now())", {v});
  }
  tx.commit();
  schema_version_ = kSchemaVersion;
}

void PostgresStore::require_writable() const {
  if (!writable_) throw Error(ErrorCode::kStoreError, describe() + ": opened read-only; cannot write");
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
        "SELECT DISTINCT ON (dt) dt, value FROM macro.raw_series WHERE ticker = $1 ORDER BY dt, ingested_at DESC",
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
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return batch[a].ticker < batch[b].ticker; });
  {
    CopyWriter copy(*db_, "COPY macro.raw_series(ticker, dt, ingested_at, value) FROM STDIN");
    const std::string stamp = result.ingested_at.iso();
    const int kill_after = kill_after_series();
    int written = 0;
    for (const std::size_t k : order) {
      for (const auto& row : diffs[k].rows) copy.text(batch[k].ticker).date(row.date).raw(stamp).real(row.value).end_row();
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
        "INSERT INTO macro.series_ingests(ticker, ingested_at, source, inserted, revised) VALUES ($1, $2, $3, $4, $5)",
        {batch[k].ticker, result.ingested_at, batch[k].source, summary.inserted, summary.revised});
    ++record.series;
    record.inserted += summary.inserted;
    record.revised += summary.revised;
  }
  for (const auto& diff : diffs) result.series.push_back(diff.summary);
  if (record.series > 0) {
    db_->query("INSERT INTO macro.ingests(ingested_at, series, inserted, revised) VALUES ($1, $2, $3, $4)",
               {record.ingested_at, record.series, record.inserted, record.revised});
  }
  tx.commit();
  return result;
}

SeriesWriteSummary PostgresStore::write_vintages(const SeriesWrite& series, std::span<const VintageRow> rows, Timestamp ingested_at) {
  require_writable();
  Transaction tx(*db_);
  tx.lock("mre:raw_series");
  std::vector<RawRow> stored;
  {
    const Result q = db_->query("SELECT dt, value, ingested_at FROM macro.raw_series WHERE ticker = $1 ORDER BY dt, ingested_at",
                                {series.ticker});
    for (int i = 0; i < q.rows(); ++i) stored.push_back({q.date(i, 0), q.real(i, 1), q.timestamp(i, 2)});
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
    for (const auto& r : plan.rows) copy.text(series.ticker).date(r.date).raw(r.ingested_at.iso()).real(r.value).end_row();
    copy.finish();
  }
  db_->query(
      "INSERT INTO macro.series(ticker, asset_class) VALUES ($1, $2) "
      "ON CONFLICT (ticker) DO UPDATE SET asset_class = excluded.asset_class",
      {series.ticker, asset_class_name(series.asset_class)});
  db_->query("INSERT INTO macro.series_ingests(ticker, ingested_at, source, inserted, revised) VALUES ($1, $2, $3, $4, $5)",
             {series.ticker, at, series.source, plan.summary.inserted, plan.summary.revised});
  db_->query("INSERT INTO macro.ingests(ingested_at, series, inserted, revised) VALUES ($1, $2, $3, $4)",
             {at, std::size_t{1}, plan.summary.inserted, plan.summary.revised});
  tx.commit();
  return plan.summary;
}

std::vector<SeriesSummary> PostgresStore::list_series() const {
  std::vector<SeriesSummary> out;
  if (schema_version_ == 0) return out;
  const Result q = db_->query(
      "SELECT r.ticker, s.asset_class, "
      "  (SELECT source FROM macro.series_ingests i WHERE i.ticker = r.ticker ORDER BY ingested_at DESC LIMIT 1), "
      "  count(DISTINCT r.dt), count(*), min(r.dt), max(r.dt), max(r.ingested_at) "
      "FROM macro.raw_series r JOIN macro.series s USING (ticker) GROUP BY r.ticker, s.asset_class ORDER BY r.ticker");
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
      "SELECT dt, value, ingested_at FROM macro.raw_series WHERE ticker = $1 AND dt >= $2 AND dt <= $3 "
      "ORDER BY dt, ingested_at",
      {query.ticker, lower_bound(query.from), upper_bound(query.to)},
      [&](const Result& r, int i) { out.push_back({r.date(i, 0), r.real(i, 1), r.timestamp(i, 2)}); });
  tx.commit();
  return out;
}

std::optional<TimeSeries> PostgresStore::read_raw(const RawQuery& query) const {
  if (schema_version_ == 0) return std::nullopt;
  Transaction tx(*db_, kReadSnapshot);
  if (db_->query("SELECT 1 FROM macro.raw_series WHERE ticker = $1 LIMIT 1", {query.ticker}).rows() == 0) {
    return std::nullopt;
  }
  auto series = current_view(query.ticker, read_revisions(query), query.as_of);
  tx.commit();
  return series;
}

std::vector<IngestRecord> PostgresStore::list_ingests() const {
  std::vector<IngestRecord> out;
  if (schema_version_ == 0) return out;
  const Result q = db_->query("SELECT ingested_at, series, inserted, revised FROM macro.ingests ORDER BY ingested_at");
  for (int i = 0; i < q.rows(); ++i) out.push_back({q.timestamp(i, 0), count(q, i, 1), count(q, i, 2), count(q, i, 3)});
  return out;
}

RawHistory PostgresStore::read_raw_history() const {
  RawHistory history;
  if (schema_version_ == 0) return history;
  Transaction tx(*db_, kReadSnapshot);
  const Result catalogue = db_->query("SELECT ticker, asset_class FROM macro.series ORDER BY ticker");
  for (int i = 0; i < catalogue.rows(); ++i) {
    history.series.push_back(
        {std::string(catalogue.text(i, 0)), parse_asset_class(catalogue.text(i, 1)).value_or(AssetClass::kMacro), {}});
  }
  std::size_t k = 0;
  db_->stream("SELECT ticker, dt, value, ingested_at FROM macro.raw_series ORDER BY ticker, dt, ingested_at", {},
              [&](const Result& r, int i) {
                const auto ticker = r.text(i, 0);
                while (k < history.series.size() && history.series[k].ticker < ticker) ++k;
                if (k == history.series.size() || history.series[k].ticker != ticker) {
                  throw Error(ErrorCode::kStoreError, describe() + ": raw_series holds '" + std::string(ticker) +
                                                          "', which the series catalogue lacks");
                }
                history.series[k].rows.push_back({r.date(i, 1), r.real(i, 2), r.timestamp(i, 3)});
              });
  const Result lineage = db_->query(
      "SELECT ticker, ingested_at, source, inserted, revised FROM macro.series_ingests ORDER BY ticker, ingested_at");
  for (int i = 0; i < lineage.rows(); ++i) {
    history.lineage.push_back({std::string(lineage.text(i, 0)), lineage.timestamp(i, 1), std::string(lineage.text(i, 2)),
                               count(lineage, i, 3), count(lineage, i, 4)});
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
    throw Error(ErrorCode::kStoreError, describe() + ": holds raw series already; copy into an empty store");
  }
  {
    CopyWriter copy(*db_, "COPY macro.series(ticker, asset_class) FROM STDIN");
    for (const auto& s : history.series) copy.text(s.ticker).text(asset_class_name(s.asset_class)).end_row();
    copy.finish();
  }
  {
    CopyWriter copy(*db_, "COPY macro.raw_series(ticker, dt, ingested_at, value) FROM STDIN");
    for (const auto& s : history.series) {
      for (const auto& r : s.rows) copy.text(s.ticker).date(r.date).timestamp(r.ingested_at).real(r.value).end_row();
    }
    copy.finish();
  }
  {
    CopyWriter copy(*db_, "COPY macro.series_ingests(ticker, ingested_at, source, inserted, revised) FROM STDIN");
    for (const auto& l : history.lineage) {
      copy.text(l.ticker).timestamp(l.ingested_at).text(l.source).integer(static_cast<std::int64_t>(l.inserted));
      copy.integer(static_cast<std::int64_t>(l.revised)).end_row();
    }
    copy.finish();
  }
  {
    CopyWriter copy(*db_, "COPY macro.ingests(ingested_at, series, inserted, revised) FROM STDIN");
    for (const auto& i : history.ingests) {
      copy.timestamp(i.ingested_at).integer(static_cast<std::int64_t>(i.series));
      copy.integer(static_cast<std::int64_t>(i.inserted)).integer(static_cast<std::int64_t>(i.revised)).end_row();
    }
    copy.finish();
  }
  tx.commit();
}

FeatureWriteOutcome PostgresStore::write_features(const FeatureVersion& version, const Panel& values) {
  require_writable();
  validate_version_tag(version.version);
  if (values.cols() != version.columns.size()) {
    throw Error(ErrorCode::kInternal, "write_features: columns do not match the version's");
  }
  Transaction tx(*db_);
  // Two builds of one tag: the second waits for the first to commit, then finds the tag taken.
  tx.lock("mre:features:" + version.version);
  if (const auto existing = find_feature_version(version.version)) {
    same_feature_version(*existing, version);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  db_->query(
      "INSERT INTO macro.feature_versions(version, spec_name, spec_hash, data_watermark, frequency, spec_text, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {version.version, version.spec_name, version.spec_hash, version.data_watermark, version.frequency,
       version.spec_text, version.created_at});
  for (std::size_t c = 0; c < version.columns.size(); ++c) {
    const FeatureColumn& info = version.columns[c];
    db_->query(
        "INSERT INTO macro.feature_columns(version, position, feature, description, proxy, uses_future_data, "
        "forward_looking) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {version.version, c, info.name, info.description, info.proxy, info.uses_future_data, info.forward_looking});
  }
  CopyWriter copy(*db_, "COPY macro.features(version, feature, dt, value) FROM STDIN");
  for (std::size_t c = 0; c < values.cols(); ++c) {
    const auto& data = values.column(c);
    for (std::size_t t = 0; t < values.rows(); ++t) {
      if (std::isnan(data[t])) continue;
      copy.text(version.version).text(version.columns[c].name).date(values.dates()[t]).real(data[t]).end_row();
    }
  }
  copy.finish();
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

constexpr const char* kVersionColumns =
    "SELECT v.version, v.spec_name, v.spec_hash, v.data_watermark, v.frequency, v.created_at, "
    "(SELECT count(*) FROM macro.features f WHERE f.version = v.version), "
    "(SELECT min(dt) FROM macro.features f WHERE f.version = v.version), "
    "(SELECT max(dt) FROM macro.features f WHERE f.version = v.version), v.spec_text "
    "FROM macro.feature_versions v ";

FeatureVersion read_version_row(const Result& q, int i) {
  FeatureVersion v;
  v.version = q.text(i, 0);
  v.spec_name = q.text(i, 1);
  v.spec_hash = q.text(i, 2);
  v.data_watermark = q.text(i, 3);
  v.frequency = q.text(i, 4);
  v.created_at = q.timestamp(i, 5);
  v.values = count(q, i, 6);
  v.first = q.optional_date(i, 7);
  v.last = q.optional_date(i, 8);
  v.spec_text = q.text(i, 9);
  return v;
}

FeatureColumn read_column_row(const Result& q, int i, int first) {
  return {std::string(q.text(i, first)), std::string(q.text(i, first + 1)), std::string(q.text(i, first + 2)),
          q.boolean(i, first + 3), q.boolean(i, first + 4)};
}

}  // namespace

std::vector<FeatureVersion> PostgresStore::list_feature_versions() const {
  std::vector<FeatureVersion> out;
  if (schema_version_ < 2) return out;
  Transaction tx(*db_, kReadSnapshot);
  const Result q = db_->query(std::string(kVersionColumns) + "ORDER BY v.created_at, v.version");
  std::map<std::string, std::size_t, std::less<>> index;
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back(read_version_row(q, i));
    out.back().spec_text.clear();
    index[out.back().version] = out.size() - 1;
  }
  const Result columns = db_->query(
      "SELECT version, feature, description, proxy, uses_future_data, forward_looking FROM macro.feature_columns "
      "ORDER BY version, position");
  for (int i = 0; i < columns.rows(); ++i) {
    const auto it = index.find(columns.text(i, 0));
    if (it != index.end()) out[it->second].columns.push_back(read_column_row(columns, i, 1));
  }
  tx.commit();
  return out;
}

std::optional<FeatureVersion> PostgresStore::find_feature_version(const std::string& version) const {
  if (schema_version_ < 2) return std::nullopt;
  Transaction tx(*db_, kReadSnapshot);
  const Result q = db_->query(std::string(kVersionColumns) + "WHERE v.version = $1", {version});
  if (q.rows() == 0) return std::nullopt;
  FeatureVersion v = read_version_row(q, 0);
  const Result columns = db_->query(
      "SELECT feature, description, proxy, uses_future_data, forward_looking FROM macro.feature_columns "
      "WHERE version = $1 ORDER BY position",
      {version});
  for (int i = 0; i < columns.rows(); ++i) v.columns.push_back(read_column_row(columns, i, 0));
  tx.commit();
  return v;
}

Panel PostgresStore::read_features(const std::string& version, std::optional<Date> from,
                                   std::optional<Date> to) const {
  Transaction tx(*db_, kReadSnapshot);
  const auto info = find_feature_version(version);
  if (!info) throw Error(ErrorCode::kNotFound, "no feature version '" + version + "' (see 'mre features list')");
  std::vector<std::string> names;
  std::map<std::string, std::size_t, std::less<>> position;
  for (const auto& c : info->columns) {
    position[c.name] = names.size();
    names.push_back(c.name);
  }
  // Streamed in date order straight into the wide panel: no long-form copy of the version.
  std::vector<Date> dates;
  std::vector<std::vector<double>> columns(names.size());
  db_->stream("SELECT dt, feature, value FROM macro.features WHERE version = $1 AND dt >= $2 AND dt <= $3 ORDER BY dt",
              {version, lower_bound(from), upper_bound(to)}, [&](const Result& r, int i) {
                const auto it = position.find(r.text(i, 1));
                if (it == position.end()) return;
                const Date date = r.date(i, 0);
                if (dates.empty() || dates.back() != date) {
                  dates.push_back(date);
                  for (auto& c : columns) c.push_back(std::numeric_limits<double>::quiet_NaN());
                }
                columns[it->second].back() = r.real(i, 2);
              });
  tx.commit();
  return Panel(std::move(dates), names, std::move(columns));
}

FeatureWriteOutcome PostgresStore::write_regimes(const RegimeModel& model, const std::vector<RegimeRow>& rows) {
  require_writable();
  validate_version_tag(model.version);
  Transaction tx(*db_);
  tx.lock("mre:regimes:" + model.version);
  if (const auto existing = find_regime_model(model.version)) {
    same_regime_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  db_->query(
      "INSERT INTO macro.regime_models(version, kind, spec_name, spec_hash, spec, feature_version, columns, labels, "
      "params, diagnostics, trained_from, trained_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13)",
      {model.version, model.kind, model.spec_name, model.spec_hash, model.spec_text, model.feature_version,
       join_names(model.columns), join_names(model.labels), model.params_json, model.diagnostics_json,
       model.trained_from, model.trained_to, model.created_at});
  CopyWriter copy(*db_, "COPY macro.regimes_global(version, dt, regime, score, probabilities) FROM STDIN");
  for (const auto& row : rows) {
    copy.text(model.version).date(row.date).text(row.regime).real(row.score).raw(probabilities_literal(row.probabilities));
    copy.end_row();
  }
  copy.finish();
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

constexpr const char* kRegimeColumns =
    "SELECT m.version, m.kind, m.spec_name, m.spec_hash, m.spec, m.feature_version, m.columns, m.labels, "
    "m.params, m.diagnostics, m.trained_from, m.trained_to, m.created_at, "
    "(SELECT count(*) FROM macro.regimes_global g WHERE g.version = m.version), "
    "(SELECT min(dt) FROM macro.regimes_global g WHERE g.version = m.version), "
    "(SELECT max(dt) FROM macro.regimes_global g WHERE g.version = m.version) FROM macro.regime_models m ";

RegimeModel read_regime_row(const Result& q, int i) {
  RegimeModel m;
  m.version = q.text(i, 0);
  m.kind = q.text(i, 1);
  m.spec_name = q.text(i, 2);
  m.spec_hash = q.text(i, 3);
  m.spec_text = q.text(i, 4);
  m.feature_version = q.text(i, 5);
  m.columns = split_names(std::string(q.text(i, 6)));
  m.labels = split_names(std::string(q.text(i, 7)));
  m.params_json = q.text(i, 8);
  m.diagnostics_json = q.text(i, 9);
  m.trained_from = q.optional_date(i, 10);
  m.trained_to = q.optional_date(i, 11);
  m.created_at = q.timestamp(i, 12);
  m.rows = count(q, i, 13);
  m.first = q.optional_date(i, 14);
  m.last = q.optional_date(i, 15);
  return m;
}

}  // namespace

std::vector<RegimeModel> PostgresStore::list_regime_models() const {
  std::vector<RegimeModel> out;
  if (schema_version_ < 3) return out;
  const Result q = db_->query(std::string(kRegimeColumns) + "ORDER BY m.created_at, m.version");
  for (int i = 0; i < q.rows(); ++i) out.push_back(read_regime_row(q, i));
  return out;
}

std::optional<RegimeModel> PostgresStore::find_regime_model(const std::string& version) const {
  if (schema_version_ < 3) return std::nullopt;
  const Result q = db_->query(std::string(kRegimeColumns) + "WHERE m.version = $1", {version});
  if (q.rows() == 0) return std::nullopt;
  return read_regime_row(q, 0);
}

std::vector<RegimeRow> PostgresStore::read_regimes(const std::string& version, std::optional<Date> from,
                                                   std::optional<Date> to) const {
  Transaction tx(*db_, kReadSnapshot);
  if (!find_regime_model(version)) {
    throw Error(ErrorCode::kNotFound, "no regime version '" + version + "' (see 'mre regimes list')");
  }
  std::vector<RegimeRow> out;
  db_->stream(
      "SELECT dt, regime, score, probabilities FROM macro.regimes_global WHERE version = $1 AND dt >= $2 AND "
      "dt <= $3 ORDER BY dt",
      {version, lower_bound(from), upper_bound(to)}, [&](const Result& r, int i) {
        out.push_back({r.date(i, 0), std::string(r.text(i, 1)), r.real(i, 2), r.reals(i, 3)});
      });
  tx.commit();
  return out;
}

void PostgresStore::write_classifier(const ClassifierModel& model, const ClassifierState& initial) {
  require_writable();
  validate_version_tag(model.version);
  Transaction tx(*db_);
  tx.lock("mre:classifier:" + model.version);
  if (find_classifier(model.version)) {
    throw Error(ErrorCode::kInvalidArgument, "classifier version '" + model.version +
                                                 "' already exists; versions are never overwritten (choose a new tag)");
  }
  db_->query(
      "INSERT INTO macro.classifier_models(version, spec_name, spec_hash, spec, source, model, trained_from, "
      "trained_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {model.version, model.spec_name, model.spec_hash, model.spec_text, model.source, model.model_json,
       model.trained_from, model.trained_to, model.created_at});
  ClassifierState first = initial;
  first.sequence = 0;
  insert_classifier_state(model.version, first);
  tx.commit();
}

void PostgresStore::insert_classifier_state(const std::string& version, const ClassifierState& state) {
  db_->query(
      "INSERT INTO macro.classifier_states(version, sequence, ts, ts_key, state, origin, written_at) VALUES "
      "($1, $2, $3, $4, $5, $6, $7)",
      {version, state.sequence, state.timestamp, state.key, state.state_json, state.origin, state.written_at});
}

namespace {

constexpr const char* kClassifierColumns =
    "SELECT version, spec_name, spec_hash, spec, source, model, trained_from, trained_to, created_at "
    "FROM macro.classifier_models ";

ClassifierModel read_classifier_row(const Result& q, int i) {
  ClassifierModel m;
  m.version = q.text(i, 0);
  m.spec_name = q.text(i, 1);
  m.spec_hash = q.text(i, 2);
  m.spec_text = q.text(i, 3);
  m.source = q.text(i, 4);
  m.model_json = q.text(i, 5);
  m.trained_from = q.text(i, 6);
  m.trained_to = q.text(i, 7);
  m.created_at = q.timestamp(i, 8);
  return m;
}

}  // namespace

std::vector<ClassifierModel> PostgresStore::list_classifiers() const {
  std::vector<ClassifierModel> out;
  if (schema_version_ < 4) return out;
  const Result q = db_->query(std::string(kClassifierColumns) + "ORDER BY created_at, version");
  for (int i = 0; i < q.rows(); ++i) out.push_back(read_classifier_row(q, i));
  return out;
}

std::optional<ClassifierModel> PostgresStore::find_classifier(const std::string& version) const {
  if (schema_version_ < 4) return std::nullopt;
  const Result q = db_->query(std::string(kClassifierColumns) + "WHERE version = $1", {version});
  if (q.rows() == 0) return std::nullopt;
  return read_classifier_row(q, 0);
}

void PostgresStore::approve_classifier(const ClassifierApproval& approval) {
  require_writable();
  Transaction tx(*db_);
  if (!find_classifier(approval.version)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + approval.version + "' (see 'mre classify list')");
  }
  db_->query("INSERT INTO macro.classifier_approvals(version, model, approved_by, approved_at) VALUES ($1, $2, $3, $4)",
             {approval.version, approval.model, approval.approved_by, approval.approved_at});
  tx.commit();
}

std::vector<ClassifierApproval> PostgresStore::list_approvals(const std::string& version) const {
  std::vector<ClassifierApproval> out;
  if (schema_version_ < 4) return out;
  const Result q = db_->query(
      "SELECT model, approved_by, approved_at FROM macro.classifier_approvals WHERE version = $1 "
      "ORDER BY approved_at, model, approved_by",
      {version});
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back({version, std::string(q.text(i, 0)), std::string(q.text(i, 1)), q.timestamp(i, 2)});
  }
  return out;
}

void PostgresStore::append_classifier_state(const std::string& version, const ClassifierState& state) {
  require_writable();
  Transaction tx(*db_);
  // Two real-time calls that read the same state: the second waits here, then sees the sequence
  // moved on and fails (retry), exactly as SQLite's IMMEDIATE transaction makes it.
  tx.lock("mre:classifier:" + version);
  const Result q = db_->query("SELECT max(sequence) FROM macro.classifier_states WHERE version = $1", {version});
  if (q.is_null(0, 0)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  const std::int64_t newest = q.integer(0, 0);
  if (state.sequence != newest + 1) {
    throw Error(ErrorCode::kStoreError, "classifier " + version + ": the state moved on (sequence " +
                                            std::to_string(newest) + ") while this classification ran; retry");
  }
  insert_classifier_state(version, state);
  tx.commit();
}

std::vector<ClassifierState> PostgresStore::read_classifier_states(const std::string& version,
                                                                   std::size_t count_wanted) const {
  Transaction tx(*db_, kReadSnapshot);
  if (!find_classifier(version)) {
    throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "' (see 'mre classify list')");
  }
  const auto limit = static_cast<std::int64_t>(
      std::min<std::size_t>(count_wanted, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())));
  const Result q = db_->query(
      "SELECT sequence, ts, ts_key, state, origin, written_at FROM macro.classifier_states WHERE version = $1 "
      "ORDER BY sequence DESC LIMIT $2",
      {version, limit});
  std::vector<ClassifierState> out;
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back({q.integer(i, 0), std::string(q.text(i, 1)), q.integer(i, 2), std::string(q.text(i, 3)),
                   std::string(q.text(i, 4)), q.timestamp(i, 5)});
  }
  tx.commit();
  return out;
}

FeatureWriteOutcome PostgresStore::write_effects(const EffectVersion& version, const std::vector<EffectRow>& rows) {
  require_writable();
  validate_version_tag(version.version);
  Transaction tx(*db_);
  tx.lock("mre:effects:" + version.version);
  for (const auto& v : list_effect_versions()) {
    if (v.version == version.version) {
      same_effect_version(v, version);
      return FeatureWriteOutcome::kAlreadyPresent;
    }
  }
  db_->query(
      "INSERT INTO macro.effect_versions(version, spec_name, spec_hash, spec, feature_version, regime_version, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {version.version, version.spec_name, version.spec_hash, version.spec_text, version.feature_version,
       version.regime_version, version.created_at});
  CopyWriter copy(*db_,
                  "COPY macro.causal_effects(version, treatment, outcome, horizon, method, learner, effect, se, "
                  "ci_low, ci_high, p_value, observations, regime_effects, placebo, diagnostics) FROM STDIN");
  for (const auto& r : rows) {
    copy.text(version.version).text(r.treatment).text(r.outcome).integer(r.horizon).text(r.method).text(r.learner);
    copy.real(r.effect).real(r.se).real(r.ci_low).real(r.ci_high).real(r.p_value).integer(r.observations);
    copy.text(r.regime_effects_json).text(r.placebo_json).text(r.diagnostics_json);
    copy.end_row();
  }
  copy.finish();
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<EffectVersion> PostgresStore::list_effect_versions() const {
  std::vector<EffectVersion> out;
  if (schema_version_ < 5) return out;
  const Result q = db_->query(
      "SELECT v.version, v.spec_name, v.spec_hash, v.spec, v.feature_version, v.regime_version, v.created_at, "
      "(SELECT count(*) FROM macro.causal_effects e WHERE e.version = v.version) FROM macro.effect_versions v "
      "ORDER BY v.created_at, v.version");
  for (int i = 0; i < q.rows(); ++i) {
    EffectVersion v;
    v.version = q.text(i, 0);
    v.spec_name = q.text(i, 1);
    v.spec_hash = q.text(i, 2);
    v.spec_text = q.text(i, 3);
    v.feature_version = q.text(i, 4);
    v.regime_version = q.text(i, 5);
    v.created_at = q.timestamp(i, 6);
    v.rows = count(q, i, 7);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<EffectRow> PostgresStore::read_effects(const std::string& version) const {
  Transaction tx(*db_, kReadSnapshot);
  if (schema_version_ < 5 ||
      db_->query("SELECT 1 FROM macro.effect_versions WHERE version = $1", {version}).rows() == 0) {
    throw Error(ErrorCode::kNotFound, "no effects version '" + version + "' (see 'mre effects list')");
  }
  const Result q = db_->query(
      "SELECT treatment, outcome, horizon, method, learner, effect, se, ci_low, ci_high, p_value, observations, "
      "regime_effects, placebo, diagnostics FROM macro.causal_effects WHERE version = $1 "
      "ORDER BY treatment, outcome, horizon",
      {version});
  std::vector<EffectRow> out;
  for (int i = 0; i < q.rows(); ++i) {
    EffectRow r;
    r.treatment = q.text(i, 0);
    r.outcome = q.text(i, 1);
    r.horizon = static_cast<int>(q.integer(i, 2));
    r.method = q.text(i, 3);
    r.learner = q.text(i, 4);
    r.effect = q.real(i, 5);
    r.se = q.real(i, 6);
    r.ci_low = q.real(i, 7);
    r.ci_high = q.real(i, 8);
    r.p_value = q.real(i, 9);
    r.observations = q.integer(i, 10);
    r.regime_effects_json = q.text(i, 11);
    r.placebo_json = q.text(i, 12);
    r.diagnostics_json = q.text(i, 13);
    out.push_back(std::move(r));
  }
  tx.commit();
  return out;
}

FeatureWriteOutcome PostgresStore::write_scm_model(const ScmModel& model) {
  require_writable();
  validate_version_tag(model.version);
  Transaction tx(*db_);
  tx.lock("mre:scm:" + model.version);
  if (const auto existing = find_scm_model(model.version)) {
    same_scm_model(*existing, model);
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  db_->query(
      "INSERT INTO macro.scm_models(version, spec_name, spec_hash, spec, data_watermark, model, first_date, last_date, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {model.version, model.spec_name, model.spec_hash, model.spec_text, model.data_watermark, model.model_json,
       model.first, model.last, model.created_at});
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

namespace {

constexpr const char* kScmColumns =
    "SELECT version, spec_name, spec_hash, spec, data_watermark, model, first_date, last_date, created_at "
    "FROM macro.scm_models ";

ScmModel read_scm_row(const Result& q, int i) {
  ScmModel m;
  m.version = q.text(i, 0);
  m.spec_name = q.text(i, 1);
  m.spec_hash = q.text(i, 2);
  m.spec_text = q.text(i, 3);
  m.data_watermark = q.text(i, 4);
  m.model_json = q.text(i, 5);
  m.first = q.optional_date(i, 6);
  m.last = q.optional_date(i, 7);
  m.created_at = q.timestamp(i, 8);
  return m;
}

}  // namespace

std::vector<ScmModel> PostgresStore::list_scm_models() const {
  std::vector<ScmModel> out;
  if (schema_version_ < 6) return out;
  const Result q = db_->query(std::string(kScmColumns) + "ORDER BY created_at, version");
  for (int i = 0; i < q.rows(); ++i) {
    out.push_back(read_scm_row(q, i));
    out.back().model_json.clear();
  }
  return out;
}

std::optional<ScmModel> PostgresStore::find_scm_model(const std::string& version) const {
  if (schema_version_ < 6) return std::nullopt;
  const Result q = db_->query(std::string(kScmColumns) + "WHERE version = $1", {version});
  if (q.rows() == 0) return std::nullopt;
  return read_scm_row(q, 0);
}

FeatureWriteOutcome PostgresStore::write_scenario(const ScenarioRun& run, const std::vector<ScenarioFanRow>& rows) {
  require_writable();
  validate_version_tag(run.id);
  Transaction tx(*db_);
  // Two runs of the same inputs: the second waits, then finds the id stored.
  tx.lock("mre:scenario:" + run.id);
  if (db_->query("SELECT 1 FROM macro.scm_models WHERE version = $1", {run.scm_version}).rows() == 0) {
    throw Error(ErrorCode::kNotFound, "no scm version '" + run.scm_version + "' (see 'mre scm list')");
  }
  if (db_->query("SELECT 1 FROM macro.scenario_runs WHERE id = $1", {run.id}).rows() > 0) {
    return FeatureWriteOutcome::kAlreadyPresent;
  }
  db_->query(
      "INSERT INTO macro.scenario_runs(id, scm_version, name, interventions, shocks, start_date, horizon, paths, seed, "
      "summary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {run.id, run.scm_version, run.name, run.interventions, run.shocks, run.start, run.horizon, run.paths, run.seed,
       run.summary_json, run.created_at});
  CopyWriter copy(*db_, "COPY macro.scenarios(id, position, day, node, scenario, q05, q25, q50, q75, q95) FROM STDIN");
  std::int64_t position = 0;
  for (const auto& r : rows) {
    copy.text(run.id).integer(position++).integer(r.day).text(r.node).text(r.scenario);
    copy.real(r.q05).real(r.q25).real(r.q50).real(r.q75).real(r.q95);
    copy.end_row();
  }
  copy.finish();
  tx.commit();
  return FeatureWriteOutcome::kWritten;
}

std::vector<ScenarioRun> PostgresStore::list_scenarios() const {
  std::vector<ScenarioRun> out;
  if (schema_version_ < 6) return out;
  const Result q = db_->query(
      "SELECT id, scm_version, name, interventions, shocks, start_date, horizon, paths, seed, summary, created_at "
      "FROM macro.scenario_runs ORDER BY created_at, id");
  for (int i = 0; i < q.rows(); ++i) {
    ScenarioRun r;
    r.id = q.text(i, 0);
    r.scm_version = q.text(i, 1);
    r.name = q.text(i, 2);
    r.interventions = q.text(i, 3);
    r.shocks = q.text(i, 4);
    r.start = q.date(i, 5);
    r.horizon = static_cast<int>(q.integer(i, 6));
    r.paths = static_cast<int>(q.integer(i, 7));
    r.seed = q.integer(i, 8);
    r.summary_json = q.text(i, 9);
    r.created_at = q.timestamp(i, 10);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ScenarioFanRow> PostgresStore::read_scenario(const std::string& id) const {
  Transaction tx(*db_, kReadSnapshot);
  if (schema_version_ < 6 || db_->query("SELECT 1 FROM macro.scenario_runs WHERE id = $1", {id}).rows() == 0) {
    throw Error(ErrorCode::kNotFound, "no scenario '" + id + "' (see 'mre scm scenarios')");
  }
  std::vector<ScenarioFanRow> out;
  db_->stream("SELECT day, node, scenario, q05, q25, q50, q75, q95 FROM macro.scenarios WHERE id = $1 ORDER BY position",
              {id}, [&](const Result& r, int i) {
                out.push_back({static_cast<int>(r.integer(i, 0)), std::string(r.text(i, 1)), std::string(r.text(i, 2)),
                               r.real(i, 3), r.real(i, 4), r.real(i, 5), r.real(i, 6), r.real(i, 7)});
              });
  tx.commit();
  return out;
}

}  // namespace mre::store
