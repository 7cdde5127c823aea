// Expanding-window refits with label alignment, and the filter run under each refit's
// parameters for its own period.
#include "mre/regimes/walk_forward.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/core/progress.h"
#include "mre/core/work_items.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/mapping/hungarian.h"

namespace mre::regimes {

hmm::GaussianHmmParams permute_states(const hmm::GaussianHmmParams& params,
                                      const std::vector<int>& order) {
  hmm::GaussianHmmParams out = params;
  const auto K = static_cast<Eigen::Index>(order.size());
  for (Eigen::Index k = 0; k < K; ++k) {
    const int from = order[static_cast<std::size_t>(k)];
    out.means.row(k) = params.means.row(from);
    out.covariances[static_cast<std::size_t>(k)] =
        params.covariances[static_cast<std::size_t>(from)];
    out.initial(k) = params.initial(from);
    for (Eigen::Index j = 0; j < K; ++j)
      out.transition(k, j) = params.transition(from, order[static_cast<std::size_t>(j)]);
  }
  return out;
}

namespace {

// The order of `fitted`'s states that best matches `reference`'s, by squared distance between
// means scaled by the data's spread.
std::vector<int> match_to(const hmm::GaussianHmmParams& reference,
                          const hmm::GaussianHmmParams& fitted, const Vector& spread) {
  const Eigen::Index K = reference.means.rows();
  Matrix cost(K, K);
  for (Eigen::Index a = 0; a < K; ++a) {
    for (Eigen::Index b = 0; b < K; ++b) {
      cost(a, b) =
          ((reference.means.row(a) - fitted.means.row(b)).transpose().cwiseQuotient(spread))
              .squaredNorm();
    }
  }
  return mapping::hungarian(cost).column_of_row;
}

}  // namespace

std::vector<int> align_states(const hmm::GaussianHmmParams& reference,
                              const hmm::GaussianHmmParams& fitted, const Vector& scale) {
  check_arg(
      reference.n_states() == fitted.n_states() && reference.n_features() == fitted.n_features(),
      "fitted", "must have the reference's number of states and features");
  check_arg(scale.size() == reference.n_features() && (scale.array() > 0).all(), "scale",
            "must hold one positive value per feature");
  return match_to(reference, fitted, scale);
}

namespace {

hmm::GaussianHmmParams restrict_to(const hmm::GaussianHmmParams& p,
                                   const std::vector<int>& columns) {
  hmm::GaussianHmmParams out = p;
  const auto n = static_cast<Eigen::Index>(columns.size());
  out.means.resize(p.means.rows(), n);
  for (Eigen::Index j = 0; j < n; ++j)
    out.means.col(j) = p.means.col(columns[static_cast<std::size_t>(j)]);
  for (std::size_t k = 0; k < p.covariances.size(); ++k) {
    Matrix c(n, n);
    for (Eigen::Index a = 0; a < n; ++a) {
      for (Eigen::Index b = 0; b < n; ++b)
        c(a, b) = p.covariances[k](columns[static_cast<std::size_t>(a)],
                                   columns[static_cast<std::size_t>(b)]);
    }
    out.covariances[k] = c;
  }
  return out;
}

// The fitted sub-model placed in all D columns; an inactive column gets the same mean (its
// training mean, or 0 without values) and variance (its training variance, or 1) in every state
// and no covariance, so its density factor is the same under every state and cancels.
hmm::GaussianHmmParams embed(const hmm::GaussianHmmParams& sub, const std::vector<int>& columns,
                             const Matrix& train) {
  const Eigen::Index D = train.cols();
  const int K = sub.n_states();
  hmm::GaussianHmmParams out = sub;
  out.means = Matrix::Zero(K, D);
  out.covariances.assign(static_cast<std::size_t>(K), Matrix::Zero(D, D));
  for (Eigen::Index d = 0; d < D; ++d) {
    double n = 0, sum = 0, sum2 = 0;
    for (Eigen::Index t = 0; t < train.rows(); ++t) {
      const double v = train(t, d);
      if (std::isnan(v)) continue;
      n += 1;
      sum += v;
      sum2 += v * v;
    }
    const double mean = n > 0 ? sum / n : 0.0;
    const double var = n > 1 ? (sum2 - sum * sum / n) / (n - 1) : 1.0;
    for (int k = 0; k < K; ++k) {
      out.means(k, d) = mean;
      out.covariances[static_cast<std::size_t>(k)](d, d) = var > 0 ? var : 1.0;
    }
  }
  for (std::size_t a = 0; a < columns.size(); ++a) {
    for (int k = 0; k < K; ++k) {
      out.means(k, columns[a]) = sub.means(k, static_cast<Eigen::Index>(a));
      for (std::size_t b = 0; b < columns.size(); ++b) {
        out.covariances[static_cast<std::size_t>(k)](columns[a], columns[b]) =
            sub.covariances[static_cast<std::size_t>(k)](static_cast<Eigen::Index>(a),
                                                         static_cast<Eigen::Index>(b));
      }
    }
  }
  return out;
}

}  // namespace

WalkForwardResult walk_forward_hmm(const std::vector<Date>& dates, const Matrix& data,
                                   const hmm::GaussianHmmConfig& config,
                                   const WalkForwardConfig& schedule) {
  const auto T = static_cast<std::size_t>(data.rows());
  check_arg(dates.size() == T, "dates", "must have one date per row");
  check_arg(schedule.refit_every_months >= 1, "refit_every_months", "must be >= 1");
  check_arg(schedule.min_train_rows >= 2 && static_cast<std::size_t>(schedule.min_train_rows) < T,
            "min_train_rows", "must be at least 2 and fewer than the rows of data");
  check_arg(schedule.min_column_observations >= 2, "min_column_observations", "must be >= 2");
  // The row by which each column has min_column_observations values (T if never).
  const auto needed = static_cast<std::size_t>(schedule.min_column_observations);
  std::vector<std::size_t> ready(static_cast<std::size_t>(data.cols()), T);
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    std::size_t seen = 0;
    for (std::size_t t = 0; t < T; ++t) {
      seen += std::isnan(data(static_cast<Eigen::Index>(t), d)) ? 0 : 1;
      if (seen == needed) {
        ready[static_cast<std::size_t>(d)] = t + 1;  // rows [0, t] hold them: usable from row t + 1
        break;
      }
    }
  }
  const std::size_t earliest = *std::min_element(ready.begin(), ready.end());
  if (earliest >= T) {
    throw Error(ErrorCode::kDataError,
                "no column has " + std::to_string(schedule.min_column_observations) +
                    " values before the end of the data: no walk-forward fit is possible");
  }
  // Refit points: once min_train_rows rows exist and some column is ready, then the first date
  // on or after the previous refit date plus N months. Determined by dates up to the point only.
  std::vector<std::size_t> points{
      std::max(static_cast<std::size_t>(schedule.min_train_rows), earliest)};
  if (points.front() >= T) {
    throw Error(ErrorCode::kDataError, "the data end before the first walk-forward fit (" +
                                           std::to_string(points.front()) + " rows needed)");
  }
  for (std::size_t t = points.front() + 1; t < T; ++t) {
    if (dates[t] >= dates[points.back()].add_months(schedule.refit_every_months))
      points.push_back(t);
  }
  // Spread of each feature on the rows before the first refit (1 without two values), for
  // matching means across refits.
  Vector spread(data.cols());
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    double sum = 0, sum2 = 0, n = 0;
    for (std::size_t t = 0; t < points.front(); ++t) {
      const double v = data(static_cast<Eigen::Index>(t), d);
      if (std::isnan(v)) continue;
      sum += v;
      sum2 += v * v;
      n += 1;
    }
    const double var = n > 1 ? (sum2 - sum * sum / n) / (n - 1) : 1.0;
    spread(d) = var > 0 ? std::sqrt(var) : 1.0;
  }
  WalkForwardResult out;
  const int K = config.n_states;
  out.filtered = Matrix::Constant(data.rows(), K, std::numeric_limits<double>::quiet_NaN());
  // Each refit's active columns and training matrix (those columns of the rows before it).
  std::vector<std::vector<int>> actives(points.size());
  for (std::size_t j = 0; j < points.size(); ++j) {
    for (Eigen::Index d = 0; d < data.cols(); ++d) {
      if (ready[static_cast<std::size_t>(d)] <= points[j])
        actives[j].push_back(static_cast<int>(d));
    }
  }
  const auto training = [&](std::size_t j) {
    Matrix sub(static_cast<Eigen::Index>(points[j]), static_cast<Eigen::Index>(actives[j].size()));
    for (std::size_t a = 0; a < actives[j].size(); ++a) {
      sub.col(static_cast<Eigen::Index>(a)) =
          data.col(actives[j][a]).head(static_cast<Eigen::Index>(points[j]));
    }
    return sub;
  };
  // The fresh multi-start fits (the first refit, and each refit a column joins) depend on no
  // other refit: their starts all run up front as work items (core/work_items.h), on the
  // config's work items or its threads. The refits between them continue from the previous
  // parameters, one after another.
  std::vector<std::size_t> fresh;
  for (std::size_t j = 0; j < points.size(); ++j) {
    if (j == 0 || actives[j] != actives[j - 1]) fresh.push_back(j);
  }
  std::vector<Matrix> fresh_data;
  fresh_data.reserve(fresh.size());
  for (const std::size_t j : fresh) fresh_data.push_back(training(j));
  std::vector<hmm::FitTask> tasks;
  tasks.reserve(fresh_data.size());
  for (const auto& sub : fresh_data) tasks.push_back({.data = &sub, .config = config});
  const auto named = [&](std::size_t j, const Error& e) {
    return Error(e.code(), "walk-forward refit for " + dates[points[j]].iso() + " (" +
                               std::to_string(points[j]) + " rows): " + e.what());
  };
  for (std::size_t f = 0; f < fresh.size(); ++f) {
    try {
      hmm::check_fit_inputs(fresh_data[f], config);
    } catch (const Error& e) {
      throw named(fresh[f], e);
    }
  }
  std::vector<hmm::GaussianHmmFit> fresh_fits;
  {
    const ThreadWorkItems local(config.threads, /*report_progress=*/false);
    const WorkItems& items = config.work_items ? *config.work_items : local;
    const auto starts = hmm::run_starts(tasks, items, "walk-forward fresh fits (EM starts)");
    for (std::size_t f = 0; f < fresh.size(); ++f) {
      try {
        fresh_fits.push_back(hmm::best_start(starts[f], fresh_data[f].rows()));
      } catch (const Error& e) {
        throw named(fresh[f], e);
      }
    }
  }
  for (std::size_t j = 0; j < points.size(); ++j) {
    report_progress("walk-forward refits", static_cast<std::int64_t>(j),
                    static_cast<std::int64_t>(points.size()));
    const std::size_t start = points[j];
    const std::size_t end = j + 1 < points.size() ? points[j + 1] : T;
    const Matrix train = data.topRows(static_cast<Eigen::Index>(start));
    const std::vector<int>& active = actives[j];
    const auto fresh_at = std::find(fresh.begin(), fresh.end(), j);
    hmm::GaussianHmmFit fit;
    try {
      if (out.refits.empty()) {
        fit = fresh_fits[static_cast<std::size_t>(fresh_at - fresh.begin())];
        // Order the first fit's states by their mean of the first active feature, so labels do
        // not depend on the initialisation's arbitrary order.
        std::vector<int> order(static_cast<std::size_t>(K));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
          return fit.params.means(a, 0) < fit.params.means(b, 0);
        });
        fit.params = embed(permute_states(fit.params, order), active, train);
      } else {
        const auto& last = out.refits.back();
        const auto& previous = last.fit.params;
        if (fresh_at == fresh.end()) {
          fit = hmm::fit_from(training(j), restrict_to(previous, active), config);
        } else {
          // A column joined: the fresh multi-start fit made above.
          fit = fresh_fits[static_cast<std::size_t>(fresh_at - fresh.begin())];
        }
        fit.params = embed(fit.params, active, train);
        // Align on the columns both fits use (others weigh nothing).
        Vector scale = Vector::Constant(data.cols(), 1e150);
        for (const int d : last.active_columns) scale(d) = spread(d);
        fit.params = permute_states(fit.params, match_to(previous, fit.params, scale));
      }
      // Filter from the first row under this fit's parameters; keep rows [start, end).
      const Matrix window = data.topRows(static_cast<Eigen::Index>(end));
      const auto filtered = hmm::forward_filter(hmm::log_emission(fit.params, window),
                                                fit.params.transition, fit.params.initial)
                                .filtered;
      out.filtered.middleRows(static_cast<Eigen::Index>(start),
                              static_cast<Eigen::Index>(end - start)) =
          filtered.middleRows(static_cast<Eigen::Index>(start),
                              static_cast<Eigen::Index>(end - start));
      out.refits.push_back({dates[start], start, std::move(fit), active});
    } catch (const Error& e) {
      throw Error(e.code(), "walk-forward refit for " + dates[start].iso() + " (" +
                                std::to_string(start) + " rows): " + e.what());
    }
  }
  report_progress("walk-forward refits", static_cast<std::int64_t>(points.size()),
                  static_cast<std::int64_t>(points.size()));
  return out;
}

}  // namespace mre::regimes
