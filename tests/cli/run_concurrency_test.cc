// Two `mre run` at once into one SQLite store (issue 26, case "one fails every time with
// 'classifier version ... already exists'"): the second waits for the first, finds every stage
// done, and both exit 0; the store holds each version once. The two runs are the ctest fixture
// RunStore's (tests/support/build_run_store.sh starts the second 2 s after the first and keeps
// each one's messages beside the store); this test reads them and a copy of the store.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/test_support.h"

namespace mre::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(CliRunStore, TwoRunsAtOnceIntoOneStoreBothSucceedAndTheSecondFindsTheWorkDone) {
  const char* fixture = std::getenv("MRE_RUN_STORE");
  ASSERT_NE(fixture, nullptr) << "MRE_RUN_STORE: the RunStore fixture's store";
  const std::filesystem::path store(fixture);
  TempDir dir;
  const std::string db = (dir / "run.db").string();
  std::filesystem::copy_file(store, db);
  // Both exited 0 (the fixture fails otherwise); run.log is the one that did the work.
  CommandResult first;
  first.err = read_file(store.parent_path() / "run.log");
  CommandResult second;
  second.err = read_file(store.parent_path() / "waiter.log");
  // Exactly one waited; that one found everything done.
  const bool first_waited = contains(first.err, "waiting for it to finish");
  const bool second_waited = contains(second.err, "waiting for it to finish");
  ASSERT_NE(first_waited, second_waited) << first.err << "\n----\n" << second.err;
  const auto& worker = first_waited ? second : first;
  const auto& waiter = first_waited ? first : second;
  EXPECT_TRUE(contains(worker.err, "[4/6] classify gmr: trained C_gmr_")) << worker.err;
  EXPECT_TRUE(contains(waiter.err, "0 new rows, 0 revisions")) << waiter.err;
  EXPECT_TRUE(contains(waiter.err, "[4/6] classify gmr: C_gmr_")) << waiter.err;
  EXPECT_FALSE(contains(waiter.err, ": built ")) << waiter.err;
  EXPECT_FALSE(contains(waiter.err, ": fitted ")) << waiter.err;
  EXPECT_FALSE(contains(waiter.err, ": trained ")) << waiter.err;
  EXPECT_FALSE(contains(waiter.err, " estimated (")) << waiter.err;
  // Each version once: one classifier, one effects grid, three scenarios.
  const auto classifiers = run_mre({"classify", "list", "--db", db});
  ASSERT_EQ(classifiers.exit_code, 0) << classifiers.err;
  EXPECT_EQ(count(classifiers.out, "C_gmr_"), 1u) << classifiers.out;
  const auto effects = run_mre({"effects", "list", "--db", db});
  EXPECT_EQ(count(effects.out, "E_effects_"), 1u) << effects.out;
  const auto scenarios = run_mre({"scm", "scenarios", "--db", db});
  EXPECT_EQ(std::count(scenarios.out.begin(), scenarios.out.end(), '\n'), 4)
      << scenarios.out;  // header + 3
}

}  // namespace
}  // namespace mre::testing
