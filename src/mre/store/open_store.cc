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
  return std::make_unique<SqliteStore>(*sqlite_path(target), create);
}

std::string printable_target(const std::string& target) { return redact_url(target); }

std::optional<std::filesystem::path> sqlite_path(const std::string& target) {
  if (target.empty() || target == ":memory:" || is_postgres_url(target)) return std::nullopt;
  return std::filesystem::path(target.rfind("sqlite:", 0) == 0 ? target.substr(7) : target);
}

std::optional<std::filesystem::path> new_sqlite_path(const std::string& target) {
  auto path = sqlite_path(target);
  std::error_code ec;
  if (!path || std::filesystem::exists(*path, ec) || ec) return std::nullopt;
  return path;
}

}  // namespace mre::store
