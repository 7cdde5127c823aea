// `mre effects estimate`: causal effects of macro shocks (seed 001) by DML or the X-learner.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/effect_studies.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/effects_calibration.h"
#include "mre/workflows/effects_uncertainty.h"

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
  std::string uncertainty = "none";
  double uncertainty_level = 0.9;
  std::int64_t threads = 1;
};

// --store "" stored nothing and said nothing: a given --store names a tag.
CLI::Validator a_tag() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        return text.empty() ? "give a tag or 'auto' (an empty tag stores nothing)" : "";
      },
      "TAG");
}

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
  std::optional<workflows::RobustnessCheck> projection;
  if (!args.data.empty()) {
    if (args.outcome_col.empty() || args.treatment_col.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--data needs --outcome-col and --treatment-col (and --controls)");
    }
    // The same column as both gave an effect of exactly 1 with a zero-width interval.
    if (args.outcome_col == args.treatment_col)
      throw Error(
          ErrorCode::kInvalidArgument,
          "--outcome-col and --treatment-col are the same column '" + args.outcome_col + "'");
    spec.learner = "auto";
    query.treatment = args.treatment_col;
    query.outcome = args.outcome_col;
    panel = workflows::panel_from_csv(args.data, args.outcome_col, args.treatment_col,
                                      split_list(args.controls));
  } else {
    if (args.treatment.empty() || args.outcome.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--treatment and --outcome are required (or --data with its columns)");
    }
    spec = workflows::load_effects_spec(args.spec);
    query.treatment = args.treatment;
    query.outcome = args.outcome;
    auto store = store::open_store(args.common.db, false);
    panel = workflows::assemble_panel(*store, spec, args.treatment, args.outcome, args.horizon);
    projection =
        workflows::local_projection_check(*store, spec, args.treatment, args.outcome, args.horizon);
  }
  const int threads = checked_count(args.threads, "--threads", 1, 1024);
  if (!(args.uncertainty_level > 0.0 && args.uncertainty_level < 1.0))
    throw Error(ErrorCode::kInvalidArgument, "--uncertainty-level: must be inside (0, 1) (got " +
                                                 fmt::format("{}", args.uncertainty_level) + ")");
  if (args.uncertainty != "none" && query.method != "dml")
    throw Error(ErrorCode::kInvalidArgument,
                "--uncertainty: needs --method dml (the interval is built on the DML final stage)");
  auto result = workflows::estimate_effect(panel, query, spec);
  // Every answer carries its robustness checks (each learner; the local projection from the store).
  if (result.method == "dml")
    result.robustness = workflows::assess_robustness(result, spec, projection);
  if (args.uncertainty != "none") {
    workflows::EffectUncertaintyOptions options;
    options.level = args.uncertainty_level;
    options.scale = args.uncertainty;
    options.network.threads = threads;
    result.prediction_interval = workflows::effect_uncertainty(result, options);
  }
  if (args.format == "json") {
    std::cout << workflows::effect_to_json(result) << "\n";
  } else {
    std::cout << workflows::explain_effect(result) << "\n";
    if (result.prediction_interval) {
      const auto& p = *result.prediction_interval;
      std::cout << fmt::format(
          "Outcome interval: [{:.4f}, {:.4f}] around {:.4f} (constant variance: [{:.4f}, {:.4f}]); "
          "out of sample it covered {:.1f}% (constant {:.1f}%) of {} months. This is {}.\n",
          p.low, p.high, p.prediction, p.constant_low, p.constant_high,
          100.0 * p.check_neural.coverage, 100.0 * p.check_constant.coverage, p.check_neural.rows,
          p.meaning);
    }
  }
  return 0;
}

struct AskArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string macro_variable = "fed_shock";
  std::string asset = "sp500";
  double magnitude = 1.0;
  int horizon = 1;
  std::string learner;
  std::string query_text;
  bool as_given = false;
};

int ask(const AskArgs& args) {
  const auto spec = workflows::load_effects_spec(args.spec);
  auto store = store::open_store(args.common.db, false);
  std::cout << workflows::answer_causal_query(*store, spec,
                                              {.macro_variable = args.macro_variable,
                                               .asset = args.asset,
                                               .magnitude = args.magnitude,
                                               .horizon = args.horizon,
                                               .learner = args.learner,
                                               .query_text = args.query_text,
                                               .as_given = args.as_given,
                                               .stop = {}})
            << "\n";
  return 0;
}

struct RunArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string version;
  std::string learner;
  std::int64_t threads = 0;
};

struct ShowArgs {
  CommonOptions common;
  std::string version;
  std::string format = "csv";
};

int run_grid(const RunArgs& args) {
  if (args.version.empty())
    throw Error(ErrorCode::kInvalidArgument, "--version: required (a new tag, or 'auto')");
  const int threads = checked_count(args.threads, "--threads", 0, 1024);
  auto store = open_store_for_run(args.common.db, true);
  const auto report = workflows::run_effects(*store,
                                             {.spec_path = args.spec,
                                              .version = args.version,
                                              .learner = args.learner,
                                              .work_items = work_items(),
                                              .threads = threads},
                                             [](const std::string& line) { say("  " + line); });
  say(fmt::format(
      "effects {}: {} ({} estimates{})", report.version, report.written ? "written" : "up to date",
      report.rows,
      report.skipped.empty() ? "" : fmt::format(", {} skipped", report.skipped.size())));
  return 0;
}

int show(const ShowArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto rows = store->read_effects(args.version);
  std::cout << (args.format == "json" ? workflows::effects_to_json(rows)
                                      : workflows::effects_to_csv(rows));
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

struct EventArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string treatment = "mp_surprise";
  std::string outcome = "sp500";
  int window = 0;
  std::string format = "json";
  std::string store_tag;
};

int event(const EventArgs& args) {
  const auto spec = workflows::load_effects_spec(args.spec);
  // Writable only when the study is to be stored (`--store TAG`).
  auto store = store::open_store(args.common.db, !args.store_tag.empty());
  const auto report = workflows::run_event_study(
      *store, spec,
      {.treatment = args.treatment, .outcome = args.outcome, .window = args.window, .hac_lag = -1});
  if (!args.store_tag.empty()) {
    const auto stored = workflows::store_event_study(*store, spec, report, args.store_tag);
    say(fmt::format("event study {}: {}", stored.version,
                    stored.written ? "written" : "up to date"));
  }
  std::cout << (args.format == "json" ? codec::event_study_to_json(report) : report.explanation)
            << "\n";
  return 0;
}

struct IrfArgs {
  CommonOptions common;
  std::string spec = "config/effects.yml";
  std::string treatment = "mp_surprise";
  std::string outcome = "sp500";
  std::string horizons;
  int lags = 0;
  std::string se;
  std::string format = "json";
  std::string store_tag;
};

// "0..12" or "0,1,3,6".
std::vector<int> parse_horizons(const std::string& text) {
  std::vector<int> out;
  const auto number = [&](const std::string& piece) {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(piece, &used);
      if (used != piece.size() || v < 0 || v > 120) throw std::invalid_argument(piece);
      return static_cast<int>(v);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--horizons: '" + piece + "' is not a horizon in [0, 120] (e.g. 0..12 or 0,3,6)");
    }
  };
  if (const auto dots = text.find(".."); dots != std::string::npos) {
    const int from = number(text.substr(0, dots));
    const int to = number(text.substr(dots + 2));
    if (to < from)
      throw Error(ErrorCode::kInvalidArgument, "--horizons: '" + text + "' ends before it starts");
    for (int h = from; h <= to; ++h) out.push_back(h);
    return out;
  }
  // Every piece, empty ones too ("0,,3" is a typo, not 0,3), and each horizon once.
  std::stringstream in(text);
  std::string piece;
  while (std::getline(in, piece, ',')) {
    out.push_back(number(piece));
    if (std::count(out.begin(), out.end(), out.back()) > 1)
      throw Error(ErrorCode::kInvalidArgument, "--horizons: " + piece + " is listed twice");
  }
  if (text.empty() || text.back() == ',') number("");
  return out;
}

int irf(const IrfArgs& args) {
  const auto spec = workflows::load_effects_spec(args.spec);
  workflows::ImpulseQuery query{.treatment = args.treatment,
                                .outcome = args.outcome,
                                .horizons = {},
                                .lags = args.lags,
                                .se = args.se};
  if (!args.horizons.empty()) query.horizons = parse_horizons(args.horizons);
  // Writable only when the response is to be stored (`--store TAG`).
  auto store = store::open_store(args.common.db, !args.store_tag.empty());
  const auto report = workflows::run_impulse_response(*store, spec, query);
  if (!args.store_tag.empty()) {
    const auto stored = workflows::store_impulse_response(*store, spec, report, args.store_tag);
    say(fmt::format("impulse response {}: {}", stored.version,
                    stored.written ? "written" : "up to date"));
  }
  std::cout << (args.format == "json" ? codec::impulse_to_json(report) : report.explanation)
            << "\n";
  return 0;
}

int studies(const CommonOptions& common) {
  auto store = store::open_store(common.db, false);
  std::cout << "version,kind,spec,inputs,created_at\n";
  for (const auto& st : workflows::list_effect_studies(*store)) {
    std::string inputs;
    for (const auto& [name, value] : st.inputs)
      inputs += (inputs.empty() ? "" : ";") + name + "=" + value;
    std::cout << st.version << "," << st.kind << "," << st.spec_name << "," << inputs << ","
              << st.created_at.iso() << "\n";
  }
  return 0;
}

struct StudyArgs {
  CommonOptions common;
  std::string version;
  std::string format = "json";
};

int study(const StudyArgs& args) {
  auto store = store::open_store(args.common.db, false);
  std::cout << (args.format == "json" ? workflows::effect_study_json(*store, args.version)
                                      : workflows::effect_study_text(*store, args.version))
            << "\n";
  return 0;
}

struct CalibrateArgs {
  CommonOptions common;
  std::string version;
  std::string tag = "auto";
  int surrogates = 99;
  std::uint64_t seed = 42;
  double block = 12.0;
  std::int64_t threads = 0;
  std::string format = "text";
};

void print_calibration(const codec::CalibrationReport& r, const std::string& format) {
  if (format == "json") {
    std::cout << codec::calibration_to_json(r) << "\n";
    return;
  }
  const auto s = codec::summarise(r);
  const auto pct = [](long a, long b) {
    return b > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(a) / static_cast<double>(b))
                 : std::string("n/a");
  };
  std::cout << fmt::format(
      "calibration {} of effects {}: {} surrogates per cell, seed {}, mean block {} months\n",
      r.version, r.effects_version, r.surrogates, r.seed, r.mean_block);
  std::cout << fmt::format(
      "surrogate fits rejecting at 5%: {} of {} ({}; honest intervals give about 5%){}\n",
      s.rejections, s.fits, pct(s.rejections, s.fits),
      s.failed > 0 ? fmt::format(", {} fits failed", s.failed) : "");
  std::cout << fmt::format(
      "placebos passing at 5%: permuted treatment {} of {} ({}), pre-treatment outcome {} of {} "
      "({})\n",
      s.permuted_placebo_passed, s.permuted_placebo_cells,
      pct(s.permuted_placebo_passed, s.permuted_placebo_cells), s.pre_treatment_placebo_passed,
      s.pre_treatment_placebo_cells,
      pct(s.pre_treatment_placebo_passed, s.pre_treatment_placebo_cells));
  std::cout << "treatment,outcome,horizon,surrogate,surrogates,rejections,rejection_rate,effect,p_"
               "value,surrogate_p_value\n";
  for (const auto& c : r.cells) {
    std::cout << fmt::format(
        "{},{},{},{},{},{},{:.3f},{:.6g},{:.4g},{:.4g}\n", c.treatment, c.outcome, c.horizon,
        c.surrogate, c.surrogates, c.rejections,
        c.surrogates > 0 ? static_cast<double>(c.rejections) / c.surrogates : 0.0, c.effect,
        c.p_value, c.surrogate_p_value);
  }
}

int calibrate(const CalibrateArgs& args) {
  const int threads = checked_count(args.threads, "--threads", 0, 1024);
  // Under mpirun the (cell, surrogate) items are spread over the ranks; rank 0 alone writes.
  auto store = open_store_for_run(args.common.db, true);
  const auto run = workflows::calibrate_effects(*store, {.effects_version = args.version,
                                                         .tag = args.tag,
                                                         .surrogates = args.surrogates,
                                                         .seed = args.seed,
                                                         .mean_block = args.block,
                                                         .threads = threads,
                                                         .work_items = work_items(),
                                                         .stop = {}});
  say(fmt::format("calibration {}: {}", run.report.version,
                  run.written ? "written" : "up to date"));
  print_calibration(run.report, args.format);
  return 0;
}

struct CalibrationShowArgs {
  CommonOptions common;
  std::string version;
  std::string format = "text";
};

int calibration_show(const CalibrationShowArgs& args) {
  auto store = store::open_store(args.common.db, false);
  print_calibration(workflows::read_calibration(*store, args.version), args.format);
  return 0;
}

int calibration_list(const CommonOptions& common) {
  auto store = store::open_store(common.db, false);
  std::cout << "version,effects_version,created_at\n";
  for (const auto& h : store->list_artefacts(codec::calibration_kind().name)) {
    const auto it = h.inputs.find("effects_version");
    std::cout << h.version << "," << (it == h.inputs.end() ? "" : it->second) << ","
              << h.created_at.iso() << "\n";
  }
  return 0;
}

int list(const ListArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  Listing out{.columns = {"version", "spec", "feature_version", "regime_version", "estimates",
                          "created_at"}};
  for (const auto& v : store->list_effect_versions()) {
    out.rows.push_back({v.version, v.spec_name, v.feature_version, v.regime_version,
                        std::to_string(v.rows), v.created_at.iso()});
  }
  print_listing(out, args.format);
  return 0;
}

}  // namespace

void register_effects(CLI::App& app, Action& action) {
  auto* effects = app.add_subcommand(
      "effects", "Causal effects of macro shocks on asset returns (DML, X-learner)");
  effects->require_subcommand(1);
  auto args = std::make_shared<EstimateArgs>();
  auto* cmd = effects->add_subcommand(
      "estimate",
      "Estimate the effect of a macro shock on an asset over h months by double machine learning\n"
      "  (partially linear model, cross-fitted nuisances, contiguous folds with an embargo, HAC\n"
      "  standard errors) with one effect per regime and placebo checks; or by the X-learner on\n"
      "  the treatment binarised at > 0 (--method xlearner). Prints seed 001's response as JSON.\n"
      "  Treatments: mp_surprise, mps, mps_orth (mps orthogonalised to the news before each\n"
      "  meeting), nfp_surprise[_w] (identified shocks), cpi_surprise_rt, gdp_surprise_rt\n"
      "  (statistical surprises), fed_shock, cpi_surprise, gdp_surprise (not identified: said in\n"
      "  every output) or any column of the effects feature set; outcomes: sp500, tlt, gld, uso\n"
      "  (returns) and vix (change). docs/effects.md explains each.\n"
      "Examples:\n"
      "  mre effects estimate --treatment mp_surprise --outcome sp500 --horizon 3\n"
      "  mre effects estimate --data my.csv --outcome-col ret --treatment-col shock --controls "
      "a,b\n"
      "  mre effects estimate --treatment mp_surprise --outcome sp500 --uncertainty neural");
  add_common_options(*cmd, args->common);
  cmd->add_option("--spec", args->spec, "The effects spec")->capture_default_str();
  cmd->add_option("--treatment", args->treatment,
                  "mp_surprise | mps | nfp_surprise | cpi_surprise_rt | fed_shock | ...");
  cmd->add_option("--outcome", args->outcome, "sp500 | tlt | gld | uso | vix");
  cmd->add_option("--horizon", args->horizon,
                  "Months from the treatment to the end of the outcome window")
      ->capture_default_str();
  cmd->add_option("--magnitude", args->magnitude,
                  "Size of the shock the effect is scaled to, in the treatment's units")
      ->check(finite_number(workflows::kMaxMagnitude))
      ->capture_default_str();
  cmd->add_option(
      "--learner", args->learner,
      "auto | forest | boosting | lasso | ridge | ols | constant (default: the spec's, auto)");
  cmd->add_option("--folds", args->folds, "Cross-fitting folds, 2 to 100 (default: the spec's)")
      ->check(whole_number_in(2, 100));
  cmd->add_option("--embargo", args->embargo,
                  "Months dropped each side of a test fold, 0 to 1200 (default: the horizon)")
      ->check(whole_number_in(0, 1200));
  cmd->add_option("--se", args->se,
                  "hc0 | hc1 | hac | ewc | ewc_hc3 (default: the spec's, ewc_hc3: equal-weighted "
                  "cosine on leverage-adjusted scores, t intervals)");
  cmd->add_option("--method", args->method, "dml | xlearner")
      ->check(CLI::IsMember({"dml", "xlearner"}))
      ->capture_default_str();
  cmd->add_option("--format", args->format, "json | text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_option("--data", args->data, "A CSV (date column first) instead of the store");
  cmd->add_option("--outcome-col", args->outcome_col, "With --data: the outcome column");
  cmd->add_option("--treatment-col", args->treatment_col, "With --data: the treatment column");
  cmd->add_option("--controls", args->controls, "With --data: comma-separated control columns");
  cmd->add_option(
         "--uncertainty", args->uncertainty,
         "none | neural | constant: add `prediction_interval`, a split conformal interval\n"
         "  for the OUTCOME at the newest month's controls (not for the effect): the\n"
         "  scale of the DML final-stage residual from a small network trained out of\n"
         "  fold (neural, needs LibTorch) or constant, calibrated on the last fold's block")
      ->check(CLI::IsMember({"none", "neural", "constant"}))
      ->capture_default_str();
  cmd->add_option("--uncertainty-level", args->uncertainty_level,
                  "Nominal coverage of the interval, inside (0, 1)")
      ->capture_default_str();
  threads_from_one(cmd->add_option("--threads", args->threads,
                                   "Threads of the scale network, 1 to 1024 (its weights are "
                                   "reproducible for a count)"))
      ->capture_default_str();
  cmd->callback([args, &action] { action = [args] { return estimate(*args); }; });

  auto ask_args = std::make_shared<AskArgs>();
  auto* ask_cmd = effects->add_subcommand(
      "ask",
      "Seed 001's question, answered as POST /api/causal-analysis does: the Fed's rate "
      "(fed_shock,\n"
      "  fed_funds, interest_rate) is answered from the identified surprise mp_surprise unless\n"
      "  --as-given; the JSON names the identification, lists the estimate under each learner and\n"
      "  the local projection (fragile when they disagree) and gives the event study beside it.\n"
      "Example:\n"
      "  mre effects ask --asset sp500 --magnitude 1 --query-text \"What happens to the S&P 500 "
      "when the Fed raises rates by 1%?\"");
  add_common_options(*ask_cmd, ask_args->common);
  ask_cmd->add_option("--spec", ask_args->spec, "The effects spec")->capture_default_str();
  ask_cmd->add_option("--macro-variable", ask_args->macro_variable, "The shock asked about")
      ->capture_default_str();
  ask_cmd
      ->add_option("--asset", ask_args->asset, "sp500 | tlt | gld | uso | vix (or sp500_returns)")
      ->capture_default_str();
  ask_cmd->add_option("--magnitude", ask_args->magnitude, "Size of the shock (1 = 1 pp)")
      ->check(finite_number(workflows::kMaxMagnitude))
      ->capture_default_str();
  ask_cmd->add_option("--horizon", ask_args->horizon, "Months")->capture_default_str();
  ask_cmd->add_option("--learner", ask_args->learner, "Override the spec's learner");
  ask_cmd->add_option("--query-text", ask_args->query_text, "The question, echoed in the answer");
  ask_cmd->add_flag("--as-given", ask_args->as_given,
                    "Estimate the named series even when it is not an identified shock");
  ask_cmd->callback([ask_args, &action] { action = [ask_args] { return ask(*ask_args); }; });

  auto run_args = std::make_shared<RunArgs>();
  auto* run_cmd = effects->add_subcommand(
      "run",
      "Estimate the spec's whole grid (treatments x outcomes x horizons) by DML into the store's\n"
      "  causal_effects table under a version tag (never overwritten; 'auto' = E_<name>_<hash>).");
  add_common_options(*run_cmd, run_args->common);
  run_cmd->add_option("--spec", run_args->spec, "The effects spec")->capture_default_str();
  run_cmd->add_option("--version", run_args->version, "The tag, or 'auto'")->required();
  run_cmd->add_option("--learner", run_args->learner, "Override the spec's learner");
  run_cmd
      ->add_option("--threads", run_args->threads,
                   "Cells estimated at once, 0 to 1024 (0: all cores); the numbers do not depend "
                   "on it. Under mpirun "
                   "the cells are spread over the ranks (docs/scale.md)")
      ->capture_default_str();
  add_quiet_option(*run_cmd);
  run_cmd->callback([run_args, &action] { action = [run_args] { return run_grid(*run_args); }; });

  auto show_args = std::make_shared<ShowArgs>();
  auto* show_cmd = effects->add_subcommand(
      "show", "Print an effects version (CSV or JSON with regime effects and placebos)");
  add_common_options(*show_cmd, show_args->common);
  show_cmd->add_option("version", show_args->version, "The version tag")->required();
  show_cmd->add_option("--format", show_args->format, "csv | json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  show_cmd->callback([show_args, &action] { action = [show_args] { return show(*show_args); }; });

  auto export_args = std::make_shared<ExportArgs>();
  auto* export_cmd = effects->add_subcommand("export-panels",
                                             "Write the data of every cell of the spec's grid "
                                             "(date, y, t, controls) to CSV files in a directory");
  add_common_options(*export_cmd, export_args->common);
  export_cmd->add_option("--spec", export_args->spec, "The effects spec")->capture_default_str();
  export_cmd->add_option("--out", export_args->out, "The directory")->required();
  export_cmd->callback(
      [export_args, &action] { action = [export_args] { return export_panels(*export_args); }; });

  auto event_args = std::make_shared<EventArgs>();
  auto* event_cmd = effects->add_subcommand(
      "event",
      "Event study: the response of an asset over FOMC announcement days to the identified "
      "surprise\n"
      "  (close-to-close return, or a yield's change, from the close before the announcement day "
      "to\n"
      "  the close `--window` trading days after it), OLS with HC1 and Newey-West errors, the "
      "number\n"
      "  of events and the scatter (JSON).\n"
      "Example:\n"
      "  mre effects event --treatment mp_surprise --outcome sp500 --window 0");
  add_common_options(*event_cmd, event_args->common);
  event_cmd->add_option("--spec", event_args->spec, "The effects spec (its event_outcomes)")
      ->capture_default_str();
  event_cmd->add_option("--treatment", event_args->treatment, "An event treatment (mp_surprise)")
      ->capture_default_str();
  event_cmd->add_option("--outcome", event_args->outcome, "sp500 | tlt | gld | dgs2 | dgs10 | vix")
      ->capture_default_str();
  event_cmd
      ->add_option("--window", event_args->window, "Trading days after the announcement day, 0..20")
      ->capture_default_str();
  event_cmd->add_option("--format", event_args->format, "json | text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  event_cmd
      ->add_option(
          "--store", event_args->store_tag,
          "Also store the study under this tag ('auto': ES_<treatment>_<outcome>_w<window>_<hash>)")
      ->check(a_tag());
  event_cmd->callback(
      [event_args, &action] { action = [event_args] { return event(*event_args); }; });

  auto irf_args = std::make_shared<IrfArgs>();
  auto* irf_cmd = effects->add_subcommand(
      "irf",
      "Local projections (Jorda 2005): the impulse response of an asset to a shock over horizons "
      "of\n"
      "  months, one OLS per horizon with lags of the shock, the outcome and the spec's controls;\n"
      "  lag-augmented with HC1 errors (default) or Newey-West with bandwidth >= h + 1 (--se "
      "hac).\n"
      "Example:\n"
      "  mre effects irf --treatment mp_surprise --outcome sp500 --horizons 0..12");
  add_common_options(*irf_cmd, irf_args->common);
  irf_cmd->add_option("--spec", irf_args->spec, "The effects spec (its irf settings)")
      ->capture_default_str();
  irf_cmd
      ->add_option("--treatment", irf_args->treatment,
                   "mp_surprise | mps | nfp_surprise | cpi_surprise_rt | ...")
      ->capture_default_str();
  irf_cmd->add_option("--outcome", irf_args->outcome, "sp500 | tlt | gld | uso | vix")
      ->capture_default_str();
  irf_cmd->add_option("--horizons", irf_args->horizons,
                      "e.g. 0..12 or 0,3,6 (default: the spec's)");
  irf_cmd
      ->add_option("--lags", irf_args->lags, "Lags of every regressor, 1..24 (default: the spec's)")
      ->check(whole_number_in(1, 24));
  irf_cmd->add_option("--se", irf_args->se, "hc1 (lag-augmented) | hac (Newey-West)");
  irf_cmd->add_option("--format", irf_args->format, "json | text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  irf_cmd
      ->add_option(
          "--store", irf_args->store_tag,
          "Also store the response under this tag ('auto': IRF_<treatment>_<outcome>_<hash>)")
      ->check(a_tag());
  irf_cmd->callback([irf_args, &action] { action = [irf_args] { return irf(*irf_args); }; });

  auto studies_args = std::make_shared<CommonOptions>();
  auto* studies_cmd =
      effects->add_subcommand("studies", "Stored event studies and impulse responses (CSV)");
  add_common_options(*studies_cmd, *studies_args);
  studies_cmd->callback(
      [studies_args, &action] { action = [studies_args] { return studies(*studies_args); }; });

  auto study_args = std::make_shared<StudyArgs>();
  auto* study_cmd = effects->add_subcommand(
      "study", "Print a stored event study or impulse response (JSON as computed, or its text)");
  add_common_options(*study_cmd, study_args->common);
  study_cmd->add_option("version", study_args->version, "The tag")->required();
  study_cmd->add_option("--format", study_args->format, "json | text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  study_cmd->callback(
      [study_args, &action] { action = [study_args] { return study(*study_args); }; });

  auto calibrate_args = std::make_shared<CalibrateArgs>();
  auto* calibrate_cmd = effects->add_subcommand(
      "calibrate",
      "Re-run a stored effects grid with each treatment replaced by surrogates that keep its\n"
      "  autocorrelation but have no effect (stationary block bootstrap; for mp_surprise a\n"
      "  permutation of the surprises across announcement dates) and report the share of "
      "surrogate\n"
      "  fits rejecting at 5% per cell and overall (near 5% when the intervals are honest), each\n"
      "  stored estimate's surrogate p-value, and the stored placebos' pass rates. Stored as a\n"
      "  calibration version (never overwritten); an interrupted run stores nothing. Slow: it "
      "re-runs\n"
      "  the grid once per surrogate (160 cells x 20 surrogates is ~3,200 fits).\n"
      "Example:\n"
      "  mre effects calibrate --version E1 --surrogates 99 --seed 42\n"
      "  mpirun -n 2 mre effects calibrate --version E1   # the items over 2 processes "
      "(docs/scale.md)");
  add_common_options(*calibrate_cmd, calibrate_args->common);
  calibrate_cmd
      ->add_option("--version", calibrate_args->version, "The stored effects version to calibrate")
      ->required();
  calibrate_cmd
      ->add_option("--tag", calibrate_args->tag,
                   "The calibration's tag, or 'auto' (C_<version>_<hash>)")
      ->capture_default_str();
  calibrate_cmd
      ->add_option("--surrogates", calibrate_args->surrogates, "Surrogates per cell, 20 to 100000")
      ->check(whole_number_in(20, 100000))
      ->capture_default_str();
  calibrate_cmd
      ->add_option("--seed", calibrate_args->seed,
                   "Seed; each (cell, surrogate) item derives its own from it")
      ->capture_default_str();
  calibrate_cmd
      ->add_option("--block", calibrate_args->block,
                   "Mean block length in months (stationary block bootstrap)")
      ->capture_default_str();
  calibrate_cmd
      ->add_option("--threads", calibrate_args->threads,
                   "Worker threads, 0 to 1024 (0: all cores); the result does not depend on it. "
                   "Under mpirun "
                   "the items are spread over the ranks (docs/scale.md)")
      ->capture_default_str();
  add_quiet_option(*calibrate_cmd);
  calibrate_cmd->add_option("--format", calibrate_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  calibrate_cmd->callback([calibrate_args, &action] {
    action = [calibrate_args] { return calibrate(*calibrate_args); };
  });

  auto calibration_args = std::make_shared<CalibrationShowArgs>();
  auto* calibration_cmd =
      effects->add_subcommand("calibration", "Print a stored calibration (text or JSON)");
  add_common_options(*calibration_cmd, calibration_args->common);
  calibration_cmd->add_option("version", calibration_args->version, "The calibration's tag")
      ->required();
  calibration_cmd->add_option("--format", calibration_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  calibration_cmd->callback([calibration_args, &action] {
    action = [calibration_args] { return calibration_show(*calibration_args); };
  });

  auto calibrations_args = std::make_shared<CommonOptions>();
  auto* calibrations_cmd =
      effects->add_subcommand("calibrations", "Calibration versions in the store (CSV)");
  add_common_options(*calibrations_cmd, *calibrations_args);
  calibrations_cmd->callback([calibrations_args, &action] {
    action = [calibrations_args] { return calibration_list(*calibrations_args); };
  });

  auto list_args = std::make_shared<ListArgs>();
  auto* list_cmd =
      effects->add_subcommand("list", "Effects versions in the store (CSV by default)");
  add_common_options(*list_cmd, list_args->common);
  add_format_option(*list_cmd, list_args->format);
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });
}

}  // namespace mre::cli
