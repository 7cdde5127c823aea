// See yaml_file.h.
#include "mre/sources/yaml_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/core/format.h"

namespace mre::sources {

std::size_t yaml_nesting_depth(std::string_view text, std::size_t* deepest_line,
                               std::size_t stop_above) {
  std::vector<std::size_t> block;  // the indentation columns of the open block levels
  std::size_t flow = 0;            // open [ and { (flow collections may span lines)
  std::size_t deepest = 0;
  std::size_t base = 0;  // the block levels of the line a flow collection opened on
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    std::size_t i = 0;
    while (i < line.size() && line[i] == ' ') ++i;
    if (i == line.size() || line[i] == '#' || line[i] == '\r') continue;  // blank or comment
    std::size_t levels = 0;
    if (flow == 0) {
      while (!block.empty() && block.back() >= i) block.pop_back();
      block.push_back(i);
      // "- - x": each dash opens one more level, its content two columns on.
      while (i + 1 < line.size() && line[i] == '-' && (line[i + 1] == ' ' || line[i + 1] == '\t')) {
        i += 2;
        while (i < line.size() && line[i] == ' ') ++i;
        ++levels;
      }
      levels += block.size();
      base = levels;
    }
    levels = base;
    char quote = 0;
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
        break;
      } else if (c == '[' || c == '{') {
        ++flow;
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (levels + flow > deepest) {
        deepest = levels + flow;
        if (deepest_line) *deepest_line = line_number;
        if (deepest > stop_above) return deepest;
      }
    }
    if (levels > deepest) {
      deepest = levels;
      if (deepest_line) *deepest_line = line_number;
      if (deepest > stop_above) return deepest;
    }
    if (end == text.size()) break;
  }
  return deepest;
}

namespace {

// yaml-cpp keeps both entries of a key written twice in one mapping and answers the first, so
// `n_states: 2, n_states: 3` meant 2 silently (QA 2026-12-07). Refused at the second's line.
void check_unique_keys(const std::filesystem::path& path, const YAML::Node& node, int depth) {
  if (depth > 64) return;  // nesting is bounded before parsing (kMaxSpecDepth)
  if (node.IsMap()) {
    std::map<std::string, int> seen;  // key -> its first line (1-based)
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar()) {
        const int line = it->first.Mark().line + 1;
        const auto [at, inserted] = seen.emplace(it->first.Scalar(), line);
        if (!inserted) {
          throw Error(ErrorCode::kInvalidArgument,
                      path.string() + ":" + std::to_string(line) + ": key '" + it->first.Scalar() +
                          "' appears twice in one mapping (first at line " +
                          std::to_string(at->second) + ")");
        }
      }
      check_unique_keys(path, it->second, depth + 1);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) check_unique_keys(path, item, depth + 1);
  }
}

}  // namespace

YAML::Node load_yaml_mapping(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw Error(ErrorCode::kIoError, path.string() + ": " + std::string(what) + " does not exist");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw Error(ErrorCode::kInvalidArgument,
                path.string() + ": " + std::string(what) + " is not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxSpecBytes) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": " + std::string(what) +
                                                 " is larger than " +
                                                 std::to_string(kMaxSpecBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof())
    throw Error(ErrorCode::kIoError, path.string() + ": cannot read the " + std::string(what));
  // YAML is Unicode text; yaml-cpp passes other bytes through into names and messages.
  if (std::size_t bad = 0; !valid_utf8(text, &bad)) {
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    throw Error(ErrorCode::kInvalidArgument, path.string() + ":" + std::to_string(line) + ": " +
                                                 std::string(what) + " is not valid UTF-8 (byte " +
                                                 std::to_string(bad + 1) + " of the file)");
  }
  // Checked before yaml-cpp sees the text: its parser and node copies recurse per level.
  std::size_t line = 0;
  if (const auto depth = yaml_nesting_depth(text, &line, kMaxSpecDepth); depth > kMaxSpecDepth) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ":" + std::to_string(line) + ": " +
                                                 std::string(what) + " nested more than " +
                                                 std::to_string(kMaxSpecDepth) + " levels deep");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::kInvalidArgument,
                path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap())
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": expected a mapping at the top");
  check_unique_keys(path, root, 0);
  return root;
}

}  // namespace mre::sources
