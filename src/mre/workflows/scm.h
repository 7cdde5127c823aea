// The structural causal model's use cases (seed 002, issue 7): the spec on disk
// (config/scm/*.yml: graph, data mapping, shock settings, named scenarios), the data from the
// store, fitting a version, historical counterfactuals and forward scenarios.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/scm/check.h"
#include "mre/scm/coefficients.h"
#include "mre/scm/model.h"
#include "mre/scm/simulate.h"
#include "mre/store/store.h"

namespace mre::workflows {

// Where one node's data come from.
struct ScmNodeData {
  std::string node{};
  std::string description{};
  std::string series{};  // the stored ticker (empty for an identity)
  std::string minus{};   // optional: a ticker subtracted from it (TP = DGS3MO - EFFR)
  double offset = 0.0;   // level = offset + factor * value
  double factor = 1.0;
  bool as_published = false;  // align by publication lag instead of observation date
  scm::Transform change = scm::Transform::kDiff;
  // A continuous front futures contract spliced at its monthly rolls (scm/front_contract.h):
  // the ticker of its opening prices (empty: no splice) and the gap allowed across a roll.
  std::string roll_open{};
  int roll_max_missing = 3;
};

struct ScmScenarioSpec {
  std::string name{};
  std::string description{};
  std::vector<std::string> interventions{};  // --do expressions
};

struct ScmSpec {
  std::string name{};
  std::string description{};
  scm::Graph graph{};
  std::vector<ScmNodeData> data{};  // graph.nodes order
  std::optional<Date> start{};
  std::optional<Date> end{};
  int hac_lag = -1;
  int regimes = 2;
  std::uint64_t regime_seed = 7;
  double mean_block = 20.0;
  std::vector<ScmScenarioSpec> scenarios{};
  // Edges added to the graph after a check (`added_edges:`), each with its justification.
  struct AddedEdge {
    std::string from{}, to{}, justification{};
  };
  std::vector<AddedEdge> added_edges{};
  // Regime-dependent transmission (`regime_dependent: true`, `regime_version: TAG`): every
  // equation also estimated per regime of the stored regime version (scm/regime_dependent.h).
  bool regime_dependent = false;
  std::string regime_version{};
  // Identified policy shocks (`identified_shock: {node: Re, series: MP1_JK}`): on announcement
  // days the node's shock is abducted from the surprise series (docs/scm.md).
  std::string identified_shock_node{};
  std::string identified_shock_series{};
  std::string canonical_text{};
  std::string hash{};
};
// InvalidArgument "FILE:LINE: ..." naming the node or key (unknown keys, a node with neither
// series nor identity, a cycle, a missing parent, an arrow out of a terminal node, ...).
ScmSpec load_scm_spec(const std::filesystem::path& path);
// Recomputes canonical_text and hash after a front end changed the spec (--regime-version,
// --identified-shock).
void finish_spec(ScmSpec& spec);
// InvalidArgument naming the node when it has no equation (an identity or unknown node).
void check_identified_node(const scm::Graph& graph, const std::string& node);
std::filesystem::path default_scm_spec_path();

struct ScmFitOptions {
  std::filesystem::path spec_path{};
  std::filesystem::path universe_path{};
  std::string version = "auto";  // auto: S_<spec>_<hash of spec and data>
  std::string regime_version{};  // non-empty: regime_dependent with this regime version (overrides
                                 // the spec)
  std::string identified_shock{};  // NODE=SERIES: the spec's identified_shock (overrides it)
};
struct ScmFitReport {
  std::string version{};
  bool written = false;
  scm::FittedScm model{};
};
// Reads the mapped series, fits every equation, the shock regimes and copula, stores the version.
ScmFitReport fit_scm(store::Store& store, const ScmFitOptions& options);

// The stored version (NotFound naming it, with the list command).
scm::FittedScm load_scm(const store::Store& store, const std::string& version);
std::string newest_scm_version(const store::Store& store);  // NotFound when none

// A --do expression: NODE=+X (shift) or NODE=X (set), optionally @FROM..TO, @FROM.. or @DAY.
struct DoExpression {
  std::string text{};
  std::string node{};
  double value = 0.0;
  bool shift = false;
  std::optional<Date> from{};
  std::optional<Date> to{};
};
// InvalidArgument quoting the expression and naming the bad token.
DoExpression parse_do(const std::string& text);

// Parameter uncertainty of every counterfactual and scenario: the residual block bootstrap of
// the whole fit (scm/bootstrap.h), seeded.
struct ScmUncertainty {
  scm::BootstrapConfig bootstrap{};
  int paths_per_replicate = 10;  // scenarios: each replicate's model drives this many shock paths
};
std::string describe(const ScmUncertainty& u);  // "residual block bootstrap: 1000 replicates, ..."

// The intervention's effect on one node with its bands: counterfactual - factual level (points)
// for a change node, counterfactual / factual - 1 (a fraction) for a log-return node.
struct NodeEffectBand {
  std::string node{};
  std::string unit{};      // points | fraction
  scm::Band window_end{};  // at the end of the last intervention window
  scm::Band last{};        // on the last date
};

struct CounterfactualResult {
  std::vector<Date> dates{};  // rows from the first intervened date to the end of the data
  std::vector<std::string> nodes{};
  Matrix factual;  // levels, dates x nodes
  Matrix counterfactual;
  std::string terminal{};            // the terminal node whose cumulative return gap is reported
  double terminal_gap = 0.0;         // counterfactual / factual level - 1 on the last date
  double terminal_gap_window = 0.0;  // the same at the end of the last intervention window
  Date window_end{};
  // Parameter uncertainty: every node's effect with its bootstrap bands (the shocks are the
  // data's, abducted under each replicate's coefficients: a historical counterfactual has no
  // other shock uncertainty). The terminal node's bands are its entry here.
  std::string uncertainty{};
  std::vector<NodeEffectBand> bands{};
  std::vector<std::string> warnings{};  // the version's rejected graph implications, if any
  // A regime-dependent version: the same do() with each regime's coefficients on every day
  // ("regime X throughout": that regime's transmission), then along the observed regime path;
  // bands from the regime bootstrap (scm::bootstrap over the regime fits, path and weights held).
  struct RegimeEffect {
    std::string regime{};  // a label, or "observed path"
    int window_days = -1;  // the intervention window's days in this regime on the observed path
                           // (-1: the path itself)
    std::vector<NodeEffectBand> bands{};
  };
  std::string regime_version{};
  std::vector<RegimeEffect> regime_effects{};
};
// Abduction, action, prediction on the version's data. InvalidArgument for an unknown node,
// an identity node, or dates outside the data (naming the expression).
// InvalidArgument for bootstrap settings out of range (scm::bootstrap), before anything is
// computed.
CounterfactualResult counterfactual(const scm::FittedScm& model,
                                    const std::vector<DoExpression>& interventions,
                                    const ScmUncertainty& uncertainty = {});

struct ScenarioOptions {
  std::string name = "custom";
  std::vector<DoExpression> interventions{};
  std::optional<Date> start{};  // default: the version's last date
  scm::SimulationConfig config{};
  ScmUncertainty uncertainty{};  // the effects' bands: the run's id depends on it
  // --shocks quantgan: the generator version (empty: the newest trained on the SCM version; the
  // run records it as "quantgan:<version>") and the loaded generator (attach_quantgan in
  // workflows/quantgan.h; run_scenario attaches it when absent).
  std::string generator_version{};
  std::shared_ptr<const neural::QuantGanGenerator> quantgan{};
};
struct ScenarioResult {
  store::ScenarioRun run{};
  std::vector<store::ScenarioFanRow> rows{};
  bool written = false;
  std::vector<scm::EffectSummary> effects{};  // the intervention's effect at the horizon, per node
  std::vector<std::string> warnings{};        // the version's rejected graph implications, if any
  std::vector<Date> dates{};  // day 1..horizon of the fans: the business days after the start
  // A regime-dependent version: the effect at the horizon with each regime's coefficients on
  // every day, then along regime paths drawn from the version's transition matrix (one per shock
  // path, starting in the start day's regime); mean and quantiles over the shock paths, bands over
  // the regime bootstrap's replicates and the paths. The fans stay the pooled model's.
  struct RegimeEffects {
    std::string regime{};  // a label, or "drawn paths"
    std::vector<scm::EffectSummary> effects{};
  };
  std::string regime_version{};
  std::vector<RegimeEffects> regime_effects{};
};
// Identified policy shocks (a version fitted with `identified_shock`, e.g. Re from MP1_JK): on
// each announcement day the node's shock is abducted from the surprise - the equation's residual
// split into the surprise (the identified policy shock) and the rest - and the counterfactual
// without the surprises gives the SCM's same-day response of every node to them. Per `size` points
// of surprise, beside it: the same-day effect of do(EFFR + size) on one day, and the event study
// on the same announcement days (each node's same-day change regressed on the surprise,
// causal/event_study.h, HC1). Units: points for change nodes, percent for return nodes.
struct IdentifiedShockRow {
  std::string node{};
  std::string unit{};           // points | percent
  scm::Band scm_surprise{};     // the SCM's response to the identified shock, with bootstrap bands
  scm::Band scm_do_effr{};      // do(EFFR + size) on one day, same day
  double event_study = 0.0;     // slope x size
  double event_study_se = 0.0;  // HC1 x size
  double event_study_r2 = 0.0;
};
struct IdentifiedShockComparison {
  std::string node{};
  std::string series{};
  double size = 0.25;
  int announcements = 0;
  Date first{}, last{};
  // How the equation's residual on announcement days relates to the surprise (slope, HC1 se,
  // correlation).
  double residual_slope = 0.0, residual_slope_se = 0.0, residual_correlation = 0.0;
  std::string uncertainty{};
  std::vector<IdentifiedShockRow> rows{};
};
// InvalidArgument naming the version's spec key when it has no identified shock; bootstrap
// settings as for counterfactual().
IdentifiedShockComparison compare_identified_shocks(const scm::FittedScm& model,
                                                    const ScmUncertainty& uncertainty = {},
                                                    double size = 0.25);

// The graph checks of a version on its data (scm/check.h).
scm::GraphCheck check_scm(const scm::FittedScm& model, double alpha = 0.05);
// "the data reject N of the graph's implications (...): see 'mre scm check --version V'" or empty.
std::string rejection_warning(const scm::FittedScm& model);

// Simulates from the start date (shocks drawn from the version's history up to the start)
// and stores the run (idempotent: same inputs, same id). InvalidArgument for a start outside
// the data, paths or horizon <= 0, a bad intervention.
ScenarioResult run_scenario(store::Store& store, const std::string& version,
                            const scm::FittedScm& model, const ScenarioOptions& options);
// Day 1..horizon of a scenario's fans: the business days (settlement calendar) after `start`;
// a stored run's dates are scenario_days(run.start, run.horizon).
std::vector<Date> scenario_days(Date start, int horizon);
// The same numbers without storing them (written stays false): for read-only front ends.
ScenarioResult compute_scenario(const std::string& version, const scm::FittedScm& model,
                                const ScenarioOptions& options);
// The scenario's paragraph (narrative::scenario_paragraph) of the model's first terminal node at
// the horizon; empty when no effect is of that node.
std::string scenario_narrative(const scm::FittedScm& model, const ScenarioResult& result);

}  // namespace mre::workflows
