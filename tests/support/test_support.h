// Helpers shared by the tests: temporary directories, running the `mre` binary, file I/O.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mre::testing {

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;  // the process's exit status; 128+N when killed by signal N
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `command` through /bin/sh with stdout and stderr captured in files.
CommandResult run_shell(const std::string& command);
// Runs the mre binary under test with the given arguments (each shell-quoted), from `cwd`
// (default: the source tree), with extra environment assignments like "MRE_X=1".
CommandResult run_mre(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                      const std::vector<std::string>& env = {});

std::string shell_quote(const std::string& text);
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);
// True when `needle` occurs in `haystack` (for output checks).
bool contains(const std::string& haystack, const std::string& needle);

// The source tree and the snapshot data in it, and the mre binary under test. (Only
// test_support.cc is compiled with their paths, so every other test file's object is the same in
// any checkout and a new clone finds it in ccache.)
std::filesystem::path source_dir();
std::string mre_binary();
std::filesystem::path snapshot_dir();
std::filesystem::path universe_path();

}  // namespace mre::testing
