// Effect stability from the effects grid's estimates, stored beside the effects version.
#include "mre/workflows/effect_stability.h"

#include "mre/core/error.h"

namespace mre::workflows {

causal::StabilityConfig effect_stability_config(const EffectEstimate& estimate) {
  causal::StabilityConfig config;
  config.window = 120;
  config.step = 12;
  config.recent = 60;
  config.se = estimate.dml.se_type.empty() ? causal::StandardError::kHac
                                           : causal::parse_standard_error(estimate.dml.se_type);
  // The sup-Wald break test's critical values (Andrews 1993) are for a consistent covariance: an
  // EWC estimate's stability is read with Newey-West at the same minimum bandwidth.
  if (causal::is_ewc(config.se)) config.se = causal::StandardError::kHac;
  config.hac_lag = std::max(estimate.dml.hac_lag, 0);
  return config;
}

std::optional<std::string> collect_stability(std::vector<codec::StabilityCell>& cells,
                                             const EffectEstimate& estimate) {
  const auto& y = estimate.dml.y_residual;
  const auto& t = estimate.dml.t_residual;
  const auto& dates = estimate.panel.dates;
  if (estimate.method != "dml" || y.size() == 0) return "no DML residuals";
  if (static_cast<std::size_t>(y.size()) != dates.size() || t.size() != y.size()) {
    return "residuals and panel dates differ in length";
  }
  causal::StabilityResult r;
  try {
    r = causal::effect_stability(y, t, effect_stability_config(estimate));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kDataError) throw;
    return e.what();
  }
  const auto window = [&](const causal::WindowEstimate& w) {
    return codec::StabilityWindow{dates[static_cast<std::size_t>(w.begin)],
                                  dates[static_cast<std::size_t>(w.end - 1)],
                                  w.effect,
                                  w.se,
                                  w.ci_low,
                                  w.ci_high};
  };
  codec::StabilityCell cell;
  cell.treatment = estimate.treatment;
  cell.outcome = estimate.outcome;
  cell.horizon = estimate.horizon;
  cell.observations = y.size();
  cell.full = window(r.full);
  cell.recent = window(r.recent);
  cell.recent_excludes_full = r.recent_excludes_full;
  cell.sup_wald = r.break_test.statistic;
  cell.sup_wald_peak = dates[static_cast<std::size_t>(r.break_test.peak_row)];
  cell.break_date = dates[static_cast<std::size_t>(r.break_test.break_row)];
  cell.search_from = dates[static_cast<std::size_t>(r.break_test.first_row)];
  cell.search_to = dates[static_cast<std::size_t>(r.break_test.last_row)];
  cell.critical_10 = causal::kSupWald10;
  cell.critical_5 = causal::kSupWald5;
  cell.critical_1 = causal::kSupWald1;
  cell.hac_lag = r.hac_lag;
  for (const auto& w : r.rolling) cell.rolling.push_back(window(w));
  cells.push_back(std::move(cell));
  return std::nullopt;
}

void write_effect_stability(store::Store& store, const std::string& effects_version,
                            const std::vector<codec::StabilityCell>& cells) {
  if (cells.empty()) return;
  store::ArtefactHeader header;
  header.version = effects_version;
  header.spec_name = "effect_stability";
  header.spec_text = "window: 120\nstep: 12\nrecent: 60\ntrim: 0.15\ntest: sup-wald\n";
  header.spec_hash = "stability-120-12-60-015";
  header.inputs = {{"effects_version", effects_version}};
  header.created_at = Timestamp::now();
  store.write_artefact(codec::effect_stability_kind(), header,
                       codec::effect_stability_tables(cells));
}

std::optional<std::vector<codec::StabilityCell>> read_effect_stability(
    const store::Store& store, const std::string& effects_version) {
  if (!store.find_artefact(codec::effect_stability_kind().name, effects_version))
    return std::nullopt;
  const auto cells =
      store.read_artefact_table(codec::effect_stability_kind().name, effects_version, "cells");
  const auto windows =
      store.read_artefact_table(codec::effect_stability_kind().name, effects_version, "windows");
  return codec::effect_stability_from(cells, windows);
}

}  // namespace mre::workflows
