// Shared option wiring and output helpers of the CLI.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/atomic_file.h"
#include "mre/core/error.h"
#include "mre/sources/universe.h"
#include "mre/store/store.h"

namespace mre::cli {

std::string default_db() {
  if (const char* env = std::getenv("MRE_DB"); env && *env) return env;
  return "mre.db";
}

void add_common_options(CLI::App& command, CommonOptions& options) {
  options.db = default_db();
  options.universe = sources::default_universe_path().string();
  command.add_option("--db", options.db,
                     "Store: an SQLite file path (created if missing), ':memory:', or a PostgreSQL URL "
                     "postgresql://user@host:port/dbname (password from the URL, PGPASSWORD or ~/.pgpass). "
                     "Default $MRE_DB, else ./mre.db")
      ->default_str(store::printable_target(options.db));  // help never shows a password
  command.add_option("--universe", options.universe,
                     "Universe config listing every series (default $MRE_UNIVERSE, else "
                     "./config/universe.yml)")
      ->capture_default_str();
}

std::optional<Date> parse_date_option(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  const auto date = Date::parse(text);
  if (!date) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(option) + ": cannot parse date '" + text + "' (expected YYYY-MM-DD)");
  }
  return date;
}

void check_output_option(const std::string& path, const char* option) {
  if (path.empty() || is_stdout_target(path)) return;
  check_output_target(path, option);
}

void write_output(const std::string& path, std::string_view text, const char* option) {
  if (path.empty() || is_stdout_target(path)) {
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout) throw Error(ErrorCode::kIoError, std::string(option) + ": cannot write to standard output");
    return;
  }
  check_output_target(path, option);
  write_file_atomically(path, text);
}

int checked_count(std::int64_t value, const char* option, std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi) {
    throw Error(ErrorCode::kInvalidArgument, std::string(option) + ": " + std::to_string(value) + " is outside the limits [" +
                                                 std::to_string(lo) + ", " + std::to_string(hi) + "] (see --help)");
  }
  return static_cast<int>(value);
}

void say(const std::string& message) { std::cerr << "mre: " << message << "\n"; }

}  // namespace mre::cli
