// GET /api/health/details (issue 27) in process: the monitor's checks as JSON on a store with
// data, 404 on an empty store, 400 for a bad drift window, and nothing stored by the read-only
// route.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "mre/codec/monitor_artefacts.h"
#include "mre/store/store.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/monitor.h"
#include "server/api.h"
#include "support/test_support.h"

namespace mre {
namespace {

std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

TEST(HealthDetails, ChecksAsJsonAndClearErrors) {
  testing::TempDir dir;
  const std::string db = (dir / "mre.db").string();
  {
    auto store = store::open_store(db, true);
    workflows::ingest(*store, {.universe_path = testing::universe_path(),
                               .tickers = {"DGS10", "SP500", "VIXCLS"}});
  }
  server::ServeOptions o;
  o.db = db;
  server::Api api(o);
  const std::string ok = api.handle_raw("GET /api/health/details HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok.substr(0, 400);
  const auto report = nlohmann::json::parse(body_of(ok));
  EXPECT_TRUE(report["status"] == "red" || report["status"] == "amber" ||
              report["status"] == "green");
  std::size_t staleness = 0;
  for (const auto& c : report["checks"]) staleness += c["check"] == "staleness" ? 1 : 0;
  EXPECT_EQ(staleness, 3u);
  EXPECT_TRUE(report["version"].is_null());  // not stored: the API never writes
  const std::string as_of =
      api.handle_raw("GET /api/health/details?as_of=2020-01-02 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(nlohmann::json::parse(body_of(as_of))["as_of"], "2020-01-02");
  const std::string bad =
      api.handle_raw("GET /api/health/details?drift_window=abc HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(bad.rfind("HTTP/1.1 400", 0), 0u) << bad.substr(0, 400);
  EXPECT_TRUE(testing::contains(bad, "drift_window")) << bad;
  auto store = store::open_store(db, false);
  EXPECT_TRUE(store->list_artefacts("monitor_run").empty());

  // Issue 23: the route returns the codec's document, encoded once by the server; its JSON bytes
  // are codec::monitor_report_to_json's (keys sorted, two spaces), the run's own clock aside.
  workflows::MonitorOptions same;
  same.as_of = Date::parse("2020-01-02");
  same.persist = false;
  const std::regex clock(R"("created_at": "[^"]*")");
  EXPECT_EQ(std::regex_replace(body_of(as_of), clock, "T"),
            std::regex_replace(codec::monitor_report_to_json(workflows::check_store(*store, same)),
                               clock, "T"));
  EXPECT_EQ(body_of(as_of).rfind("{\n  \"as_of\"", 0), 0u) << body_of(as_of).substr(0, 80);

  server::ServeOptions e;
  e.db = ":memory:";
  server::Api empty(e);
  const std::string none = empty.handle_raw("GET /api/health/details HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(none.rfind("HTTP/1.1 404", 0), 0u) << none.substr(0, 400);
  EXPECT_TRUE(testing::contains(none, "holds no series")) << none;
}

}  // namespace
}  // namespace mre
