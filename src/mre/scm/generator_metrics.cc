// See generator_metrics.h.
#include "mre/scm/generator_metrics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::scm {

namespace {

void check_finite_sample(const Vector& x, const std::string& what) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x(i))) {
      throw Error(ErrorCode::kDataError, "generator metrics: " + what +
                                             " has a non-finite value at position " +
                                             std::to_string(i));
    }
  }
}

std::vector<double> sorted(const Vector& x) {
  std::vector<double> v(x.data(), x.data() + x.size());
  std::sort(v.begin(), v.end());
  return v;
}

Vector pooled(const std::vector<Vector>& paths) {
  Eigen::Index n = 0;
  for (const auto& p : paths) n += p.size();
  Vector out(n);
  Eigen::Index at = 0;
  for (const auto& p : paths) {
    out.segment(at, p.size()) = p;
    at += p.size();
  }
  return out;
}

// (x - mean) / sd with the population standard deviation.
Vector standardised(const Vector& x) {
  const double mean = x.mean();
  const double sd = std::sqrt((x.array() - mean).square().mean());
  check_arg(sd > 0, "sample", "needs at least two distinct values");
  return (x.array() - mean) / sd;
}

Vector transformed(const Vector& x, AcfTransform f) {
  switch (f) {
    case AcfTransform::kIdentity:
      return x;
    case AcfTransform::kAbsolute:
      return x.cwiseAbs();
    case AcfTransform::kSquare:
      return x.array().square();
  }
  return x;
}

// The correlation vectors of the generated paths, averaged.
Vector mean_correlation(const std::vector<Vector>& paths, int max_lag, bool leverage,
                        AcfTransform f) {
  Vector sum = Vector::Zero(max_lag);
  for (const auto& p : paths) {
    if (leverage) {
      sum += lagged_correlation(p.array().square(), p, max_lag);
    } else {
      const Vector z = transformed(p, f);
      sum += lagged_correlation(z, z, max_lag);
    }
  }
  return sum / static_cast<double>(paths.size());
}

}  // namespace

Vector lag_returns(const Vector& x, int horizon) {
  check_arg(horizon >= 1 && horizon <= x.size(), "horizon",
            "must be in [1, sample length " + std::to_string(x.size()) + "] (got " +
                std::to_string(horizon) + ")");
  const Eigen::Index n = x.size() - horizon + 1;
  Vector out(n);
  // Each window summed afresh (not a running difference): no drift of rounding over long samples.
  for (Eigen::Index k = 0; k < n; ++k) out(k) = x.segment(k, horizon).sum();
  return out;
}

double wasserstein1(const Vector& a, const Vector& b) {
  check_arg(a.size() > 0 && b.size() > 0, "samples", "must both be non-empty");
  const auto u = sorted(a);
  const auto v = sorted(b);
  const double nu = static_cast<double>(u.size());
  const double nv = static_cast<double>(v.size());
  // Walk the merged order statistics; between consecutive points both distribution functions
  // are constant, so the integral is a sum of |F_u - F_v| times the gap.
  std::size_t i = 0;
  std::size_t j = 0;
  double total = 0.0;
  double previous = std::min(u.front(), v.front());
  while (i < u.size() || j < v.size()) {
    const double next = (j >= v.size() || (i < u.size() && u[i] <= v[j])) ? u[i] : v[j];
    total +=
        std::abs(static_cast<double>(i) / nu - static_cast<double>(j) / nv) * (next - previous);
    while (i < u.size() && u[i] == next) ++i;
    while (j < v.size() && v[j] == next) ++j;
    previous = next;
  }
  return total;
}

double dy_metric(const Vector& real, const Vector& generated, int bins) {
  check_arg(bins >= 1, "bins", "must be >= 1 (got " + std::to_string(bins) + ")");
  const Vector r = standardised(real);
  const Vector g = standardised(generated);
  const double lo = r.minCoeff();
  const double hi = r.maxCoeff();
  const double width = (hi - lo) / bins;
  const double per_unit = bins / (hi - lo);
  const auto histogram = [&](const Vector& x) {
    std::vector<double> count(static_cast<std::size_t>(bins), 0.0);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double value = x(i);
      if (value < lo || value > hi) continue;
      auto k = static_cast<std::size_t>(std::floor((value - lo) * per_unit));
      k = std::min(k, static_cast<std::size_t>(bins - 1));
      count[k] += 1.0;
    }
    for (auto& c : count) c /= static_cast<double>(x.size()) * width;
    return count;
  };
  const auto hr = histogram(r);
  const auto hg = histogram(g);
  double total = 0.0;
  for (std::size_t k = 0; k < hr.size(); ++k) {
    if (hr[k] > 0 && hg[k] > 0) total += std::abs(std::log(hr[k]) - std::log(hg[k]));
  }
  return total;
}

Vector lagged_correlation(const Vector& x, const Vector& y, int max_lag) {
  check_arg(x.size() == y.size(), "y", "must have x's length");
  const Eigen::Index n = x.size();
  check_arg(max_lag >= 1 && max_lag < n - 1, "max_lag",
            "must be in [1, sample length - 2 = " + std::to_string(n - 2) + "] (got " +
                std::to_string(max_lag) + ")");
  Vector out(max_lag);
  for (int tau = 1; tau <= max_lag; ++tau) {
    const Eigen::Index m = n - tau;
    const auto lead = x.segment(tau, m).array();
    const auto lag = y.head(m).array();
    const auto a = lead - lead.mean();
    const auto b = lag - lag.mean();
    const double saa = a.square().sum();
    const double sbb = b.square().sum();
    out(tau - 1) = saa > 0 && sbb > 0 ? (a * b).sum() / std::sqrt(saa * sbb) : 0.0;
  }
  return out;
}

double acf_score(const Vector& real, const std::vector<Vector>& generated, int max_lag,
                 AcfTransform f) {
  check_arg(!generated.empty(), "generated", "needs at least one path");
  const Vector z = transformed(real, f);
  return (lagged_correlation(z, z, max_lag) - mean_correlation(generated, max_lag, false, f))
      .norm();
}

double leverage_score(const Vector& real, const std::vector<Vector>& generated, int max_lag) {
  check_arg(!generated.empty(), "generated", "needs at least one path");
  const Vector l = lagged_correlation(real.array().square(), real, max_lag);
  return (l - mean_correlation(generated, max_lag, true, AcfTransform::kIdentity)).norm();
}

double excess_kurtosis(const Vector& x) {
  check_arg(x.size() >= 2, "x", "needs at least two values");
  const auto c = x.array() - x.mean();
  const double m2 = c.square().mean();
  check_arg(m2 > 0, "x", "must not be constant");
  return c.square().square().mean() / (m2 * m2) - 3.0;
}

double sample_quantile(const Vector& x, double p) {
  check_arg(x.size() >= 1, "x", "needs at least one value");
  check_arg(p >= 0 && p <= 1, "p", "must be in [0, 1]");
  const auto v = sorted(x);
  const double h = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

GeneratorScores score_generator(const Vector& real, const std::vector<Vector>& generated,
                                const GeneratorScoreConfig& config) {
  check_arg(!generated.empty(), "generated", "needs at least one path");
  check_finite_sample(real, "the real sample");
  Eigen::Index shortest = real.size();
  for (std::size_t m = 0; m < generated.size(); ++m) {
    check_finite_sample(generated[m], "generated path " + std::to_string(m));
    shortest = std::min(shortest, generated[m].size());
  }
  for (const int t : config.horizons) {
    if (t < 1 || t > shortest - 1) {  // at least two t-day returns on each side
      throw Error(ErrorCode::kInvalidArgument,
                  "generator metrics: horizon " + std::to_string(t) +
                      " days is longer than the sample allows (" + std::to_string(shortest) +
                      " days; horizons must be in [1, " + std::to_string(shortest - 1) + "])");
    }
  }
  if (config.max_lag < 1 || config.max_lag >= shortest - 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "generator metrics: max_lag " + std::to_string(config.max_lag) +
                    " needs a sample of more than max_lag + 1 days (the shortest has " +
                    std::to_string(shortest) + ")");
  }
  GeneratorScores s;
  for (const int t : config.horizons) {
    const Vector r = lag_returns(real, t);
    std::vector<Vector> lagged;
    lagged.reserve(generated.size());
    for (const auto& p : generated) lagged.push_back(lag_returns(p, t));
    const Vector g = pooled(lagged);
    s.emd.push_back(wasserstein1(r, g));
    s.dy.push_back(dy_metric(r, g, config.dy_bins));
  }
  s.acf_r = acf_score(real, generated, config.max_lag, AcfTransform::kIdentity);
  s.acf_abs = acf_score(real, generated, config.max_lag, AcfTransform::kAbsolute);
  s.acf_squared = acf_score(real, generated, config.max_lag, AcfTransform::kSquare);
  s.leverage = leverage_score(real, generated, config.max_lag);
  const Vector all = pooled(generated);
  s.kurtosis_real = excess_kurtosis(real);
  s.kurtosis_generated = excess_kurtosis(all);
  for (const double p : config.tail_probabilities) {
    s.quantiles_real.push_back(sample_quantile(real, p));
    s.quantiles_generated.push_back(sample_quantile(all, p));
  }
  return s;
}

}  // namespace mre::scm
