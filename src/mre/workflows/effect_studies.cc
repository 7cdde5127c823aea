// See effect_studies.h.
#include "mre/workflows/effect_studies.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "mre/causal/event_study.h"
#include "mre/causal/local_projection.h"
#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/narrative/effect_studies.h"
#include "mre/store/revisions.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

constexpr long kMinEvents = 30;

TimeSeries require_raw(const store::Store& store, const std::string& ticker,
                       const std::string& what) {
  auto s = store.read_raw(
      {.ticker = ticker, .from = std::nullopt, .to = std::nullopt, .as_of = std::nullopt});
  if (!s || s->empty()) {
    throw Error(ErrorCode::kNotFound, what + ": the series " + ticker +
                                          " is not in the store (run 'mre ingest' or 'mre run')");
  }
  return *s;
}

}  // namespace

codec::EventStudyReport run_event_study(const store::Store& store, const EffectsSpec& spec,
                                        const EventStudyQuery& query) {
  if (query.window < 0 || query.window > 20) {
    throw Error(ErrorCode::kInvalidArgument, "window: must be in [0, 20] trading days (got " +
                                                 std::to_string(query.window) + ")");
  }
  const auto found = spec.event_outcomes.find(query.outcome);
  if (found == spec.event_outcomes.end()) {
    std::string known;
    for (const auto& [name, o] : spec.event_outcomes) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kInvalidArgument,
                "outcome: unknown event outcome '" + query.outcome + "' (known: " + known + ")");
  }
  const TreatmentInfo info = treatment_info(query.treatment);
  if (info.event_series.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "treatment: '" + query.treatment +
                    "' has no announcement dates; an event study needs an event series "
                    "(mp_surprise)");
  }
  const TimeSeries events = require_raw(store, info.event_series, "treatment");
  const TimeSeries outcome = require_raw(store, found->second.ticker, "outcome");
  codec::EventStudyReport r;
  r.treatment = query.treatment;
  r.outcome = query.outcome;
  r.event_series = info.event_series;
  r.outcome_ticker = found->second.ticker;
  r.window = query.window;
  r.change = found->second.change;
  r.identified = info.identified;
  r.identification = info.identification;
  r.narrative_scale = info.narrative_scale;
  r.narrative_unit = info.narrative_unit;
  r.announcements = events.size();
  const auto& od = outcome.dates();
  const auto& ov = outcome.values();
  const auto w = static_cast<std::size_t>(query.window);
  for (std::size_t e = 0; e < events.size(); ++e) {
    const Date d = events.dates()[e];
    const auto it = std::lower_bound(od.begin(), od.end(), d);
    if (it == od.end() || *it != d || it == od.begin()) {
      ++r.without_response;
      continue;
    }
    const auto i = static_cast<std::size_t>(it - od.begin());
    if (i + w >= od.size()) {
      ++r.without_response;
      continue;
    }
    const double before = ov[i - 1];
    const double after = ov[i + w];
    const double response = r.change ? after - before : after / before - 1.0;
    if (!std::isfinite(response) || !std::isfinite(events.values()[e])) {
      ++r.without_response;
      continue;
    }
    r.events.push_back({d, events.values()[e], response});
  }
  if (static_cast<long>(r.events.size()) < kMinEvents) {
    throw Error(ErrorCode::kDataError, "treatment: " + std::to_string(r.events.size()) +
                                           " announcement days of " + info.event_series +
                                           " have a response of " + found->second.ticker +
                                           " (fewer than " + std::to_string(kMinEvents) + ")");
  }
  Vector x(static_cast<Eigen::Index>(r.events.size()));
  Vector y(x.size());
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    x(static_cast<Eigen::Index>(i)) = r.events[i].surprise;
    y(static_cast<Eigen::Index>(i)) = r.events[i].response;
  }
  r.fit = causal::event_study_regression(x, y, query.hac_lag, kMinEvents);
  r.explanation = narrative::event_study_paragraph({.treatment = r.treatment,
                                                    .outcome = r.outcome,
                                                    .window = r.window,
                                                    .change = r.change,
                                                    .scale = r.narrative_scale,
                                                    .scale_unit = r.narrative_unit,
                                                    .effect = r.fit.effect,
                                                    .ci_low = r.fit.ci_low,
                                                    .ci_high = r.fit.ci_high,
                                                    .p_value = r.fit.p_value_hc1,
                                                    .p_value_hac = r.fit.p_value_hac,
                                                    .events = static_cast<long>(r.fit.events),
                                                    .identified = r.identified,
                                                    .identification = r.identification});
  return r;
}

codec::ImpulseReport run_impulse_response(const store::Store& store, const EffectsSpec& spec,
                                          const ImpulseQuery& query) {
  causal::LocalProjectionOptions options;
  options.horizons = query.horizons.empty() ? spec.irf_horizons : query.horizons;
  options.lags = query.lags > 0 ? query.lags : spec.irf_lags;
  options.inference = causal::parse_lp_inference(query.se.empty() ? spec.irf_se : query.se);
  for (const int h : options.horizons) {
    if (h < 0 || h > 120)
      throw Error(ErrorCode::kInvalidArgument,
                  "horizons: must be in [0, 120] (got " + std::to_string(h) + ")");
  }
  if (options.lags < 1 || options.lags > 24) {
    throw Error(ErrorCode::kInvalidArgument,
                "lags: must be in [1, 24] (got " + std::to_string(options.lags) + ")");
  }
  const auto found = spec.outcomes.find(query.outcome);
  if (found == spec.outcomes.end()) {
    std::string known;
    for (const auto& [name, o] : spec.outcomes) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kInvalidArgument,
                "outcome: unknown '" + query.outcome + "' (known: " + known + ")");
  }
  EffectsSpec no_regimes = spec;
  no_regimes.regimes.clear();  // the projection's controls are its own lags and the spec's controls
  no_regimes.treatments = {query.treatment};
  const EffectsSource source = load_effects_source(store, no_regimes);
  const Panel& panel = source.panel;
  const auto names = panel.names();
  const auto column = [&](const std::string& name,
                          const std::string& what) -> const std::vector<double>& {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  what + ": '" + name + "' is not a column of the feature set");
    }
    return panel.column(name);
  };
  const auto built = source.built.find(query.treatment);
  const auto& t_col =
      built != source.built.end() ? built->second : column(query.treatment, "treatment");
  const auto& level = column(found->second.feature, "outcome");
  const auto n = static_cast<Eigen::Index>(panel.rows());
  Vector y(n);
  Vector shock(n);
  Matrix controls(n, static_cast<Eigen::Index>(spec.controls.size()));
  long nonzero = 0;
  for (Eigen::Index t = 0; t < n; ++t) {
    const auto u = static_cast<std::size_t>(t);
    y(t) = found->second.change ? level[u] : (level[u] > 0 ? std::log(level[u]) : std::nan(""));
    shock(t) = t_col[u];
    nonzero += std::isfinite(t_col[u]) && t_col[u] != 0.0;
  }
  for (std::size_t j = 0; j < spec.controls.size(); ++j) {
    const auto& c = column(spec.controls[j], "control");
    for (Eigen::Index t = 0; t < n; ++t)
      controls(t, static_cast<Eigen::Index>(j)) = c[static_cast<std::size_t>(t)];
  }
  if (nonzero < kMinEvents) {
    throw Error(ErrorCode::kDataError,
                "treatment: '" + query.treatment + "' has " + std::to_string(nonzero) +
                    " non-zero values (fewer than " + std::to_string(kMinEvents) + ")");
  }
  const TreatmentInfo info = treatment_info(query.treatment);
  codec::ImpulseReport r;
  r.treatment = query.treatment;
  r.outcome = query.outcome;
  r.change = found->second.change;
  r.identified = info.identified;
  r.identification = info.identification;
  r.narrative_scale = info.narrative_scale;
  r.narrative_unit = info.narrative_unit;
  r.feature_version = source.feature_version;
  r.controls = spec.controls;
  r.fit = causal::local_projection(y, shock, controls, options);
  narrative::ImpulseFacts facts{
      .treatment = r.treatment,
      .outcome = r.outcome,
      .change = r.change,
      .scale = r.narrative_scale,
      .scale_unit = r.narrative_unit,
      .inference = options.inference == causal::LpInference::kLagAugmentedHc1 ? "lag-augmented HC1"
                                                                              : "Newey-West",
      .points = {},
      .identified = r.identified,
      .identification = r.identification};
  for (const auto& p : r.fit.points)
    facts.points.push_back({p.horizon, p.effect, p.ci_low, p.ci_high});
  r.explanation = narrative::impulse_paragraph(facts);
  return r;
}

namespace {

StoredStudy store_study(store::Store& store, const store::ArtefactKind& kind,
                        store::ArtefactHeader header, const std::string& tag,
                        const std::string& auto_prefix,
                        const std::vector<store::ArtefactTable>& tables) {
  header.spec_hash = fnv1a_hex(header.spec_text);
  std::string bound = header.spec_hash;
  for (const auto& [name, value] : header.inputs) bound += name + "=" + value + ";";
  header.version = tag == "auto" ? auto_prefix + fnv1a_hex(bound).substr(0, 8) : tag;
  store::validate_version_tag(header.version);
  // `effects study TAG` reads either kind by its tag: one tag, one study.
  for (const auto* other : {&codec::event_study_kind(), &codec::impulse_kind()}) {
    if (other->name != kind.name && store.find_artefact(other->name, header.version)) {
      throw Error(
          ErrorCode::kInvalidArgument,
          "--store " + header.version + ": the tag is taken by " +
              (other == &codec::event_study_kind() ? "an event study" : "an impulse response") +
              " (see 'mre effects studies'); choose another tag or 'auto'");
    }
  }
  header.created_at = Timestamp::now();
  const auto outcome = store.write_artefact(kind, header, tables);
  return {header.version, outcome == store::ArtefactWriteOutcome::kWritten};
}

}  // namespace

StoredStudy store_event_study(store::Store& store, const EffectsSpec& spec,
                              const codec::EventStudyReport& r, const std::string& tag) {
  store::ArtefactHeader header;
  header.spec_name = spec.name;
  header.spec_text = spec.canonical_text + "study=event\ntreatment=" + r.treatment +
                     "\noutcome=" + r.outcome + "\nwindow=" + std::to_string(r.window) +
                     "\nhac_lag=" + std::to_string(r.fit.hac_lag) + "\n";
  std::string data;
  for (const auto& e : r.events) {
    data += e.date.iso() + ",";
    codec::append_number(data, e.surprise);
    data += ",";
    codec::append_number(data, e.response);
    data += ";";
  }
  header.inputs = {{"data", fnv1a_hex(data)}};
  return store_study(store, codec::event_study_kind(), header, tag,
                     "ES_" + r.treatment + "_" + r.outcome + "_w" + std::to_string(r.window) + "_",
                     codec::event_study_tables(r));
}

StoredStudy store_impulse_response(store::Store& store, const EffectsSpec& spec,
                                   const codec::ImpulseReport& r, const std::string& tag) {
  store::ArtefactHeader header;
  header.spec_name = spec.name;
  std::string horizons;
  for (const auto& p : r.fit.points) horizons += std::to_string(p.horizon) + ";";
  header.spec_text = spec.canonical_text + "study=impulse\ntreatment=" + r.treatment +
                     "\noutcome=" + r.outcome + "\nhorizons=" + horizons +
                     "\nlags=" + std::to_string(r.fit.lags) + "\ninference=" + r.fit.inference +
                     "\n";
  header.inputs = {{"feature_version", r.feature_version}};
  return store_study(store, codec::impulse_kind(), header, tag,
                     "IRF_" + r.treatment + "_" + r.outcome + "_", codec::impulse_tables(r));
}

codec::EventStudyReport read_event_study(const store::Store& store, const std::string& version) {
  const auto& kind = codec::event_study_kind().name;
  if (!store.find_artefact(kind, version)) {
    throw Error(ErrorCode::kNotFound,
                "event study '" + version + "' is not in the store ('mre effects studies')");
  }
  return codec::event_study_from_tables(store.read_artefact_table(kind, version, "summary"),
                                        store.read_artefact_table(kind, version, "events"));
}

codec::ImpulseReport read_impulse_response(const store::Store& store, const std::string& version) {
  const auto& kind = codec::impulse_kind().name;
  if (!store.find_artefact(kind, version)) {
    throw Error(ErrorCode::kNotFound,
                "impulse response '" + version + "' is not in the store ('mre effects studies')");
  }
  return codec::impulse_from_tables(store.read_artefact_table(kind, version, "summary"),
                                    store.read_artefact_table(kind, version, "points"));
}

std::vector<StudyListing> list_effect_studies(const store::Store& store) {
  std::vector<StudyListing> out;
  for (const auto& h : store.list_artefacts(codec::event_study_kind().name)) {
    const auto r = read_event_study(store, h.version);
    out.push_back({.version = h.version,
                   .kind = "event",
                   .treatment = r.treatment,
                   .outcome = r.outcome,
                   .identified = r.identified,
                   .spec_name = h.spec_name,
                   .inputs = h.inputs,
                   .created_at = h.created_at});
  }
  for (const auto& h : store.list_artefacts(codec::impulse_kind().name)) {
    const auto r = read_impulse_response(store, h.version);
    out.push_back({.version = h.version,
                   .kind = "irf",
                   .treatment = r.treatment,
                   .outcome = r.outcome,
                   .identified = r.identified,
                   .spec_name = h.spec_name,
                   .inputs = h.inputs,
                   .created_at = h.created_at});
  }
  return out;
}

std::string effect_study_json(const store::Store& store, const std::string& version) {
  return codec::study_text(effect_study_document(store, version));
}

nlohmann::ordered_json effect_study_document(const store::Store& store,
                                             const std::string& version) {
  if (store.find_artefact(codec::event_study_kind().name, version))
    return codec::event_study_document(read_event_study(store, version));
  return codec::impulse_document(read_impulse_response(store, version));  // NotFound names the tag
}

std::string effect_study_text(const store::Store& store, const std::string& version) {
  if (store.find_artefact(codec::event_study_kind().name, version))
    return read_event_study(store, version).explanation;
  return read_impulse_response(store, version).explanation;
}

RunStudies store_default_studies(store::Store& store, const EffectsSpec& spec,
                                 const std::string& treatment, const std::string& outcome) {
  RunStudies out;
  const auto event =
      run_event_study(store, spec, {.treatment = treatment, .outcome = outcome, .window = 0});
  out.event = store_event_study(store, spec, event, "auto");
  const auto impulse =
      run_impulse_response(store, spec, {.treatment = treatment, .outcome = outcome});
  out.impulse = store_impulse_response(store, spec, impulse, "auto");
  return out;
}

}  // namespace mre::workflows
