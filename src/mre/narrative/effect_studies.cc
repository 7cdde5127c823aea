// See effect_studies.h.
#include "mre/narrative/effect_studies.h"

#include <cmath>
#include <cstdio>

namespace mre::narrative {
namespace {

std::string number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// A return as percent, a level change as points.
std::string amount(double v, bool change) {
  return change ? number(v, 3) + " points" : number(100.0 * v, 2) + "%";
}

std::string unit(double scale, const std::string& scale_unit) {
  return scale_unit.empty() ? (scale == 1.0 ? std::string("1 unit") : number(scale, 2) + " units")
                            : scale_unit;
}

}  // namespace

std::string event_study_paragraph(const EventStudyFacts& f) {
  std::string out = "On FOMC announcement days, a " + unit(f.scale, f.scale_unit) + " " +
                    f.treatment + " moves " + f.outcome + " by " +
                    amount(f.effect * f.scale, f.change) + " (95% CI " +
                    amount(f.ci_low * f.scale, f.change) + " to " +
                    amount(f.ci_high * f.scale, f.change) + ", HC1 p = " + number(f.p_value, 3) +
                    ", HAC p = " + number(f.p_value_hac, 3) + ") over the announcement day" +
                    (f.window > 0 ? " and the " + std::to_string(f.window) + " trading day" +
                                        (f.window == 1 ? "" : "s") + " after"
                                  : "") +
                    ", from " + std::to_string(f.events) + " announcements.";
  out += f.p_value < 0.05 ? " The response is distinguishable from zero."
                          : " The data cannot distinguish it from zero.";
  out += (f.identified ? " Identification: " : " Caution, ") + f.identification + ".";
  return out;
}

std::string impulse_paragraph(const ImpulseFacts& f) {
  std::string out = "Local projection of " + f.outcome + " on a " + unit(f.scale, f.scale_unit) +
                    " " + f.treatment + " (" + f.inference + " errors):";
  const ImpulsePoint* peak = nullptr;
  for (const auto& p : f.points) {
    if (!peak || std::abs(p.effect) > std::abs(peak->effect)) peak = &p;
  }
  for (const auto& p : f.points) {
    if (p.horizon == 0 || &p == peak || &p == &f.points.back()) {
      out += " " + std::to_string(p.horizon) + " month" + (p.horizon == 1 ? "" : "s") + ": " +
             amount(p.effect * f.scale, f.change) + " (" + amount(p.ci_low * f.scale, f.change) +
             " to " + amount(p.ci_high * f.scale, f.change) + ");";
    }
  }
  int excluding_zero = 0;
  for (const auto& p : f.points) excluding_zero += p.ci_low > 0 || p.ci_high < 0;
  out += " the 95% band excludes zero at " + std::to_string(excluding_zero) + " of " +
         std::to_string(f.points.size()) +
         " horizons (pointwise, not adjusted for the number of horizons).";
  out += (f.identified ? " Identification: " : " Caution, ") + f.identification + ".";
  return out;
}

}  // namespace mre::narrative
