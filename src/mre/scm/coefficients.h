// The coefficient table of a fitted structural equation: each term's estimate, its HAC standard
// error (the square root of the covariance diagonal) and its 95% normal interval
// estimate +/- z_0.975 se (large-sample Wald interval; Hamilton, Time Series Analysis, 1994,
// section 10.5 for the HAC covariance). Pure: the CLI and the API print what this returns.
#pragma once

#include <string>
#include <vector>

#include "mre/scm/scm.h"

namespace mre::scm {

// z_0.975 of the standard normal (scipy.stats.norm.ppf(0.975)).
inline constexpr double kNormal975 = 1.959963984540054;

struct CoefficientEstimate {
  std::string term{};  // "intercept", "<node>(t-1)" or the parent's name
  double estimate = 0.0;
  double se = 0.0;
  double ci_low = 0.0;   // estimate - kNormal975 * se
  double ci_high = 0.0;  // estimate + kNormal975 * se
};

// Terms in the covariance's order: intercept, the own lag when fitted (the covariance has a row
// for it), then the parents. REQUIRES: the covariance is (2 + parents) or (1 + parents) square.
std::vector<CoefficientEstimate> coefficient_table(const FittedEquation& equation);

}  // namespace mre::scm
