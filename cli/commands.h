// The subcommands of `mre`: each registers its options on the CLI11 app and sets the action
// to run after parsing. Front end only: parse, call a workflow, format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mre/core/date.h"

namespace mre {
class WorkItems;
}
namespace mre::store {
class Store;
}

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace mre::workflows {
struct BuildFeaturesReport;
struct DetectRegimesReport;
struct TrainReport;
}  // namespace mre::workflows

namespace mre::cli {

// What a parsed command does; returns the exit status.
using Action = std::function<int()>;

// Options every store-using command takes.
struct CommonOptions {
  std::string db;        // --db: SQLite path, ":memory:", or postgresql:// URL
  std::string universe;  // --universe: the universe config
};

void add_common_options(CLI::App& command, CommonOptions& options);

// The work distribution of this run (core/work_items.h), set once by main: the MPI ranks when
// started by mpirun, else nullptr (threads in this process).
const WorkItems* work_items();
void set_work_items(const WorkItems* items);
// Opens the store of a command whose heavy part is distributed. One process: store::open_store.
// Under MPI rank 0 opens `db` (and alone writes it); every other rank opens it read-only, checks
// it can, and computes on a private in-memory copy (whatever it stores there is discarded). A rank
// that cannot open it (an SQLite file on another host's disk) fails every rank with StoreError
// naming the path and suggesting PostgreSQL; nothing is stored.
std::unique_ptr<store::Store> open_store_for_run(const std::string& db, bool create);
// The --db default: $MRE_DB, else ./mre.db.
std::string default_db();
// After parsing: the SQLite file the chosen command's --db names when it does not exist yet (the
// command may create it), else nothing. main() removes such a file again when the command fails
// and left it holding nothing but the schema (store::remove_if_empty).
std::optional<std::filesystem::path> new_store_path(const CLI::App& app);

void register_ingest(CLI::App& app, Action& action);
void register_series(CLI::App& app, Action& action);
void register_run(CLI::App& app, Action& action);
void register_features(CLI::App& app, Action& action);
void register_regimes(CLI::App& app, Action& action);
void register_classify(CLI::App& app, Action& action);
void register_effects(CLI::App& app, Action& action);
void register_db(CLI::App& app, Action& action);
void register_scm(CLI::App& app, Action& action);
void register_serve(CLI::App& app, Action& action);
void register_backtest(CLI::App& app, Action& action);
void register_monitor(CLI::App& app, Action& action);
void register_neural(CLI::App& app, Action& action);
// `mre neural export` (issue 24): adds `export` to the `neural` command, creating it if absent.
void register_neural_export(CLI::App& app, Action& action);

// The lines a feature build prints (shared by `features build` and `run`).
void print_build_report(const workflows::BuildFeaturesReport& report);
void print_regime_report(const workflows::DetectRegimesReport& report);
void print_train_report(const workflows::TrainReport& report);

// A --from/--to style option: nullopt when empty; InvalidArgument naming the option otherwise.
std::optional<Date> parse_date_option(const std::string& text, const char* option);
// --from and --to parsed; a --to before --from is refused (it read as an empty answer).
std::pair<std::optional<Date>, std::optional<Date>> parse_date_range(const std::string& from,
                                                                     const std::string& to);

// An output option (--out): empty or "-" means standard output (written and flushed, errors
// checked); anything else is written through AtomicFileWriter (temporary file, fsync, rename),
// so a failure keeps the previous file. A directory, symlink, device or FIFO is refused, naming
// `option` and the path. check_output_option runs the refusal alone, before any work.
void check_output_option(const std::string& path, const char* option);
void write_output(const std::string& path, std::string_view text, const char* option);

// A count option (--paths, --horizon, --states, ...) read as a 64-bit integer and checked
// against [lo, hi] before it is narrowed to int: InvalidArgument naming the option, the value
// and the limits. (A value beyond 64 bits is refused by the parser, naming the option.)
int checked_count(std::int64_t value, const char* option, std::int64_t lo, std::int64_t hi);

// A listing (issue 22): every `list` prints one through print_listing, in the --format asked:
// table (aligned columns), csv (RFC 4180 with one header line: pandas.read_csv reads it) or json
// (an array of objects, numbers as numbers). An unknown format: InvalidArgument naming it.
struct Listing {
  std::vector<std::string> columns{};
  std::vector<std::vector<std::string>> rows{};
};
void add_format_option(CLI::App& command, std::string& format);
// The arguments of a store listing: the store and the format (csv unless the command says).
struct ListArgs {
  CommonOptions common;
  std::string format = "csv";
};
void check_format(const std::string& format);
void print_listing(const Listing& listing, const std::string& format);

// After a parse error: when a word where a subcommand belongs names none, the message naming it
// and the nearest subcommand ("unknown command 'seris' for 'mre'; did you mean 'series'?").
std::optional<std::string> unknown_subcommand_message(const CLI::App& app, int argc,
                                                      const char* const* argv);

// Checks every command shares, added after registration so a new command gets them too: a seed
// (--seed, --bootstrap-seed, ...) is a non-negative integer (an unsigned option took -1 as
// 2^64 - 1, a signed one treated a negative seed as "the spec's"), and --threads is 0 (all
// cores) to 1024, or 1 to 1024 where threads_from_one marked it.
void add_uniform_checks(CLI::App& app);
// Marks a --threads option whose command refuses 0 (LibTorch's networks: their weights are
// reproducible for a thread count, so "all cores" would make them depend on the machine), so that
// its check and its --help say [1..1024]. Returns the option.
CLI::Option* threads_from_one(CLI::Option* option);

// A validator for an option that must be a finite number ("nan" and "inf" parse as doubles).
// With a bound: at most `bound` in absolute value, the limits shown in --help.
CLI::Validator finite_number(double bound = std::numeric_limits<double>::infinity());
// "[lo, hi] (see --help)": the limits as checked_count and whole_number_in name them.
std::string limits_text(std::int64_t lo, std::int64_t hi);
// A validator for a whole number in [lo, hi], with checked_count's message ("--folds: 0 is
// outside the limits [2, 100] (see --help)").
CLI::Validator whole_number_in(std::int64_t lo, std::int64_t hi);

// Human messages go to stderr, one line each, prefixed "mre: ".
void say(const std::string& message);

// `--quiet` on a long command (issue 22): no progress on stderr (core/progress.h). Without it,
// main installs a stderr reporter (a bar on a terminal, plain lines otherwise) on rank 0.
void add_quiet_option(CLI::App& command);
bool quiet();

}  // namespace mre::cli
