// Multi-start EM on the work-items seam (issues 22 and 28): every start of several fits as one
// bag of seeded items gives each fit exactly what hmm::fit gives it alone, whatever the threads;
// a start survives the byte encoding the MPI ranks exchange bit for bit; walk-forward refits
// (fresh fits up front, warm refits in a chain) do not depend on the threads or the items.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/walk_forward.h"

namespace mre::regimes {
namespace {

// A sticky three-regime chain in `D` columns (regime means 0, 2.5 and -2 plus a column offset,
// unit noise); every `gap`-th row has its column 1 missing (gap 0: none).
Matrix simulate(int rows, int D, std::uint64_t seed, int gap = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u;
  Matrix x(rows, D);
  int state = 0;
  const double level[3] = {0.0, 2.5, -2.0};
  for (int t = 0; t < rows; ++t) {
    if (u(rng) < 0.03) state = (state + 1) % 3;
    for (int d = 0; d < D; ++d) x(t, d) = level[state] * (d % 2 == 0 ? 1.0 : -0.5) + z(rng);
    if (gap > 0 && t % gap == 3) x(t, 1) = std::nan("");
  }
  return x;
}

void expect_same_fit(const hmm::GaussianHmmFit& a, const hmm::GaussianHmmFit& b,
                     const std::string& what) {
  // Bit for bit: the same EM runs on the same inputs, whoever ran them.
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a.log_likelihood),
            std::bit_cast<std::uint64_t>(b.log_likelihood))
      << what;
  EXPECT_EQ(a.params.initial, b.params.initial) << what;
  EXPECT_EQ(a.params.transition, b.params.transition) << what;
  EXPECT_EQ(a.params.means, b.params.means) << what;
  ASSERT_EQ(a.params.covariances.size(), b.params.covariances.size()) << what;
  for (std::size_t k = 0; k < a.params.covariances.size(); ++k)
    EXPECT_EQ(a.params.covariances[k], b.params.covariances[k]) << what << " state " << k;
  EXPECT_EQ(a.trace, b.trace) << what;
  EXPECT_EQ(a.start_log_likelihoods, b.start_log_likelihoods) << what;
  EXPECT_EQ(a.start_converged, b.start_converged) << what;
  EXPECT_EQ(a.best_init, b.best_init) << what;
  EXPECT_EQ(a.iterations, b.iterations) << what;
  EXPECT_EQ(a.converged, b.converged) << what;
  EXPECT_EQ(a.starts_at_best, b.starts_at_best) << what;
  EXPECT_EQ(a.reseeded_states, b.reseeded_states) << what;
}

TEST(MultiStart, Issue28_FitManyGivesEachTaskTheFitOfHmmFitBitForBit) {
  const Matrix complete = simulate(500, 3, 1);
  const Matrix gappy = simulate(450, 3, 2, 7);
  const Matrix other = simulate(400, 2, 3);
  // A previous fit's parameters as an extra start (as walk-forward and backfill use them).
  const auto previous = hmm::fit(complete.topRows(300), {.n_states = 3, .n_iter = 50, .n_init = 1});
  std::vector<hmm::FitTask> tasks;
  // Screened starts (em-EM) with an extra start; unscreened starts on data with missing values;
  // another shape; a task whose n_iter is shorter than the screen (screening off).
  tasks.push_back({.data = &complete,
                   .config = {.n_states = 3, .n_iter = 60, .n_init = 4, .seed = 5},
                   .extra_starts = {previous.params}});
  tasks.back().config.screen_iterations = 4;
  tasks.push_back({.data = &gappy,
                   .config = {.n_states = 3, .n_iter = 40, .n_init = 3, .seed = 6},
                   .extra_starts = {previous.params}});
  tasks.push_back(
      {.data = &other, .config = {.n_states = 2, .n_iter = 30, .n_init = 5, .seed = 7}});
  tasks.push_back({.data = &other, .config = {.n_states = 4, .n_iter = 3, .n_init = 2, .seed = 8}});
  tasks.back().config.screen_iterations = 10;
  const ThreadWorkItems two(2);
  const auto together = hmm::fit_many(tasks, two, "test starts");
  ASSERT_EQ(together.size(), tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto alone = tasks[i].config;
    alone.threads = 1;
    expect_same_fit(together[i], hmm::fit(*tasks[i].data, alone, tasks[i].extra_starts),
                    "task " + std::to_string(i));
    EXPECT_EQ(together[i].start_log_likelihoods.size(),
              static_cast<std::size_t>(tasks[i].config.n_init) + tasks[i].extra_starts.size());
  }
  // hmm::fit on explicit work items (three threads) is the same fit again.
  auto on_items = tasks[0].config;
  const ThreadWorkItems three(3);
  on_items.work_items = &three;
  expect_same_fit(hmm::fit(complete, on_items, {previous.params}), together[0], "on items");
  // Bad input is refused before any item runs, naming the parameter.
  auto bad = tasks;
  bad[2].config.n_init = 0;
  try {
    hmm::fit_many(bad, two, "test starts");
    ADD_FAILURE() << "n_init 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("n_init"), std::string::npos) << e.what();
  }
}

TEST(MultiStart, Issue28_AStartSurvivesTheByteEncodingBitForBit) {
  const Matrix x = simulate(300, 3, 4, 9);
  const auto start =
      hmm::run_extra_start(x, {.n_states = 3, .n_iter = 12, .n_init = 1}, 1,
                           hmm::fit(x, {.n_states = 3, .n_iter = 5, .n_init = 1}).params);
  ASSERT_FALSE(start.failed);
  const auto back = hmm::unpack_em_start(hmm::pack_em_start(start));
  EXPECT_EQ(back.params.covariance, start.params.covariance);
  EXPECT_EQ(back.params.initial, start.params.initial);
  EXPECT_EQ(back.params.transition, start.params.transition);
  EXPECT_EQ(back.params.means, start.params.means);
  ASSERT_EQ(back.params.covariances.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k)
    EXPECT_EQ(back.params.covariances[k], start.params.covariances[k]);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(back.log_likelihood),
            std::bit_cast<std::uint64_t>(start.log_likelihood));
  EXPECT_EQ(back.trace, start.trace);
  EXPECT_EQ(back.iterations, start.iterations);
  EXPECT_EQ(back.converged, start.converged);
  EXPECT_EQ(back.monotone, start.monotone);
  EXPECT_EQ(back.reseeded, start.reseeded);
  // A failed start keeps its error (code and message) for the winner rule's answer.
  hmm::EmStart failed;
  failed.failed = true;
  failed.error_code = static_cast<int>(ErrorCode::kDataError);
  failed.error = "state 2: covariance is singular";
  const auto failed_back = hmm::unpack_em_start(hmm::pack_em_start(failed));
  EXPECT_TRUE(failed_back.failed);
  try {
    hmm::best_start({failed_back}, 10);
    ADD_FAILURE() << "every start failed, yet a winner";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_EQ(std::string(e.what()), failed.error);
  }
}

// Walk-forward: the fresh fits (the first, and the refit a late column joins) run up front on
// the items; the warm refits between them run one after another. Neither the threads nor the
// items change any refit or any filtered probability, bit for bit.
TEST(MultiStart, Issue22_WalkForwardRefitsDoNotDependOnTheThreadsOrTheItems) {
  const int T = 1300;
  Matrix x = simulate(T, 3, 9);
  for (Eigen::Index t = 0; t < 500; ++t) x(t, 2) = std::nan("");  // joins at a later refit
  std::vector<Date> dates;
  Date day = *Date::parse("2001-01-01");
  for (int t = 0; t < T; ++t, day = day + 1) dates.push_back(day);
  const WalkForwardConfig schedule{
      .refit_every_months = 6, .min_train_rows = 300, .min_column_observations = 100};
  hmm::GaussianHmmConfig one{.n_states = 3, .n_iter = 40, .n_init = 4, .seed = 3};
  one.threads = 1;
  hmm::GaussianHmmConfig items = one;
  const ThreadWorkItems two(2);
  items.work_items = &two;
  const auto a = walk_forward_hmm(dates, x, one, schedule);
  const auto b = walk_forward_hmm(dates, x, items, schedule);
  ASSERT_EQ(a.refits.size(), b.refits.size());
  ASSERT_GE(a.refits.size(), 4u);
  // Two fresh fits: the first and the one the third column joins.
  EXPECT_EQ(a.refits.front().active_columns.size(), 2u);
  EXPECT_EQ(a.refits.back().active_columns.size(), 3u);
  for (std::size_t j = 0; j < a.refits.size(); ++j)
    expect_same_fit(a.refits[j].fit, b.refits[j].fit, "refit " + std::to_string(j));
  for (Eigen::Index t = 0; t < T; ++t) {
    for (Eigen::Index k = 0; k < 3; ++k) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(a.filtered(t, k)),
                std::bit_cast<std::uint64_t>(b.filtered(t, k)))
          << "row " << t;
    }
  }
}

}  // namespace
}  // namespace mre::regimes
