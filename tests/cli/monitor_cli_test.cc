// `mre monitor` through the real binary: the documented exit statuses, bad input refused with
// a clear message, the bundled data's stale series named, runs stored and listed by history.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::run_mre;
using testing::TempDir;

TEST(MonitorCli, HelpDocumentsTheExitStatuses) {
  const auto r = run_mre({"monitor", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "10 when a check is red")) << r.out;
  EXPECT_TRUE(contains(r.out, "--drift-window")) << r.out;
  EXPECT_EQ(run_mre({"monitor", "history", "--help"}).exit_code, 0);
}

TEST(MonitorCli, BadInputIsRefusedClearly) {
  TempDir dir;
  const std::string db = (dir / "empty.db").string();
  // No store at all: exit 3, and none is created.
  const auto none = run_mre({"monitor", "--db", db});
  EXPECT_EQ(none.exit_code, 3) << none.err;
  EXPECT_TRUE(contains(none.err, "no store here")) << none.err;
  EXPECT_FALSE(std::filesystem::exists(db));
  // An empty store: nothing to monitor (exit 4), and the message says what to do.
  ASSERT_EQ(run_mre({"db", "migrate", "--db", db}).exit_code, 0);
  const auto empty = run_mre({"monitor", "--db", db});
  EXPECT_EQ(empty.exit_code, 4) << empty.err;
  EXPECT_TRUE(contains(empty.err, "holds no series")) << empty.err;
  // Thresholds out of range: exit 1 naming the option.
  const auto threshold = run_mre({"monitor", "--db", db, "--revision-threshold", "0"});
  EXPECT_EQ(threshold.exit_code, 1);
  EXPECT_TRUE(contains(threshold.err, "--revision-threshold")) << threshold.err;
  const auto psi = run_mre({"monitor", "--db", db, "--psi-amber", "0.5", "--psi-red", "0.25"});
  EXPECT_EQ(psi.exit_code, 1);
  EXPECT_TRUE(contains(psi.err, "--psi-amber")) << psi.err;
  const auto window = run_mre({"monitor", "--db", db, "--drift-window", "3"});
  EXPECT_EQ(window.exit_code, 1);
  EXPECT_TRUE(contains(window.err, "--drift-window")) << window.err;
  EXPECT_EQ(run_mre({"monitor", "--db", db, "--format", "xml"}).exit_code, 1);
}

TEST(MonitorCli, BundledDataNamesTheStaleSeriesAndStoresTheRun) {
  TempDir dir;
  const std::string db = (dir / "mre.db").string();
  ASSERT_EQ(run_mre({"ingest", "--db", db}).exit_code, 0);
  const auto missing = run_mre({"monitor", "--db", db, "--classifier", "GMR9", "--no-store"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_TRUE(contains(missing.err, "GMR9")) << missing.err;

  const auto r = run_mre({"monitor", "--db", db, "--format", "json", "--all"});
  ASSERT_FALSE(r.out.empty()) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  // Exit 10 exactly when a check is red.
  bool red = false;
  std::vector<std::string> stale;
  std::size_t staleness_checks = 0;
  for (const auto& c : report["checks"]) {
    red = red || c["status"] == "red";
    if (c["check"] == "staleness") {
      ++staleness_checks;
      if (c["status"] == "red") stale.push_back(c["subject"].get<std::string>());
    }
    // The bundled snapshot holds no future dates.
    if (c["check"] == "future_dates") {
      EXPECT_EQ(c["status"], "green") << c.dump();
    }
  }
  EXPECT_EQ(r.exit_code, red ? 10 : 0) << r.err;
  EXPECT_EQ(staleness_checks, 87u);  // one per stored series
  // The as-of date is the data's last date; some series published later than others are stale
  // then (see docs/monitor.md for the list), each named with its last date.
  EXPECT_FALSE(stale.empty());
  const auto text = run_mre({"monitor", "--db", db});
  EXPECT_EQ(text.exit_code, r.exit_code);
  for (const auto& s : stale)
    EXPECT_TRUE(contains(text.out, s + "  staleness: last ")) << s << "\n" << text.out;
  EXPECT_TRUE(contains(text.out, "as of " + report["as_of"].get<std::string>())) << text.out;
  // Two stored runs (the json one and the text one; --no-store stored none).
  const auto history = run_mre({"monitor", "history", "--db", db, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(nlohmann::json::parse(history.out).size(), 2u);
}

}  // namespace
}  // namespace mre
