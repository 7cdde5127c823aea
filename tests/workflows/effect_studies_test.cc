// Issue 17 on the bundled data: the research shock series ingest with their announcement dates,
// the MP1 -> S&P 500 event study equals statsmodels' OLS on the same rows (pandas builds them from
// the files themselves), built treatments never look ahead, and the effects spec's ranges are
// refused naming the file, key and value (issue 26, case 2).
#include "mre/workflows/effect_studies.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/effects_treatments.h"
#include "mre/workflows/ingest.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::TempDir;

std::filesystem::path effects_spec() {
  return mre::testing::source_dir() / "config" / "effects.yml";
}

TEST(EventStudy, Mp1OnTheSp500MatchesStatsmodelsOnTheSameRows) {
  store::MemoryStore store;
  ingest(store, {.universe_path = mre::testing::universe_path(), .tickers = {"MP1_JK", "^GSPC"}});
  const auto spec = load_effects_spec(effects_spec());
  const auto report = run_event_study(
      store, spec, {.treatment = "mp_surprise", .outcome = "sp500", .window = 0, .hac_lag = 4});
  const auto r = testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                                    "/tests/workflows/reference_event_study.py " +
                                    mre::testing::source_dir().string() + " 0 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  EXPECT_EQ(report.fit.events, ref["events"].get<long>());
  EXPECT_EQ(report.announcements, ref["announcement_days"].get<std::size_t>());
  EXPECT_EQ(ref["double_dates"].get<int>(),
            6);  // of the file's 8 two-announcement dates, 6 carry MP1
  // 1e-8: the tolerance; two least-squares implementations on the same rows.
  EXPECT_NEAR(report.fit.effect, ref["effect"].get<double>(), 1e-8);
  EXPECT_NEAR(report.fit.intercept, ref["intercept"].get<double>(), 1e-8);
  EXPECT_NEAR(report.fit.se_hc1, ref["se_hc1"].get<double>(), 1e-8);
  EXPECT_NEAR(report.fit.se_hac, ref["se_hac"].get<double>(), 1e-8);
  EXPECT_EQ(report.events.front().date.iso(), ref["first"].get<std::string>());
  EXPECT_EQ(report.events.back().date.iso(), ref["last"].get<std::string>());
  EXPECT_TRUE(report.identified);
  const auto json = nlohmann::json::parse(codec::event_study_to_json(report));
  EXPECT_EQ(json["event_study"]["scatter"].size(), report.events.size());
  EXPECT_EQ(json["event_study"]["identified"], true);
  EXPECT_NE(json["explanation"].get<std::string>().find("25 bp"), std::string::npos);
}

TEST(StoredStudies, AnEventStudyAndAnImpulseResponseReadBackAsComputed) {
  store::MemoryStore store;
  ingest(store, {.universe_path = mre::testing::universe_path(), .tickers = {"MP1_JK", "^GSPC"}});
  const auto spec = load_effects_spec(effects_spec());
  const auto report = run_event_study(
      store, spec, {.treatment = "mp_surprise", .outcome = "sp500", .window = 1, .hac_lag = -1});
  const auto stored = store_event_study(store, spec, report, "auto");
  EXPECT_TRUE(stored.written);
  EXPECT_EQ(stored.version.substr(0, 24), "ES_mp_surprise_sp500_w1_") << stored.version;
  EXPECT_EQ(codec::event_study_to_json(read_event_study(store, stored.version)),
            codec::event_study_to_json(report));
  // The same study again stores nothing; another window under the same tag is refused.
  EXPECT_FALSE(store_event_study(store, spec, report, stored.version).written);
  const auto other = run_event_study(
      store, spec, {.treatment = "mp_surprise", .outcome = "sp500", .window = 0, .hac_lag = -1});
  EXPECT_THROW(store_event_study(store, spec, other, stored.version), Error);
  EXPECT_EQ(store.list_artefacts("effects_event_study").size(), 1u);

  // An impulse response on a simulated month-end feature set (a shock moving the price).
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  std::vector<Date> dates;
  std::vector<double> shock, x, px;
  double price = 100.0;
  for (int i = 0; i < 240; ++i) {
    dates.push_back(Date::from_ymd(2000 + i / 12, 1 + i % 12, 1).end_of_month());
    shock.push_back(z(rng));
    x.push_back(z(rng));
    price *= std::exp(0.01 * shock.back() + 0.03 * z(rng));
    px.push_back(price);
  }
  store.write_features({.version = "F1",
                        .spec_name = "sim",
                        .spec_hash = "h",
                        .data_watermark = "w",
                        .frequency = "month_end",
                        .spec_text = "sim",
                        .created_at = Timestamp::from_micros(1),
                        .columns = {{.name = "shock"}, {.name = "x"}, {.name = "px"}}},
                       Panel(dates, {"shock", "x", "px"}, {shock, x, px}));
  EffectsSpec sim = spec;
  sim.feature_set = "sim";
  sim.regimes.clear();
  sim.controls = {"x"};
  sim.outcomes = {{"px", {.feature = "px", .change = false}}};
  const auto irf = run_impulse_response(
      store, sim, {.treatment = "shock", .outcome = "px", .horizons = {0, 1, 2, 3}});
  const auto kept = store_impulse_response(store, sim, irf, "IRF1");
  EXPECT_TRUE(kept.written);
  const auto back = read_impulse_response(store, "IRF1");
  ASSERT_EQ(back.fit.points.size(), 4u);
  EXPECT_EQ(codec::impulse_to_json(back), codec::impulse_to_json(irf));
  EXPECT_NEAR(back.fit.points[0].effect, 0.01, 0.01);  // the simulated impact, within a few s.e.
  try {
    read_impulse_response(store, "IRF9");
    FAIL() << "an unknown tag was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(EventStudy, BadInputNamesTheParameter) {
  store::MemoryStore store;
  ingest(store, {.universe_path = mre::testing::universe_path(), .tickers = {"MP1_JK", "^GSPC"}});
  const auto spec = load_effects_spec(effects_spec());
  const auto code_and_message = [&](const EventStudyQuery& q) -> std::pair<ErrorCode, std::string> {
    try {
      run_event_study(store, spec, q);
    } catch (const Error& e) {
      return {e.code(), e.what()};
    }
    return {ErrorCode::kInternal, "no error"};
  };
  auto [code, message] =
      code_and_message({.treatment = "fed_shock", .outcome = "sp500", .window = 0, .hac_lag = -1});
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("treatment"), std::string::npos) << message;
  std::tie(code, message) = code_and_message(
      {.treatment = "mp_surprise", .outcome = "sp500", .window = 21, .hac_lag = -1});
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("window"), std::string::npos) << message;
  std::tie(code, message) =
      code_and_message({.treatment = "mp_surprise", .outcome = "nope", .window = 0, .hac_lag = -1});
  EXPECT_NE(message.find("outcome"), std::string::npos) << message;
  // No response at any event: TLT is not in this store.
  std::tie(code, message) =
      code_and_message({.treatment = "mp_surprise", .outcome = "tlt", .window = 0, .hac_lag = -1});
  EXPECT_EQ(code, ErrorCode::kNotFound);
  EXPECT_NE(message.find("TLT"), std::string::npos) << message;
}

TEST(BuiltTreatments, MonthlySumsOfAnnouncementsAndNoLookAhead) {
  store::MemoryStore store;
  ingest(store, {.universe_path = mre::testing::universe_path(),
                 .tickers = {"MP1_JK", "CPIAUCSL", "NFP_SURP"}});
  std::vector<Date> grid;
  for (int y = 1985; y <= 2025; ++y) {
    for (int m = 1; m <= 12; ++m) grid.push_back(Date::from_ymd(y, m, 1).end_of_month());
  }
  const auto mp = build_treatment(store, "mp_surprise", grid);
  const auto at = [&](int y, int m) { return static_cast<std::size_t>((y - 1985) * 12 + m - 1); };
  EXPECT_TRUE(std::isnan(mp[at(1988, 10)]));  // before the data set's first MP1 (1988-11)
  EXPECT_TRUE(std::isnan(mp[at(2024, 2)]));   // after its last (2024-01)
  // 1991-12 from the file's rows: 12-06 (0), 12-18 (0.04769), 12-20 08:30 (-0.378982759) and
  // 12-20 11:30 (0.012632759).
  EXPECT_NEAR(mp[at(1991, 12)], 0.0 + 0.04769 - 0.378982759 + 0.012632759, 1e-12);
  EXPECT_EQ(mp[at(1989, 4)], 0.0);  // no MP1 that month: zero surprise, not missing
  // No look-ahead: the CPI surprise series built from data cut at 2010-12 equals the full one up
  // to the release month of 2010-12 (2011-01), bit for bit.
  const auto full = build_treatment(store, "cpi_surprise_rt", grid);
  store::MemoryStore cut_store;
  {
    auto cpi = store.read_raw({.ticker = "CPIAUCSL",
                               .from = std::nullopt,
                               .to = Date::from_ymd(2010, 12, 1),
                               .as_of = std::nullopt});
    ASSERT_TRUE(cpi.has_value());
    std::vector<store::SeriesWrite> batch{{"CPIAUCSL", AssetClass::kMacro, "test", *cpi}};
    cut_store.write_raw(batch, Timestamp::now());
  }
  const auto cut = build_treatment(cut_store, "cpi_surprise_rt", grid);
  std::size_t compared = 0;
  for (std::size_t i = 0; i <= at(2011, 1); ++i) {
    if (std::isnan(full[i])) {
      EXPECT_TRUE(std::isnan(cut[i])) << grid[i].iso();
    } else {
      EXPECT_EQ(cut[i], full[i]) << grid[i].iso();
      ++compared;
    }
  }
  EXPECT_GT(compared, 200u);
  EXPECT_TRUE(std::isnan(cut[at(2011, 2)]));
  const auto info = treatment_info("fed_shock");
  EXPECT_FALSE(info.identified);
  EXPECT_TRUE(treatment_info("mp_surprise").identified);
}

TEST(BuiltTreatments, MpsOrthMatchesExpandingStatsmodelsFitsAndNeverLooksAhead) {
  const std::vector<std::string> tickers{"MPS_BS",      "NFP_SURP",   "NFP_12M_BS", "SP500_3M_BS",
                                         "SLOPE_3M_BS", "BCOM_3M_BS", "TR_SKEW_BS"};
  store::MemoryStore store;
  ingest(store, {.universe_path = mre::testing::universe_path(), .tickers = tickers});
  std::vector<Date> grid;
  for (int y = 1985; y <= 2025; ++y) {
    for (int m = 1; m <= 12; ++m) grid.push_back(Date::from_ymd(y, m, 1).end_of_month());
  }
  const auto orth = build_treatment(store, "mps_orth", grid);
  const auto r = testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                                    "/tests/workflows/reference_mps_orth.py " +
                                    mre::testing::source_dir().string() + " 60");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  const auto& residuals = ref["residuals"];
  std::set<std::string> zero_months;
  for (const auto& m : ref["zero_months"]) zero_months.insert(m.get<std::string>());
  std::size_t matched = 0;
  bool started = false;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    const std::string month = grid[i].iso().substr(0, 7);
    if (residuals.contains(month)) {
      started = true;
      // 1e-10: two least-squares solvers (QR here, statsmodels' pinv) on up to ~300 rows of
      // well-scaled predictors; the residuals are of order 0.01-0.3.
      EXPECT_NEAR(orth[i], residuals[month].get<double>(), 1e-10) << month;
      ++matched;
    } else if (started && zero_months.count(month) && month <= "2023-12") {
      EXPECT_EQ(orth[i], 0.0) << month;  // no announcement: no surprise
    } else {
      EXPECT_TRUE(std::isnan(orth[i])) << month << " " << orth[i];
    }
  }
  EXPECT_EQ(matched, residuals.size());
  EXPECT_GT(matched, 200u);
  EXPECT_EQ(residuals.begin().key(), "1994-07");  // the 61st FOMC month with every predictor
  EXPECT_TRUE(treatment_info("mps_orth").identified);
  // A predictor missing from the store: NotFound naming it and how to ingest it.
  {
    store::MemoryStore only_mps;
    ingest(only_mps, {.universe_path = mre::testing::universe_path(), .tickers = {"MPS_BS"}});
    try {
      build_treatment(only_mps, "mps_orth", grid);
      ADD_FAILURE() << "no error without the predictors";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound);
      EXPECT_NE(std::string(e.what()).find("NFP_SURP"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("mre ingest"), std::string::npos) << e.what();
    }
  }

  // No look-ahead: every series cut after 2010-12 gives the same values up to 2010-12, bit for
  // bit.
  store::MemoryStore cut_store;
  for (const auto& ticker : tickers) {
    auto series = store.read_raw(
        {.ticker = ticker, .from = std::nullopt, .to = Date::from_ymd(2010, 12, 31), .as_of = {}});
    ASSERT_TRUE(series.has_value()) << ticker;
    std::vector<store::SeriesWrite> batch{{ticker, AssetClass::kShocks, "test", *series}};
    cut_store.write_raw(batch, Timestamp::now());
  }
  const auto cut = build_treatment(cut_store, "mps_orth", grid);
  for (std::size_t i = 0; grid[i] <= Date::from_ymd(2010, 12, 31); ++i) {
    if (std::isnan(orth[i])) {
      EXPECT_TRUE(std::isnan(cut[i])) << grid[i].iso();
    } else {
      EXPECT_EQ(cut[i], orth[i]) << grid[i].iso();
    }
  }
}

// Issue 26, case 2: one place checks the spec's ranges; the error names file, key and value.
TEST(EffectsSpec, RangesAreRefusedNamingTheFileKeyAndValue) {
  TempDir dir;
  const std::string base =
      "name: t\ntreatments: [fed_shock]\noutcomes: {sp500: {feature: sp500}}\ncontrols: [vix]\n";
  const struct {
    std::string text;
    std::string key;
    std::string value;
  } cases[] = {
      {base + "horizons: [1]\nlags: [-1]\n", "'lags'", "-1"},
      {base + "horizons: [1]\nlags: [-3]\n", "'lags'", "-3"},
      {base + "horizons: [1]\nlags: [-99999999]\n", "'lags'", "-99999999"},
      {base + "horizons: [1]\nlags: [99999999999999999999]\n", "'lags'", "99999999999999999999"},
      {base + "horizons: [0]\n", "'horizons'", "0"},
      {base + "horizons: [1000]\n", "'horizons'", "1000"},
      {base + "horizons: [1]\nfolds: 1\n", "'folds'", "1"},
      {base + "horizons: [1]\nirf: {lags: 0}\n", "'irf.lags'", "0"},
      {base + "horizons: [1]\nirf: {horizons: [-2]}\n", "'irf.horizons'", "-2"},
      {base + "horizons: [1]\nlags: x\n", "'lags'", ""},
  };
  for (const auto& c : cases) {
    testing::write_file(dir / "e.yml", c.text);
    try {
      load_effects_spec(dir / "e.yml");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << what;
      EXPECT_NE(what.find("e.yml:"), std::string::npos) << what;
      EXPECT_NE(what.find(c.key), std::string::npos) << what;
      EXPECT_NE(what.find(c.value), std::string::npos) << what;
    }
  }
  // A spec built in code skips the parser: assemble_panel checks the lags before indexing.
  auto spec = load_effects_spec(effects_spec());
  spec.lags = {-1};
  EffectsSource source;
  try {
    assemble_panel(source, spec, "fed_shock", "sp500", 1);
    ADD_FAILURE() << "accepted lags -1";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("lags"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
