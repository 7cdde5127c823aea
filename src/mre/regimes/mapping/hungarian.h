// Minimum-cost one-to-one assignment (the Hungarian method: Kuhn 1955, Munkres 1957), O(n^3)
// with potentials (the shortest augmenting path form). Used to keep state labels stable across
// refits and to map HMM states to named regimes (MR-BR-09, MR-IMPL-03).
#pragma once

#include <vector>

#include "mre/core/linalg.h"

namespace mre::regimes::mapping {

struct Assignment {
  std::vector<int> column_of_row;  // row r is assigned column column_of_row[r]
  double cost = 0.0;
};

// REQUIRES: a finite n x m cost matrix with n <= m (every row gets a distinct column).
Assignment hungarian(const Matrix& cost);

}  // namespace mre::regimes::mapping
