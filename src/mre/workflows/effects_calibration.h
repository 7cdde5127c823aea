// `mre effects calibrate` (issue 17): re-runs a stored effects grid with each treatment replaced
// by surrogates that keep its autocorrelation but have no effect by construction, and reports how
// often each cell's test rejects at 5% (near 5% when the intervals are honest) beside the stored
// placebos' pass rates. Stored as a version of the generic artefact kind "effects_calibration".
//
// Surrogates: a stationary block bootstrap (Politis and Romano 1994) of the cell's treatment
// column over its usable months, mean block `mean_block` months; for an event treatment
// (mp_surprise) a permutation of the announcement surprises across the announcement dates inside
// the panel's months, summed within each month as the treatment itself is.
//
// Work items are (cell, surrogate) pairs in cell-major order; item i draws its surrogate from
// item_seed(seed, i) alone and the results are reduced in item order, so any distribution of the
// items over threads or MPI ranks (core/work_items.h) gives the same report bit for bit. Under
// MPI every rank runs this function; only rank 0's store is written (the front end gives the other
// ranks a private copy, cli/common.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

#include "mre/codec/effects_calibration.h"
#include "mre/core/work_items.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct CalibrationOptions {
  std::string effects_version{};  // the stored grid
  std::string tag =
      "auto";           // the calibration's tag; auto: C_<effects version>_<hash of the settings>
  int surrogates = 99;  // per cell; at least 20 (a surrogate p-value needs them)
  std::uint64_t seed = 42;
  double mean_block = 12.0;  // months, the stationary block bootstrap's mean block length
  int threads = 1;  // workers over the items (0: all cores); the result does not depend on it
  // How the items are distributed (core/work_items.h): MPI ranks, or null for `threads` here.
  const WorkItems* work_items = nullptr;
  std::stop_token
      stop{};  // checked between items: once stopped, IoError "cancelled", nothing stored
};

// The seed of work item `item`: splitmix64 (Steele, Lea and Flood 2014) of seed + item + 1.
std::uint64_t item_seed(std::uint64_t seed, std::uint64_t item);

struct CalibrationRun {
  codec::CalibrationReport report{};
  bool written = false;  // false: the same calibration was already stored under the tag
};
using CalibrationProgress = std::function<void(const std::string&)>;

// InvalidArgument for surrogates < 20, mean_block < 1, threads outside [0, 1024] or a bad tag;
// NotFound for an unknown effects version (or its feature/regime version). Writes one artefact
// version in one transaction after every item has run; a cancelled or failed run stores nothing.
CalibrationRun calibrate_effects(store::Store& store, const CalibrationOptions& options,
                                 const CalibrationProgress& progress = {});

// A stored calibration; NotFound for an unknown tag.
codec::CalibrationReport read_calibration(const store::Store& store, const std::string& version);

}  // namespace mre::workflows
