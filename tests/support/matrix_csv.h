// A matrix as CSV rows with 17 significant digits (round-trips every double), for handing test
// data to the Python reference implementations.
#pragma once

#include <sstream>
#include <string>

#include "mre/core/linalg.h"

namespace mre::testing {

inline std::string matrix_to_csv(const Matrix& m) {
  std::ostringstream out;
  out.precision(17);
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) out << (c ? "," : "") << m(r, c);
    out << "\n";
  }
  return out.str();
}

}  // namespace mre::testing
