// The live clients against the loopback stand-in for FRED, Yahoo and the World Bank
// (tests/live/fake_services.py): each service's documented JSON parsed, and every scripted
// fault - 429 with Retry-After, 5xx until the retries run out, malformed JSON, a truncated
// body, a wrong content type, FRED's error payload, a response slower than the timeout - given
// the behaviour issue 10 asks for.
#include "mre/sources/live.h"

#include <gtest/gtest.h>

#include <sstream>

#include "mre/core/error.h"
#include "mre/sources/http.h"
#include "support/fake_services.h"
#include "support/test_support.h"

namespace mre::sources {
namespace {

using mre::testing::contains;
using mre::testing::FakeServices;

class Live : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoints.fred = server.root() + "/fred";
    endpoints.yahoo = server.root();
    endpoints.worldbank = server.root();
    endpoints.fred_api_key = mre::testing::kFakeFredKey;
    client.sleep = [this](double s) { slept += s; };  // record the waits instead of waiting
  }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }
  FakeServices server;
  LiveEndpoints endpoints;
  HttpClient client{make_curl_transport(1.0),
                    {.max_attempts = 4, .base_delay = 0.05, .jitter_seed = 7}};
  double slept = 0;
};

TEST_F(Live, FredObservationsAndVintages) {
  const auto unrate = fetch_fred(client, endpoints, "UNRATE", std::nullopt, false);
  EXPECT_EQ(unrate.current.size(), 5u);  // six months, one "." skipped
  const auto gdp = fetch_fred(client, endpoints, "GDP", std::nullopt, true);
  ASSERT_EQ(gdp.vintages.size(), 5u);
  // 2024-01-01: first published 2024-04-25, revised 2024-05-30; today's value is the revision.
  EXPECT_EQ(gdp.vintages[3].date, *Date::parse("2024-01-01"));
  EXPECT_EQ(gdp.vintages[3].published, *Date::parse("2024-04-25"));
  EXPECT_EQ(gdp.vintages[3].value, 28269.174);
  EXPECT_EQ(gdp.vintages[4].published, *Date::parse("2024-05-30"));
  EXPECT_EQ(gdp.current.values().back(), 28255.928);
  // Incremental: only observations from the start date are asked for and returned.
  const auto tail = fetch_fred(client, endpoints, "DGS10", Date::parse("2024-03-15"), false);
  EXPECT_EQ(tail.current.dates().front(), *Date::parse("2024-03-15"));
  EXPECT_TRUE(contains(server.log(), "\"observation_start\": \"2024-03-15\"")) << server.log();
}

TEST_F(Live, YahooAdjustedClosesAndWorldBankPages) {
  const auto tlt = fetch_yahoo(client, endpoints, "TLT", std::nullopt);
  ASSERT_EQ(tlt.size(), 15u);
  EXPECT_EQ(tlt.dates().front(), *Date::parse("2024-03-01"));
  EXPECT_EQ(tlt.values().front(), 91.62);  // the adjusted close, not the close 94.53
  const auto spx = fetch_yahoo(client, endpoints, "^GSPC", std::nullopt);
  EXPECT_EQ(spx.size(), 14u);  // the all-null day is skipped
  // Daylight saving starts 2024-03-10: the 11th is still the 11th in New York.
  EXPECT_NE(std::find(spx.dates().begin(), spx.dates().end(), *Date::parse("2024-03-11")),
            spx.dates().end());
  const auto cpi = fetch_worldbank(client, endpoints, "US", "FP.CPI.TOTL.ZG", std::nullopt, 2);
  EXPECT_EQ(cpi.size(), 6u);
  EXPECT_EQ(cpi.dates().front(), *Date::parse("2018-12-31"));
  EXPECT_EQ(cpi.values().front(), 2.44);
  EXPECT_TRUE(contains(server.log(), "\"page\": \"3\""))
      << server.log();  // US has 6 rows: three pages of 2
}

TEST_F(Live, RetryAfterIsHonouredThenTheRequestSucceeds) {
  server.script(
      R"([{"match": {"path_prefix": "/fred/series/observations"}, "responses": [{"status": 429, "headers": {"Retry-After": "2"}}]}])");
  const auto r = fetch_fred(client, endpoints, "DGS10", std::nullopt, false);
  EXPECT_EQ(r.current.size(), 15u);
  EXPECT_EQ(client.attempts_last_call(), 2);
  ASSERT_EQ(client.waits_last_call().size(), 1u);
  EXPECT_GE(client.waits_last_call()[0], 2.0);  // the server's Retry-After, not the 0.05 s backoff
}

TEST_F(Live, ServerErrorsAreRetriedWithBackoffUntilTheAttemptsRunOut) {
  server.script(
      R"([{"match": {"path_prefix": "/fred/"}, "responses": [{"status": 500, "times": 10}]}])");
  const auto message =
      error_of([&] { fetch_fred(client, endpoints, "DGS10", std::nullopt, false); });
  EXPECT_TRUE(contains(message, "FRED series DGS10: HTTP 500")) << message;
  EXPECT_EQ(client.attempts_last_call(), 4);
  const auto& waits = client.waits_last_call();
  ASSERT_EQ(waits.size(), 3u);
  // Exponential with +-50% jitter: 0.05 * 2^k * [0.5, 1.5).
  for (std::size_t k = 0; k < waits.size(); ++k) {
    EXPECT_GE(waits[k], 0.05 * (1 << k) * 0.5);
    EXPECT_LT(waits[k], 0.05 * (1 << k) * 1.5);
  }
  EXPECT_FALSE(contains(message, mre::testing::kFakeFredKey));
  EXPECT_TRUE(contains(message, "api_key=***")) << message;
}

TEST_F(Live, MalformedJsonAndWrongContentTypeAreErrorsNamingTheSeries) {
  server.script(
      R"([{"match": {"path_prefix": "/v8/"}, "responses": [{"malformed": true}, {"content_type": "text/html", "body": "<html>maintenance</html>"}]}])");
  const auto malformed = error_of([&] { fetch_yahoo(client, endpoints, "TLT", std::nullopt); });
  EXPECT_TRUE(contains(malformed, "Yahoo symbol TLT: malformed JSON")) << malformed;
  EXPECT_EQ(client.attempts_last_call(), 1);  // not a transient failure: no retry
  const auto html = error_of([&] { fetch_yahoo(client, endpoints, "TLT", std::nullopt); });
  EXPECT_TRUE(contains(html, "content type 'text/html")) << html;
}

TEST_F(Live, TruncatedBodiesAndSlowResponsesAreRetried) {
  server.script(
      R"([{"match": {"path_prefix": "/v2/"}, "responses": [{"truncated": true}, {"delay": 3.0}]}])");
  const auto cpi = fetch_worldbank(client, endpoints, "US", "FP.CPI.TOTL.ZG", std::nullopt);
  EXPECT_EQ(cpi.size(), 6u);
  EXPECT_EQ(client.attempts_last_call(), 3);  // truncated, timed out (1 s < 3 s), then whole
  server.script(
      R"([{"match": {"path_prefix": "/v2/"}, "responses": [{"delay": 3.0, "times": 5}]}])");
  const auto message =
      error_of([&] { fetch_worldbank(client, endpoints, "US", "FP.CPI.TOTL.ZG", std::nullopt); });
  EXPECT_TRUE(contains(message, "no response")) << message;
  EXPECT_TRUE(contains(message, "imeout")) << message;
}

TEST_F(Live, FredErrorPayloadsAreReportedInFredsWordsWithoutTheKey) {
  auto bad_key = endpoints;
  bad_key.fred_api_key = "not-a-key";
  const auto key = error_of([&] { fetch_fred(client, bad_key, "DGS10", std::nullopt, false); });
  EXPECT_TRUE(contains(key, "api_key is not a 32 character")) << key;
  EXPECT_FALSE(contains(key, "not-a-key")) << key;
  const auto unknown =
      error_of([&] { fetch_fred(client, endpoints, "NOSUCHSERIES", std::nullopt, false); });
  EXPECT_TRUE(contains(unknown, "FRED series NOSUCHSERIES: HTTP 400")) << unknown;
  EXPECT_TRUE(contains(unknown, "The series does not exist")) << unknown;
  auto none = endpoints;
  none.fred_api_key.clear();
  EXPECT_TRUE(contains(error_of([&] { fetch_fred(client, none, "DGS10", std::nullopt, false); }),
                       "FRED_API_KEY is not set"));
  const auto wb =
      error_of([&] { fetch_worldbank(client, endpoints, "US", "NO.SUCH.IND", std::nullopt); });
  EXPECT_TRUE(contains(wb, "World Bank indicator NO.SUCH.IND (US)")) << wb;
}

TEST_F(Live, TheRateLimitSpacesRequestsToASource) {
  HttpClient limited{make_curl_transport(1.0), {.max_attempts = 1, .min_interval = 0.25}};
  for (int i = 0; i < 3; ++i) fetch_fred(limited, endpoints, "DGS10", std::nullopt, false);
  // The server's log holds the arrival times: consecutive ones at least 0.25 s apart (less the
  // clock's resolution).
  std::vector<double> times;
  std::istringstream in(server.log());
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("\"time\": ");
    if (at != std::string::npos) times.push_back(std::stod(line.substr(at + 8)));
  }
  ASSERT_EQ(times.size(), 3u) << server.log();
  EXPECT_GE(times[1] - times[0], 0.24);
  EXPECT_GE(times[2] - times[1], 0.24);
}

TEST(Http, RedactsKeysAndPasswords) {
  EXPECT_EQ(
      redact_url(
          "https://x/fred/series/observations?series_id=A&api_key=0123456789abcdef&file_type=json"),
      "https://x/fred/series/observations?series_id=A&api_key=***&file_type=json");
  EXPECT_EQ(redact_url("postgresql://bob:secret@host/db"), "postgresql://bob:***@host/db");
  EXPECT_EQ(url_encode("^GSPC"), "%5EGSPC");
}

}  // namespace
}  // namespace mre::sources
