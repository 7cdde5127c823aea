// `mre ingest` and `mre run`: load series into the store and report what changed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "mre/store/store.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/scm.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/ingest_live.h"

#include <unistd.h>

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
  return source == "fred" || source == "yahoo" || source == "worldbank" || source == "all";
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
    const std::string bar = std::string(static_cast<std::size_t>(filled), '=') + std::string(static_cast<std::size_t>(width - filled), ' ');
    if (tty) {
      std::cerr << fmt::format("\r[{}] {}/{} {:<20}", bar, done, total, ticker) << (done == total ? "\n" : "") << std::flush;
    } else if (done < total) {
      std::cerr << fmt::format("mre: [{}/{}] {}\n", done + 1, total, ticker);
    }
  };
  const auto report = workflows::ingest_live(*store, options, progress);
  std::cout << fmt::format("{:<18} {:<10} {:<22} {:>10} {:>8} {:>8} {:>9}  {}\n", "ticker", "source", "id", "from", "fetched", "new",
                           "revised", "error");
  std::size_t inserted = 0;
  std::size_t revised = 0;
  for (const auto& r : report.series) {
    std::cout << fmt::format("{:<18} {:<10} {:<22} {:>10} {:>8} {:>8} {:>9}  {}\n", r.ticker, r.source, r.id,
                             r.start ? r.start->iso() : "all", r.fetched, r.inserted, r.revised, r.error);
    inserted += r.inserted;
    revised += r.revised;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say(fmt::format("ingest {} into {}: {} series, {} failed; {} new rows, {} revisions ({:.1f} s)", args.source, store->describe(),
                  report.series.size(), report.failed(), inserted, revised, seconds));
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
  options.source = args.source == "csv" ? workflows::IngestSource::kCsv
                                        : workflows::IngestSource::kSnapshot;
  options.csv_path = args.path;
  return options;
}

std::string summary_line(const workflows::IngestReport& report, double seconds) {
  return fmt::format(
      "{} series from {} file(s), {} observations read: {} new rows, {} revisions, {} unchanged "
      "({:.2f} s, ingest time {})",
      report.write.series.size(), report.files, report.observations_read, report.write.inserted(),
      report.write.revised(), report.write.unchanged(), seconds, report.write.ingested_at.iso());
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
      "  FRED_API_KEY=... mre ingest --source all  # keep the store current from FRED, Yahoo and the World Bank\n"
      "  mre ingest --source fred --tickers GDP --vintages   # with every revision as published (ALFRED)\n"
      "Environment: FRED_API_KEY; MRE_FRED_URL, MRE_YAHOO_URL, MRE_WORLDBANK_URL (API roots);\n"
      "MRE_HTTP_TIMEOUT, MRE_HTTP_ATTEMPTS, MRE_HTTP_BACKOFF; MRE_FRED_PER_MINUTE (120) and the like.");
  add_common_options(*cmd, args->common);
  cmd->add_option("--tickers", args->tickers, "Comma-separated tickers (default: all available)")
      ->delimiter(',');
  cmd->add_option("--source", args->source,
                  "snapshot: the bundled data files named in the universe; csv: the file --path, "
                  "whose columns must be tickers of the universe; fred | yahoo | worldbank | all: the live "
                  "services (FRED needs FRED_API_KEY), incrementally from each series' last stored date "
                  "minus an overlap window; exit 6 when some series failed and the others were written")
      ->check(CLI::IsMember({"snapshot", "csv", "fred", "yahoo", "worldbank", "all"}))
      ->capture_default_str();
  cmd->add_option("--since", args->since, "Live sources: fetch from this date (YYYY-MM-DD) instead of incrementally");
  cmd->add_flag("--vintages", args->vintages,
                "FRED: every ALFRED vintage, each revision stored as of its publication date (see `series show --as-of`)");
  cmd->add_option("--cache", args->cache, "Live sources: also write every raw response body to this directory");
  cmd->add_option("--replay", args->replay,
                  "Live sources: answer requests from a --cache directory of an earlier run (offline, reproducible)");
  cmd->add_option("--path", args->path, "The CSV file for --source csv");
  cmd->add_flag("-v,--verbose", args->verbose, "Print a line per file read");
  cmd->callback([args, &action] {
    action = [args] {
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
      "(config/regimes/: V0 rules, a month-end macro HMM, the six-state indicator HMM, walk-forward;\n"
      "tags R_<name>_<hash>), classify (config/classifier/gmr.yml: the hierarchical classifier's two\n"
      "HMMs and their state-to-label mapping, tag C_gmr_<hash>; ends by printing the current\n"
      "classification), effects (config/effects.yml: the grid of causal effects of Fed, CPI and GDP\n"
      "shocks on S&P 500, TLT, GLD, USO and VIX by DML, tag E_effects_<hash>), scm\n"
      "(config/scm/policy_transmission.yml: seed 002's structural causal model, tag S_<name>_<hash>;\n"
      "a historical counterfactual and one stored scenario per intervention type).\n"
      "Safe to repeat: unchanged data writes nothing and rebuilds nothing.");
  add_common_options(*cmd, args->common);
  cmd->callback([args, &action] {
    action = [args] {
      auto store = store::open_store(args->common.db, true);
      // The --db value for the hints below, with any password redacted.
      const std::string db = store::printable_target(args->common.db);
      say("run: store " + store->describe() + ", universe " + args->common.universe);
      const auto start = std::chrono::steady_clock::now();
      const auto report = workflows::ingest(*store, to_options(*args));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      say("[1/6] ingest: " + summary_line(report, seconds));
      const auto config = std::filesystem::path(args->common.universe).parent_path() / "features";
      for (const char* name : {"indicators", "macro_ltv", "cross_asset", "effects"}) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto built = workflows::build_features(
            *store, {.spec_path = config / (std::string(name) + ".yml"),
                     .version = "auto",
                     .universe_path = args->common.universe});
        say(fmt::format("[2/6] features {}: {} ({:.2f} s)", name,
                        built.written ? "built " + built.version : built.version + " up to date",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
      }
      const auto regimes_dir = std::filesystem::path(args->common.universe).parent_path() / "regimes";
      for (const char* name : {"rules", "hmm_macro", "hmm_indicators"}) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto fitted = workflows::detect_regimes(
            *store, {.spec_path = regimes_dir / (std::string(name) + ".yml"), .version = "auto"});
        say(fmt::format("[3/6] regimes {}: {} ({:.2f} s)", name,
                        fitted.written ? "fitted " + fitted.version : fitted.version + " up to date",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
        if (fitted.latest) {
          say(fmt::format("      latest {}: {} (score {:.3f})", fitted.latest->date.iso(), fitted.latest->regime,
                          fitted.latest->score));
        }
      }
      {
        const auto t0 = std::chrono::steady_clock::now();
        const auto spec = std::filesystem::path(args->common.universe).parent_path() / "classifier" / "gmr.yml";
        const auto trained = workflows::train_classifier(*store, {.version = "auto", .spec_path = spec});
        say(fmt::format("[4/6] classify gmr: {} ({:.2f} s)",
                        trained.written ? "trained " + trained.record.version : trained.record.version + " up to date",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
        const auto current = workflows::current_classification(*store, trained.record.version);
        say("      current: " + workflows::explain_classification(current.timestamp, current.model, current.result, true));
        const bool approved = !store->list_approvals(trained.record.version).empty();
        if (!approved) {
          say("      (mapping not yet signed off: `mre classify mapping-report " + trained.record.version +
              " --db " + db + "`, then `mre classify approve " + trained.record.version +
              " --by NAME --db " + db + "`)");
        }
      }
      {
        const auto t0 = std::chrono::steady_clock::now();
        const auto spec = std::filesystem::path(args->common.universe).parent_path() / "effects.yml";
        const auto effects = workflows::run_effects(*store, {.spec_path = spec, .version = "auto"});
        say(fmt::format("[5/6] effects: {} {} ({} estimates{}, {:.1f} s); `mre effects show {} --db {}`", effects.version,
                        effects.written ? "estimated" : "up to date", effects.rows,
                        effects.skipped.empty() ? "" : fmt::format(", {} skipped", effects.skipped.size()),
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), effects.version,
                        db));
      }
      {
        const auto t0 = std::chrono::steady_clock::now();
        const auto spec = std::filesystem::path(args->common.universe).parent_path() / "scm" / "policy_transmission.yml";
        const auto fitted = workflows::fit_scm(*store, {.spec_path = spec, .universe_path = args->common.universe, .version = "auto"});
        say(fmt::format("[6/6] scm: {} ({:.2f} s); `mre scm show {} --db {}`",
                        fitted.written ? "fitted " + fitted.version : fitted.version + " up to date",
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), fitted.version,
                        db));
        const auto cf = workflows::counterfactual(fitted.model, {workflows::parse_do("EFFR=+0.50@2022-03-01..2022-06-30")});
        for (const auto& w : cf.warnings) say("      warning: " + w);
        for (const auto& b : cf.bands) {
          if (b.node != cf.terminal) continue;
          say(fmt::format("      counterfactual do(EFFR +50 bp, 2022-03-01..2022-06-30): {} {:+.2f}% by {} (90% [{:+.2f}, {:+.2f}], "
                          "95% [{:+.2f}, {:+.2f}]: parameter uncertainty, {})",
                          cf.terminal, 100 * cf.terminal_gap_window, cf.window_end.iso(), 100 * b.window_end.lo90, 100 * b.window_end.hi90,
                          100 * b.window_end.lo95, 100 * b.window_end.hi95, cf.uncertainty));
        }
        const auto loaded = workflows::load_scm_spec(spec);
        const char* generators[] = {"student-t", "block-bootstrap", "regime-bootstrap"};
        std::size_t i = 0;
        for (const auto& named : loaded.scenarios) {
          workflows::ScenarioOptions options;
          options.name = named.name;
          for (const auto& d : named.interventions) options.interventions.push_back(workflows::parse_do(d));
          options.config = {.horizon = 250, .paths = 5000, .seed = 42,
                            .shocks = scm::parse_shock_kind(generators[i++ % 3]), .mean_block = loaded.mean_block};
          const auto r = workflows::run_scenario(*store, fitted.version, fitted.model, options);
          for (const auto& e : r.effects) {
            if (e.node != cf.terminal) continue;
            say(fmt::format("      scenario {} {} ({}, {} shocks, {} paths x {} days from {}): {} {:+.2f}% at the horizon "
                            "(90% [{:+.2f}, {:+.2f}], 95% [{:+.2f}, {:+.2f}]: parameters and shocks); `mre scm scenarios {} --db {}`",
                            r.run.id, named.name, r.run.interventions, r.run.shocks, r.run.paths, r.run.horizon,
                            r.run.start.iso(), e.node, e.mean, e.band.lo90, e.band.hi90, e.band.lo95, e.band.hi95, r.run.id, db));
          }
        }
      }
      const auto series = store->list_series();
      std::size_t rows = 0;
      for (const auto& s : series) rows += s.rows;
      say(fmt::format("done: the store holds {} series ({} rows), {} feature versions and {} regime versions. "
                      "Next: `mre regimes list --db {}`, `mre regimes show VERSION --db {}`",
                      series.size(), rows, store->list_feature_versions().size(),
                      store->list_regime_models().size(), db, db));
      say(fmt::format("serve it: `mre serve --db {}`, then open http://127.0.0.1:8080/ (the JSON API is under /api/)", db));
      return 0;
    };
  });
}

}  // namespace mre::cli
