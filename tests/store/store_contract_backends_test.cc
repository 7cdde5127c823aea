// The store contract on the embedded backends: memory, SQLite, and SQLite in memory.
#include "mre/store/memory/memory_store.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "store/store_contract.h"
#include "support/test_support.h"

namespace mre::store {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContract,
    ::testing::Values(Backend{"memory",
                              [](const mre::testing::TempDir&) {
                                return std::make_unique<MemoryStore>();
                              }},
                      Backend{"sqlite",
                              [](const mre::testing::TempDir& dir) {
                                return std::make_unique<SqliteStore>(dir / "t.db", true);
                              }},
                      // Test-only fourth backend: SQLite in memory, the same session and
                      // protocol code with no file (no WAL, no directory): no code of its own.
                      Backend{"sqlite_in_memory",
                              [](const mre::testing::TempDir&) {
                                return std::make_unique<SqliteStore>(":memory:", true);
                              }}),
    backend_name);

}  // namespace
}  // namespace mre::store
