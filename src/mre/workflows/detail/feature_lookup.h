// Which feature version a use case reads: the one named, or the newest of a feature set.
#pragma once

#include <string>

#include "mre/store/store.h"

namespace mre::workflows::detail {

// `version` when non-empty (NotFound if absent), else the newest version of `feature_set`
// (NotFound naming the set and the store, with `hint` on how to build one).
store::FeatureVersion resolve_feature_version(const store::Store& store, const std::string& version,
                                              const std::string& feature_set,
                                              const std::string& hint);

}  // namespace mre::workflows::detail
