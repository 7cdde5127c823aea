// The Monte Carlo pieces of the SCM: random numbers against their distributions, Student-t
// functions against SciPy's values, the t fits and copula on simulated data with known
// parameters, and the simulator: deterministic whatever the thread count, common random numbers
// (an intervention's effect exact where the model is linear), fans against the analytic
// distribution, and each generator's statistics.
#include "mre/scm/simulate.h"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <numeric>
#include <random>

#include "mre/causal/inference.h"
#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "mre/scm/student_t.h"

namespace mre::scm {
namespace {

double kurtosis(const Vector& v) { return scm::sample_kurtosis(v); }
double acf1(const Vector& v) { return scm::first_autocorrelation(v); }

TEST(Random, ZigguratDrawsAreStandardNormal) {
  PathRandom rng(7, 0);
  constexpr int n = 1'000'000;
  std::vector<double> x(n);
  for (auto& v : x) v = rng.normal();
  const Vector xv = Eigen::Map<Vector>(x.data(), n);
  // Sampling error of the mean 1e-3, of the variance 1.4e-3, of the kurtosis ~5e-3: 4-5 SE.
  EXPECT_NEAR(xv.mean(), 0.0, 0.004);
  EXPECT_NEAR((xv.array() - xv.mean()).square().mean(), 1.0, 0.006);
  EXPECT_NEAR(kurtosis(xv), 3.0, 0.025);
  // Kolmogorov-Smirnov: the 0.1% critical value is 1.95 / sqrt(n).
  std::sort(x.begin(), x.end());
  double d = 0;
  for (int i = 0; i < n; ++i) {
    const double f = causal::normal_cdf(x[static_cast<std::size_t>(i)]);
    d = std::max({d, std::abs(f - i / double(n)), std::abs(f - (i + 1) / double(n))});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(double(n)));
  // The tail beyond r = 3.654 is drawn too: P(|Z| > 3.654) = 2.6e-4, about 258 of 1e6.
  const auto tail =
      std::count_if(x.begin(), x.end(), [](double v) { return std::abs(v) > 3.6541528853610088; });
  EXPECT_GT(tail, 180);
  EXPECT_LT(tail, 340);
}

TEST(Random, GammaHasItsMeanAndVariance) {
  for (const double shape : {0.7, 2.5, 10.0}) {
    PathRandom rng(11, 3);
    constexpr int n = 400'000;
    Vector x(n);
    for (int i = 0; i < n; ++i) x(i) = rng.gamma(shape);
    // 5 standard errors of each moment.
    EXPECT_NEAR(x.mean(), shape, 5 * std::sqrt(shape / n)) << shape;
    EXPECT_NEAR((x.array() - x.mean()).square().mean(), shape,
                5 * shape * std::sqrt(2.0 * (3 + 6 / shape) / n))
        << shape;
  }
}

TEST(Random, StreamsDependOnSeedAndPathOnly) {
  PathRandom a(42, 17);
  PathRandom b(42, 17);
  PathRandom c(42, 18);
  for (int i = 0; i < 100; ++i) {
    const auto va = a.next();
    EXPECT_EQ(va, b.next());
    EXPECT_NE(va, c.next());
  }
}

TEST(Quantiles, BucketSelectionEqualsSortingWithTiesAndOutliers) {
  PathRandom rng(13, 0);
  for (const std::size_t n : {1UL, 2UL, 7UL, 100UL, 5000UL, 100000UL}) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      // Ties (a third rounded to 0.25 steps) and one far outlier that squeezes the buckets.
      const double x = rng.normal();
      v[i] = static_cast<float>(i % 3 == 0 ? std::round(x * 4) / 4 : x);
    }
    if (n > 10) v[n / 2] = 1e6F;
    std::array<double, 5> fast{};
    quantiles_of(v.data(), n, kFanQuantiles, fast.data());
    for (std::size_t q = 0; q < 5; ++q) {
      std::vector<double> d(v.begin(), v.end());
      EXPECT_EQ(fast[q], quantile_in_place(d, kFanQuantiles[q])) << n << " " << q;
    }
  }
  const std::vector<float> same(50, 2.5F);
  std::array<double, 5> out{};
  quantiles_of(same.data(), same.size(), kFanQuantiles, out.data());
  EXPECT_EQ(out[0], 2.5);
  EXPECT_EQ(out[4], 2.5);
}

TEST(StudentT, DistributionFunctionsMatchScipy) {
  // Values from scipy.stats.t and scipy.special.betainc (SciPy 1.10, Debian 12); 1e-12 is
  // the continued fraction's convergence threshold with room for rounding.
  EXPECT_NEAR(incomplete_beta(0.3, 2.5, 0.5), 0.01892712407194565, 1e-12);
  EXPECT_NEAR(student_t_cdf(2.0, 5.0), 0.9490302605850709, 1e-12);
  EXPECT_NEAR(student_t_cdf(-0.7, 2.3), 0.2740036105323291, 1e-12);
  EXPECT_NEAR(student_t_quantile(0.999, 3.5), 8.315567604516293, 1e-9);
  // SciPy's ppf is itself accurate to ~1e-9 here: its value has cdf 0.2 + 4.4e-10 (by SciPy's
  // own cdf, which agrees with ours to 1e-15).
  EXPECT_NEAR(student_t_quantile(0.2, 30.0), -0.853767259839686, 3e-9);
  for (const double p : {1e-9, 0.01, 0.3, 0.77, 0.999999}) {
    EXPECT_NEAR(student_t_cdf(student_t_quantile(p, 4.2), 4.2), p, 1e-12 * std::max(1.0, p * 1e3))
        << p;
  }
}

TEST(StudentT, FitRecoversDegreesOfFreedomAndScale) {
  PathRandom rng(5, 0);
  constexpr int n = 50'000;
  Vector x(n);
  const double nu = 4.0;
  for (int i = 0; i < n; ++i) x(i) = 2.0 * rng.normal() / std::sqrt(rng.chi_square(nu) / nu);
  const auto f = fit_student_t(x);
  // Standard errors at n = 50,000: about 0.1 for nu, 0.01 for the scale.
  EXPECT_NEAR(f.nu, nu, 0.4);
  EXPECT_NEAR(f.scale, 2.0, 0.04);
}

TEST(StudentT, CopulaRecoversCorrelationAndDegreesOfFreedom) {
  // A trivariate t with nu = 5 and margins rescaled: the copula is the t copula with nu = 5.
  PathRandom rng(9, 1);
  Matrix R(3, 3);
  R << 1.0, 0.6, -0.3, 0.6, 1.0, 0.2, -0.3, 0.2, 1.0;
  const Matrix L = Eigen::LLT<Matrix>(R).matrixL();
  constexpr int n = 3000;
  Matrix x(n, 3);
  for (int t = 0; t < n; ++t) {
    Vector z(3);
    for (int j = 0; j < 3; ++j) z(j) = rng.normal();
    const double w = std::sqrt(5.0 / rng.chi_square(5.0));
    const Vector y = L * z * w;
    x.row(t) << y(0) * 0.01, y(1) * 3.0, y(2);
  }
  const auto c = fit_t_copula(x);
  // Kendall-based correlations have SE ~0.015 at n = 3000; the grid over nu is log-spaced
  // (neighbours ~17% apart) and its SE at this n is ~1.
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(c.correlation(i, j), R(i, j), 0.06) << i << j;
  }
  EXPECT_GT(c.nu, 3.0);
  EXPECT_LT(c.nu, 9.0);
  EXPECT_NEAR(c.margins[1].nu, 5.0, 1.5);
  EXPECT_NEAR(c.margins[0].scale, 0.01, 0.001);
}

// A two-node chain A -> B, both AR(1) in changes: A_t = 0.3 A_{t-1} + u, B_t = 0.1 B_{t-1} + 0.5
// A_t + v.
Fitted chain() {
  Fitted m;
  m.graph.nodes = {"A", "B"};
  m.graph.equations = {{"A", {}, true}, {"B", {"A"}, true}};
  FittedEquation a;
  a.node = "A";
  a.phi = 0.3;
  FittedEquation b;
  b.node = "B";
  b.parents = {"A"};
  b.phi = 0.1;
  b.beta = {0.5};
  m.equations = {a, b};
  return m;
}

ShockPool gaussian_pool(int rows, std::uint64_t seed) {
  PathRandom rng(seed, 0);
  ShockPool pool;
  pool.residuals.resize(rows, 2);
  for (int t = 0; t < rows; ++t) pool.residuals.row(t) << rng.normal(), 0.5 * rng.normal();
  return pool;
}

const Levels kLevels{.transform = {Transform::kDiff, Transform::kLogReturn},
                     .start = (RowVector(2) << 1.0, 100.0).finished()};
const SimulationStart kStart{.changes = RowVector::Zero(2),
                             .levels = (RowVector(2) << 1.0, 100.0).finished()};

TEST(Simulate, TheSameSeedGivesTheSameNumbersWhateverTheThreadCount) {
  const auto pool = gaussian_pool(500, 1);
  for (const auto kind :
       {ShockKind::kGaussian, ShockKind::kBootstrap, ShockKind::kBlockBootstrap}) {
    SimulationConfig c{.horizon = 30, .paths = 999, .seed = 42, .threads = 1, .shocks = kind};
    const auto one =
        simulate(chain(), kLevels, kStart, pool,
                 {{.node = "A", .from = 5, .to = 30, .value = 0.25, .shift = true}}, c);
    c.threads = 2;
    const auto two =
        simulate(chain(), kLevels, kStart, pool,
                 {{.node = "A", .from = 5, .to = 30, .value = 0.25, .shift = true}}, c);
    c.threads = 7;
    const auto seven =
        simulate(chain(), kLevels, kStart, pool,
                 {{.node = "A", .from = 5, .to = 30, .value = 0.25, .shift = true}}, c);
    EXPECT_EQ(one.fan[0], two.fan[0]) << shock_kind_name(kind);
    EXPECT_EQ(one.fan[1], seven.fan[1]) << shock_kind_name(kind);
    EXPECT_EQ(one.effect, two.effect) << shock_kind_name(kind);
    c.seed = 43;
    const auto other = simulate(chain(), kLevels, kStart, pool, {}, c);
    EXPECT_NE(one.fan[0], other.fan[0]) << shock_kind_name(kind);
  }
}

TEST(Simulate, CommonRandomNumbersMakeTheEffectExactInALinearModel) {
  const auto pool = gaussian_pool(500, 2);
  const SimulationConfig c{.horizon = 40, .paths = 200, .seed = 3, .threads = 2};
  const auto none = simulate(chain(), kLevels, kStart, pool, {}, c);
  EXPECT_EQ(none.fan[0], none.fan[1]);
  EXPECT_TRUE((none.effect.array() == 0.0).all());
  // A's level 0.25 higher from day 10 to the horizon: A's change +0.25 on day 10; B's log level
  // gap is the sum over days of d_t = 0.1 d_{t-1} + 0.5 dA_t, the same on every path.
  const auto hike =
      simulate(chain(), kLevels, kStart, pool,
               {{.node = "A", .from = 10, .to = 40, .value = 0.25, .shift = true}}, c);
  double d = 0;
  double gap = 0;
  for (int t = 1; t <= 40; ++t) {
    d = 0.1 * d + 0.5 * (t == 10 ? 0.25 : 0.0);
    gap += d;
  }
  for (Eigen::Index p = 0; p < hike.effect.rows(); ++p) {
    EXPECT_NEAR(hike.effect(p, 0), 0.25, 1e-12);  // a level shift held to the horizon
    EXPECT_NEAR(hike.effect(p, 1), gap, 1e-12);   // linear: no path dependence
  }
  // A set level: A = 2.0 on days 5..8, then the baseline path again.
  const auto set = simulate(chain(), kLevels, kStart, pool,
                            {{.node = "A", .from = 5, .to = 8, .value = 2.0}}, c);
  EXPECT_TRUE((set.effect.col(0).array().abs() < 1e-12).all());
  for (int q = 0; q < 5; ++q)
    EXPECT_NEAR(set.fan[1][((6 - 1) * 2 + 0) * 5 + static_cast<std::size_t>(q)], 2.0,
                1e-6);  // float buffer
}

TEST(Simulate, GaussianFansMatchTheAnalyticDistribution) {
  // A's level after h days: 1 + sum_t A_t with A an AR(1) started at 0; its variance is
  // sum_t (sum_{k<=h-t} 0.3^k)^2 (unit shocks), normal, mean 1.
  ShockPool pool;
  pool.residuals.resize(4000, 2);
  PathRandom rng(8, 0);
  for (int t = 0; t < 4000; ++t) pool.residuals.row(t) << rng.normal(), rng.normal();
  const int h = 20;
  const auto r =
      simulate(chain(), kLevels, kStart, pool, {}, {.horizon = h, .paths = 40000, .seed = 1});
  const double sd_pool = std::sqrt(
      (pool.residuals.col(0).array() - pool.residuals.col(0).mean()).square().sum() / 3999.0);
  double var = 0;
  for (int t = 1; t <= h; ++t) {
    double s = 0;
    for (int k = 0; k <= h - t; ++k) s += std::pow(0.3, k);
    var += s * s;
  }
  const double sd = std::sqrt(var) * sd_pool;
  const auto q = [&](int qi) {
    return r.fan[0][((h - 1) * 2 + 0) * 5 + static_cast<std::size_t>(qi)];
  };
  // Monte Carlo error of a quantile at 40,000 paths: ~0.007 sd (median) to ~0.011 sd (5%).
  EXPECT_NEAR(q(2), 1.0, 0.03 * sd);
  EXPECT_NEAR(q(0), 1.0 - 1.6448536269514722 * sd, 0.05 * sd);
  EXPECT_NEAR(q(4), 1.0 + 1.6448536269514722 * sd, 0.05 * sd);
  EXPECT_NEAR(q(1), 1.0 - 0.6744897501960817 * sd, 0.04 * sd);
}

// Heavy-tailed, volatility-clustered history: GARCH(1,1) with t(6) innovations.
ShockPool garch_pool(int rows) {
  PathRandom rng(21, 0);
  ShockPool pool;
  pool.residuals.resize(rows, 2);
  double h = 1.0;
  double e = 0;
  for (int t = 0; t < rows; ++t) {
    h = 0.05 + 0.10 * e * e + 0.85 * h;
    const double z = rng.normal() / std::sqrt(rng.chi_square(6.0) / 6.0) / std::sqrt(1.5);
    e = std::sqrt(h) * z;
    pool.residuals.row(t) << e, 0.5 * e + 0.3 * rng.normal();
  }
  return pool;
}

TEST(Simulate, StudentTAndBlockBootstrapReproduceFatTailsAndVolatilityClustering) {
  auto pool = garch_pool(5000);
  pool.copula = fit_t_copula(pool.residuals);
  const double k_hist = kurtosis(pool.residuals.col(0));
  const double c_hist = acf1(pool.residuals.col(0).array().square().matrix());
  ASSERT_GT(k_hist, 5.0);
  ASSERT_GT(c_hist, 0.1);
  const auto stats = [&](ShockKind kind) {
    // 40 paths of the history's length, pooled: the statistic of samples like the history.
    std::vector<double> ks;
    std::vector<double> cs;
    for (std::uint64_t p = 0; p < 40; ++p) {
      const Matrix u =
          draw_shocks(chain(), pool, {.seed = 5, .shocks = kind, .mean_block = 50}, p, 5000);
      ks.push_back(kurtosis(u.col(0)));
      cs.push_back(acf1(u.col(0).array().square().matrix()));
    }
    const double k = quantile_in_place(ks, 0.5);
    const double c = quantile_in_place(cs, 0.5);
    return std::pair{k, c};
  };
  const auto [k_t, c_t] = stats(ShockKind::kStudentT);
  const auto [k_b, c_b] = stats(ShockKind::kBlockBootstrap);
  const auto [k_g, c_g] = stats(ShockKind::kGaussian);
  // Fat tails: the t copula's median sample kurtosis within 35% of the history's (a t with the
  // fitted nu is not the GARCH mixture: close, not equal); the Gaussian's is 3.
  EXPECT_NEAR(k_t / k_hist, 1.0, 0.35) << k_t << " vs " << k_hist;
  EXPECT_NEAR(k_g, 3.0, 0.2);
  // Block bootstrap keeps both: kurtosis within 25%, squared-shock autocorrelation within 35%
  // (blocks of mean 50 days cut a few of the clusters); i.i.d. generators have none.
  EXPECT_NEAR(k_b / k_hist, 1.0, 0.25) << k_b << " vs " << k_hist;
  EXPECT_NEAR(c_b / c_hist, 1.0, 0.35) << c_b << " vs " << c_hist;
  EXPECT_LT(std::abs(c_t), 0.05);
  EXPECT_LT(std::abs(c_g), 0.05);
}

TEST(Simulate, RegimeBootstrapDrawsEachDayFromItsRegime) {
  // Regime 0 rows hold small shocks, regime 1 rows large ones; a sticky chain.
  ShockPool pool;
  pool.residuals.resize(1000, 2);
  PathRandom rng(3, 0);
  for (int t = 0; t < 1000; ++t) {
    const int s = (t / 100) % 2;
    pool.regime.push_back(s);
    const double scale = s == 0 ? 0.1 : 3.0;
    pool.residuals.row(t) << scale * rng.normal(), scale * rng.normal();
  }
  pool.transition.resize(2, 2);
  pool.transition << 1.0, 0.0, 0.0, 1.0;  // absorbing: every day in the start regime
  pool.start_regime = 1;
  const Matrix u = draw_shocks(chain(), pool, {.shocks = ShockKind::kRegimeBootstrap}, 0, 3000);
  for (Eigen::Index d = 0; d < u.rows(); ++d) {
    bool found = false;
    for (Eigen::Index t = 0; t < 1000 && !found; ++t)
      found = pool.regime[static_cast<std::size_t>(t)] == 1 && pool.residuals.row(t) == u.row(d);
    ASSERT_TRUE(found) << d;
  }
  pool.transition << 0.98, 0.02, 0.02, 0.98;
  const Matrix v = draw_shocks(chain(), pool, {.shocks = ShockKind::kRegimeBootstrap}, 1, 20000);
  // Sticky regimes of very different scale: squared shocks are autocorrelated (theory ~0.19:
  // the regime means' share of the squares' variance times 0.96); i.i.d. draws show none.
  EXPECT_GT(acf1(v.col(0).array().square().matrix()), 0.1);
  const Matrix w = draw_shocks(chain(), pool, {.shocks = ShockKind::kBootstrap}, 1, 20000);
  EXPECT_LT(std::abs(acf1(w.col(0).array().square().matrix())), 0.03);
}

TEST(Simulate, BadParametersAreRefusedNamingThem) {
  const auto pool = gaussian_pool(100, 4);
  const auto message = [&](const SimulationConfig& c, const std::vector<Intervention>& iv) {
    try {
      simulate(chain(), kLevels, kStart, pool, iv, c);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({.horizon = 0}, {}).find("--horizon"), std::string::npos);
  EXPECT_NE(message({.horizon = 5, .paths = -1}, {}).find("--paths"), std::string::npos);
  EXPECT_NE(message({.horizon = 5, .paths = 5}, {{.node = "Q", .from = 1, .to = 2}}).find("'Q'"),
            std::string::npos);
  EXPECT_NE(
      message({.horizon = 5, .paths = 5}, {{.node = "A", .from = 1, .to = 9}}).find("outside"),
      std::string::npos);
  EXPECT_NE(
      message({.horizon = 5, .paths = 5, .shocks = ShockKind::kRegimeBootstrap}, {}).find("regime"),
      std::string::npos);
  EXPECT_NE(message({.horizon = 5, .paths = 5}, {{.node = "B", .from = 1, .to = 2, .value = -1.0}})
                .find("positive"),
            std::string::npos);
  EXPECT_THROW(parse_shock_kind("cauchy"), Error);
}

}  // namespace
}  // namespace mre::scm
