// The SQL session over sqlite3: dates as ISO text, timestamps as integer microseconds, NaN kept
// as the text 'NaN' (SQLite would turn a NaN REAL into NULL).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "mre/core/error.h"
#include "mre/store/sql/session.h"

namespace mre::store::sql {
namespace {

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql, const std::string& description)
      : db_(db), description_(description) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw Error(ErrorCode::kStoreError,
                  description_ + ": " + sqlite3_errmsg(db) + " (preparing: " + sql + ")");
    }
  }
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind(int index, const Cell& value) override {
    if (done_) {
      sqlite3_reset(stmt_);
      done_ = false;
    }
    const int i = index + 1;
    if (const auto* v = std::get_if<std::int64_t>(&value)) {
      sqlite3_bind_int64(stmt_, i, *v);
    } else if (const auto* r = std::get_if<double>(&value)) {
      if (std::isnan(*r)) {
        sqlite3_bind_text(stmt_, i, "NaN", 3, SQLITE_STATIC);
      } else {
        sqlite3_bind_double(stmt_, i, *r);
      }
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      sqlite3_bind_text(stmt_, i, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else if (const auto* d = std::get_if<Date>(&value)) {
      char buf[11];
      d->write_iso(buf);
      sqlite3_bind_text(stmt_, i, buf, 10, SQLITE_TRANSIENT);
    } else if (const auto* t = std::get_if<Timestamp>(&value)) {
      sqlite3_bind_int64(stmt_, i, t->micros());
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }

  bool step() override {
    if (done_) {
      sqlite3_reset(stmt_);
      done_ = false;
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      done_ = true;  // the next bind or step starts a new execution
      return false;
    }
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    throw Error(ErrorCode::kStoreError, description_ + ": " + message);
  }

  Cell column(int index, ColumnType type) const override {
    const int kind = sqlite3_column_type(stmt_, index);
    if (kind == SQLITE_NULL) return std::monostate{};
    switch (type) {
      case ColumnType::kInteger:
        return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, index));
      case ColumnType::kTimestamp:
        return Timestamp::from_micros(sqlite3_column_int64(stmt_, index));
      case ColumnType::kReal:
        if (kind == SQLITE_TEXT && text(index) == "NaN")
          return std::numeric_limits<double>::quiet_NaN();
        return sqlite3_column_double(stmt_, index);
      case ColumnType::kText:
        return std::string(text(index));
      case ColumnType::kDate: {
        const auto date = Date::parse(text(index));
        if (!date)
          throw Error(ErrorCode::kStoreError,
                      description_ + ": corrupt date '" + std::string(text(index)) + "'");
        return *date;
      }
    }
    return std::monostate{};
  }

 private:
  std::string_view text(int index) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
             : std::string_view();
  }
  sqlite3* db_;
  const std::string& description_;
  sqlite3_stmt* stmt_ = nullptr;
  bool done_ = false;
};

// An exclusive flock on a file beside the store, released when closed (or the process dies).
class FileLease final : public Lease {
 public:
  FileLease(const std::string& path, const std::string& description,
            const std::function<void()>& on_wait) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw Error(ErrorCode::kStoreError,
                  description + ": cannot open lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (errno == EWOULDBLOCK && on_wait) on_wait();
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const std::string message = std::strerror(errno);
        ::close(fd_);
        throw Error(ErrorCode::kStoreError, description + ": cannot lock " + path + ": " + message);
      }
    }
  }
  ~FileLease() override { ::close(fd_); }

 private:
  int fd_ = -1;
};

class SqliteSession final : public Session {
 public:
  SqliteSession(sqlite3* db, std::string description, bool writable, bool owned,
                std::string lock_base)
      : db_(db),
        description_(std::move(description)),
        writable_(writable),
        owned_(owned),
        lock_base_(std::move(lock_base)) {}
  ~SqliteSession() override {
    if (owned_) sqlite3_close(db_);
  }

  std::string describe() const override { return description_; }
  bool writable() const override { return writable_; }
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::kInteger:
        return "INTEGER";
      case ColumnType::kReal:
        return "REAL";
      case ColumnType::kText:
        return "TEXT";
      case ColumnType::kDate:
        return "TEXT";  // ISO yyyy-mm-dd: sorts and compares as dates
      case ColumnType::kTimestamp:
        return "INTEGER";  // microseconds since the epoch, UTC
    }
    return "TEXT";
  }
  std::string table(std::string_view name) const override { return std::string(name); }
  bool table_exists(std::string_view name) override {
    SqliteStatement q(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                      description_);
    q.bind(0, std::string(name));
    q.step();
    return std::get<std::int64_t>(q.column(0, ColumnType::kInteger)) > 0;
  }
  void execute(const std::string& sql) override {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      if ((sqlite3_extended_errcode(db_) & 0xff) == SQLITE_READONLY)
        text = "store is read-only (" + text + ")";
      throw Error(ErrorCode::kStoreError, description_ + ": " + text);
    }
  }
  std::unique_ptr<Statement> prepare(const std::string& sql) override {
    return std::make_unique<SqliteStatement>(db_, sql, description_);
  }
  void bulk_insert(std::string_view table_name, const std::vector<std::string>& columns,
                   const std::vector<ColumnType>& /*types*/, std::span<const Row> rows) override {
    std::string sql = "INSERT INTO " + table(table_name) + "(";
    std::string values;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      sql += (c ? ", " : "") + columns[c];
      values += c ? ", ?" : "?";
    }
    SqliteStatement insert(db_, sql + ") VALUES (" + values + ")", description_);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) insert.bind(static_cast<int>(c), row[c]);
      insert.step();
    }
  }
  void begin(bool write) override { execute(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { execute("COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  void lock(std::string_view) override {}
  std::unique_ptr<Lease> hold(std::string_view name,
                              const std::function<void()>& on_wait) override {
    if (lock_base_.empty()) return std::make_unique<Lease>();  // in memory: one process only
    return std::make_unique<FileLease>(lock_base_ + "-" + std::string(name) + ".lock", description_,
                                       on_wait);
  }

 private:
  sqlite3* db_;
  std::string description_;
  bool writable_;
  bool owned_;
  std::string lock_base_;
};

}  // namespace

std::unique_ptr<Session> sqlite_session(sqlite3* db, std::string description, bool writable,
                                        std::string lock_base) {
  return std::make_unique<SqliteSession>(db, std::move(description), writable, false,
                                         std::move(lock_base));
}

std::unique_ptr<Session> sqlite_memory_session() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    throw Error(ErrorCode::kStoreError, "memory: cannot open an in-memory SQLite database");
  }
  sqlite3_extended_result_codes(db, 1);
  auto session = std::make_unique<SqliteSession>(db, "memory", true, true, "");
  session->execute(artefact_migration(*session));
  return session;
}

}  // namespace mre::store::sql
