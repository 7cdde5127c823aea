// The attention regime network (neural/attention.h) on LibTorch: its forward pass against a hand
// computation of neural_spec.md's formulas written out below with Eigen (double precision), the
// parameter count, the seeded initial weights, reproducible training (same seed and threads: the
// same weights bit for bit), learning a rule that needs the window (simulated data with a known
// answer), and bad input refused naming it.
#include "mre/neural/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/scm/random.h"

namespace mre::neural {
namespace {

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::to_string(static_cast<int>(e.code())) + " " + e.what();
  }
  return "no error";
}

// The tiny spec of the hand computation: F 2, H 4, heads 2 (d 2), L 3, C 3.
AttentionSpec tiny_spec() {
  AttentionSpec s;
  s.inputs = 2;
  s.hidden = 4;
  s.heads = 2;
  s.window = 3;
  s.classes = 3;
  s.dropout = 0.3;  // eval mode: the identity
  return s;
}

// Reads the flat weights in the spec's registration order (row-major blocks).
struct Reader {
  const std::vector<float>& w;
  std::size_t at = 0;
  Matrix take(int rows, int cols) {
    Matrix m(rows, cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) m(r, c) = static_cast<double>(w[at++]);
    return m;
  }
  Vector vec(int n) { return take(n, 1).col(0); }
};

Vector softmax(const Vector& v) {
  const Vector e = (v.array() - v.maxCoeff()).exp().matrix();
  return e / e.sum();
}

// neural_spec.md's forward for one window, written out with Eigen.
Vector hand_forward(const AttentionModel& m, const Matrix& x) {
  const AttentionSpec& s = m.spec;
  const int f = s.inputs, h = s.hidden, l = s.window, c = s.classes, d = s.hidden / s.heads;
  Reader r{m.weights};
  const Matrix w_in = r.take(h, f);
  const Vector b_in = r.vec(h);
  const Matrix position = r.take(l, h);
  const Matrix w_q = r.take(h, h);
  const Vector b_q = r.vec(h);
  const Matrix w_k = r.take(h, h);
  const Vector b_k = r.vec(h);
  const Matrix w_v = r.take(h, h);
  const Vector b_v = r.vec(h);
  const Matrix w_o = r.take(h, h);
  const Vector b_o = r.vec(h);
  const Matrix w_h = r.take(h, h);
  const Vector b_h = r.vec(h);
  const Matrix w_c = r.take(c, h);
  const Vector b_c = r.vec(c);
  EXPECT_EQ(r.at, m.weights.size());

  Matrix z(l, f);
  for (int t = 0; t < l; ++t)
    for (int j = 0; j < f; ++j)
      z(t, j) = (x(t, j) - m.input_mean[static_cast<std::size_t>(j)]) /
                m.input_sd[static_cast<std::size_t>(j)];
  Matrix hm = z * w_in.transpose() + position;
  hm.rowwise() += b_in.transpose();
  const Vector last = hm.row(l - 1).transpose();
  const Vector q = w_q * last + b_q;
  Matrix k = hm * w_k.transpose();
  k.rowwise() += b_k.transpose();
  Matrix v = hm * w_v.transpose();
  v.rowwise() += b_v.transpose();
  Vector ctx = Vector::Zero(h);
  for (int head = 0; head < s.heads; ++head) {
    Vector score(l);
    for (int t = 0; t < l; ++t)
      score(t) = q.segment(head * d, d).dot(k.row(t).segment(head * d, d)) / std::sqrt(d * 1.0);
    const Vector a = softmax(score);
    for (int t = 0; t < l; ++t)
      ctx.segment(head * d, d) += a(t) * v.row(t).segment(head * d, d).transpose();
  }
  const Vector y1 = w_o * ctx + b_o + last;
  const Vector y2 = (w_h * y1 + b_h).cwiseMax(0.0);
  return softmax(w_c * y2 + b_c);
}

AttentionModel hand_model() {
  AttentionModel m;
  m.spec = tiny_spec();
  const auto n = attention_parameter_count(m.spec);
  for (std::size_t i = 0; i < n; ++i)
    m.weights.push_back(static_cast<float>(0.6 * std::sin(1.3 * static_cast<double>(i) + 0.7)));
  m.input_mean = {0.5, -1.0};
  m.input_sd = {2.0, 0.5};
  m.class_names = {"a", "b", "c"};
  m.feature_names = {"u", "v"};
  return m;
}

TEST(Attention, ParameterCountFollowsTheSpecFormula) {
  // F*H + H + L*H + 5*(H*H + H) + C*H + C = 8 + 4 + 12 + 100 + 12 + 3.
  EXPECT_EQ(attention_parameter_count(tiny_spec()), 139u);
  // The seed's sizes: 20*32 + 32 + 20*32 + 5*(1024 + 32) + 96 + 3.
  EXPECT_EQ(attention_parameter_count(AttentionSpec{}), 6691u);
}

TEST(Attention, ForwardMatchesAHandComputation) {
  const AttentionModel m = hand_model();
  std::vector<Matrix> windows;
  for (int i = 0; i < 4; ++i) {
    Matrix x(3, 2);
    for (int t = 0; t < 3; ++t)
      for (int j = 0; j < 2; ++j) x(t, j) = std::cos(0.9 * i + 1.7 * t + 0.4 * j) * (1.0 + i);
    windows.push_back(x);
  }
  const Matrix p = attention_probabilities(m, windows);
  ASSERT_EQ(p.rows(), 4);
  ASSERT_EQ(p.cols(), 3);
  for (int i = 0; i < 4; ++i) {
    const Vector expected = hand_forward(m, windows[static_cast<std::size_t>(i)]);
    for (int c = 0; c < 3; ++c) {
      // LibTorch computes in float32 (relative rounding ~6e-8 per operation, a few dozen
      // operations deep); probabilities are <= 1, so 1e-6 separates rounding from a wrong formula.
      EXPECT_NEAR(p(i, c), expected(c), 1e-6) << "window " << i << " class " << c;
    }
  }
  // Not a degenerate case: the windows get different probabilities.
  EXPECT_GT(std::abs(p(0, 0) - p(3, 0)), 1e-3);
}

TEST(Attention, OnlyTheWindowMattersAndEarlierDaysDo) {
  // Changing the oldest day of the window changes the output (the attention reaches it).
  const AttentionModel m = hand_model();
  Matrix x = Matrix::Constant(3, 2, 0.3);
  Matrix y = x;
  y(0, 0) = 3.0;
  const Matrix p = attention_probabilities(m, {x, y});
  EXPECT_GT((p.row(0) - p.row(1)).cwiseAbs().maxCoeff(), 1e-4);
}

TEST(Attention, InitialWeightsAreSeeded) {
  const AttentionModel a = initial_attention_model(tiny_spec(), 7);
  const AttentionModel b = initial_attention_model(tiny_spec(), 7);
  const AttentionModel c = initial_attention_model(tiny_spec(), 8);
  ASSERT_EQ(a.weights.size(), 139u);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_NE(a.weights, c.weights);
  // LibTorch's Linear init is uniform in +-1/sqrt(fan_in): input.weight has fan_in F = 2.
  for (int i = 0; i < 8; ++i) EXPECT_LE(std::abs(a.weights[static_cast<std::size_t>(i)]), 0.7072);
  // position starts at zero (after input.weight [4 x 2] and input.bias [4]).
  for (int i = 12; i < 24; ++i) EXPECT_EQ(a.weights[static_cast<std::size_t>(i)], 0.0f);
}

// Simulated data with a known answer: the class of day t is the sign pattern of feature 0 two
// days before (class 0: negative, 1: small, 2: large), feature 1 is noise. A network that does not
// look back in its window cannot do better than the base rates.
struct Sample {
  std::vector<Matrix> windows;
  std::vector<int> labels;
};
Sample lagged_sample(int n, int window, std::uint64_t seed) {
  scm::PathRandom rng(seed, 0);
  const int days = n + window;
  Matrix series(days, 2);
  for (int t = 0; t < days; ++t) series.row(t) << rng.normal(), rng.normal();
  Sample s;
  for (int t = window - 1; t < days && static_cast<int>(s.windows.size()) < n; ++t) {
    s.windows.push_back(series.block(t - window + 1, 0, window, 2));
    const double lagged = series(t - 2, 0);
    s.labels.push_back(lagged < -0.4 ? 0 : (lagged < 0.4 ? 1 : 2));
  }
  return s;
}

AttentionTraining quick() {
  AttentionTraining t;
  t.epochs = 6;
  t.patience = 3;
  t.batch = 16;
  t.learning_rate = 1e-2;
  t.seed = 11;
  t.threads = 1;
  return t;
}

TEST(Attention, SameSeedAndThreadsGiveTheSameWeights) {
  const Sample s = lagged_sample(120, 3, 2);
  const AttentionFit a = train_attention(s.windows, s.labels, tiny_spec(), quick());
  const AttentionFit b = train_attention(s.windows, s.labels, tiny_spec(), quick());
  AttentionTraining other = quick();
  other.seed = 12;
  const AttentionFit c = train_attention(s.windows, s.labels, tiny_spec(), other);
  EXPECT_EQ(a.model.weights, b.model.weights);  // bit for bit
  // Two threads: reproducible for that thread count too.
  // (Few examples and epochs: on a loaded 2-core machine, two OpenMP threads wait on each other.)
  AttentionTraining two = quick();
  two.threads = 2;
  two.epochs = 2;
  const Sample few = lagged_sample(40, 3, 2);
  const AttentionFit d = train_attention(few.windows, few.labels, tiny_spec(), two);
  const AttentionFit e = train_attention(few.windows, few.labels, tiny_spec(), two);
  EXPECT_EQ(d.model.weights, e.model.weights);
  EXPECT_EQ(d.model.threads, 2);
  EXPECT_EQ(a.validation_loss, b.validation_loss);
  EXPECT_NE(a.model.weights, c.model.weights);
  EXPECT_EQ(a.train_examples, 96);
  EXPECT_EQ(a.validation_examples, 24);
  EXPECT_GE(a.best_epoch, 1);
  EXPECT_LE(a.best_epoch, a.epochs_run);
  // The kept weights are the best epoch's: their validation loss is the minimum.
  double min_loss = a.validation_loss[0];
  for (const double v : a.validation_loss) min_loss = std::min(min_loss, v);
  EXPECT_EQ(a.validation_loss[static_cast<std::size_t>(a.best_epoch - 1)], min_loss);
}

TEST(Attention, LearnsARuleThatNeedsTheWindow) {
  const Sample s = lagged_sample(700, 4, 5);
  AttentionSpec spec = tiny_spec();
  spec.window = 4;
  spec.hidden = 8;
  spec.dropout = 0.0;
  AttentionTraining t = quick();
  t.epochs = 40;
  t.patience = 10;
  t.batch = 32;
  const std::vector<Matrix> train(s.windows.begin(), s.windows.begin() + 500);
  const std::vector<int> labels(s.labels.begin(), s.labels.begin() + 500);
  const AttentionFit fit = train_attention(train, labels, spec, t);
  const std::vector<Matrix> test(s.windows.begin() + 500, s.windows.end());
  const Matrix p = attention_probabilities(fit.model, test);
  int right = 0;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    Eigen::Index best = 0;
    p.row(i).maxCoeff(&best);
    if (static_cast<int>(best) == s.labels[static_cast<std::size_t>(500 + i)]) ++right;
  }
  // Base rates are about 0.34 / 0.31 / 0.34: guessing gets ~0.35. Thresholds at +-0.4 on a
  // standard normal leave margin; 0.8 out of sample needs the lag-2 day.
  EXPECT_GT(right / static_cast<double>(p.rows()), 0.8);
}

TEST(Attention, BadInputIsRefusedNamingIt) {
  const AttentionModel m = hand_model();
  EXPECT_NE(what_of([&] {
              attention_probabilities(m, {Matrix::Zero(2, 2)});
            }).find("window 0 is 2 x 2, the network takes 3 days x 2 features"),
            std::string::npos);
  Matrix nan = Matrix::Zero(3, 2);
  nan(1, 1) = std::nan("");
  EXPECT_NE(what_of([&] {
              attention_probabilities(m, {nan});
            }).find("non-finite value on day 1 of 3, column 1 (NaN inputs are refused"),
            std::string::npos);
  AttentionModel broken = m;
  broken.weights.pop_back();
  EXPECT_NE(what_of([&] {
              attention_probabilities(broken, {Matrix::Zero(3, 2)});
            }).find("138 weights, 139 expected"),
            std::string::npos);
  AttentionSpec bad_heads = tiny_spec();
  bad_heads.heads = 3;
  EXPECT_NE(what_of([&] { initial_attention_model(bad_heads, 1); }).find("'heads' must divide"),
            std::string::npos);

  Sample s = lagged_sample(60, 3, 2);
  for (std::size_t i = 0; i < 48; ++i) s.labels[i] = s.labels[i] == 2 ? 1 : s.labels[i];
  const std::string missing = what_of([&] {
    train_attention(s.windows, s.labels, tiny_spec(), quick(), {}, {"lo", "mid", "hi"});
  });
  EXPECT_EQ(missing.rfind("1 ", 0), 0u) << missing;  // ErrorCode::kDataError
  EXPECT_NE(missing.find("class 'hi' has no example in the training window"), std::string::npos);
}

}  // namespace
}  // namespace mre::neural
