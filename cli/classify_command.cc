// `mre classify`: the hierarchical regime classifier of seed 003 (global macro + MUNI context +
// volatility), real-time and historical, with training, the mapping report and sign-off.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/classify_files.h"

namespace mre::cli {
namespace {

// The count a "classified N rows" line must not hide: rows written with empty result cells
// (QA 2026-12-07: a file with every indicator missing reported "classified 126 rows").
std::string left_unclassified(const workflows::HistoricalReport& report) {
  if (report.unclassified_rows == 0) return "";
  return fmt::format(" ({} of them left unclassified: too few indicators)",
                     report.unclassified_rows);
}

struct TrainArgs {
  CommonOptions common;
  std::string version;
  std::string spec = "config/classifier/gmr.yml";
  std::string data;
  std::string features_version;
  std::string from;
  std::string to;
  std::string align_to;
};

struct ClassifyArgs {
  CommonOptions common;
  std::string version;
  std::string input;
  std::string instrument_type;
  bool allow_unapproved = false;
  bool explain = false;
  bool dry_run = false;
};

struct HistoricalArgs {
  CommonOptions common;
  std::string version;
  std::vector<std::string> in;
  std::string out;
  std::string out_dir;
  std::int64_t threads = 0;
  bool allow_unapproved = false;
  bool explain = false;
};

struct BackfillArgs {
  CommonOptions common;
  std::string version;
  std::string spec = "config/classifier/gmr.yml";
  std::string features_version;
  std::string to;
  std::int64_t seed = -1;
  std::int64_t n_init = 0;
  std::int64_t min_train_rows = 504;
  bool cold = false;
  std::int64_t screen_iterations = -1;
  std::optional<double> switch_level;
  std::int64_t threads = 0;
};

struct VersionArgs {
  CommonOptions common;
  std::string version;
  std::string by;
  std::string model = "all";
};

std::string read_input(const std::string& path) {
  if (path == "-")
    return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (std::filesystem::is_directory(path))
    throw Error(ErrorCode::kIoError, "--input " + path + ": a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIoError, "--input " + path + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int train(const TrainArgs& args) {
  if (args.version.empty())
    throw Error(ErrorCode::kInvalidArgument, "--version: required (a new tag, or 'auto')");
  auto store = store::open_store(args.common.db, true);
  workflows::TrainOptions options;
  options.version = args.version;
  options.spec_path = args.spec;
  if (!args.data.empty()) options.data_csv = args.data;
  options.features_version = args.features_version;
  if (!args.from.empty()) options.from = args.from;
  if (!args.to.empty()) options.to = args.to;
  options.align_to = args.align_to;
  const auto report = workflows::train_classifier(*store, options);
  print_train_report(report);
  say("review the mapping with `mre classify mapping-report " + report.record.version +
      "`, then sign it off with "
      "`mre classify approve " +
      report.record.version + " --by NAME`");
  return 0;
}

int classify_one(const ClassifyArgs& args) {
  if (args.version.empty()) throw Error(ErrorCode::kInvalidArgument, "--version: required");
  if (args.input.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--input: required (a JSON observation file, or - for stdin)");
  }
  auto store = store::open_store(args.common.db, false);
  const auto observation =
      workflows::parse_observation_json(read_input(args.input), args.input, args.instrument_type);
  // The state is advanced, so the store must be writable: reopen for writing (a dry run reads
  // only).
  if (!args.dry_run) store = store::open_store(args.common.db, true);
  const std::string json = workflows::classify_realtime(
      *store,
      {.version = args.version,
       .allow_unapproved = args.allow_unapproved,
       .explain = args.explain,
       .persist = !args.dry_run,
       .universe = args.common.universe},
      observation, [](std::string_view line) { say(std::string(line)); });
  if (args.dry_run) say("dry run: the carried state was not advanced and nothing was written");
  std::cout << json << "\n";
  return 0;
}

int historical(const HistoricalArgs& args) {
  if (args.out.empty() == args.out_dir.empty()) {
    throw Error(
        ErrorCode::kInvalidArgument,
        "--out FILE (one input) or --out-dir DIR (one or more inputs): exactly one is needed");
  }
  if (!args.out.empty()) {
    if (args.in.size() != 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--out: " + std::to_string(args.in.size()) +
                      " inputs need --out-dir DIR (each output is DIR/<input file name>)");
    }
    check_output_option(args.out, "--out");
    auto store = store::open_store(args.common.db, false);
    const auto report =
        workflows::classify_historical(*store,
                                       {.version = args.version,
                                        .input = args.in.front(),
                                        .output = args.out,
                                        .allow_unapproved = args.allow_unapproved,
                                        .explain = args.explain,
                                        .universe = args.common.universe},
                                       [](std::string_view line) { say(std::string(line)); });
    say(fmt::format("classified {} rows of {} into {}{}", report.rows, args.in.front(), args.out,
                    left_unclassified(report)));
    return 0;
  }
  // Many files: one work item each, on threads or MPI ranks (docs/scale.md); rank 0 writes.
  workflows::HistoricalFilesOptions options;
  options.version = args.version;
  options.inputs.assign(args.in.begin(), args.in.end());
  options.output_dir = args.out_dir;
  options.allow_unapproved = args.allow_unapproved;
  options.explain = args.explain;
  options.universe = args.common.universe;
  options.threads = checked_count(args.threads, "--threads", 0, 1024);
  options.work_items = work_items();
  options.write = work_items() == nullptr || work_items()->writer();
  auto store = open_store_for_run(args.common.db, false);
  const auto files = workflows::classify_historical_files(*store, options);
  for (const auto& f : files) {
    for (const auto& line : f.log) say(f.input.string() + ": " + line);
    say(fmt::format("classified {} rows of {} into {}{}", f.report.rows, f.input.string(),
                    f.output.string(), left_unclassified(f.report)));
  }
  return 0;
}

int backfill(const BackfillArgs& args) {
  workflows::BackfillOptions options;
  options.version = args.version;
  options.spec_path = args.spec;
  options.features_version = args.features_version;
  if (!args.to.empty()) options.to = args.to;
  if (args.seed >= 0) options.seed = static_cast<std::uint64_t>(args.seed);
  if (args.n_init != 0) options.n_init = static_cast<int>(args.n_init);  // checked 1..1e6
  if (args.min_train_rows < 1 || args.min_train_rows > 100'000'000) {
    throw Error(ErrorCode::kInvalidArgument, "--min-train-rows: must be between 1 and 100000000");
  }
  options.min_train_rows = static_cast<int>(args.min_train_rows);
  options.warm_start = !args.cold;
  if (args.screen_iterations != -1) {
    if (args.screen_iterations < 0 || args.screen_iterations > 1'000'000) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--screen-iterations: must be between 0 and 1000000");
    }
    options.screen_iterations = static_cast<int>(args.screen_iterations);
  }
  if (args.switch_level) {
    options.switch_level = *args.switch_level;
  }
  options.threads = checked_count(args.threads, "--threads", 0, 1024);
  options.work_items = work_items();
  auto store = open_store_for_run(args.common.db, true);
  const auto report = workflows::backfill_classifier(*store, options);
  const auto& run = report.run;
  const auto& retrains = run.result.retrains;
  if (!report.written) {
    say("backfill " + report.version +
        ": already computed from this spec and feature version; nothing written");
    return 0;
  }
  int limited = 0;
  double churn_sum = 0;
  double churn_max = 0;
  int churn_n = 0;
  for (const auto& r : retrains) {
    limited += r.converged ? 0 : 1;
    if (std::isfinite(r.churn)) {
      churn_sum += r.churn;
      churn_max = std::max(churn_max, r.churn);
      ++churn_n;
    }
  }
  say(
      fmt::format("backfill {} (classifier spec on features {}): {} dates labelled from {} to {} "
                  "by {} retrains "
                  "(every {} months from {}; each on the data before it)",
                  report.version, run.feature_version, run.rows.size(), run.rows.front().date.iso(),
                  run.rows.back().date.iso(), retrains.size(), run.retrain_every_months,
                  retrains.front().date.iso()));
  if (churn_n > 0) {
    say(
        fmt::format("  label churn per retrain (dates before it whose label the new model "
                    "changes): mean {:.1f}%, "
                    "max {:.1f}% ('mre classify mapping-report {}' lists each)",
                    100 * churn_sum / churn_n, 100 * churn_max, report.version));
  }
  if (limited > 0)
    say(fmt::format("  warning: {} of {} retrains stopped at the EM iteration limit", limited,
                    retrains.size()));
  say("  research output: the mappings are unapproved and never served; read it with 'mre regimes "
      "show " +
      report.version + "', evaluate it with 'mre regimes evaluate " + report.version + "'");
  return 0;
}

int mapping_report(const VersionArgs& args) {
  auto store = store::open_store(args.common.db, false);
  std::cout << workflows::mapping_report(*store, args.version);
  return 0;
}

int approve(const VersionArgs& args) {
  auto store = store::open_store(args.common.db, true);
  workflows::approve_classifier(*store, args.version, args.model, args.by);
  say("classifier " + args.version + ": " +
      (args.model == "all" ? std::string("global_macro and muni") : args.model) +
      " mapping approved by " + args.by);
  return 0;
}

int list(const ListArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  Listing out{.columns = {"version", "spec", "source", "trained_from", "trained_to", "created_at",
                          "approved"}};
  for (const auto& m : store->list_classifiers()) {
    std::string approved;
    for (const auto& a : store->list_approvals(m.version))
      approved += (approved.empty() ? "" : " ") + a.model;
    out.rows.push_back({m.version, m.spec_name, m.source, m.trained_from, m.trained_to,
                        m.created_at.iso(), approved.empty() ? "no" : approved});
  }
  print_listing(out, args.format);
  return 0;
}

}  // namespace

void print_train_report(const workflows::TrainReport& report) {
  const auto& r = report.record;
  say(
      fmt::format("classifier {}: trained on {} rows of {} ({} to {}); global macro HMM {} "
                  "iterations{}, MUNI HMM {} "
                  "iterations{}",
                  r.version, report.rows, r.source, r.trained_from, r.trained_to,
                  report.global_iterations, report.global_converged ? "" : " (limit reached)",
                  report.muni_iterations, report.muni_converged ? "" : " (limit reached)"));
  const auto spread = [](const char* name, const std::vector<double>& lls, int at_best) {
    if (lls.size() < 2) return;
    double lo = lls.front();
    double hi = lls.front();
    for (const double ll : lls) {
      if (!std::isnan(ll)) {
        lo = std::isnan(lo) ? ll : std::min(lo, ll);
        hi = std::isnan(hi) ? ll : std::max(hi, ll);
      }
    }
    say(
        fmt::format("  {} HMM: best of {} EM starts, log-likelihood {:.2f}; {} of {} starts "
                    "reached it (within 1e-3); "
                    "worst start {:.2f} (spread {:.2f})",
                    name, lls.size(), hi, at_best, lls.size(), lo, hi - lo));
  };
  spread("global macro", report.global_start_log_likelihoods, report.global_starts_at_best);
  spread("MUNI", report.muni_start_log_likelihoods, report.muni_starts_at_best);
  if (!report.aligned_to.empty()) {
    say(
        fmt::format("  states aligned to {}; label churn against it: {:.1f}% of {} training rows "
                    "change their global "
                    "label",
                    report.aligned_to, 100.0 * report.label_churn, report.churn_rows));
  }
  say("  current (" + r.trained_to +
      "): " + workflows::explain_classification(r.trained_to, report.model, report.latest, true));
}

void register_classify(CLI::App& app, Action& action) {
  auto* classify = app.add_subcommand(
      "classify",
      "The hierarchical regime classifier (global macro regime, MUNI context, volatility).\n"
      "  With --version V --input OBS.json: classify one observation in real time and print the\n"
      "  MR-DS-02 JSON; the model's carried filter state advances (stored, never overwritten).\n"
      "  Subcommands train, mapping-report, approve, historical and list manage and batch-run it.\n"
      "Examples:\n"
      "  mre classify train --version GMR1\n"
      "  mre classify mapping-report GMR1\n"
      "  mre classify approve GMR1 --by \"Jane Expert\"\n"
      "  mre classify --version GMR1 --input obs.json --instrument-type MUNI --explain\n"
      "  mre classify --version GMR1 --input obs.json --dry-run     # the answer, nothing stored\n"
      "  mre classify historical --version GMR1 --in history.csv --out classified.csv");
  auto one = std::make_shared<ClassifyArgs>();
  add_common_options(*classify, one->common);
  classify->add_option("--version", one->version, "The classifier version");
  classify->add_option(
      "--input", one->input,
      "A JSON observation: {\"timestamp\": ..., \"instrument_type\": ..., and the ten indicators "
      "(null when missing), at the top level or under \"indicators\"; any other key is refused}; "
      "- reads stdin");
  classify->add_option(
      "--instrument-type", one->instrument_type,
      "The instrument type (MUNI adds the contextual regime); overrides the file's");
  classify->add_flag("--allow-unapproved", one->allow_unapproved,
                     "Serve a model whose mapping has no sign-off");
  classify->add_flag("--explain", one->explain, "Add a plain-language sentence (\"explanation\")");
  classify->add_flag(
      "--dry-run", one->dry_run,
      "Classify from the carried state without advancing it: the store is opened read-only and "
      "nothing is written");
  classify->callback([one, classify, &action] {
    if (classify->get_subcommands().empty()) action = [one] { return classify_one(*one); };
  });

  auto train_args = std::make_shared<TrainArgs>();
  auto* train_cmd = classify->add_subcommand(
      "train",
      "Train both HMMs (6-state global macro on the ten MR-DS-01 indicators, 3-state MUNI on\n"
      "  mmd_ust_ratio_10y and muni_fund_flows_net; full covariance, 1000 iterations, tol 1e-4,\n"
      "  seed 42) and map their states to labels (z-scores, distances, Hungarian assignment).\n"
      "  On the store's newest 'indicators' feature version, or on a CSV (--data: a timestamp\n"
      "  column plus the ten indicator columns, chronologically sorted; empty cells are missing).\n"
      "  A new version never overwrites an older one.");
  add_common_options(*train_cmd, train_args->common);
  train_cmd->add_option("--version", train_args->version, "The new version tag, or 'auto'")
      ->required();
  train_cmd->add_option("--spec", train_args->spec, "The classifier spec")->capture_default_str();
  train_cmd->add_option("--data", train_args->data,
                        "Train on this CSV instead of the store's features");
  train_cmd->add_option("--features", train_args->features_version,
                        "The feature version (default: the newest)");
  train_cmd->add_option("--from", train_args->from, "First training timestamp (inclusive)");
  train_cmd->add_option("--to", train_args->to, "Last training timestamp (inclusive)");
  train_cmd->add_option(
      "--align-to", train_args->align_to,
      "A previous version (a retrain's predecessor): order the new states like its states before "
      "mapping and report the label churn against it");
  train_cmd->callback(
      [train_args, &action] { action = [train_args] { return train(*train_args); }; });

  auto report_args = std::make_shared<VersionArgs>();
  auto* report_cmd = classify->add_subcommand(
      "mapping-report",
      "Print, per model, the state z-score table, the distance matrix, the assignment and its "
      "cost,\n"
      "  the MR-BR-03 check and the sign-offs: what a subject-matter expert reviews (MR-BR-10).");
  add_common_options(*report_cmd, report_args->common);
  report_cmd->add_option("version", report_args->version, "The classifier version")->required();
  report_cmd->callback(
      [report_args, &action] { action = [report_args] { return mapping_report(*report_args); }; });

  auto backfill_args = std::make_shared<BackfillArgs>();
  auto* backfill_cmd = classify->add_subcommand(
      "backfill",
      "Label every date of the store's indicator features as known then: the classifier is\n"
      "  retrained every retrain_every_months (MR-AI-04) on the data before each retrain date,\n"
      "  each retrain's states aligned to the previous one's and re-mapped (MR-AI-05), and each\n"
      "  date filtered by the model of its period. Stored as a regime version (never overwritten;\n"
      "  'mre regimes show TAG --format csv'); prints the label churn of each retrain. The\n"
      "  mappings are research output: unapproved, never served.\n"
      "Examples:\n"
      "  mre classify backfill --version B1\n"
      "  mre classify backfill --version B1_S43 --seed 43\n"
      "  mre classify mapping-report B1        # every retrain's mapping and churn");
  add_common_options(*backfill_cmd, backfill_args->common);
  backfill_cmd->add_option("--version", backfill_args->version, "The new version tag, or 'auto'")
      ->required();
  backfill_cmd->add_option("--spec", backfill_args->spec, "The classifier spec")
      ->capture_default_str();
  backfill_cmd->add_option("--features", backfill_args->features_version,
                           "The feature version (default: the newest)");
  backfill_cmd->add_option("--to", backfill_args->to,
                           "Use feature dates up to this one only (YYYY-MM-DD)");
  backfill_cmd->add_option("--seed", backfill_args->seed, "EM seed instead of the spec's");
  backfill_cmd
      ->add_option("--n-init", backfill_args->n_init,
                   "EM starts per retrain instead of the spec's, 1 to 1000000")
      ->check(whole_number_in(1, 1'000'000));
  backfill_cmd
      ->add_option("--min-train-rows", backfill_args->min_train_rows,
                   "Rows before the first retrain (every indicator also needs 60 values)")
      ->capture_default_str();
  backfill_cmd->add_flag(
      "--cold", backfill_args->cold,
      "Do not start each retrain's EM also from the previous retrain's parameters (retrains then "
      "run in parallel)");
  backfill_cmd
      ->add_option(
          "--screen-iterations", backfill_args->screen_iterations,
          "EM iterations every start runs before only the best continues (em-EM; 0: every start to "
          "convergence), up to 1000000; default: the spec's backfill_screen_iterations")
      ->check(whole_number_in(0, 1'000'000));
  backfill_cmd->add_option(
      "--switch-level", backfill_args->switch_level,
      "At a retrain, a fresh EM optimum replaces the previous retrain's (continued on the new "
      "rows) only when Vuong's test prefers it at this one-sided level, in (0, 1]; 1: the "
      "highest likelihood always wins; default: the spec's backfill_switch_level (1; see "
      "docs/classifier.md, 'Fourth pass', before lowering it)");
  backfill_cmd
      ->add_option("--threads", backfill_args->threads,
                   "EM starts run at once, 0 to 1024 (0: all cores): every retrain's fresh starts "
                   "at once, then the warm starts retrain by retrain; the stored result does not "
                   "depend on it. Under mpirun the starts spread over the ranks (docs/scale.md)")
      ->capture_default_str();
  add_quiet_option(*backfill_cmd);
  backfill_cmd->callback(
      [backfill_args, &action] { action = [backfill_args] { return backfill(*backfill_args); }; });

  auto approve_args = std::make_shared<VersionArgs>();
  auto* approve_cmd = classify->add_subcommand(
      "approve", "Record a subject-matter expert's sign-off of a version's mapping (MR-BR-10).");
  add_common_options(*approve_cmd, approve_args->common);
  approve_cmd->add_option("version", approve_args->version, "The classifier version")->required();
  approve_cmd->add_option("--by", approve_args->by, "Who signs off")->required();
  approve_cmd->add_option("--model", approve_args->model, "global_macro | muni | all")
      ->check(CLI::IsMember({"global_macro", "muni", "all"}))
      ->capture_default_str();
  approve_cmd->callback(
      [approve_args, &action] { action = [approve_args] { return approve(*approve_args); }; });

  auto historical_args = std::make_shared<HistoricalArgs>();
  auto* historical_cmd = classify->add_subcommand(
      "historical",
      "Classify every row of a CSV (a timestamp column, the ten indicators, optionally\n"
      "  instrument_type; sorted by time) and write it with the MR-DS-03 columns appended.\n"
      "  Streams in flat memory with the same forward step as real time; starts from the\n"
      "  model's carried state when the file begins after it, else from the initial\n"
      "  distributions. Never changes the stored state; on an error writes no output file.\n"
      "  Many files at once: mre classify historical --version GMR1 --in a.csv b.csv --out-dir "
      "out/\n"
      "  (each file from the same starting rule; mpirun -n N spreads them over N processes).");
  add_common_options(*historical_cmd, historical_args->common);
  historical_cmd->add_option("--version", historical_args->version, "The classifier version")
      ->required();
  historical_cmd
      ->add_option("--in", historical_args->in,
                   "Input CSV; several (--in a.csv b.csv, or --in repeated) need --out-dir and are "
                   "classified "
                   "at once on --threads, or over the ranks under mpirun (docs/scale.md)")
      ->required();
  historical_cmd->add_option("--out", historical_args->out,
                             "Output CSV ('-' for stdout); written to a temporary file and "
                             "renamed, so an error keeps any previous file");
  historical_cmd->add_option(
      "--out-dir", historical_args->out_dir,
      "With one or more --in: each output is DIR/<input file name>, all written only once every "
      "file is classified (an error writes none)");
  historical_cmd
      ->add_option("--threads", historical_args->threads,
                   "Files classified at once with --out-dir, 0 to 1024 (0: all cores); the outputs "
                   "do not depend on it")
      ->capture_default_str();
  add_quiet_option(*historical_cmd);
  historical_cmd->add_flag("--allow-unapproved", historical_args->allow_unapproved,
                           "Serve a model whose mapping has no sign-off");
  historical_cmd->add_flag("--explain", historical_args->explain, "Add an 'explanation' column");
  historical_cmd->callback([historical_args, &action] {
    action = [historical_args] { return historical(*historical_args); };
  });

  auto list_args = std::make_shared<ListArgs>();
  auto* list_cmd =
      classify->add_subcommand("list", "Classifier versions in the store (CSV by default)");
  add_common_options(*list_cmd, list_args->common);
  add_format_option(*list_cmd, list_args->format);
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });
}

}  // namespace mre::cli
