// Loading a spec file as a YAML mapping, with errors that name the file and line. Shared by
// the feature and regime spec parsers; callers include <yaml-cpp/yaml.h> in their .cc.
#pragma once

#include <filesystem>
#include <string_view>

namespace YAML {
class Node;
}

namespace mre::workflows::detail {

// IoError when the file does not exist ("PATH: <what> does not exist"), InvalidArgument
// "PATH:LINE: ..." for YAML syntax errors or a top level that is not a mapping.
YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what);

}  // namespace mre::workflows::detail
