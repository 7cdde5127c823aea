// See multiple_testing.h.
#include "mre/causal/multiple_testing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace mre::causal {

std::vector<double> benjamini_hochberg(const std::vector<double>& p_values) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    if (std::isfinite(p_values[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> q(p_values.size(), std::numeric_limits<double>::quiet_NaN());
  const double m = static_cast<double>(order.size());
  double running = 1.0;
  for (std::size_t r = order.size(); r-- > 0;) {
    running = std::min(running, std::min(1.0, m * p_values[order[r]] / static_cast<double>(r + 1)));
    q[order[r]] = running;
  }
  return q;
}

}  // namespace mre::causal
