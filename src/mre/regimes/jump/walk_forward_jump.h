// Walk-forward jump models: refit every N months on an expanding or trailing window of earlier
// rows, then label each row of the following period by online inference (the forward pass of the
// dynamic programme) under that refit's centroids, so the label at t uses rows up to t only.
#pragma once

#include <cstddef>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/regimes/jump/jump_model.h"

namespace mre::regimes::jump {

struct JumpWalkForwardConfig {
  int refit_every_months = 6;  // Shu, Yu & Mulvey (2024): semi-annual refits
  int min_train_rows = 504;    // rows before the first fit
  int train_window_rows = 0;   // 0: expanding window; N: the last N rows before each refit date
  bool standardize = true;     // z-score every column by its training window's mean and sd
  int order_by_column = 0;     // each refit's states ordered by their centroid in this column ...
  bool order_descending = false;  // ... ascending (state 0 the lowest) unless this is set
};

struct JumpRefit {
  Date date;                  // first date the fit labels
  std::size_t first_row = 0;  // training rows [first_row, first_row + rows), all before `date`
  std::size_t rows = 0;
  JumpModelParams
      params;        // centroids (ordered) and the window's standardisation (0 and 1 when off)
  JumpModelFit fit;  // on the standardised window, states already ordered
};

struct JumpWalkForwardResult {
  std::vector<int> labels;  // T; -1 before the first refit date
  Matrix probabilities;     // T x K; NaN rows before the first refit date
  std::vector<JumpRefit> refits;
};

// Refit dates: row min_train_rows, then the first row whose date is on or after the previous
// refit's date plus refit_every_months (from dates up to that row only). Each refit fits on its
// window (standardised with the window's own mean and sd, a column with sd 0 left unscaled),
// orders its states by centroid, and labels rows [refit, next refit) by infer_online run from the
// window's first row, so the forward values are warm when the period starts. Labels at row t are
// therefore identical, bit for bit, whatever rows come after t.
// REQUIRES: dates strictly increasing, one per row; data finite (DataError naming the row);
// min_train_rows >= n_states and < rows; 0 <= order_by_column < columns.
JumpWalkForwardResult walk_forward_jump(const std::vector<Date>& dates, const Matrix& data,
                                        const JumpModelConfig& config,
                                        const JumpWalkForwardConfig& schedule);

// Reorders a fit's states so that state k is the old state order[k]: centroids, probabilities'
// columns, labels, and (continuous) the grid states recomputed by the DP under the new order.
JumpModelFit permute_states(const Matrix& data, const JumpModelFit& fit,
                            const std::vector<int>& order, const JumpModelConfig& config);

}  // namespace mre::regimes::jump
