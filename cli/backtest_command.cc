// `mre backtest --spec X --version B1` and `mre backtest show|list|compare`: what a regime
// version is worth to a portfolio (workflows/backtest.h), stored as never-overwritten versions.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

#include "cli/commands.h"
#include "mre/codec/backtest_artefact.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/store/store.h"
#include "mre/workflows/backtest.h"

namespace mre::cli {
namespace {

struct BacktestArgs {
  CommonOptions common;
  std::string spec;
  std::string version;
  std::vector<std::string> regimes;  // strategy=TAG
  std::int64_t threads = 1;
  std::string format = "table";
  bool daily = false;
  std::vector<std::string> versions;
  std::string out;
};

std::string cell(double v, bool percent) {
  if (!std::isfinite(v)) return "-";
  return percent ? fmt::format("{:.2f}%", 100 * v) : fmt::format("{:.2f}", v);
}

// The metrics table, one row per strategy (prefixed by its version when comparing).
std::string table(const std::vector<workflows::BacktestReport>& reports) {
  std::string out =
      fmt::format("{:<22} {:>9} {:>9} {:>7} {:>8} {:>9} {:>7} {:>9} {:>9}\n", "strategy", "return",
                  "vol", "sharpe", "sortino", "max dd", "calmar", "turnover", "exposure");
  for (const auto& r : reports) {
    for (const auto& s : r.result.strategies) {
      const auto& m = s.metrics;
      const std::string name = reports.size() > 1 ? r.version + ":" + s.name : s.name;
      out +=
          fmt::format("{:<22} {:>9} {:>9} {:>7} {:>8} {:>9} {:>7} {:>9} {:>9}\n", name,
                      cell(m.annual_return, true), cell(m.volatility, true), cell(m.sharpe, false),
                      cell(m.sortino, false), cell(m.max_drawdown, true), cell(m.calmar, false),
                      cell(m.turnover, true), cell(m.average_exposure, true));
    }
  }
  return out;
}

void print(const std::vector<workflows::BacktestReport>& reports, const BacktestArgs& args) {
  std::string text;
  if (args.format == "json") {
    if (reports.size() == 1) {
      text = codec::backtest_to_json(reports[0].header, reports[0].result, args.daily);
    } else {
      text = "[\n";
      for (std::size_t i = 0; i < reports.size(); ++i) {
        text += codec::backtest_to_json(reports[i].header, reports[i].result, args.daily);
        if (i + 1 < reports.size()) text += ",\n";
      }
      text += "]\n";
    }
  } else if (args.format == "csv") {
    for (std::size_t i = 0; i < reports.size(); ++i) {
      std::string part = codec::backtest_to_csv(reports[i].result, args.daily);
      if (reports.size() > 1) {
        // One CSV: the version as the first column.
        std::string prefixed;
        std::size_t pos = 0;
        bool header = true;
        while (pos < part.size()) {
          const auto nl = part.find('\n', pos);
          const std::string line = part.substr(pos, nl - pos);
          if (!header || i == 0)
            prefixed += (header ? std::string("version") : reports[i].version) + "," + line + "\n";
          header = false;
          pos = nl + 1;
        }
        part = prefixed;
      }
      text += part;
    }
  } else {
    text = table(reports);
    for (const auto& r : reports) {
      for (const auto& s : r.result.strategies) {
        std::string years;
        for (const auto& y : s.metrics.years)
          years += fmt::format(" {}:{}", y.year, cell(y.value, true));
        text += fmt::format("{}{} years:{}\n", reports.size() > 1 ? r.version + ":" : "", s.name,
                            years);
      }
    }
  }
  write_output(args.out, text, "--out");
}

int run(const BacktestArgs& args) {
  if (args.spec.empty() || args.version.empty()) {
    throw Error(
        ErrorCode::kInvalidArgument,
        "mre backtest: --spec and --version are required (or a subcommand: show, list, compare)");
  }
  check_output_option(args.out, "--out");
  workflows::BacktestOptions options{.spec_path = args.spec,
                                     .version = args.version,
                                     .work_items = work_items(),
                                     .threads = checked_count(args.threads, "--threads", 0, 1024)};
  for (const auto& r : args.regimes) {
    const auto eq = r.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == r.size()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--regimes: expected STRATEGY=VERSION (got '" + r + "')");
    }
    options.regime_versions[r.substr(0, eq)] = r.substr(eq + 1);
  }
  auto store = open_store_for_run(args.common.db, true);
  const auto report = workflows::run_backtest(*store, options);
  if (report.written) {
    say(fmt::format("backtest {}: {} strategies written ({:.1f} s, spec hash {})", report.version,
                    report.result.strategies.size(), report.seconds, report.header.spec_hash));
  } else {
    say(fmt::format("backtest {}: already stored from this spec and these inputs; nothing written",
                    report.version));
  }
  print({report}, args);
  return 0;
}

int show(const BacktestArgs& args) {
  check_output_option(args.out, "--out");
  auto store = store::open_store(args.common.db, false);
  print({workflows::read_backtest(*store, args.version, args.daily)}, args);
  return 0;
}

int compare(const BacktestArgs& args) {
  check_output_option(args.out, "--out");
  auto store = store::open_store(args.common.db, false);
  std::vector<workflows::BacktestReport> reports;
  for (const auto& v : args.versions)
    reports.push_back(workflows::read_backtest(*store, v, args.daily));
  print(reports, args);
  return 0;
}

int list(const BacktestArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto versions = workflows::list_backtests(*store);
  if (args.format == "csv") std::cout << "version,spec_name,spec_hash,created_at,inputs\n";
  if (args.format == "table")
    std::cout << fmt::format("{:<16} {:<16} {:<18} {:<28} {}\n", "version", "spec", "spec hash",
                             "created", "inputs");
  for (const auto& h : versions) {
    std::string inputs;
    for (const auto& [k, v] : h.inputs) inputs += (inputs.empty() ? "" : " ") + k + "=" + v;
    if (args.format == "csv") {
      std::cout << h.version << ',' << h.spec_name << ',' << h.spec_hash << ','
                << h.created_at.iso() << ",\"" << inputs << "\"\n";
    } else {
      std::cout << fmt::format("{:<16} {:<16} {:<18} {:<28} {}\n", h.version, h.spec_name,
                               h.spec_hash, h.created_at.iso(), inputs);
    }
  }
  if (versions.empty())
    say("no backtests yet; run one with 'mre backtest --spec config/backtests/jm_sp500.yml "
        "--version B1'");
  return 0;
}

void add_output(CLI::App* cmd, BacktestArgs& args) {
  cmd->add_option("--format", args.format, "table | json | csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_flag("--daily", args.daily,
                "json/csv: include the daily path (returns, equity, drawdown, exposure, regime) "
                "and the monthly penalty choices");
  cmd->add_option(
      "--out", args.out,
      "Output file (default or '-': stdout); written atomically (temporary file, fsync, rename)");
}

}  // namespace

void register_backtest(CLI::App& app, Action& action) {
  auto run_args = std::make_shared<BacktestArgs>();
  auto* backtest = app.add_subcommand(
      "backtest",
      "What a regime signal is worth to a portfolio: strategies driven by online regime labels or\n"
      "probabilities (0/1, weights per regime, probability-weighted), with a trading delay, "
      "one-way\n"
      "costs and the risk-free rate, against buy-and-hold; stored as a version never overwritten.\n"
      "  mre backtest --spec config/backtests/jm_sp500.yml --version B1\n"
      "  mre backtest show B1 --format json --daily;  mre backtest list;  mre backtest compare B1 "
      "B2");
  backtest->require_subcommand(0, 1);
  add_common_options(*backtest, run_args->common);
  backtest->add_option("--spec", run_args->spec, "The backtest spec (config/backtests/*.yml)");
  backtest->add_option("--version", run_args->version,
                       "The new version's tag (1-64 of A-Z a-z 0-9 _ . -)");
  backtest
      ->add_option("--threads", run_args->threads,
                   "Model fits (penalty x refit date) at once, 0 to 1024 (0: all cores); the "
                   "numbers do not depend on it. "
                   "Under mpirun the fits are spread over the ranks (docs/scale.md)")
      ->capture_default_str();
  backtest->add_option("--regimes", run_args->regimes,
                       "STRATEGY=VERSION: the regime version a regime_version strategy reads "
                       "(default: the newest of its spec)");
  add_output(backtest, *run_args);

  auto show_args = std::make_shared<BacktestArgs>();
  auto* show_cmd =
      backtest->add_subcommand("show", "A stored backtest's metrics (and with --daily its path)");
  add_common_options(*show_cmd, show_args->common);
  show_cmd->add_option("version", show_args->version, "The backtest version")->required();
  add_output(show_cmd, *show_args);
  show_cmd->callback([show_args, &action] { action = [show_args] { return show(*show_args); }; });

  auto list_args = std::make_shared<BacktestArgs>();
  auto* list_cmd = backtest->add_subcommand("list", "Stored backtest versions, oldest first");
  add_common_options(*list_cmd, list_args->common);
  list_cmd->add_option("--format", list_args->format, "table | csv")
      ->check(CLI::IsMember({"table", "csv"}));
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });

  auto compare_args = std::make_shared<BacktestArgs>();
  auto* compare_cmd =
      backtest->add_subcommand("compare", "Several backtest versions' metrics side by side");
  add_common_options(*compare_cmd, compare_args->common);
  compare_cmd->add_option("versions", compare_args->versions, "Two or more backtest versions")
      ->required()
      ->expected(2, 100);
  add_output(compare_cmd, *compare_args);
  compare_cmd->callback(
      [compare_args, &action] { action = [compare_args] { return compare(*compare_args); }; });

  add_quiet_option(*backtest);
  backtest->callback([backtest, run_args, &action] {
    if (backtest->get_subcommands().empty()) action = [run_args] { return run(*run_args); };
  });
}

}  // namespace mre::cli
