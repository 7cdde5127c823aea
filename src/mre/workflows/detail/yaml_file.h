// Loading a spec file as a YAML mapping, with errors that name the file and line. Shared by
// the feature and regime spec parsers; callers include <yaml-cpp/yaml.h> in their .cc.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace mre::workflows::detail {

// Limits of every spec file, checked before the text reaches yaml-cpp.
inline constexpr std::size_t kMaxSpecBytes = 16u << 20;
inline constexpr std::size_t kMaxSpecDepth = 64;

// An upper bound on the nesting depth of a YAML text (block indentation levels, "- " items
// and open flow brackets, outside quotes and comments), without parsing it; `deepest_line`
// receives the 1-based line where it is reached. Stops at the first point deeper than
// `stop_above` (so the line is the first one past a cap). Linear time, no recursion.
std::size_t yaml_nesting_depth(std::string_view text, std::size_t* deepest_line = nullptr,
                               std::size_t stop_above = static_cast<std::size_t>(-1));

// IoError when the file does not exist ("PATH: <what> does not exist"), InvalidArgument
// "PATH:LINE: ..." for YAML syntax errors, a top level that is not a mapping, a file over
// kMaxSpecBytes or nested deeper than kMaxSpecDepth.
YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what);

// InvalidArgument "PATH:LINE: message" at the node's line.
[[noreturn]] void fail(const std::filesystem::path& path, const YAML::Node& node,
                       const std::string& message);
// The node as T (int, double, std::uint64_t, bool, std::string, std::vector<std::string>), or
// fail(...) "'what' has the wrong type".
template <typename T>
T scalar(const std::filesystem::path& path, const YAML::Node& node, const std::string& what);
// fail(...) unless `node` is a mapping (or empty: "section:" alone) whose keys are all in
// `keys`: "PATH:LINE: 'section': expected a mapping with keys among ..., got the value '3'",
// or "<where>unknown key 'k'".
void only_keys(const std::filesystem::path& path, const YAML::Node& node,
               const std::vector<std::string>& keys, const std::string& where);

// A short description of a node for messages: "the value '3'", "a list", "a mapping", "nothing".
std::string describe_node(const YAML::Node& node);
// fail(...) "'key': expected a list, got ..." unless `node` is a sequence.
void require_sequence(const std::filesystem::path& path, const YAML::Node& node,
                      const std::string& key);
// The node as an int in [lo, hi], read as 64 bits before narrowing; fail(...) naming the key
// and the value otherwise.
int count_in_range(const std::filesystem::path& path, const YAML::Node& node,
                   const std::string& key, int lo, int hi);
// Inside a spec loader's catch (const std::exception& e): a yaml-cpp exception (a node used as
// the wrong kind somewhere no check caught) becomes InvalidArgument "PATH:LINE: <what>:
// unexpected structure (...)"; anything else is rethrown unchanged. Must be called from a catch.
[[noreturn]] void rethrow_yaml_error(const std::filesystem::path& path, const std::exception& e,
                                     std::string_view what);

}  // namespace mre::workflows::detail
