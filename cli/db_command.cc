// `mre db migrate|copy|checksum`: the store itself - its schema, moving it between backends,
// and per-table counts and checksums to compare two stores.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/schema.h"
#include "mre/store/store.h"
#include "mre/workflows/copy_store.h"

namespace mre::cli {
namespace {

struct DbArgs {
  CommonOptions common;
  std::string from;
  std::string to;
};

int migrate(const DbArgs& args) {
  auto store = store::open_store(args.common.db, true);
  say(fmt::format("{}: schema version {} (this mre's)", store->describe(),
                  store->schema_version()));
  return 0;
}

int checksum(const DbArgs& args) {
  auto store = store::open_store(args.common.db, false);
  std::cout << "table,rows,checksum\n";
  for (const auto& t : workflows::summarize_store(*store))
    std::cout << t.table << ',' << t.rows << ',' << t.checksum << "\n";
  return 0;
}

int copy(const DbArgs& args) {
  // The same store however it is written (QA: `--from sqlite:X --to X` copied X onto itself).
  const auto sqlite_file = [](const std::string& target) -> std::optional<std::filesystem::path> {
    const auto path = store::sqlite_path(target);
    std::error_code ec;
    auto canonical = path ? std::filesystem::weakly_canonical(*path, ec) : std::filesystem::path();
    return path && !ec ? std::optional(canonical) : std::nullopt;
  };
  const auto from_file = sqlite_file(args.from);
  if (args.from == args.to || (from_file && from_file == sqlite_file(args.to)))
    throw Error(ErrorCode::kInvalidArgument, "--from and --to name the same store");
  auto from = store::open_store(args.from, false);
  auto to = store::open_store(args.to, true);
  say("copying " + from->describe() + " to " + to->describe());
  const auto report = workflows::copy_store(*from, *to);
  std::cout << fmt::format("{:<22} {:>10} {:<16}  {:>10} {:<16}  {}\n", "table", "from rows",
                           "from checksum", "to rows", "to checksum", "same");
  std::vector<std::string> different;
  // Paired by table name: a store with other artefact kinds has other tables (a table one side
  // lacks shows "-" there).
  for (const auto& t : workflows::compare_tables(report.source, report.target)) {
    if (!t.same()) different.push_back(t.table);
    const auto rows = [](const std::optional<workflows::TableSummary>& x) {
      return x ? std::to_string(x->rows) : std::string("-");
    };
    const auto sum = [](const std::optional<workflows::TableSummary>& x) {
      return x ? x->checksum : std::string("-");
    };
    std::cout << fmt::format("{:<22} {:>10} {:<16}  {:>10} {:<16}  {}\n", t.table, rows(t.source),
                             sum(t.source), rows(t.target), sum(t.target), t.same() ? "yes" : "NO");
  }
  say(fmt::format("raw history {}; {} versions written, {} already there",
                  report.raw_copied ? "copied" : "already there", report.versions_copied,
                  report.versions_present));
  if (!different.empty()) {
    std::string names;
    for (const auto& t : different) names += (names.empty() ? "" : ", ") + t;
    throw Error(ErrorCode::kStoreError, "the copy differs from its source in: " + names);
  }
  say("every table has the same rows and checksum in both stores");
  return 0;
}

}  // namespace

void register_db(CLI::App& app, Action& action) {
  auto* db = app.add_subcommand(
      "db", "The store itself: schema migrations, copies between backends, checksums");
  db->require_subcommand(1);

  auto migrate_args = std::make_shared<DbArgs>();
  auto* migrate_cmd = db->add_subcommand("migrate",
                                         "Create the store's schema, or migrate it to this mre's "
                                         "version (every write command does this too).\n"
                                         "A store from a newer mre is refused.");
  add_common_options(*migrate_cmd, migrate_args->common);
  migrate_cmd->callback(
      [migrate_args, &action] { action = [migrate_args] { return migrate(*migrate_args); }; });

  auto copy_args = std::make_shared<DbArgs>();
  auto* copy_cmd = db->add_subcommand(
      "copy",
      "Copy a whole store - raw series with every revision and ingest time, and every version - "
      "into\n"
      "another, e.g. from SQLite to PostgreSQL or back; prints rows and a checksum per table for "
      "both\n"
      "and fails (exit 3) unless they agree. Pieces the target already holds identically are "
      "skipped,\n"
      "so an interrupted copy can be run again. The target must be empty or a partial copy of "
      "the\n"
      "source: one holding anything else is refused (exit 1) before anything is written.\n"
      "Example:\n"
      "  mre db copy --from sqlite:mre.db --to postgresql://me@dbhost:5432/macro");
  copy_cmd->add_option("--from", copy_args->from, "The source store (--db syntax)")->required();
  copy_cmd->add_option("--to", copy_args->to, "The target store (--db syntax), created or migrated")
      ->required();
  copy_cmd->callback([copy_args, &action] { action = [copy_args] { return copy(*copy_args); }; });

  auto checksum_args = std::make_shared<DbArgs>();
  auto* checksum_cmd = db->add_subcommand(
      "checksum",
      "Rows and a checksum per table (CSV), equal for equal contents whatever the backend");
  add_common_options(*checksum_cmd, checksum_args->common);
  checksum_cmd->callback(
      [checksum_args, &action] { action = [checksum_args] { return checksum(*checksum_args); }; });
}

}  // namespace mre::cli
