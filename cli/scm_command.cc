// `mre scm`: the structural causal model of seed 002 - fit, show, historical counterfactuals,
// forward scenarios, and the stored versions and scenario runs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "mre/codec/scm_json.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/quantgan.h"
#include "mre/workflows/scm.h"
#include "mre/workflows/shock_generators.h"

namespace mre::cli {
namespace {

struct FitArgs {
  CommonOptions common;
  std::string spec;
  std::string version = "auto";
  std::string regime_version;
  std::string identified_shock;
};

struct ShowArgs {
  CommonOptions common;
  std::string version;
  std::string format = "text";
};

// Parameter uncertainty options shared by counterfactual and simulate.
struct UncertaintyArgs {
  int replicates = 1000;
  int block_length = 20;
  std::uint64_t seed = 20;
  int paths_per_replicate = 10;
  workflows::ScmUncertainty to_options() const {
    return {.bootstrap = {.replicates = replicates,
                          .block_length = block_length,
                          .seed = seed,
                          .work_items = work_items()},
            .paths_per_replicate = paths_per_replicate};
  }
};
void add_uncertainty_options(CLI::App& cmd, UncertaintyArgs& u, bool scenario) {
  cmd.add_option("--replicates", u.replicates,
                 "Bootstrap replicates of the whole fit for the 90%/95% bands, 50 to 100000")
      ->check(whole_number_in(50, 100'000))
      ->capture_default_str();
  cmd.add_option("--block-length", u.block_length,
                 "Bootstrap block length in business days (<= the sample)")
      ->capture_default_str();
  cmd.add_option("--bootstrap-seed", u.seed, "Seed of the bootstrap")->capture_default_str();
  if (scenario) {
    cmd.add_option("--paths-per-replicate", u.paths_per_replicate,
                   "Shock paths per bootstrap replicate for the bands, 1 to 10000 (replicates x "
                   "paths at most 1000000)")
        ->check(whole_number_in(1, 10'000))
        ->capture_default_str();
  }
}
std::string band_text(const scm::Band& b, double scale, int digits) {
  return fmt::format("{:+.{}f}  90% [{:+.{}f}, {:+.{}f}]  95% [{:+.{}f}, {:+.{}f}]",
                     scale * b.estimate, digits, scale * b.lo90, digits, scale * b.hi90, digits,
                     scale * b.lo95, digits, scale * b.hi95, digits);
}
nlohmann::json band_json(const scm::Band& b) {
  return {{"estimate", b.estimate},
          {"lo90", b.lo90},
          {"hi90", b.hi90},
          {"lo95", b.lo95},
          {"hi95", b.hi95}};
}

struct CounterfactualArgs {
  CommonOptions common;
  std::string version;
  std::vector<std::string> interventions;
  std::string format = "text";
  UncertaintyArgs uncertainty;
};

struct SimulateArgs {
  CommonOptions common;
  std::string version;
  std::string scenario;
  std::vector<std::string> interventions;
  std::string start;
  std::int64_t horizon = 250;  // 64-bit: checked against the limits before narrowing
  std::int64_t paths = 10000;
  std::string shocks = "gaussian";
  std::string generator_version;  // --shocks quantgan: the trained generator (default: newest)
  std::uint64_t seed = 42;
  std::int64_t threads = 0;
  std::string format = "text";
  std::string spec;
  UncertaintyArgs uncertainty;
};

struct CheckArgs {
  CommonOptions common;
  std::string version;
  double alpha = 0.05;
  std::string format = "text";
};

struct IdentifiedArgs {
  CommonOptions common;
  std::string version;
  double size = 0.25;
  std::string format = "text";
  UncertaintyArgs uncertainty;
};

struct GeneratorsArgs {
  CommonOptions common;
  std::string data = "scm";
  std::string version;
  std::string series_file;
  std::string from = "2009-05-01";
  std::string to = "2018-12-31";
  double train_fraction = 0.8;
  int paths = 100;
  std::uint64_t seed = 42;
  int max_lag = 250;
  std::vector<std::string> generators;
  std::string format = "text";
  std::string quantgan_size = "default";
  std::optional<std::int64_t> quantgan_steps{};  // unset: the size's (0 and -1 were too)
  int threads = 1;
};

struct GeneratorsTrainArgs {
  CommonOptions common;
  std::string kind = "quantgan";
  std::string version;
  std::string size = "default";
  std::optional<std::int64_t> steps{};  // unset: the size's (0 and -1 were too)
  std::uint64_t seed = 42;
  int threads = 1;
  std::string tag = "auto";
};

struct ScenariosArgs {
  CommonOptions common;
  std::string id;
  std::string format = "csv";  // the listing's; a run's fans are always CSV
};

std::string resolve(const store::Store& store, const std::string& version) {
  return version.empty() || version == "latest" ? workflows::newest_scm_version(store) : version;
}

void print_model(const std::string& version, const scm::FittedScm& m) {
  const auto& g = m.fitted.graph;
  std::cout << fmt::format("scm {}: {} business days {}..{}, HAC lag {}\n", version, m.dates.size(),
                           m.dates.front().iso(), m.dates.back().iso(), m.fitted.hac_lag);
  std::cout << "data:\n";
  for (std::size_t j = 0; j < g.nodes.size(); ++j)
    std::cout << fmt::format("  {:<6} {}\n", g.nodes[j], m.mapping[j]);
  std::cout << "equations (coefficient, HAC standard error, 95% interval):\n";
  for (std::size_t e = 0; e < m.fitted.equations.size(); ++e) {
    const auto& f = m.fitted.equations[e];
    std::cout << fmt::format(
        "  {}: R2 {:.3f}, residual kurtosis {:.1f}, acf1 {:.3f}, acf1 of squares {:.3f}", f.node,
        f.r2, f.kurtosis, f.residual_acf1, f.squared_acf1);
    if (e < m.copula.margins.size()) {
      std::cout << fmt::format(", student-t nu {:.2f}", m.copula.margins[e].nu);
    }
    std::cout << "\n";
    for (const auto& t : scm::coefficient_table(f)) {
      std::cout << fmt::format("    {:<14} {:>12.6g}  se {:<10.4g} [{:.6g}, {:.6g}]\n", t.term,
                               t.estimate, t.se, t.ci_low, t.ci_high);
    }
  }
  for (const auto& id : g.identities) {
    std::cout << fmt::format("  {} = {} (identity)\n", id.node, fmt::join(id.terms, " + "));
  }
  if (m.regime_dependent) {
    const auto& rt = *m.regime_dependent;
    std::cout << fmt::format(
        "regime-dependent transmission on regime version {} (weighted least squares by its "
        "filtered "
        "probabilities; HAC standard errors):\n",
        rt.version);
    for (std::size_t k = 0; k < rt.labels.size(); ++k) {
      const auto days = std::count(rt.path.begin() + 1, rt.path.end(), static_cast<int>(k));
      std::cout << fmt::format(
          "  regime {} ({} days most likely, {:.1f} days of probability, stays with p {:.4f}):\n",
          rt.labels[k], days,
          rt.probabilities.col(static_cast<Eigen::Index>(k))
              .tail(rt.probabilities.rows() - 1)
              .sum(),
          rt.transition(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)));
      for (const auto& f : rt.fits[k].equations) {
        if (f.parents.empty()) continue;
        std::vector<std::string> terms;
        const auto table = scm::coefficient_table(f);  // parents are its last terms
        for (std::size_t j = 0; j < f.parents.size(); ++j) {
          const auto& c = table[table.size() - f.parents.size() + j];
          terms.push_back(fmt::format("{} {:+.4g} (se {:.3g})", f.parents[j], f.beta[j], c.se));
        }
        std::cout << fmt::format("    {:<6} on {}\n", f.node, fmt::join(terms, ", "));
      }
    }
    if (!rt.dropped.empty())
      std::cout << fmt::format("  not estimated (too few days in this sample): {}\n",
                               fmt::join(rt.dropped, ", "));
  }
  if (m.identified) {
    std::cout << fmt::format(
        "identified policy shocks: {}'s shock on {} announcement days abducted from {}\n",
        m.identified->node, m.identified->rows.size(), m.identified->series);
  }
  std::cout << fmt::format("shocks: t copula nu {:.2f}; {} regimes of the standardised shocks:",
                           m.copula.nu, m.regime_names.size());
  for (std::size_t r = 0; r < m.regime_names.size(); ++r) {
    const auto days = std::count(m.regime.begin() + 1, m.regime.end(), static_cast<int>(r));
    std::cout << fmt::format(
        " {} ({} days, stays with p {:.3f})", m.regime_names[r], days,
        m.transition(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(r)));
  }
  std::cout << "\n";
}

nlohmann::json model_json(const std::string& version, const scm::FittedScm& m) {
  nlohmann::json eqs = nlohmann::json::array();
  for (std::size_t e = 0; e < m.fitted.equations.size(); ++e) {
    const auto& f = m.fitted.equations[e];
    nlohmann::json terms = nlohmann::json::array();
    for (const auto& t : scm::coefficient_table(f)) {
      terms.push_back({{"term", t.term},
                       {"estimate", t.estimate},
                       {"se", t.se},
                       {"ci95", {t.ci_low, t.ci_high}}});
    }
    nlohmann::json eq = {{"node", f.node},
                         {"terms", terms},
                         {"r2", f.r2},
                         {"kurtosis", f.kurtosis},
                         {"residual_acf1", f.residual_acf1},
                         {"squared_acf1", f.squared_acf1}};
    if (e < m.copula.margins.size()) eq["student_t_nu"] = m.copula.margins[e].nu;
    eqs.push_back(eq);
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : m.fitted.graph.identities)
    ids.push_back({{"node", id.node}, {"terms", id.terms}});
  nlohmann::json out = {{"version", version},
                        {"first", m.dates.front().iso()},
                        {"last", m.dates.back().iso()},
                        {"days", m.dates.size()},
                        {"hac_lag", m.fitted.hac_lag},
                        {"mapping", m.mapping},
                        {"equations", eqs},
                        {"identities", ids},
                        {"copula_nu", m.copula.nu},
                        {"regimes", m.regime_names}};
  if (m.regime_dependent) {
    const auto& rt = *m.regime_dependent;
    nlohmann::json regimes = nlohmann::json::array();
    for (std::size_t k = 0; k < rt.labels.size(); ++k) {
      nlohmann::json per = nlohmann::json::array();
      for (const auto& f : rt.fits[k].equations) {
        nlohmann::json terms = nlohmann::json::array();
        const auto table = scm::coefficient_table(f);  // parents are its last terms
        for (std::size_t j = 0; j < f.parents.size(); ++j) {
          terms.push_back({{"term", f.parents[j]},
                           {"estimate", f.beta[j]},
                           {"se", table[table.size() - f.parents.size() + j].se}});
        }
        per.push_back({{"node", f.node},
                       {"intercept", f.intercept},
                       {"phi", f.phi},
                       {"parents", terms},
                       {"r2", f.r2}});
      }
      regimes.push_back({{"regime", rt.labels[k]},
                         {"days_most_likely",
                          std::count(rt.path.begin() + 1, rt.path.end(), static_cast<int>(k))},
                         {"stay_probability", rt.transition(static_cast<Eigen::Index>(k),
                                                            static_cast<Eigen::Index>(k))},
                         {"equations", per}});
    }
    out["regime_dependent"] = {
        {"regime_version", rt.version}, {"regimes", regimes}, {"not_estimated", rt.dropped}};
  }
  if (m.identified) {
    out["identified_shock"] = {{"node", m.identified->node},
                               {"series", m.identified->series},
                               {"announcements", m.identified->rows.size()}};
  }
  return out;
}

int fit(const FitArgs& args) {
  auto store = store::open_store(args.common.db, true);
  const auto report = workflows::fit_scm(*store, {.spec_path = args.spec,
                                                  .universe_path = args.common.universe,
                                                  .version = args.version,
                                                  .regime_version = args.regime_version,
                                                  .identified_shock = args.identified_shock});
  say(fmt::format("scm {}: {}", report.version,
                  report.written ? "written" : "up to date (same spec and data)"));
  print_model(report.version, report.model);
  return 0;
}

int show(const ShowArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto version = resolve(*store, args.version);
  const auto m = workflows::load_scm(*store, version);
  if (args.format == "json") {
    std::cout << model_json(version, m).dump(2) << "\n";
  } else {
    print_model(version, m);
  }
  return 0;
}

int check(const CheckArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto version = resolve(*store, args.version);
  const auto m = workflows::load_scm(*store, version);
  const auto c = workflows::check_scm(m, args.alpha);
  if (args.format == "json") {
    nlohmann::json imp = nlohmann::json::array();
    for (const auto& t : c.implications) {
      imp.push_back({{"node", t.node},
                     {"other", t.other},
                     {"given", t.given},
                     {"partial_correlation", t.partial_correlation},
                     {"added_edge_coefficient", t.coefficient},
                     {"added_edge_se", t.standard_error},
                     {"p", t.p_value},
                     {"holm_p", t.holm_p},
                     {"rejected", t.rejected}});
    }
    nlohmann::json res = nlohmann::json::array();
    for (const auto& t : c.residual_correlations) {
      res.push_back({{"node", t.node},
                     {"other", t.other},
                     {"correlation", t.correlation},
                     {"p", t.p_value},
                     {"holm_p", t.holm_p},
                     {"rejected", t.rejected}});
    }
    std::cout << nlohmann::json{{"version", version},          {"alpha", c.alpha},
                                {"hac_lag", c.hac_lag},        {"rejections", c.rejections()},
                                {"implications", imp},         {"residual_correlations", res},
                                {"added_edges", m.added_edges}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << fmt::format(
      "scm {}: {} tests of the graph (HAC lag {}, Holm over all at {}): {} rejected\n", version,
      c.implications.size() + c.residual_correlations.size(), c.hac_lag, c.alpha, c.rejections());
  for (const auto& e : m.added_edges) std::cout << "  added edge " << e << "\n";
  std::cout << "implied conditional independencies (X _||_ Y | X's parents and own lag), and what "
               "the edge Y -> X would estimate:\n";
  for (const auto& t : c.implications) {
    std::cout << fmt::format(
        "  {:<8} {:<5} _||_ {:<5} | {:<28} partial r {:+.3f}  edge {:+.4g} (se {:.3g})  p {:.3g}  "
        "Holm p {:.3g}\n",
        t.rejected ? "REJECTED" : "ok", t.node, t.other,
        fmt::format("{}", fmt::join(t.given, ", ")), t.partial_correlation, t.coefficient,
        t.standard_error, t.p_value, t.holm_p);
  }
  std::cout << "residual correlations between equations (the graph assumes independent shocks):\n";
  for (const auto& t : c.residual_correlations) {
    std::cout << fmt::format("  {:<8} {:<5} ~ {:<5} r {:+.3f}  p {:.3g}  Holm p {:.3g}\n",
                             t.rejected ? "REJECTED" : "ok", t.node, t.other, t.correlation,
                             t.p_value, t.holm_p);
  }
  if (c.rejections() > 0) {
    std::cout << "a rejected implication means an edge the graph leaves out (or a common cause of "
                 "both): add it in the spec's\n"
                 "added_edges with a justification, refit, and compare the counterfactuals.\n";
  }
  return 0;
}

int identified(const IdentifiedArgs& args) {
  auto store = store::open_store(args.common.db, false);
  const auto version = resolve(*store, args.version);
  const auto m = workflows::load_scm(*store, version);
  const auto c = workflows::compare_identified_shocks(m, args.uncertainty.to_options(), args.size);
  if (args.format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : c.rows) {
      rows.push_back({{"node", r.node},
                      {"unit", r.unit},
                      {"scm_identified_shock", band_json(r.scm_surprise)},
                      {"scm_do_effr", band_json(r.scm_do_effr)},
                      {"event_study",
                       {{"estimate", r.event_study},
                        {"se_hc1", r.event_study_se},
                        {"r2", r.event_study_r2}}}});
    }
    std::cout << nlohmann::json{{"version", version},
                                {"node", c.node},
                                {"series", c.series},
                                {"size", c.size},
                                {"announcements", c.announcements},
                                {"first", c.first.iso()},
                                {"last", c.last.iso()},
                                {"residual_on_surprise",
                                 {{"slope", c.residual_slope},
                                  {"se_hc1", c.residual_slope_se},
                                  {"correlation", c.residual_correlation}}},
                                {"uncertainty", c.uncertainty},
                                {"rows", rows}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << fmt::format("scm {}: {}'s shock on {} announcement days ({}..{}) abducted from {}\n",
                           version, c.node, c.announcements, c.first.iso(), c.last.iso(), c.series);
  std::cout << fmt::format(
      "  the equation's residual on those days against the surprise: slope {:.3f} (HC1 se {:.3f}), "
      "correlation {:.3f}\n",
      c.residual_slope, c.residual_slope_se, c.residual_correlation);
  std::cout << fmt::format("same-day response per {:+.2f} points (SCM bands: {}):\n", c.size,
                           c.uncertainty);
  std::cout << fmt::format("  {:<6} {:<7} {:<46} {:<46} {}\n", "node", "unit",
                           "SCM: identified shock (the surprise)", "SCM: do(EFFR) that day",
                           "event study (data, HC1 se)");
  for (const auto& r : c.rows) {
    const auto b = [](const scm::Band& x) {
      return fmt::format("{:+.3f} 95% [{:+.3f}, {:+.3f}]", x.estimate, x.lo95, x.hi95);
    };
    std::cout << fmt::format("  {:<6} {:<7} {:<46} {:<46} {:+.3f} (se {:.3f}, R2 {:.2f})\n", r.node,
                             r.unit, b(r.scm_surprise), b(r.scm_do_effr), r.event_study,
                             r.event_study_se, r.event_study_r2);
  }
  return 0;
}

int list(const ListArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  Listing out{.columns = {"version", "spec", "first", "last", "data_watermark", "created_at"}};
  for (const auto& m : store->list_scm_models()) {
    out.rows.push_back({m.version, m.spec_name, m.first ? m.first->iso() : "",
                        m.last ? m.last->iso() : "", m.data_watermark, m.created_at.iso()});
  }
  print_listing(out, args.format);
  return 0;
}

std::vector<workflows::DoExpression> parse_all(const std::vector<std::string>& texts) {
  std::vector<workflows::DoExpression> out;
  for (const auto& t : texts) out.push_back(workflows::parse_do(t));
  return out;
}

nlohmann::json regime_effects_json(const workflows::CounterfactualResult& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : r.regime_effects) {
    nlohmann::json effects = nlohmann::json::array();
    for (const auto& b : e.bands) {
      effects.push_back({{"node", b.node},
                         {"unit", b.unit},
                         {"at_window_end", band_json(b.window_end)},
                         {"last", band_json(b.last)}});
    }
    nlohmann::json o = {{"regime", e.regime}, {"effects", effects}};
    if (e.window_days >= 0) o["window_days_in_regime"] = e.window_days;
    out.push_back(o);
  }
  return out;
}

int counterfactual(const CounterfactualArgs& args) {
  const auto interventions = parse_all(args.interventions);
  auto store = open_store_for_run(args.common.db, false);
  const auto version = resolve(*store, args.version);
  const auto m = workflows::load_scm(*store, version);
  const auto r = workflows::counterfactual(m, interventions, args.uncertainty.to_options());
  for (const auto& w : r.warnings) say("warning: " + w);
  const auto rows = static_cast<Eigen::Index>(r.dates.size());
  if (args.format == "csv") {
    std::cout << "date,node,factual,counterfactual,difference\n";
    for (Eigen::Index t = 0; t < rows; ++t) {
      for (std::size_t j = 0; j < r.nodes.size(); ++j) {
        const auto c = static_cast<Eigen::Index>(j);
        std::cout << fmt::format("{},{},{},{},{}\n", r.dates[static_cast<std::size_t>(t)].iso(),
                                 r.nodes[j], r.factual(t, c), r.counterfactual(t, c),
                                 r.counterfactual(t, c) - r.factual(t, c));
      }
    }
    return 0;
  }
  if (args.format == "json") {
    nlohmann::json paths = nlohmann::json::object();
    for (std::size_t j = 0; j < r.nodes.size(); ++j) {
      const auto c = static_cast<Eigen::Index>(j);
      std::vector<double> f(static_cast<std::size_t>(rows));
      std::vector<double> cf(static_cast<std::size_t>(rows));
      std::vector<double> d(static_cast<std::size_t>(rows));
      for (Eigen::Index t = 0; t < rows; ++t) {
        f[static_cast<std::size_t>(t)] = r.factual(t, c);
        cf[static_cast<std::size_t>(t)] = r.counterfactual(t, c);
        d[static_cast<std::size_t>(t)] = r.counterfactual(t, c) - r.factual(t, c);
      }
      paths[r.nodes[j]] = {{"factual", f}, {"counterfactual", cf}, {"difference", d}};
    }
    std::vector<std::string> dates;
    for (const auto& d : r.dates) dates.push_back(d.iso());
    std::vector<std::string> texts;
    for (const auto& i : interventions) texts.push_back(i.text);
    nlohmann::json effects = nlohmann::json::array();
    for (const auto& b : r.bands) {
      effects.push_back({{"node", b.node},
                         {"unit", b.unit},
                         {"at_window_end", band_json(b.window_end)},
                         {"last", band_json(b.last)}});
    }
    std::cout << nlohmann::json{{"version", version},
                                {"interventions", texts},
                                {"dates", dates},
                                {"paths", paths},
                                {"terminal", r.terminal},
                                {"terminal_return_gap", r.terminal_gap},
                                {"terminal_return_gap_at_window_end", r.terminal_gap_window},
                                {"window_end", r.window_end.iso()},
                                {"uncertainty", r.uncertainty},
                                {"effects", effects},
                                {"warnings", r.warnings},
                                {"regime_version", r.regime_version},
                                {"regime_effects", regime_effects_json(r)}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << fmt::format("scm {}: counterfactual {} from {} to {} (levels)\n", version,
                           fmt::join(args.interventions, " and "), r.dates.front().iso(),
                           r.dates.back().iso());
  const auto at = [&](Eigen::Index t) {
    std::cout << fmt::format("  on {}:\n", r.dates[static_cast<std::size_t>(t)].iso());
    for (std::size_t j = 0; j < r.nodes.size(); ++j) {
      const auto c = static_cast<Eigen::Index>(j);
      std::cout << fmt::format(
          "    {:<6} factual {:>12.6g}  counterfactual {:>12.6g}  difference {:+.6g}\n", r.nodes[j],
          r.factual(t, c), r.counterfactual(t, c), r.counterfactual(t, c) - r.factual(t, c));
    }
  };
  const auto window_row = static_cast<Eigen::Index>(
      std::find(r.dates.begin(), r.dates.end(), r.window_end) - r.dates.begin());
  at(window_row);
  if (window_row != rows - 1) at(rows - 1);
  if (!r.terminal.empty()) {
    std::cout << fmt::format(
        "  cumulative {} return gap: {:+.3f}% at the end of the intervention ({}), {:+.3f}% on "
        "{}\n",
        r.terminal, 100 * r.terminal_gap_window, r.window_end.iso(), 100 * r.terminal_gap,
        r.dates.back().iso());
  }
  std::cout << fmt::format("effects with parameter uncertainty ({}; percentile bands):\n",
                           r.uncertainty);
  for (const auto& b : r.bands) {
    const bool fraction = b.unit == "fraction";
    std::cout << fmt::format("  {:<6} {:<7} at {}: {}\n", b.node, fraction ? "percent" : "points",
                             r.window_end.iso(),
                             band_text(b.window_end, fraction ? 100.0 : 1.0, fraction ? 3 : 4));
    if (window_row != rows - 1) {
      std::cout << fmt::format("  {:<6} {:<7} at {}: {}\n", "", "", r.dates.back().iso(),
                               band_text(b.last, fraction ? 100.0 : 1.0, fraction ? 3 : 4));
    }
  }
  if (!r.regime_effects.empty()) {
    std::cout << fmt::format(
        "effects per regime of {} at {} (each regime's coefficients on every day, then along the "
        "observed path; "
        "bands: the regime bootstrap):\n",
        r.regime_version, r.window_end.iso());
    for (const auto& e : r.regime_effects) {
      std::cout << (e.window_days >= 0
                        ? fmt::format("  {} throughout (the window has {} days in it):\n", e.regime,
                                      e.window_days)
                        : fmt::format("  {}:\n", e.regime));
      for (const auto& b : e.bands) {
        const bool fraction = b.unit == "fraction";
        std::cout << fmt::format("    {:<6} {:<7} {}\n", b.node, fraction ? "percent" : "points",
                                 band_text(b.window_end, fraction ? 100.0 : 1.0, fraction ? 3 : 4));
      }
    }
  }
  return 0;
}

void print_scenario(const workflows::ScenarioResult& r) {
  const auto& run = r.run;
  std::cout << fmt::format(
      "scenario {} '{}' on scm {}: do({}), {} shocks, {} paths x {} business days from {}, seed "
      "{}\n",
      run.id, run.name, run.scm_version, run.interventions, run.shocks, run.paths, run.horizon,
      run.start.iso(), run.seed);
  std::cout << "effect of the intervention at the horizon (intervened - baseline, same shocks):\n";
  std::cout << fmt::format("  {:<6} {:>8} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}\n", "node",
                           "unit", "mean", "q05", "q25", "q50", "q75", "q95");
  for (const auto& e : r.effects) {
    std::cout << fmt::format(
        "  {:<6} {:>8} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g}\n", e.node,
        e.unit, e.mean, e.quantiles[0], e.quantiles[1], e.quantiles[2], e.quantiles[3],
        e.quantiles[4]);
  }
  if (!r.effects.empty() && r.effects.front().banded) {
    std::cout << "with parameter uncertainty (each bootstrap replicate's coefficients on their own "
                 "shock paths):\n";
    for (const auto& e : r.effects)
      std::cout << fmt::format("  {:<6} {:>8} {}\n", e.node, e.unit, band_text(e.band, 1.0, 4));
  }
  if (!r.regime_effects.empty()) {
    std::cout << fmt::format(
        "effects per regime of {} at the horizon (each regime's coefficients on every day, then "
        "along regime paths\n"
        "drawn from the transition matrix; bands: the regime bootstrap over its shock paths):\n",
        r.regime_version);
    for (const auto& g : r.regime_effects) {
      std::cout << fmt::format("  {}:\n",
                               g.regime == "drawn paths" ? g.regime : g.regime + " throughout");
      for (const auto& e : g.effects)
        std::cout << fmt::format("    {:<6} {:>8} {}\n", e.node, e.unit, band_text(e.band, 1.0, 4));
    }
  }
  bool same = true;
  for (const auto& e : r.effects) same &= e.quantiles[0] == e.quantiles[4];
  if (same) {
    std::cout << "  (the quantiles over paths are the same on every path: the equations are linear "
                 "in the changes, so\n"
                 "   with common shocks the effect does not depend on them; its uncertainty is the "
                 "coefficients', in the\n"
                 "   bands above; the shocks shape the fans: --format csv)\n";
  }
}

void print_fan_csv(const std::vector<store::ScenarioFanRow>& rows) {
  std::cout << "day,node,scenario,q05,q25,q50,q75,q95\n";
  for (const auto& f : rows) {
    std::cout << fmt::format("{},{},{},{},{},{},{},{}\n", f.day, f.node, f.scenario, f.q05, f.q25,
                             f.q50, f.q75, f.q95);
  }
}

int generators_train(const GeneratorsTrainArgs& args) {
  const std::optional<int> steps =
      args.steps ? std::optional<int>(checked_count(*args.steps, "--steps", 1, 1000000))
                 : std::nullopt;
  auto store = open_store_for_run(args.common.db, true);
  workflows::QuantGanTrainOptions o{.scm_version = resolve(*store, args.version),
                                    .size = args.size,
                                    .seed = args.seed,
                                    .threads = checked_count(args.threads, "--threads", 1, 1024),
                                    .tag = args.tag};
  o.steps = steps;
  const auto r = workflows::train_quantgan(*store, o);
  const auto& m = r.stored.model;
  say(fmt::format("quantgan {} ({}): {}", r.stored.version, r.stored.scm_version,
                  r.written ? "written" : "already stored (same settings)"));
  std::cout << fmt::format(
      "quantgan {}: trained on scm version {} ({} series, {} regimes from {})\n"
      "network: hidden {}, levels {} (receptive field {}), {} generator weights\n"
      "training: {} steps x {} critic steps, batch {}, window {} days, {:.1f} s ({:.3f} s per "
      "step)\n",
      r.stored.version, r.stored.scm_version, m.series, m.regimes, r.stored.regime_source,
      m.config.hidden, m.config.levels, r.receptive_field, m.weights.size(), m.config.steps,
      m.config.critic_steps, m.config.batch, r.window, m.seconds,
      m.seconds / std::max(1, m.config.steps));
  if (!m.critic_loss.empty()) {
    std::cout << fmt::format("last critic loss {:.4f}, generator loss {:.4f}\n",
                             m.critic_loss.back(), m.generator_loss.back());
  }
  return 0;
}

int simulate(const SimulateArgs& args) {
  workflows::ScenarioOptions options;
  options.generator_version = args.generator_version;
  options.interventions = parse_all(args.interventions);
  options.start = parse_date_option(args.start, "--start");
  options.config = {.horizon = checked_count(args.horizon, "--horizon", 1, scm::kMaxHorizon),
                    .paths = checked_count(args.paths, "--paths", 1, scm::kMaxPaths),
                    .seed = args.seed,
                    .threads = checked_count(args.threads, "--threads", 0, scm::kMaxThreads),
                    .shocks = scm::parse_shock_kind(args.shocks)};
  if (!args.generator_version.empty() && options.config.shocks != scm::ShockKind::kQuantGan) {
    throw Error(ErrorCode::kInvalidArgument,
                "--generator-version is read only with --shocks quantgan (got --shocks " +
                    args.shocks + ")");
  }
  const auto spec = workflows::load_scm_spec(args.spec.empty() ? workflows::default_scm_spec_path()
                                                               : std::filesystem::path(args.spec));
  options.config.mean_block = spec.mean_block;
  options.uncertainty = args.uncertainty.to_options();
  options.uncertainty.bootstrap.threads =
      options.config.threads;  // replicates on the same threads (0: all cores)
  if (!args.scenario.empty()) {
    const auto it = std::find_if(spec.scenarios.begin(), spec.scenarios.end(),
                                 [&](const auto& s) { return s.name == args.scenario; });
    if (it == spec.scenarios.end()) {
      std::vector<std::string> names;
      for (const auto& s : spec.scenarios) names.push_back(s.name);
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("--scenario: no scenario '{}' in the spec (have: {})", args.scenario,
                              fmt::join(names, ", ")));
    }
    // Extra --do on top of a named scenario make another scenario: the stored name says so
    // (it was stored as plain "policy_hike" with TP=+0.25 added to its interventions).
    options.name = options.interventions.empty() ? it->name : it->name + "+custom";
    for (const auto& d : it->interventions) options.interventions.push_back(workflows::parse_do(d));
  }
  auto store = open_store_for_run(args.common.db, true);
  const auto version = resolve(*store, args.version);
  const auto m = workflows::load_scm(*store, version);
  const auto r = workflows::run_scenario(*store, version, m, options);
  say(fmt::format("scenario {} ({}): {}", r.run.id, r.run.name,
                  r.written ? "written" : "already stored (same inputs)"));
  for (const auto& w : r.warnings) say("warning: " + w);
  if (args.format == "csv") {
    print_fan_csv(r.rows);
  } else {
    print_scenario(r);
  }
  return 0;
}

int scenarios(const ScenariosArgs& args) {
  auto store = store::open_store(args.common.db, false);
  if (!args.id.empty()) {
    print_fan_csv(store->read_scenario(args.id));
    return 0;
  }
  check_format(args.format);
  Listing out{.columns = {"id", "scm_version", "name", "interventions", "shocks", "start",
                          "horizon", "paths", "seed", "created_at"}};
  for (const auto& r : store->list_scenarios()) {
    out.rows.push_back({r.id, r.scm_version, r.name, r.interventions, r.shocks, r.start.iso(),
                        std::to_string(r.horizon), std::to_string(r.paths), std::to_string(r.seed),
                        r.created_at.iso()});
  }
  print_listing(out, args.format);
  return 0;
}

nlohmann::json scores_json(const scm::GeneratorScores& s, const scm::GeneratorScoreConfig& c) {
  nlohmann::json emd = nlohmann::json::object();
  nlohmann::json dy = nlohmann::json::object();
  for (std::size_t i = 0; i < c.horizons.size(); ++i) {
    emd[std::to_string(c.horizons[i])] = s.emd[i];
    dy[std::to_string(c.horizons[i])] = s.dy[i];
  }
  nlohmann::json q = nlohmann::json::array();
  for (std::size_t i = 0; i < c.tail_probabilities.size(); ++i) {
    q.push_back({{"p", c.tail_probabilities[i]},
                 {"real", s.quantiles_real[i]},
                 {"generated", s.quantiles_generated[i]}});
  }
  return {{"emd", emd},
          {"dy", dy},
          {"acf_r", s.acf_r},
          {"acf_abs", s.acf_abs},
          {"acf_squared", s.acf_squared},
          {"leverage", s.leverage},
          {"kurtosis_real", s.kurtosis_real},
          {"kurtosis_generated", s.kurtosis_generated},
          {"quantiles", q}};
}

int generators_evaluate(const GeneratorsArgs& args) {
  workflows::GeneratorEvaluationOptions o{.train_fraction = args.train_fraction,
                                          .paths = args.paths,
                                          .seed = args.seed,
                                          .generators = args.generators};
  o.scores.max_lag = args.max_lag;
  o.quantgan = workflows::quantgan_config(
      args.quantgan_size,
      args.quantgan_steps ? checked_count(*args.quantgan_steps, "--quantgan-steps", 1, 1000000) : 0,
      args.seed, checked_count(args.threads, "--threads", 1, 1024));
  workflows::GeneratorEvaluation r;
  if (args.data == "sp500") {
    const auto from = parse_date_option(args.from, "--from");
    const auto to = parse_date_option(args.to, "--to");
    r = workflows::evaluate_series_generators(args.series_file.empty()
                                                  ? workflows::default_sp500_path()
                                                  : std::filesystem::path(args.series_file),
                                              *from, *to, o);
  } else {
    auto store = store::open_store(args.common.db, false);
    const auto version = resolve(*store, args.version);
    r = workflows::evaluate_scm_generators(version, workflows::load_scm(*store, version), o);
  }
  const auto& c = r.scores;
  if (args.format == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
      nlohmann::json per = nlohmann::json::object();
      for (std::size_t j = 0; j < r.series.size(); ++j)
        per[r.series[j]] = scores_json(row.per_series[j], c);
      rows.push_back({{"generator", row.generator},
                      {"mean", scores_json(row.mean, c)},
                      {"per_series", per},
                      {"notes", row.notes}});
    }
    const nlohmann::json out = {
        {"data", r.data},
        {"units", r.units},
        {"series", r.series},
        {"train",
         {{"first", r.train_first.iso()}, {"last", r.train_last.iso()}, {"days", r.train_days}}},
        {"test",
         {{"first", r.test_first.iso()}, {"last", r.test_last.iso()}, {"days", r.test_days}}},
        {"paths", r.paths},
        {"seed", r.seed},
        {"max_lag", c.max_lag},
        {"dy_bins", c.dy_bins},
        {"generators", rows}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{}\n", r.data);
  std::cout << fmt::format(
      "trained on {}..{} ({} days), scored on the held-out {}..{} ({} days): {} paths per "
      "generator, seed {}\n",
      r.train_first.iso(), r.train_last.iso(), r.train_days, r.test_first.iso(), r.test_last.iso(),
      r.test_days, r.paths, r.seed);
  std::cout << fmt::format("units: {}{}\n", r.units,
                           r.series.size() > 1 ? "; every metric is the mean over the series" : "");
  std::cout << fmt::format(
      "ACF and leverage over lags 1..{}; DY over {} bins; lower is closer for every score\n",
      c.max_lag, c.dy_bins);
  std::string header = fmt::format("{:<17}", "generator");
  for (const int t : c.horizons) header += fmt::format(" {:>9}", fmt::format("EMD({})", t));
  for (const int t : c.horizons) header += fmt::format(" {:>8}", fmt::format("DY({})", t));
  header += fmt::format(" {:>8} {:>8} {:>8} {:>8} {:>8}", "ACF(r)", "ACF|r|", "ACF(r2)", "leverage",
                        "kurtosis");
  for (const double p : c.tail_probabilities)
    header += fmt::format(" {:>9}", fmt::format("q{:g}", 100 * p));
  std::cout << header << "\n";
  if (!r.rows.empty()) {
    std::string real = fmt::format("{:<17}", "(held-out data)");
    for (std::size_t i = 0; i < c.horizons.size(); ++i) real += fmt::format(" {:>9}", "");
    for (std::size_t i = 0; i < c.horizons.size(); ++i) real += fmt::format(" {:>8}", "");
    real += fmt::format(" {:>8} {:>8} {:>8} {:>8} {:>8.2f}", "", "", "", "",
                        r.rows.front().mean.kurtosis_real);
    for (const double q : r.rows.front().mean.quantiles_real) real += fmt::format(" {:>9.4g}", q);
    std::cout << real << "\n";
  }
  for (const auto& row : r.rows) {
    const auto& s = row.mean;
    std::string line = fmt::format("{:<17}", row.generator);
    for (const double v : s.emd) line += fmt::format(" {:>9.4g}", v);
    for (const double v : s.dy) line += fmt::format(" {:>8.2f}", v);
    line += fmt::format(" {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.2f}", s.acf_r, s.acf_abs,
                        s.acf_squared, s.leverage, s.kurtosis_generated);
    for (const double q : s.quantiles_generated) line += fmt::format(" {:>9.4g}", q);
    std::cout << line << "\n";
  }
  for (const auto& row : r.rows) {
    for (const auto& note : row.notes)
      std::cout << fmt::format("note, {}: {}\n", row.generator, note);
  }
  return 0;
}

}  // namespace

void register_scm(CLI::App& app, Action& action) {
  auto* scm = app.add_subcommand("scm",
                                 "Structural causal model (seed 002): fit, counterfactuals "
                                 "do(EFFR), do(TP), do(Re), scenarios");
  scm->require_subcommand(1);

  auto fit_args = std::make_shared<FitArgs>();
  auto* fit_cmd = scm->add_subcommand(
      "fit",
      "Map the stored series to the graph's nodes (daily changes and log returns on US business\n"
      "  days), estimate each structural equation by OLS on its parents and own lag with HAC\n"
      "  standard errors, fit the shocks' regimes and t copula, and store the version.\n"
      "Examples:\n"
      "  mre scm fit --version S1\n"
      "  mre scm fit --version S1R --regime-version V1_MACRO   (regime-dependent: V1_MACRO from "
      "`mre regimes list`)");
  add_common_options(*fit_cmd, fit_args->common);
  fit_cmd->add_option("--spec", fit_args->spec,
                      "The SCM spec (default: config/scm/policy_transmission.yml)");
  fit_cmd
      ->add_option("--version", fit_args->version,
                   "The tag, or 'auto' (S_<name>_<hash of spec and data>)")
      ->capture_default_str();
  fit_cmd->add_option("--regime-version", fit_args->regime_version,
                      "Regime-dependent transmission: also estimate every equation per regime of "
                      "this stored regime version\n"
                      "(its filtered probabilities as weights; it must cover the SCM's dates). "
                      "Overrides the spec's regime_version");
  fit_cmd->add_option("--identified-shock", fit_args->identified_shock,
                      "NODE=SERIES, e.g. Re=MP1_JK: on announcement days abduct NODE's shock from "
                      "the surprise SERIES\n"
                      "instead of the equation's residual (see `mre scm identified`). Overrides "
                      "the spec's identified_shock");
  fit_cmd->callback([fit_args, &action] { action = [fit_args] { return fit(*fit_args); }; });

  auto show_args = std::make_shared<ShowArgs>();
  auto* show_cmd = scm->add_subcommand(
      "show", "Print a version's equations, coefficients with HAC 95% intervals, and diagnostics");
  add_common_options(*show_cmd, show_args->common);
  show_cmd->add_option("version", show_args->version, "The version tag (default: the newest)");
  show_cmd->add_option("--format", show_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  show_cmd->callback([show_args, &action] { action = [show_args] { return show(*show_args); }; });

  auto list_args = std::make_shared<ListArgs>();
  auto* list_cmd = scm->add_subcommand("list", "List the stored SCM versions (CSV by default)");
  add_common_options(*list_cmd, list_args->common);
  add_format_option(*list_cmd, list_args->format);
  list_cmd->callback([list_args, &action] { action = [list_args] { return list(*list_args); }; });

  auto cf_args = std::make_shared<CounterfactualArgs>();
  auto* cf_cmd = scm->add_subcommand(
      "counterfactual",
      "Historical counterfactual by abduction (the data's own shocks), action (the do()) and\n"
      "  prediction (the same shocks through the modified equations). --do NODE=+X shifts the\n"
      "  node's level by X (a return node's by the fraction X), NODE=X sets it; @FROM..TO limits\n"
      "  it to those dates (@FROM.. to the end of the data, @DAY one day), after which the node "
      "is\n"
      "  back on its factual path. Several --do may be given.\n"
      "Examples:\n"
      "  mre scm counterfactual --do \"EFFR=+0.50@2022-03-01..2022-06-30\"\n"
      "  mre scm counterfactual --do \"TP=+0.25@2020-03-02..2020-03-31\" --format csv");
  add_common_options(*cf_cmd, cf_args->common);
  cf_cmd->add_option("--version", cf_args->version, "The SCM version (default: the newest)");
  cf_cmd->add_option("--do", cf_args->interventions, "An intervention (repeatable)")->required();
  cf_cmd
      ->add_option("--format", cf_args->format,
                   "text | json | csv (date,node,factual,counterfactual,difference in levels)")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  add_uncertainty_options(*cf_cmd, cf_args->uncertainty, false);
  add_quiet_option(*cf_cmd);
  cf_cmd->callback([cf_args, &action] { action = [cf_args] { return counterfactual(*cf_args); }; });

  auto sim_args = std::make_shared<SimulateArgs>();
  auto* sim_cmd = scm->add_subcommand(
      "simulate",
      "Monte Carlo scenarios from a start date: a baseline and an intervened world driven by the\n"
      "  same shock draws, quantile fans per node and day, and the intervention's effect at the\n"
      "  horizon. Shocks are drawn from the version's history up to the start. Stored in the\n"
      "  scenarios table (the same inputs give the same numbers, whatever --threads).\n"
      "Examples:\n"
      "  mre scm simulate --do \"TP=+0.25\" --start 2024-06-28 --horizon 250 --paths 10000 "
      "--shocks student-t --seed 42\n"
      "  mre scm simulate --scenario policy_hike --shocks regime-bootstrap --format csv");
  add_common_options(*sim_cmd, sim_args->common);
  sim_cmd->add_option("--version", sim_args->version, "The SCM version (default: the newest)");
  sim_cmd->add_option("--do", sim_args->interventions,
                      "An intervention (repeatable); dates must fall in the horizon");
  sim_cmd->add_option(
      "--scenario", sim_args->scenario,
      "A named scenario of the spec (policy_hike, liquidity_stress, forward_guidance_cut)");
  sim_cmd->add_option(
      "--spec", sim_args->spec,
      "The SCM spec holding the named scenarios (default: config/scm/policy_transmission.yml)");
  sim_cmd->add_option("--start", sim_args->start,
                      "The start date (default: the version's last date)");
  sim_cmd
      ->add_option("--horizon", sim_args->horizon,
                   fmt::format("Business days simulated, 1 to {} (50 years)", scm::kMaxHorizon))
      ->capture_default_str();
  sim_cmd
      ->add_option("--paths", sim_args->paths,
                   fmt::format("Monte Carlo paths, 1 to {} (memory: about 0.5 GB at the maximum)",
                               scm::kMaxPaths))
      ->capture_default_str();
  sim_cmd
      ->add_option("--shocks", sim_args->shocks,
                   "gaussian | student-t | bootstrap | block-bootstrap | regime-bootstrap | garch "
                   "| quantgan (a trained generator: mre scm generators train)")
      ->capture_default_str();
  sim_cmd->add_option("--generator-version", sim_args->generator_version,
                      "--shocks quantgan: the generator version (default: the newest trained on "
                      "the SCM version)");
  sim_cmd->add_option("--seed", sim_args->seed, "Random seed")->capture_default_str();
  sim_cmd
      ->add_option("--threads", sim_args->threads,
                   fmt::format("Threads, 0 to {} (0: all cores); the numbers do not depend on it",
                               scm::kMaxThreads))
      ->capture_default_str();
  sim_cmd
      ->add_option("--format", sim_args->format,
                   "text | csv (day,node,scenario,q05,q25,q50,q75,q95)")
      ->check(CLI::IsMember({"text", "csv"}))
      ->capture_default_str();
  add_uncertainty_options(*sim_cmd, sim_args->uncertainty, true);
  add_quiet_option(*sim_cmd);
  sim_cmd->callback([sim_args, &action] { action = [sim_args] { return simulate(*sim_args); }; });

  auto check_args = std::make_shared<CheckArgs>();
  auto* check_cmd = scm->add_subcommand(
      "check",
      "Test the graph against the version's data: every conditional independence the DAG implies\n"
      "  (each node against its non-parent predecessors given its parents and own lag: HAC t test\n"
      "  of the added edge) and every pair of equations' residual correlation, Holm-corrected\n"
      "  over all tests. Reports the rejections and what an added edge would estimate.\n"
      "Example:\n"
      "  mre scm check --version S1");
  add_common_options(*check_cmd, check_args->common);
  check_cmd->add_option("--version", check_args->version, "The SCM version (default: the newest)");
  check_cmd->add_option("--alpha", check_args->alpha, "Family-wise level of the Holm correction")
      ->capture_default_str();
  check_cmd->add_option("--format", check_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  check_cmd->callback(
      [check_args, &action] { action = [check_args] { return check(*check_args); }; });

  auto id_args = std::make_shared<IdentifiedArgs>();
  auto* id_cmd = scm->add_subcommand(
      "identified",
      "Identified policy shocks: for a version fitted with an identified shock (spec "
      "identified_shock,\n"
      "  or `mre scm fit --identified-shock Re=MP1_JK`), the node's shock on each FOMC "
      "announcement\n"
      "  day is abducted from the surprise instead of the equation's residual. Prints, per node, "
      "the\n"
      "  SCM's same-day response to the surprises and to do(EFFR) on one day (bootstrap bands), "
      "beside\n"
      "  the event study on the same days (the node's change regressed on the surprise).\n"
      "Example:\n"
      "  mre scm identified --version S1 --size 0.25");
  add_common_options(*id_cmd, id_args->common);
  id_cmd->add_option("--version", id_args->version, "The SCM version (default: the newest)");
  id_cmd->add_option("--size", id_args->size, "The surprise and the do(EFFR) shift, in points")
      ->check(finite_number())
      ->capture_default_str();
  id_cmd->add_option("--format", id_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  add_uncertainty_options(*id_cmd, id_args->uncertainty, false);
  id_cmd->callback([id_args, &action] { action = [id_args] { return identified(*id_args); }; });

  auto* gen_cmd =
      scm->add_subcommand("generators", "The shock generators: score them against held-out data");
  gen_cmd->require_subcommand(1);
  auto gen_args = std::make_shared<GeneratorsArgs>();
  auto* eval_cmd = gen_cmd->add_subcommand(
      "evaluate",
      "Train every shock generator (gaussian, student-t, bootstrap, block-bootstrap, "
      "regime-bootstrap,\n"
      "  garch, quantgan) on the first --train-fraction of the days, draw --paths paths as long as "
      "the "
      "held-out\n"
      "  rest, and score them with the metrics of Wiese et al. (2020, Quant GANs): earth mover's\n"
      "  distance of 1-, 5-, 20- and 100-day returns, the DY metric, the ACF score of r, |r| and "
      "r^2,\n"
      "  the leverage-effect score (lags 1..--max-lag), kurtosis and tail quantiles "
      "(docs/scm.md).\n"
      "  --data scm: an SCM version's abducted shocks (each node scaled by its training standard\n"
      "  deviation, scores averaged over nodes); --data sp500: the paper's S&P 500 log returns\n"
      "  (--from..--to, default May 2009 - December 2018, from the bundled snapshot). Stores "
      "nothing.\n"
      "Examples:\n"
      "  mre scm generators evaluate --version S1\n"
      "  mre scm generators evaluate --data sp500 --format json");
  add_common_options(*eval_cmd, gen_args->common);
  eval_cmd->add_option("--data", gen_args->data, "scm | sp500")
      ->check(CLI::IsMember({"scm", "sp500"}))
      ->capture_default_str();
  eval_cmd->add_option("--version", gen_args->version,
                       "The SCM version (default: the newest; --data scm)");
  eval_cmd->add_option(
      "--series-file", gen_args->series_file,
      "The S&P 500 price file (--data sp500; default: data/snapshot/yahoo/GSPC.csv)");
  eval_cmd->add_option("--from", gen_args->from, "First day of the S&P 500 sample (--data sp500)")
      ->capture_default_str();
  eval_cmd->add_option("--to", gen_args->to, "Last day of the S&P 500 sample (--data sp500)")
      ->capture_default_str();
  eval_cmd
      ->add_option("--train-fraction", gen_args->train_fraction,
                   "Share of the days the generators train on; the rest is held out")
      ->capture_default_str();
  eval_cmd->add_option("--paths", gen_args->paths, "Generated paths per generator, 1 to 10000")
      ->capture_default_str();
  eval_cmd->add_option("--seed", gen_args->seed, "Random seed")->capture_default_str();
  eval_cmd
      ->add_option("--max-lag", gen_args->max_lag,
                   "Lags of the ACF and leverage scores (the paper's 250)")
      ->capture_default_str();
  eval_cmd->add_option("--generator", gen_args->generators,
                       "Score only this generator (repeatable; default: all)");
  eval_cmd->add_option("--format", gen_args->format, "text | json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  eval_cmd
      ->add_option("--quantgan-size", gen_args->quantgan_size,
                   "quantgan's network: default (hidden 16, receptive field 31) | paper (hidden "
                   "80, receptive field 127)")
      ->check(CLI::IsMember({"default", "paper"}))
      ->capture_default_str();
  eval_cmd->add_option("--quantgan-steps", gen_args->quantgan_steps,
                       "quantgan's generator updates (default: the size's, 600)");
  threads_from_one(eval_cmd->add_option("--threads", gen_args->threads,
                                        "LibTorch threads for quantgan's training, 1 to 1024"))
      ->capture_default_str();
  eval_cmd->callback(
      [gen_args, &action] { action = [gen_args] { return generators_evaluate(*gen_args); }; });

  auto train_args = std::make_shared<GeneratorsTrainArgs>();
  auto* train_cmd = gen_cmd->add_subcommand(
      "train",
      "Train a conditional Quant GAN (Wiese et al. 2020: TCN generator and critic, Lambert W\n"
      "  preprocessing, WGAN-GP loss) on an SCM version's abducted shocks, all equations jointly,\n"
      "  conditioned on the version's regimes, and store it as a version (docs/scm.md). Then\n"
      "  `mre scm simulate --shocks quantgan` draws each path's shocks from it given a regime "
      "path.\n"
      "  --size default: hidden 16, receptive field 31, 600 steps (a few minutes on 2 cores);\n"
      "  --size paper: hidden 80, receptive field 127 (hours). Same seed and threads: same "
      "weights.\n"
      "Examples:\n"
      "  mre scm generators train --version S1\n"
      "  mre scm generators train --version S1 --size paper --steps 20000 --threads 2");
  add_common_options(*train_cmd, train_args->common);
  train_cmd->add_option("--kind", train_args->kind, "The generator to train")
      ->check(CLI::IsMember({"quantgan"}))
      ->capture_default_str();
  train_cmd->add_option("--version", train_args->version, "The SCM version (default: the newest)");
  train_cmd->add_option("--size", train_args->size, "default | paper")
      ->check(CLI::IsMember({"default", "paper"}))
      ->capture_default_str();
  train_cmd->add_option("--steps", train_args->steps,
                        "Generator updates (default: the size's, 600)");
  train_cmd->add_option("--seed", train_args->seed, "Random seed")->capture_default_str();
  threads_from_one(
      train_cmd->add_option("--threads", train_args->threads, "LibTorch threads, 1 to 1024"))
      ->capture_default_str();
  train_cmd
      ->add_option("--tag", train_args->tag,
                   "The version's tag (auto: Q_<scm version>_<settings hash>)")
      ->capture_default_str();
  train_cmd->callback(
      [train_args, &action] { action = [train_args] { return generators_train(*train_args); }; });

  auto sc_args = std::make_shared<ScenariosArgs>();
  auto* sc_cmd = scm->add_subcommand(
      "scenarios", "List the stored scenario runs, or print one run's fans as CSV");
  add_common_options(*sc_cmd, sc_args->common);
  sc_cmd->add_option("id", sc_args->id, "A run id (SC-...)");
  add_format_option(*sc_cmd, sc_args->format);
  sc_cmd->callback([sc_args, &action] { action = [sc_args] { return scenarios(*sc_args); }; });
}

}  // namespace mre::cli
