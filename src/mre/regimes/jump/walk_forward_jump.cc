// Walk-forward refits of a jump model with per-window standardisation and online labels.
#include "mre/regimes/jump/walk_forward_jump.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::regimes::jump {

JumpModelFit permute_states(const Matrix& data, const JumpModelFit& fit,
                            const std::vector<int>& order, const JumpModelConfig& config) {
  const auto K = static_cast<Eigen::Index>(order.size());
  check_arg(K == fit.centers.rows(), "order", "must list every state once");
  JumpModelFit out = fit;
  std::vector<int> inverse(order.size());
  for (Eigen::Index k = 0; k < K; ++k) {
    out.centers.row(k) = fit.centers.row(order[static_cast<std::size_t>(k)]);
    out.probabilities.col(k) = fit.probabilities.col(order[static_cast<std::size_t>(k)]);
    inverse[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])] = static_cast<int>(k);
  }
  for (auto& label : out.labels) label = inverse[static_cast<std::size_t>(label)];
  out.empty_states = empty_states_of(out.centers);
  if (!config.continuous) {
    for (auto& s : out.states) s = inverse[static_cast<std::size_t>(s)];
  } else {
    // Grid indices do not permute simply: take the DP path under the reordered centroids (the
    // grid is symmetric, so it is the same path with permuted vectors up to ties).
    const auto smoothed = infer_smoothed(data, out.centers, config);
    out.states = smoothed.states;
    out.probabilities = smoothed.probabilities;
    out.labels = smoothed.labels;
  }
  return out;
}

JumpWalkForwardResult walk_forward_jump(const std::vector<Date>& dates, const Matrix& data,
                                        const JumpModelConfig& config,
                                        const JumpWalkForwardConfig& schedule) {
  const auto T = static_cast<std::size_t>(data.rows());
  check_arg(dates.size() == T, "dates", "must have one date per row");
  for (std::size_t t = 1; t < T; ++t)
    check_arg(dates[t - 1] < dates[t], "dates", "must be strictly increasing");
  check_arg(schedule.refit_every_months >= 1, "refit_every_months", "must be >= 1");
  check_arg(schedule.min_train_rows >= std::max(2, config.n_states), "min_train_rows",
            "must be at least 2 and at least n_states (" + std::to_string(config.n_states) +
                "; got " + std::to_string(schedule.min_train_rows) + ")");
  check_arg(static_cast<std::size_t>(schedule.min_train_rows) < T, "min_train_rows",
            "(" + std::to_string(schedule.min_train_rows) +
                ") must be fewer than the rows of data (" + std::to_string(T) + ")");
  check_arg(
      schedule.train_window_rows == 0 || schedule.train_window_rows >= schedule.min_train_rows,
      "train_window_rows", "must be 0 (expanding) or at least min_train_rows");
  check_arg(schedule.order_by_column >= 0 && schedule.order_by_column < data.cols(),
            "order_by_column", "must name one of the data's columns");
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    for (std::size_t t = 0; t < T; ++t) {
      if (!std::isfinite(data(static_cast<Eigen::Index>(t), d))) {
        throw Error(ErrorCode::kDataError, "jump model: column " + std::to_string(d) +
                                               " has a missing or non-finite value in row " +
                                               std::to_string(t) + " (" + dates[t].iso() + ")");
      }
    }
  }
  std::vector<std::size_t> points{static_cast<std::size_t>(schedule.min_train_rows)};
  for (std::size_t t = points.front() + 1; t < T; ++t) {
    if (dates[t] >= dates[points.back()].add_months(schedule.refit_every_months))
      points.push_back(t);
  }
  const int K = config.n_states;
  JumpWalkForwardResult out;
  out.labels.assign(T, -1);
  out.probabilities = Matrix::Constant(data.rows(), K, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t j = 0; j < points.size(); ++j) {
    const std::size_t start = points[j];
    const std::size_t end = j + 1 < points.size() ? points[j + 1] : T;
    const std::size_t first = schedule.train_window_rows > 0 &&
                                      start > static_cast<std::size_t>(schedule.train_window_rows)
                                  ? start - static_cast<std::size_t>(schedule.train_window_rows)
                                  : 0;
    try {
      JumpRefit refit;
      refit.date = dates[start];
      refit.first_row = first;
      refit.rows = start - first;
      const Matrix window =
          data.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(refit.rows));
      JumpModelParams& params = refit.params;
      params.config = config;
      params.mean = Vector::Zero(data.cols());
      params.scale = Vector::Ones(data.cols());
      if (schedule.standardize) {
        params.mean = window.colwise().mean().transpose();
        for (Eigen::Index d = 0; d < data.cols(); ++d) {
          const double ss = (window.col(d).array() - params.mean(d)).square().sum();
          const double sd = std::sqrt(ss / static_cast<double>(window.rows() - 1));
          params.scale(d) = sd > 0 ? sd : 1.0;
        }
      }
      const Matrix x = standardise(window, params);
      JumpModelFit fit_raw = fit(x, config);
      const auto order =
          order_states(fit_raw.centers, static_cast<Eigen::Index>(schedule.order_by_column),
                       schedule.order_descending);
      refit.fit = permute_states(x, fit_raw, order, config);
      params.centers = refit.fit.centers;
      // Online labels for [start, end): the forward pass from the window's first row.
      const Matrix run = standardise(
          data.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(end - first)),
          params);
      const auto online = infer_online(run, refit.fit.centers, config);
      for (std::size_t t = start; t < end; ++t) {
        out.labels[t] = online.labels[t - first];
        out.probabilities.row(static_cast<Eigen::Index>(t)) =
            online.probabilities.row(static_cast<Eigen::Index>(t - first));
      }
      out.refits.push_back(std::move(refit));
    } catch (const Error& e) {
      throw Error(e.code(), "walk-forward refit for " + dates[start].iso() + " (" +
                                std::to_string(start - first) + " rows): " + e.what());
    }
  }
  return out;
}

}  // namespace mre::regimes::jump
