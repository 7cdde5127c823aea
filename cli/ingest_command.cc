// `mre ingest` and `mre run`: load series into the store and report what changed; `mre run`
// calls the whole pipeline (workflows/run_pipeline.h).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/sources/live_sources.h"
#include "mre/store/store.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/ingest_live.h"
#include "mre/workflows/run_pipeline.h"

namespace mre::cli {
namespace {

struct IngestArgs {
  CommonOptions common;
  std::vector<std::string> tickers;
  std::string source = "snapshot";
  std::string path;
  bool verbose = false;
  std::string since;
  bool vintages = false;
  std::string cache;
  std::string replay;
};

bool is_live(const std::string& source) {
  return source == "all" || sources::find_live_source(source) != nullptr;
}

// snapshot, csv, every registered live source, all.
std::vector<std::string> source_choices() {
  std::vector<std::string> out = {"snapshot", "csv"};
  for (const auto& s : sources::live_sources()) out.emplace_back(s.name);
  out.emplace_back("all");
  return out;
}

// Exit status of a live ingest in which some series failed and the others were written.
constexpr int kPartialExit = 6;

int ingest_live(const IngestArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  auto store = store::open_store(args.common.db, true);
  workflows::LiveIngestOptions options;
  options.universe_path = args.common.universe;
  options.sources = {args.source};
  options.tickers = args.tickers;
  options.since = parse_date_option(args.since, "--since");
  options.vintages = args.vintages;
  options.cache_dir = args.cache;
  options.replay_dir = args.replay;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto progress = [tty](std::size_t done, std::size_t total, const std::string& ticker) {
    constexpr int width = 30;
    const int filled = total ? static_cast<int>(width * done / total) : width;
    const std::string bar = std::string(static_cast<std::size_t>(filled), '=') +
                            std::string(static_cast<std::size_t>(width - filled), ' ');
    if (tty) {
      std::cerr << fmt::format("\r[{}] {}/{} {:<20}", bar, done, total, ticker)
                << (done == total ? "\n" : "") << std::flush;
    } else if (done < total) {
      std::cerr << fmt::format("mre: [{}/{}] {}\n", done + 1, total, ticker);
    }
  };
  const auto report = workflows::ingest_live(*store, options, progress);
  std::cout << fmt::format("{:<18} {:<10} {:<22} {:>10} {:>8} {:>8} {:>9}  {}\n", "ticker",
                           "source", "id", "from", "fetched", "new", "revised", "error");
  std::size_t inserted = 0;
  std::size_t revised = 0;
  for (const auto& r : report.series) {
    std::cout << fmt::format("{:<18} {:<10} {:<22} {:>10} {:>8} {:>8} {:>9}  {}\n", r.ticker,
                             r.source, r.id, r.start ? r.start->iso() : "all", r.fetched,
                             r.inserted, r.revised, r.error);
    inserted += r.inserted;
    revised += r.revised;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say(fmt::format("ingest {} into {}: {} series, {} failed; {} new rows, {} revisions ({:.1f} s)",
                  args.source, store->describe(), report.series.size(), report.failed(), inserted,
                  revised, seconds));
  if (report.failed() > 0) {
    for (const auto& r : report.series) {
      if (!r.error.empty()) say("failed: " + r.ticker + ": " + r.error);
    }
    return kPartialExit;
  }
  return 0;
}

workflows::IngestOptions to_options(const IngestArgs& args) {
  workflows::IngestOptions options;
  options.universe_path = args.common.universe;
  options.tickers = args.tickers;
  options.source =
      args.source == "csv" ? workflows::IngestSource::kCsv : workflows::IngestSource::kSnapshot;
  options.csv_path = args.path;
  return options;
}

std::string summary_line(const workflows::IngestReport& report, double seconds) {
  return workflows::ingest_summary(report, seconds);
}

}  // namespace

void register_ingest(CLI::App& app, Action& action) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd = app.add_subcommand(
      "ingest",
      "Load series into the store. Re-ingesting unchanged values writes nothing; a changed value\n"
      "is appended as a revision (see `mre series show --as-of`). All-or-nothing: a bad file\n"
      "stops the command before anything is written.\n"
      "Examples:\n"
      "  mre ingest                                # every series of the bundled snapshot\n"
      "  mre ingest --tickers DGS10,^GSPC          # just these\n"
      "  mre ingest --source csv --path my.csv     # a CSV: 'date' column + one column per ticker\n"
      "  FRED_API_KEY=... mre ingest --source all  # keep the store current from FRED, Yahoo and "
      "the World Bank\n"
      "  mre ingest --source fred --tickers GDP --vintages   # with every revision as published "
      "(ALFRED)\n"
      "Environment: FRED_API_KEY; MRE_FRED_URL, MRE_YAHOO_URL, MRE_WORLDBANK_URL (API roots);\n"
      "MRE_HTTP_TIMEOUT, MRE_HTTP_ATTEMPTS, MRE_HTTP_BACKOFF; MRE_FRED_PER_MINUTE (120) and the "
      "like.");
  add_common_options(*cmd, args->common);
  cmd->add_option("--tickers", args->tickers, "Comma-separated tickers (default: all available)")
      ->delimiter(',');
  cmd->add_option(
         "--source", args->source,
         "snapshot: the bundled data files named in the universe; csv: the file --path, "
         "whose columns must be tickers of the universe; fred | yahoo | worldbank | all: the live "
         "services (FRED needs FRED_API_KEY), incrementally from each series' last stored date "
         "minus an overlap window; exit 6 when some series failed and the others were written")
      ->check(CLI::IsMember(source_choices()))
      ->capture_default_str();
  cmd->add_option("--since", args->since,
                  "Live sources: fetch from this date (YYYY-MM-DD) instead of incrementally");
  cmd->add_flag("--vintages", args->vintages,
                "FRED: every ALFRED vintage, each revision stored as of its publication date (see "
                "`series show --as-of`)");
  cmd->add_option("--cache", args->cache,
                  "Live sources: also write every raw response body to this directory");
  cmd->add_option("--replay", args->replay,
                  "Live sources: answer requests from a --cache directory of an earlier run "
                  "(offline, reproducible)");
  cmd->add_option("--path", args->path, "The CSV file for --source csv");
  cmd->add_flag("-v,--verbose", args->verbose, "Print a line per file read");
  cmd->callback([args, &action] {
    action = [args] {
      // Options that mean nothing for the chosen source were ignored without a word (QA:
      // --path without --source csv ingested the whole snapshot instead of the file).
      if (!args->path.empty() && args->source != "csv") {
        throw mre::Error(
            mre::ErrorCode::kInvalidArgument,
            "--path is read only with --source csv (got --source " + args->source + ")");
      }
      if (!is_live(args->source)) {
        for (const auto& [given, name] :
             {std::pair{!args->since.empty(), "--since"}, std::pair{args->vintages, "--vintages"},
              std::pair{!args->cache.empty(), "--cache"},
              std::pair{!args->replay.empty(), "--replay"}}) {
          if (given) {
            throw mre::Error(mre::ErrorCode::kInvalidArgument,
                             std::string(name) +
                                 " applies to the live sources (fred, yahoo, "
                                 "worldbank, all), not to --source " +
                                 args->source);
          }
        }
      }
      if (is_live(args->source)) return ingest_live(*args);
      const auto start = std::chrono::steady_clock::now();
      auto store = store::open_store(args->common.db, true);
      workflows::Progress progress;
      if (args->verbose) progress = [](std::string_view m) { say(std::string(m)); };
      const auto report = workflows::ingest(*store, to_options(*args), progress);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      say("ingest into " + store->describe() + ": " + summary_line(report, seconds));
      return 0;
    };
  });
}

void register_run(CLI::App& app, Action& action) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd = app.add_subcommand(
      "run",
      "The main job on the bundled data: every stage in order, a progress line per stage on\n"
      "stderr. Stages so far: ingest (the whole snapshot), features (the default sets in\n"
      "config/features/, each under an automatic tag F_<name>_<hash of spec and data>), regimes\n"
      "(config/regimes/: V0 rules, a month-end macro HMM, the six-state indicator HMM, "
      "walk-forward;\n"
      "tags R_<name>_<hash>), classify (config/classifier/gmr.yml: the hierarchical classifier's "
      "two\n"
      "HMMs and their state-to-label mapping, tag C_gmr_<hash>; ends by printing the current\n"
      "classification), effects (config/effects.yml: the grid of causal effects of identified\n"
      "monetary and payroll surprises, real-time CPI/GDP surprises and the seed's unidentified "
      "Fed,\n"
      "CPI and GDP shocks on S&P 500, TLT, GLD, USO and VIX by DML, tag E_effects_<hash>), scm\n"
      "(config/scm/policy_transmission.yml: seed 002's structural causal model, tag "
      "S_<name>_<hash>;\n"
      "a historical counterfactual and one stored scenario per intervention type).\n"
      "Safe to repeat: unchanged data writes nothing and rebuilds nothing. Two runs on one store:\n"
      "the second waits for the first (it says so), then finds every stage up to date.");
  add_common_options(*cmd, args->common);
  cmd->callback([args, &action] {
    action = [args] {
      auto store = store::open_store(args->common.db, true);
      workflows::run_pipeline(*store,
                              {.universe_path = args->common.universe,
                               // The --db value for the hints, with any password redacted.
                               .db_hint = store::printable_target(args->common.db)},
                              [](std::string_view line) { say(std::string(line)); });
      return 0;
    };
  });
}

}  // namespace mre::cli
