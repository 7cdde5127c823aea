// The live source registry: the names the universe and --source accept, and each source's
// settings as documented (FRED's 120 requests a minute, vintages from FRED only).
#include "mre/sources/live_sources.h"

#include <gtest/gtest.h>

#include "mre/core/error.h"
#include "mre/sources/universe.h"
#include "support/test_support.h"

namespace mre::sources {
namespace {

TEST(LiveSources, TheRegistryHoldsEachSourceWithItsSettings) {
  EXPECT_EQ(live_source_names(), "fred, yahoo, worldbank");
  const LiveSource* fred = find_live_source("fred");
  ASSERT_NE(fred, nullptr);
  EXPECT_EQ(fred->rate_variable, "MRE_FRED_PER_MINUTE");
  EXPECT_EQ(fred->requests_per_minute, 120);  // FRED's documented limit
  EXPECT_TRUE(fred->has_vintages);
  ASSERT_NE(find_live_source("yahoo"), nullptr);
  EXPECT_FALSE(find_live_source("yahoo")->has_vintages);
  EXPECT_EQ(find_live_source("worldbank")->rate_variable, "MRE_WORLDBANK_PER_MINUTE");
  EXPECT_EQ(find_live_source("csv"), nullptr);  // a file source, not a live one
  EXPECT_EQ(find_live_source("all"), nullptr);
  for (const auto& s : live_sources()) EXPECT_NE(s.fetch, nullptr) << s.name;
}

TEST(LiveSources, TheUniverseRefusesASourceOutsideTheRegistryNamingTheRegisteredOnes) {
  mre::testing::TempDir dir;
  mre::testing::write_file(
      dir / "u.yml",
      "series:\n  - {ticker: X, asset_class: MACRO, source: bloomberg, id: X, frequency: daily,\n"
      "     publication_lag_days: 0, available: false}\n");
  try {
    load_universe(dir / "u.yml");
    FAIL() << "an unknown source was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(
                  "unknown source 'bloomberg' (expected fred, yahoo, worldbank, csv or research)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::sources
