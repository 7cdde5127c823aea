// `mre regimes fit|predict`: regime models on the store's feature versions or on a CSV.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/workflows/regimes_csv.h"

namespace mre::cli {
namespace {

struct FitArgs {
  std::string data;
  std::string method = "hmm";
  int states = 6;
  std::string covariance = "full";
  int n_init = 1;
  int max_iter = 1000;
  double tol = 1e-4;
  std::uint64_t seed = 42;
  double min_covar = 1e-3;
  std::string init;
  std::string out;
};

struct PredictArgs {
  std::string model;
  std::string data;
  bool smoothed = false;
  bool viterbi = false;
  std::string out;
};

// Writes to a temporary name and renames: a failure never leaves half a file.
void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary);
    file << text;
    if (!file) throw Error(ErrorCode::kIoError, path + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

int fit(const FitArgs& args) {
  workflows::CsvFitOptions options;
  options.data = args.data;
  options.method = args.method;
  options.hmm = {.n_states = args.states,
                 .covariance = regimes::hmm::parse_covariance(args.covariance),
                 .n_iter = args.max_iter,
                 .tol = args.tol,
                 .n_init = args.n_init,
                 .seed = args.seed,
                 .min_covar = args.min_covar};
  if (!args.init.empty()) options.init = args.init;
  const auto result = workflows::fit_csv(options);
  write_output(args.out, result.params_json + "\n");
  std::cout << result.summary_json << "\n";
  if (!args.out.empty()) say("parameters written to " + args.out);
  return 0;
}

int predict(const PredictArgs& args) {
  if (args.smoothed && args.viterbi) throw Error(ErrorCode::kInvalidArgument, "--smoothed and --viterbi exclude each other");
  const auto mode = args.viterbi ? workflows::PredictMode::kViterbi
                    : args.smoothed ? workflows::PredictMode::kSmoothed
                                    : workflows::PredictMode::kFiltered;
  write_output(args.out, workflows::predict_csv(args.model, args.data, mode));
  return 0;
}

}  // namespace

void register_regimes(CLI::App& app, Action& action) {
  auto* regimes = app.add_subcommand("regimes", "Regime models: Gaussian HMM and k-means");
  regimes->require_subcommand(1);

  auto fit_args = std::make_shared<FitArgs>();
  auto* fit_cmd = regimes->add_subcommand(
      "fit",
      "Fit a regime model on a CSV (a date column, then one column per feature; empty cells are\n"
      "missing and, for the HMM, marginalised). Prints the fit summary as JSON (log-likelihood,\n"
      "iterations, converged, AIC/BIC, expected durations); --out saves the parameters.\n"
      "Example: mre regimes fit --data features.csv --method hmm --states 3 --out model.json");
  fit_cmd->add_option("--data", fit_args->data, "The CSV of features")->required();
  fit_cmd->add_option("--method", fit_args->method, "hmm | kmeans")
      ->check(CLI::IsMember({"hmm", "kmeans"}))
      ->capture_default_str();
  fit_cmd->add_option("--states", fit_args->states, "Number of states (clusters), >= 2")->capture_default_str();
  fit_cmd->add_option("--covariance", fit_args->covariance, "full | diag | spherical | tied (HMM)")->capture_default_str();
  fit_cmd->add_option("--n-init", fit_args->n_init, "Restarts; the best likelihood wins")->capture_default_str();
  fit_cmd->add_option("--max-iter", fit_args->max_iter, "EM iteration limit")->capture_default_str();
  fit_cmd->add_option("--tol", fit_args->tol, "Stop when the log-likelihood gains less")->capture_default_str();
  fit_cmd->add_option("--seed", fit_args->seed, "Random seed (k-means++ initialisation)")->capture_default_str();
  fit_cmd->add_option("--min-covar", fit_args->min_covar, "Floor added to covariance diagonals")->capture_default_str();
  fit_cmd->add_option("--init", fit_args->init, "Start EM from these saved parameters (JSON)");
  fit_cmd->add_option("--out", fit_args->out, "Where to write the parameters (JSON)");
  fit_cmd->callback([fit_args, &action] { action = [fit_args] { return fit(*fit_args); }; });

  auto predict_args = std::make_shared<PredictArgs>();
  auto* predict_cmd = regimes->add_subcommand(
      "predict",
      "State probabilities for a CSV under saved HMM parameters: filtered P(s_t | data to t) by\n"
      "default (usable for decisions: no look-ahead), smoothed P(s_t | all data) with --smoothed\n"
      "(a diagnostic), or the most likely path with --viterbi.");
  predict_cmd->add_option("--model", predict_args->model, "Parameters written by 'regimes fit --out'")->required();
  predict_cmd->add_option("--data", predict_args->data, "The CSV (the model's feature columns)")->required();
  predict_cmd->add_flag("--smoothed", predict_args->smoothed, "Smoothed probabilities");
  predict_cmd->add_flag("--viterbi", predict_args->viterbi, "Most likely state path");
  predict_cmd->add_option("--out", predict_args->out, "Output CSV (default: stdout)");
  predict_cmd->callback([predict_args, &action] { action = [predict_args] { return predict(*predict_args); }; });
}

}  // namespace mre::cli
