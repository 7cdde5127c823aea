// The transforms of transforms.h. Rolling statistics keep running moments updated as values
// enter and leave the window (Welford / West updates, stable for large levels) and recompute
// them from the window every kRecomputeEvery positions; expanding statistics use Welford's
// update (Welford 1962; West 1979, "Updating mean and variance estimates").
#include "mre/features/transforms.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "mre/core/check.h"

namespace mre::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool present(double v) { return !std::isnan(v); }

// Linear-interpolated quantile of sorted values, as numpy/pandas 'linear':
// idx = q (n - 1); v[floor] + (v[floor + 1] - v[floor]) * (idx - floor).
template <typename At>
double interpolated_quantile(std::size_t n, double q, At at) {
  const double idx = q * static_cast<double>(n - 1);
  const auto lo = static_cast<std::size_t>(idx);
  const double low = at(lo);
  if (idx == static_cast<double>(lo)) return low;
  const double high = at(lo + 1);
  return low + (high - low) * (idx - static_cast<double>(lo));
}

// Mean and co-moments of one or two series over a sliding window of present values.
struct Moments {
  double n = 0, mean_a = 0, mean_b = 0, m2_a = 0, m2_b = 0, c_ab = 0;
  void add(double a, double b) {
    n += 1;
    const double da = a - mean_a;
    const double db = b - mean_b;
    mean_a += da / n;
    mean_b += db / n;
    m2_a += da * (a - mean_a);
    m2_b += db * (b - mean_b);
    c_ab += da * (b - mean_b);
  }
  void remove(double a, double b) {
    if (n <= 1) {
      *this = Moments{};
      return;
    }
    const double da = a - mean_a;
    const double db = b - mean_b;
    n -= 1;
    mean_a -= da / n;
    mean_b -= db / n;
    m2_a -= da * (a - mean_a);
    m2_b -= db * (b - mean_b);
    c_ab -= da * (b - mean_b);
  }
};

// Runs `emit(t, moments)` for each position whose window t-N+1..t is complete and NaN-free.
template <typename Emit>
void rolling_moments(std::span<const double> a, std::span<const double> b, std::size_t window,
                     Emit emit) {
  Moments m;
  std::size_t missing = 0;  // NaN positions in the current window (in a or b)
  const std::size_t n = a.size();
  for (std::size_t t = 0; t < n; ++t) {
    const bool ok = present(a[t]) && present(b[t]);
    if (ok) {
      m.add(a[t], b[t]);
    } else {
      ++missing;
    }
    if (t >= window) {
      const std::size_t out = t - window;
      if (present(a[out]) && present(b[out])) {
        m.remove(a[out], b[out]);
      } else {
        --missing;
      }
    }
    if (t % kRecomputeEvery == kRecomputeEvery - 1) {  // bound drift: rebuild from the window
      m = Moments{};
      for (std::size_t k = t + 1 - std::min(window, t + 1); k <= t; ++k) {
        if (present(a[k]) && present(b[k])) m.add(a[k], b[k]);
      }
    }
    if (t + 1 >= window && missing == 0) emit(t, m);
  }
}

// run[t] = how many equal values end at t (1 when x_t differs from x_{t-1}).
std::vector<std::size_t> equal_runs(std::span<const double> x) {
  std::vector<std::size_t> run(x.size(), 0);
  for (std::size_t t = 0; t < x.size(); ++t)
    run[t] = t > 0 && x[t] == x[t - 1] ? run[t - 1] + 1 : 1;
  return run;
}

void check_window(std::size_t window, std::size_t minimum) {
  check_arg(window >= minimum, "window", "must be >= " + std::to_string(minimum));
}

}  // namespace

Values winsorize_expanding(std::span<const double> x, double p, std::size_t min_periods) {
  check_arg(p > 0 && p < 0.5, "p", "must be in (0, 0.5)");
  // The quantiles need only the order statistics floor(p(n-1)) and the one after it (and their
  // mirror images at the top), so it suffices to keep the `keep` smallest and the `keep`
  // largest values seen so far in two small sorted buffers; keep = p * (present values) + 3
  // covers every n. Each step is a binary search and a move of at most `keep` values.
  std::size_t total = 0;
  for (double v : x) total += present(v) ? 1 : 0;
  const std::size_t keep = static_cast<std::size_t>(p * static_cast<double>(total)) + 3;
  std::vector<double> smallest;  // ascending
  std::vector<double> largest;   // descending
  smallest.reserve(keep + 1);
  largest.reserve(keep + 1);
  Values out(x.size(), kNaN);
  std::size_t n = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    const double v = x[t];
    if (!present(v)) continue;
    smallest.insert(std::upper_bound(smallest.begin(), smallest.end(), v), v);
    if (smallest.size() > keep) smallest.pop_back();
    largest.insert(std::upper_bound(largest.begin(), largest.end(), v, std::greater<>()), v);
    if (largest.size() > keep) largest.pop_back();
    ++n;
    if (n < min_periods) {
      out[t] = v;
      continue;
    }
    // sorted[k] for small k comes from `smallest`, for large k from `largest`.
    const auto low_at = [&smallest](std::size_t k) { return smallest[k]; };
    const auto high_at = [&largest, n](std::size_t k) { return largest[n - 1 - k]; };
    const double lo = interpolated_quantile(n, p, low_at);
    const double hi = interpolated_quantile(n, 1.0 - p, high_at);
    out[t] = std::clamp(v, lo, hi);
  }
  return out;
}

Values winsorize_full_sample(std::span<const double> x, double p) {
  check_arg(p > 0 && p < 0.5, "p", "must be in (0, 0.5)");
  std::vector<double> sorted;
  for (double v : x) {
    if (present(v)) sorted.push_back(v);
  }
  Values out(x.begin(), x.end());
  if (sorted.empty()) return out;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&sorted](std::size_t k) { return sorted[k]; };
  const double lo = interpolated_quantile(sorted.size(), p, at);
  const double hi = interpolated_quantile(sorted.size(), 1.0 - p, at);
  for (double& v : out) {
    if (present(v)) v = std::clamp(v, lo, hi);
  }
  return out;
}

Values expanding_zscore(std::span<const double> x, std::size_t min_periods) {
  check_arg(min_periods >= 2, "min_periods",
            "must be >= 2 (a standard deviation needs two values)");
  Values out(x.size(), kNaN);
  double n = 0, mean = 0, m2 = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (!present(x[t])) continue;
    if (n >= static_cast<double>(min_periods)) {
      const double sd = std::sqrt(m2 / (n - 1));
      if (sd > 0) out[t] = (x[t] - mean) / sd;
    }
    n += 1;
    const double delta = x[t] - mean;
    mean += delta / n;
    m2 += delta * (x[t] - mean);
  }
  return out;
}

Values rolling_slope(std::span<const double> x, std::size_t window) {
  check_window(window, 2);
  // slope = sum_k (k - c) x_k / sum_k (k - c)^2, c = (N - 1) / 2, k = 0..N-1 over the window;
  // sum_k k x_k is updated as the window slides: T' = T - (S - x_out) + (N - 1) x_in.
  const double n = static_cast<double>(window);
  const double c = (n - 1) / 2;
  const double denominator = n * (n * n - 1) / 12;  // sum_k (k - c)^2
  Values out(x.size(), kNaN);
  double s = 0, weighted = 0;
  std::size_t missing = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    const double in = present(x[t]) ? x[t] : 0.0;
    missing += present(x[t]) ? 0 : 1;
    if (t >= window) {
      const double leaving = present(x[t - window]) ? x[t - window] : 0.0;
      missing -= present(x[t - window]) ? 0 : 1;
      weighted = weighted - (s - leaving) + (n - 1) * in;
      s = s - leaving + in;
    } else {
      weighted += static_cast<double>(t) * in;
      s += in;
    }
    if (t >= window && t % kRecomputeEvery == kRecomputeEvery - 1) {
      s = weighted = 0;
      for (std::size_t k = 0; k < window; ++k) {
        const double v = x[t + 1 - window + k];
        if (!present(v)) continue;
        s += v;
        weighted += static_cast<double>(k) * v;
      }
    }
    if (t + 1 >= window && missing == 0) out[t] = (weighted - c * s) / denominator;
  }
  return out;
}

Values rolling_std(std::span<const double> x, std::size_t window) {
  check_window(window, 2);
  Values out(x.size(), kNaN);
  // A window of identical values has a std of exactly 0 (as pandas), not rounding residue.
  const auto run = equal_runs(x);
  rolling_moments(x, x, window, [&](std::size_t t, const Moments& m) {
    const double var = m.m2_a / (m.n - 1);
    out[t] = run[t] >= window ? 0.0 : std::sqrt(std::max(var, 0.0));
  });
  return out;
}

Values rolling_mean(std::span<const double> x, std::size_t window) {
  check_window(window, 1);
  Values out(x.size(), kNaN);
  rolling_moments(x, x, window, [&out](std::size_t t, const Moments& m) { out[t] = m.mean_a; });
  return out;
}

Values difference(std::span<const double> x, std::size_t k) {
  check_arg(k >= 1, "periods", "must be >= 1");
  Values out(x.size(), kNaN);
  for (std::size_t t = k; t < x.size(); ++t) out[t] = x[t] - x[t - k];
  return out;
}

namespace {
double change(double now, double then, bool log) {
  if (log) return now > 0 && then > 0 ? std::log(now / then) : kNaN;
  return then != 0 ? now / then - 1.0 : kNaN;
}
}  // namespace

Values pct_change(std::span<const double> x, std::size_t k, bool log) {
  check_arg(k >= 1, "horizon", "must be >= 1");
  Values out(x.size(), kNaN);
  for (std::size_t t = k; t < x.size(); ++t) out[t] = change(x[t], x[t - k], log);
  return out;
}

Values forward_returns(std::span<const double> x, std::size_t horizon, bool log) {
  check_arg(horizon >= 1, "horizon", "must be >= 1");
  Values out(x.size(), kNaN);
  for (std::size_t t = 0; t + horizon < x.size(); ++t) out[t] = change(x[t + horizon], x[t], log);
  return out;
}

Values spread(std::span<const double> a, std::span<const double> b) {
  check_arg(a.size() == b.size(), "b", "must be as long as a");
  Values out(a.size());
  for (std::size_t t = 0; t < a.size(); ++t) out[t] = a[t] - b[t];
  return out;
}

Values ratio(std::span<const double> a, std::span<const double> b) {
  check_arg(a.size() == b.size(), "b", "must be as long as a");
  Values out(a.size());
  for (std::size_t t = 0; t < a.size(); ++t) out[t] = b[t] != 0 ? a[t] / b[t] : kNaN;
  return out;
}

Values scale(std::span<const double> x, double factor) {
  Values out(x.size());
  for (std::size_t t = 0; t < x.size(); ++t) out[t] = factor * x[t];
  return out;
}

Values rolling_correlation(std::span<const double> a, std::span<const double> b,
                           std::size_t window) {
  check_window(window, 2);
  check_arg(a.size() == b.size(), "b", "must be as long as a");
  Values out(a.size(), kNaN);
  // A constant window of either series has no correlation (NaN), detected exactly by run
  // length rather than by a running second moment that may keep a rounding residue.
  const auto run_a = equal_runs(a);
  const auto run_b = equal_runs(b);
  rolling_moments(a, b, window, [&](std::size_t t, const Moments& m) {
    if (run_a[t] >= window || run_b[t] >= window || !(m.m2_a > 0 && m.m2_b > 0)) return;
    out[t] = m.c_ab / std::sqrt(m.m2_a * m.m2_b);
  });
  return out;
}

Values yoy(std::span<const Date> dates, std::span<const double> x) {
  check_arg(dates.size() == x.size(), "x", "must have one value per date");
  Values out(x.size(), kNaN);
  std::size_t s = 0;  // first position whose date is after the target
  for (std::size_t t = 0; t < x.size(); ++t) {
    // A month end goes back to the month end a year earlier (2025-02-28 -> 2024-02-29), so on a
    // month-end grid this is exactly pct_change(12) in percent.
    const Date back = dates[t].add_months(-12);
    const Date target = dates[t] == dates[t].end_of_month() ? back.end_of_month() : back;
    while (s < t && dates[s] <= target) ++s;
    if (s == 0) continue;
    const double then = x[s - 1];
    if (dates[s - 1] <= target && then != 0) out[t] = 100.0 * (x[t] / then - 1.0);
  }
  return out;
}

Values ewm_mean(std::span<const double> x, double halflife, std::size_t min_periods) {
  check_arg(halflife > 0 && std::isfinite(halflife), "halflife", "must be a finite number > 0");
  const double decay = std::exp(-std::log(2.0) / halflife);
  Values out(x.size(), kNaN);
  double numerator = 0.0;
  double denominator = 0.0;
  std::size_t present = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    numerator *= decay;
    denominator *= decay;
    if (!std::isnan(x[t])) {
      numerator += x[t];
      denominator += 1.0;
      ++present;
    }
    if (present >= std::max<std::size_t>(min_periods, 1)) out[t] = numerator / denominator;
  }
  return out;
}

namespace {
Values squared_losses(std::span<const double> x) {
  Values out(x.size());
  for (std::size_t t = 0; t < x.size(); ++t)
    out[t] = std::isnan(x[t]) ? kNaN : std::min(x[t], 0.0) * std::min(x[t], 0.0);
  return out;
}
}  // namespace

Values ewm_downside_deviation(std::span<const double> x, double halflife, std::size_t min_periods,
                              bool log) {
  Values out = ewm_mean(squared_losses(x), halflife, min_periods);
  for (double& v : out) {
    if (std::isnan(v)) continue;
    v = std::sqrt(v);
    if (log) v = v > 0 ? std::log(v) : kNaN;
  }
  return out;
}

Values ewm_sortino(std::span<const double> x, double halflife, std::size_t min_periods) {
  const Values mean = ewm_mean(x, halflife, min_periods);
  const Values deviation = ewm_downside_deviation(x, halflife, min_periods, false);
  Values out(x.size(), kNaN);
  for (std::size_t t = 0; t < x.size(); ++t) {
    if (!std::isnan(mean[t]) && deviation[t] > 0) out[t] = mean[t] / deviation[t];
  }
  return out;
}

}  // namespace mre::features
