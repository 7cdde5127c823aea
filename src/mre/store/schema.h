// The schema version this build writes; a store newer than kSchemaVersion is refused.
// Versions 1..kHandWrittenSchemaVersion are DDL text per dialect (kMigrations in
// sqlite/sqlite_store.cc and postgres/postgres_store.cc); later versions are generated for both
// dialects from one description (sql::generated_migration, artefact.cc):
//   7: the generic artefact tables (artefact_versions, artefact_inputs, artefact_columns).
//   8: the interop views raw_series_latest and regimes_global_long (issue 22).
#pragma once

namespace mre::store {

inline constexpr int kSchemaVersion = 8;
inline constexpr int kHandWrittenSchemaVersion = 6;

}  // namespace mre::store
