// Loading a spec file as a YAML mapping, with errors that name the file and line. Shared by
// the feature and regime spec parsers; callers include <yaml-cpp/yaml.h> in their .cc.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace mre::workflows::detail {

// IoError when the file does not exist ("PATH: <what> does not exist"), InvalidArgument
// "PATH:LINE: ..." for YAML syntax errors or a top level that is not a mapping.
YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what);

// InvalidArgument "PATH:LINE: message" at the node's line.
[[noreturn]] void fail(const std::filesystem::path& path, const YAML::Node& node, const std::string& message);
// The node as T (int, double, std::uint64_t, bool, std::string, std::vector<std::string>), or
// fail(...) "'what' has the wrong type".
template <typename T>
T scalar(const std::filesystem::path& path, const YAML::Node& node, const std::string& what);
// fail(...) on the first key of the mapping not in `keys` ("<where>unknown key 'k'").
void only_keys(const std::filesystem::path& path, const YAML::Node& node, const std::vector<std::string>& keys,
               const std::string& where);

}  // namespace mre::workflows::detail
