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

}  // namespace mre::causal
