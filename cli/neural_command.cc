// `mre neural train|evaluate|list|show|latest`: the attention regime model of issue 24
// (workflows/neural.h): trained walk-forward against a regime version, stored as a regime version
// plus its model artefact, judged out of sample against persistence and a Markov forecast.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "mre/codec/neural_artefact.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/neural.h"

namespace mre::cli {
namespace {

struct NeuralArgs {
  CommonOptions common;
  std::string spec;
  std::string version;
  std::optional<std::int64_t> threads{};  // unset: the spec's (0 was that too, silently)
  std::int64_t seed = -1;                 // < 0: the spec's
  std::string features;
  std::string target;
  std::string format = "table";
};

std::string cell(double v, const char* f = "{:.4f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(f), v) : std::string("-");
}

std::string evaluation_table(const codec::AttentionEvaluation& e) {
  std::string out =
      fmt::format("neural model {} against target {} (horizon {} rows), out of sample {}..{}\n",
                  e.version, e.target_version, e.horizon, e.first.iso(), e.last.iso());
  out += fmt::format("{:<12} {:>7} {:>9} {:>8} {:>9}\n", "forecast", "n", "log loss", "brier",
                     "accuracy");
  for (const auto& r : e.rows)
    out += fmt::format("{:<12} {:>7} {:>9} {:>8} {:>9}\n", r.name, r.forecasts, cell(r.log_loss),
                       cell(r.brier), cell(r.accuracy));
  out += "persistence: " + e.persistence_rule +
         "; its log loss counts a miss as log(1e-15) = -34.5 (probabilities clipped at 1e-15)\n";
  out += "markov: " + e.markov_source + "\n";
  out +=
      "calibration (every class's probability, one-vs-rest): bin, then count / mean forecast "
      "/ observed frequency per forecast\n";
  out += fmt::format("{:<9}", "bin");
  for (const auto& r : e.rows) out += fmt::format(" | {:^26}", r.name);
  out += "\n";
  for (std::size_t b = 0; b < e.rows.front().calibration.size(); ++b) {
    const auto& first = e.rows.front().calibration[b];
    out += fmt::format("{:.1f}-{:.1f}  ", first.lower, first.upper);
    for (const auto& r : e.rows) {
      const auto& c = r.calibration[b];
      out += fmt::format(" | {:>7} {:>8} {:>9}", c.count, cell(c.mean_forecast, "{:.3f}"),
                         cell(c.observed, "{:.3f}"));
    }
    out += "\n";
  }
  return out;
}

int train(const NeuralArgs& args) {
  workflows::NeuralTrainOptions o;
  o.spec_path = args.spec;
  o.version = args.version;
  if (args.threads) o.threads = checked_count(*args.threads, "--threads", 1, 1024);
  if (args.seed >= 0) o.seed = static_cast<std::uint64_t>(args.seed);
  if (!args.features.empty()) o.feature_version = args.features;
  if (!args.target.empty()) o.target_version = args.target;
  auto store = store::open_store(args.common.db, true);
  const auto r = workflows::train_neural(*store, o);
  if (!r.written && r.rows == 0) {
    say(fmt::format("neural {}: already stored from this spec and these inputs; nothing written",
                    r.version));
    return 0;
  }
  say(fmt::format(
      "neural {}: {} refits, {} dates {}..{} written as regime version {} (kind "
      "neural_attention) and its model ({:.1f} s training, {:.3f} s per epoch, {} threads)",
      r.version, r.stored.refits.size(), r.rows, r.first.iso(), r.last.iso(), r.version, r.seconds,
      r.seconds_per_epoch, r.stored.training.threads));
  say(fmt::format("next: mre neural evaluate {}   (the model against persistence and Markov)",
                  r.version));
  return 0;
}

int evaluate(const NeuralArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto e = workflows::evaluate_neural(*store, args.version);
  if (args.format == "json") {
    std::cout << codec::attention_evaluation_to_json(e);
  } else if (args.format == "csv") {
    std::cout << codec::attention_evaluation_to_csv(e);
  } else {
    std::cout << evaluation_table(e);
  }
  return 0;
}

int list(const NeuralArgs& args) {
  auto store = store::open_store(args.common.db, false);
  Listing out;
  out.columns = {"version", "spec", "feature_version", "target_version", "spec_hash", "created"};
  for (const auto& h : workflows::list_neural(*store)) {
    const auto input = [&](const char* k) {
      const auto it = h.inputs.find(k);
      return it == h.inputs.end() ? std::string() : it->second;
    };
    out.rows.push_back({h.version, h.spec_name, input("feature_version"), input("target_version"),
                        h.spec_hash, h.created_at.iso()});
  }
  print_listing(out, args.format);
  if (out.rows.empty())
    say("no neural models yet; train one with 'mre neural train --spec "
        "config/neural/attention.yml --version N1'");
  return 0;
}

int show(const NeuralArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto s = workflows::read_neural(*store, args.version);  // checks every checksum
  const auto& sp = s.spec;
  std::cout << fmt::format(
      "neural model {}: attention over {} days of {} features ({}), hidden {}, {} heads, {} "
      "classes, dropout {}\n",
      s.version, sp.window, sp.inputs, s.feature_version, sp.hidden, sp.heads, sp.classes,
      sp.dropout);
  std::cout << fmt::format(
      "target: regime version {} at t+{} rows; refits every {} months (MR-AI-04), expanding "
      "window; seed {}, {} threads; {} parameters\n",
      s.target_version, s.horizon, s.refit_every_months, s.training.seed, s.training.threads,
      neural::attention_parameter_count(sp));
  for (std::size_t c = 0; c < s.class_names.size(); ++c) {
    std::string members;
    for (const auto& m : s.class_members[c]) members += (members.empty() ? "" : ", ") + m;
    std::cout << fmt::format("class {}: {}\n", s.class_names[c], members);
  }
  std::cout << fmt::format("{:<11} {:<23} {:>8} {:>6} {:>6} {:>8} {:>9} {}\n", "refit",
                           "training days", "examples", "best", "epochs", "seconds", "val loss",
                           "weights");
  for (const auto& f : s.refits) {
    const double best =
        f.best_epoch >= 1 && static_cast<std::size_t>(f.best_epoch) <= f.validation_loss.size()
            ? f.validation_loss[static_cast<std::size_t>(f.best_epoch - 1)]
            : std::nan("");
    std::cout << fmt::format("{:<11} {}..{} {:>8} {:>6} {:>6} {:>8.2f} {:>9} {} (checksum ok)\n",
                             f.date.iso(), f.train_first.iso(), f.train_last.iso(),
                             f.train_examples + f.validation_examples, f.best_epoch, f.epochs_run,
                             f.seconds, cell(best), f.model.weights.size());
  }
  return 0;
}

int latest(const NeuralArgs& args) {
  auto store = store::open_store(args.common.db, false);
  std::cout << codec::attention_latest_to_json(
      workflows::classify_latest_neural(*store, args.version));
  return 0;
}

}  // namespace

void register_neural(CLI::App& app, Action& action) {
  auto args = std::make_shared<NeuralArgs>();
  auto* neural = app.add_subcommand(
      "neural",
      "The attention regime model (issue 24, LibTorch): a classifier of a regime version's class\n"
      "at t+k from the last L days of a feature version, trained walk-forward (refits every 6\n"
      "months on the labels known then), stored as a regime version (usable by effects,\n"
      "backtests, the dashboard) plus its weights; judged against persistence and Markov.\n"
      "  mre neural train --spec config/neural/attention.yml --version N1 [--threads 2]\n"
      "  mre neural evaluate N1 [--format csv|json];  mre neural list;  mre neural show N1\n"
      "  mre neural latest N1   (the latest observation classified, as GET /api/neural/N1/latest)\n"
      "  mre neural export --version N1 --to DIR   (TorchScript and ONNX, checked; python3-torch)\n"
      "docs/neural.md: the architecture, the targets, what the baselines say, the export.");
  neural->require_subcommand(1);

  auto* t = neural->add_subcommand(
      "train",
      "Train walk-forward and store a version. The default spec reads the newest 'indicators'\n"
      "feature version and the regime version B1 (mre classify backfill --version B1); about\n"
      "4.5 minutes on the bundled data with one thread (config/neural/attention_tour.yml: "
      "seconds)");
  add_common_options(*t, args->common);
  t->add_option("--spec", args->spec, "The model spec (config/neural/attention.yml)")->required();
  t->add_option("--version", args->version, "The tag of the regime version and model")->required();
  threads_from_one(t->add_option("--threads", args->threads,
                                 "LibTorch threads, 1 to 1024 (the weights are reproducible for "
                                 "a thread count; default: the spec's)"));
  t->add_option("--seed", args->seed, "Seed (default: the spec's training.seed)");
  t->add_option("--features", args->features, "Feature version (replaces the spec's)");
  t->add_option("--target", args->target, "Target regime version (replaces the spec's)");
  t->callback([&action, args] { action = [args] { return train(*args); }; });

  auto* e = neural->add_subcommand(
      "evaluate",
      "Out-of-sample log loss, Brier score, accuracy and calibration: the model, persistence and "
      "the Markov transition-matrix forecast");
  add_common_options(*e, args->common);
  e->add_option("version", args->version, "Neural model version")->required();
  e->add_option("--format", args->format, "table | csv | json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  e->callback([&action, args] { action = [args] { return evaluate(*args); }; });

  auto list_args = std::make_shared<NeuralArgs>();
  list_args->format = "csv";  // as every listing (cli/commands.h)
  auto* l = neural->add_subcommand("list", "Stored neural models");
  add_common_options(*l, list_args->common);
  add_format_option(*l, list_args->format);
  l->callback([&action, list_args] { action = [list_args] { return list(*list_args); }; });

  auto* s = neural->add_subcommand(
      "show", "A model's settings, classes and refits (weights loaded and checksums verified)");
  add_common_options(*s, args->common);
  s->add_option("version", args->version, "Neural model version")->required();
  s->callback([&action, args] { action = [args] { return show(*args); }; });

  auto* la = neural->add_subcommand(
      "latest", "The latest observation of the feature version classified (JSON)");
  add_common_options(*la, args->common);
  la->add_option("version", args->version, "Neural model version")->required();
  la->callback([&action, args] { action = [args] { return latest(*args); }; });
}

}  // namespace mre::cli
