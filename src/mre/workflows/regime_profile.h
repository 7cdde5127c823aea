// `mre regimes profile VERSION --assets ...`: a stored regime version's filtered labels and the
// store's prices -> regime-conditional statistics (regimes/profile.h).
#pragma once

#include <string>
#include <vector>

#include "mre/regimes/profile.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct RegimeProfileOptions {
  std::string version{};
  std::vector<std::string> assets{};  // tickers in the store, e.g. ^GSPC, TLT
};

struct RegimeProfileReport {
  std::string version{};
  std::string kind{};
  Date first{};
  Date last{};
  regimes::RegimeProfile profile{};
};

// NotFound for an unknown version or an asset the store does not hold; InvalidArgument for no
// assets; DataError for an asset with no daily return inside the version's labelled dates.
RegimeProfileReport profile_regime_version(const store::Store& store,
                                           const RegimeProfileOptions& options);

// The same over given labelled rows (each row's `regime` one of `labels`), e.g. a classifier's
// named history (workflows::classifier_history): `version` and `kind` only name them.
RegimeProfileReport profile_regime_rows(const store::Store& store, const std::string& version,
                                        const std::string& kind,
                                        const std::vector<std::string>& labels,
                                        const std::vector<store::RegimeRow>& rows,
                                        const std::vector<std::string>& assets);

}  // namespace mre::workflows
