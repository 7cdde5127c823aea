// See feature_lookup.h.
#include "mre/workflows/detail/feature_lookup.h"

#include <optional>

#include "mre/core/error.h"

namespace mre::workflows::detail {

store::FeatureVersion resolve_feature_version(const store::Store& store, const std::string& version,
                                              const std::string& feature_set,
                                              const std::string& hint) {
  if (!version.empty()) {
    const auto found = store.find_feature_version(version);
    if (!found)
      throw Error(ErrorCode::kNotFound,
                  "no feature version '" + version + "' (see 'mre features list')");
    return *found;
  }
  std::optional<store::FeatureVersion> newest;
  for (const auto& v : store.list_feature_versions()) {
    if (v.spec_name == feature_set) newest = v;
  }
  if (!newest) {
    throw Error(ErrorCode::kNotFound, "no feature version of set '" + feature_set + "' in " +
                                          store.describe() + " (" + hint + ")");
  }
  return *newest;
}

}  // namespace mre::workflows::detail
