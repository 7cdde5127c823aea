// See effect_explanation.h.
#include "mre/narrative/effect_explanation.h"

#include <cstdio>
#include <sstream>

namespace mre::narrative {
namespace {

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

}  // namespace

std::string explain_effect(const EffectExplanationFacts& f) {
  std::ostringstream out;
  const auto& e = f.effect;
  if (f.dml) {
    out << effect_paragraph(e);
    if (f.regime_wald_p_value) {
      out << (*f.regime_wald_p_value < 0.05
                  ? " The regime effects differ (Wald p = "
                  : " The regime effects are not distinguishable (Wald p = ")
          << fixed(*f.regime_wald_p_value, 3) << ").";
    }
  } else {
    out << "Months with a positive " << e.treatment << " see " << e.outcome << " change by "
        << fixed(e.effect, 4) << " on average over the next " << e.horizon_months << " month"
        << (e.horizon_months == 1 ? "" : "s") << " (95% CI " << fixed(e.ci_low, 4) << " to "
        << fixed(e.ci_high, 4) << ")"
        << (e.ci_low > 0 || e.ci_high < 0 ? "; the effect is distinguishable from zero."
                                          : "; the data cannot distinguish it from zero.");
  }
  out << " Estimated on " << f.observations << " months.";
  if (!f.narrative_unit.empty()) {
    out << " Per " << f.narrative_unit << " " << e.treatment << ": " << fixed(f.unit_effect, 4)
        << " (95% CI " << fixed(f.unit_ci_low, 4) << " to " << fixed(f.unit_ci_high, 4) << ").";
  }
  out << (f.identified ? " Identification: " : " Caution, ") << f.identification << ".";
  if (f.dml) {
    out << " Nuisances: " << f.outcome_learner << " for the outcome (out-of-fold R^2 "
        << fixed(f.r2_outcome, 3) << "), " << f.treatment_learner << " for the treatment ("
        << fixed(f.r2_treatment, 3) << ").";
    for (const auto& w : f.warnings) out << " Warning: " << w << ".";
  }
  for (const auto& n : f.notes) out << " Note: " << n << ".";
  if (f.fragile) out << (*f.fragile ? " Fragile: " : " Robust: ") << f.robustness_reason << ".";
  return out.str();
}

}  // namespace mre::narrative
