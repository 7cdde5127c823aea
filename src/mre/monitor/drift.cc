// Drift statistics: see drift.h for the formulas and citations.
#include "mre/monitor/drift.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "mre/core/check.h"

namespace mre::monitor {
namespace {

void check_sample(std::span<const double> values, std::size_t minimum, const char* what) {
  if (values.size() < minimum) {
    throw Error(ErrorCode::kDataError, std::string(what) + ": need at least " +
                                           std::to_string(minimum) + " values (got " +
                                           std::to_string(values.size()) + ")");
  }
  for (const double v : values) {
    if (!std::isfinite(v))
      throw Error(ErrorCode::kDataError, std::string(what) + ": values must be finite");
  }
}

std::vector<double> sorted(std::span<const double> values) {
  std::vector<double> out(values.begin(), values.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<double> decile_edges(std::span<const double> training) {
  check_sample(training, 2, "training");
  const auto a = sorted(training);
  const double n = static_cast<double>(a.size());
  std::vector<double> edges;
  for (int k = 1; k <= 9; ++k) {
    const double q = k / 10.0;
    const double index = n * q - q;  // numpy's virtual index for alpha = beta = 1
    const double below = std::floor(index);
    const double t = index - below;
    const auto lo = static_cast<std::size_t>(below);
    const auto hi = std::min(lo + 1, a.size() - 1);
    const double diff = a[hi] - a[lo];
    edges.push_back(t >= 0.5 ? a[hi] - diff * (1.0 - t) : a[lo] + diff * t);
  }
  return edges;
}

PsiResult population_stability_index(std::span<const double> training,
                                     std::span<const double> current) {
  check_sample(training, 2, "training");
  check_sample(current, 1, "current");
  const auto edges = decile_edges(training);
  const auto shares = [&](std::span<const double> values) {
    std::vector<double> counts(10, 0.0);
    for (const double v : values) {
      const auto bin = std::lower_bound(edges.begin(), edges.end(), v) - edges.begin();
      counts[static_cast<std::size_t>(bin)] += 1.0;
    }
    for (auto& c : counts) c /= static_cast<double>(values.size());
    return counts;
  };
  PsiResult out;
  out.expected = shares(training);
  out.actual = shares(current);
  for (std::size_t b = 0; b < 10; ++b) {
    for (double* share : {&out.expected[b], &out.actual[b]}) {
      if (*share == 0.0) {
        *share = kPsiFloor;
        ++out.floored;
      }
    }
    out.psi += (out.actual[b] - out.expected[b]) * std::log(out.actual[b] / out.expected[b]);
  }
  return out;
}

double kolmogorov_sf(double lambda) {
  if (!(lambda > 0)) return 1.0;
  if (lambda < 1.0) {
    // Jacobi's theta form, which converges fast for small l:
    // 1 - Q = sqrt(2 pi) / l sum_{k>=1} exp(-(2k - 1)^2 pi^2 / (8 l^2)).
    double sum = 0.0;
    for (int k = 1; k <= 100; ++k) {
      const double term = std::exp(-std::pow(2.0 * k - 1.0, 2) * std::numbers::pi *
                                   std::numbers::pi / (8.0 * lambda * lambda));
      sum += term;
      if (term < 1e-300 || term < sum * 1e-17) break;
    }
    return 1.0 - std::sqrt(2.0 * std::numbers::pi) / lambda * sum;
  }
  double sum = 0.0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 == 1 ? term : -term);
    if (term < 1e-300 || term < std::abs(sum) * 1e-17) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

KsResult ks_two_sample(std::span<const double> a, std::span<const double> b) {
  check_sample(a, 1, "sample a");
  check_sample(b, 1, "sample b");
  const auto x = sorted(a);
  const auto y = sorted(b);
  const double m = static_cast<double>(x.size());
  const double n = static_cast<double>(y.size());
  // Walk both sorted samples together; at each distinct value both CDFs have passed every copy
  // of it (searchsorted side='right', as scipy evaluates them).
  std::size_t i = 0;
  std::size_t j = 0;
  double d = 0.0;
  while (i < x.size() || j < y.size()) {
    const double v = j == y.size() || (i < x.size() && x[i] <= y[j]) ? x[i] : y[j];
    while (i < x.size() && x[i] <= v) ++i;
    while (j < y.size() && y[j] <= v) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / m - static_cast<double>(j) / n));
  }
  KsResult out;
  out.statistic = d;
  out.effective_n = m * n / (m + n);
  out.p_value = kolmogorov_sf(std::sqrt(out.effective_n) * d);
  return out;
}

double standardised_mean_shift(std::span<const double> training, std::span<const double> current) {
  check_sample(training, 2, "training");
  check_sample(current, 1, "current");
  double mean = 0.0;
  for (const double v : training) mean += v;
  mean /= static_cast<double>(training.size());
  double ss = 0.0;
  for (const double v : training) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(training.size() - 1));
  if (!(sd > 0))
    throw Error(ErrorCode::kDataError, "training: constant values (standard deviation 0)");
  double current_mean = 0.0;
  for (const double v : current) current_mean += v;
  current_mean /= static_cast<double>(current.size());
  return (current_mean - mean) / sd;
}

FitTest log_likelihood_fit_test(std::span<const double> training, std::span<const double> recent) {
  check_sample(recent, 1, "recent log-likelihoods");
  check_sample(training, recent.size(), "training log-likelihoods (at least one window's worth)");
  FitTest out;
  const std::size_t w = recent.size();
  for (const double v : recent) out.recent_mean += v;
  out.recent_mean /= static_cast<double>(w);
  for (const double v : training) out.training_mean += v;
  out.training_mean /= static_cast<double>(training.size());
  double window = 0.0;
  for (std::size_t t = 0; t < w; ++t) window += training[t];
  std::size_t below = 0;
  out.training_low = window / static_cast<double>(w);
  for (std::size_t end = w;; ++end) {
    const double mean = window / static_cast<double>(w);
    out.training_low = std::min(out.training_low, mean);
    if (mean < out.recent_mean) ++below;
    ++out.windows;
    if (end == training.size()) break;
    window += training[end] - training[end - w];
  }
  out.share_below = static_cast<double>(below) / static_cast<double>(out.windows);
  return out;
}

}  // namespace mre::monitor
