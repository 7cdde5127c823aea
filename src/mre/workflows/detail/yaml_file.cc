// See yaml_file.h.
#include "mre/workflows/detail/yaml_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
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

void fail(const std::filesystem::path& path, const YAML::Node& node, const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, path.string() + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
}

template <typename T>
T scalar(const std::filesystem::path& path, const YAML::Node& node, const std::string& what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(path, node, "'" + what + "' has the wrong type");
  }
}
template int scalar<int>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template double scalar<double>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template std::uint64_t scalar<std::uint64_t>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template bool scalar<bool>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template std::string scalar<std::string>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template std::vector<std::string> scalar<std::vector<std::string>>(const std::filesystem::path&, const YAML::Node&,
                                                                    const std::string&);

void only_keys(const std::filesystem::path& path, const YAML::Node& node, const std::vector<std::string>& keys,
               const std::string& where) {
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) fail(path, item.first, where + "unknown key '" + key + "'");
  }
}

}  // namespace mre::workflows::detail
