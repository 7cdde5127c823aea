// Multiple testing: Benjamini and Hochberg (1995, JRSS B 57(1)) adjusted p-values ("q-values" in
// the step-up sense), as statsmodels' multipletests(p, method="fdr_bh")[1].
#pragma once

#include <vector>

namespace mre::causal {

// q_(i) = min_{j >= i} min(1, m p_(j) / j) over the p-values sorted ascending, returned in the
// input order. NaN p-values are left NaN and not counted in m.
std::vector<double> benjamini_hochberg(const std::vector<double>& p_values);

}  // namespace mre::causal
