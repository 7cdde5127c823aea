// An in-memory Store for tests and throwaway runs (--db :memory:): SQLite in memory, so the same
// tables and the same code as SqliteStore (no third copy of the protocol); nothing on disk.
#pragma once

#include "mre/store/sqlite/sqlite_store.h"

namespace mre::store {

class MemoryStore final : public SqliteStore {
 public:
  MemoryStore() : SqliteStore(":memory:", true, "memory") {}
};

}  // namespace mre::store
