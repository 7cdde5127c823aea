// See attention_walk_forward.h.
#include "mre/neural/attention_walk_forward.h"

#include <cmath>
#include <limits>
#include <string>

#include "mre/core/error.h"

namespace mre::neural {

std::vector<Matrix> windows_ending_at(const Matrix& features, int window,
                                      const std::vector<std::size_t>& rows) {
  std::vector<Matrix> out;
  out.reserve(rows.size());
  for (const std::size_t t : rows) {
    out.push_back(
        features.block(static_cast<Eigen::Index>(t) - window + 1, 0, window, features.cols()));
  }
  return out;
}

std::vector<bool> complete_windows(const Matrix& features, int window) {
  const auto rows = static_cast<std::size_t>(features.rows());
  std::vector<bool> row_ok(rows), out(rows, false);
  for (std::size_t t = 0; t < rows; ++t)
    row_ok[t] = features.row(static_cast<Eigen::Index>(t)).allFinite();
  std::size_t run = 0;  // complete rows ending at t
  for (std::size_t t = 0; t < rows; ++t) {
    run = row_ok[t] ? run + 1 : 0;
    out[t] = run >= static_cast<std::size_t>(window);
  }
  return out;
}

std::vector<std::size_t> attention_schedule(const std::vector<Date>& dates,
                                            const std::vector<int>& labels,
                                            const std::vector<bool>& complete,
                                            const AttentionWalkForwardConfig& config) {
  const std::size_t rows = dates.size();
  const int window = config.spec.window;
  if (config.horizon < 0 || config.horizon > 10'000)
    throw Error(ErrorCode::kInvalidArgument, "attention: horizon must be in 0..10000 rows (got " +
                                                 std::to_string(config.horizon) + ")");
  if (config.refit_every_months < 1 || config.refit_every_months > 1200)
    throw Error(ErrorCode::kInvalidArgument, "attention: refit_every_months must be in 1..1200");
  if (config.min_train_examples < 2)
    throw Error(ErrorCode::kInvalidArgument, "attention: min_train_examples must be >= 2");
  if (labels.size() != rows || complete.size() != rows)
    throw Error(ErrorCode::kInvalidArgument, "attention: one label per row is needed");
  const auto k = static_cast<std::size_t>(config.horizon);
  if (rows < static_cast<std::size_t>(window) + k) {
    throw Error(ErrorCode::kDataError,
                "attention: the window of " + std::to_string(window) + " days (plus the horizon " +
                    std::to_string(config.horizon) + ") is longer than the data (" +
                    std::to_string(rows) + " rows)");
  }
  std::vector<std::size_t> out;
  std::size_t n = 0;
  for (std::size_t r = 1; r < rows; ++r) {
    // The pairs before row r grow by the one whose label row is r - 1 (window end r - 1 - k).
    if (r - 1 >= k && complete[r - 1 - k] && labels[r - 1] >= 0) ++n;
    if (n >= static_cast<std::size_t>(config.min_train_examples)) {
      out.push_back(r);
      break;
    }
  }
  if (out.empty()) {
    throw Error(ErrorCode::kDataError,
                "attention: the data give " + std::to_string(n) +
                    " labelled training pairs (complete windows of " + std::to_string(window) +
                    " days with a known class " + std::to_string(config.horizon) +
                    " rows later), fewer than min_train_examples " +
                    std::to_string(config.min_train_examples) + " (" + std::to_string(rows) +
                    " rows): the first refit never comes");
  }
  for (std::size_t t = out.back() + 1; t < rows; ++t) {
    if (dates[t] >= dates[out.back()].add_months(config.refit_every_months)) out.push_back(t);
  }
  return out;
}

AttentionWalkForwardResult walk_forward_attention(const std::vector<Date>& dates,
                                                  const Matrix& features,
                                                  const std::vector<int>& labels,
                                                  const AttentionWalkForwardConfig& config,
                                                  const std::vector<std::string>& feature_names,
                                                  const std::vector<std::string>& class_names) {
  check_attention_spec(config.spec);
  check_attention_training(config.training);
  const std::size_t rows = dates.size();
  if (static_cast<std::size_t>(features.rows()) != rows || features.cols() != config.spec.inputs)
    throw Error(ErrorCode::kInvalidArgument,
                "attention: the features are " + std::to_string(features.rows()) + " x " +
                    std::to_string(features.cols()) + ", expected " + std::to_string(rows) +
                    " dates x " + std::to_string(config.spec.inputs) + " inputs");
  for (std::size_t t = 1; t < rows; ++t) {
    if (!(dates[t - 1] < dates[t]))
      throw Error(ErrorCode::kInvalidArgument, "attention: dates must be strictly increasing");
  }
  for (const int y : labels) {
    if (y < -1 || y >= config.spec.classes)
      throw Error(ErrorCode::kInvalidArgument,
                  "attention: a label is outside -1.." + std::to_string(config.spec.classes - 1));
  }
  const std::vector<bool> complete = complete_windows(features, config.spec.window);
  const auto schedule = attention_schedule(dates, labels, complete, config);
  const int window = config.spec.window;
  const auto k = static_cast<std::size_t>(config.horizon);
  AttentionWalkForwardResult out;
  out.probabilities = Matrix::Constant(static_cast<Eigen::Index>(rows), config.spec.classes,
                                       std::numeric_limits<double>::quiet_NaN());
  out.refit_of_row.assign(rows, -1);
  for (std::size_t j = 0; j < schedule.size(); ++j) {
    const std::size_t r = schedule[j];
    const std::size_t next = j + 1 < schedule.size() ? schedule[j + 1] : rows;
    std::vector<std::size_t> pair_rows;
    std::vector<int> pair_labels;
    for (std::size_t t = static_cast<std::size_t>(window - 1); t + k < r; ++t) {
      if (!complete[t] || labels[t + k] < 0) continue;
      pair_rows.push_back(t);
      pair_labels.push_back(labels[t + k]);
    }
    AttentionRefit refit;
    refit.date = dates[r];
    refit.row = r;
    refit.train_first = dates[pair_rows.front()];
    refit.train_last = dates[pair_rows.back()];
    refit.label_last = dates[pair_rows.back() + k];
    try {
      refit.fit = train_attention(windows_ending_at(features, window, pair_rows), pair_labels,
                                  config.spec, config.training, feature_names, class_names);
    } catch (const Error& e) {
      throw Error(e.code(), std::string(e.what()) + " (refit of " + dates[r].iso() +
                                ", training days " + refit.train_first.iso() + ".." +
                                refit.train_last.iso() + ")");
    }
    refit.fit.model.train_first = refit.train_first.iso();
    refit.fit.model.train_last = refit.train_last.iso();
    std::vector<std::size_t> serve;
    for (std::size_t t = r; t < next; ++t) {
      out.refit_of_row[t] = static_cast<int>(j);
      if (complete[t]) serve.push_back(t);  // masked: a window with a missing value
    }
    const Matrix p =
        serve.empty()
            ? Matrix(0, config.spec.classes)
            : attention_probabilities(refit.fit.model, windows_ending_at(features, window, serve));
    for (std::size_t i = 0; i < serve.size(); ++i) {
      out.probabilities.row(static_cast<Eigen::Index>(serve[i])) =
          p.row(static_cast<Eigen::Index>(i));
    }
    out.refits.push_back(std::move(refit));
  }
  return out;
}

}  // namespace mre::neural
