// `mre neural export`: an attention regime model to TorchScript and ONNX beside its spec, weights
// and checksum (workflows/neural_export.h; docs/neural.md, "Export").
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/neural_export.h"

namespace mre::cli {
namespace {

struct NeuralExportArgs {
  CommonOptions common;
  std::string version;
  std::optional<std::int64_t> refit{};  // unset: the last (0 was that too, silently)
  std::string to;
  std::string python = "/usr/bin/python3";
  std::string script;
  std::int64_t init_seed = -1;
  std::int64_t inputs = 20;
  std::int64_t hidden = 32;
  std::int64_t heads = 4;
  std::int64_t classes = 3;
  std::int64_t window = 20;
};

int run_export(const NeuralExportArgs& args) {
  if (args.version.empty() == (args.init_seed < 0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "mre neural export: give --version N (a stored model) or --init-seed S, not both");
  }
  workflows::NeuralExportOptions options{
      .directory = args.to, .python = args.python, .script = args.script};
  workflows::NeuralExportReport report;
  if (!args.version.empty()) {
    const auto store = store::open_store(args.common.db, /*create=*/false);
    std::optional<int> refit;
    if (args.refit) refit = checked_count(*args.refit, "--refit", 1, 1000000);
    report = workflows::export_stored_attention_model(*store, args.version, refit, options);
  } else {
    const neural::AttentionSpec spec{.inputs = checked_count(args.inputs, "--inputs", 1, 4096),
                                     .hidden = checked_count(args.hidden, "--hidden", 1, 4096),
                                     .heads = checked_count(args.heads, "--heads", 1, 4096),
                                     .classes = checked_count(args.classes, "--classes", 2, 64),
                                     .window = checked_count(args.window, "--window", 1, 4096)};
    report = workflows::export_initial_attention_model(
        spec, static_cast<std::uint64_t>(args.init_seed), options);
  }
  for (const auto& file : report.files) std::cout << "wrote " << file.string() << "\n";
  std::cout << fmt::format("exported {} ({} parameters, weights checksum {})\n", report.source,
                           report.parameters, report.weights_checksum);
  return 0;
}

}  // namespace

void register_neural_export(CLI::App& app, Action& action) {
  // `mre neural` is registered by register_neural (train, evaluate, ...) when it runs first.
  const auto found = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "neural"; });
  CLI::App* neural = found.empty() ? nullptr : found.front();
  if (neural == nullptr) {
    neural = app.add_subcommand("neural", "The attention regime model (issue 24; docs/neural.md)");
    neural->require_subcommand(1);
  }
  auto args = std::make_shared<NeuralExportArgs>();
  auto* command = neural->add_subcommand(
      "export",
      "Export an attention model to TorchScript (model.pt) and ONNX (model.onnx) in --to DIR, "
      "beside manifest.json (spec, standardisation, parameter layout, checksum), weights.f32 and "
      "reference.json (windows and LibTorch's probabilities for them). Runs "
      "tools/neural_export.py under Debian's python3 with python3-torch and python3-onnx.");
  add_common_options(*command, args->common);
  command->add_option("--version", args->version,
                      "The stored neural model to export (mre neural list)");
  command->add_option("--refit", args->refit,
                      "With --version: which refit's weights, 1-based (default: the one in force "
                      "on the last day the version labelled, as 'mre neural latest' serves)");
  command->add_option("--to", args->to, "Directory to write (created; never overwritten)")
      ->required();
  command->add_option("--init-seed", args->init_seed,
                      "Export the initial weights LibTorch draws under this seed (a check of the "
                      "export path without a trained model)");
  command->add_option("--inputs", args->inputs, "With --init-seed: features per day (F)")
      ->capture_default_str();
  command->add_option("--hidden", args->hidden, "With --init-seed: hidden width (H)")
      ->capture_default_str();
  command->add_option("--heads", args->heads, "With --init-seed: attention heads")
      ->capture_default_str();
  command->add_option("--classes", args->classes, "With --init-seed: classes (C)")
      ->capture_default_str();
  command->add_option("--window", args->window, "With --init-seed: days per window (L)")
      ->capture_default_str();
  command->add_option("--python", args->python, "The Python with python3-torch and python3-onnx")
      ->capture_default_str();
  command->add_option("--script", args->script,
                      "The export script (default: $MRE_NEURAL_EXPORT_SCRIPT, else the source "
                      "tree's tools/neural_export.py)");
  command->callback([args, &action] { action = [args] { return run_export(*args); }; });
}

}  // namespace mre::cli
