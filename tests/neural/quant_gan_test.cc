// The conditional Quant GAN on LibTorch (neural/quant_gan.h) with tiny networks and a few steps:
// the same seed and thread count give the same weights bit for bit (another seed does not), the
// sizes (the paper's receptive field 127, the parameter count), the generator's causality (a
// day's output depends only on the noise of its receptive field) and its use of the regime
// condition, and bad input refused naming it.
#include "mre/neural/quant_gan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/scm/random.h"

namespace mre::neural {
namespace {

QuantGanConfig tiny() {
  QuantGanConfig c;
  c.hidden = 4;
  c.levels = 2;  // receptive field 7
  c.window = 14;
  c.steps = 3;
  c.critic_steps = 2;
  c.batch = 8;
  c.seed = 5;
  c.threads = 1;
  return c;
}

// Two series with Student-t-like tails; regime 1 (every other block of 40 days) four times as
// volatile.
struct Sample {
  Matrix shocks;
  std::vector<int> regime;
};
Sample sample(int days) {
  scm::PathRandom rng(3, 0);
  Sample s{Matrix(days, 2), {}};
  for (int t = 0; t < days; ++t) {
    const int r = (t / 40) % 2;
    s.regime.push_back(r);
    const double scale = r == 1 ? 4.0 : 1.0;
    const double z = rng.normal();
    s.shocks(t, 0) = scale * z / std::sqrt(rng.chi_square(5.0) / 5.0);
    s.shocks(t, 1) = scale * (0.5 * z + rng.normal());
  }
  return s;
}

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::to_string(static_cast<int>(e.code())) + " " + e.what();
  }
  return "no error";
}

TEST(QuantGan, SizesFollowTheArchitecture) {
  EXPECT_EQ(receptive_field(paper_quant_gan_config()), 127);  // the paper's
  EXPECT_EQ(paper_quant_gan_config().hidden, 80);
  EXPECT_EQ(receptive_field(QuantGanConfig{}), 31);
  EXPECT_EQ(receptive_field(tiny()), 7);
  EXPECT_EQ(training_window(QuantGanConfig{}), 62);
  const auto s = sample(200);
  const auto m = train_quant_gan(s.shocks, s.regime, 2, tiny());
  EXPECT_EQ(m.weights.size(), quant_gan_parameter_count(tiny(), 2, 2));
  EXPECT_EQ(m.critic_loss.size(), 3u);
  EXPECT_EQ(m.lambert.size(), 2u);
  // The t-tailed series gets a heavier-tail parameter than the Gaussian-mixture one... both are
  // scale mixtures over the regimes, so both are heavy-tailed: delta > 0.
  EXPECT_GT(m.lambert[0].delta, 0.0);
}

TEST(QuantGan, SameSeedAndThreadsGiveTheSameWeightsBitForBit) {
  const auto s = sample(200);
  const auto a = train_quant_gan(s.shocks, s.regime, 2, tiny());
  const auto b = train_quant_gan(s.shocks, s.regime, 2, tiny());
  EXPECT_EQ(a.weights, b.weights);  // exact: bit for bit
  EXPECT_EQ(a.critic_loss, b.critic_loss);
  auto other = tiny();
  other.seed = 6;
  EXPECT_NE(train_quant_gan(s.shocks, s.regime, 2, other).weights, a.weights);
}

TEST(QuantGan, GeneratorIsCausalAndUsesTheCondition) {
  const auto s = sample(200);
  const auto m = train_quant_gan(s.shocks, s.regime, 2, tiny());
  const QuantGanGenerator g(m);
  EXPECT_EQ(g.warmup(), 6);
  const int days = 30;
  scm::PathRandom rng(8, 1);
  Matrix noise(days + g.warmup(), g.noise_channels());
  for (Eigen::Index t = 0; t < noise.rows(); ++t) {
    for (Eigen::Index c = 0; c < noise.cols(); ++c) noise(t, c) = rng.normal();
  }
  const std::vector<int> calm(static_cast<std::size_t>(noise.rows()), 0);
  const Matrix x = g.generate(noise, calm);
  ASSERT_EQ(x.rows(), days);
  ASSERT_EQ(x.cols(), 2);
  EXPECT_TRUE(x.allFinite());
  EXPECT_EQ(x, g.generate(noise, calm));  // deterministic given the noise
  // Changing the noise on the last row changes only the last day's output.
  Matrix changed = noise;
  changed(noise.rows() - 1, 0) += 3.0;
  const Matrix y = g.generate(changed, calm);
  EXPECT_EQ(x.topRows(days - 1), y.topRows(days - 1));
  EXPECT_NE(x.row(days - 1), y.row(days - 1));
  // Changing the regime on day 10 (row 10 + warmup) changes days 10.. only.
  std::vector<int> regime = calm;
  regime[static_cast<std::size_t>(10 + g.warmup())] = 1;
  const Matrix z = g.generate(noise, regime);
  EXPECT_EQ(x.topRows(10), z.topRows(10));
  EXPECT_NE(x.row(10), z.row(10));
}

TEST(QuantGan, BadInputIsRefusedNamingIt) {
  const auto s = sample(200);
  const auto code = [](ErrorCode c) { return std::to_string(static_cast<int>(c)) + " "; };
  // 19 days < window 14 + receptive field 7 - 1.
  const std::string short_window = what_of([&] {
    train_quant_gan(s.shocks.topRows(19), {s.regime.begin(), s.regime.begin() + 19}, 2, tiny());
  });
  EXPECT_EQ(short_window.rfind(code(ErrorCode::kDataError), 0), 0u) << short_window;
  EXPECT_NE(short_window.find("shorter than the receptive field 7"), std::string::npos)
      << short_window;
  const std::string empty = what_of([&] {
    train_quant_gan(s.shocks.topRows(40), {s.regime.begin(), s.regime.begin() + 40}, 2, tiny());
  });  // the first 40 days are all regime 0
  EXPECT_NE(empty.find("regime class 1 has no day"), std::string::npos) << empty;
  Matrix bad = s.shocks;
  bad(17, 1) = std::nan("");
  const std::string nan = what_of([&] { train_quant_gan(bad, s.regime, 2, tiny()); });
  EXPECT_NE(nan.find("series 1 on training day 17 is not finite"), std::string::npos) << nan;
  auto wrong = tiny();
  wrong.hidden = 0;
  EXPECT_NE(what_of([&] { train_quant_gan(s.shocks, s.regime, 2, wrong); }).find("'hidden'"),
            std::string::npos);
  // Weights that do not fit the settings.
  auto m = train_quant_gan(s.shocks, s.regime, 2, tiny());
  m.weights.pop_back();
  EXPECT_NE(what_of([&] { QuantGanGenerator g(m); }).find("does not fit"), std::string::npos);
}

}  // namespace
}  // namespace mre::neural
