// `mre regimes fit|predict`: regime models on the store's feature versions or on a CSV.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

#include "cli/commands.h"
#include "mre/codec/profile_json.h"
#include "mre/codec/regimes_json.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/core/work_items.h"
#include "mre/store/store.h"
#include "mre/workflows/compare_regimes.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/evaluate_regimes.h"
#include "mre/workflows/regime_profile.h"
#include "mre/workflows/regimes_csv.h"

namespace mre::cli {
namespace {

struct FitArgs {
  CommonOptions common;
  std::string spec;
  std::string version;
  std::string features_version;
  std::string data;
  std::string method = "hmm";
  std::int64_t states = 6;  // 64-bit: checked against the limits before narrowing
  std::string covariance = "full";
  std::int64_t n_init = 1;
  std::int64_t max_iter = 1000;
  double tol = 1e-4;
  std::uint64_t seed = 42;
  double min_covar = 1e-3;
  std::string init;
  std::string out;
  double penalty = 0.0;  // jump: lambda
  bool continuous = false;
  double grid_size = 0.05;
  std::int64_t threads = 0;  // EM starts at once (0: all cores)
};

struct PredictArgs {
  std::string model;
  std::string data;
  bool smoothed = false;
  bool viterbi = false;
  std::string out;
};

int fit_spec(const FitArgs& args) {
  if (args.version.empty())
    throw Error(ErrorCode::kInvalidArgument, "--version: required with --spec");
  const int threads = checked_count(args.threads, "--threads", 0, 1024);
  auto store = open_store_for_run(args.common.db, true);
  const auto report = workflows::detect_regimes(*store, {.spec_path = args.spec,
                                                         .version = args.version,
                                                         .features_version = args.features_version,
                                                         .threads = threads,
                                                         .work_items = work_items()});
  print_regime_report(report);
  return 0;
}

int fit(const FitArgs& args) {
  check_output_option(args.out, "--out");
  if (!args.spec.empty()) {
    if (!args.data.empty())
      throw Error(ErrorCode::kInvalidArgument, "--spec and --data exclude each other");
    return fit_spec(args);
  }
  if (args.data.empty())
    throw Error(ErrorCode::kInvalidArgument, "give --spec (store) or --data (a CSV)");
  workflows::CsvFitOptions options;
  options.data = args.data;
  options.method = args.method;
  options.hmm = {.n_states = checked_count(args.states, "--states", regimes::hmm::kMinStates,
                                           regimes::hmm::kMaxStates),
                 .covariance = regimes::hmm::parse_covariance(args.covariance),
                 .n_iter = checked_count(args.max_iter, "--max-iter", 1, 1'000'000),
                 .tol = args.tol,
                 .n_init = checked_count(args.n_init, "--n-init", 1, 1'000),
                 .seed = args.seed,
                 .min_covar = args.min_covar,
                 .threads = checked_count(args.threads, "--threads", 0, 1024)};
  // The EM starts on this run's work items (MPI ranks), else on --threads here with progress.
  const ThreadWorkItems local(options.hmm.threads);
  options.hmm.work_items = work_items() ? work_items() : &local;
  if (!args.init.empty()) options.init = args.init;
  options.jump.jump_penalty = args.penalty;
  options.jump.continuous = args.continuous;
  options.jump.grid_size = args.grid_size;
  const auto result = workflows::fit_csv(options);
  write_output(args.out, result.params_json + "\n", "--out");
  std::cout << result.summary_json << "\n";
  if (!args.out.empty()) say("parameters written to " + args.out);
  return 0;
}

int predict(const PredictArgs& args) {
  check_output_option(args.out, "--out");
  if (args.smoothed && args.viterbi)
    throw Error(ErrorCode::kInvalidArgument, "--smoothed and --viterbi exclude each other");
  const auto mode = args.viterbi    ? workflows::PredictMode::kViterbi
                    : args.smoothed ? workflows::PredictMode::kSmoothed
                                    : workflows::PredictMode::kFiltered;
  write_output(args.out, workflows::predict_csv(args.model, args.data, mode), "--out");
  return 0;
}

struct ShowArgs {
  CommonOptions common;
  std::string version;
  std::string from;
  std::string to;
  std::string format = "csv";
};

int list_versions(const ShowArgs& args) {
  auto store = store::open_store(args.common.db, false);
  check_format(args.format);
  const auto models = store->list_regime_models();
  Listing out{.columns = {"version", "kind", "spec", "feature_version", "labels", "rows", "first",
                          "last", "created_at"}};
  for (const auto& m : models) {
    std::string labels;
    for (const auto& l : m.labels) labels += (labels.empty() ? "" : " ") + l;
    out.rows.push_back({m.version, m.kind, m.spec_name, m.feature_version, labels,
                        std::to_string(m.rows), m.first ? m.first->iso() : "",
                        m.last ? m.last->iso() : "", m.created_at.iso()});
  }
  print_listing(out, args.format);
  if (models.empty()) say("no regime versions yet; fit one with 'mre regimes fit --spec'");
  return 0;
}

// A jump-model fit that left a state empty labels its period with the other states only: the
// penalty is too high for that window to pay for a switch (docs/jump_models.md).
void warn_empty_states(const std::string& version, const std::vector<std::string>& fits) {
  if (fits.empty()) return;
  std::string list;
  for (const auto& f : fits) list += (list.empty() ? "" : ", ") + f;
  say(
      fmt::format("warning: {} fit(s) of {} left a state empty: no row of the training window "
                  "took it at this jump penalty, so it is never labelled in that fit's period "
                  "(a lower jump_penalty, or fewer states): {}",
                  fits.size(), version, list));
}

int show_version(const ShowArgs& args) {
  const auto [from, to] = parse_date_range(args.from, args.to);
  auto store = store::open_store(args.common.db, false);
  const auto model = store->find_regime_model(args.version);
  if (!model)
    throw Error(ErrorCode::kNotFound,
                "no regime version '" + args.version + "' (see 'mre regimes list')");
  const auto rows = store->read_regimes(args.version, from, to);
  if (const auto limited = workflows::refits_at_iteration_limit(*model); !limited.empty()) {
    std::string dates;
    for (const auto& d : limited) dates += (dates.empty() ? "" : ", ") + d;
    say(
        fmt::format("warning: {} walk-forward refit(s) of {} stopped at the EM iteration limit "
                    "(not converged): {}",
                    limited.size(), args.version, dates));
  }
  warn_empty_states(args.version, workflows::fits_with_empty_states(*model));
  if (args.format == "json") {
    std::cout << codec::regimes_to_json(*model, rows) << "\n";
    return 0;
  }
  std::string out = "date,regime,score";
  for (const auto& l : model->labels) {
    out += ",p_";
    out += l;
  }
  out += '\n';
  for (const auto& r : rows) {
    out += r.date.iso();
    out += ',';
    out += r.regime;
    out += ',';
    out += format_double(r.score);
    for (double p : r.probabilities) {
      out += ',';
      out += format_double(p);
    }
    out += '\n';
  }
  std::cout << out;
  return 0;
}

struct EvaluateArgs {
  CommonOptions common;
  std::string version;
  std::string windows = "config/regimes/evaluation_windows.yml";
  std::int64_t seeds = 5;
  std::string spec = "config/classifier/gmr.yml";
  int threads = 0;
};

std::string percent(double share) {
  return std::isfinite(share) ? fmt::format("{:.1f}%", 100 * share) : "-";
}

int evaluate(const EvaluateArgs& args) {
  if (args.seeds < 1 || args.seeds > 100)
    throw Error(ErrorCode::kInvalidArgument, "--seeds: must be between 1 and 100");
  auto store = store::open_store(args.common.db, false);
  const auto e = workflows::evaluate_regimes(*store, {.version = args.version,
                                                      .windows_path = args.windows,
                                                      .seeds = static_cast<int>(args.seeds),
                                                      .spec_path = args.spec,
                                                      .threads = args.threads});
  std::cout << fmt::format("regime version {} ({}): {} dates from {} to {}\n", e.version, e.kind,
                           e.dates, e.first.iso(), e.last.iso());
  // The stress column is headed "in stress": a version may have a label named "stress" (the jump
  // model's), which heads its own column.
  std::cout << "\nshare of each label by window; in stress = ";
  if (e.stress_labels.empty()) {
    std::cout << "none (the version carries none of the windows file's stress_labels)";
  } else {
    for (std::size_t i = 0; i < e.stress_labels.size(); ++i)
      std::cout << (i ? " + " : "") << e.stress_labels[i];
  }
  if (!e.stress_labels_absent.empty()) {
    std::cout << " (stress_labels not in this version:";
    for (const auto& s : e.stress_labels_absent) std::cout << " " << s;
    std::cout << ")";
  }
  std::cout << "\n" << fmt::format("  {:<22} {:>6} {:>9}", "window", "dates", "in stress");
  for (const auto& l : e.labels) std::cout << fmt::format(" {:>10}", l.substr(0, 10));
  std::cout << "\n";
  const auto row = [&](const std::string& name, std::size_t dates, double stress,
                       const std::vector<double>& shares) {
    std::cout << fmt::format("  {:<22} {:>6} {:>9}", name, dates, percent(stress));
    for (const double s : shares) std::cout << fmt::format(" {:>10}", percent(s));
    std::cout << "\n";
  };
  for (const auto& w : e.windows) row(w.window.name, w.dates, w.stress_share, w.shares);
  row("all dates", e.dates, e.all_stress_share, e.label_shares);
  if (!e.skipped.empty()) {
    std::cout << fmt::format(
        "  skipped: {} {} recession(s) outside the version's dates (the latest: {})\n",
        e.skipped.size(), e.recession_series, e.skipped.back());
  }
  if (e.usrec_dates > 0) {
    std::cout << fmt::format("\n{} ({} dates): share of each label's dates in a recession:",
                             e.recession_series, e.usrec_dates);
    for (std::size_t i = 0; i < e.labels.size(); ++i)
      std::cout << " " << e.labels[i] << " " << percent(e.recession_share_by_label[i]);
    std::cout << "\n";
    if (e.usrec_agreement) {
      std::cout << fmt::format(
          "agreement with {} (a stress label on recession dates, another label elsewhere): {}\n",
          e.recession_series, percent(*e.usrec_agreement));
    }
  }
  std::cout << fmt::format("\nmean duration (dates per run of one label): {:.1f} overall;",
                           e.overall_mean_duration);
  for (std::size_t i = 0; i < e.labels.size(); ++i)
    std::cout << fmt::format(" {} {:.1f}", e.labels[i], e.mean_duration[i]);
  std::cout << fmt::format("\nswitches per year: {:.2f}\n", e.switches_per_year);
  if (e.kind == "classifier_backfill") {
    std::cout << fmt::format("\nretrains: {}; stopped at the EM iteration limit: {}\n", e.refits,
                             e.refits_at_limit);
    if (!e.churn.empty()) {
      auto sorted = e.churn;
      std::sort(sorted.begin(), sorted.end());
      double mean = 0;
      for (const double c : sorted) mean += c / static_cast<double>(sorted.size());
      const auto over =
          std::count_if(sorted.begin(), sorted.end(), [](double c) { return c > 0.10; });
      std::cout << fmt::format(
          "label churn per retrain (share of earlier dates whose label the retrained model "
          "changes): "
          "mean {}, median {}, max {}; {} of {} retrains change more than 10%\n",
          percent(mean), percent(sorted[sorted.size() / 2]), percent(sorted.back()), over,
          sorted.size());
      double kept_max = 0;
      double relabelled_min = 1;
      std::size_t relabelled = 0;
      for (std::size_t i = 0; i < e.churn.size(); ++i) {
        if (e.relabelled[i]) {
          ++relabelled;
          relabelled_min = std::min(relabelled_min, e.churn[i]);
        } else {
          kept_max = std::max(kept_max, e.churn[i]);
        }
      }
      std::cout << fmt::format(
          "  {} of {} retrains gave some aligned state another label (churn from {} up); the "
          "others "
          "kept every state's label (churn at most {})\n",
          relabelled, e.churn.size(), relabelled ? percent(relabelled_min) : "-",
          percent(kept_max));
      std::cout << fmt::format(
          "  {} of {} retrains kept the previous mapping within the margin (the new optimum was "
          "not "
          "cheaper by more than 0.1 RMS z per state)\n",
          e.kept_mapping, e.churn.size());
    }
    if (e.all_seeds_agree) {
      std::cout << fmt::format(
          "seeds: all {} agree on {} of dates; against seed {}:", e.seed_runs.size(),
          percent(*e.all_seeds_agree), e.seed_runs.front().seed);
      for (std::size_t i = 1; i < e.seed_runs.size(); ++i) {
        std::cout << fmt::format(" seed {} {}", e.seed_runs[i].seed,
                                 percent(e.seed_runs[i].agreement_with_first));
      }
      std::cout << "\n";
      if (e.stored_seed_reproduced) {
        std::cout << fmt::format(
            "  seed {} recomputed by this build gives the stored label on {} of dates{}\n",
            e.seed_runs.front().seed, percent(*e.stored_seed_reproduced),
            *e.stored_seed_reproduced < 1.0
                ? " (stored by other code: the figures compare this build's seeds with it)"
                : "");
      }
      for (std::size_t i = 1; i < e.seed_runs.size(); ++i) {
        std::cout << fmt::format(
            "  seed {}: the same most-likely state as seed {} (states matched one-to-one per "
            "retrain) on {} of dates; of those, the same label on {}\n",
            e.seed_runs[i].seed, e.seed_runs.front().seed,
            percent(e.seed_runs[i].state_agreement_with_first),
            percent(e.seed_runs[i].label_agreement_where_states_match));
      }
      for (std::size_t i = 1; i < e.seed_runs.size(); ++i) {
        const auto& gaps = e.seed_runs[i].log_likelihood_gaps;
        const auto higher =
            std::count_if(gaps.begin(), gaps.end(), [](double g) { return g > 1.0; });
        const auto lower =
            std::count_if(gaps.begin(), gaps.end(), [](double g) { return g < -1.0; });
        auto sorted = gaps;
        for (auto& g : sorted) g = std::abs(g);
        std::sort(sorted.begin(), sorted.end());
        std::cout << fmt::format(
            "  seed {}: best log-likelihood of its retrains vs seed {}: higher in {}, lower in {}, "
            "within 1 in {} of {}; median |difference| {:.1f}, max {:.1f}\n",
            e.seed_runs[i].seed, e.seed_runs.front().seed, higher, lower,
            static_cast<long>(gaps.size()) - higher - lower, gaps.size(),
            sorted.empty() ? 0.0 : sorted[sorted.size() / 2], sorted.empty() ? 0.0 : sorted.back());
      }
    }
  }
  return 0;
}

struct CompareArgs {
  CommonOptions common;
  std::string a;
  std::string b;
  std::string version;
  std::string date;
  int k = 10;
  std::string format = "text";
};

void print_summary(const workflows::VersionSummary& s, double periods_per_year) {
  std::cout << "\n"
            << s.version << ": regime counts, mean durations (periods), next-period returns "
            << "(annualised at " << periods_per_year << " periods/year, mean / volatility)\n";
  std::cout << fmt::format("  {:<18} {:>7} {:>9}", "regime", "dates", "duration");
  for (const auto& [ticker, name] : workflows::comparison_assets())
    std::cout << fmt::format(" {:>17}", name);
  std::cout << "\n";
  for (std::size_t k = 0; k < s.labels.size(); ++k) {
    std::cout << fmt::format("  {:<18} {:>7} {:>9.1f}", s.labels[k], s.counts[k],
                             s.mean_durations[k]);
    for (const auto& [ticker, name] : workflows::comparison_assets()) {
      const auto by_label = s.conditional_returns.find(s.labels[k]);
      if (by_label == s.conditional_returns.end() || !by_label->second.count(name)) {
        std::cout << fmt::format(" {:>17}", "-");
        continue;
      }
      const auto& st = by_label->second.at(name);
      std::cout << fmt::format(" {:>7.1f}% / {:>5.1f}%", 100 * st.annual_mean,
                               100 * st.annual_volatility);
    }
    std::cout << "\n";
  }
  std::cout << "  transitions (row: from, column: to):\n";
  for (Eigen::Index i = 0; i < s.transitions.rows(); ++i) {
    std::cout << fmt::format("  {:<18}", s.labels[static_cast<std::size_t>(i)]);
    for (Eigen::Index j = 0; j < s.transitions.cols(); ++j)
      std::cout << fmt::format(" {:>6.3f}", s.transitions(i, j));
    std::cout << "\n";
  }
}

int compare(const CompareArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto c = workflows::compare_regimes(*store, args.a, args.b);
  if (args.format == "json") {
    std::cout << codec::comparison_to_json(c) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} vs {}: {} common dates from {} to {}\n", args.a, args.b,
                           c.common_dates, c.first.iso(), c.last.iso());
  std::cout << fmt::format(
      "agreement: {:.1f}% of dates carry the same label; {:.1f}% after the best one-to-one "
      "matching of labels:",
      100 * c.agreement_same_label, 100 * c.agreement_matched);
  for (const auto& [x, y] : c.matching) std::cout << " " << x << "=" << y;
  std::cout << "\nconfusion (rows " << args.a << ", columns " << args.b << "):\n  "
            << fmt::format("{:<18}", "");
  for (const auto& l : c.b.labels) std::cout << fmt::format(" {:>10}", l.substr(0, 10));
  std::cout << "\n";
  for (Eigen::Index i = 0; i < c.confusion.rows(); ++i) {
    std::cout << fmt::format("  {:<18}", c.a.labels[static_cast<std::size_t>(i)]);
    for (Eigen::Index j = 0; j < c.confusion.cols(); ++j)
      std::cout << fmt::format(" {:>10.0f}", c.confusion(i, j));
    std::cout << "\n";
  }
  print_summary(c.a, c.periods_per_year);
  print_summary(c.b, c.periods_per_year);
  return 0;
}

int analogues(const CompareArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto date = parse_date_option(args.date, "--date");
  if (!date) throw Error(ErrorCode::kInvalidArgument, "--date: required");
  const auto result = workflows::find_analogues(*store, args.version, *date, args.k);
  const auto& found = result.analogues;
  if (result.reference != *date) {
    std::cerr << "note: analogues of " << result.reference.iso()
              << ", the last date on or before --date " << date->iso()
              << " with every feature of the version\n";
  }
  if (args.format == "json") {
    std::cout << codec::analogues_to_json(found) << "\n";
    return 0;
  }
  std::cout << "date,distance,regime";
  for (const auto& [ticker, name] : workflows::comparison_assets())
    std::cout << ",forward_1m_" << name;
  std::cout << "\n";
  for (const auto& a : found) {
    std::cout << a.date.iso() << ',' << format_double(a.distance) << ',' << a.regime;
    for (const auto& [ticker, name] : workflows::comparison_assets()) {
      const auto it = a.forward.find(name);
      std::cout << ',' << (it == a.forward.end() ? "" : format_double(it->second));
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void print_regime_report(const workflows::DetectRegimesReport& report) {
  if (report.written) {
    say("regimes " + report.version + " (" + report.kind + " on features " +
        report.feature_version + "): " + std::to_string(report.rows) + " dates" +
        (report.refits ? ", " + std::to_string(report.refits) + " walk-forward fits"
                       : std::string()));
  } else {
    say("regimes " + report.version +
        ": already fitted from this spec and feature version; nothing written");
  }
  if (report.latest) {
    say("  latest " + report.latest->date.iso() + ": " + report.latest->regime + " (score " +
        format_double(std::round(report.latest->score * 1000) / 1000) + ")");
  }
  warn_empty_states(report.version, report.fits_with_empty_states);
}

struct ProfileArgs {
  CommonOptions common;
  std::string version;
  std::vector<std::string> assets;
  std::string format = "text";
};

std::string shown(double v, const char* spec = "{:.4f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(spec), v)
                          : std::string(std::isinf(v) ? "inf" : "-");
}

int profile(const ProfileArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto report =
      workflows::profile_regime_version(*store, {.version = args.version, .assets = args.assets});
  const auto& p = report.profile;
  if (args.format == "json") {
    std::cout << codec::regime_profile_to_json(report.version, report.kind, report.first,
                                               report.last, p)
              << "\n";
    return 0;
  }
  std::cout << fmt::format(
      "regime version {} ({}), {} to {}: filtered labels, each daily return attributed to the\n"
      "regime known at the previous close; annualised with 252 days, Sharpe without a risk-free "
      "rate\n\n",
      report.version, report.kind, report.first.iso(), report.last.iso());
  std::cout << fmt::format("{:<16} {:>8} {:>14}", "regime", "periods", "exp. duration");
  for (const auto& l : p.labels) std::cout << fmt::format(" {:>10}", "to " + l);
  std::cout << "\n";
  for (std::size_t k = 0; k < p.labels.size(); ++k) {
    std::cout << fmt::format("{:<16} {:>8} {:>14}", p.labels[k], p.periods[k],
                             shown(p.expected_durations[k], "{:.1f}"));
    for (std::size_t j = 0; j < p.labels.size(); ++j) {
      std::cout << fmt::format(" {:>10}", shown(p.transitions(static_cast<Eigen::Index>(k),
                                                              static_cast<Eigen::Index>(j))));
    }
    std::cout << "\n";
  }
  std::cout << fmt::format("\n{:<12} {:<16} {:>7} {:>10} {:>10} {:>8} {:>10} {:>11}\n", "asset",
                           "regime", "days", "ann. mean", "ann. vol", "Sharpe", "worst day", "on");
  for (const auto& s : p.assets) {
    std::cout << fmt::format("{:<12} {:<16} {:>7} {:>10} {:>10} {:>8} {:>10} {:>11}\n", s.asset,
                             s.regime, s.days, shown(s.annual_mean), shown(s.annual_volatility),
                             shown(s.sharpe, "{:.2f}"), shown(s.worst_day), s.worst_date.iso());
  }
  return 0;
}

void register_regimes(CLI::App& app, Action& action) {
  auto* regimes = app.add_subcommand(
      "regimes", "Regime models: Gaussian HMM, k-means, rules and statistical jump models");
  regimes->require_subcommand(1);

  auto fit_args = std::make_shared<FitArgs>();
  auto* fit_cmd = regimes->add_subcommand(
      "fit",
      "Fit a regime model.\n"
      "  With --spec FILE --version TAG: on a feature version in the store (walk-forward HMM,\n"
      "  k-means, rules or walk-forward jump model, as the spec says); writes regime_models\n"
      "  and one row per date to regimes_global. Tags are never overwritten.\n"
      "  With --data FILE.csv: on a CSV (a date column, then one column per feature; empty cells\n"
      "  are missing and, for the HMM, marginalised); prints the fit summary as JSON\n"
      "  (log-likelihood, iterations, converged, AIC/BIC, expected durations); --out saves the\n"
      "  parameters.\n"
      "Examples:\n"
      "  mre regimes fit --spec config/regimes/hmm_indicators.yml --version V2_HMM\n"
      "  mre regimes fit --data features.csv --method hmm --states 3 --out model.json\n"
      "  mre regimes fit --data features.csv --method jump --states 2 --penalty 50 --out jm.json");
  add_common_options(*fit_cmd, fit_args->common);
  fit_cmd->add_option("--spec", fit_args->spec,
                      "A regime spec (config/regimes/*.yml): fit on the store's features");
  fit_cmd->add_option("--version", fit_args->version, "With --spec: the version tag, or 'auto'");
  fit_cmd->add_option(
      "--features", fit_args->features_version,
      "With --spec: the feature version (default: the newest of the spec's feature set)");
  fit_cmd->add_option("--data", fit_args->data,
                      "A CSV of features (date column first): fit without the store");
  fit_cmd
      ->add_option("--method", fit_args->method,
                   "hmm | kmeans | jump (statistical jump model, docs/jump_models.md)")
      ->check(CLI::IsMember(workflows::csv_fit_methods()))
      ->capture_default_str();
  fit_cmd
      ->add_option("--states", fit_args->states,
                   fmt::format("Number of states (clusters), {} to {}", regimes::hmm::kMinStates,
                               regimes::hmm::kMaxStates))
      ->capture_default_str();
  fit_cmd->add_option("--covariance", fit_args->covariance, "full | diag | spherical | tied (HMM)")
      ->capture_default_str();
  fit_cmd->add_option("--n-init", fit_args->n_init, "Restarts, 1 to 1000; the best likelihood wins")
      ->capture_default_str();
  fit_cmd->add_option("--max-iter", fit_args->max_iter, "EM iteration limit, 1 to 1000000")
      ->capture_default_str();
  fit_cmd->add_option("--tol", fit_args->tol, "Stop when the log-likelihood gains less")
      ->capture_default_str();
  fit_cmd->add_option("--seed", fit_args->seed, "Random seed (k-means++ initialisation)")
      ->capture_default_str();
  fit_cmd->add_option("--min-covar", fit_args->min_covar, "Floor added to covariance diagonals")
      ->capture_default_str();
  fit_cmd->add_option("--init", fit_args->init, "Start EM from these saved parameters (JSON)");
  fit_cmd
      ->add_option("--penalty", fit_args->penalty,
                   "Jump: lambda >= 0, the cost of one regime switch (loss 1/2 squared distance)")
      ->capture_default_str();
  fit_cmd->add_flag("--continuous", fit_args->continuous,
                    "Jump: the continuous model (probability vectors on a simplex grid)");
  fit_cmd->add_option("--grid-size", fit_args->grid_size, "Jump, continuous: the grid step, 1/m")
      ->capture_default_str();
  fit_cmd->add_option("--out", fit_args->out,
                      "Where to write the parameters (JSON; '-': stdout); written atomically, a "
                      "failure keeps the previous file");
  fit_cmd
      ->add_option("--threads", fit_args->threads,
                   "HMM: EM starts run at once, 0 to 1024 (0: all cores; walk-forward specs run "
                   "the starts of every fresh refit at once); the result does not depend on it. "
                   "Under mpirun the starts spread over the ranks (docs/scale.md)")
      ->capture_default_str();
  add_quiet_option(*fit_cmd);
  fit_cmd->callback([fit_args, &action] { action = [fit_args] { return fit(*fit_args); }; });

  auto predict_args = std::make_shared<PredictArgs>();
  auto* predict_cmd = regimes->add_subcommand(
      "predict",
      "State probabilities for a CSV under saved HMM parameters: filtered P(s_t | data to t) by\n"
      "default (usable for decisions: no look-ahead), smoothed P(s_t | all data) with --smoothed\n"
      "(a diagnostic), or the most likely path with --viterbi. Under a saved jump model: the\n"
      "online states (forward pass, data to t) by default, the whole-sample path otherwise.");
  predict_cmd
      ->add_option("--model", predict_args->model, "Parameters written by 'regimes fit --out'")
      ->required();
  predict_cmd->add_option("--data", predict_args->data, "The CSV (the model's feature columns)")
      ->required();
  predict_cmd->add_flag("--smoothed", predict_args->smoothed, "Smoothed probabilities");
  predict_cmd->add_flag("--viterbi", predict_args->viterbi, "Most likely state path");
  predict_cmd->add_option(
      "--out", predict_args->out,
      "Output CSV (default or '-': stdout); written atomically, a failure keeps the previous file; "
      "a directory, symlink, device or FIFO is refused");
  predict_cmd->callback(
      [predict_args, &action] { action = [predict_args] { return predict(*predict_args); }; });

  auto list_args = std::make_shared<ShowArgs>();
  auto* list_cmd = regimes->add_subcommand("list", "Regime versions in the store (CSV by default)");
  add_common_options(*list_cmd, list_args->common);
  add_format_option(*list_cmd, list_args->format);
  list_cmd->callback(
      [list_args, &action] { action = [list_args] { return list_versions(*list_args); }; });

  auto show_args = std::make_shared<ShowArgs>();
  auto* show_cmd = regimes->add_subcommand(
      "show", "One regime version: date, regime, score and every regime's probability (filtered)");
  add_common_options(*show_cmd, show_args->common);
  show_cmd->add_option("version", show_args->version, "The version tag")->required();
  show_cmd->add_option("--from", show_args->from, "First date, YYYY-MM-DD");
  show_cmd->add_option("--to", show_args->to, "Last date, YYYY-MM-DD");
  show_cmd->add_option("--format", show_args->format, "csv | json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  show_cmd->callback(
      [show_args, &action] { action = [show_args] { return show_version(*show_args); }; });

  auto evaluate_args = std::make_shared<EvaluateArgs>();
  auto* evaluate_cmd = regimes->add_subcommand(
      "evaluate",
      "What a regime version says about named windows (a YAML file: crises, calm years, NBER\n"
      "  recessions from USREC): the share of each label and of the stress labels per window,\n"
      "  agreement with USREC, mean durations, switches per year; for a classifier backfill also\n"
      "  the label churn of each retrain and the agreement of --seeds seeds (the backfill is\n"
      "  recomputed with the stored seed s, checking it reproduces, and with s+1..; nothing\n"
      "  stored): the labels, and apart from the names, the most-likely states matched per\n"
      "  retrain. A report: nothing is tuned to it.\n"
      "Examples:\n"
      "  mre regimes evaluate B1\n"
      "  mre regimes evaluate R_hmm_indicators_dd27aaf5 --windows my_windows.yml");
  add_common_options(*evaluate_cmd, evaluate_args->common);
  evaluate_cmd
      ->add_option("version", evaluate_args->version, "The regime version (or classifier backfill)")
      ->required();
  evaluate_cmd->add_option("--windows", evaluate_args->windows, "The windows YAML")
      ->capture_default_str();
  evaluate_cmd
      ->add_option("--seeds", evaluate_args->seeds,
                   "Classifier backfills: seeds to compare (1 = none), recomputed from --spec")
      ->capture_default_str();
  evaluate_cmd->add_option("--spec", evaluate_args->spec, "The backfill's classifier spec")
      ->capture_default_str();
  evaluate_cmd->add_option("--threads", evaluate_args->threads, "Threads (0: all cores)")
      ->capture_default_str();
  evaluate_cmd->callback(
      [evaluate_args, &action] { action = [evaluate_args] { return evaluate(*evaluate_args); }; });

  auto compare_args = std::make_shared<CompareArgs>();
  auto* compare_cmd = regimes->add_subcommand(
      "compare",
      "Compare two regime versions on their common dates: agreement (same label, and after the\n"
      "best one-to-one matching of labels), the confusion matrix, regime counts and mean\n"
      "durations, empirical transition matrices, and per regime the annualised mean and\n"
      "volatility of next-period returns of SPX, TLT, GLD and DXY.");
  add_common_options(*compare_cmd, compare_args->common);
  compare_cmd->add_option("a", compare_args->a, "First version")->required();
  compare_cmd->add_option("b", compare_args->b, "Second version")->required();
  compare_cmd->add_option("--format", compare_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  compare_cmd->callback(
      [compare_args, &action] { action = [compare_args] { return compare(*compare_args); }; });

  auto profile_args = std::make_shared<ProfileArgs>();
  auto* profile_cmd = regimes->add_subcommand(
      "profile",
      "What each regime of a version has meant for assets: per regime and asset the annualised\n"
      "mean, volatility and Sharpe ratio of daily returns and the worst day, plus the transition\n"
      "matrix and expected durations, all from the stored filtered (never smoothed) labels. A\n"
      "day's return counts for the regime known at the previous close.\n"
      "Example:\n"
      "  mre regimes profile V2_HMM --assets ^GSPC,TLT,GLD --format json");
  add_common_options(*profile_cmd, profile_args->common);
  profile_cmd->add_option("version", profile_args->version, "The regime version")->required();
  profile_cmd->add_option("--assets", profile_args->assets, "Tickers in the store, comma-separated")
      ->required()
      ->delimiter(',');
  profile_cmd->add_option("--format", profile_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  profile_cmd->callback(
      [profile_args, &action] { action = [profile_args] { return profile(*profile_args); }; });

  auto analogue_args = std::make_shared<CompareArgs>();
  analogue_args->format = "csv";
  auto* analogue_cmd = regimes->add_subcommand(
      "analogues",
      "The k historical dates most like --date in the PCA space of a version's features (fitted\n"
      "on data up to --date), at least a month earlier, with the regime then and what followed:\n"
      "the next month's return of SPX, TLT, GLD and DXY.");
  add_common_options(*analogue_cmd, analogue_args->common);
  analogue_cmd->add_option("--version", analogue_args->version, "The regime version")->required();
  analogue_cmd
      ->add_option("--date", analogue_args->date,
                   "The date, YYYY-MM-DD (on a day without every feature: the last day before it "
                   "with all, named on stderr)")
      ->required();
  analogue_cmd->add_option("--k", analogue_args->k, "How many analogues")->capture_default_str();
  analogue_cmd->add_option("--format", analogue_args->format, "csv | json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  analogue_cmd->callback(
      [analogue_args, &action] { action = [analogue_args] { return analogues(*analogue_args); }; });
}

}  // namespace mre::cli
