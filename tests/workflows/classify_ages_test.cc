// Issue 18: every classified row says how old each indicator's data was on the row's date, by
// the one staleness rule (sources::is_stale), from what was published by then. A hand-made memory
// store holds three input series with chosen dates (one stops early), a feature version naming
// them as three indicators' inputs and a classifier trained on it (a hand-built model: the labels
// do not matter here). Ages and stale flags are counted on a calendar; removing the data after a
// date leaves every earlier row's output unchanged byte for byte; the CSV reads in pandas; the
// real-time JSON validates against the MR-DS-02 schema.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/regimes/hierarchical/mapping.h"
#include "mre/regimes/hierarchical/profiles.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/freshness.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

namespace hier = regimes::hierarchical;
using mre::testing::read_file;
using mre::testing::run_shell;
using mre::testing::shell_quote;
using mre::testing::write_file;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
Date day(const char* iso) { return *Date::parse(iso); }

// A small valid model: states spread along a line in z units, unit statistics, identity
// covariances, a sticky chain, mapped by the product's own mapping.
hier::HierarchicalModel small_model() {
  hier::HierarchicalModel model;
  for (auto* c : {&model.global, &model.muni}) {
    c->definition = c == &model.global ? hier::global_macro_definition() : hier::muni_definition();
    const auto I = static_cast<Eigen::Index>(c->definition.indicators.size());
    const int K = c->definition.n_states();
    c->stats.mean = Vector::Zero(I);
    c->stats.std = Vector::Ones(I);
    c->params.means = Matrix(K, I);
    for (int k = 0; k < K; ++k)
      for (Eigen::Index i = 0; i < I; ++i)
        c->params.means(k, i) = (k - 0.5 * (K - 1)) * (i % 3 == 0 ? 1.0 : -0.5);
    c->params.covariances.assign(static_cast<std::size_t>(K), Matrix::Identity(I, I));
    c->params.initial = Vector::Constant(K, 1.0 / K);
    c->params.transition = Matrix::Constant(K, K, 0.1 / (K - 1));
    c->params.transition.diagonal().setConstant(0.9);
    c->mapping = hier::map_states(c->params.means, c->stats, c->definition);
  }
  return model;
}

// Daily observations on every calendar day of [first, last]; monthly ones on each month's 1st.
TimeSeries daily(const std::string& name, Date first, Date last) {
  std::vector<Date> dates;
  for (Date d = first; d <= last; d = d + 1) dates.push_back(d);
  return TimeSeries(name, dates, std::vector<double>(dates.size(), 1.0));
}
TimeSeries monthly(const std::string& name, int year, int first_month, int last_month) {
  std::vector<Date> dates;
  for (int m = first_month; m <= last_month; ++m) dates.push_back(Date::from_ymd(year, m, 1));
  return TimeSeries(name, dates, std::vector<double>(dates.size(), 1.0));
}

// The store; `cutoff`: only observations dated on or before it (the truncation test).
void fill(store::MemoryStore& store, std::optional<Date> cutoff) {
  const auto cut = [&](TimeSeries s) { return cutoff ? s.slice(s.dates().front(), *cutoff) : s; };
  // T10Y2Y stops on 2026-03-31; VIXCLS runs to 2026-06-30; CPI is monthly to May.
  const std::vector<store::SeriesWrite> batch = {
      {"T10Y2Y", AssetClass::kRates, "test",
       cut(daily("T10Y2Y", day("2026-01-01"), day("2026-03-31")))},
      {"VIXCLS", AssetClass::kEquity, "test",
       cut(daily("VIXCLS", day("2026-01-01"), day("2026-06-30")))},
      {"CPIAUCSL", AssetClass::kMacro, "test", cut(monthly("CPIAUCSL", 2026, 1, 5))}};
  store.write_raw(batch, Timestamp::now());
  store::FeatureVersion fv;
  fv.version = "F1";
  fv.spec_name = "indicators";
  fv.spec_hash = "h";
  fv.frequency = "daily";
  fv.spec_text =  // canonical_spec_text's shape: one line per feature
      "name=indicators\n"
      "feature=yield_curve_slope_10y2y|inputs=T10Y2Y|ops=|proxy=|prefer=\n"
      "feature=vix_index|inputs=VIXCLS|ops=|proxy=|prefer=\n"
      "feature=us_cpi_yoy|inputs=CPIAUCSL|ops=yoy|proxy=|prefer=\n";
  fv.columns = {{"yield_curve_slope_10y2y", "", "", false, false},
                {"vix_index", "", "", false, false},
                {"us_cpi_yoy", "", "", false, false}};
  store.write_features(
      fv, Panel({day("2026-01-02")}, {"yield_curve_slope_10y2y", "vix_index", "us_cpi_yoy"},
                {{1.0}, {2.0}, {3.0}}));
  const auto model = small_model();
  hier::FilterState initial{model.global.params.initial, model.muni.params.initial};
  store.write_classifier(
      {.version = "C1",
       .spec_name = "gmr",
       .spec_hash = "h",
       .spec_text = "instrument_types=MUNI,CORP\nmin_indicators=5\nretrain_every_months=6\n",
       .source = "F1",
       .model_json = codec::classifier_model_to_json(model),
       .trained_from = "2026-01-02",
       .trained_to = "2026-03-30"},
      {.sequence = 0,
       .timestamp = "2026-03-30",
       .key = static_cast<std::int64_t>(day("2026-03-30").days_since_epoch()) * 86'400'000'000LL,
       .state_json = codec::filter_state_to_json(initial),
       .origin = "train"});
}

class ClassifyAges : public ::testing::Test {
 protected:
  void SetUp() override {
    // Allowances (sources::staleness_allowance_days): daily 1 + 0 + 3 = 4 days; monthly with a
    // 14-day publication lag 31 + 14 + 3 = 48 days.
    write_file(
        dir_ / "u.yml",
        "series:\n"
        "  - {ticker: T10Y2Y, asset_class: RATES, source: fred, id: T10Y2Y, available: false,\n"
        "     frequency: daily, publication_lag_days: 0, unit: pp, description: d}\n"
        "  - {ticker: VIXCLS, asset_class: EQUITY, source: fred, id: VIXCLS, available: false,\n"
        "     frequency: daily, publication_lag_days: 0, unit: idx, description: d}\n"
        "  - {ticker: CPIAUCSL, asset_class: MACRO, source: fred, id: CPIAUCSL, available: false,\n"
        "     frequency: monthly, publication_lag_days: 14, unit: idx, description: d}\n");
    fill(store_, std::nullopt);
  }
  std::filesystem::path universe() const { return dir_ / "u.yml"; }

  // A historical file: one row per date, every indicator present except where `missing` says.
  std::filesystem::path csv(const std::vector<std::string>& dates, const std::string& name) {
    std::ostringstream out;
    out << "timestamp";
    for (const auto& n : hier::mr_ds_01_indicators()) out << ',' << n;
    out << '\n';
    for (const auto& d : dates) {
      out << d;
      for (std::size_t i = 0; i < 10; ++i) out << ',' << (d == "2026-04-05" && i == 1 ? "" : "0.5");
      out << '\n';
    }
    write_file(dir_ / name, out.str());
    return dir_ / name;
  }

  mre::testing::TempDir dir_;
  store::MemoryStore store_;
};

TEST_F(ClassifyAges, Issue18_AgesAndStaleFlagsCountedOnACalendarFromWhatWasPublishedThen) {
  const auto source = load_indicator_age_source(store_, "C1", universe());
  const auto on = [&](const char* iso) { return indicator_ages(source, day(iso), nullptr); };
  constexpr std::size_t kSlope = 0, kVix = 2, kCpi = 9;
  // T10Y2Y's last observation is 2026-03-31: 0 days then, 4 on 04-04 (allowed), 5 on 04-05.
  EXPECT_EQ(on("2026-03-31")[kSlope].age_days, 0);
  EXPECT_FALSE(on("2026-03-31")[kSlope].stale);
  EXPECT_EQ(on("2026-04-04")[kSlope].age_days, 4);
  EXPECT_FALSE(on("2026-04-04")[kSlope].stale);
  EXPECT_EQ(on("2026-04-05")[kSlope].age_days, 5);
  EXPECT_TRUE(on("2026-04-05")[kSlope].stale);
  // 2026-03-31 -> 2026-07-01: 30 + 31 + 1 = 92 days.
  EXPECT_EQ(on("2026-07-01")[kSlope].age_days, 92);
  // CPI, dated on the 1st, counts from 14 days later: on 2026-06-14 the May value (published
  // 05-15) is the newest (44 days), on 06-15 still (June's 1st has no value): 45 days, fresh;
  // on 2026-07-01: 61 days > 48, stale.
  EXPECT_EQ(on("2026-06-14")[kCpi].age_days, 44);
  EXPECT_EQ(on("2026-06-15")[kCpi].age_days, 45);
  EXPECT_FALSE(on("2026-06-15")[kCpi].stale);
  EXPECT_EQ(on("2026-07-01")[kCpi].age_days, 61);
  EXPECT_TRUE(on("2026-07-01")[kCpi].stale);
  // No look-ahead through the lag: on 2026-04-14 April's value (dated 04-01) is not yet out, so
  // March's (dated 03-01) is the newest: 44 days; on 04-15 April's is: 14 days.
  EXPECT_EQ(on("2026-04-14")[kCpi].age_days, 44);
  EXPECT_EQ(on("2026-04-15")[kCpi].age_days, 14);
  // Before an input's first observation: no age, stale. January's CPI is out on 01-15.
  EXPECT_FALSE(on("2026-01-10")[kCpi].age_days);
  EXPECT_TRUE(on("2026-01-10")[kCpi].stale);
  EXPECT_EQ(on("2026-01-15")[kCpi].age_days, 14);
  EXPECT_EQ(on("2026-06-30")[kVix].age_days, 0);
  EXPECT_FALSE(on("2026-06-30")[kVix].stale);
  // Indicators the feature version does not hold: inputs unknown, no age, not stale.
  for (const std::size_t i : {1, 3, 4, 5, 6, 7, 8}) {
    EXPECT_FALSE(on("2026-07-01")[i].age_days) << i;
    EXPECT_FALSE(on("2026-07-01")[i].stale) << i;
  }
  // `used` follows the observation's values.
  std::vector<double> values(10, 1.0);
  values[kVix] = kNaN;
  const auto with_values = indicator_ages(source, day("2026-07-01"), values.data());
  EXPECT_TRUE(with_values[kSlope].used);
  EXPECT_FALSE(with_values[kVix].used);
  // Today, the same rule and numbers as the dashboard's freshness (which counts every stored
  // observation: on a day past every lag they agree).
  const auto f = classification_freshness(store_, "C1", "2026-07-20", values, store_.list_series(),
                                          universe(), day("2026-07-20"));
  const auto mine = indicator_ages(source, day("2026-07-20"), values.data());
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(mine[i].age_days, f.indicators[i].age_days) << i;
    EXPECT_EQ(mine[i].stale, f.indicators[i].stale) << i;
    EXPECT_EQ(mine[i].used, f.indicators[i].used) << i;
  }
  EXPECT_THROW(load_indicator_age_source(store_, "NOPE", universe()), Error);
}

// The historical CSV: ten `<indicator>_age_days` columns and `indicators_stale`, read by pandas
// (empty cells are NaN); the rows up to a date are byte-identical when the store loses every
// observation after it.
TEST_F(ClassifyAges, Issue18_HistoricalCsvCarriesAgesReadsInPandasAndNeverLooksAhead) {
  const auto in =
      csv({"2026-03-31", "2026-04-04", "2026-04-05", "2026-06-15", "2026-07-01"}, "in.csv");
  const auto out = dir_ / "out.csv";
  classify_historical(store_, {.version = "C1",
                               .input = in,
                               .output = out,
                               .allow_unapproved = true,
                               .universe = universe()});
  const std::string script =
      "import math, sys\n"
      "import pandas as pd\n"
      "t = pd.read_csv(sys.argv[1])\n"
      "names = ['yield_curve_slope_10y2y', 'mmd_ust_ratio_10y', 'vix_index', 'move_index',\n"
      "         'investment_grade_credit_spread', 'high_yield_credit_spread', "
      "'tips_breakeven_5y',\n"
      "         'swap_spread_10y', 'muni_fund_flows_net', 'us_cpi_yoy']\n"
      "cols = list(t.columns)\n"
      "i = cols.index('indicators_used')\n"
      "assert cols[i + 1:i + 12] == [n + '_age_days' for n in names] + ['indicators_stale'], cols\n"
      "for n in names:\n"
      "    assert t[n + '_age_days'].dtype.kind in 'fi', (n, t[n + '_age_days'].dtype)\n"
      "assert list(t['yield_curve_slope_10y2y_age_days']) == [0, 4, 5, 76, 92]\n"
      "assert list(t['vix_index_age_days']) == [0, 0, 0, 0, 1]\n"
      "assert list(t['us_cpi_yoy_age_days']) == [30, 34, 35, 45, 61]\n"
      "assert t['move_index_age_days'].isna().all()\n"
      "assert list(t['indicators_stale']) == [0, 0, 1, 1, 2]\n"
      "assert list(t['indicators_used']) == [10, 10, 9, 10, 10]\n"
      "print('ok', len(t))\n";
  write_file(dir_ / "check.py", script);
  const auto r = run_shell("/usr/bin/python3 " + shell_quote((dir_ / "check.py").string()) + " " +
                           shell_quote(out.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out << read_file(out);
  EXPECT_EQ(r.out, "ok 5\n");

  // Truncation: a store holding only the observations up to 2026-04-05 gives the same first
  // three rows (ages included), byte for byte; the later rows differ (their data are gone).
  store::MemoryStore truncated;
  fill(truncated, day("2026-04-05"));
  const auto cut_out = dir_ / "cut.csv";
  classify_historical(truncated, {.version = "C1",
                                  .input = in,
                                  .output = cut_out,
                                  .allow_unapproved = true,
                                  .universe = universe()});
  std::istringstream full(read_file(out));
  std::istringstream cut(read_file(cut_out));
  std::string a;
  std::string b;
  for (int line = 0; line < 4; ++line) {  // the header and the rows up to 2026-04-05
    ASSERT_TRUE(std::getline(full, a));
    ASSERT_TRUE(std::getline(cut, b));
    EXPECT_EQ(a, b) << line;
  }
  ASSERT_TRUE(std::getline(full, a));
  ASSERT_TRUE(std::getline(cut, b));
  EXPECT_NE(a, b);  // 2026-06-15: VIXCLS's data after the cut are gone in `cut`
}

// Real time: "coverage" per indicator (used, age_days, stale) on the observation's UTC date, and
// the line validates against the MR-DS-02 schema (tests/schemas).
TEST_F(ClassifyAges, Issue18_RealTimeJsonCarriesCoverageAndValidatesAgainstTheSchema) {
  Observation o;
  o.timestamp = "2026-07-01T15:30:00Z";
  o.key = *timestamp_key(o.timestamp);
  o.values.assign(10, 0.5);
  o.values[1] = kNaN;  // mmd_ust_ratio_10y missing
  const std::string text = classify_realtime(
      store_, {.version = "C1", .allow_unapproved = true, .universe = universe()}, o);
  const auto j = nlohmann::json::parse(text);
  const auto& c = j.at("coverage");
  EXPECT_EQ(c.at("indicators_used"), 9);
  EXPECT_EQ(c.at("indicators_stale"), 2);  // the slope and CPI
  const auto& ind = c.at("indicators");
  ASSERT_EQ(ind.size(), 10u);
  EXPECT_EQ(ind.at("yield_curve_slope_10y2y").at("age_days"), 92);
  EXPECT_EQ(ind.at("yield_curve_slope_10y2y").at("stale"), true);
  EXPECT_EQ(ind.at("vix_index").at("age_days"), 1);
  EXPECT_EQ(ind.at("vix_index").at("stale"), false);
  EXPECT_EQ(ind.at("us_cpi_yoy").at("age_days"), 61);
  EXPECT_EQ(ind.at("us_cpi_yoy").at("stale"), true);
  EXPECT_EQ(ind.at("mmd_ust_ratio_10y").at("used"), false);
  EXPECT_TRUE(ind.at("mmd_ust_ratio_10y").at("age_days").is_null());
  EXPECT_EQ(ind.at("move_index").at("used"), true);

  const auto lines = dir_ / "rt.jsonl";
  write_file(lines, text + "\n");
  const auto root = mre::testing::source_dir() / "tests" / "schemas";
  const auto r = run_shell("/usr/bin/python3 " + shell_quote((root / "validate.py").string()) +
                           " " + shell_quote((root / "mr_ds_02.schema.json").string()) + " " +
                           shell_quote(lines.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out << text;
}

// A timestamp of the wrong type was reported as missing (QA pass, 2026-12-07).
TEST(ObservationJson, ATimestampOfTheWrongTypeIsNamedAsSuch) {
  const auto message = [](const std::string& text) {
    try {
      parse_observation_json(text, "obs.json", "");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDataError);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"timestamp": 12345})").find("obs.json: field 'timestamp' must be a string"),
            std::string::npos);
  EXPECT_NE(message(R"({"vix_index": 16})").find("obs.json: missing field 'timestamp'"),
            std::string::npos);
}

}  // namespace
}  // namespace mre::workflows
