// `mre effects estimate`: causal effects of macro shocks (seed 001) by DML or the X-learner.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/effects.h"

namespace mre::cli {
namespace {

struct EstimateArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string treatment;
  std::string outcome;
  int horizon = 1;
  double magnitude = 1.0;
  std::string learner;
  int folds = 0;
  int embargo = -1;
  std::string se;
  std::string method = "dml";
  std::string format = "json";
  std::string data;
  std::string outcome_col;
  std::string treatment_col;
  std::string controls;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int estimate(const EstimateArgs& args) {
  workflows::EffectQuery query;
  query.magnitude = args.magnitude;
  query.horizon = args.horizon;
  query.learner = args.learner;
  query.folds = args.folds;
  query.embargo = args.embargo;
  if (!args.se.empty()) query.se = causal::parse_standard_error(args.se);
  query.method = args.method;
  workflows::EffectsSpec spec;
  workflows::EffectsPanel panel;
  if (!args.data.empty()) {
    if (args.outcome_col.empty() || args.treatment_col.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "--data needs --outcome-col and --treatment-col (and --controls)");
    }
    spec.learner = "forest";
    query.treatment = args.treatment_col;
    query.outcome = args.outcome_col;
    query.embargo = args.embargo >= 0 ? args.embargo : 0;
    panel = workflows::panel_from_csv(args.data, args.outcome_col, args.treatment_col, split_list(args.controls));
  } else {
    if (args.treatment.empty() || args.outcome.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "--treatment and --outcome are required (or --data with its columns)");
    }
    spec = workflows::load_effects_spec(args.spec);
    query.treatment = args.treatment;
    query.outcome = args.outcome;
    auto store = store::open_store(args.common.db, false);
    panel = workflows::assemble_panel(*store, spec, args.treatment, args.outcome, args.horizon);
  }
  const auto result = workflows::estimate_effect(panel, query, spec);
  if (args.format == "json") {
    std::cout << workflows::effect_to_json(result) << "\n";
  } else {
    std::cout << workflows::explain_effect(result) << "\n";
  }
  return 0;
}

struct RunArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string version;
  std::string learner;
};

struct ShowArgs {
  CommonOptions common;
  std::string version;
  std::string format = "csv";
};

int run_grid(const RunArgs& args) {
  if (args.version.empty()) throw Error(ErrorCode::kInvalidArgument, "--version: required (a new tag, or 'auto')");
  auto store = store::open_store(args.common.db, true);
  const auto report = workflows::run_effects(*store, {.spec_path = args.spec, .version = args.version, .learner = args.learner},
                                             [](const std::string& line) { say("  " + line); });
  say(fmt::format("effects {}: {} ({} estimates{})", report.version, report.written ? "written" : "up to date",
                  report.rows, report.skipped.empty() ? "" : fmt::format(", {} skipped", report.skipped.size())));
  return 0;
}

int show(const ShowArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto rows = store->read_effects(args.version);
  std::cout << (args.format == "json" ? workflows::effects_to_json(rows) : workflows::effects_to_csv(rows));
  return 0;
}

struct ExportArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string out;
};

int export_panels(const ExportArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto files = workflows::export_panels(*store, args.spec, args.out);
  say(fmt::format("wrote {} panels to {}", files, args.out));
  return 0;
}

int list(const CommonOptions& common) {
  auto store = store::open_store(common.db, false);
  std::cout << "version,spec,feature_version,regime_version,estimates,created_at\n";
  for (const auto& v : store->list_effect_versions()) {
    std::cout << v.version << "," << v.spec_name << "," << v.feature_version << "," << v.regime_version << "," << v.rows
              << "," << v.created_at.iso() << "\n";
  }
  return 0;
}

}  // namespace

void register_effects(CLI::App& app, Action& action) {
  auto* effects = app.add_subcommand("effects", "Causal effects of macro shocks on asset returns (DML, X-learner)");
  effects->require_subcommand(1);
  auto args = std::make_shared<EstimateArgs>();
  auto* cmd = effects->add_subcommand(
      "estimate",
      "Estimate the effect of a macro shock on an asset over h months by double machine learning\n"
      "  (partially linear model, cross-fitted nuisances, contiguous folds with an embargo, HAC\n"
      "  standard errors) with one effect per regime and placebo checks; or by the X-learner on\n"
      "  the treatment binarised at > 0 (--method xlearner). Prints seed 001's response as JSON.\n"
      "  Treatments: fed_shock, cpi_surprise, gdp_surprise or any column of the effects feature\n"
      "  set; outcomes: sp500, tlt, gld, uso (returns) and vix (change).\n"
      "Examples:\n"
      "  mre effects estimate --treatment fed_shock --outcome sp500 --horizon 3\n"
      "  mre effects estimate --data my.csv --outcome-col ret --treatment-col shock --controls a,b");
  add_common_options(*cmd, args->common);
  cmd->add_option("--spec", args->spec, "The effects spec")->capture_default_str();
  cmd->add_option("--treatment", args->treatment, "fed_shock | cpi_surprise | gdp_surprise | a feature");
  cmd->add_option("--outcome", args->outcome, "sp500 | tlt | gld | uso | vix");
  cmd->add_option("--horizon", args->horizon, "Months from the treatment to the end of the outcome window")
      ->capture_default_str();
  cmd->add_option("--magnitude", args->magnitude, "Size of the shock the effect is scaled to")->capture_default_str();
  cmd->add_option("--learner", args->learner, "forest | boosting | lasso | ridge | ols (default: the spec's)");
  cmd->add_option("--folds", args->folds, "Cross-fitting folds (default: the spec's)");
  cmd->add_option("--embargo", args->embargo, "Months dropped each side of a test fold (default: the horizon)");
  cmd->add_option("--se", args->se, "hc0 | hc1 | hac (default: the spec's, hac)");
  cmd->add_option("--method", args->method, "dml | xlearner")->check(CLI::IsMember({"dml", "xlearner"}))->capture_default_str();
  cmd->add_option("--format", args->format, "json | text")->check(CLI::IsMember({"json", "text"}))->capture_default_str();
  cmd->add_option("--data", args->data, "A CSV (date column first) instead of the store");
  cmd->add_option("--outcome-col", args->outcome_col, "With --data: the outcome column");
  cmd->add_option("--treatment-col", args->treatment_col, "With --data: the treatment column");
  cmd->add_option("--controls", args->controls, "With --data: comma-separated control columns");
  cmd->callback([args, &action] { action = [args] { return estimate(*args); }; });

  auto run_args = std::make_shared<RunArgs>();
  auto* run_cmd = effects->add_subcommand(
      "run",
      "Estimate the spec's whole grid (treatments x outcomes x horizons) by DML into the store's\n"
      "  causal_effects table under a version tag (never overwritten; 'auto' = E_<name>_<hash>).");
  add_common_options(*run_cmd, run_args->common);
  run_cmd->add_option("--spec", run_args->spec, "The effects spec")->capture_default_str();
  run_cmd->add_option("--version", run_args->version, "The tag, or 'auto'")->required();
  run_cmd->add_option("--learner", run_args->learner, "Override the spec's learner");
  run_cmd->callback([run_args, &action] { action = [run_args] { return run_grid(*run_args); }; });

  auto show_args = std::make_shared<ShowArgs>();
  auto* show_cmd = effects->add_subcommand("show", "Print an effects version (CSV or JSON with regime effects and placebos)");
  add_common_options(*show_cmd, show_args->common);
  show_cmd->add_option("version", show_args->version, "The version tag")->required();
  show_cmd->add_option("--format", show_args->format, "csv | json")->check(CLI::IsMember({"csv", "json"}))->capture_default_str();
  show_cmd->callback([show_args, &action] { action = [show_args] { return show(*show_args); }; });

  auto export_args = std::make_shared<ExportArgs>();
  auto* export_cmd = effects->add_subcommand(
      "export-panels", "Write the data of every cell of the spec's grid (date, y, t, controls) to CSV files in a directory");
  add_common_options(*export_cmd, export_args->common);
  export_cmd->add_option("--spec", export_args->spec, "The effects spec")->capture_default_str();
  export_cmd->add_option("--out", export_args->out, "The directory")->required();
  export_cmd->callback([export_args, &action] { action = [export_args] { return export_panels(*export_args); }; });

  auto list_args = std::make_shared<CommonOptions>();
  auto* list_cmd = effects->add_subcommand("list", "Effects versions in the store (CSV)");
  add_common_options(*list_cmd, *list_args);
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });
}

}  // namespace mre::cli
