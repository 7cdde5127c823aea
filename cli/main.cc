// Entry point of the `mre` command: builds the CLI, runs the chosen command, and maps errors
// to exit codes (the CLI boundary of CONVENTIONS.md's error table).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/allocator.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/core/progress.h"
#include "mre/core/work_items.h"
#include "mre/store/store.h"

#ifndef MRE_VERSION
#define MRE_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  mre::tune_allocator();
  // Under mpirun: the MPI ranks of this job (docs/scale.md); rank 0 alone prints and writes.
  const auto work_items = mre::mpi_work_items(&argc, &argv);
  mre::cli::set_work_items(work_items.get());
  if (work_items && !work_items->writer()) std::cout.setstate(std::ios::failbit);
  CLI::App app{
      "mre — the Macro Regime Engine.\n"
      "Ingests macro and market series (bundled snapshot, FRED, Yahoo, World Bank) into a "
      "versioned\n"
      "store (SQLite, or PostgreSQL with --db postgresql://...), builds features, detects "
      "regimes,\n"
      "estimates causal effects, simulates counterfactuals through a structural causal model, and\n"
      "serves it all over HTTP with a dashboard (`mre serve`).\n"
      "Start with `mre run` (the whole pipeline on the bundled data into ./mre.db), then\n"
      "`mre series list`, `mre scm show` or `mre serve`. Every command takes --help.\n"
      "Exit status: 0 ok, 1 usage, 2 bad input data, 3 store or file error, 4 not found,\n"
      "5 unsupported, 6 partial (a live ingest in which some series failed), 70 internal error.",
      "mre"};
  app.set_version_flag("--version", std::string("mre ") + MRE_VERSION);
  app.require_subcommand(1);
  mre::cli::Action action;
  mre::cli::register_run(app, action);
  mre::cli::register_ingest(app, action);
  mre::cli::register_series(app, action);
  mre::cli::register_features(app, action);
  mre::cli::register_regimes(app, action);
  mre::cli::register_classify(app, action);
  mre::cli::register_effects(app, action);
  mre::cli::register_scm(app, action);
  mre::cli::register_backtest(app, action);
  mre::cli::register_serve(app, action);
  mre::cli::register_db(app, action);
  mre::cli::register_monitor(app, action);
  mre::cli::register_neural(app, action);
  mre::cli::register_neural_export(app, action);
  mre::cli::add_uniform_checks(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const auto unknown = mre::cli::unknown_subcommand_message(app, argc, argv);
    std::cerr << "mre: " << (unknown ? *unknown : std::string(e.what()))
              << "\n(see 'mre --help' or 'mre COMMAND --help')\n";
    return 1;
  }
  // A store file this command creates is removed again if the command fails having stored
  // nothing in it (a mistyped ticker must not leave an empty ./mre.db behind). Rank 0 alone.
  const auto new_store =
      (!work_items || work_items->writer()) ? mre::cli::new_store_path(app) : std::nullopt;
  const auto discard_if_empty = [&new_store] {
    if (new_store) mre::store::remove_if_empty(*new_store);
  };
  // Progress of long work on stderr (core/progress.h), unless --quiet; rank 0 alone reports.
  mre::StreamProgress progress(std::cerr, ::isatty(STDERR_FILENO) != 0);
  if (!mre::cli::quiet() && (!work_items || work_items->writer()))
    mre::set_progress_reporter(&progress);
  try {
    const int code = action ? action() : 1;
    if (code != 0) discard_if_empty();
    // What a command printed must have reached its reader: a full disk or a closed pipe behind
    // stdout (`> /dev/full`) is a file error (3), whatever the command returned, never an exit 0
    // with the report lost. (Ranks other than 0 print nothing by design.)
    if (!work_items || work_items->writer()) {
      std::cout.flush();
      if (!std::cout) {
        std::cerr << "mre: error: cannot write to standard output (a full disk or a closed "
                     "pipe?): the command's output is lost\n";
        return mre::exit_code(mre::ErrorCode::kIoError);
      }
    }
    return code;
  } catch (const mre::Error& e) {
    discard_if_empty();
    std::cerr << "mre: error: " << mre::user_message(e.what()) << "\n";
    if (work_items) work_items->after_error(mre::exit_code(e.code()));
    return mre::exit_code(e.code());
  } catch (const std::exception& e) {
    discard_if_empty();
    std::cerr << "mre: internal error: " << e.what() << "\n";
    if (work_items) work_items->after_error(70);
    return 70;
  }
}
