// Drift statistics (monitor/drift.h): hand computations, scipy/numpy on the same samples, and
// simulated drifted and stable features.
#include "mre/monitor/drift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::monitor {
namespace {

std::vector<double> normal(std::size_t n, double mean, double sd, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> out(n);
  for (auto& v : out) v = d(rng);
  return out;
}

void write_column(const std::filesystem::path& path, const std::vector<double>& values) {
  std::ostringstream out;
  out.precision(17);
  for (const double v : values) out << v << "\n";
  testing::write_file(path, out.str());
}

TEST(Drift, DecileEdgesByHand) {
  // 1..10: numpy's linear quantile at q = k/10 is 1 + 9 q: 1.9, 2.8, ..., 9.1.
  const std::vector<double> x{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const auto edges = decile_edges(x);
  ASSERT_EQ(edges.size(), 9u);
  for (int k = 1; k <= 9; ++k)
    EXPECT_NEAR(edges[static_cast<std::size_t>(k - 1)], 1 + 0.9 * k, 1e-14) << k;
}

TEST(Drift, PsiByHandWithEmptyBinsFloored) {
  // Training 1..10: one value per bin (0.1 each). Current: ten ones, all in the first bin, so
  // nine current bins are empty and floored at 1e-4.
  std::vector<double> training;
  for (int i = 1; i <= 10; ++i) training.push_back(i);
  const std::vector<double> current(10, 1.0);
  const auto r = population_stability_index(training, current);
  const double expected =
      (1.0 - 0.1) * std::log(1.0 / 0.1) + 9 * (1e-4 - 0.1) * std::log(1e-4 / 0.1);
  EXPECT_NEAR(r.psi, expected, 1e-14);
  EXPECT_EQ(r.floored, 9u);
  // The same sample against itself: every share equal, PSI exactly 0.
  EXPECT_EQ(population_stability_index(training, training).psi, 0.0);
}

TEST(Drift, KsByHand) {
  const std::vector<double> a{1, 2, 3};
  const std::vector<double> b{4, 5, 6};
  EXPECT_EQ(ks_two_sample(a, b).statistic, 1.0);
  // Ties across samples: after 2 the CDFs are 0.5 and 0; after 3, 0.75 and 0.25; after 4, 1 and
  // 0.5.
  const std::vector<double> c{1, 2, 3, 4};
  const std::vector<double> d{3, 4, 5, 6};
  EXPECT_EQ(ks_two_sample(c, d).statistic, 0.5);
  // Kolmogorov's 5% point: Q(1.3581) = 0.05 to four digits (Smirnov 1948's table).
  EXPECT_NEAR(kolmogorov_sf(1.3581), 0.05, 1e-4);
  EXPECT_EQ(kolmogorov_sf(0.0), 1.0);
}

TEST(Drift, MatchesScipyAndNumpy) {
  testing::TempDir dir;
  // A training sample with ties (rounded to 0.1) against a shifted, wider current window: the
  // edges repeat, some bins are empty.
  auto training = normal(1500, 0.0, 1.0, 11);
  for (auto& v : training) v = std::round(v * 10) / 10;
  for (const auto& [name, current] :
       {std::pair{"shifted", normal(63, 0.7, 1.6, 12)},
        std::pair{"same", normal(400, 0.0, 1.0, 13)}, std::pair{"far", normal(63, 6.0, 0.5, 14)}}) {
    write_column(dir / "train.txt", training);
    write_column(dir / "current.txt", current);
    const auto r =
        testing::run_shell("/usr/bin/python3 " + mre::testing::source_dir().string() +
                           "/tests/monitor/reference_monitor.py drift " +
                           (dir / "train.txt").string() + " " + (dir / "current.txt").string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto ref = nlohmann::json::parse(r.out);
    const auto edges = decile_edges(training);
    for (std::size_t k = 0; k < 9; ++k)
      EXPECT_EQ(edges[k], ref["edges"][k].get<double>()) << name << " edge " << k;
    // 1e-12 (the bound): the same sums of the same logarithms in another order.
    EXPECT_NEAR(population_stability_index(training, current).psi, ref["psi"].get<double>(), 1e-12)
        << name;
    const auto ks = ks_two_sample(training, current);
    EXPECT_NEAR(ks.statistic, ref["ks"].get<double>(), 1e-12) << name;
    // scipy's kolmogorov() (cephes) and our series: both summed to double precision.
    EXPECT_NEAR(ks.p_value, ref["ks_p"].get<double>(), 1e-12) << name;
    EXPECT_NEAR(standardised_mean_shift(training, current), ref["mean_shift"].get<double>(), 1e-12)
        << name;
  }
}

TEST(Drift, FiresOnADriftedFeatureAndStaysQuietOnAStableOne) {
  const auto training = normal(2000, 0.0, 1.0, 21);
  // Drifted: the mean moved by one training standard deviation.
  const auto drifted = normal(63, 1.0, 1.0, 22);
  const auto psi_drifted = population_stability_index(training, drifted).psi;
  EXPECT_GE(psi_drifted, kPsiRed);
  EXPECT_LT(ks_two_sample(training, drifted).p_value, 0.01);
  EXPECT_NEAR(standardised_mean_shift(training, drifted), 1.0, 0.3);  // 0.3: 3 sd of a 63-draw mean
  // Stable: the same distribution. PSI's sampling floor is about 9 (1/m + 1/n) (a chi-square
  // with 9 degrees of freedom scaled by 1/m + 1/n): 0.005 for 2000 current draws.
  const auto stable = normal(2000, 0.0, 1.0, 23);
  EXPECT_LT(population_stability_index(training, stable).psi, kPsiAmber);
  EXPECT_GT(ks_two_sample(training, stable).p_value, 0.01);
  EXPECT_NEAR(standardised_mean_shift(training, stable), 0.0, 0.1);
}

TEST(Drift, RefusesNonFiniteAndTooShortSamples) {
  const std::vector<double> one{1.0};
  const std::vector<double> with_nan{1.0, std::nan(""), 2.0};
  const std::vector<double> constant{2.0, 2.0, 2.0};
  const std::vector<double> ok{1.0, 2.0, 3.0};
  EXPECT_THROW(population_stability_index(one, ok), Error);
  EXPECT_THROW(population_stability_index(ok, with_nan), Error);
  EXPECT_THROW(ks_two_sample(ok, {}), Error);
  EXPECT_THROW(standardised_mean_shift(constant, ok), Error);
}

TEST(Drift, FitTestRanksTheRecentWindowAmongTrainingWindows) {
  // Training log-likelihoods 1..10, windows of 3: means 2..9 (8 windows).
  std::vector<double> training;
  for (int i = 1; i <= 10; ++i) training.push_back(i);
  const std::vector<double> recent{4.0, 5.0, 6.0};  // mean 5: windows 2, 3, 4 are below
  const auto r = log_likelihood_fit_test(training, recent);
  EXPECT_EQ(r.windows, 8u);
  EXPECT_DOUBLE_EQ(r.recent_mean, 5.0);
  EXPECT_DOUBLE_EQ(r.training_mean, 5.5);
  EXPECT_DOUBLE_EQ(r.training_low, 2.0);
  EXPECT_DOUBLE_EQ(r.share_below, 3.0 / 8.0);
  const std::vector<double> worse{0.0, 0.0, 0.0};
  EXPECT_EQ(log_likelihood_fit_test(training, worse).share_below, 0.0);
  const std::vector<double> too_long(11, 1.0);
  EXPECT_THROW(log_likelihood_fit_test(training, too_long), Error);
}

}  // namespace
}  // namespace mre::monitor
