// Issue 22: the freshness behind the current classification and the Data page, by hand. A
// memory store holds five series with chosen last dates; a universe file gives their
// frequencies, lags and an ended series; ages, stale flags, the indicators' inputs (a proxy and
// a preferred true series) and the sign-off state are checked against numbers counted on a
// calendar. The narrative caveat is checked word for word.
#include "mre/workflows/freshness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mre/core/error.h"
#include "mre/narrative/freshness_sentence.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/narrate.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

store::SeriesWrite series(const std::string& ticker, const char* last) {
  const Date end = *Date::parse(last);
  return {ticker, AssetClass::kMacro, "test", TimeSeries(ticker, {end - 30, end}, {1.0, 2.0})};
}

class Freshness : public ::testing::Test {
 protected:
  void SetUp() override {
    // Allowances: daily 1 + 0 + 3 = 4 days; monthly with a 14-day lag 31 + 14 + 3 = 48 days.
    mre::testing::write_file(
        dir_ / "u.yml",
        "series:\n"
        "  - {ticker: T10Y2Y, asset_class: RATES, source: fred, id: T10Y2Y, available: false,\n"
        "     frequency: daily, publication_lag_days: 0, unit: pp, description: d}\n"
        "  - {ticker: IEF, asset_class: RATES, source: yahoo, id: IEF, available: false,\n"
        "     frequency: daily, publication_lag_days: 0, unit: usd, description: d}\n"
        "  - {ticker: MUB, asset_class: RATES, source: yahoo, id: MUB, available: false,\n"
        "     frequency: daily, publication_lag_days: 0, unit: usd, description: d}\n"
        "  - {ticker: CPIAUCSL, asset_class: MACRO, source: fred, id: CPIAUCSL, available: false,\n"
        "     frequency: monthly, publication_lag_days: 14, unit: idx, description: d}\n"
        "  - {ticker: SHOCK, asset_class: SHOCKS, source: csv, id: s, available: false,\n"
        "     frequency: monthly, publication_lag_days: 0, unit: x, description: d, ended: "
        "2023-12-31}\n");
    const std::vector<store::SeriesWrite> batch = {
        series("T10Y2Y", "2026-08-21"), series("IEF", "2026-12-04"),
        series("MUB", "2026-09-01"),    series("CPIAUCSL", "2026-10-20"),
        series("SHOCK", "2023-12-31"),  series("NOTINU", "2020-01-01")};
    store_.write_raw(batch, Timestamp::now());
    store::FeatureVersion fv;
    fv.version = "F1";
    fv.spec_name = "indicators";
    fv.spec_hash = "h";
    fv.frequency = "daily";
    // canonical_spec_text's shape: one line per feature.
    fv.spec_text =
        "name=indicators\n"
        "feature=yield_curve_slope_10y2y|inputs=T10Y2Y|ops=|proxy=|prefer=\n"
        "feature=mmd_ust_ratio_10y|inputs=IEF,MUB|ops=ratio|proxy=a "
        "proxy|prefer=MMD_UST_RATIO_10Y\n"
        "feature=us_cpi_yoy|inputs=CPIAUCSL|ops=yoy|proxy=|prefer=\n"
        "feature=swap_spread_10y|inputs=EFFR,DGS3MO|ops=spread|proxy=|prefer=T10Y2Y\n";
    fv.columns = {{"yield_curve_slope_10y2y", "", "", false, false},
                  {"mmd_ust_ratio_10y", "", "a proxy", false, false},
                  {"us_cpi_yoy", "", "", false, false},
                  {"swap_spread_10y", "", "", false, false}};
    const Date d = *Date::parse("2026-08-21");
    store_.write_features(
        fv, Panel({d},
                  {"yield_curve_slope_10y2y", "mmd_ust_ratio_10y", "us_cpi_yoy", "swap_spread_10y"},
                  {{1.0}, {2.0}, {3.0}, {4.0}}));
    store::ClassifierModel model{.version = "C1",
                                 .spec_name = "gmr",
                                 .spec_hash = "h",
                                 .spec_text = "t",
                                 .source = "F1",
                                 .model_json = "{}",
                                 .trained_from = "2000-01-03",
                                 .trained_to = "2026-08-21"};
    store::ClassifierState state{
        .sequence = 0, .timestamp = "2026-08-21", .key = 0, .state_json = "{}", .origin = "train"};
    store_.write_classifier(model, state);
  }
  mre::testing::TempDir dir_;
  store::MemoryStore store_;
  const Date as_of_ = *Date::parse("2026-12-06");
};

TEST_F(Freshness, SeriesAgesAndStaleFlagsCountedOnACalendar) {
  const auto list = series_freshness(store_, dir_ / "u.yml", as_of_);
  ASSERT_EQ(list.size(), 6u);
  const auto find = [&](const std::string& t) {
    for (const auto& s : list)
      if (s.ticker == t) return s;
    ADD_FAILURE() << t;
    return SeriesFreshness{};
  };
  // 2026-08-21 -> 2026-12-06: 10 + 30 + 31 + 30 + 6 = 107 days; allowed 4: stale.
  EXPECT_EQ(find("T10Y2Y").age_days, 107);
  EXPECT_EQ(find("T10Y2Y").allowance_days, 4);
  EXPECT_TRUE(find("T10Y2Y").stale);
  // Friday 2026-12-04 -> Sunday: 2 days, fresh.
  EXPECT_EQ(find("IEF").age_days, 2);
  EXPECT_FALSE(find("IEF").stale);
  // Monthly with a 14-day lag: 47 days of 48 allowed.
  EXPECT_EQ(find("CPIAUCSL").age_days, 47);
  EXPECT_EQ(find("CPIAUCSL").allowance_days, 48);
  EXPECT_FALSE(find("CPIAUCSL").stale);
  EXPECT_TRUE(find("CPIAUCSL").in_universe);
  // 48 allowed: one day later it is 48 old (fine), two days later 49 (stale).
  EXPECT_FALSE(
      series_freshness(store_, dir_ / "u.yml", as_of_ + 1)[0].stale);  // CPIAUCSL sorts first
  EXPECT_TRUE(series_freshness(store_, dir_ / "u.yml", as_of_ + 2)[0].stale);
  // An ended series is never stale; a series outside the universe has no rule.
  EXPECT_FALSE(find("SHOCK").stale);
  ASSERT_TRUE(find("SHOCK").ended);
  EXPECT_EQ(find("SHOCK").ended->iso(), "2023-12-31");
  EXPECT_FALSE(find("NOTINU").in_universe);
  EXPECT_FALSE(find("NOTINU").stale);
}

TEST_F(Freshness, IndicatorsTheirInputsUseAndSignOff) {
  std::vector<double> values(10, kNaN);
  values[0] = 0.5;  // yield_curve_slope_10y2y
  values[9] = 3.1;  // us_cpi_yoy
  auto f = classification_freshness(store_, "C1", "2026-08-21", values, store_.list_series(),
                                    dir_ / "u.yml", as_of_);
  EXPECT_EQ(f.data_age_days, 107);
  ASSERT_EQ(f.indicators.size(), 10u);
  EXPECT_EQ(f.used, 2u);
  const auto& slope = f.indicators[0];
  EXPECT_EQ(slope.name, "yield_curve_slope_10y2y");
  EXPECT_TRUE(slope.used);
  EXPECT_EQ(slope.age_days, 107);
  EXPECT_TRUE(slope.stale);
  // The proxy reads IEF and MUB: its last date is the older one (MUB, 2026-09-01: 96 days).
  const auto& ratio = f.indicators[1];
  EXPECT_EQ(ratio.name, "mmd_ust_ratio_10y");
  EXPECT_TRUE(ratio.proxy);
  EXPECT_EQ(ratio.inputs, (std::vector<std::string>{"IEF", "MUB"}));
  ASSERT_TRUE(ratio.last);
  EXPECT_EQ(ratio.last->iso(), "2026-09-01");
  EXPECT_EQ(ratio.age_days, 96);
  EXPECT_TRUE(ratio.stale);
  EXPECT_FALSE(ratio.used);
  // No proxy mark and a preferred series: the preferred series was read.
  const auto& swap = f.indicators[7];
  EXPECT_EQ(swap.name, "swap_spread_10y");
  EXPECT_EQ(swap.inputs, (std::vector<std::string>{"T10Y2Y"}));
  const auto& cpi = f.indicators[9];
  EXPECT_EQ(cpi.age_days, 47);
  EXPECT_FALSE(cpi.stale);
  // Indicators the feature version does not hold: inputs unknown, no age, not stale.
  EXPECT_TRUE(f.indicators[2].inputs.empty());
  EXPECT_FALSE(f.indicators[2].age_days);
  EXPECT_EQ(f.stale, 3u);  // slope, ratio, swap (through T10Y2Y)
  EXPECT_FALSE(f.approved);
  ASSERT_EQ(f.sign_offs.size(), 2u);
  EXPECT_FALSE(f.sign_offs[0].approved);

  store_.approve_classifier({"C1", "global_macro", "tester", Timestamp::now()});
  f = classification_freshness(store_, "C1", "2026-08-21", values, store_.list_series(),
                               dir_ / "u.yml", as_of_);
  EXPECT_TRUE(f.sign_offs[0].approved);
  EXPECT_EQ(f.sign_offs[0].approved_by, "tester");
  EXPECT_FALSE(f.sign_offs[1].approved);
  EXPECT_FALSE(f.approved);  // both models must be signed off
  store_.approve_classifier({"C1", "muni", "tester", Timestamp::now()});
  f = classification_freshness(store_, "C1", "2026-08-21", values, store_.list_series(),
                               dir_ / "u.yml", as_of_);
  EXPECT_TRUE(f.approved);

  EXPECT_THROW(
      classification_freshness(store_, "NOPE", "2026-08-21", values, {}, dir_ / "u.yml", as_of_),
      Error);
}

TEST_F(Freshness, TheNarrativeCaveatSaysAgeCoverageStalenessAndSignOff) {
  std::vector<double> values(10, kNaN);
  values[0] = 0.5;
  values[9] = 3.1;
  const auto f = classification_freshness(store_, "C1", "2026-08-21", values, store_.list_series(),
                                          dir_ / "u.yml", as_of_);
  EXPECT_EQ(
      freshness_caveat(f),
      "The data are from 2026-08-21, 107 days before 2026-12-06; 2 of 10 indicators were present "
      "(missing: "
      "mmd_ust_ratio_10y, vix_index, move_index, investment_grade_credit_spread, "
      "high_yield_credit_spread, "
      "tips_breakeven_5y, swap_spread_10y, muni_fund_flows_net); stale by the universe's rule: "
      "yield_curve_slope_10y2y, mmd_ust_ratio_10y, swap_spread_10y. The state-to-label mapping has "
      "not been "
      "signed off (mre classify approve), so the labels are provisional.");
  narrative::FreshnessFacts fresh{.data_date = "2026-12-06",
                                  .as_of = "2026-12-06",
                                  .data_age_days = 0,
                                  .used = 10,
                                  .total = 10,
                                  .approved = true};
  EXPECT_EQ(narrative::freshness_sentence(fresh),
            "The data are from 2026-12-06, the same day as 2026-12-06; 10 of 10 indicators were "
            "present; none is "
            "stale. The state-to-label mapping is signed off.");
}

TEST(FreshnessInput, AnAsOfThatIsNotADateIsNamed) {
  try {
    parse_as_of_day("yesterday", "'as_of'");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'as_of': expected a date YYYY-MM-DD (got 'yesterday')"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
