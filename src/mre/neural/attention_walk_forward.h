// The attention network trained walk-forward (issue 24): refits on MR-AI-04's schedule (every
// `refit_every_months` months, expanding window), each refit trained only on pairs whose label was
// known before its refit date, each day classified by the refit in force. Plain C++, no torch (the
// network calls go through attention.h: Unsupported without LibTorch).
//
// Pairs: the window of days t-L+1..t (L = spec.window) and the class of day t + k (k = horizon in
// rows; k = 0 classifies day t, k >= 1 forecasts). A refit at row r trains on every pair with
// t + k < r (the label's day before the refit date: known then) and serves rows r .. next refit -
// 1, so nothing at row t depends on rows after t (tested by removing them).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/neural/attention.h"

namespace mre::neural {

struct AttentionWalkForwardConfig {
  AttentionSpec spec{};  // spec.inputs must equal the feature columns
  AttentionTraining training{};
  int horizon = 0;               // k: rows ahead of the window's last day (0: classify now)
  int refit_every_months = 6;    // MR-AI-04: semi-annual
  int min_train_examples = 504;  // training pairs before the first refit (two business years)
};

struct AttentionRefit {
  Date date{};          // first date it serves (the refit date)
  std::size_t row = 0;  // its row
  Date train_first{};   // day t of the first and last training pair
  Date train_last{};
  Date label_last{};   // the last label day used (train_last + k rows; before `date`)
  AttentionFit fit{};  // fit.model.train_first / train_last are set (ISO)
};

struct AttentionWalkForwardResult {
  Matrix probabilities;             // T x C; NaN rows before the first refit
  std::vector<int> refit_of_row{};  // per row: the serving refit's index, -1 before the first
  std::vector<AttentionRefit> refits{};
};

// Per row t: whether the window of the `window` rows ending at t is complete (every value finite).
std::vector<bool> complete_windows(const Matrix& features, int window);

// The refit rows: the first row r with min_train_examples pairs (complete window ending at t,
// known label at t + k < r), then the first row on or after the previous refit's date +
// refit_every_months months, while rows remain. `labels[t]` is the class of row t's date (-1:
// unknown). DataError when the window is longer than the data or the first refit never comes
// (naming the counts).
std::vector<std::size_t> attention_schedule(const std::vector<Date>& dates,
                                            const std::vector<int>& labels,
                                            const std::vector<bool>& complete,
                                            const AttentionWalkForwardConfig& config);

// REQUIRES: dates strictly increasing, one per row of `features` (T x F; NaN = missing),
// labels.size() == T with values in [-1, C). Missing values are MASKED: a window holding one is
// neither a training pair nor classified (its row keeps NaN probabilities), decided from the window
// alone. DataError from a refit names its date (e.g. a class with no example in its training
// window). The probabilities of rows up to any date D are the same, bit for bit, whatever rows
// follow D.
AttentionWalkForwardResult walk_forward_attention(const std::vector<Date>& dates,
                                                  const Matrix& features,
                                                  const std::vector<int>& labels,
                                                  const AttentionWalkForwardConfig& config,
                                                  const std::vector<std::string>& feature_names,
                                                  const std::vector<std::string>& class_names);

// The windows ending at `rows` (each L x F, oldest day first). REQUIRES rows[i] >= L - 1.
std::vector<Matrix> windows_ending_at(const Matrix& features, int window,
                                      const std::vector<std::size_t>& rows);

}  // namespace mre::neural
