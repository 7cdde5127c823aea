// Placebo checks of a DML estimate (seed 001): (1) the treatment permuted in blocks, which keeps
// its autocorrelation and breaks its link to the outcome; (2) the outcome over the h periods
// before the treatment, which the treatment cannot cause (it can still be correlated with it
// through a reaction function: read a large value as a warning, not a proof). Pure: matrices in,
// estimates out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/core/linalg.h"

namespace mre::causal {

struct Placebo {
  std::string kind{};  // "permuted_treatment" | "pre_treatment_outcome"
  double effect = 0.0;
  double p_value = 1.0;
};

struct PlaceboOptions {
  int block = 12;          // rows per block when permuting the treatment (< 1 is read as 1)
  int horizon = 1;         // h: the outcome window the pre-treatment placebo shifts by
  double magnitude = 1.0;  // effects are reported per this many units of the treatment
  std::uint64_t seed = 7;  // std::mt19937_64 seed of the block shuffle
};

// t with its blocks of `block` consecutive rows (the last one possibly shorter) in an order
// shuffled by std::mt19937_64(seed); each block keeps its inner order.
Vector block_permuted(const Vector& t, int block, std::uint64_t seed);

// The two placebos by dml_plr_select on the same candidates and options (no regimes): the
// permuted treatment always, the pre-treatment outcome when n > 2h + 10. A placebo whose fit
// throws mre::Error is left out. `checkpoint` (may be empty) is called before each fit, outside
// the fit's error handling, so a cancellation it throws propagates.
std::vector<Placebo> dml_placebos(const Matrix& X, const Vector& t, const Vector& y,
                                  const std::vector<const Regressor*>& candidates,
                                  const DmlOptions& options, const PlaceboOptions& placebo,
                                  const std::function<void()>& checkpoint = {});

}  // namespace mre::causal
