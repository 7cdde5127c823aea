// Tests for the feature transforms of mre/features/transforms.h: hand-computed values, the
// argument checks, the NaN and edge-case rules, drift of the running moments against a naive
// two-pass recomputation, and bit-for-bit absence of look-ahead.
#include "mre/features/transforms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/error.h"

namespace mre::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Hand values below are sums and quotients of a handful of O(1..100) numbers; each operation
// rounds by at most 2^-53 relative, so the results are good to ~1e-14. 1e-12 leaves room and
// still fails on any wrong formula (the hand values differ from plausible mistakes by > 1e-2).
constexpr double kHandTolerance = 1e-12;

// Checks that actual has expected's length, NaN exactly where expected has NaN, and elsewhere
// |actual - expected| <= tolerance.
void expect_values_near(const Values& actual, const Values& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t t = 0; t < expected.size(); ++t) {
    if (std::isnan(expected[t])) {
      EXPECT_TRUE(std::isnan(actual[t])) << "position " << t << ": expected NaN, got " << actual[t];
    } else {
      EXPECT_NEAR(actual[t], expected[t], tolerance) << "position " << t;
    }
  }
}

// Exact equality with NaN positions: for results whose arithmetic is exact (dyadic operands).
void expect_values_equal(const Values& actual, const Values& expected) {
  expect_values_near(actual, expected, 0.0);
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// The first `m` outputs of `prefix_run` and `full_run` agree bit for bit (NaN equals NaN when
// the bits agree). EXPECT_DOUBLE_EQ would hide 4-ulp differences and fail on NaN.
void expect_prefix_bits_equal(const Values& prefix_run, const Values& full_run, std::size_t m,
                              const std::string& what) {
  ASSERT_EQ(prefix_run.size(), m) << what;
  ASSERT_GE(full_run.size(), m) << what;
  for (std::size_t t = 0; t < m; ++t) {
    if (!same_bits(prefix_run[t], full_run[t])) {
      ADD_FAILURE() << what << ": output at " << t << " differs when computed on the first " << m
                    << " inputs (" << prefix_run[t] << ") and on all " << full_run.size() << " ("
                    << full_run[t] << ")";
      return;
    }
  }
}

template <typename Call>
void expect_invalid_argument(Call call, const std::string& what) {
  try {
    call();
    ADD_FAILURE() << what << ": expected mre::Error(InvalidArgument), nothing thrown";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << what << ": " << error.what();
  }
}

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

// N(0,1) by Box-Muller from mt19937_64's raw bits: std::normal_distribution's algorithm is
// implementation-defined, this is the same on every standard library.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : engine_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;          // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

Values random_walk(std::size_t n, double level, std::uint64_t seed) {
  Normal normal(seed);
  Values x(n);
  for (double& v : x) {
    level += normal();
    v = level;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// winsorize_expanding / winsorize_full_sample

TEST(WinsorizeExpanding, ClipsToInterpolatedQuantilesOfPresentValuesSoFar) {
  // p = 0.25, min_periods = 3; quantile index idx = q (n - 1), linear between order statistics.
  const Values x = {5, 1, 9, 3, -20, kNaN, 50};
  // t=0: n=1 < 3, passes: 5.   t=1: n=2 < 3, passes: 1 (clipping would have given 2).
  // t=2: n=3, sorted {1,5,9}: lo idx 0.5 -> 1+(5-1)*0.5 = 3; hi idx 1.5 -> 5+(9-5)*0.5 = 7;
  //      clamp(9, 3, 7) = 7 (high end clipped).
  // t=3: n=4, sorted {1,3,5,9}: lo idx 0.75 -> 1+2*0.75 = 2.5; hi idx 2.25 -> 5+4*0.25 = 6;
  //      clamp(3) = 3.
  // t=4: n=5, sorted {-20,1,3,5,9}: lo idx 1 -> 1; hi idx 3 -> 5; clamp(-20) = 1 (low end).
  // t=5: NaN stays NaN and is not counted.
  // t=6: n=6 (not 7), sorted {-20,1,3,5,9,50}: lo idx 1.25 -> 1+(3-1)*0.25 = 1.5;
  //      hi idx 3.75 -> 5+(9-5)*0.75 = 8; clamp(50) = 8. (Counting the NaN, n=7, would give
  //      hi idx 4.5 -> 29.5.)
  // All operands are small dyadic rationals, so the arithmetic is exact: compared exactly.
  expect_values_equal(winsorize_expanding(x, 0.25, 3), {5, 1, 7, 3, 1, kNaN, 8});
}

TEST(WinsorizeExpanding, PassesValuesThroughBeforeMinPeriodsPresentValues) {
  // p = 0.25, min_periods = 4; leading NaNs do not count as periods.
  // t=2, n=1: 100 passes.  t=3, n=2: -100 passes (clipping, sorted {-100,100}, lo idx 0.25,
  //   would give -50; counting the two NaNs it would be the 4th period and be clipped).
  // t=4, n=3: 2 passes.  t=5, n=4: sorted {-100,1,2,100}: lo idx 0.75 -> -100+101*0.75 = -24.25,
  //   hi idx 2.25 -> 2+98*0.25 = 26.5; clamp(1) = 1.
  // t=6, n=5: sorted {-100,1,2,3,100}: [1, 3]; clamp(3) = 3.
  // t=7, n=6: sorted {-100,1,2,3,50,100}: lo idx 1.25 -> 1.25, hi idx 3.75 -> 3+47*0.75 = 38.25;
  //   clamp(50) = 38.25. Dyadic operands: exact.
  const Values x = {kNaN, kNaN, 100, -100, 2, 1, 3, 50};
  expect_values_equal(winsorize_expanding(x, 0.25, 4), {kNaN, kNaN, 100, -100, 2, 1, 3, 38.25});
}

// The numpy 'linear' quantile of all the present values so far, kept sorted.
double brute_force_quantile(const std::vector<double>& sorted, double q) {
  const double idx = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(idx);
  if (lo + 1 >= sorted.size()) return sorted[lo];
  return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (idx - static_cast<double>(lo));
}

TEST(WinsorizeExpanding, MatchesBruteForceQuantilesWithTiesAndGaps) {
  // 1500 integers in [-20, 20] (many ties) with every 13th value NaN; the reference keeps all
  // present values x_0..x_t sorted and reads the order statistics directly. Same formula on the
  // same order statistics, so only the last rounding could differ: values are O(20), 1e-12 is ample
  // and any wrong rank shows as
  // >= 0.01 (p * (n - 1) steps by p).
  std::mt19937_64 engine(42);
  Values x(1500);
  for (std::size_t t = 0; t < x.size(); ++t) {
    x[t] = t % 13 == 5 ? kNaN : static_cast<double>(static_cast<int>(engine() % 41) - 20);
  }
  for (double p : {0.01, 0.05, 0.25, 0.49}) {
    for (std::size_t min_periods : {std::size_t{1}, std::size_t{30}}) {
      Values expected(x.size(), kNaN);
      std::vector<double> so_far;
      for (std::size_t t = 0; t < x.size(); ++t) {
        if (std::isnan(x[t])) continue;
        so_far.insert(std::upper_bound(so_far.begin(), so_far.end(), x[t]), x[t]);
        expected[t] = so_far.size() < min_periods
                          ? x[t]
                          : std::clamp(x[t], brute_force_quantile(so_far, p),
                                       brute_force_quantile(so_far, 1.0 - p));
      }
      SCOPED_TRACE("p=" + std::to_string(p) + " min_periods=" + std::to_string(min_periods));
      expect_values_near(winsorize_expanding(x, p, min_periods), expected, kHandTolerance);
    }
  }
}

TEST(WinsorizeExpanding, LeavesConstantSeriesUnchanged) {
  const Values x(6, 4.5);
  expect_values_equal(winsorize_expanding(x, 0.1, 2), x);
}

TEST(WinsorizeExpanding, RejectsPOutsideOpenIntervalZeroToHalf) {
  const Values x = {1, 2, 3};
  for (double p : {0.0, 0.5, -0.1, 0.7, kNaN}) {
    expect_invalid_argument([&] { (void)winsorize_expanding(x, p, 1); },
                            "winsorize_expanding p=" + std::to_string(p));
    expect_invalid_argument([&] { (void)winsorize_full_sample(x, p); },
                            "winsorize_full_sample p=" + std::to_string(p));
  }
}

// -0.0 and +0.0 compare equal, so which zero sits at a quantile's rank must be decided by
// values up to t only; an implementation that deduplicated a universe of all values (future
// included) returned +0.0 for position 4 (-2 clipped up to the zero 0.25-quantile) on all 18
// values but -0.0 on the first 5.
TEST(WinsorizeExpanding, SignedZeroClippingBoundDoesNotDependOnLaterValues) {
  const Values x = {1, -0.0, 0, 0, -2, 2, 1, -2, 1, 0, -1, 2, -1, -2, -2, 0, 0, 0};
  const Values full = winsorize_expanding(x, 0.25, 1);
  for (std::size_t m = 1; m < x.size(); ++m) {
    const std::span<const double> prefix(x.data(), m);
    expect_prefix_bits_equal(winsorize_expanding(prefix, 0.25, 1), full, m,
                             "winsorize_expanding with signed zeros");
  }
}

TEST(WinsorizeFullSample, ClipsToQuantilesOfWholeSample) {
  // p = 0.25 over the 6 present values, sorted {-20,1,3,5,9,50}: lo idx 1.25 -> 1.5,
  // hi idx 3.75 -> 8 (as above). The first value's bounds come from later data (FUTURE).
  const Values x = {5, 1, 9, 3, -20, kNaN, 50};
  expect_values_equal(winsorize_full_sample(x, 0.25), {5, 1.5, 8, 3, 1.5, kNaN, 8});
}

TEST(WinsorizeFullSample, UsesLaterValuesByDesign) {
  // FUTURE: appending 1000 moves the upper bound: {1,2,3,4} p=0.25 -> hi idx 2.25 -> 3.25, so
  // 4 becomes 3.25; {1,2,3,4,1000} -> hi idx 3 -> 4, so 4 stays 4.
  EXPECT_EQ(winsorize_full_sample(Values{1, 2, 3, 4}, 0.25)[3], 3.25);
  EXPECT_EQ(winsorize_full_sample(Values{1, 2, 3, 4, 1000}, 0.25)[3], 4.0);
}

TEST(WinsorizeFullSample, HandlesEmptyAndAllNaNInput) {
  EXPECT_TRUE(winsorize_full_sample(Values{}, 0.1).empty());
  expect_values_equal(winsorize_full_sample(Values{kNaN, kNaN}, 0.1), {kNaN, kNaN});
  EXPECT_TRUE(winsorize_expanding(Values{}, 0.1, 1).empty());
  expect_values_equal(winsorize_expanding(Values{kNaN, kNaN}, 0.1, 1), {kNaN, kNaN});
}

// ---------------------------------------------------------------------------------------------
// expanding_zscore

TEST(ExpandingZscore, MatchesHandValuesUsingOnlyEarlierValues) {
  // min_periods = 2; z_t = (x_t - mean(x_0..x_{t-1})) / sd(x_0..x_{t-1}), sd with ddof 1.
  // t=0, t=1: fewer than 2 earlier values -> NaN.
  // t=2: earlier {1,2}: mean 1.5, sd sqrt((0.25+0.25)/1) = 0.70710678; z = 1.5/0.7071 = 3/sqrt2
  //      = 2.12132034. (Including x_t itself would give mean 2, sd 1, z 1.)
  // t=3: earlier {1,2,3}: mean 2, sd sqrt((1+0+1)/2) = 1; z = (4-2)/1 = 2.
  // t=4: earlier {1,2,3,4}: mean 2.5, var (2.25+0.25+0.25+2.25)/3 = 5/3, sd 1.29099445;
  //      z = 7.5/1.29099445 = 7.5*sqrt(3/5) = 5.80947502.
  const Values x = {1, 2, 3, 4, 10};
  expect_values_near(expanding_zscore(x, 2),
                     {kNaN, kNaN, 3 / std::sqrt(2.0), 2.0, 7.5 * std::sqrt(0.6)}, kHandTolerance);
}

TEST(ExpandingZscore, SkipsNaNInputsAndGivesNaNThere) {
  // Same numbers with NaNs interleaved: NaN where x_t is NaN, and the NaNs do not count.
  const Values x = {kNaN, 1, kNaN, 2, 3, kNaN, 4, 10};
  expect_values_near(expanding_zscore(x, 2),
                     {kNaN, kNaN, kNaN, kNaN, 3 / std::sqrt(2.0), kNaN, 2.0, 7.5 * std::sqrt(0.6)},
                     kHandTolerance);
}

TEST(ExpandingZscore, WaitsForMinPeriodsPresentValues) {
  // min_periods = 3: t=2 has only 2 earlier values -> NaN; t=3 and t=4 as in the hand example.
  const Values x = {1, 2, 3, 4, 10};
  expect_values_near(expanding_zscore(x, 3), {kNaN, kNaN, kNaN, 2.0, 7.5 * std::sqrt(0.6)},
                     kHandTolerance);
}

TEST(ExpandingZscore, GivesNaNNotInfinityAfterConstantPrefix) {
  // t=2, t=3: earlier values {2,2}, {2,2,2} have sd 0 -> NaN (5-2)/0 would be +inf).
  // t=4: earlier {2,2,2,5}: mean 2.75, var (3*0.5625 + 5.0625)/3 = 2.25, sd 1.5;
  //      z = (2-2.75)/1.5 = -0.5.
  const Values x = {2, 2, 2, 5, 2};
  const Values z = expanding_zscore(x, 2);
  expect_values_near(z, {kNaN, kNaN, kNaN, kNaN, -0.5}, kHandTolerance);
  for (double v : z) EXPECT_FALSE(std::isinf(v));
}

TEST(ExpandingZscore, RejectsMinPeriodsBelowTwo) {
  const Values x = {1, 2, 3};
  expect_invalid_argument([&] { (void)expanding_zscore(x, 0); }, "min_periods=0");
  expect_invalid_argument([&] { (void)expanding_zscore(x, 1); }, "min_periods=1");
}

// ---------------------------------------------------------------------------------------------
// rolling_slope

TEST(RollingSlope, RecoversSlopeOfStraightLine) {
  // x_t = 1000.1 + 0.3 t. Inputs carry rounding ~u*1000 = 1e-13; the running weighted sum
  // (~4.5e4) and c*s cancel, leaving ~1e-11 absolute error over 50 updates, divided by
  // sum (k-c)^2 = 82.5. 1e-10 is ~100x that bound, and far below any formula error.
  Values x(50);
  for (std::size_t t = 0; t < x.size(); ++t) x[t] = 1000.1 + 0.3 * static_cast<double>(t);
  const Values slope = rolling_slope(x, 10);
  for (std::size_t t = 0; t < 9; ++t) EXPECT_TRUE(std::isnan(slope[t])) << t;
  for (std::size_t t = 9; t < x.size(); ++t) EXPECT_NEAR(slope[t], 0.3, 1e-10) << t;
}

TEST(RollingSlope, MatchesHandValuesForWindowThree) {
  // N = 3: c = 1, sum (k-c)^2 = 2, slope = (-1*x0 + 0*x1 + 1*x2) / 2 = (x_t - x_{t-2}) / 2.
  // {1,4,2} -> 0.5;  {4,2,8} -> 2;  {2,8,5} -> 1.5.
  const Values x = {1, 4, 2, 8, 5};
  expect_values_near(rolling_slope(x, 3), {kNaN, kNaN, 0.5, 2.0, 1.5}, kHandTolerance);
}

TEST(RollingSlope, MatchesHandValuesForWindowFour) {
  // N = 4: c = 1.5, sum (k-c)^2 = 2.25+0.25+0.25+2.25 = 5.
  // {1,4,2,8}: (-1.5*1 - 0.5*4 + 0.5*2 + 1.5*8)/5 = (-1.5-2+1+12)/5 = 9.5/5 = 1.9.
  // {4,2,8,5}: (-6 - 1 + 4 + 7.5)/5 = 4.5/5 = 0.9.
  const Values x = {1, 4, 2, 8, 5};
  expect_values_near(rolling_slope(x, 4), {kNaN, kNaN, kNaN, 1.9, 0.9}, kHandTolerance);
}

TEST(RollingSlope, GivesNaNWhileWindowHoldsNaN) {
  // Window 3 over {1,4,NaN,8,5,7}: every window touching position 2 is NaN; the last window
  // {8,5,7} gives (7-8)/2 = -0.5, so the NaN left no trace in the running sums.
  const Values x = {1, 4, kNaN, 8, 5, 7};
  expect_values_near(rolling_slope(x, 3), {kNaN, kNaN, kNaN, kNaN, kNaN, -0.5}, kHandTolerance);
}

TEST(RollingSlope, IsZeroOnConstantSeries) {
  // Integer values, so the running sums are exact and the slope is exactly 0.
  expect_values_equal(rolling_slope(Values(5, 7.0), 3), {kNaN, kNaN, 0, 0, 0});
}

TEST(RollingSlope, RejectsWindowBelowTwo) {
  const Values x = {1, 2, 3};
  expect_invalid_argument([&] { (void)rolling_slope(x, 0); }, "window=0");
  expect_invalid_argument([&] { (void)rolling_slope(x, 1); }, "window=1");
}

// ---------------------------------------------------------------------------------------------
// rolling_std / rolling_mean / rolling_correlation

TEST(RollingStd, MatchesHandValuesForWindowThree) {
  // {2,4,9}: mean 5, deviations -3,-1,4, sum of squares 26, var 26/2 = 13, sd sqrt(13).
  // {4,9,5}: mean 6, deviations -2,3,-1, sum of squares 14, var 7, sd sqrt(7).
  // Windows touching the NaN at position 4 are NaN; {6,7,8}: var (1+0+1)/2 = 1, sd 1.
  const Values x = {2, 4, 9, 5, kNaN, 6, 7, 8};
  expect_values_near(rolling_std(x, 3),
                     {kNaN, kNaN, std::sqrt(13.0), std::sqrt(7.0), kNaN, kNaN, kNaN, 1.0},
                     kHandTolerance);
}

TEST(RollingMean, MatchesHandValuesForWindowThree) {
  // (2+4+9)/3 = 5; (4+9+5)/3 = 6; NaN windows; (6+7+8)/3 = 7.
  const Values x = {2, 4, 9, 5, kNaN, 6, 7, 8};
  expect_values_near(rolling_mean(x, 3), {kNaN, kNaN, 5, 6, kNaN, kNaN, kNaN, 7}, kHandTolerance);
}

TEST(RollingMean, WithWindowOneIsTheSeries) {
  const Values x = {kNaN, 1.5, -2, kNaN, 3};
  expect_values_equal(rolling_mean(x, 1), x);
}

TEST(RollingMean, StartsAfterLeadingNaNsLeaveTheWindow) {
  // Window 2: (1+2)/2 = 1.5, (2+3)/2 = 2.5, (3+4)/2 = 3.5.
  const Values x = {kNaN, kNaN, 1, 2, 3, 4};
  expect_values_near(rolling_mean(x, 2), {kNaN, kNaN, kNaN, 1.5, 2.5, 3.5}, kHandTolerance);
}

TEST(RollingStd, IsExactlyZeroOnConstantSeries) {
  // The contract: a window of identical values has std exactly 0 (a value, not missing).
  expect_values_equal(rolling_std(Values(5, 3.0), 3), {kNaN, kNaN, 0, 0, 0});
}

TEST(RollingStd, IsExactlyZeroWhenWindowTurnsConstantAfterVarying) {
  // Window 3: {0.1,0.7,0.3}: mean 0.366667, sum of squares 0.071111+0.111111+0.004444
  // = 0.186667 = 0.56/3, var 0.093333, sd 0.305505. {0.7,0.3,0.3}: mean 0.433333, sum of
  // squares 0.071111+0.017778+0.017778 = 0.106667 = 0.32/3, var 0.053333, sd 0.230940.
  // Then {0.3,0.3,0.3}: exactly 0, although the running moments hold a rounding residue there
  // (Welford downdates of 0.1 and 0.7 leave m2 ~ 1e-15, whose square root is ~6e-8).
  const Values x = {0.1, 0.7, 0.3, 0.3, 0.3, 0.3};
  const Values sd = rolling_std(x, 3);
  expect_values_near(sd, {kNaN, kNaN, std::sqrt(0.56 / 3 / 2), std::sqrt(0.32 / 3 / 2), 0, 0},
                     kHandTolerance);
  EXPECT_EQ(sd[4], 0.0);
  EXPECT_EQ(sd[5], 0.0);
}

TEST(RollingCorrelation, MatchesHandValuesForWindowThree) {
  // t=2: a {1,2,3} deviations -1,0,1; b {1,3,2} deviations -1,1,0; cross 1, ss_a 2, ss_b 2;
  //      r = 1/sqrt(4) = 0.5.
  // t=3: a {2,3,4} deviations -1,0,1; b {3,2,2}: mean 7/3, deviations 2/3,-1/3,-1/3;
  //      cross -2/3 - 1/3 = -1, ss_a 2, ss_b 6/9; r = -1/sqrt(4/3) = -sqrt(3)/2 = -0.8660254.
  const Values a = {1, 2, 3, 4};
  const Values b = {1, 3, 2, 2};
  expect_values_near(rolling_correlation(a, b, 3), {kNaN, kNaN, 0.5, -std::sqrt(3.0) / 2},
                     kHandTolerance);
}

TEST(RollingCorrelation, IsPlusOrMinusOneForExactLinearRelations) {
  const Values a = {1, 4, 2, 8, 5, 7};
  Values up(a.size()), down(a.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    up[t] = 2 * a[t] + 1;     // r = +1
    down[t] = -3 * a[t] + 7;  // r = -1
  }
  expect_values_near(rolling_correlation(a, up, 4), {kNaN, kNaN, kNaN, 1, 1, 1}, kHandTolerance);
  expect_values_near(rolling_correlation(a, down, 4), {kNaN, kNaN, kNaN, -1, -1, -1},
                     kHandTolerance);
}

TEST(RollingCorrelation, GivesNaNWhenEitherSideIsConstant) {
  const Values a = {1, 4, 2, 8, 5};
  const Values flat(5, 2.0);
  expect_values_equal(rolling_correlation(a, flat, 3), Values(5, kNaN));
  expect_values_equal(rolling_correlation(flat, a, 3), Values(5, kNaN));
}

// After Welford downdates the running m2 of a window that turned constant is a rounding residue
// (~1e-15), not 0; the contract still requires NaN there, not a ratio of residues.
TEST(RollingCorrelation, GivesNaNWhenWindowTurnsConstantAfterVarying) {
  // t=2: a {0.1,0.7,0.3} deviations -0.26667,0.33333,-0.06667; b {1,2,3} deviations -1,0,1;
  //      cross 0.26667-0.06667 = 0.2, ss_a 0.186667, ss_b 2; r = 0.2/sqrt(0.373333) = 0.327327.
  // t=3: a {0.7,0.3,0.3} deviations 0.26667,-0.13333,-0.13333; cross -0.26667-0.13333 = -0.4,
  //      ss_a 0.106667; r = -0.4/sqrt(0.213333) = -0.866025.
  // t=4, t=5: a's window {0.3,0.3,0.3} is constant -> NaN.
  const Values a = {0.1, 0.7, 0.3, 0.3, 0.3, 0.3};
  const Values b = {1, 2, 3, 4, 5, 6};
  expect_values_near(
      rolling_correlation(a, b, 3),
      {kNaN, kNaN, 0.2 / std::sqrt(0.56 / 3 * 2), -0.4 / std::sqrt(0.32 / 3 * 2), kNaN, kNaN},
      kHandTolerance);
}

TEST(RollingStatistics, RejectTooSmallWindowsAndUnequalLengths) {
  const Values x = {1, 2, 3};
  const Values shorter = {1, 2};
  expect_invalid_argument([&] { (void)rolling_std(x, 1); }, "rolling_std window=1");
  expect_invalid_argument([&] { (void)rolling_mean(x, 0); }, "rolling_mean window=0");
  expect_invalid_argument([&] { (void)rolling_correlation(x, x, 1); }, "correlation window=1");
  expect_invalid_argument([&] { (void)rolling_correlation(x, shorter, 2); }, "correlation lengths");
}

// ---------------------------------------------------------------------------------------------
// difference, pct_change, forward_returns, spread, ratio, scale

TEST(Difference, SubtractsValueKPeriodsEarlier) {
  // k=2: 9-1 = 8, 16-4 = 12, NaN-9 = NaN, 36-16 = 20.
  const Values x = {1, 4, 9, 16, kNaN, 36};
  expect_values_equal(difference(x, 2), {kNaN, kNaN, 8, 12, kNaN, 20});
  expect_invalid_argument([&] { (void)difference(x, 0); }, "difference k=0");
}

TEST(PctChange, SimpleChangeIsNaNOnlyForZeroDenominator) {
  // k=1: 3/2-1 = 0.5; 0/3-1 = -1; 5/0 -> NaN; -2/5-1 = -1.4; 1/-2-1 = -1.5 (the contract
  // makes only a zero denominator NaN for simple changes, as pandas does).
  const Values x = {2, 3, 0, 5, -2, 1};
  expect_values_near(pct_change(x, 1, false), {kNaN, 0.5, -1, kNaN, -1.4, -1.5}, kHandTolerance);
}

TEST(PctChange, LogChangeIsNaNForNonPositiveValues) {
  // k=1: ln(3/2) = 0.4054651; then every pair touches 0 or -2 -> NaN.
  const Values x = {2, 3, 0, 5, -2, 1};
  expect_values_near(pct_change(x, 1, true), {kNaN, std::log(1.5), kNaN, kNaN, kNaN, kNaN},
                     kHandTolerance);
}

TEST(PctChange, UsesValueKPeriodsEarlier) {
  // k=2: 120/100-1 = 0.2; 90/110-1 = -0.181818; 132/120-1 = 0.1.
  const Values x = {100, 110, 120, 90, 132};
  expect_values_near(pct_change(x, 2, false), {kNaN, kNaN, 0.2, 90.0 / 110 - 1, 0.1},
                     kHandTolerance);
  expect_invalid_argument([&] { (void)pct_change(x, 0, false); }, "pct_change k=0");
}

TEST(ForwardReturns, UsesValueHPeriodsLaterAndLeavesLastHNaN) {
  // h=2: t=0: 99/100-1 = -0.01; t=1: 121/110-1 = 0.1; t=2: 108.9/99-1 = 0.1; last 2 NaN.
  const Values x = {100, 110, 99, 121, 108.9};
  expect_values_near(forward_returns(x, 2, false), {-0.01, 0.1, 0.1, kNaN, kNaN}, kHandTolerance);
  expect_values_near(forward_returns(x, 2, true),
                     {std::log(0.99), std::log(1.1), std::log(1.1), kNaN, kNaN}, kHandTolerance);
  expect_values_equal(forward_returns(x, 5, false), Values(5, kNaN));
  expect_invalid_argument([&] { (void)forward_returns(x, 0, false); }, "forward_returns h=0");
}

TEST(ForwardReturns, IsNaNForZeroStartValue) {
  expect_values_near(forward_returns(Values{0, 5, 10}, 1, false), {kNaN, 1.0, kNaN},
                     kHandTolerance);
}

TEST(Spread, SubtractsElementwise) {
  expect_values_equal(spread(Values{5, 1, kNaN}, Values{2, 3, 1}), {3, -2, kNaN});
  expect_invalid_argument([] { (void)spread(Values{1, 2}, Values{1}); }, "spread lengths");
}

TEST(Ratio, DividesElementwiseAndGivesNaNForZeroDenominator) {
  // 6/3 = 2, 1/0 -> NaN, 1/-0 -> NaN, -3/1.5 = -2, NaN/2 = NaN.
  expect_values_equal(ratio(Values{6, 1, 1, -3, kNaN}, Values{3, 0, -0.0, 1.5, 2}),
                      {2, kNaN, kNaN, -2, kNaN});
  expect_invalid_argument([] { (void)ratio(Values{1, 2}, Values{1}); }, "ratio lengths");
}

TEST(Scale, MultipliesByFactor) {
  expect_values_equal(scale(Values{1.5, -2, kNaN}, 100), {150, -200, kNaN});
}

// ---------------------------------------------------------------------------------------------
// yoy

TEST(Yoy, OnMonthEndGridEqualsTwelveMonthPercentChange) {
  // Month ends Jan 2022 .. Dec 2023 (no 29 February), x_t = 100 + t.
  // t < 12: nothing a year earlier -> NaN; t >= 12: 100*((100+t)/(88+t) - 1) = 1200/(88+t),
  // e.g. t=12: 100*(112/100 - 1) = 12; t=23: 1200/111 = 10.8108.
  std::vector<Date> dates;
  Values x;
  for (int year = 2022; year <= 2023; ++year) {
    for (int month = 1; month <= 12; ++month) {
      dates.push_back(ymd(year, month, 1).end_of_month());
      x.push_back(100.0 + static_cast<double>(x.size()));
    }
  }
  Values expected(24, kNaN);
  for (std::size_t t = 12; t < 24; ++t) expected[t] = 1200.0 / (88.0 + static_cast<double>(t));
  expect_values_near(yoy(dates, x), expected, kHandTolerance);
}

// On a month-end grid 2025-02-28 must compare with 2024-02-29 (twelve months), not with the last
// date <= 2024-02-28, which would be January (thirteen months).
TEST(Yoy, OnMonthEndGridAcrossLeapYearEqualsTwelveMonthPercentChange) {
  // Month ends Jan 2024 .. Dec 2025, x_t = 100 + t; t=13 (2025-02-28) should be
  // 100*(113/101 - 1) = 1200/101 = 11.881, not 100*(113/100 - 1) = 13.
  std::vector<Date> dates;
  Values x;
  for (int year = 2024; year <= 2025; ++year) {
    for (int month = 1; month <= 12; ++month) {
      dates.push_back(ymd(year, month, 1).end_of_month());
      x.push_back(100.0 + static_cast<double>(x.size()));
    }
  }
  Values expected(24, kNaN);
  for (std::size_t t = 12; t < 24; ++t) expected[t] = 1200.0 / (88.0 + static_cast<double>(t));
  expect_values_near(yoy(dates, x), expected, kHandTolerance);
}

TEST(Yoy, OnIrregularGridComparesWithLastDateAYearEarlier) {
  const std::vector<Date> dates = {ymd(2023, 2, 24), ymd(2023, 2, 27), ymd(2023, 3, 1),
                                   ymd(2023, 3, 2),  ymd(2023, 3, 3),  ymd(2024, 2, 23),
                                   ymd(2024, 2, 26), ymd(2024, 2, 29), ymd(2024, 3, 1),
                                   ymd(2024, 3, 2),  ymd(2024, 3, 4),  ymd(2024, 3, 5)};
  const Values x = {100, 104, 110, kNaN, 0, 120, 125, 130, 132, 140, 150, kNaN};
  // t=0..4: targets in 2022, before the first date -> NaN.
  // t=5  2024-02-23: target 2023-02-23 precedes every date -> NaN.
  // t=6  2024-02-26: target 2023-02-26 -> last date <= is 2023-02-24 (100): 100*(125/100-1) = 25.
  // t=7  2024-02-29: target 2023-02-28 (clamped) -> 2023-02-27 (104): 100*(130/104-1) = 25.
  //      (365 days back would be 2023-03-01 and give 100*(130/110-1) = 18.18.)
  // t=8  2024-03-01: target 2023-03-01 is itself a date (<= is inclusive), 110:
  //      100*(132/110-1) = 20.
  // t=9  2024-03-02: target 2023-03-02 holds NaN -> NaN.
  // t=10 2024-03-04: target 2023-03-04 -> 2023-03-03 holds 0 -> NaN.
  // t=11: x_t is NaN -> NaN.
  expect_values_near(yoy(dates, x),
                     {kNaN, kNaN, kNaN, kNaN, kNaN, kNaN, 25, 25, 20, kNaN, kNaN, kNaN},
                     kHandTolerance);
}

TEST(Yoy, RejectsUnequalLengthsAndHandlesEmptyInput) {
  const std::vector<Date> dates = {ymd(2024, 1, 31)};
  expect_invalid_argument([&] { (void)yoy(dates, Values{1, 2}); }, "yoy lengths");
  EXPECT_TRUE(yoy(std::vector<Date>{}, Values{}).empty());
}

// ---------------------------------------------------------------------------------------------
// Edge cases shared by all transforms

TEST(Transforms, ReturnEmptyOutputForEmptyInput) {
  const Values empty;
  EXPECT_TRUE(expanding_zscore(empty, 2).empty());
  EXPECT_TRUE(rolling_slope(empty, 3).empty());
  EXPECT_TRUE(rolling_std(empty, 3).empty());
  EXPECT_TRUE(rolling_mean(empty, 3).empty());
  EXPECT_TRUE(rolling_correlation(empty, empty, 3).empty());
  EXPECT_TRUE(difference(empty, 1).empty());
  EXPECT_TRUE(pct_change(empty, 1, false).empty());
  EXPECT_TRUE(pct_change(empty, 1, true).empty());
  EXPECT_TRUE(forward_returns(empty, 1, false).empty());
  EXPECT_TRUE(spread(empty, empty).empty());
  EXPECT_TRUE(ratio(empty, empty).empty());
  EXPECT_TRUE(scale(empty, 2).empty());
}

TEST(Transforms, GiveAllNaNForSeriesShorterThanWindow) {
  const Values x = {1, 2, 3, 4};
  const Values all_nan(4, kNaN);
  expect_values_equal(rolling_slope(x, 5), all_nan);
  expect_values_equal(rolling_std(x, 5), all_nan);
  expect_values_equal(rolling_mean(x, 5), all_nan);
  expect_values_equal(rolling_correlation(x, x, 5), all_nan);
  expect_values_equal(difference(x, 4), all_nan);
  expect_values_equal(pct_change(x, 4, false), all_nan);
  expect_values_equal(expanding_zscore(x, 4), all_nan);
}

TEST(Transforms, KeepLeadingNaNsAndRecoverAfterGaps) {
  // Window 2 over {NaN, 1, 3, NaN, 5, 9}: only the windows {1,3} and {5,9} are complete.
  // mean 2 and 7; std sqrt(2) and sqrt(8); slope 2 and 4; difference(1) at t=2: 2, t=5: 4.
  const Values x = {kNaN, 1, 3, kNaN, 5, 9};
  expect_values_near(rolling_mean(x, 2), {kNaN, kNaN, 2, kNaN, kNaN, 7}, kHandTolerance);
  expect_values_near(rolling_std(x, 2), {kNaN, kNaN, std::sqrt(2.0), kNaN, kNaN, std::sqrt(8.0)},
                     kHandTolerance);
  expect_values_near(rolling_slope(x, 2), {kNaN, kNaN, 2, kNaN, kNaN, 4}, kHandTolerance);
  expect_values_equal(difference(x, 1), {kNaN, kNaN, 2, kNaN, kNaN, 4});
}

TEST(Transforms, HandleConstantSeries) {
  const Values x(6, 250.0);
  expect_values_equal(rolling_mean(x, 3), {kNaN, kNaN, 250, 250, 250, 250});
  expect_values_equal(rolling_std(x, 3), {kNaN, kNaN, 0, 0, 0, 0});
  expect_values_equal(rolling_slope(x, 3), {kNaN, kNaN, 0, 0, 0, 0});
  expect_values_equal(rolling_correlation(x, x, 3), Values(6, kNaN));
  expect_values_equal(expanding_zscore(x, 2), Values(6, kNaN));
  expect_values_equal(difference(x, 1), {kNaN, 0, 0, 0, 0, 0});
  expect_values_equal(pct_change(x, 1, false), {kNaN, 0, 0, 0, 0, 0});
  expect_values_equal(pct_change(x, 1, true), {kNaN, 0, 0, 0, 0, 0});
  expect_values_equal(winsorize_full_sample(x, 0.1), x);
}

// ---------------------------------------------------------------------------------------------
// Drift of the running moments against a naive two-pass recomputation

struct MaxErrors {
  double std_relative = 0;
  double mean_relative = 0;
  double slope_scaled = 0;  // |slope error| / max(|slope|, window sd)
  double correlation_absolute = 0;
};

// The accurate reference: per window, the two-pass mean and centred sums.
MaxErrors compare_with_two_pass(const Values& a, const Values& b, std::size_t window) {
  const Values std_a = rolling_std(a, window);
  const Values mean_a = rolling_mean(a, window);
  const Values slope_a = rolling_slope(a, window);
  const Values corr = rolling_correlation(a, b, window);
  const double n = static_cast<double>(window);
  const double c = (n - 1) / 2;
  MaxErrors worst;
  for (std::size_t t = window - 1; t < a.size(); ++t) {
    // Every third position, plus the last 8 before each recompute, where drift peaks.
    if (t % 3 != 0 && t % kRecomputeEvery < kRecomputeEvery - 8) continue;
    const std::size_t first = t + 1 - window;
    double sum_a = 0, sum_b = 0;
    for (std::size_t k = first; k <= t; ++k) {
      sum_a += a[k];
      sum_b += b[k];
    }
    const double ma = sum_a / n, mb = sum_b / n;
    double ss_a = 0, ss_b = 0, cross = 0, weighted = 0;
    for (std::size_t k = first; k <= t; ++k) {
      ss_a += (a[k] - ma) * (a[k] - ma);
      ss_b += (b[k] - mb) * (b[k] - mb);
      cross += (a[k] - ma) * (b[k] - mb);
      weighted += (static_cast<double>(k - first) - c) * (a[k] - ma);
    }
    const double sd = std::sqrt(ss_a / (n - 1));
    const double slope = weighted / (n * (n * n - 1) / 12);
    const double r = cross / std::sqrt(ss_a * ss_b);
    worst.std_relative = std::max(worst.std_relative, std::abs(std_a[t] - sd) / sd);
    worst.mean_relative = std::max(worst.mean_relative, std::abs(mean_a[t] - ma) / std::abs(ma));
    worst.slope_scaled =
        std::max(worst.slope_scaled, std::abs(slope_a[t] - slope) / std::max(std::abs(slope), sd));
    worst.correlation_absolute = std::max(worst.correlation_absolute, std::abs(corr[t] - r));
  }
  return worst;
}

// Tolerance 1e-9: running moments are recomputed from the window every kRecomputeEvery
// positions, so their rounding drift is bounded by that many updates, while the two-pass
// reference is accurate to ~1e-15. Measured with window 250: std 3.9e-10, correlation 3e-10;
// with the recompute disabled (a scratch build) the drift keeps growing over the ~49 blocks of
// 4096, to 2.4e-8 and 8.4e-9, and this test fails. Relative for std and mean; the slope can be ~0,
// so its error is scaled by max(|slope|, window sd); the correlation is in [-1, 1] and can be ~0,
// so its error is absolute.
constexpr double kDriftTolerance = 1e-9;

// A random walk around 5000 (steps N(0,1)): the level is ~1e4 times the short-window sd, so
// cancellation in the running moments shows.
TEST(RollingStatisticsDrift, MatchTwoPassOnLongSeriesWithWindow250) {
  const Values a = random_walk(200'000, 5000, 20240229);
  const Values b = random_walk(200'000, 3000, 19790101);
  const MaxErrors worst = compare_with_two_pass(a, b, 250);
  EXPECT_LE(worst.std_relative, kDriftTolerance);
  EXPECT_LE(worst.mean_relative, kDriftTolerance);
  EXPECT_LE(worst.slope_scaled, kDriftTolerance);
  EXPECT_LE(worst.correlation_absolute, kDriftTolerance);
}

// With a short window the windows' sd is ~1 against a level of 5000, where running moments drift
// fastest between recomputes; kRecomputeEvery (transforms.h) bounds the drift below 1e-9.
TEST(RollingStatisticsDrift, MatchTwoPassOnLongSeriesWithWindow20) {
  const Values a = random_walk(200'000, 5000, 20240229);
  const Values b = random_walk(200'000, 3000, 19790101);
  const MaxErrors worst = compare_with_two_pass(a, b, 20);
  EXPECT_LE(worst.std_relative, kDriftTolerance);
  EXPECT_LE(worst.mean_relative, kDriftTolerance);
  EXPECT_LE(worst.slope_scaled, kDriftTolerance);
  EXPECT_LE(worst.correlation_absolute, kDriftTolerance);
}

// ---------------------------------------------------------------------------------------------
// No look-ahead: outputs on a prefix equal the first outputs on the whole series, bit for bit

struct Series {
  Values a, b;
  std::vector<Date> dates;
};

using Transform =
    std::function<Values(std::span<const double>, std::span<const double>, std::span<const Date>)>;

struct NamedTransform {
  std::string name;
  Transform run;
};

std::vector<NamedTransform> look_ahead_free_transforms() {
  using A = std::span<const double>;
  using D = std::span<const Date>;
  return {
      {"winsorize_expanding", [](A a, A, D) { return winsorize_expanding(a, 0.05, 20); }},
      {"expanding_zscore", [](A a, A, D) { return expanding_zscore(a, 5); }},
      {"rolling_slope 30", [](A a, A, D) { return rolling_slope(a, 30); }},
      {"rolling_slope 5000", [](A a, A, D) { return rolling_slope(a, 5000); }},
      {"rolling_std 30", [](A a, A, D) { return rolling_std(a, 30); }},
      {"rolling_std 5000", [](A a, A, D) { return rolling_std(a, 5000); }},
      {"rolling_mean 30", [](A a, A, D) { return rolling_mean(a, 30); }},
      {"rolling_correlation 30", [](A a, A b, D) { return rolling_correlation(a, b, 30); }},
      {"difference", [](A a, A, D) { return difference(a, 3); }},
      {"pct_change", [](A a, A, D) { return pct_change(a, 3, false); }},
      {"pct_change log", [](A a, A, D) { return pct_change(a, 3, true); }},
      {"spread", [](A a, A b, D) { return spread(a, b); }},
      {"ratio", [](A a, A b, D) { return ratio(a, b); }},
      {"scale", [](A a, A, D) { return scale(a, 1.7); }},
      {"yoy", [](A a, A, D dates) { return yoy(dates, a); }},
  };
}

Series look_ahead_series(std::size_t n) {
  Series s{random_walk(n, 100, 7), random_walk(n, 50, 11), {}};
  for (std::size_t t = 4000; t < 4200; ++t) s.a[t] = s.a[3999];  // a plateau across 4095
  for (std::size_t t = 0; t < 3; ++t) s.a[t] = kNaN;             // leading NaNs
  for (std::size_t t = 40; t < n; t += 97) s.a[t] = kNaN;        // gaps in a
  for (std::size_t t = 1000; t < n; t += 211) s.b[t] = kNaN;     // gaps in b
  Date d = ymd(2000, 1, 3);
  for (std::size_t t = 0; t < n; ++t) {
    s.dates.push_back(d);
    d = d + (d.weekday() == Weekday::kFriday ? 3 : 1);  // weekdays only: an irregular grid
  }
  return s;
}

TEST(Transforms, DoNotLookAhead) {
  // n > 2 * kRecomputeEvery, so prefixes end on both sides of the recompute positions.
  constexpr std::size_t kN = 10'000;
  const Series s = look_ahead_series(kN);
  const std::size_t prefixes[] = {0,    1,    2,    29,   30,   31,   500,
                                  4095, 4096, 4097, 5000, 8191, 8192, kN - 1};
  for (const NamedTransform& transform : look_ahead_free_transforms()) {
    const Values full = transform.run(s.a, s.b, s.dates);
    for (std::size_t m : prefixes) {
      const Values prefix = transform.run(std::span<const double>(s.a).first(m),
                                          std::span<const double>(s.b).first(m),
                                          std::span<const Date>(s.dates).first(m));
      expect_prefix_bits_equal(prefix, full, m, transform.name);
    }
  }
}

TEST(ForwardReturns, LooksAheadByDesign) {
  // FUTURE: the value at t changes when x_{t+h} is appended (NaN on the prefix, a return after).
  const Values x = {100, 110, 121};
  EXPECT_TRUE(std::isnan(forward_returns(std::span<const double>(x).first(2), 1, false)[1]));
  EXPECT_NEAR(forward_returns(x, 1, false)[1], 0.1, kHandTolerance);
}

}  // namespace
}  // namespace mre::features

namespace mre::features {
namespace {

// Hand computation with halflife 1 (decay 1/2): weights 1/4, 1/2, 1 on x_0, x_1, x_2; a missing
// value ages the older ones but adds no weight (pandas ewm adjust=True, ignore_na=False).
TEST(EwmMean, MatchesHandWeightsAndCarriesOverAMissingValue) {
  const Values out = ewm_mean(std::vector<double>{1.0, std::nan(""), 3.0}, 1.0, 1);
  EXPECT_DOUBLE_EQ(out[0], 1.0);
  EXPECT_DOUBLE_EQ(out[1], 1.0);
  EXPECT_DOUBLE_EQ(out[2], (0.25 * 1.0 + 3.0) / 1.25);
}

TEST(EwmDownsideDeviationAndSortino, MatchHandValues) {
  const std::vector<double> x{-1.0, 2.0, -3.0};
  const Values dd = ewm_downside_deviation(x, 1.0, 1, false);
  EXPECT_DOUBLE_EQ(dd[0], 1.0);
  EXPECT_DOUBLE_EQ(dd[1], std::sqrt(0.5 / 1.5));
  EXPECT_DOUBLE_EQ(dd[2], std::sqrt(9.25 / 1.75));
  const Values log_dd = ewm_downside_deviation(x, 1.0, 1, true);
  EXPECT_DOUBLE_EQ(log_dd[2], std::log(std::sqrt(9.25 / 1.75)));
  const Values sortino = ewm_sortino(x, 1.0, 1);
  EXPECT_DOUBLE_EQ(sortino[2], ((0.25 * -1.0 + 0.5 * 2.0 - 3.0) / 1.75) / std::sqrt(9.25 / 1.75));
}

TEST(EwmDownsideDeviationAndSortino, AreNaNWithoutALossAndBeforeMinPeriods) {
  const std::vector<double> x{1.0, 2.0, -1.0};
  const Values log_dd = ewm_downside_deviation(x, 5.0, 1, true);
  EXPECT_TRUE(std::isnan(log_dd[0]));  // log of a zero deviation
  EXPECT_TRUE(std::isnan(ewm_sortino(x, 5.0, 1)[1]));
  EXPECT_FALSE(std::isnan(ewm_sortino(x, 5.0, 1)[2]));
  EXPECT_TRUE(std::isnan(ewm_mean(x, 5.0, 3)[1]));
  EXPECT_FALSE(std::isnan(ewm_mean(x, 5.0, 3)[2]));
  EXPECT_THROW(ewm_mean(x, 0.0, 1), Error);
  EXPECT_THROW(ewm_mean(x, -2.0, 1), Error);
}

}  // namespace
}  // namespace mre::features
