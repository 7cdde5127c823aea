// PostgresStore: the store a team shares, schema `macro` on a PostgreSQL server (libpq). Same
// tables and versioning rules as SqliteStore. Every write is one transaction, bulk rows go
// through COPY FROM STDIN, every other statement is parameterised; writers of the same data are
// serialised by transaction-level advisory locks (one for raw series, one per version tag). Its
// own code is the connection, the migrations and the raw series; the versioned families are
// SqlStore's, the generic artefacts Store's, both over the SQL session of sql/session.h.
#pragma once

#include <memory>
#include <string>

#include "mre/store/sql_store.h"

namespace mre::store {

namespace postgres {
class Connection;
}

class PostgresStore final : public SqlStore {
 public:
  // Connects to `url` (postgresql://user[:password]@host:port/dbname; a password may also come
  // from PGPASSWORD or ~/.pgpass). With `create`, creates schema `macro` and migrates it to this
  // build's version; without, the session is read-only and nothing is created. Throws
  // StoreError, with the password redacted, for an unreachable server, failed authentication,
  // a missing database, or a schema from a newer mre.
  PostgresStore(const std::string& url, bool create);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // "postgresql://user:***@host:port/db": never the password.
  std::string describe() const override;
  int schema_version() const override;
  WriteResult write_raw(std::span<const SeriesWrite> batch, Timestamp ingested_at) override;
  SeriesWriteSummary write_vintages(const SeriesWrite& series, std::span<const VintageRow> rows,
                                    Timestamp ingested_at) override;
  std::vector<SeriesSummary> list_series() const override;
  std::optional<TimeSeries> read_raw(const RawQuery& query) const override;
  std::vector<RawRow> read_revisions(const RawQuery& query) const override;
  std::vector<IngestRecord> list_ingests() const override;
  RawHistory read_raw_history() const override;
  void restore_raw_history(const RawHistory& history) override;

 private:
  void migrate();
  int read_schema_version() const;
  sql::Session& artefact_session() const override;
  void require_writable() const;

  // Reads are logically const but use the connection (cursors, transactions).
  std::unique_ptr<postgres::Connection> db_;
  int schema_version_ = 0;
  bool writable_ = false;
  std::unique_ptr<sql::Session> session_;  // over db_, for the generic artefacts
};

}  // namespace mre::store
