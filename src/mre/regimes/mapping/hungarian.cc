// Hungarian method with row/column potentials and Dijkstra-like augmentation (Jonker & Volgenant
// 1987 formulation of Kuhn-Munkres), O(n^2 m).
#include "mre/regimes/mapping/hungarian.h"

#include <limits>

#include "mre/core/check.h"

namespace mre::regimes::mapping {

Assignment hungarian(const Matrix& cost) {
  const int n = static_cast<int>(cost.rows());
  const int m = static_cast<int>(cost.cols());
  check_arg(n <= m, "cost", "must have no more rows than columns");
  check_arg(cost.allFinite(), "cost", "must be finite");
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based arrays; column 0 is a virtual start.
  std::vector<double> u(static_cast<std::size_t>(n + 1), 0.0),
      v(static_cast<std::size_t>(m + 1), 0.0);
  std::vector<int> row_of(static_cast<std::size_t>(m + 1), 0),
      way(static_cast<std::size_t>(m + 1), 0);
  for (int i = 1; i <= n; ++i) {
    row_of[0] = i;
    int j0 = 0;
    std::vector<double> minv(static_cast<std::size_t>(m + 1), inf);
    std::vector<bool> used(static_cast<std::size_t>(m + 1), false);
    do {
      used[static_cast<std::size_t>(j0)] = true;
      const int i0 = row_of[static_cast<std::size_t>(j0)];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= m; ++j) {
        if (used[static_cast<std::size_t>(j)]) continue;
        const double reduced =
            cost(i0 - 1, j - 1) - u[static_cast<std::size_t>(i0)] - v[static_cast<std::size_t>(j)];
        if (reduced < minv[static_cast<std::size_t>(j)]) {
          minv[static_cast<std::size_t>(j)] = reduced;
          way[static_cast<std::size_t>(j)] = j0;
        }
        if (minv[static_cast<std::size_t>(j)] < delta) {
          delta = minv[static_cast<std::size_t>(j)];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; ++j) {
        if (used[static_cast<std::size_t>(j)]) {
          u[static_cast<std::size_t>(row_of[static_cast<std::size_t>(j)])] += delta;
          v[static_cast<std::size_t>(j)] -= delta;
        } else {
          minv[static_cast<std::size_t>(j)] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[static_cast<std::size_t>(j0)] != 0);
    do {
      const int j1 = way[static_cast<std::size_t>(j0)];
      row_of[static_cast<std::size_t>(j0)] = row_of[static_cast<std::size_t>(j1)];
      j0 = j1;
    } while (j0 != 0);
  }
  Assignment out;
  out.column_of_row.assign(static_cast<std::size_t>(n), -1);
  for (int j = 1; j <= m; ++j) {
    const int r = row_of[static_cast<std::size_t>(j)];
    if (r > 0) out.column_of_row[static_cast<std::size_t>(r - 1)] = j - 1;
  }
  for (int r = 0; r < n; ++r) out.cost += cost(r, out.column_of_row[static_cast<std::size_t>(r)]);
  return out;
}

}  // namespace mre::regimes::mapping
