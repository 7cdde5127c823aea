// ARCHITECTURE.md's schema list against the code: every table and view a fresh store creates is
// named there (as `name(` or `name`), every schema version up to kSchemaVersion has its
// "Schema N" entry, and no entry names a version this build does not have.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "mre/store/schema.h"
#include "mre/store/sqlite/sqlite_store.h"
#include "support/test_support.h"

namespace mre::store {
namespace {

std::string architecture() {
  std::ifstream in(mre::testing::source_dir().string() + "/ARCHITECTURE.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ArchitectureSchema, EveryTableAndViewOfAFreshStoreIsListed) {
  mre::testing::TempDir dir;
  { SqliteStore created(dir / "s.db", true); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir / "s.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(
                db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name",
                -1, &q, nullptr),
            SQLITE_OK);
  const std::string doc = architecture();
  int names = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
    if (name == "schema_version") continue;  // the migration log, described in prose
    ++names;
    EXPECT_TRUE(doc.find("`" + name + "(") != std::string::npos ||
                doc.find("`" + name + "`") != std::string::npos)
        << "ARCHITECTURE.md does not list the table or view '" << name << "'";
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_GT(names, 15);  // the fresh store really was read
}

TEST(ArchitectureSchema, EverySchemaVersionHasItsEntryAndNoneBeyond) {
  const std::string doc = architecture();
  EXPECT_NE(doc.find("schema version 1"), std::string::npos);
  for (int v = 2; v <= kSchemaVersion; ++v) {
    EXPECT_NE(doc.find("- Schema " + std::to_string(v)), std::string::npos)
        << "no entry for schema " << v;
  }
  const std::regex entry(R"(- Schema (\d+))");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), entry); it != std::sregex_iterator();
       ++it) {
    EXPECT_LE(std::stoi((*it)[1]), kSchemaVersion) << "ARCHITECTURE.md lists schema " << (*it)[1]
                                                   << ", this build stops at " << kSchemaVersion;
  }
}

}  // namespace
}  // namespace mre::store
