// The one numerical convention of mre, written once (CONVENTIONS.md):
//  - data matrices have rows = time, columns = variables (T x D);
//  - a transition matrix has transition(i, j) = P(s_t = j | s_{t-1} = i), rows sum to 1;
//  - per-state quantities are indexed by state in columns (T x K probabilities);
//  - HMM recursions run on scaled probabilities (Rabiner 1989, eq. 91-92): each forward step is
//    normalised and its scale kept, emissions enter as log-densities shifted by their row maximum,
//    so 10,000+ observations never underflow. Missing values are NaN.
// Included only by the numeric modules that work on Eigen types.
#pragma once

#include <Eigen/Core>

namespace mre {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;

}  // namespace mre
