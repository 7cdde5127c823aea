// The walk-forward attention network (neural/attention_walk_forward.h): the refit schedule (first
// refit when enough labelled pairs exist before it, then every six months), training pairs with
// labels known before each refit, masked windows, the probabilities up to a date unchanged bit
// for bit when later rows are removed, and a window longer than the data refused.
#include "mre/neural/attention_walk_forward.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "mre/core/error.h"
#include "mre/scm/random.h"

namespace mre::neural {
namespace {

struct Data {
  std::vector<Date> dates;
  Matrix x;
  std::vector<int> labels;
};

// Daily dates; class of day t: the sign pattern of feature 0 on day t - 1.
Data sample(int n) {
  scm::PathRandom rng(9, 0);
  Data d;
  d.x.resize(n, 2);
  for (int t = 0; t < n; ++t) {
    d.dates.push_back(Date::from_ymd(2020, 1, 1) + t);
    d.x.row(t) << rng.normal(), rng.normal();
  }
  for (int t = 0; t < n; ++t) {
    const double v = t > 0 ? d.x(t - 1, 0) : 0.0;
    d.labels.push_back(v < -0.4 ? 0 : (v < 0.4 ? 1 : 2));
  }
  return d;
}

AttentionWalkForwardConfig tiny() {
  AttentionWalkForwardConfig c;
  c.spec.inputs = 2;
  c.spec.hidden = 4;
  c.spec.heads = 2;
  c.spec.window = 3;
  c.spec.classes = 3;
  c.training.epochs = 2;
  c.training.patience = 1;
  c.training.batch = 32;
  c.training.seed = 1;
  c.horizon = 1;
  c.refit_every_months = 3;
  c.min_train_examples = 100;
  return c;
}

TEST(AttentionWalkForward, ScheduleStartsWhenEnoughPairsAreKnown) {
  const Data d = sample(400);
  const auto c = tiny();
  const auto rows = attention_schedule(d.dates, d.labels, complete_windows(d.x, 3), c);
  // Pairs: window ends t >= 2 with label row t + 1 < r: t = 2..r-2, i.e. r - 3 pairs; 100 at
  // r = 103.
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], 103u);
  for (std::size_t j = 1; j < rows.size(); ++j)
    EXPECT_EQ(d.dates[rows[j]], d.dates[rows[j - 1]].add_months(3));  // daily dates: exact
}

TEST(AttentionWalkForward, EarlierRowsIgnoreLaterRows) {
  const Data d = sample(330);
  const auto c = tiny();
  const auto full = walk_forward_attention(d.dates, d.x, d.labels, c, {"a", "b"}, {});
  ASSERT_GE(full.refits.size(), 2u);
  for (const auto& r : full.refits) EXPECT_LT(r.label_last, r.date);
  const int cut = 250;  // inside the second refit's period
  Data part = d;
  part.dates.resize(cut);
  part.labels.resize(cut);
  part.x.conservativeResize(cut, 2);
  const auto some = walk_forward_attention(part.dates, part.x, part.labels, c, {"a", "b"}, {});
  for (int t = 0; t < cut; ++t) {
    for (int k = 0; k < 3; ++k) {
      const double a = full.probabilities(t, k), b = some.probabilities(t, k);
      EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << t;  // bit for bit (NaN before the first)
    }
  }
  EXPECT_TRUE(some.probabilities.row(cut - 1).allFinite());
}

TEST(AttentionWalkForward, AWindowLongerThanTheDataIsRefused) {
  const Data d = sample(10);
  auto c = tiny();
  c.spec.window = 12;
  try {
    walk_forward_attention(d.dates, d.x, d.labels, c, {}, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("the window of 12 days (plus the horizon 1) is longer "
                                         "than the data (10 rows)"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace mre::neural
