// Trailing-Sharpe selection among candidate strategies (selection.h).
#include "mre/backtest/selection.h"

#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"

namespace mre::backtest {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

std::vector<std::size_t> month_end_rows(const std::vector<Date>& dates) {
  std::vector<std::size_t> rows;
  for (std::size_t t = 0; t < dates.size(); ++t) {
    const bool last = t + 1 == dates.size();
    if (last || dates[t + 1].month() != dates[t].month() || dates[t + 1].year() != dates[t].year())
      rows.push_back(t);
  }
  return rows;
}

Selection select_by_trailing_sharpe(const std::vector<Date>& dates, const Matrix& excess,
                                    const std::vector<Matrix>& targets,
                                    const std::vector<std::size_t>& reselection_rows,
                                    const SelectionConfig& config) {
  const auto rows = static_cast<Eigen::Index>(dates.size());
  const auto candidates = excess.cols();
  check_arg(candidates >= 1, "excess", "needs at least one candidate");
  check_arg(excess.rows() == rows, "excess", "needs one row per date");
  check_arg(static_cast<Eigen::Index>(targets.size()) == candidates, "targets",
            "needs one matrix per candidate");
  const auto assets = targets.front().cols();
  for (const auto& m : targets) {
    check_arg(m.rows() == rows && m.cols() == assets, "targets", "must all be dates x assets");
  }
  check_arg(config.window_days >= 2, "window_days", "must be >= 2");
  check_arg(config.min_days >= 2 && config.min_days <= config.window_days, "min_days",
            "must be in [2, window_days]");

  Selection out;
  out.targets = Matrix::Constant(rows, assets, kNaN);
  out.chosen_by_row.assign(static_cast<std::size_t>(rows), kNaN);
  std::vector<std::vector<double>> scores;
  for (std::size_t j = 0; j < reselection_rows.size(); ++j) {
    const auto s = static_cast<Eigen::Index>(reselection_rows[j]);
    check_arg(s < rows && (j == 0 || reselection_rows[j - 1] < reselection_rows[j]),
              "reselection_rows", "must be increasing rows of the data");
    // The trailing rows (s - W, s] where every candidate has a return.
    std::vector<Eigen::Index> used;
    for (Eigen::Index t = s; t >= 0 && s - t < static_cast<Eigen::Index>(config.window_days); --t) {
      if (excess.row(t).array().isFinite().all()) used.push_back(t);
    }
    if (used.size() < config.min_days) continue;
    std::vector<double> sharpe(static_cast<std::size_t>(candidates), kNaN);
    std::size_t best = 0;
    double best_value = -std::numeric_limits<double>::infinity();
    bool have_best = false;
    for (Eigen::Index c = 0; c < candidates; ++c) {
      // Two-pass mean and sample sd over the used rows (in date order, as pandas sums them).
      double sum = 0.0;
      for (auto it = used.rbegin(); it != used.rend(); ++it) sum += excess(*it, c);
      const double mean = sum / static_cast<double>(used.size());
      double ss = 0.0;
      for (auto it = used.rbegin(); it != used.rend(); ++it)
        ss += (excess(*it, c) - mean) * (excess(*it, c) - mean);
      const double sd = std::sqrt(ss / static_cast<double>(used.size() - 1));
      const double value =
          sd > 0 ? mean / sd * std::sqrt(static_cast<double>(config.periods_per_year)) : kNaN;
      sharpe[static_cast<std::size_t>(c)] = value;
      if (std::isfinite(value) && (!have_best || value > best_value)) {
        best = static_cast<std::size_t>(c);
        best_value = value;
        have_best = true;
      }
    }
    out.dates.push_back(dates[static_cast<std::size_t>(s)]);
    out.chosen.push_back(best);
    out.window.push_back(used.size());
    scores.push_back(sharpe);
    const Eigen::Index until = j + 1 < reselection_rows.size()
                                   ? static_cast<Eigen::Index>(reselection_rows[j + 1])
                                   : rows - 1;
    for (Eigen::Index t = s + 1; t <= until; ++t) {
      out.targets.row(t) = targets[best].row(t);
      out.chosen_by_row[static_cast<std::size_t>(t)] = static_cast<double>(best);
    }
  }
  out.sharpe.resize(static_cast<Eigen::Index>(scores.size()), candidates);
  for (std::size_t j = 0; j < scores.size(); ++j) {
    for (Eigen::Index c = 0; c < candidates; ++c)
      out.sharpe(static_cast<Eigen::Index>(j), c) = scores[j][static_cast<std::size_t>(c)];
  }
  return out;
}

}  // namespace mre::backtest
