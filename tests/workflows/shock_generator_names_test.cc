// The dashboard's shock-generator list (web/src/pages/scenarios.ts, SHOCKS) against the
// registry of generators (workflows/shock_generators.h) and the names the SCM's simulation
// accepts (scm::parse_shock_kind, what POST /api/counterfactual calls): the same names in the same
// order, so a generator added to the registry cannot be missing from the dashboard (garch was).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "mre/scm/simulate.h"
#include "mre/workflows/shock_generators.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

std::vector<std::string> dashboard_generators() {
  std::ifstream in(mre::testing::source_dir().string() + "/web/src/pages/scenarios.ts");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  const auto begin = all.find("const SHOCKS");
  EXPECT_NE(begin, std::string::npos) << "web/src/pages/scenarios.ts has no SHOCKS list";
  if (begin == std::string::npos) return {};
  const auto end = all.find("];", begin);
  const std::string list = all.substr(begin, end - begin);
  std::vector<std::string> names;
  const std::regex entry(R"(\[\s*'([^']+)'\s*,)");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), entry);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1]);
  }
  return names;
}

TEST(ShockGeneratorNames, DashboardListsEveryGeneratorOfTheRegistryInOrder) {
  std::vector<std::string> registry;
  for (const auto& g : shock_generators()) registry.push_back(g.name);
  const auto dashboard = dashboard_generators();
  EXPECT_GE(registry.size(), 6u);  // gaussian ... garch: the registry really was read
  EXPECT_EQ(dashboard, registry);
}

TEST(ShockGeneratorNames, EveryListedGeneratorIsAcceptedByTheSimulation) {
  const auto dashboard = dashboard_generators();
  ASSERT_FALSE(dashboard.empty());
  for (const auto& name : dashboard) {
    EXPECT_NO_THROW({ EXPECT_EQ(scm::shock_kind_name(scm::parse_shock_kind(name)), name); })
        << name;
  }
}

}  // namespace
}  // namespace mre::workflows
