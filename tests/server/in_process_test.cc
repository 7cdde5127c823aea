// Api::handle_raw, the in-process entry the HTTP fuzz target uses: the same token check, routes
// and error shape as the served API, with no socket.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "mre/codec/backtest_artefact.h"
#include "mre/core/time_series.h"
#include "mre/store/store.h"
#include "mre/workflows/backtest.h"
#include "server/api.h"
#include "support/test_support.h"

namespace mre {
namespace {

TEST(ApiInProcess, AnswersARouteThroughTheTokenCheck) {
  server::Api api({.db = ":memory:", .token = "t0k"});
  const std::string ok =
      api.handle_raw("GET /api/health HTTP/1.1\r\nAuthorization: Bearer t0k\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_NE(ok.find("\"status\":\"ok\""), std::string::npos) << ok;
  const std::string refused = api.handle_raw("GET /api/health HTTP/1.1\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 401", 0), 0u) << refused;
  EXPECT_NE(refused.find("\"code\":\"unauthorized\""), std::string::npos) << refused;
}

TEST(ApiInProcess, AnswersEachPipelinedRequestAndNamesBadInput) {
  server::Api api({.db = ":memory:"});
  const std::string out = api.handle_raw(
      "GET /api/series/NOPE HTTP/1.1\r\n\r\n"
      "POST /api/counterfactual HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
      "3\r\n\r\n{x}");
  const auto second = out.find("HTTP/1.1 400");
  EXPECT_EQ(out.rfind("HTTP/1.1 404", 0), 0u) << out;
  ASSERT_NE(second, std::string::npos) << out;
  EXPECT_NE(out.find("malformed JSON body", second), std::string::npos) << out;
}

// A key given twice in one object (JSON leaves its meaning open; the parser used to keep the last)
// is a 400 naming the key; the same key in two different objects is not a duplicate.
TEST(ApiInProcess, ARepeatedKeyInOneObjectIsRefusedNamingIt) {
  server::Api api({.db = ":memory:"});
  const auto post = [&api](const std::string& body) {
    return api.handle_raw(
        "POST /api/counterfactual HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  const std::string top = post(R"({"intervention": "EFFR", "intervention": "TP"})");
  EXPECT_EQ(top.rfind("HTTP/1.1 400", 0), 0u) << top;
  EXPECT_NE(top.find("the key \\\"intervention\\\" appears twice in one object"), std::string::npos)
      << top;
  const std::string nested = post(R"({"shocks": [{"a": 1, "b": {"a": 2, "a": 3}}]})");
  EXPECT_EQ(nested.rfind("HTTP/1.1 400", 0), 0u) << nested;
  EXPECT_NE(nested.find("the key \\\"a\\\" appears twice"), std::string::npos) << nested;
  const std::string siblings = post(R"({"x": {"k": 1}, "y": {"k": 2}})");
  EXPECT_EQ(siblings.find("appears twice"), std::string::npos) << siblings;
  EXPECT_EQ(siblings.rfind("HTTP/1.1 4", 0), 0u) << siblings;  // refused for its fields instead
}

// A field the route does not read is a 400 naming it (QA: {"shock": "quantgan"} was answered
// with gaussian shocks, 200); generator_version is read only with quantgan shocks.
TEST(ApiInProcess, AnUnknownFieldIsRefusedNamingItAndTheRoutesFields) {
  server::Api api({.db = ":memory:"});
  const auto post = [&api](const std::string& route, const std::string& body) {
    return api.handle_raw("POST " + route +
                          " HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  const std::string misspelt =
      post("/api/counterfactual", R"({"interventions": ["EFFR=+0.5"], "shock": "quantgan"})");
  EXPECT_EQ(misspelt.rfind("HTTP/1.1 400", 0), 0u) << misspelt;
  EXPECT_NE(misspelt.find("unknown field 'shock' (this route reads: version, interventions"),
            std::string::npos)
      << misspelt;
  const std::string extra = post("/api/causal-analysis", R"({"asset": "sp500", "bogus": 1})");
  EXPECT_EQ(extra.rfind("HTTP/1.1 400", 0), 0u) << extra;
  EXPECT_NE(extra.find("unknown field 'bogus'"), std::string::npos) << extra;
}

// Issue 23: GET /api/backtests/{v} returns the codec's document, encoded once by the server; its
// JSON bytes are codec::backtest_to_json's for the stored version (keys in insertion order, two
// spaces, a final newline), with and without the daily paths.
TEST(ApiInProcess, Issue23_BacktestRouteServesTheCodecTextByteForByte) {
  testing::TempDir dir;
  const std::string db = (dir / "b.db").string();
  {
    auto s = store::open_store(db, true);
    std::vector<Date> dates;
    std::vector<double> price, rate;
    double p = 100;
    for (Date x = *Date::parse("2020-01-01"); dates.size() < 120; x = x + 1) {
      const int wd = (x.days_since_epoch() + 4) % 7;  // 1970-01-01 was a Thursday
      if (wd == 0 || wd == 6) continue;
      dates.push_back(x);
      p *= 1 + 0.01 * std::sin(static_cast<double>(dates.size()));
      price.push_back(p);
      rate.push_back(1.5);
    }
    const std::vector<store::SeriesWrite> batch{
        {"EQ", AssetClass::kEquity, "test", TimeSeries("EQ", dates, price)},
        {"RATE", AssetClass::kRates, "test", TimeSeries("RATE", dates, rate)}};
    s->write_raw(batch, Timestamp::from_micros(1'700'000'000'000'000));
    testing::write_file(dir / "b.yml",
                        "name: hold\nstart: 2020-02-03\nend: 2020-06-01\nrisk_free: RATE\n"
                        "delay_days: 1\ncost_bp: 5\nstrategies:\n"
                        "  - {name: hold, kind: buy_and_hold, asset: EQ}\n");
    workflows::run_backtest(*s, {.spec_path = dir / "b.yml", .version = "B1"});
  }
  server::Api api({.db = db});
  const auto s = store::open_store(db, false);
  for (const bool daily : {false, true}) {
    const auto report = workflows::read_backtest(*s, "B1", daily);
    const std::string expected = codec::backtest_to_json(report.header, report.result, daily);
    const std::string got = api.handle_raw(std::string("GET /api/backtests/B1") +
                                           (daily ? "?daily=1" : "") + " HTTP/1.1\r\n\r\n");
    ASSERT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got.substr(0, 400);
    EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), expected) << daily;
    EXPECT_EQ(expected.back(), '\n');
    EXPECT_EQ(expected.find("\"version\""), 4u);  // "{\n  \"version\"": two spaces, in order
  }
}

// Issue 23: GET /api/effects/{v} returns the rows' document (the stored regime effects, placebos
// and diagnostics read into it), laid out by the codec as the rows always were: one row a line,
// ", " and ": ", shortest decimals (an integral float as "2", a small one as "1e-05"), the stored
// texts' keys in their order. The expected bytes are written out here by hand.
TEST(ApiInProcess, Issue23_EffectsRouteServesTheRowsLayoutByteForByte) {
  testing::TempDir dir;
  const std::string db = (dir / "e.db").string();
  {
    auto s = store::open_store(db, true);
    const std::vector<store::EffectRow> rows{
        {.treatment = "mp_surprise",
         .outcome = "sp500",
         .horizon = 3,
         .method = "dml",
         .learner = "ridge",
         .effect = 2.0,
         .se = 0.5,
         .ci_low = -1e-05,
         .ci_high = 4.25,
         .p_value = 0.03,
         .observations = 120,
         .regime_effects_json = R"({"S1": {"effect": 1.5, "p_value": 0.2}, "S0": {}})",
         .placebo_json = R"([{"kind": "permuted_treatment", "effect": -0.25, "p_value": 1}])",
         .diagnostics_json = R"({"se": "hac", "hac_lag": 4, "z": 1e-07, "note": "a \"b\""})"},
        {.treatment = "mp_surprise",
         .outcome = "tlt",
         .horizon = 1,
         .method = "xlearner",
         .learner = "forest",
         .effect = -0.1,
         .se = 0.2,
         .ci_low = -0.3,
         .ci_high = 0.5,
         .p_value = 0.6,
         .observations = 300,
         .regime_effects_json = "{}",
         .placebo_json = "[]",
         .diagnostics_json = "{}"}};
    s->write_effects({.version = "E1", .spec_name = "effects", .spec_hash = "h", .spec_text = "t"},
                     rows);
  }
  server::Api api({.db = db});
  const std::string got = api.handle_raw("GET /api/effects/E1 HTTP/1.1\r\n\r\n");
  ASSERT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got.substr(0, 400);
  EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4),
            R"([{"treatment": "mp_surprise", "outcome": "sp500", "horizon_months": 3, )"
            R"("method": "dml", "learner": "ridge", "effect": 2, "confidence_interval": )"
            R"([-1e-05, 4.25], "uncertainty": 0.5, "p_value": 0.03, "observations": 120, )"
            R"("regime_effects": {"S1": {"effect": 1.5, "p_value": 0.2}, "S0": {}}, "placebo": )"
            R"([{"kind": "permuted_treatment", "effect": -0.25, "p_value": 1}], "diagnostics": )"
            R"({"se": "hac", "hac_lag": 4, "z": 1e-07, "note": "a \"b\""}},)"
            "\n "
            R"({"treatment": "mp_surprise", "outcome": "tlt", "horizon_months": 1, )"
            R"("method": "xlearner", "learner": "forest", "effect": -0.1, "confidence_interval": )"
            R"([-0.3, 0.5], "uncertainty": 0.2, "p_value": 0.6, "observations": 300, )"
            R"("regime_effects": {}, "placebo": [], "diagnostics": {}}])"
            "\n");
  // The CSV from the same document: one line per row, the stored objects as dotted columns.
  const std::string csv = api.handle_raw("GET /api/effects/E1?format=csv HTTP/1.1\r\n\r\n");
  ASSERT_EQ(csv.rfind("HTTP/1.1 200", 0), 0u) << csv.substr(0, 400);
  EXPECT_NE(csv.find("regime_effects.S1.effect"), std::string::npos) << csv;
}

}  // namespace
}  // namespace mre
