// `scm generators evaluate`'s workflow (workflows/shock_generators.h) on a small price file: the
// generators see only the training days (changing the held-out prices changes the real side of
// every score and leaves the generated side bit for bit), every generator of the registry is
// scored, and a non-finite return is refused naming its date.
#include "mre/workflows/shock_generators.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

// 400 business-day-like closes from a GARCH-ish path; `shock_after` multiplies the returns from
// that day on by `factor` (the held-out part when shock_after >= the training days).
void write_prices(const std::filesystem::path& path, int shock_after, double factor,
                  bool zero_price = false) {
  scm::PathRandom rng(4, 0);
  std::ofstream out(path);
  out << "date,open,high,low,close,volume\n";
  double price = 100.0;
  double h = 1e-4;
  Date d = Date::from_ymd(2010, 1, 4);
  for (int t = 0; t < 401; ++t) {
    const double r = std::sqrt(h) * rng.normal();
    h = 1e-6 + 0.1 * r * r + 0.85 * h;
    if (t > 0) price *= std::exp(t > shock_after ? factor * r : r);
    const double close = zero_price && t == 350 ? 0.0 : price;
    out << d.iso() << "," << close << "," << close << "," << close << "," << close << ",0\n";
    d = d + (d.weekday() == Weekday::kFriday ? 3 : 1);
  }
}

GeneratorEvaluationOptions small() {
  GeneratorEvaluationOptions o{.train_fraction = 0.75, .paths = 3, .seed = 9};
  o.scores.horizons = {1, 5, 20};
  o.scores.max_lag = 10;
  // quantgan (in a LibTorch build): a tiny network, a few steps.
  o.quantgan.hidden = 4;
  o.quantgan.levels = 2;
  o.quantgan.window = 14;
  o.quantgan.steps = 2;
  o.quantgan.batch = 4;
  return o;
}

TEST(ShockGenerators, GeneratorsSeeOnlyTheTrainingDays) {
  mre::testing::TempDir dir;
  write_prices(dir / "a.csv", 1000, 1.0);
  write_prices(dir / "b.csv", 300,
               3.0);  // the held-out 100 returns (days 301..400) three times as large
  const Date first = Date::from_ymd(2010, 1, 1);
  const Date last = Date::from_ymd(2012, 12, 31);
  const auto a = evaluate_series_generators(dir / "a.csv", first, last, small());
  const auto b = evaluate_series_generators(dir / "b.csv", first, last, small());
  EXPECT_EQ(a.train_days, 300);
  EXPECT_EQ(a.test_days, 100);
  ASSERT_EQ(a.rows.size(), shock_generators().size());
  for (std::size_t g = 0; g < a.rows.size(); ++g) {
    EXPECT_EQ(a.rows[g].generator, shock_generators()[g].name);
    const auto& x = a.rows[g].mean;
    const auto& y = b.rows[g].mean;
    EXPECT_EQ(x.kurtosis_generated, y.kurtosis_generated) << a.rows[g].generator;
    EXPECT_EQ(x.quantiles_generated, y.quantiles_generated) << a.rows[g].generator;
    EXPECT_NE(x.quantiles_real, y.quantiles_real) << a.rows[g].generator;
    EXPECT_NE(x.emd, y.emd) << a.rows[g].generator;
  }
}

TEST(ShockGenerators, BadInputIsNamed) {
  mre::testing::TempDir dir;
  write_prices(dir / "z.csv", 1000, 1.0, true);
  const Date first = Date::from_ymd(2010, 1, 1);
  const Date last = Date::from_ymd(2012, 12, 31);
  try {
    evaluate_series_generators(dir / "z.csv", first, last, small());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("is not finite"), std::string::npos) << e.what();
  }
  write_prices(dir / "a.csv", 1000, 1.0);
  auto o = small();
  o.train_fraction = 0.5;  // 200 training days < 250
  EXPECT_THROW(evaluate_series_generators(dir / "a.csv", first, last, o), Error);
  o = small();
  o.generators = {"cauchy"};
  try {
    evaluate_series_generators(dir / "a.csv", first, last, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown generator 'cauchy'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
