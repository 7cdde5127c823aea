// Regime-conditional statistics against pandas (reference_profile.py, run here) on simulated
// labels and prices whose calendars differ (monthly labels, business-day prices with gaps), and a
// transition matrix worked by hand.
#include "mre/regimes/profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::regimes {
namespace {

TEST(RegimeProfile, TransitionsAndDurationsByHand) {
  // Labels A A B B B A: transitions A->A 1, A->B 1, B->B 2, B->A 1. P(A->A) = 1/2, P(B->B) = 2/3:
  // expected durations 2 and 3 periods.
  std::vector<Date> dates;
  for (int i = 0; i < 6; ++i) dates.push_back(*Date::parse("2020-01-01") + i);
  const auto p = profile(dates, {0, 0, 1, 1, 1, 0}, {"A", "B"}, {});
  EXPECT_EQ(p.periods, (std::vector<std::size_t>{3, 3}));
  EXPECT_DOUBLE_EQ(p.transitions(0, 0), 0.5);
  EXPECT_DOUBLE_EQ(p.transitions(1, 0), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(p.expected_durations[0], 2.0);
  EXPECT_NEAR(p.expected_durations[1], 3.0, 1e-15);  // 1 / (1 - 2/3) rounds
  EXPECT_THROW(profile(dates, {0, 0, 1}, {"A", "B"}, {}), Error);
  EXPECT_THROW(profile(dates, {0, 0, 2, 1, 1, 0}, {"A", "B"}, {}), Error);
}

TEST(RegimeProfile, EqualsPandas) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  // Month-end labels 2010-01 .. 2014-12 from a 3-state chain; two assets on weekdays with 3% of
  // days missing, one starting before the labels and one after.
  std::vector<Date> dates;
  std::vector<int> labels;
  int s = 0;
  for (int m = 0; m < 60; ++m) {
    dates.push_back(Date::from_ymd(2010 + m / 12, m % 12 + 1, 1).add_months(1) - 1);
    if (u(rng) > 0.8) s = static_cast<int>(u(rng) * 3) % 3;
    labels.push_back(s);
  }
  std::ostringstream label_csv, price_csv;
  label_csv.precision(17);
  price_csv.precision(17);
  label_csv << "date,label\n";
  for (std::size_t i = 0; i < dates.size(); ++i)
    label_csv << dates[i].iso() << "," << labels[i] << "\n";
  price_csv << "date,asset,price\n";
  std::vector<TimeSeries> prices;
  for (const auto& [name, start, drift] :
       {std::tuple{std::string("AAA"), std::string("2009-06-01"), 0.0004},
        std::tuple{std::string("BBB"), std::string("2011-03-15"), -0.0001}}) {
    std::vector<Date> d;
    std::vector<double> v;
    double level = 100;
    for (Date day = *Date::parse(start); day <= *Date::parse("2015-03-31"); day = day + 1) {
      if (day.weekday() >= Weekday::kSaturday || u(rng) < 0.03)
        continue;  // weekends and random gaps
      level *= std::exp(drift + 0.012 * z(rng));
      d.push_back(day);
      v.push_back(level);
      price_csv << day.iso() << "," << name << "," << level << "\n";
    }
    prices.emplace_back(name, d, v);
  }
  const testing::TempDir dir;
  testing::write_file(dir / "labels.csv", label_csv.str());
  testing::write_file(dir / "prices.csv", price_csv.str());
  const auto r =
      testing::run_shell("/usr/bin/python3 " +
                         (testing::source_dir() / "tests/regimes/reference_profile.py").string() +
                         " " + (dir / "labels.csv").string() + " " + (dir / "prices.csv").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ref = nlohmann::json::parse(r.out);
  const auto p = profile(dates, labels, {"0", "1", "2"}, prices);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(p.transitions(i, j), ref["transitions"][i][j].get<double>(), 1e-15);
    EXPECT_NEAR(p.expected_durations[static_cast<std::size_t>(i)],
                ref["durations"][i].get<double>(), 1e-12);
  }
  int compared = 0;
  for (const auto& stat : p.assets) {
    const auto& e = ref["assets"][stat.asset][stat.regime];
    ASSERT_FALSE(e.is_null()) << stat.asset << " " << stat.regime;
    EXPECT_EQ(stat.days, e["days"].get<std::size_t>()) << stat.asset << " " << stat.regime;
    // 1e-12: the same prices (17 digits) and the same formulas, summed in different orders.
    EXPECT_NEAR(stat.annual_mean, e["annual_mean"].get<double>(), 1e-12)
        << stat.asset << " " << stat.regime;
    EXPECT_NEAR(stat.annual_volatility, e["annual_volatility"].get<double>(), 1e-12)
        << stat.asset << " " << stat.regime;
    EXPECT_NEAR(stat.sharpe, e["sharpe"].get<double>(), 1e-10) << stat.asset << " " << stat.regime;
    EXPECT_NEAR(stat.worst_day, e["worst_day"].get<double>(), 1e-15)
        << stat.asset << " " << stat.regime;
    EXPECT_EQ(stat.worst_date.iso(), e["worst_date"].get<std::string>());
    ++compared;
  }
  EXPECT_EQ(compared, 8);  // two assets x (three regimes + ALL)
}

}  // namespace
}  // namespace mre::regimes
