// The small SQL session under the generic artefact protocol: what a dialect must provide
// (statements, bulk insert, transactions, locks, its type names) and nothing about versions.
// Implementations: SQLite (sqlite_session.cc; files and :memory:) and PostgreSQL
// (postgres_session.cc, over the libpq connection). The protocol writes `?` placeholders and
// unqualified table names; the session maps them to its dialect.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mre/store/artefact.h"

struct sqlite3;

namespace mre::store::postgres {
class Connection;
}

namespace mre::store::sql {

class Statement {
 public:
  virtual ~Statement() = default;
  // Binds parameter `index` (0-based) to a cell (monostate binds NULL).
  virtual void bind(int index, const Cell& value) = 0;
  // Runs the statement (first call) and moves to the next row; false when there is none.
  virtual bool step() = 0;
  // Column `index` (0-based) of the current row decoded as `type` (NULL gives monostate).
  virtual Cell column(int index, ColumnType type) const = 0;
};

using store::Lease;

// Which SQL the session speaks. The generic artefacts need nothing of it; the hand-written
// tables of schemas 1-6 (sql_store.cc) keep some columns in each dialect's own form (SQLite:
// dates as INTEGER yyyymmdd, probability vectors as text; PostgreSQL: date, double precision[]).
enum class Dialect { kSqlite, kPostgres };

class Session {
 public:
  virtual ~Session() = default;
  virtual std::string describe() const = 0;
  virtual bool writable() const = 0;
  virtual Dialect dialect() const = 0;

  // The SQL type of a column of `type` in this dialect, and a table's qualified name.
  virtual std::string type_name(ColumnType type) const = 0;
  virtual std::string table(std::string_view name) const = 0;
  virtual bool table_exists(std::string_view name) = 0;

  virtual void execute(const std::string& sql) = 0;
  virtual std::unique_ptr<Statement> prepare(const std::string& sql) = 0;
  // Appends rows to `table` (unqualified), `columns` in cell order: COPY on PostgreSQL, a
  // prepared INSERT on SQLite. REQUIRES an open write transaction.
  virtual void bulk_insert(std::string_view table, const std::vector<std::string>& columns,
                           const std::vector<ColumnType>& types, std::span<const Row> rows) = 0;

  // One transaction at a time. A write transaction takes the database's write lock up front on
  // SQLite (BEGIN IMMEDIATE); a read transaction is one snapshot.
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Serialises writers of `name` until the transaction ends (PostgreSQL advisory lock; SQLite's
  // IMMEDIATE transaction already excludes every other writer).
  virtual void lock(std::string_view name) = 0;
  // Waits for the store-wide lock `name`, across processes and transactions, until the lease
  // is destroyed; calls `on_wait` (if any) once before waiting when another holder has it.
  // SQLite: flock on "<file>-<name>.lock" beside the store (nothing for :memory:); PostgreSQL:
  // a session-level advisory lock.
  virtual std::unique_ptr<Lease> hold(std::string_view name,
                                      const std::function<void()>& on_wait) = 0;
};

// Rolls back unless committed.
class Transaction {
 public:
  Transaction(Session& session, bool write) : session_(session) { session_.begin(write); }
  ~Transaction() {
    if (!done_) session_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    session_.commit();
    done_ = true;
  }

 private:
  Session& session_;
  bool done_ = false;
};

// A session over an open SQLite handle the caller keeps (SqliteStore's), or owning a fresh
// in-memory database (":memory:", used by MemoryStore and the test-only backend).
// `lock_base` is the store's file (leases lock files beside it); empty for no file.
std::unique_ptr<Session> sqlite_session(sqlite3* db, std::string description, bool writable,
                                        std::string lock_base);
std::unique_ptr<Session> sqlite_memory_session();
// A session over PostgresStore's connection, tables in schema `macro`.
std::unique_ptr<Session> postgres_session(postgres::Connection& connection, bool writable);

// The DDL of the generic artefact tables (schema 7) in the session's dialect, generated from one
// description (artefact.cc).
std::string artefact_migration(const Session& session);
// The DDL of schema 8 in the session's dialect: the interop views raw_series_latest and
// regimes_global_long over the hand-written tables of schemas 1 and 3 (artefact.cc).
std::string interop_views_migration(const Session& session);
// The DDL of schema version `version` > kHandWrittenSchemaVersion in the session's dialect;
// each backend's migration applies it after its hand-written versions.
std::string generated_migration(const Session& session, int version);

}  // namespace mre::store::sql
