// See effect_studies_json.h.
#include "mre/codec/effect_studies_json.h"

#include <cmath>

#include "mre/codec/classifier_json.h"

namespace mre::codec {
namespace {

void number(std::string& out, double v) {
  if (std::isfinite(v)) {
    append_number(out, v);
  } else {
    out += "null";
  }
}

void key(std::string& out, const char* name) {
  out += ", \"";
  out += name;
  out += "\": ";
}

}  // namespace

std::string event_study_to_json(const EventStudyReport& r) {
  std::string out = "{\"event_study\": {\"treatment\": ";
  append_json_string(out, r.treatment);
  key(out, "identified");
  out += r.identified ? "true" : "false";
  key(out, "identification");
  append_json_string(out, r.identification);
  key(out, "outcome");
  append_json_string(out, r.outcome);
  key(out, "event_series");
  append_json_string(out, r.event_series);
  key(out, "outcome_ticker");
  append_json_string(out, r.outcome_ticker);
  key(out, "window_days");
  out += std::to_string(r.window);
  key(out, "response");
  append_json_string(out, r.change ? "level change from the close before the announcement day"
                                   : "return from the close before the announcement day (fraction)");
  key(out, "effect");
  number(out, r.fit.effect);
  key(out, "intercept");
  number(out, r.fit.intercept);
  key(out, "se_hc1");
  number(out, r.fit.se_hc1);
  key(out, "se_hac");
  number(out, r.fit.se_hac);
  key(out, "hac_lag");
  out += std::to_string(r.fit.hac_lag);
  key(out, "confidence_interval");
  out += "[";
  number(out, r.fit.ci_low);
  out += ", ";
  number(out, r.fit.ci_high);
  out += "]";
  key(out, "p_value_hc1");
  number(out, r.fit.p_value_hc1);
  key(out, "p_value_hac");
  number(out, r.fit.p_value_hac);
  key(out, "r2");
  number(out, r.fit.r2);
  key(out, "events");
  out += std::to_string(r.fit.events);
  key(out, "announcement_days");
  out += std::to_string(r.announcements);
  key(out, "announcement_days_without_response");
  out += std::to_string(r.without_response);
  key(out, "per_unit");
  append_json_string(out, r.narrative_unit.empty() ? "1 unit" : r.narrative_unit);
  key(out, "effect_per_unit");
  number(out, r.fit.effect * r.narrative_scale);
  key(out, "confidence_interval_per_unit");
  out += "[";
  number(out, r.fit.ci_low * r.narrative_scale);
  out += ", ";
  number(out, r.fit.ci_high * r.narrative_scale);
  out += "]";
  key(out, "scatter");
  out += "[";
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (i) out += ", ";
    out += "[\"" + r.events[i].date.iso() + "\", ";
    number(out, r.events[i].surprise);
    out += ", ";
    number(out, r.events[i].response);
    out += "]";
  }
  out += "]}, \"explanation\": ";
  append_json_string(out, r.explanation);
  out += ", \"methodology\": ";
  append_json_string(out, "Event study: OLS of the outcome's response over the announcement day (close-to-close; "
                          "plus `window` trading days) on the surprise, with an intercept; HC1 and Newey-West (Bartlett, "
                          "over the event index) standard errors. Two announcements on one day are summed.");
  return out + "}";
}

std::string impulse_to_json(const ImpulseReport& r) {
  std::string out = "{\"impulse_response\": {\"treatment\": ";
  append_json_string(out, r.treatment);
  key(out, "identified");
  out += r.identified ? "true" : "false";
  key(out, "identification");
  append_json_string(out, r.identification);
  key(out, "outcome");
  append_json_string(out, r.outcome);
  key(out, "response");
  append_json_string(out, r.change ? "level change from the month before the shock to month h"
                                   : "log change (about a return) from the month before the shock to month h");
  key(out, "inference");
  append_json_string(out, r.fit.inference);
  key(out, "lags");
  out += std::to_string(r.fit.lags);
  key(out, "per_unit");
  append_json_string(out, r.narrative_unit.empty() ? "1 unit" : r.narrative_unit);
  key(out, "feature_version");
  append_json_string(out, r.feature_version);
  key(out, "controls");
  out += "[";
  for (std::size_t i = 0; i < r.controls.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, r.controls[i]);
  }
  out += "]";
  key(out, "horizons");
  out += "[";
  for (std::size_t i = 0; i < r.fit.points.size(); ++i) {
    const auto& p = r.fit.points[i];
    if (i) out += ", ";
    out += "{\"horizon_months\": " + std::to_string(p.horizon) + ", \"effect\": ";
    number(out, p.effect);
    out += ", \"se\": ";
    number(out, p.se);
    out += ", \"confidence_interval\": [";
    number(out, p.ci_low);
    out += ", ";
    number(out, p.ci_high);
    out += "], \"p_value\": ";
    number(out, p.p_value);
    out += ", \"observations\": " + std::to_string(p.observations);
    if (p.hac_lag > 0) out += ", \"hac_lag\": " + std::to_string(p.hac_lag);
    out += ", \"dropped_redundant_regressors\": " + std::to_string(p.dropped_columns);
    out += ", \"effect_per_unit\": ";
    number(out, p.effect * r.narrative_scale);
    out += "}";
  }
  out += "]}, \"explanation\": ";
  append_json_string(out, r.explanation);
  out += ", \"methodology\": ";
  append_json_string(out, r.fit.inference == "lag_augmented_hc1"
                              ? "Local projections (Jorda 2005): one OLS per horizon of the outcome's change from the "
                                "month before the shock on the shock, with lags of the shock, the outcome's monthly "
                                "change and the controls; lag-augmented (Montiel Olea and Plagborg-Moller 2021), so "
                                "HC1 errors are valid"
                              : "Local projections (Jorda 2005) with Newey-West errors, bandwidth max(h + 1, "
                                "floor(4 (n/100)^(2/9)))");
  return out + "}";
}

}  // namespace mre::codec
