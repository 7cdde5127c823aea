// `mre ingest --source fred|yahoo|worldbank|all` end to end against the loopback stand-in for
// the services: a full run then an incremental one that fetches only the overlap window and
// writes only the new and revised rows; ALFRED vintages and `series show --as-of` on both sides
// of a revision's publication; one series failing after its retries while the others are
// written (exit 6); the API key never printed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/fake_services.h"
#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::FakeServices;
using testing::run_mre;
using testing::TempDir;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The summary table's row of a ticker, split on spaces.
std::vector<std::string> row_of(const std::string& table, const std::string& ticker) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::vector<std::string> cells;
    std::string c;
    while (l >> c) cells.push_back(c);
    if (!cells.empty() && cells[0] == ticker) return cells;
  }
  return {};
}

TEST(LiveCli, AnIncrementalRunFetchesTheOverlapAndWritesOnlyWhatChanged) {
  TempDir dir;
  std::filesystem::copy(mre::testing::source_dir() / "tests/data/live", dir / "fixtures",
                        std::filesystem::copy_options::recursive);
  FakeServices server(dir / "fixtures");
  const std::string db = (dir / "t.db").string();
  const std::vector<std::string> args = {
      "ingest", "--db", db, "--source", "all", "--tickers", "DGS10,UNRATE,TLT,WB_US_CPI_INFL"};
  const auto first = run_mre(args, {}, server.env());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(row_of(first.out, "DGS10"),
            (std::vector<std::string>{"DGS10", "fred", "DGS10", "all", "15", "15", "0"}))
      << first.out;
  EXPECT_EQ(row_of(first.out, "TLT")[5], "15") << first.out;
  EXPECT_EQ(row_of(first.out, "WB_US_CPI_INFL")[5], "6") << first.out;
  // The services publish two more days of DGS10 and revise 2024-03-20.
  auto fred = read(dir / "fixtures/fred/DGS10.json");
  fred.replace(fred.find(R"("date": "2024-03-20", "value": "4.28")"), 37,
               R"("date": "2024-03-20", "value": "4.29")");
  fred.replace(fred.rfind("}\n  ]"), 1,
               "},\n    {\"realtime_start\": \"2024-03-25\", \"realtime_end\": \"9999-12-31\", "
               "\"date\": \"2024-03-22\", \"value\": \"4.22\"},"
               "\n    {\"realtime_start\": \"2024-03-26\", \"realtime_end\": \"9999-12-31\", "
               "\"date\": \"2024-03-25\", \"value\": \"4.25\"}");
  testing::write_file(dir / "fixtures/fred/DGS10.json", fred);
  const auto second = run_mre(args, {}, server.env());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  // From the last stored date (2024-03-21) minus 14 days; 2 new rows and 1 revision; the
  // others unchanged.
  EXPECT_EQ(row_of(second.out, "DGS10"),
            (std::vector<std::string>{"DGS10", "fred", "DGS10", "2024-03-07", "13", "2", "1"}))
      << second.out;
  EXPECT_EQ(row_of(second.out, "TLT")[5], "0");
  EXPECT_EQ(row_of(second.out, "TLT")[6], "0");
  EXPECT_EQ(row_of(second.out, "UNRATE")[3], "2023-01-30");  // monthly: 396 days before 2024-03-01
  EXPECT_TRUE(contains(server.log(), "\"observation_start\": \"2024-03-07\"")) << server.log();
  const auto show = run_mre({"series", "show", "DGS10", "--db", db, "--from", "2024-03-20"});
  EXPECT_EQ(show.out,
            "date,value\n2024-03-20,4.29\n2024-03-21,4.27\n2024-03-22,4.22\n2024-03-25,4.25\n")
      << show.out;
  EXPECT_FALSE(contains(first.out + first.err + second.out + second.err, testing::kFakeFredKey));
  // The universe's `country` picks the World Bank country.
  const auto de =
      run_mre({"ingest", "--db", db, "--source", "worldbank", "--tickers", "WB_DE_CPI_INFL"}, {},
              server.env());
  ASSERT_EQ(de.exit_code, 0) << de.err;
  EXPECT_TRUE(contains(server.log(), "/v2/country/DE/indicator/FP.CPI.TOTL.ZG")) << server.log();
  EXPECT_EQ(row_of(de.out, "WB_DE_CPI_INFL")[5], "5") << de.out;  // six years, one null
}

TEST(LiveCli, VintagesMakeAsOfReadsShowWhatWasKnownWhen) {
  TempDir dir;
  FakeServices server;
  const std::string db = (dir / "t.db").string();
  const auto r =
      run_mre({"ingest", "--db", db, "--source", "fred", "--tickers", "GDP", "--vintages"}, {},
              server.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(server.log(), "\"realtime_start\": \"1776-07-04\"")) << server.log();
  // 2024Q1 GDP: 28269.174 from 2024-04-25, 28255.928 from 2024-05-30.
  const auto before = run_mre({"series", "show", "GDP", "--db", db, "--as-of",
                               "2024-05-01T00:00:00Z", "--from", "2024-01-01"});
  EXPECT_EQ(before.out, "date,value\n2024-01-01,28269.174\n") << before.out << before.err;
  const auto after = run_mre({"series", "show", "GDP", "--db", db, "--as-of",
                              "2024-06-01T00:00:00Z", "--from", "2024-01-01"});
  EXPECT_EQ(after.out, "date,value\n2024-01-01,28255.928\n") << after.out;
  // Before the first release the quarter is unknown.
  const auto earlier = run_mre({"series", "show", "GDP", "--db", db, "--as-of",
                                "2024-04-01T00:00:00Z", "--from", "2024-01-01"});
  EXPECT_EQ(earlier.out, "date,value\n") << earlier.out;
  // Repeating writes nothing.
  const auto again = run_mre({"ingest", "--db", db, "--source", "fred", "--tickers", "GDP",
                              "--vintages", "--since", "2023-01-01"},
                             {}, server.env());
  EXPECT_TRUE(contains(again.err, "0 new rows, 0 revisions")) << again.err;
}

TEST(LiveCli, ACachedRunReplaysOfflineToTheSameStore) {
  TempDir dir;
  std::vector<std::string> env;
  const std::vector<std::string> args = {
      "--source", "all", "--tickers", "DGS10,TLT,WB_US_CPI_INFL", "--since", "2000-01-01"};
  {
    FakeServices server;
    env = server.env();
    auto a = std::vector<std::string>{"ingest", "--db", (dir / "a.db").string(), "--cache",
                                      (dir / "cache").string()};
    a.insert(a.end(), args.begin(), args.end());
    ASSERT_EQ(run_mre(a, {}, env).exit_code, 0);
  }  // the server is gone
  auto b = std::vector<std::string>{"ingest", "--db", (dir / "b.db").string(), "--replay",
                                    (dir / "cache").string()};
  b.insert(b.end(), args.begin(), args.end());
  const auto replayed = run_mre(b, {}, env);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  for (const char* t : {"DGS10", "TLT", "WB_US_CPI_INFL"}) {
    EXPECT_EQ(run_mre({"series", "show", t, "--db", (dir / "b.db").string()}).out,
              run_mre({"series", "show", t, "--db", (dir / "a.db").string()}).out)
        << t;
  }
  EXPECT_FALSE(contains(read(dir / "cache/fred/index.tsv"),
                        testing::kFakeFredKey));  // the key is not cached
}

TEST(LiveCli, OneFailingSeriesDoesNotStopTheOthersAndTheExitSaysPartial) {
  TempDir dir;
  FakeServices server(
      {},
      R"([{"match": {"path_prefix": "/fred/series/observations", "query": {"series_id": "UNRATE"}},
                              "responses": [{"status": 500, "times": 10}]}])");
  const std::string db = (dir / "t.db").string();
  const auto r =
      run_mre({"ingest", "--db", db, "--source", "fred", "--tickers", "DGS10,UNRATE,GDP"}, {},
              server.env());
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_TRUE(contains(r.err, "failed: UNRATE: FRED series UNRATE: HTTP 500")) << r.err;
  EXPECT_TRUE(contains(r.err, "3 series, 1 failed")) << r.err;
  EXPECT_EQ(row_of(r.out, "GDP")[5], "4") << r.out;
  EXPECT_EQ(run_mre({"series", "show", "DGS10", "--db", db}).exit_code, 0);
  EXPECT_NE(run_mre({"series", "show", "UNRATE", "--db", db}).exit_code,
            0);  // nothing half-written
  EXPECT_FALSE(contains(r.out + r.err, testing::kFakeFredKey));
  // A bad option is refused before anything is fetched.
  const auto bad =
      run_mre({"ingest", "--db", db, "--source", "fred", "--tickers", "TLT"}, {}, server.env());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "'TLT' comes from yahoo")) << bad.err;
}

}  // namespace
}  // namespace mre
