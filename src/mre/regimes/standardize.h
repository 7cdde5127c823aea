// Look-ahead-free standardisation of HMM inputs (issue 18): each value becomes its z-score
// against the mean and sample standard deviation of its column's values up to and including its
// own row, so a row's input never depends on later rows.
#pragma once

#include "mre/core/linalg.h"

namespace mre::regimes {

// z(t, d) = (x(t, d) - mean_d(0..t)) / sd_d(0..t) over the present values of column d in rows
// 0..t (Welford's update; sd with n - 1). NaN where x(t, d) is NaN, where fewer than
// `min_observations` values of the column are present up to t, or where sd is 0.
// REQUIRES: min_observations >= 2 and <= data.rows() (InvalidArgument naming `standardize:
// min_observations` and both numbers otherwise: a window longer than the data).
Matrix expanding_zscore(const Matrix& data, int min_observations);

}  // namespace mre::regimes
