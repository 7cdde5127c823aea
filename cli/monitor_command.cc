// `mre monitor` and `mre monitor history` (issue 27): whether the store can still be trusted -
// stale or future-dated series, gaps, outliers, large revisions, model age and sign-off, input
// drift, effect stability - and the stored runs. Front end only: parse, call
// workflows/monitor.h, format.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/monitor.h"

namespace mre::cli {
namespace {

// The exit status of a run with a red check (amber too with --strict); documented in --help.
constexpr int kExitUnhealthy = 10;

struct MonitorArgs {
  CommonOptions common;
  std::string format = "text";
  std::string as_of;
  std::int64_t drift_window = 63;
  double revision_threshold = 0.05;
  std::int64_t revision_days = 31;
  std::int64_t gap_days = 365;
  double range_k = 8.0;
  std::int64_t range_window = 252;
  std::int64_t range_days = 92;
  double psi_amber = 0.10;
  double psi_red = 0.25;
  std::int64_t retrain_warning_days = 30;
  std::string classifier;
  bool all = false;
  bool no_store = false;
  bool strict = false;
};

int run(const MonitorArgs& args) {
  if (args.format != "text" && args.format != "json") {
    throw Error(ErrorCode::kInvalidArgument,
                "--format: expected text or json (got '" + args.format + "')");
  }
  workflows::MonitorOptions options;
  options.universe_path = args.common.universe;
  options.as_of = parse_date_option(args.as_of, "--as-of");
  options.drift_window = checked_count(args.drift_window, "--drift-window", 10, 2520);
  options.revision_threshold = args.revision_threshold;
  options.revision_lookback_days = checked_count(args.revision_days, "--revision-days", 1, 36500);
  options.gap_lookback_days = checked_count(args.gap_days, "--gap-days", 1, 36500);
  options.range.k = args.range_k;
  options.range.window =
      checked_count(args.range_window, "--range-window", options.range.min_history, 100000);
  options.range_days = checked_count(args.range_days, "--range-days", 1, 36500);
  options.psi_amber = args.psi_amber;
  options.psi_red = args.psi_red;
  options.retrain_warning_days =
      checked_count(args.retrain_warning_days, "--retrain-warning-days", 0, 366);
  options.classifier_version = args.classifier;
  options.persist = !args.no_store;
  workflows::validate(options);
  // Read-only first, so a missing store is reported rather than created; writable to store the run.
  auto store = store::open_store(args.common.db, false);
  if (options.persist) store = store::open_store(args.common.db, true);
  const auto report = workflows::run_monitor(*store, options);
  if (args.format == "json") {
    std::cout << codec::monitor_report_to_json(report) << "\n";
  } else {
    std::cout << codec::monitor_report_to_text(report, !args.all);
  }
  const auto status = report.status();
  if (status == monitor::Status::kRed || (args.strict && status == monitor::Status::kAmber))
    return kExitUnhealthy;
  return 0;
}

int history(const MonitorArgs& args) {
  if (args.format != "text" && args.format != "json") {
    throw Error(ErrorCode::kInvalidArgument,
                "--format: expected text or json (got '" + args.format + "')");
  }
  auto store = store::open_store(args.common.db, false);
  const auto runs = workflows::monitor_history(*store);
  if (args.format == "json") {
    std::cout << codec::monitor_history_to_json(runs) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<24} {:<10} {:<27} {:<6} {:>4} {:>6} {:>6}\n", "version", "as_of",
                           "run at", "status", "red", "amber", "green");
  for (const auto& r : runs) {
    std::cout << fmt::format("{:<24} {:<10} {:<27} {:<6} {:>4} {:>6} {:>6}\n", r.version,
                             r.as_of.iso(), r.created_at.iso(), monitor::status_name(r.status),
                             r.red, r.amber, r.green);
  }
  if (runs.empty()) say("no monitor run is stored yet: run 'mre monitor'");
  return 0;
}

}  // namespace

void register_monitor(CLI::App& app, Action& action) {
  auto args = std::make_shared<MonitorArgs>();
  auto* cmd = app.add_subcommand(
      "monitor",
      "Check whether the store can still be trusted, and store the run (history: `mre monitor "
      "history`).\n"
      "Series: staleness by the universe's rule (frequency + publication lag + grace; ended series "
      "exempt),\n"
      "dates in the future, repeated dates, gaps, changes outside median +- k x 1.4826 MAD of a "
      "trailing\n"
      "window (the changes of the last --range-days), revisions larger than a threshold. Models "
      "(the classifier and the newest version of each\n"
      "regime spec): training window, age against MR-AI-04 (retrain every 6 months), sign-off "
      "(MR-BR-10),\n"
      "inputs fresh, drift of every feature (PSI at the training deciles, KS, mean shift) over the "
      "last\n"
      "--drift-window rows, and the classifier's log-likelihood fit test. Effects: the stability "
      "results\n"
      "stored with the newest effects version (never re-estimated here). Writes nothing but its "
      "own run.\n"
      "Exit status: 0 when no check is red (amber is a warning), 10 when a check is red (with "
      "--strict:\n"
      "also amber); 1-5 for errors as every command (1 bad option, 3 store, 4 empty store or "
      "unknown version).\n"
      "Examples:\n"
      "  mre monitor                        # failing checks as text; --all for every check\n"
      "  mre monitor --format json --all    # every check, for scripts\n"
      "  mre monitor history                # stored runs: when did a check start failing?");
  add_common_options(*cmd, args->common);
  cmd->add_option("--format", args->format, "text | json")->capture_default_str();
  cmd->add_flag("--all", args->all, "List green checks too (text)");
  cmd->add_option("--as-of", args->as_of, "Check as of this date (default: the data's last date)");
  cmd->add_option("--drift-window", args->drift_window,
                  "Rows of a model's features in the current window [10, 2520]")
      ->capture_default_str();
  cmd->add_option("--revision-threshold", args->revision_threshold,
                  "A revision larger than this share of the old value is red, in (0, 10]")
      ->capture_default_str();
  cmd->add_option("--revision-days", args->revision_days,
                  "Revisions ingested within this many days of the newest ingest")
      ->capture_default_str();
  cmd->add_option("--gap-days", args->gap_days,
                  "Gaps that ended within this many days of the as-of date")
      ->capture_default_str();
  cmd->add_option("--range-k", args->range_k,
                  "Robust range: k in median +- k x 1.4826 MAD, in (0, 1000]")
      ->capture_default_str();
  cmd->add_option("--range-window", args->range_window,
                  "Robust range: trailing changes the median and MAD use")
      ->capture_default_str();
  cmd->add_option("--range-days", args->range_days,
                  "Robust range: changes dated within this many days of the as-of date are checked")
      ->capture_default_str();
  cmd->add_option("--psi-amber", args->psi_amber, "PSI from which a feature is amber")
      ->capture_default_str();
  cmd->add_option("--psi-red", args->psi_red, "PSI from which a feature is red (drifting)")
      ->capture_default_str();
  cmd->add_option("--retrain-warning-days", args->retrain_warning_days,
                  "Amber this many days before retraining is due")
      ->capture_default_str();
  cmd->add_option("--classifier", args->classifier,
                  "The classifier version to check (default: the newest)");
  cmd->add_flag("--no-store", args->no_store, "Do not store this run (e.g. a read-only store)");
  cmd->add_flag("--strict", args->strict, "Exit 10 on an amber check too");

  auto history_args = std::make_shared<MonitorArgs>();
  auto* history_cmd =
      cmd->add_subcommand("history", "The stored monitor runs, oldest first: status and counts");
  add_common_options(*history_cmd, history_args->common);
  history_cmd->add_option("--format", history_args->format, "text | json")->capture_default_str();
  history_cmd->callback(
      [history_args, &action] { action = [history_args] { return history(*history_args); }; });
  cmd->callback([args, cmd, history_cmd, &action] {
    if (cmd->got_subcommand(history_cmd)) return;
    action = [args] { return run(*args); };
  });
}

}  // namespace mre::cli
