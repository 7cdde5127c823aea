// Feature sets: spec validation (each bad spec names its feature), alignment with publication
// lags, proxies and preferred series, the no-look-ahead guarantee on every default spec, and a
// cell-by-cell cross-check of the default specs against the pandas reference
// (tests/features/reference_features.py) on the real snapshot.
#include "mre/features/feature_set.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/sources/csv_files.h"
#include "mre/sources/universe.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/feature_spec.h"
#include "support/test_support.h"

namespace mre::features {
namespace {

using mre::testing::TempDir;

Date d(const char* iso) { return *Date::parse(iso); }

TimeSeries monthly(const std::string& name, const char* first, std::vector<double> values) {
  // Same day each month; a month-end start stays on month ends.
  std::vector<Date> dates;
  const Date start = d(first);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Date date = start.add_months(static_cast<int>(i));
    dates.push_back(start == start.end_of_month() ? date.end_of_month() : date);
  }
  return TimeSeries(name, dates, values);
}

std::map<std::string, TickerInput> two_inputs() {
  std::vector<double> a, b;
  for (int i = 0; i < 48; ++i) {
    a.push_back(100 + i);
    b.push_back(50 + 0.5 * i * i);
  }
  return {{"A", {monthly("A", "2020-01-31", a), 0, 35}},
          {"B", {monthly("B", "2020-01-31", b), 0, 35}}};
}

FeatureSetSpec spec_of(std::vector<FeatureSpec> features, bool allow_future = false) {
  return {.name = "t",
          .frequency = Frequency::kMonthEnd,
          .allow_future_data = allow_future,
          .features = std::move(features)};
}

void expect_invalid(const FeatureSetSpec& spec, const std::string& fragment,
                    ErrorCode code = ErrorCode::kInvalidArgument) {
  try {
    compute_feature_set(spec, two_inputs(), {}, BusinessCalendar());
    FAIL() << "expected an error containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(FeatureSet, RefusesBadSpecsNamingTheFeature) {
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Scale{2}, Spread{}}}}),
                 "feature 'x': binary op 'spread' must be the first op");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Spread{}}}}),
                 "feature 'x': op 'spread' takes exactly two inputs");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A", "B"}}}), "feature 'x': takes one input");
  expect_invalid(spec_of({{.name = "x", .inputs = {"NOPE"}}}), "feature 'x': unknown input 'NOPE'");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Slope{1}}}}),
                 "feature 'x': op 'slope': window must be > 1");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Volatility{.window = 0}}}}),
                 "feature 'x': op 'volatility': window must be > 1");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Winsorize{.p = 0.5}}}}),
                 "feature 'x': op 'winsorize': p must be in (0, 0.5)");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {Winsorize{.p = 0}}}}),
                 "p must be in (0, 0.5)");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {ForwardReturns{}}}}),
                 "feature 'x': op 'forward_returns' uses data after t");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}, .ops = {WinsorizeFullSample{}}}}),
                 "allow_future_data");
  expect_invalid(spec_of({{.name = "x", .inputs = {"A"}}, {.name = "x", .inputs = {"B"}}}),
                 "feature 'x': defined twice");
}

TEST(FeatureSet, CircularDefinitionIsRefusedWithItsPath) {
  expect_invalid(spec_of({{.name = "p", .inputs = {"q"}},
                          {.name = "q", .inputs = {"r"}},
                          {.name = "r", .inputs = {"p"}}}),
                 "circular feature definition: p -> q -> r -> p");
  expect_invalid(spec_of({{.name = "self", .inputs = {"self"}}}), "circular feature definition");
}

TEST(FeatureSet, InputsWithoutOverlappingDatesAreADataError) {
  auto inputs = two_inputs();
  inputs["C"] = {monthly("C", "2010-01-31", {1, 2, 3}), 0, 35};  // ends years before A begins
  const auto spec = spec_of({{.name = "gap", .inputs = {"A", "C"}, .ops = {Spread{}}}});
  try {
    compute_feature_set(spec, inputs, {}, BusinessCalendar());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(
        std::string(e.what()).find("feature 'gap': inputs 'A' and 'C' have no overlapping dates"),
        std::string::npos)
        << e.what();
  }
}

TEST(FeatureSet, ChainsFeaturesAndAppliesOpsInOrder) {
  const auto spec = spec_of({{.name = "ab", .inputs = {"A", "B"}, .ops = {Spread{}, Scale{10}}},
                             {.name = "ab_diff", .inputs = {"ab"}, .ops = {Diff{1}}}});
  const auto out = compute_feature_set(spec, two_inputs(), {}, BusinessCalendar());
  ASSERT_EQ(out.values.rows(), 48u);
  EXPECT_EQ(out.values.dates().front(), d("2020-01-31"));
  EXPECT_EQ(out.values.dates().back(), d("2023-12-31"));
  // t = 3: A = 103, B = 50 + 0.5 * 9 = 54.5 -> 10 * (103 - 54.5) = 485.
  EXPECT_DOUBLE_EQ(out.values.column("ab")[3], 485.0);
  // diff at t = 3: 485 - 10 * (102 - 52) = -15.
  EXPECT_DOUBLE_EQ(out.values.column("ab_diff")[3], -15.0);
  EXPECT_TRUE(std::isnan(out.values.column("ab_diff")[0]));
}

TEST(FeatureSet, MonthlyReleaseIsUsableOnlyAfterItsPublicationLag) {
  // CPI for March 2024 is dated 2024-03-01; with a 45-day lag it is public on 2024-04-15, so the
  // April month-end sees it and the March month-end still sees February's print.
  std::map<std::string, TickerInput> inputs{
      {"CPI", {monthly("CPI", "2024-01-01", {300, 301, 302, 303}), 45, 35}}};
  const auto spec = spec_of({{.name = "cpi", .inputs = {"CPI"}}});
  const auto out = compute_feature_set(spec, inputs, {}, BusinessCalendar());
  // Grid: month ends from 2024-01-31 to the last observation date (2024-04-01) -> Jan..Mar.
  ASSERT_EQ(out.values.rows(), 3u);
  EXPECT_TRUE(std::isnan(out.values.column(0)[0]));  // 2024-01-31: Jan print public 02-15
  EXPECT_EQ(out.values.column(0)[1], 300);           // 2024-02-29: January's print
  EXPECT_EQ(out.values.column(0)[2], 301);           // 2024-03-31: February's, not March's
}

TEST(FeatureSet, MixesDailyAndMonthlyInputsOnWeeklyAndMonthEndGrids) {
  // A daily yield (business days of January-February 2024, value = day of year) against a
  // monthly index dated the 1st with a 10-day lag.
  std::vector<Date> days;
  std::vector<double> yields;
  for (Date day = d("2024-01-02"); day <= d("2024-02-29"); day = day + 1) {
    if (day.is_weekend()) continue;
    days.push_back(day);
    yields.push_back(day - d("2023-12-31"));
  }
  std::map<std::string, TickerInput> inputs{{"Y", {TimeSeries("Y", days, yields), 0, 10}},
                                            {"M", {monthly("M", "2024-01-01", {10, 20}), 10, 35}}};
  auto spec = spec_of({{.name = "gap", .inputs = {"Y", "M"}, .ops = {Spread{}}}});
  const auto month_end = compute_feature_set(spec, inputs, {}, BusinessCalendar());
  ASSERT_EQ(month_end.values.rows(), 2u);
  // 2024-01-31: Y = 31 (Wednesday), M's January print public from 01-11 -> 31 - 10 = 21.
  EXPECT_EQ(month_end.values.column(0)[0], 21);
  // 2024-02-29: Y = 60, M's February print public from 02-11 -> 60 - 20 = 40.
  EXPECT_EQ(month_end.values.column(0)[1], 40);

  spec.frequency = Frequency::kWeekly;
  const auto weekly = compute_feature_set(spec, inputs, {}, BusinessCalendar());
  // Fridays from 2024-01-05 to 2024-02-23 (the last Friday on or before 02-29): 8 weeks.
  ASSERT_EQ(weekly.values.rows(), 8u);
  EXPECT_EQ(weekly.values.dates()[0], d("2024-01-05"));
  EXPECT_TRUE(std::isnan(weekly.values.column(0)[0]));  // M not yet public on 01-05
  EXPECT_EQ(weekly.values.column(0)[1], 12 - 10);       // 01-12: Y = 12, M = 10
  EXPECT_EQ(weekly.values.column(0)[6], 47 - 20);       // 02-16: Y = 47, M = 20 (public 02-11)
}

TEST(FeatureSet, DiscontinuedSeriesGoesMissingAfterItsGap) {
  std::map<std::string, TickerInput> inputs{
      {"OLD", {monthly("OLD", "2020-01-31", {1, 2, 3}), 0, 35}},
      {"NEW", {monthly("NEW", "2020-01-31", {1, 2, 3, 4, 5, 6}), 0, 35}}};
  const auto spec =
      spec_of({{.name = "old", .inputs = {"OLD"}}, {.name = "new", .inputs = {"NEW"}}});
  const auto out = compute_feature_set(spec, inputs, {}, BusinessCalendar());
  ASSERT_EQ(out.values.rows(), 6u);
  EXPECT_EQ(out.values.column("old")[2], 3);             // 2020-03-31: its own last value
  EXPECT_EQ(out.values.column("old")[3], 3);             // 2020-04-30: 30 days old, within 35
  EXPECT_TRUE(std::isnan(out.values.column("old")[4]));  // 2020-05-31: 61 days old -> missing
}

TEST(FeatureSet, ProxyIsMarkedUnlessThePreferredSeriesIsPresent) {
  auto inputs = two_inputs();
  inputs["TRUE"] = {monthly("TRUE", "2020-01-31", std::vector<double>(48, 7.0)), 0, 35};
  const auto spec = spec_of({{.name = "x",
                              .inputs = {"A", "B"},
                              .ops = {Ratio{}},
                              .proxy = "stands in for TRUE",
                              .prefer = "TRUE"}});
  const auto proxy = compute_feature_set(spec, inputs, {}, BusinessCalendar());
  EXPECT_EQ(proxy.info[0].proxy, "stands in for TRUE");
  EXPECT_DOUBLE_EQ(proxy.values.column(0)[0], 100.0 / 50.0);
  const auto real = compute_feature_set(spec, inputs, {"TRUE"}, BusinessCalendar());
  EXPECT_TRUE(real.info[0].proxy.empty());
  EXPECT_EQ(real.values.column(0)[0], 7.0);
}

TEST(FeatureSet, ForwardReturnsAreFlaggedForwardLookingWhenAllowed) {
  const auto spec =
      spec_of({{.name = "fwd", .inputs = {"A"}, .ops = {ForwardReturns{.horizon = 1}}},
               {.name = "fwd_scaled", .inputs = {"fwd"}, .ops = {Scale{100}}},
               {.name = "plain", .inputs = {"A"}}},
              true);
  const auto out = compute_feature_set(spec, two_inputs(), {}, BusinessCalendar());
  EXPECT_TRUE(out.info[0].forward_looking);
  EXPECT_TRUE(out.info[1].forward_looking);  // inherited through the chain
  EXPECT_FALSE(out.info[2].forward_looking);
  EXPECT_DOUBLE_EQ(out.values.column(0)[0], 101.0 / 100.0 - 1.0);
}

// --- the default specs on the real snapshot ---

const std::vector<std::string> kDefaultSpecs = {"indicators", "macro_ltv", "cross_asset",
                                                "sp500_jm"};

std::filesystem::path spec_path(const std::string& name) {
  if (name == "other_ops")
    return mre::testing::source_dir() / "tests" / "data" / "features" / "other_ops.yml";
  return mre::testing::source_dir() / "config" / "features" / (name + ".yml");
}

std::map<std::string, TimeSeries> snapshot_inputs(const FeatureSetSpec& spec,
                                                  std::optional<Date> until = std::nullopt) {
  const auto universe = sources::load_universe(mre::testing::universe_path());
  std::map<std::string, TimeSeries> raw;
  for (const auto& ticker : ticker_inputs(spec)) {
    const auto* meta = universe.find(ticker);
    EXPECT_TRUE(meta && meta->available) << ticker;
    auto series = sources::load_series_file(meta->file, ticker);
    if (until) series = series.slice(Date::from_days(-1000000), *until);
    raw[ticker] = std::move(series);
  }
  return raw;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

TEST(FeatureSet, NoLookAheadAppendingDataLeavesEveryEarlierValueBitForBitUnchanged) {
  for (const auto& name : kDefaultSpecs) {
    SCOPED_TRACE(name);
    const auto spec = workflows::load_feature_spec(spec_path(name)).spec;
    const auto full =
        workflows::compute_from_raw(spec, mre::testing::universe_path(), snapshot_inputs(spec));
    for (const char* cut : {"2008-09-15", "2016-06-30", "2020-03-16", "2025-01-31"}) {
      SCOPED_TRACE(cut);
      const auto part = workflows::compute_from_raw(spec, mre::testing::universe_path(),
                                                    snapshot_inputs(spec, d(cut)));
      ASSERT_GT(part.values.rows(), 0u);
      ASSERT_LE(part.values.dates().back(), d(cut));
      ASSERT_EQ(part.values.dates().front(), full.values.dates().front());
      std::size_t compared = 0;
      for (std::size_t t = 0; t < part.values.rows(); ++t) {
        ASSERT_EQ(part.values.dates()[t], full.values.dates()[t]);
        for (std::size_t c = 0; c < part.values.cols(); ++c) {
          const double a = part.values.column(c)[t];
          const double b = full.values.column(c)[t];
          if (!same_bits(a, b)) {
            ADD_FAILURE() << part.values.names()[c] << " on " << part.values.dates()[t].iso()
                          << ": " << a << " with data to " << cut << ", " << b << " with all data";
            return;
          }
          compared += std::isnan(a) ? 0 : 1;
        }
      }
      EXPECT_GT(compared, 1000u);  // the comparison covered real values, not just NaN
    }
  }
}

// Reads the reference CSV written by reference_features.py.
Panel read_reference(const std::filesystem::path& path) {
  CsvReader reader = CsvReader::open(path);
  const auto& header = reader.header();
  std::vector<Date> dates;
  std::vector<std::vector<double>> columns(header.size() - 1);
  while (auto row = reader.next()) {
    dates.push_back(*Date::parse(row->fields[0]));
    for (std::size_t c = 1; c < header.size(); ++c) {
      const auto field = row->fields[c];
      columns[c - 1].push_back(field.empty() ? std::nan("") : *parse_double(field));
    }
  }
  return Panel(dates, std::vector<std::string>(header.begin() + 1, header.end()), columns);
}

TEST(FeatureSet, EveryOpAgreesWithThePandasReferenceOnTheSnapshot) {
  if (std::system("/usr/bin/python3 -c 'import pandas, yaml' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 lacks pandas or yaml (make test installs both)";
  }
  TempDir dir;
  auto specs = kDefaultSpecs;
  specs.push_back("other_ops");  // the remaining ops, on a weekly grid
  for (const auto& name : specs) {
    SCOPED_TRACE(name);
    const auto out = dir / (name + ".csv");
    const auto r = mre::testing::run_shell(
        "/usr/bin/python3 " +
        mre::testing::shell_quote(
            (mre::testing::source_dir() / "tests/features/reference_features.py").string()) +
        " --spec " + mre::testing::shell_quote(spec_path(name).string()) + " --universe " +
        mre::testing::shell_quote(mre::testing::universe_path().string()) + " --snapshot " +
        mre::testing::shell_quote(mre::testing::snapshot_dir().string()) + " --out " +
        mre::testing::shell_quote(out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Panel reference = read_reference(out);
    const auto spec = workflows::load_feature_spec(spec_path(name)).spec;
    const auto ours =
        workflows::compute_from_raw(spec, mre::testing::universe_path(), snapshot_inputs(spec))
            .values;
    ASSERT_EQ(reference.names(), ours.names());
    ASSERT_EQ(reference.rows(), ours.rows());
    ASSERT_EQ(reference.dates(), ours.dates());
    std::size_t compared = 0, failures = 0;
    for (std::size_t c = 0; c < ours.cols(); ++c) {
      for (std::size_t t = 0; t < ours.rows(); ++t) {
        const double a = ours.column(c)[t];
        const double b = reference.column(c)[t];
        // Same formulas, different summation orders (pandas' Kahan-compensated rolling sums vs
        // our Welford updates): agreement to 1e-9 relative, with an absolute floor of 1e-12 for
        // values that are zero up to rounding (e.g. a spread of two equal yields).
        const bool ok = (std::isnan(a) && std::isnan(b)) ||
                        std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)) + 1e-12;
        if (!ok && ++failures <= 5) {
          ADD_FAILURE() << ours.names()[c] << " on " << ours.dates()[t].iso() << ": mre " << a
                        << ", pandas " << b;
        }
        compared += std::isnan(a) ? 0 : 1;
      }
    }
    EXPECT_EQ(failures, 0u);
    EXPECT_GT(compared, 5000u);
  }
}

}  // namespace
}  // namespace mre::features
