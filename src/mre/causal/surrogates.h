// Surrogate series for calibrating tests (issue 17): a stationary block bootstrap (Politis and
// Romano 1994, JASA 89(428)) keeps a series' autocorrelation and breaks its link to anything
// else; a surrogate p-value compares an observed statistic with the same statistic on surrogates.
#pragma once

#include <cstdint>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::causal {

// One stationary-block-bootstrap resample of x: blocks of geometric length (mean `mean_block`)
// starting at uniform positions, wrapping around the end. InvalidArgument for mean_block < 1 or
// an empty x.
Vector stationary_block_bootstrap(const Vector& x, double mean_block, std::uint64_t seed);

// (1 + #{s : |s| >= |observed|}) / (1 + S): the two-sided surrogate p-value (Davison and Hinkley
// 1997, section 4.2). InvalidArgument for fewer than 20 surrogates.
double surrogate_p_value(double observed, const std::vector<double>& surrogates);

}  // namespace mre::causal
