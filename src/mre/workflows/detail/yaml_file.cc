// See yaml_file.h.
#include "mre/workflows/detail/yaml_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "mre/core/error.h"

namespace mre::workflows::detail {

void fail(const std::filesystem::path& path, const YAML::Node& node, const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument,
              path.string() + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
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
template std::uint64_t scalar<std::uint64_t>(const std::filesystem::path&, const YAML::Node&,
                                             const std::string&);
template bool scalar<bool>(const std::filesystem::path&, const YAML::Node&, const std::string&);
template std::string scalar<std::string>(const std::filesystem::path&, const YAML::Node&,
                                         const std::string&);
template std::vector<std::string> scalar<std::vector<std::string>>(const std::filesystem::path&,
                                                                   const YAML::Node&,
                                                                   const std::string&);

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) {
    std::string text = node.Scalar();
    if (text.size() > 60) text = text.substr(0, 60) + "...";
    return "the value '" + text + "'";
  }
  if (node.IsSequence()) return "a list";
  return "a mapping";
}

void only_keys(const std::filesystem::path& path, const YAML::Node& node,
               const std::vector<std::string>& keys, const std::string& where) {
  if (node.IsNull()) return;  // "section:" with nothing under it: every key takes its default
  if (!node.IsMap()) {
    std::string known;
    for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
    std::string section = where;
    while (!section.empty() && (section.back() == ' ' || section.back() == ':')) section.pop_back();
    fail(path, node,
         (section.empty() ? std::string("expected") : "'" + section + "': expected") +
             " a mapping with keys among " + known + ", got " + describe_node(node));
  }
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      fail(path, item.first, where + "unknown key '" + key + "'");
  }
}

void require_sequence(const std::filesystem::path& path, const YAML::Node& node,
                      const std::string& key) {
  if (!node.IsSequence())
    fail(path, node, "'" + key + "': expected a list, got " + describe_node(node));
}

int count_in_range(const std::filesystem::path& path, const YAML::Node& node,
                   const std::string& key, int lo, int hi) {
  // Read as 64 bits first so a value beyond int is named rather than wrapped or refused as a type.
  long long value = 0;
  try {
    value = node.as<long long>();
  } catch (const YAML::Exception&) {
    fail(path, node,
         "'" + key + "' must be a whole number in [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "], got " + describe_node(node));
  }
  if (value < lo || value > hi) {
    fail(path, node,
         "'" + key + "' must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
             std::to_string(value));
  }
  return static_cast<int>(value);
}

void rethrow_yaml_error(const std::filesystem::path& path, const std::exception& e,
                        std::string_view what) {
  if (const auto* y = dynamic_cast<const YAML::Exception*>(&e)) {
    throw Error(ErrorCode::kInvalidArgument,
                path.string() + ":" + std::to_string(y->mark.line + 1) + ": " + std::string(what) +
                    ": unexpected structure (" + y->msg + ")");
  }
  throw;
}

}  // namespace mre::workflows::detail
