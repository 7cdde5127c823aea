// Implementation of the shared test helpers.
#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mre::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("mre-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(rd() % 100000));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

CommandResult run_shell(const std::string& command) {
  TempDir dir;
  const auto out = dir / "out";
  const auto err = dir / "err";
  const std::string full = "( " + command + " ) >" + shell_quote(out.string()) + " 2>" +
                           shell_quote(err.string()) + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

CommandResult run_mre(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                      const std::vector<std::string>& env) {
  std::string command =
      "cd " + shell_quote((cwd.empty() ? source_dir() : cwd).string()) + " && env";
  for (const auto& e : env) command += " " + shell_quote(e);
  command += " " + shell_quote(MRE_BINARY);
  for (const auto& a : args) command += " " + shell_quote(a);
  return run_shell(command);
}

std::filesystem::path source_dir() { return MRE_SOURCE_DIR; }
std::string mre_binary() { return MRE_BINARY; }
std::filesystem::path snapshot_dir() { return source_dir() / "data" / "snapshot"; }
std::filesystem::path universe_path() { return source_dir() / "config" / "universe.yml"; }

}  // namespace mre::testing
