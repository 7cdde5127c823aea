// See yaml_file.h.
#include "mre/workflows/detail/yaml_file.h"

#include <yaml-cpp/yaml.h>

#include <string>

#include "mre/core/error.h"

namespace mre::workflows::detail {

YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what) {
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorCode::kIoError, path.string() + ": " + std::string(what) + " does not exist");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) throw Error(ErrorCode::kInvalidArgument, path.string() + ": expected a mapping at the top");
  return root;
}

}  // namespace mre::workflows::detail
