// `mre backtest` end to end on the snapshot's ^GSPC, SPY and DGS3MO: run, show (table, JSON,
// CSV), list, compare; exit statuses for bad input, with nothing stored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace mre::testing {
namespace {

const char* kSpec = R"(name: cli_toy
start: 2000-01-03
end: 2010-12-31
risk_free: DGS3MO
delay_days: 1
cost_bp: 10
strategies:
  - {name: spx, kind: buy_and_hold, asset: "^GSPC"}
)";

class BacktestCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = (*dir_ / "b.db").string();
    const auto r = run_mre({"ingest", "--db", db_, "--tickers", "^GSPC,SPY,DGS3MO"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string spec(const std::string& name, const std::string& text) {
    write_file(*dir_ / name, text);
    return (*dir_ / name).string();
  }
  static TempDir* dir_;
  static std::string db_;
};
TempDir* BacktestCli::dir_ = nullptr;
std::string BacktestCli::db_;

TEST_F(BacktestCli, RunsShowsListsAndComparesVersions) {
  const auto run =
      run_mre({"backtest", "--db", db_, "--spec", spec("a.yml", kSpec), "--version", "B1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(contains(run.err, "backtest B1: 1 strategies written")) << run.err;
  EXPECT_TRUE(contains(run.out, "spx")) << run.out;
  // 2000-2010 was a lost decade for the price index: a negative annual return, a drawdown
  // beyond -50% (2007-2009), no turnover.
  const auto shown = run_mre({"backtest", "show", "B1", "--db", db_, "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto j = nlohmann::json::parse(shown.out);
  EXPECT_EQ(j["version"], "B1");
  const auto& m = j["strategies"][0]["metrics"];
  EXPECT_LT(m["annual_return"].get<double>(), 0.0);
  EXPECT_LT(m["max_drawdown"].get<double>(), -0.5);
  EXPECT_EQ(m["turnover"].get<double>(), 0.0);
  EXPECT_EQ(j["strategies"][0]["years"].size(), 11u);
  const auto csv = run_mre({"backtest", "show", "B1", "--db", db_, "--format", "csv", "--daily"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(contains(
      csv.out, "strategy,date,ret,equity,drawdown,exposure,turnover,regime\nspx,2000-01-03,"))
      << csv.out.substr(0, 200);

  std::string costly = kSpec;
  costly.replace(costly.find("end: 2010-12-31"), 15, "end: 2005-12-30");
  ASSERT_EQ(run_mre({"backtest", "--db", db_, "--spec", spec("b.yml", costly), "--version", "B2"})
                .exit_code,
            0);
  const auto cmp = run_mre({"backtest", "compare", "B1", "B2", "--db", db_, "--format", "csv"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_TRUE(contains(cmp.out, "version,strategy,metric,value\nB1,spx,annual_return,")) << cmp.out;
  EXPECT_TRUE(contains(cmp.out, "\nB2,spx,annual_return,")) << cmp.out;
  const auto list = run_mre({"backtest", "list", "--db", db_, "--format", "csv"});
  EXPECT_TRUE(contains(list.out, "\nB1,cli_toy,")) << list.out;
  EXPECT_TRUE(contains(list.out, "\nB2,cli_toy,")) << list.out;

  // The tag is bound to its spec: another spec under B1 is refused and B1 is unchanged.
  const auto again =
      run_mre({"backtest", "--db", db_, "--spec", spec("b.yml", costly), "--version", "B1"});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  EXPECT_TRUE(contains(again.err, "B1")) << again.err;
  EXPECT_EQ(run_mre({"backtest", "show", "B1", "--db", db_, "--format", "json"}).out, shown.out);
}

TEST_F(BacktestCli, BadInputExitsWithItsStatusAndStoresNothing) {
  struct Case {
    std::string from, to;
    int exit;
    std::string says;
    std::string start = "2000-01-03";
  };
  const std::vector<Case> cases{
      {"delay_days: 1", "delay_days: -2", 1, "delay_days"},
      {"cost_bp: 10", "cost_bp: -1", 1, "cost_bp"},
      {"asset: \"^GSPC\"", "asset: SPY", 2, "asset 'SPY' has prices from 1993-01-29",
       "1990-01-02"},  // SPY starts in 1993
      {"asset: \"^GSPC\"", "asset: NOPE", 4, "NOPE"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    std::string text = kSpec;
    text.replace(text.find(c.from), c.from.size(), c.to);
    text.replace(text.find("2000-01-03"), 10, c.start);
    const auto r = run_mre({"backtest", "--db", db_, "--spec",
                            spec("bad" + std::to_string(n++) + ".yml", text), "--version", "BAD"});
    EXPECT_EQ(r.exit_code, c.exit) << r.err;
    EXPECT_TRUE(contains(r.err, c.says)) << r.err;
    EXPECT_EQ(run_mre({"backtest", "show", "BAD", "--db", db_}).exit_code, 4);
  }
}

}  // namespace
}  // namespace mre::testing
