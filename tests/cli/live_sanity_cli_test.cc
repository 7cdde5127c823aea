// Live data sanity (issue 26, case 5): a response dated before 1800 or more than 7 days after
// the ingest is rejected as that series' failure (exit 6, nothing of it stored, the others
// written); a series whose last stored date is in the future is flagged by `series list` and
// reported as failed by a later live ingest instead of silently fetching nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <ctime>
#include <filesystem>

#include "support/fake_services.h"

namespace mre {
namespace {

using testing::contains;
using testing::FakeServices;
using testing::run_mre;
using testing::TempDir;

// A Yahoo chart answer with the given timestamps (each with close 100).
std::string yahoo_chart(const std::string& symbol, const std::vector<std::string>& stamps) {
  std::string ts;
  std::string closes;
  for (const auto& s : stamps) {
    ts += (ts.empty() ? "" : ",") + s;
    closes += std::string(closes.empty() ? "" : ",") + "100.0";
  }
  return R"({"chart": {"result": [{"meta": {"symbol": ")" + symbol + R"(", "gmtoffset": -18000},
    "timestamp": [)" +
         ts + R"(], "indicators": {"quote": [{"close": [)" + closes + R"(]}],
    "adjclose": [{"adjclose": [)" +
         closes + R"(]}]}}], "error": null}})";
}

// The JSON string literal of `text` (for embedding a body in the fault script).
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string scripted(const std::string& path_prefix, const std::string& body) {
  return R"([{"match": {"path_prefix": ")" + path_prefix +
         R"("}, "responses": [{"content_type": "application/json", "body": )" + json_string(body) +
         R"(, "times": 10}]}])";
}

TEST(LiveSanityCli, A318857YearTimestampFailsThatSeriesAndStoresNothingOfIt) {
  TempDir dir;
  // 10^13 s after 1970: year ~318857, the value of the attack run; a good day before it.
  FakeServices server(
      {}, scripted("/v8/finance/chart/TLT", yahoo_chart("TLT", {"1709303400", "10000000000000"})));
  const std::string db = (dir / "t.db").string();
  const auto r = run_mre({"ingest", "--db", db, "--source", "all", "--tickers", "DGS10,TLT"}, {},
                         server.env());
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "failed: TLT: Yahoo symbol TLT: observation date of timestamp "
                       "10000000000000 (about year 318857)"
                       " is outside the plausible range 1800-01-01 .. "))
      << r.err;
  EXPECT_TRUE(contains(r.err, "2 series, 1 failed")) << r.err;
  EXPECT_EQ(run_mre({"series", "show", "DGS10", "--db", db}).exit_code, 0);
  EXPECT_EQ(run_mre({"series", "show", "TLT", "--db", db}).exit_code, 4);  // nothing of it stored
  const auto list = run_mre({"series", "list", "--db", db});
  EXPECT_FALSE(contains(list.out, "TLT")) << list.out;
}

TEST(LiveSanityCli, TimestampsNearInt64LimitsAndNextMonthAreRejectedToo) {
  TempDir dir;
  const std::string db = (dir / "t.db").string();
  for (const std::string& stamp :
       {std::string("9223372036854775807"), std::string("-9223372036854775807")}) {
    FakeServices server({}, scripted("/v8/finance/chart/TLT", yahoo_chart("TLT", {stamp})));
    const auto r =
        run_mre({"ingest", "--db", db, "--source", "yahoo", "--tickers", "TLT"}, {}, server.env());
    EXPECT_EQ(r.exit_code, 6) << r.err;
    EXPECT_TRUE(contains(r.err, "failed: TLT: Yahoo symbol TLT: timestamp " + stamp)) << r.err;
  }
  // 30 days from now: more than 7 days ahead.
  const auto month_ahead = std::to_string(static_cast<long long>(std::time(nullptr)) + 30 * 86400);
  FakeServices server(
      {}, scripted("/v8/finance/chart/TLT", yahoo_chart("TLT", {"1709303400", month_ahead})));
  const auto r =
      run_mre({"ingest", "--db", db, "--source", "yahoo", "--tickers", "TLT"}, {}, server.env());
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_TRUE(contains(r.err, "is outside the plausible range")) << r.err;
  // Nothing stored: not even the store file the failed ingest created is left behind.
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(LiveSanityCli, AFredObservationBefore1800IsRejected) {
  TempDir dir;
  const std::string body = R"({"count": 2, "observations": [
    {"realtime_start": "2024-03-01", "realtime_end": "2024-03-01", "date": "1799-12-31", "value": "4.0"},
    {"realtime_start": "2024-03-01", "realtime_end": "2024-03-01", "date": "2024-03-01", "value": "4.1"}]})";
  FakeServices server({}, scripted("/fred/series/observations", body));
  const std::string db = (dir / "t.db").string();
  const auto r =
      run_mre({"ingest", "--db", db, "--source", "fred", "--tickers", "DGS10"}, {}, server.env());
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "failed: DGS10: FRED series DGS10: observation date 1799-12-31 is outside "
                       "the plausible range"))
      << r.err;
  // Nothing stored: not even the store file the failed ingest created is left behind.
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(LiveSanityCli, SeriesListFlagsAFutureLastDateAndALiveIngestReportsIt) {
  // A store poisoned before these checks existed: a CSV ingest with a far-future date (a CSV
  // ingest now refuses it, InputsCli.CsvIngestRefuses..., so the date is moved in SQL).
  TempDir dir;
  const std::string db = (dir / "t.db").string();
  testing::write_file(dir / "tlt.csv", "date,TLT\n2024-03-01,91.62\n2024-03-04,91.0\n");
  const auto ingest =
      run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "tlt.csv").string()});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(handle,
                           "UPDATE raw_series SET dt = 88570520 WHERE ticker = 'TLT' AND dt = "
                           "20240304",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(handle), 1);
    sqlite3_close(handle);
  }
  const auto table = run_mre({"series", "list", "--db", db});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "8857-05-20!")) << table.out;
  EXPECT_TRUE(contains(table.err, "warning: TLT: the last stored date 8857-05-20 is in the future"))
      << table.err;
  const auto csv = run_mre({"series", "list", "--db", db, "--format", "csv"});
  EXPECT_TRUE(contains(csv.out, ",last_in_future\n")) << csv.out;
  EXPECT_TRUE(contains(csv.out, ",true\n")) << csv.out;
  // The next live ingest of TLT says so (exit 6) instead of fetching nothing and succeeding.
  FakeServices server;
  const auto live =
      run_mre({"ingest", "--db", db, "--source", "yahoo", "--tickers", "TLT"}, {}, server.env());
  EXPECT_EQ(live.exit_code, 6) << live.err;
  EXPECT_TRUE(contains(live.err, "the store's last date for TLT is 8857-05-20, in the future"))
      << live.err;
}

}  // namespace
}  // namespace mre
