// The schema version this build writes. Each backend has its own DDL for each version
// (sqlite/schema.cc, postgres/schema.cc); a store newer than kSchemaVersion is refused.
#pragma once

namespace mre::store {

inline constexpr int kSchemaVersion = 6;

}  // namespace mre::store
