// The backtest kernel against its pandas twin (reference_backtest.py) on the same signal,
// returns, delay and costs, and against hand computations for the timing rules.
#include "mre/backtest/backtest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::backtest {
namespace {

Date d(const char* iso) { return *Date::parse(iso); }

// Weekdays from `start` (holidays do not matter to the kernel).
std::vector<Date> weekdays(Date start, std::size_t n) {
  std::vector<Date> out;
  for (Date x = start; out.size() < n; x = x + 1) {
    const int wd = (x.days_since_epoch() + 4) % 7;  // 1970-01-01 was a Thursday: 0 = Sunday
    if (wd != 0 && wd != 6) out.push_back(x);
  }
  return out;
}

struct Data {
  std::vector<Date> dates;
  Matrix returns;
  Vector rf;
};

// Two assets with fat-ish daily returns and a positive drifting rate; fixed seed.
Data make_data(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  Data data{weekdays(d("2019-11-01"), n), Matrix(n, 2), Vector(n)};
  for (std::size_t t = 0; t < n; ++t) {
    data.returns(t, 0) = 0.0004 + 0.012 * z(rng);
    data.returns(t, 1) = 0.0001 + 0.005 * z(rng);
    data.rf(t) = 0.0001 + 0.00002 * std::sin(static_cast<double>(t) / 50.0);
  }
  return data;
}

// A 0/1 label with spells of 1..15 days.
Vector make_labels(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> spell(1, 15);
  Vector s(n);
  double state = 1.0;
  std::size_t t = 0;
  while (t < n) {
    const int len = spell(rng);
    for (int k = 0; k < len && t < n; ++k) s(t++) = state;
    state = 1.0 - state;
  }
  return s;
}

std::map<std::string, double> run_reference(const Data& data, const Matrix& weights, int delay,
                                            double cost_bp, std::size_t first) {
  mre::testing::TempDir dir;
  std::ostringstream csv;
  csv << "date,r_a,r_b,rf,w_a,w_b\n";
  char buf[512];
  for (std::size_t t = 0; t < data.dates.size(); ++t) {
    std::snprintf(buf, sizeof buf, "%s,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                  data.dates[t].iso().c_str(), data.returns(t, 0), data.returns(t, 1), data.rf(t),
                  weights(t, 0), weights(t, 1));
    csv << buf;
  }
  mre::testing::write_file(dir / "in.csv", csv.str());
  const auto r = mre::testing::run_shell(
      "/usr/bin/python3 " +
      mre::testing::shell_quote(
          (mre::testing::source_dir() / "tests/backtest/reference_backtest.py").string()) +
      " --csv " + mre::testing::shell_quote((dir / "in.csv").string()) + " --delay " +
      std::to_string(delay) + " --cost-bp " + std::to_string(cost_bp) + " --first " +
      std::to_string(first));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto comma = line.find(',');
    out[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
  }
  return out;
}

// Same formulas, different summation order (pandas' pairwise/Kahan sums against our running
// sums) over a few hundred days: 1e-10 relative to the value's size (at least 1).
void expect_close(double ours, double theirs, const std::string& what) {
  if (std::isnan(theirs)) {
    EXPECT_TRUE(std::isnan(ours)) << what << ": mre " << ours << ", pandas NaN";
    return;
  }
  EXPECT_NEAR(ours, theirs, 1e-10 * std::max(1.0, std::abs(theirs))) << what;
}

void compare_with_pandas(const Data& data, const Matrix& weights, int delay, double cost_bp,
                         std::size_t first) {
  SCOPED_TRACE("delay " + std::to_string(delay) + ", cost " + std::to_string(cost_bp) +
               " bp, first " + std::to_string(first));
  const BacktestConfig config{.delay_days = delay, .cost_bp = cost_bp};
  const auto path = run_backtest({data.dates, data.returns, data.rf, weights, first}, config);
  const auto m = compute_metrics(path, config);
  const auto ref = run_reference(data, weights, delay, cost_bp, first);
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(static_cast<double>(m.days), ref.at("days"));
  expect_close(m.annual_return, ref.at("annual_return"), "annual_return");
  expect_close(m.volatility, ref.at("volatility"), "volatility");
  expect_close(m.sharpe, ref.at("sharpe"), "sharpe");
  expect_close(m.sortino, ref.at("sortino"), "sortino");
  expect_close(m.max_drawdown, ref.at("max_drawdown"), "max_drawdown");
  expect_close(m.calmar, ref.at("calmar"), "calmar");
  expect_close(m.turnover, ref.at("turnover"), "turnover");
  expect_close(m.average_exposure, ref.at("average_exposure"), "average_exposure");
  expect_close(m.total_return, ref.at("total_return"), "total_return");
  ASSERT_GE(m.years.size(), 2u);  // the data cross year ends
  for (const auto& y : m.years)
    expect_close(y.value, ref.at("year_" + std::to_string(y.year)),
                 "year " + std::to_string(y.year));
  for (std::size_t day = 0; day < path.dates.size(); ++day) {
    expect_close(path.returns(day), ref.at("ret_" + path.dates[day].iso()),
                 "return on " + path.dates[day].iso());
    expect_close(path.drawdown(day), ref.at("dd_" + path.dates[day].iso()),
                 "drawdown on " + path.dates[day].iso());
  }
}

bool have_pandas() {
  return std::system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") == 0;
}

TEST(Backtest, ZeroOneStrategyMatchesPandasAcrossDelaysAndCosts) {
  if (!have_pandas()) GTEST_SKIP() << "/usr/bin/python3 lacks pandas";
  const auto data = make_data(420, 7);
  const Vector label = make_labels(420, 11);
  Matrix w = Matrix::Zero(420, 2);
  w.col(0) = label;
  // Delay 0, 1, and 20 (longer than every spell, which last at most 15 days); costs 0 and 10 bp.
  for (int delay : {0, 1, 20}) {
    for (double cost : {0.0, 10.0}) compare_with_pandas(data, w, delay, cost, 25);
  }
}

TEST(Backtest, NeverSwitchingSignalIsBuyAndHoldWithoutCosts) {
  if (!have_pandas()) GTEST_SKIP() << "/usr/bin/python3 lacks pandas";
  const auto data = make_data(300, 3);
  Matrix w = Matrix::Zero(300, 2);
  w.col(0).setOnes();
  compare_with_pandas(data, w, 1, 25.0, 2);
  const BacktestConfig config{.delay_days = 1, .cost_bp = 25.0};
  const auto path = run_backtest({data.dates, data.returns, data.rf, w, 2}, config);
  const auto m = compute_metrics(path, config);
  EXPECT_EQ(m.turnover, 0.0);
  EXPECT_EQ(path.costs.sum(), 0.0);
  double equity = 1.0;
  for (Eigen::Index t = 2; t < 300; ++t) equity *= 1.0 + data.returns(t, 0);
  EXPECT_NEAR(m.total_return, equity - 1.0, 1e-12);  // rounding of 298 products
}

TEST(Backtest, ProbabilityWeightedAndMultiAssetWeightsMatchPandas) {
  if (!have_pandas()) GTEST_SKIP() << "/usr/bin/python3 lacks pandas";
  const auto data = make_data(380, 5);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Matrix probabilities(380, 3);
  for (Eigen::Index t = 0; t < 380; ++t) {
    const double a = u(rng), b = u(rng) * (1 - a);
    probabilities.row(t) << a, b, 1 - a - b;
  }
  Matrix regime_weights(3, 2);
  regime_weights << 0.6, 0.4,  // good: stocks and bonds
      0.2, 0.3,                // neutral: half in cash
      1.5, 0.0;                // leveraged stocks (cash -0.5 borrowed at the rate)
  const Matrix w = weights_from_signal(probabilities, regime_weights);
  for (int delay : {0, 3}) compare_with_pandas(data, w, delay, 7.5, 10);
}

// Hand timing: with delay 0 the label of day t earns day t+1; with delay 1, day t+2.
TEST(Backtest, DelayShiftsTheHoldingByWholeDays) {
  const std::vector<Date> dates = weekdays(d("2024-01-01"), 5);
  Matrix r(5, 1);
  r << 0.0, 0.1, 0.2, 0.3, 0.4;
  const Vector rf = Vector::Zero(5);
  Matrix w(5, 1);
  w << 0, 1, 0, 0, 0;  // in the asset only on day 1's signal
  auto path0 = run_backtest({dates, r, rf, w, 1}, {.delay_days = 0});
  EXPECT_DOUBLE_EQ(path0.returns(1), 0.2);  // row 2 earns the signal of row 1
  EXPECT_DOUBLE_EQ(path0.returns(0), 0.0);
  auto path1 = run_backtest({dates, r, rf, w, 2}, {.delay_days = 1});
  EXPECT_DOUBLE_EQ(path1.returns(1), 0.3);  // row 3
  // A cost of 100 bp per unit traded: entering (row 3 here) and leaving (row 4) each cost 1%.
  auto costly = run_backtest({dates, r, rf, w, 2}, {.delay_days = 1, .cost_bp = 100});
  EXPECT_DOUBLE_EQ(costly.returns(1), 0.3 - 0.01);
  EXPECT_DOUBLE_EQ(costly.returns(2), -0.01);
}

TEST(Backtest, RefusesBadSettingsAndMissingSignalNamingThem) {
  const std::vector<Date> dates = weekdays(d("2024-01-01"), 5);
  const Matrix r = Matrix::Zero(5, 1);
  const Vector rf = Vector::Zero(5);
  Matrix w = Matrix::Ones(5, 1);
  auto code = [&](const BacktestInput& in, const BacktestConfig& c) {
    try {
      run_backtest(in, c);
    } catch (const Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(ErrorCode::kInternal, std::string("no error"));
  };
  auto [c1, m1] = code({dates, r, rf, w, 2}, {.delay_days = -1});
  EXPECT_EQ(c1, ErrorCode::kInvalidArgument);
  EXPECT_NE(m1.find("delay_days"), std::string::npos) << m1;
  auto [c2, m2] = code({dates, r, rf, w, 2}, {.delay_days = 1, .cost_bp = -5});
  EXPECT_EQ(c2, ErrorCode::kInvalidArgument);
  EXPECT_NE(m2.find("cost_bp"), std::string::npos) << m2;
  auto [c3, m3] = code({dates, r, rf, w, 1}, {.delay_days = 1});
  EXPECT_EQ(c3, ErrorCode::kInvalidArgument);
  EXPECT_NE(m3.find("first"), std::string::npos) << m3;
  w(1, 0) = std::nan("");
  auto [c4, m4] = code({dates, r, rf, w, 2}, {.delay_days = 1});
  EXPECT_EQ(c4, ErrorCode::kDataError);
  EXPECT_NE(m4.find(dates[1].iso()), std::string::npos) << m4;
}

TEST(Backtest, StrategyThatNeverLeavesCashHasNoSharpe) {
  const std::vector<Date> dates = weekdays(d("2024-01-01"), 30);
  const Matrix r = Matrix::Constant(30, 1, 0.01);
  const Vector rf = Vector::Constant(30, 0.0001);
  const Matrix w = Matrix::Zero(30, 1);
  const BacktestConfig config{};
  const auto m = compute_metrics(run_backtest({dates, r, rf, w, 2}, config), config);
  EXPECT_TRUE(std::isnan(m.sharpe));
  EXPECT_TRUE(std::isnan(m.calmar));
  EXPECT_EQ(m.max_drawdown, 0.0);
  EXPECT_NEAR(m.total_return, std::pow(1.0001, 28) - 1, 1e-15);
}

}  // namespace
}  // namespace mre::backtest
