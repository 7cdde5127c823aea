// See placebo.h.
#include "mre/causal/placebo.h"

#include <algorithm>
#include <map>
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

std::vector<std::pair<Eigen::Index, Eigen::Index>> pre_treatment_pairs(
    const std::vector<Date>& months, int horizon) {
  std::map<int, Eigen::Index> row_of;  // year * 12 + month - 1 -> row
  for (std::size_t r = 0; r < months.size(); ++r) {
    const int key = months[r].year() * 12 + months[r].month() - 1;
    if (!row_of.emplace(key, static_cast<Eigen::Index>(r)).second) return {};
  }
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs;
  for (const auto& [key, row] : row_of) {
    if (const auto later = row_of.find(key + horizon + 1); later != row_of.end())
      pairs.emplace_back(row, later->second);
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::vector<Placebo> dml_placebos(const Matrix& X, const Vector& t, const Vector& y,
                                  const std::vector<Date>& months,
                                  const std::vector<const Regressor*>& candidates,
                                  const DmlOptions& options, const PlaceboOptions& placebo,
                                  const std::function<void()>& checkpoint) {
  if (months.size() != static_cast<std::size_t>(t.size()))
    throw Error(ErrorCode::kInvalidArgument, "placebos: " + std::to_string(months.size()) +
                                                 " dates for " + std::to_string(t.size()) +
                                                 " rows");
  std::vector<Placebo> out;
  const Vector permuted = block_permuted(t, placebo.block, placebo.seed);
  if (checkpoint) checkpoint();
  try {
    const auto p = dml_plr_select(X, permuted, y, candidates, options);
    out.push_back({"permuted_treatment", p.theta * placebo.magnitude, p.p_value});
  } catch (const Error&) {
  }
  const auto pairs = pre_treatment_pairs(months, placebo.horizon);
  if (std::ssize(pairs) > placebo.horizon + 10) {
    const auto m = static_cast<Eigen::Index>(pairs.size());
    Matrix X_pre(m, X.cols());
    Vector t_later(m);
    Vector y_pre(m);
    for (Eigen::Index k = 0; k < m; ++k) {
      const auto [i, j] = pairs[static_cast<std::size_t>(k)];
      X_pre.row(k) = X.row(i);
      y_pre(k) = y(i);
      t_later(k) = t(j);
    }
    if (checkpoint) checkpoint();
    try {
      const auto p = dml_plr_select(X_pre, t_later, y_pre, candidates, options);
      out.push_back({"pre_treatment_outcome", p.theta * placebo.magnitude, p.p_value});
    } catch (const Error&) {
    }
  }
  return out;
}

}  // namespace mre::causal
