// Shared option wiring and output helpers of the CLI.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/atomic_file.h"
#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/sources/universe.h"
#include "mre/store/store.h"
#include "mre/workflows/copy_store.h"

namespace mre::cli {

std::string default_db() {
  if (const char* env = std::getenv("MRE_DB"); env && *env) return env;
  return "mre.db";
}

std::optional<std::filesystem::path> new_store_path(const CLI::App& app) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  const CLI::Option* db = command->get_option_no_throw("--db");
  if (db == nullptr) return std::nullopt;
  return store::new_sqlite_path(db->count() > 0 ? db->results().front() : default_db());
}

void add_common_options(CLI::App& command, CommonOptions& options) {
  options.db = default_db();
  options.universe = sources::default_universe_path().string();
  command
      .add_option(
          "--db", options.db,
          "Store: an SQLite file path (created if missing), ':memory:', or a PostgreSQL URL "
          "postgresql://user@host:port/dbname (password from the URL, PGPASSWORD or ~/.pgpass). "
          "Default $MRE_DB, else ./mre.db")
      ->default_str(store::printable_target(options.db));  // help never shows a password
  command
      .add_option("--universe", options.universe,
                  "Universe config listing every series (default $MRE_UNIVERSE, else "
                  "./config/universe.yml)")
      ->capture_default_str();
}

namespace {
const WorkItems* g_work_items =
    nullptr;  // the front end's run context; libraries take it as a parameter
}

const WorkItems* work_items() { return g_work_items; }
void set_work_items(const WorkItems* items) { g_work_items = items; }

std::unique_ptr<store::Store> open_store_for_run(const std::string& db, bool create) {
  const WorkItems* items = work_items();
  if (items == nullptr || items->processes() == 1) return store::open_store(db, create);
  const auto code = static_cast<int>(ErrorCode::kStoreError);
  std::unique_ptr<store::Store> store;
  std::string failure;
  // Rank 0 first (it may create the file), then the others read what it opened.
  if (items->writer()) {
    try {
      store = store::open_store(db, create);
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  items->agree(failure, code);
  if (items->writer()) {
    items->agree("", code);
    return store;
  }
  const bool postgres = db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
  try {
    if (db == ":memory:") {
      failure =
          "--db :memory: is private to each process; under mpirun use an SQLite file on a shared "
          "file system or PostgreSQL";
    } else if (!postgres && !std::filesystem::exists(db)) {
      failure = "cannot open the SQLite store '" + db +
                "': the file is not visible from this host. Ranks on several hosts need the file "
                "on a shared file "
                "system, or a PostgreSQL store (--db postgresql://user@host/dbname)";
    } else {
      const auto shared = store::open_store(db, false);
      auto copy = store::open_store(":memory:", true);
      workflows::copy_store(*shared, *copy);
      store = std::move(copy);
    }
  } catch (const Error& e) {
    failure = "cannot read the store " + store::printable_target(db) + ": " + e.what() +
              (postgres ? std::string()
                        : std::string(" (ranks on several hosts: use a PostgreSQL store)"));
  }
  items->agree(failure, code);
  return store;
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

std::pair<std::optional<Date>, std::optional<Date>> parse_date_range(const std::string& from,
                                                                     const std::string& to) {
  auto range = std::make_pair(parse_date_option(from, "--from"), parse_date_option(to, "--to"));
  if (range.first && range.second && *range.second < *range.first) {
    throw Error(ErrorCode::kInvalidArgument,
                "--to " + range.second->iso() + " is before --from " + range.first->iso());
  }
  return range;
}

void check_output_option(const std::string& path, const char* option) {
  if (path.empty() || is_stdout_target(path)) return;
  check_output_target(path, option);
}

void write_output(const std::string& path, std::string_view text, const char* option) {
  if (work_items() != nullptr && !work_items()->writer()) return;  // rank 0 alone writes files
  if (path.empty() || is_stdout_target(path)) {
    std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::cout.flush();
    if (!std::cout)
      throw Error(ErrorCode::kIoError, std::string(option) + ": cannot write to standard output");
    return;
  }
  check_output_target(path, option);
  write_file_atomically(path, text);
}

std::string limits_text(std::int64_t lo, std::int64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "] (see --help)";
}

int checked_count(std::int64_t value, const char* option, std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi) {
    throw Error(ErrorCode::kInvalidArgument, std::string(option) + ": " + std::to_string(value) +
                                                 " is outside the limits " + limits_text(lo, hi));
  }
  return static_cast<int>(value);
}

namespace {
bool g_quiet = false;
}

void add_quiet_option(CLI::App& command) {
  command.add_flag(
      "--quiet", g_quiet,
      "No progress on stderr (by default: a bar on a terminal, a line per tenth otherwise)");
}
bool quiet() { return g_quiet; }

void say(const std::string& message) {
  if (work_items() != nullptr && !work_items()->writer()) return;  // rank 0 alone reports
  std::cerr << "mre: " << message << "\n";
}

}  // namespace mre::cli
