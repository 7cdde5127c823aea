// The schema version this build writes; a store newer than kSchemaVersion is refused.
// Versions 1..kHandWrittenSchemaVersion are DDL text per dialect (kMigrations in
// sqlite/sqlite_store.cc and postgres/postgres_store.cc); later versions are generated for both
// dialects from one description (sql::generated_migration, artefact.cc):
//   7: the generic artefact tables (artefact_versions, artefact_inputs, artefact_columns).
#pragma once

namespace mre::store {

inline constexpr int kSchemaVersion = 7;
inline constexpr int kHandWrittenSchemaVersion = 6;

}  // namespace mre::store
