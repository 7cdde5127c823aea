// Placebo checks of a DML estimate (seed 001): (1) the treatment permuted in blocks, which keeps
// its autocorrelation and breaks its link to the outcome; (2) the outcome over the h months
// before the treatment's month, which the treatment cannot cause (it can still be correlated with
// it through a reaction function: read a large value as a warning, not a proof). Pure: matrices
// and dates in, estimates out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/core/date.h"
#include "mre/core/linalg.h"

namespace mre::causal {

struct Placebo {
  std::string kind{};  // "permuted_treatment" | "pre_treatment_outcome"
  double effect = 0.0;
  double p_value = 1.0;
};

struct PlaceboOptions {
  int block = 12;          // rows per block when permuting the treatment (< 1 is read as 1)
  int horizon = 1;         // h: the months of each row's outcome window
  double magnitude = 1.0;  // effects are reported per this many units of the treatment
  std::uint64_t seed = 7;  // std::mt19937_64 seed of the block shuffle
};

// t with its blocks of `block` consecutive rows (the last one possibly shorter) in an order
// shuffled by std::mt19937_64(seed); each block keeps its inner order.
Vector block_permuted(const Vector& t, int block, std::uint64_t seed);

// The rows of a monthly panel the pre-treatment placebo pairs: (i, j) where row i's month is v
// and row j's is v + h + 1. Row i's outcome runs from the end of month v to the end of month
// v + h (the panel's h-month outcome, y = level(v + h) / level(v) - 1), so it ends where month
// v + h + 1, over which row j's treatment is measured, begins; row i's controls are dated before
// that window. Rows are matched by calendar month, not by position (a panel skips months with a
// missing value); empty when two rows share a month (not a monthly panel). Ascending in i.
std::vector<std::pair<Eigen::Index, Eigen::Index>> pre_treatment_pairs(
    const std::vector<Date>& months, int horizon);

// The two placebos by dml_plr_select on the same candidates and options (no regimes): the
// permuted treatment always; the pre-treatment outcome (the outcome and controls of row i with
// the treatment of row j, over pre_treatment_pairs(months, h)) when there are more than h + 10
// pairs. REQUIRES: months.size() == t.size() (InvalidArgument otherwise). A placebo whose fit
// throws mre::Error is left out. `checkpoint` (may be empty) is called before each fit, outside
// the fit's error handling, so a cancellation it throws propagates.
std::vector<Placebo> dml_placebos(const Matrix& X, const Vector& t, const Vector& y,
                                  const std::vector<Date>& months,
                                  const std::vector<const Regressor*>& candidates,
                                  const DmlOptions& options, const PlaceboOptions& placebo,
                                  const std::function<void()>& checkpoint = {});

}  // namespace mre::causal
