// See placebo.h.
#include "mre/causal/placebo.h"

#include <algorithm>
#include <random>

#include "mre/core/error.h"

namespace mre::causal {

Vector block_permuted(const Vector& t, int block, std::uint64_t seed) {
  const Eigen::Index n = t.size();
  block = std::max(1, block);
  std::vector<Eigen::Index> starts;
  for (Eigen::Index s = 0; s < n; s += block) starts.push_back(s);
  std::mt19937_64 rng(seed);
  std::shuffle(starts.begin(), starts.end(), rng);
  Vector permuted(n);
  Eigen::Index k = 0;
  for (const auto s : starts) {
    for (Eigen::Index i = s; i < std::min(n, s + block); ++i) permuted(k++) = t(i);
  }
  return permuted;
}

std::vector<Placebo> dml_placebos(const Matrix& X, const Vector& t, const Vector& y,
                                  const std::vector<const Regressor*>& candidates,
                                  const DmlOptions& options, const PlaceboOptions& placebo,
                                  const std::function<void()>& checkpoint) {
  std::vector<Placebo> out;
  const Eigen::Index n = t.size();
  const Vector permuted = block_permuted(t, placebo.block, placebo.seed);
  if (checkpoint) checkpoint();
  try {
    const auto p = dml_plr_select(X, permuted, y, candidates, options);
    out.push_back({"permuted_treatment", p.theta * placebo.magnitude, p.p_value});
  } catch (const Error&) {
  }
  if (n > 2 * placebo.horizon + 10) {
    // y_pre(t) = y(t - h): the outcome window ending where the treatment window starts.
    const Eigen::Index m = n - placebo.horizon;
    const Vector y_pre = y.head(m);
    if (checkpoint) checkpoint();
    try {
      const auto p = dml_plr_select(X.bottomRows(m), t.tail(m), y_pre, candidates, options);
      out.push_back({"pre_treatment_outcome", p.theta * placebo.magnitude, p.p_value});
    } catch (const Error&) {
    }
  }
  return out;
}

}  // namespace mre::causal
