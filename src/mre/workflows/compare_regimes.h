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

// The k dates nearest to `reference` in the PCA space (3 components, standardised) of the
// version's features, among dates at least 31 days earlier so their next-month returns were known
// by then. `reference` is the last complete feature row on or before the date asked for (a
// weekend or a day with a missing indicator moves it back; callers say so). PCA and
// standardisation use data up to the date asked for only. InvalidArgument naming --date when the
// date is after the feature set's last row (the analogues would silently be those of that row).
struct Analogues {
  Date reference{};
  std::vector<Analogue> analogues{};
};
Analogues find_analogues(const store::Store& store, const std::string& version, Date date, int k);

}  // namespace mre::workflows
