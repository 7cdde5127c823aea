// Reading a YAML file as a mapping with the limits every configuration file shares (size,
// nesting depth, a key written once per mapping), with errors that name the file and line.
// Used by the universe loader here and by every spec parser (workflows/detail/yaml_file.h);
// callers include <yaml-cpp/yaml.h> in their .cc.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace YAML {
class Node;
}

namespace mre::sources {

// Limits of every configuration file, checked before the text reaches yaml-cpp.
inline constexpr std::size_t kMaxSpecBytes = 16u << 20;
inline constexpr std::size_t kMaxSpecDepth = 64;

// An upper bound on the nesting depth of a YAML text (block indentation levels, "- " items
// and open flow brackets, outside quotes and comments), without parsing it; `deepest_line`
// receives the 1-based line where it is reached. Stops at the first point deeper than
// `stop_above` (so the line is the first one past a cap). Linear time, no recursion.
std::size_t yaml_nesting_depth(std::string_view text, std::size_t* deepest_line = nullptr,
                               std::size_t stop_above = static_cast<std::size_t>(-1));

// IoError when the file does not exist ("PATH: <what> does not exist"), InvalidArgument
// "PATH:LINE: ..." for YAML syntax errors, a top level that is not a mapping, a key written
// twice in one mapping, a file over kMaxSpecBytes or nested deeper than kMaxSpecDepth, and
// "PATH: <what> is not a regular file" for a directory.
YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what);

}  // namespace mre::sources
