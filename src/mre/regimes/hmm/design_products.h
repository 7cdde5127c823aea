// The two matrix products of the complete-data EM path (see gaussian_hmm.cc), written for its
// shapes: a handful of states K, a design of P = D(D+1)/2 + D + 1 rows, thousands of
// observations T. A general matrix product copies ("packs") both operands on every call; at
// these shapes that copy of the P x T design costs as much as a third of the arithmetic, so
// these kernels stream the design in place with the K accumulators held in registers.
#pragma once

#include "mre/core/linalg.h"

namespace mre::regimes::hmm {

// out (K x T) = weights (K x P) * design (P x T).
void weights_times_design(const Matrix& weights, const Matrix& design, Matrix& out);

// out (P x K) = design (P x T) * responsibilities' (responsibilities: K x T).
void design_times_responsibilities(const Matrix& design, const Matrix& responsibilities,
                                   Matrix& out);

}  // namespace mre::regimes::hmm
