// Statistical surprises: a release minus a real-time autoregressive forecast fitted only on the
// values before it (issue 17's cpi_surprise_rt and gdp_surprise_rt). Weaker than a surprise
// against a survey consensus: the forecast is a statistical one, and the data are the series as
// stored (revised), not the first releases.
#pragma once

#include <vector>

namespace mre::causal {

struct ArSurpriseOptions {
  int lags = 1;      // p of the AR(p)
  int window = 120;  // estimation rows: the `window` values before t (rolling)
  int min_rows = 0;  // fewest regression rows to forecast; 0: max(3 (p + 1), window / 2)
};

// For each t: OLS of x_s on [1, x_{s-1}, ..., x_{s-p}] over the s in [t - window, t - 1] whose
// regressors and x_s are finite, then surprise_t = x_t - (a + sum_j b_j x_{t-j}). NaN when x_t or
// a needed lag is missing, or the window holds fewer than min_rows usable rows, or the design is
// singular. Uses nothing at or after t to forecast t (no look-ahead). InvalidArgument for
// lags < 1 or window <= lags + 1.
std::vector<double> real_time_ar_surprise(const std::vector<double>& x,
                                          const ArSurpriseOptions& options);

// A surprise orthogonalised in real time to what was known before it (Bauer and Swanson 2023
// orthogonalise their monetary policy surprises to six pre-announcement predictors, over their
// full sample; this does it with the rows before each one). For each t with y_t and every
// predictor finite: OLS of y_s on [1, predictors_s] over every s < t with y_s and its predictors
// finite (expanding), then out_t = y_t - (a + b' predictors_t). NaN when a value is missing, fewer
// than `min_rows` earlier rows are usable, or the design is singular. `predictors[k]` is column k,
// each of y's length (InvalidArgument otherwise, or for min_rows <= predictors + 1). Uses nothing
// at or after t (no look-ahead).
std::vector<double> real_time_orthogonalised(const std::vector<double>& y,
                                             const std::vector<std::vector<double>>& predictors,
                                             int min_rows);

}  // namespace mre::causal
