// Issue 26 case 6: no command prints a PostgreSQL password, whatever characters it holds.
// Every command `mre --help` lists (and every subcommand its --help lists) runs with --db
// pointing at a closed port and a planted password; stdout and stderr must not contain it.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::run_shell;
using testing::shell_quote;

// The subcommand names in a CLI11 help text: the lines under its SUBCOMMANDS heading.
std::vector<std::string> subcommands(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_list = false;
  static const std::regex entry(R"(^  ([a-z][a-z0-9-]*)( .*)?$)");
  while (std::getline(in, line)) {
    if (line.find("SUBCOMMANDS") != std::string::npos ||
        line.find("Subcommands") != std::string::npos) {
      in_list = true;
      continue;
    }
    std::smatch m;
    if (in_list && std::regex_match(line, m, entry)) out.push_back(m[1]);
  }
  return out;
}

std::string mre_shell(const std::string& args) {
  return "timeout 20 " + shell_quote(mre::testing::mre_binary()) + " " + args + " < /dev/null";
}

TEST(Secrets, NoCommandPrintsAPlantedPostgresPassword) {
  const std::string top_help = run_shell(mre_shell("--help")).out;
  const auto commands = subcommands(top_help);
  ASSERT_GE(commands.size(), 8u) << top_help;
  // A password with raw reserved characters, and a plain one; nothing listens on port 1.
  struct Planted {
    std::string url;
    std::vector<std::string> fragments;  // none may appear
  };
  const std::vector<Planted> planted = {
      {"postgresql://mre:Pw/Secr?et9Zq@127.0.0.1:1/mre", {"Pw/Secr", "Secr?et9", "et9Zq"}},
      {"postgresql://mre:PlainPw8xQ@127.0.0.1:1/mre?sslmode=disable", {"PlainPw8xQ"}},
      {"postgresql://mre@127.0.0.1:1/mre?password=QueryPw7kR", {"QueryPw7kR"}},
  };
  int runs = 0;
  for (const auto& command : commands) {
    std::vector<std::string> leaves;
    for (const auto& sub : subcommands(run_shell(mre_shell(command + " --help")).out))
      leaves.push_back(command + " " + sub);
    if (leaves.empty()) leaves.push_back(command);
    for (const auto& leaf : leaves) {
      for (const auto& p : planted) {
        // serve runs until stopped: timeout ends it after 3 s (it prints before serving).
        const std::string extra = leaf == "serve" ? " --port 0" : "";
        const std::string prefix = leaf == "serve" ? "timeout 3 " : "";
        const auto r = run_shell(prefix + mre_shell(leaf + " --db " + shell_quote(p.url) + extra));
        ++runs;
        for (const auto& f : p.fragments) {
          EXPECT_FALSE(contains(r.out, f))
              << "mre " << leaf << " printed '" << f << "' on stdout:\n"
              << r.out;
          EXPECT_FALSE(contains(r.err, f))
              << "mre " << leaf << " printed '" << f << "' on stderr:\n"
              << r.err;
        }
      }
    }
  }
  // The copy between backends names both ends.
  for (const auto& p : planted) {
    const auto from =
        run_shell(mre_shell("db copy --from " + shell_quote(p.url) + " --to :memory:"));
    const auto to = run_shell(mre_shell("db copy --from :memory: --to " + shell_quote(p.url)));
    for (const auto& f : p.fragments) {
      EXPECT_FALSE(contains(from.out + from.err, f)) << "mre db copy --from:\n" << from.err;
      EXPECT_FALSE(contains(to.out + to.err, f)) << "mre db copy --to:\n" << to.err;
    }
  }
  EXPECT_GE(runs, 60);
  // serve, which printed the password: its start-up line names the redacted store.
  const auto serve =
      run_shell("timeout 3 " + mre_shell("serve --port 0 --db " + shell_quote(planted[0].url)));
  EXPECT_TRUE(contains(serve.err, "postgresql://mre:***@127.0.0.1:1/mre")) << serve.err;
}

}  // namespace
}  // namespace mre
