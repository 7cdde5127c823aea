// The explicit registry of store backends, chosen by the shape of the --db value.
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/store/postgres/detail/connection.h"
#include "mre/store/postgres/postgres_store.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "mre/store/store.h"

namespace mre::store {

namespace {

bool is_postgres_url(const std::string& target) {
  return target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0;
}

}  // namespace

std::unique_ptr<Store> open_store(const std::string& target, bool create) {
  if (target.empty()) throw Error(ErrorCode::kInvalidArgument, "--db: empty store location");
  if (target == ":memory:") return std::make_unique<MemoryStore>();
  if (is_postgres_url(target)) return std::make_unique<PostgresStore>(target, create);
  std::string path = target;
  if (path.rfind("sqlite:", 0) == 0) path = path.substr(7);
  return std::make_unique<SqliteStore>(path, create);
}

std::string printable_target(const std::string& target) { return redact_url(target); }

std::optional<std::filesystem::path> new_sqlite_path(const std::string& target) {
  if (target.empty() || target == ":memory:" || is_postgres_url(target)) return std::nullopt;
  std::filesystem::path path = target.rfind("sqlite:", 0) == 0 ? target.substr(7) : target;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) || ec) return std::nullopt;
  return path;
}

}  // namespace mre::store
