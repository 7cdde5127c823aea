// The most likely state path (Viterbi 1967; Rabiner 1989, section III.B), in log space.
#pragma once

#include <vector>

#include "mre/core/linalg.h"

namespace mre::regimes::hmm {

struct ViterbiResult {
  std::vector<int> path;         // T states
  double log_probability = 0.0;  // log P(path, y_1..T)
};

// REQUIRES: as forward_backward. Ties go to the lower state index.
ViterbiResult viterbi(const Matrix& log_emission, const Matrix& transition, const Vector& initial);

}  // namespace mre::regimes::hmm
