// A stored grid's calibration against surrogate treatments (issue 17, `mre effects calibrate`):
// the report, its JSON, and its generic-artefact form (kind "effects_calibration",
// store/artefact.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mre/store/artefact.h"

namespace mre::codec {

// One cell of the grid: how often its test rejects when the treatment is a surrogate (no effect
// by construction), and the stored estimate judged against the surrogates.
struct CalibrationCell {
  std::string treatment{};
  std::string outcome{};
  int horizon = 0;
  std::string surrogate{};  // "stationary_block_bootstrap" | "event_permutation"
  std::int64_t observations = 0;
  int surrogates = 0;    // surrogate fits that succeeded
  int failed = 0;        // surrogate fits the data could not support (not counted)
  int rejections = 0;    // of the successful ones, p < level
  double effect = 0.0;   // the stored estimate
  double p_value = 1.0;  // the stored estimate's own (HAC) p-value
  // (1 + #{|t_s| >= |t|}) / (1 + S) with t = effect / se; NaN below 20 successful surrogates.
  double surrogate_p_value = std::numeric_limits<double>::quiet_NaN();
  double permuted_placebo_p =
      std::numeric_limits<double>::quiet_NaN();  // the stored placebos (NaN: none)
  double pre_treatment_placebo_p = std::numeric_limits<double>::quiet_NaN();
};

// One work item: a cell and a surrogate, with the seed it drew its surrogate from.
struct CalibrationDraw {
  std::size_t cell = 0;  // index into CalibrationReport::cells
  int surrogate = 0;
  std::uint64_t seed = 0;
  double effect = std::numeric_limits<double>::quiet_NaN();  // NaN: the fit failed
  double se = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
};

struct CalibrationReport {
  std::string version{};          // the calibration's tag
  std::string effects_version{};  // the grid it calibrates
  std::string spec_name{};
  int surrogates = 0;  // requested per cell
  std::uint64_t seed = 0;
  double mean_block = 0.0;  // months, stationary block bootstrap
  double level = 0.05;
  std::vector<CalibrationCell> cells{};
  std::vector<CalibrationDraw> draws{};  // cell-major, surrogate order
};

// Figures over the whole grid, computed from the cells.
struct CalibrationSummary {
  long fits = 0;
  long rejections = 0;
  long failed = 0;
  double rejection_rate = 0.0;       // rejections / fits
  long permuted_placebo_cells = 0;   // cells with that placebo
  long permuted_placebo_passed = 0;  // of which p >= level
  long pre_treatment_placebo_cells = 0;
  long pre_treatment_placebo_passed = 0;
};
CalibrationSummary summarise(const CalibrationReport& report);

std::string calibration_to_json(const CalibrationReport& report);

// The artefact kind (tables "settings", "cells", "draws") and the conversions both ways.
const store::ArtefactKind& calibration_kind();
std::vector<store::ArtefactTable> calibration_tables(const CalibrationReport& report);
// `settings`, `cells`, `draws` as read back (read_artefact_table), version and inputs from the
// header. DataError when a table's rows do not have the declared shape.
CalibrationReport calibration_from_tables(const store::ArtefactHeader& header,
                                          const store::ArtefactTable& settings,
                                          const store::ArtefactTable& cells,
                                          const store::ArtefactTable& draws);

}  // namespace mre::codec
