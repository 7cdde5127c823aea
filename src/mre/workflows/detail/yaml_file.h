// Loading a spec file as a YAML mapping, with errors that name the file and line. Shared by
// the feature and regime spec parsers; callers include <yaml-cpp/yaml.h> in their .cc.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mre/sources/yaml_file.h"

namespace mre::workflows::detail {

// The loader and its limits live in sources/ (the universe file shares them).
using sources::kMaxSpecBytes;
using sources::kMaxSpecDepth;
using sources::load_yaml_mapping;
using sources::yaml_nesting_depth;

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
