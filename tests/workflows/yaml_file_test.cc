// The spec files' guard before yaml-cpp: the nesting depth scan and the limits it enforces.
#include "mre/workflows/detail/yaml_file.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre::workflows::detail {
namespace {

using testing::TempDir;
using testing::write_file;

// The depth of a parsed node: 1 for a scalar, 1 + the deepest child for a collection.
std::size_t parsed_depth(const YAML::Node& node) {
  std::size_t deepest = 0;
  if (node.IsMap()) {
    for (const auto& item : node) deepest = std::max(deepest, parsed_depth(item.second));
  } else if (node.IsSequence()) {
    for (const auto& item : node) deepest = std::max(deepest, parsed_depth(item));
  }
  return node.IsScalar() ? 1 : 1 + deepest;
}

TEST(YamlNestingDepth, CountsBlockLevelsDashesAndFlowBrackets) {
  // Hand counts: "a" is level 1, "b" level 2, "c: 1" level 3.
  EXPECT_EQ(yaml_nesting_depth("a:\n  b:\n    c: 1\n"), 3u);
  EXPECT_EQ(yaml_nesting_depth("a: [1, [2, {x: 3}]]\n"), 4u);
  EXPECT_EQ(yaml_nesting_depth("- - - x\n"), 4u);
  // Brackets inside quotes and comments do not count.
  EXPECT_EQ(yaml_nesting_depth("a: '[[[['  # {{{{\n"), 1u);
  // A flow collection spanning lines keeps the depth of the line it opened on.
  std::size_t line = 0;
  EXPECT_EQ(yaml_nesting_depth("a:\n  b: [\n    [1,\n     2]]\n", &line), 4u);
  EXPECT_EQ(line, 3u);
}

TEST(YamlNestingDepth, NeverBelowTheParsedDepthOfTheShippedSpecs) {
  // An upper bound: for every spec in config/, at least what yaml-cpp builds, and far under the
  // cap.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::source_dir() / "config")) {
    if (entry.path().extension() != ".yml") continue;
    const auto text = testing::read_file(entry.path());
    const auto scanned = yaml_nesting_depth(text);
    EXPECT_GE(scanned + 1, parsed_depth(YAML::Load(text)))
        << entry.path();  // +1: the parsed count includes the leaf scalar
    EXPECT_LT(scanned, kMaxSpecDepth / 4) << entry.path();
  }
}

TEST(LoadYamlMapping, RefusesDeepNestingBeforeParsingNamingFileAndLine) {
  TempDir dir;
  const auto expect_refused = [&](const std::string& text, const std::string& message) {
    write_file(dir / "deep.yml", text);
    try {
      load_yaml_mapping(dir / "deep.yml", "regime spec");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_TRUE(testing::contains(e.what(), (dir / "deep.yml").string() + message)) << e.what();
    }
  };
  // 200,000 flow levels would overflow yaml-cpp's recursive parser's stack.
  expect_refused("a: " + std::string(200'000, '[') + std::string(200'000, ']') + "\n",
                 ":1: regime spec nested more than 64 levels deep");
  std::string block;
  for (int level = 0; level < 100; ++level)
    block += std::string(static_cast<std::size_t>(level), ' ') + "k:\n";
  expect_refused(block, ":65: regime spec nested more than 64 levels deep");
  std::string dashes;
  for (int i = 0; i < 70; ++i) dashes += "- ";
  expect_refused("a:\n  " + dashes + "x\n", ":2: regime spec nested more than 64 levels deep");
  // Exactly 64 levels load.
  write_file(dir / "ok.yml", "a: " + std::string(63, '[') + std::string(63, ']') + "\n");
  EXPECT_TRUE(load_yaml_mapping(dir / "ok.yml", "regime spec").IsMap());
}

}  // namespace
}  // namespace mre::workflows::detail
