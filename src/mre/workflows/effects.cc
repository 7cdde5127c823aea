// Seed 001's estimate (DML or the X-learner, its placebos and robustness), the whole grid into
// an effects version, and the causal query's answer. The spec is effects_spec.cc, the panel
// effects_panel.cc, the JSON codec/effects_json.h, the prose narrative/. See effects.h.
#include "mre/workflows/effects.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "mre/causal/inference.h"
#include "mre/causal/learners.h"
#include "mre/causal/multiple_testing.h"
#include "mre/causal/placebo.h"
#include "mre/codec/classifier_json.h"
#include "mre/codec/effects_json.h"
#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/narrative/effect_explanation.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/effects_canonical.h"
#include "mre/workflows/effect_stability.h"
#include "mre/workflows/effect_studies.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

// Fewest months (sum of a regime's filtered probabilities) a per-regime effect is reported from.
constexpr double kMinRegimeObservations = 30.0;

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// What the codec encodes and the narrative explains: the estimate with its panel's dates and
// versions and the treatment's identification, nothing recomputed.
codec::EffectReport effect_report(const EffectEstimate& e) {
  codec::EffectReport r;
  r.treatment = e.treatment;
  r.outcome = e.outcome;
  r.horizon = e.horizon;
  r.magnitude = e.magnitude;
  r.method = e.method;
  r.learner = e.learner;
  r.folds = e.folds;
  r.embargo = e.embargo;
  r.identified = e.info.identified;
  r.identification = e.info.identification;
  r.dml = e.dml;
  r.xlearner = e.xlearner;
  r.placebos = e.placebos;
  r.robustness = e.robustness;
  r.observations = e.panel.t.size();
  if (!e.panel.dates.empty()) {
    r.from = e.panel.dates.front();
    r.to = e.panel.dates.back();
  }
  r.latest = e.panel.latest;
  r.latest_regime_probabilities = e.panel.latest_regime_probabilities;
  r.latest_regime_names = e.panel.latest_regime_names;
  r.feature_version = e.panel.feature_version;
  r.regime_version = e.panel.regime_version;
  r.notes = e.notes;
  r.prediction_interval = e.prediction_interval;
  return r;
}

narrative::EffectExplanationFacts explanation_facts(const EffectEstimate& e) {
  narrative::EffectExplanationFacts f;
  const bool dml = e.method == "dml";
  f.dml = dml;
  auto& facts = f.effect;
  facts.treatment = e.treatment;
  facts.outcome = e.outcome;
  facts.horizon_months = e.horizon;
  facts.magnitude = e.magnitude;
  if (dml) {
    const double m = e.magnitude;
    facts.effect = e.dml.theta * m;
    const auto ci = causal::scaled_interval(e.dml.ci_low, e.dml.ci_high, m);
    facts.ci_low = ci.low;
    facts.ci_high = ci.high;
    facts.p_value = e.dml.p_value;
    for (const auto& r : e.dml.regimes) {
      const auto rci = causal::scaled_interval(r.ci_low, r.ci_high, m);
      facts.regimes.push_back({r.regime, r.effect * m, rci.low, rci.high, r.p_value});
    }
    for (const auto& p : e.placebos) facts.placebos.push_back({p.kind, p.effect, p.p_value});
    if (e.dml.wald_dof > 0) f.regime_wald_p_value = e.dml.wald_p_value;
  } else {
    facts.effect = e.xlearner->ate;
    facts.ci_low = e.xlearner->ci_low;
    facts.ci_high = e.xlearner->ci_high;
  }
  f.observations = dml ? e.dml.n : e.panel.t.size();
  if (dml && e.info.narrative_scale != 1.0 && !e.info.narrative_unit.empty()) {
    f.narrative_unit = e.info.narrative_unit;
    f.unit_effect = e.dml.theta * e.info.narrative_scale;
    f.unit_ci_low = e.dml.ci_low * e.info.narrative_scale;
    f.unit_ci_high = e.dml.ci_high * e.info.narrative_scale;
  }
  f.identified = e.info.identified;
  f.identification = e.info.identification;
  if (dml) {
    f.outcome_learner = e.dml.outcome_learner;
    f.r2_outcome = e.dml.r2_outcome;
    f.treatment_learner = e.dml.treatment_learner;
    f.r2_treatment = e.dml.r2_treatment;
    f.warnings = e.dml.warnings;
  }
  f.notes = e.notes;
  if (e.robustness) {
    f.fragile = e.robustness->fragile;
    f.robustness_reason = e.robustness->reason;
  }
  return f;
}

}  // namespace

EffectEstimate estimate_effect(const EffectsPanel& panel, const EffectQuery& query,
                               const EffectsSpec& spec) {
  EffectEstimate out;
  out.treatment = query.treatment;
  out.outcome = query.outcome;
  out.horizon = query.horizon;
  // QA: a magnitude of 1e300 printed a prediction interval [x, x] (kMaxMagnitude).
  if (!std::isfinite(query.magnitude) || std::abs(query.magnitude) > kMaxMagnitude) {
    throw Error(ErrorCode::kInvalidArgument,
                "magnitude: must be a finite number from -1e6 to 1e6, in the treatment's units "
                "(got " +
                    fmt::format("{}", query.magnitude) + ")");
  }
  out.magnitude = query.magnitude;
  out.method = query.method;
  out.learner = query.learner.empty() ? spec.learner : query.learner;
  out.folds = query.folds > 0 ? query.folds : spec.folds;
  out.embargo = query.embargo >= 0 ? query.embargo : query.horizon;
  out.panel = panel;
  const auto check_stop = [&query] {
    if (query.stop.stop_requested())
      throw Error(ErrorCode::kIoError, "estimate cancelled (time limit)");
  };
  check_stop();
  out.info = treatment_info(query.treatment);
  // A control set with a redundant column (collinear with the others and the intercept) keeps
  // all but that column, and says so.
  const auto columns = causal::independent_columns(panel.X);
  if (!columns.dropped.empty()) {
    Matrix kept(panel.X.rows(), static_cast<Eigen::Index>(columns.kept.size()));
    std::vector<std::string> names;
    for (std::size_t j = 0; j < columns.kept.size(); ++j) {
      kept.col(static_cast<Eigen::Index>(j)) = panel.X.col(columns.kept[j]);
      if (static_cast<std::size_t>(columns.kept[j]) < panel.control_names.size())
        names.push_back(panel.control_names[static_cast<std::size_t>(columns.kept[j])]);
    }
    std::string dropped;
    for (const auto j : columns.dropped) {
      dropped +=
          (dropped.empty() ? "" : ", ") + (static_cast<std::size_t>(j) < panel.control_names.size()
                                               ? panel.control_names[static_cast<std::size_t>(j)]
                                               : "column " + std::to_string(j + 1));
    }
    out.notes.push_back("dropped redundant control(s) " + dropped +
                        ": a linear combination of the other controls and the intercept");
    out.panel.X = std::move(kept);
    out.panel.control_names = std::move(names);
    if (static_cast<Eigen::Index>(panel.latest_controls.size()) == panel.X.cols()) {
      std::vector<double> latest;
      for (const auto j : columns.kept)
        latest.push_back(panel.latest_controls[static_cast<std::size_t>(j)]);
      out.panel.latest_controls = std::move(latest);
    }
  }
  // A regime the sample spends fewer than 30 months in (the sum of its filtered probabilities)
  // has no per-regime effect: omitted with a note, never a failure.
  if (out.panel.regimes) {
    const Matrix& Z = *out.panel.regimes;
    std::vector<Eigen::Index> kept_regimes;
    for (Eigen::Index r = 0; r < Z.cols(); ++r) {
      const double months = Z.col(r).sum();
      if (months >= kMinRegimeObservations) {
        kept_regimes.push_back(r);
      } else {
        out.notes.push_back("regime " + out.panel.regime_names[static_cast<std::size_t>(r)] +
                            " omitted from the regime effects: " + fixed(months, 1) +
                            " months of probability in the sample (fewer than " +
                            std::to_string(static_cast<int>(kMinRegimeObservations)) + ")");
      }
    }
    if (kept_regimes.size() < static_cast<std::size_t>(Z.cols())) {
      if (kept_regimes.empty()) {
        out.panel.regimes.reset();
        out.panel.regime_names.clear();
      } else {
        Matrix kept(Z.rows(), static_cast<Eigen::Index>(kept_regimes.size()));
        std::vector<std::string> names;
        for (std::size_t j = 0; j < kept_regimes.size(); ++j) {
          kept.col(static_cast<Eigen::Index>(j)) = Z.col(kept_regimes[j]);
          names.push_back(out.panel.regime_names[static_cast<std::size_t>(kept_regimes[j])]);
        }
        out.panel.regimes = std::move(kept);
        out.panel.regime_names = std::move(names);
      }
    }
  }
  const EffectsPanel& data = out.panel;
  // The nuisance candidates: the spec's list for "auto", else the one learner named.
  std::vector<std::unique_ptr<causal::Regressor>> owned;
  if (out.learner == "auto") {
    for (const auto& name : spec.learners) owned.push_back(causal::make_regressor(name));
    if (owned.empty())
      throw Error(ErrorCode::kInvalidArgument, "learners: at least one candidate learner");
  } else {
    owned.push_back(causal::make_regressor(out.learner));
  }
  std::vector<const causal::Regressor*> candidates;
  for (const auto& l : owned) candidates.push_back(l.get());
  // Overlapping h-month outcomes: a HAC bandwidth of at least h + 1.
  const causal::DmlOptions options{
      .folds = out.folds,
      .embargo = out.embargo,
      .time_series = true,
      .se = query.se.value_or(spec.se),
      .hac_lag = std::max(causal::newey_west_lag(data.t.size()), query.horizon + 1)};
  if (query.method == "xlearner") {
    // The X-learner's treatment is binarised (a positive value against none), so its effect is
    // of that contrast and has no unit to scale; --magnitude was echoed and silently ignored.
    if (query.magnitude != 1.0) {
      throw Error(ErrorCode::kInvalidArgument,
                  "magnitude: the X-learner estimates the effect of a positive " + query.treatment +
                      " against none (the treatment binarised at 0), which cannot be scaled; "
                      "leave --magnitude at 1 or use --method dml");
    }
    const std::string name = out.learner == "auto" ? "forest" : out.learner;
    const auto learner = causal::make_regressor(name);
    Vector binary = (data.t.array() > 0.0).cast<double>();
    const auto classifier = causal::make_classifier(
        name == "ols" || name == "ridge" || name == "lasso" || name == "constant" ? "logistic"
                                                                                  : name);
    out.xlearner = causal::x_learner(data.X, binary, data.y, *learner, *learner, *classifier,
                                     {.bootstrap = 100});
  } else if (query.method == "dml") {
    out.dml = causal::dml_plr_select(data.X, data.t, data.y, candidates, options, data.regimes,
                                     data.regime_names);
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "method: expected dml or xlearner (got '" + query.method + "')");
  }
  check_stop();
  if (query.method == "dml" && query.placebos) {
    // The permuted treatment and the pre-treatment outcome (causal/placebo.h).
    out.placebos = causal::dml_placebos(
        data.X, data.t, data.y, data.dates, candidates, options,
        {.block = query.placebo_block, .horizon = query.horizon, .magnitude = out.magnitude},
        check_stop);
  }
  return out;
}

Robustness assess_robustness(const EffectEstimate& e, const EffectsSpec& spec,
                             const std::optional<RobustnessCheck>& local_projection) {
  std::vector<RobustnessCheck> checks;
  checks.push_back({"dml:" + e.learner + " (the estimate)", e.dml.theta, e.dml.p_value, ""});
  const std::vector<std::string> learners =
      spec.learners.empty() ? std::vector<std::string>{"ols", "ridge", "forest"} : spec.learners;
  const auto baseline =
      std::find_if(e.dml.candidates.begin(), e.dml.candidates.end(),
                   [](const causal::CandidateScore& s) { return s.learner == "constant"; });
  for (const auto& learner : learners) {
    if (learner == e.learner) continue;  // the estimate itself
    RobustnessCheck c{.method = "dml:" + learner};
    // A candidate of the selection already holds its own estimate on the same folds.
    const auto scored =
        std::find_if(e.dml.candidates.begin(), e.dml.candidates.end(),
                     [&](const causal::CandidateScore& s) { return s.learner == learner; });
    if (scored != e.dml.candidates.end() &&
        (std::isfinite(scored->theta) || !scored->error.empty())) {
      c.effect = scored->theta;
      c.p_value = scored->p_value;
      c.error = scored->error;
      c.r2_outcome = scored->r2_outcome;
      c.r2_treatment = scored->r2_treatment;
      if (baseline != e.dml.candidates.end()) {
        c.below_baseline = scored->r2_outcome < baseline->r2_outcome ||
                           scored->r2_treatment < baseline->r2_treatment;
      }
      checks.push_back(std::move(c));
      continue;
    }
    try {
      EffectQuery q;
      q.treatment = e.treatment;
      q.outcome = e.outcome;
      q.horizon = e.horizon;
      q.learner = learner;
      q.folds = e.folds;
      q.embargo = e.embargo;
      q.placebos = false;
      const auto again = estimate_effect(e.panel, q, spec);
      c.effect = again.dml.theta;
      c.p_value = again.dml.p_value;
      c.r2_outcome = again.dml.r2_outcome;
      c.r2_treatment = again.dml.r2_treatment;
    } catch (const Error& error) {
      if (error.code() == ErrorCode::kIoError) throw;  // cancelled
      c.error = error.what();
    }
    checks.push_back(std::move(c));
  }
  if (local_projection) checks.push_back(*local_projection);
  return causal::judge_robustness(std::move(checks));
}

RobustnessCheck local_projection_check(const store::Store& store, const EffectsSpec& spec,
                                       const std::string& treatment, const std::string& outcome,
                                       int horizon) {
  RobustnessCheck c{.method = "local_projection"};
  try {
    const auto r = run_impulse_response(
        store, spec, {.treatment = treatment, .outcome = outcome, .horizons = {horizon}});
    c.effect = r.fit.points.front().effect;
    c.p_value = r.fit.points.front().p_value;
  } catch (const Error& error) {
    c.error = error.what();
  }
  return c;
}

std::string explain_effect(const EffectEstimate& e) {
  return narrative::explain_effect(explanation_facts(e));
}

std::string effect_to_json(const EffectEstimate& e) {
  auto report = effect_report(e);
  report.explanation = explain_effect(e);
  return codec::effect_to_json(report);
}

namespace {

// A grid cell's results as bytes between threads or ranks (core/work_items.h): numbers bit-exact.
void write_doubles(ResultWriter& out, const std::vector<double>& v) {
  out.integer(static_cast<std::int64_t>(v.size()));
  for (const double x : v) out.number(x);
}
std::vector<double> read_doubles(ResultReader& in) {
  std::vector<double> v(static_cast<std::size_t>(in.integer()));
  for (auto& x : v) x = in.number();
  return v;
}
void write_effect_row(ResultWriter& out, const store::EffectRow& r) {
  out.text(r.treatment).text(r.outcome).integer(r.horizon).text(r.method).text(r.learner);
  out.number(r.effect).number(r.se).number(r.ci_low).number(r.ci_high).number(r.p_value).integer(
      r.observations);
  out.text(r.regime_effects_json).text(r.placebo_json).text(r.diagnostics_json);
}
store::EffectRow read_effect_row(ResultReader& in) {
  store::EffectRow r;
  r.treatment = in.text();
  r.outcome = in.text();
  r.horizon = static_cast<int>(in.integer());
  r.method = in.text();
  r.learner = in.text();
  r.effect = in.number();
  r.se = in.number();
  r.ci_low = in.number();
  r.ci_high = in.number();
  r.p_value = in.number();
  r.observations = in.integer();
  r.regime_effects_json = in.text();
  r.placebo_json = in.text();
  r.diagnostics_json = in.text();
  return r;
}
void write_window(ResultWriter& out, const codec::StabilityWindow& w) {
  out.integer(w.from.days_since_epoch()).integer(w.to.days_since_epoch());
  out.number(w.effect).number(w.se).number(w.ci_low).number(w.ci_high);
}
codec::StabilityWindow read_window(ResultReader& in) {
  codec::StabilityWindow w;
  w.from = Date::from_days(static_cast<std::int32_t>(in.integer()));
  w.to = Date::from_days(static_cast<std::int32_t>(in.integer()));
  w.effect = in.number();
  w.se = in.number();
  w.ci_low = in.number();
  w.ci_high = in.number();
  return w;
}
void write_stability_cell(ResultWriter& out, const codec::StabilityCell& c) {
  out.text(c.treatment).text(c.outcome).integer(c.horizon).integer(c.observations);
  write_window(out, c.full);
  write_window(out, c.recent);
  out.integer(c.recent_excludes_full).number(c.sup_wald);
  for (const Date d : {c.sup_wald_peak, c.break_date, c.search_from, c.search_to})
    out.integer(d.days_since_epoch());
  out.number(c.critical_10).number(c.critical_5).number(c.critical_1).integer(c.hac_lag);
  out.integer(static_cast<std::int64_t>(c.rolling.size()));
  for (const auto& w : c.rolling) write_window(out, w);
}
codec::StabilityCell read_stability_cell(ResultReader& in) {
  codec::StabilityCell c;
  c.treatment = in.text();
  c.outcome = in.text();
  c.horizon = static_cast<int>(in.integer());
  c.observations = in.integer();
  c.full = read_window(in);
  c.recent = read_window(in);
  c.recent_excludes_full = in.integer() != 0;
  c.sup_wald = in.number();
  for (Date* d : {&c.sup_wald_peak, &c.break_date, &c.search_from, &c.search_to}) {
    *d = Date::from_days(static_cast<std::int32_t>(in.integer()));
  }
  c.critical_10 = in.number();
  c.critical_5 = in.number();
  c.critical_1 = in.number();
  c.hac_lag = static_cast<int>(in.integer());
  c.rolling.resize(static_cast<std::size_t>(in.integer()));
  for (auto& w : c.rolling) w = read_window(in);
  return c;
}

}  // namespace

EffectsRunReport run_effects(store::Store& store, const EffectsRunOptions& options,
                             const EffectsProgress& progress) {
  EffectsSpec spec = load_effects_spec(options.spec_path);
  if (!options.learner.empty()) {
    if (options.learner != "auto") causal::make_regressor(options.learner);
    spec.learner = options.learner;
    spec.canonical_text = detail::effects_canonical(spec);
    spec.hash = fnv1a_hex(spec.canonical_text);
  }
  store::EffectVersion version;
  version.spec_name = spec.name;
  version.spec_hash = spec.hash;
  version.spec_text = spec.canonical_text;
  const EffectsSource source = load_effects_source(store, spec);
  version.feature_version = source.feature_version;
  version.regime_version = source.regime_version;
  version.version =
      options.version == "auto"
          ? "E_" + spec.name + "_" +
                fnv1a_hex(spec.hash + version.feature_version + version.regime_version).substr(0, 8)
          : options.version;
  store::validate_version_tag(version.version);
  EffectsRunReport report;
  report.version = version.version;
  for (const auto& v : store.list_effect_versions()) {
    if (v.version == version.version && store::same_effect_version(v, version)) {
      report.rows = v.rows;
      return report;  // the same spec and data: nothing to do
    }
  }
  // The local projection at every horizon of the grid, once per (treatment, outcome) pair: each
  // cell's robustness check. It reads the store, so it runs here, in grid order, before the cells.
  std::map<std::pair<std::string, std::string>, std::map<int, RobustnessCheck>> projections;
  struct GridCell {
    std::string treatment;
    std::string outcome;
    int h = 0;
  };
  std::vector<GridCell> grid;
  for (const auto& treatment : spec.treatments) {
    for (const auto& [outcome, o] : spec.outcomes) {
      auto& projection = projections[{treatment, outcome}];
      try {
        const auto lp = run_impulse_response(
            store, spec, {.treatment = treatment, .outcome = outcome, .horizons = spec.horizons});
        for (const auto& p : lp.fit.points)
          projection[p.horizon] = {"local_projection", p.effect, p.p_value, ""};
      } catch (const Error& error) {
        for (const int h : spec.horizons)
          projection[h] = {"local_projection", std::nan(""), std::nan(""), error.what()};
      }
      for (const int h : spec.horizons) grid.push_back({treatment, outcome, h});
    }
  }
  // The cells: seeded work items (core/work_items.h) on threads or MPI ranks; each reads only the
  // loaded source and returns its row, its regimes' p-values and its stability cell, gathered in
  // grid order on every process.
  const auto results = run_work_items(
      options.work_items, options.threads, static_cast<std::int64_t>(grid.size()),
      [&](std::int64_t item) -> WorkResult {
        const auto& [treatment, outcome, h] = grid[static_cast<std::size_t>(item)];
        const auto& projection = projections.at({treatment, outcome});
        const std::string cell = treatment + "/" + outcome + "/" + std::to_string(h);
        ResultWriter out;
        try {
          const auto panel = assemble_panel(source, spec, treatment, outcome, h);
          EffectQuery query;
          query.treatment = treatment;
          query.outcome = outcome;
          query.horizon = h;
          const auto e = estimate_effect(panel, query, spec);
          std::vector<codec::StabilityCell> stability;
          collect_stability(stability, e);
          store::EffectRow row;
          row.treatment = treatment;
          row.outcome = outcome;
          row.horizon = h;
          row.method = e.method;
          row.learner = e.learner;
          row.effect = e.dml.theta;
          row.se = e.dml.se;
          row.ci_low = e.dml.ci_low;
          row.ci_high = e.dml.ci_high;
          row.p_value = e.dml.p_value;
          row.observations = e.dml.n;
          const auto robust = assess_robustness(
              e, spec, projection.count(h) ? std::optional(projection.at(h)) : std::nullopt);
          const auto encoded = effect_report(e);
          row.regime_effects_json = codec::regime_effects_json(e.dml, e.magnitude);
          row.placebo_json = codec::placebos_json(e.placebos);
          row.diagnostics_json = codec::open_cell_diagnostics(
              encoded, robust);  // closed below with the grid's q-values
          std::vector<double> regime_p;
          for (const auto& re : e.dml.regimes) regime_p.push_back(re.p_value);
          out.integer(1);
          write_effect_row(out, row);
          write_doubles(out, regime_p);
          out.integer(static_cast<std::int64_t>(stability.size()));
          for (const auto& c : stability) write_stability_cell(out, c);
          out.text(cell + ": " + fixed(e.dml.theta, 4) + " (p " + fixed(e.dml.p_value, 3) + ")");
        } catch (const Error& error) {
          // A cell the data cannot support (e.g. too short a history) is skipped, and said.
          if (error.code() != ErrorCode::kDataError) throw;
          out.integer(0);
          out.text(cell + ": " + error.what());
        }
        return out.take();
      },
      "effects cells");
  std::vector<store::EffectRow> rows;
  std::vector<std::vector<double>> regime_p_values;  // per row, in regime-effect order
  std::vector<codec::StabilityCell> stability;       // issue 27: stored with the version below
  for (const auto& result : results) {
    ResultReader in(result);
    if (in.integer() == 0) {
      report.skipped.push_back(in.text());
      if (progress) {
        const auto& why = report.skipped.back();
        const auto colon = why.find(": ");
        progress(why.substr(0, colon) + ": skipped (" + why.substr(colon + 2) + ")");
      }
      continue;
    }
    rows.push_back(read_effect_row(in));
    regime_p_values.push_back(read_doubles(in));
    const auto cells = in.integer();
    for (std::int64_t k = 0; k < cells; ++k) stability.push_back(read_stability_cell(in));
    const auto line = in.text();
    if (progress) progress(line);
  }
  // Benjamini-Hochberg over this grid: the cells' p-values together, the per-regime effects'
  // p-values together (a separate family).
  std::vector<double> cell_p;
  std::vector<double> all_regime_p;
  for (const auto& r : rows) cell_p.push_back(r.p_value);
  for (const auto& v : regime_p_values) all_regime_p.insert(all_regime_p.end(), v.begin(), v.end());
  const auto cell_q = causal::benjamini_hochberg(cell_p);
  const auto regime_q = causal::benjamini_hochberg(all_regime_p);
  std::size_t next_regime = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto first = regime_q.begin() + static_cast<std::ptrdiff_t>(next_regime);
    next_regime += regime_p_values[i].size();
    codec::close_cell_diagnostics(
        rows[i].diagnostics_json, cell_q[i],
        std::vector<double>(first, first + static_cast<std::ptrdiff_t>(regime_p_values[i].size())),
        rows.size());
  }
  if (rows.empty()) {
    throw Error(ErrorCode::kDataError,
                "effects: no cell of the grid could be estimated, nothing stored (" +
                    (report.skipped.empty() ? std::string("no cells") : report.skipped.front()) +
                    ")");
  }
  version.created_at = Timestamp::now();
  report.written = store.write_effects(version, rows) == store::FeatureWriteOutcome::kWritten;
  if (report.written) write_effect_stability(store, version.version, stability);
  report.rows = rows.size();
  return report;
}

std::string effects_to_csv(const std::vector<store::EffectRow>& rows) {
  return codec::effect_rows_to_csv(rows);
}

std::string effects_to_json(const std::vector<store::EffectRow>& rows) {
  return codec::effect_rows_to_json(rows);
}

std::string answer_causal_query(const store::Store& store, const EffectsSpec& spec,
                                const CausalQuery& query) {
  return codec::causal_answer_to_json(causal_answer(store, spec, query));
}

codec::CausalAnswerReport causal_answer(const store::Store& store, const EffectsSpec& spec,
                                        const CausalQuery& query) {
  std::string outcome = query.asset;
  if (const auto at = outcome.rfind("_returns");
      at != std::string::npos && at + 8 == outcome.size())
    outcome.resize(at);
  // The Fed's rate is answered from the identified surprise unless the caller insists.
  const std::string& asked = query.macro_variable;
  const bool fed_rate =
      asked.empty() || asked == "fed_shock" || asked == "fed_funds" || asked == "interest_rate";
  const std::string treatment =
      fed_rate && !query.as_given ? "mp_surprise" : (asked.empty() ? "mp_surprise" : asked);
  EffectQuery q;
  q.treatment = treatment;
  q.outcome = outcome;
  q.horizon = query.horizon;
  q.magnitude = query.magnitude;
  q.learner = query.learner;
  q.stop = query.stop;
  const auto panel = assemble_panel(store, spec, treatment, outcome, query.horizon);
  auto estimate = estimate_effect(panel, q, spec);
  estimate.robustness = assess_robustness(
      estimate, spec, local_projection_check(store, spec, treatment, outcome, query.horizon));
  codec::CausalAnswerReport answer;
  answer.effect = effect_report(estimate);
  answer.effect.explanation = explain_effect(estimate);
  answer.requested_treatment = asked;
  if (treatment != asked) {
    answer.treatment_note =
        (asked.empty() ? std::string("no macro_variable given")
                       : asked + " is not an identified shock") +
        "; answered from mp_surprise, the Jarocinski-Karadi FOMC surprise (send \"as_given\": true "
        "for the requested series itself)";
  }
  // The event study on announcement days beside the monthly figure, per the query's magnitude.
  const TreatmentInfo info = treatment_info(treatment);
  if (!info.event_series.empty() && spec.event_outcomes.count(outcome)) {
    try {
      const auto r = run_event_study(
          store, spec, {.treatment = treatment, .outcome = outcome, .window = 0, .hac_lag = -1});
      const auto ci = causal::scaled_interval(r.fit.ci_low, r.fit.ci_high, query.magnitude);
      answer.event_study = codec::CausalEventStudy{.effect = r.fit.effect * query.magnitude,
                                                   .ci_low = ci.low,
                                                   .ci_high = ci.high,
                                                   .p_value = r.fit.p_value_hc1,
                                                   .events = r.fit.events,
                                                   .per_25bp = r.fit.effect * info.narrative_scale};
    } catch (const Error& error) {
      if (error.code() == ErrorCode::kIoError) throw;
      answer.event_study = codec::CausalEventStudy{.error = error.what()};
    }
  }
  answer.query_text = query.query_text;
  // The estimate's one narrative (the response's explanation), with the query's note before it
  // and the event study after it.
  answer.narrative = answer.effect.explanation;
  if (answer.event_study && answer.event_study->error.empty()) {
    const auto& event = *answer.event_study;
    answer.narrative += " On announcement days the same surprise moves " + outcome + " by " +
                        fixed(event.effect, 4) + " (95% CI " + fixed(event.ci_low, 4) + " to " +
                        fixed(event.ci_high, 4) + ", " + std::to_string(event.events) +
                        " announcements).";
  }
  if (!answer.treatment_note.empty())
    answer.narrative = "Note: " + answer.treatment_note + ". " + answer.narrative;
  return answer;
}

}  // namespace mre::workflows