// Comparing regime versions (seed 000's "compare regime model performance across versions"):
// agreement, confusion matrix, counts and mean durations, empirical transition matrices, and
// regime-conditional returns of the main assets. Also historical analogues of a date.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/regimes/comparison.h"
#include "mre/store/store.h"

namespace mre::workflows {

using regimes::Analogue;
using regimes::AssetStats;
using regimes::RegimeComparison;
using regimes::VersionSummary;

// The assets of the conditional-return table: ticker -> display name.
const std::vector<std::pair<std::string, std::string>>& comparison_assets();

// NotFound for an unknown version; DataError when the versions share no date.
RegimeComparison compare_regimes(const store::Store& store, const std::string& a,
                                 const std::string& b);

// The k dates nearest to `date` in the PCA space (3 components, standardised) of the version's
// features, among dates at least 31 days earlier so their next-month returns were known by
// `date`. PCA and standardisation use data up to `date` only.
std::vector<Analogue> find_analogues(const store::Store& store, const std::string& version,
                                     Date date, int k);

}  // namespace mre::workflows
