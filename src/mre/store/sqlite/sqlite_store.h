// SqliteStore: the embedded default store, one file, WAL mode (readers never block the one
// writer), every write in a single IMMEDIATE transaction that rolls back on any failure. Its own
// code is the connection, the migrations and the raw series; the versioned families are
// SqlStore's, the generic artefacts Store's, both over the SQL session of sql/session.h.
#pragma once

#include <filesystem>
#include <memory>

#include "mre/store/sql_store.h"

struct sqlite3;

namespace mre::store {

class SqliteStore : public SqlStore {
 public:
  // Opens (and with `create`, creates and migrates) the store at `path`. Without `create` the
  // file is opened read-only and must exist. Throws StoreError naming the path: not an SQLite
  // database, read-only when a write is needed, schema newer than this build.
  SqliteStore(const std::filesystem::path& path, bool create);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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

 protected:
  // `description` names the store in messages (MemoryStore: "memory").
  SqliteStore(const std::filesystem::path& path, bool create, std::string description);

 private:
  void migrate();
  sql::Session& artefact_session() const override;

  std::filesystem::path path_;
  std::string description_;
  sqlite3* db_ = nullptr;
  bool writable_ = false;
  std::unique_ptr<sql::Session> session_;  // over db_, for the generic artefacts
};

}  // namespace mre::store
