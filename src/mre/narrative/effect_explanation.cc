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
  const char* months = f.horizon_months == 1 ? "" : "s";
  if (f.dml) {
    out << "A " << fixed(f.magnitude, 2) << " unit " << f.treatment << " changes " << f.outcome << " over the next "
        << f.horizon_months << " month" << months << " by " << fixed(f.effect, 4) << " (95% CI " << fixed(f.ci_low, 4)
        << " to " << fixed(f.ci_high, 4) << ", p = " << fixed(f.p_value, 3) << ")";
  } else {
    out << "Months with a positive " << f.treatment << " see " << f.outcome << " change by " << fixed(f.effect, 4)
        << " on average over the next " << f.horizon_months << " month" << months << " (95% CI " << fixed(f.ci_low, 4)
        << " to " << fixed(f.ci_high, 4) << ")";
  }
  out << (f.p_value < 0.05 ? "; the effect is distinguishable from zero" : "; the data cannot distinguish it from zero");
  if (f.strongest_regime) {
    out << ". By regime it is strongest in " << *f.strongest_regime << " (" << fixed(f.strongest_effect, 4) << ")"
        << (f.regime_wald_p_value < 0.05 ? ", and the regime effects differ (Wald p = "
                                         : ", though the regime effects are not distinguishable (Wald p = ")
        << fixed(f.regime_wald_p_value, 3) << ")";
  }
  out << ". Estimated on " << f.observations << " months.";
  if (!f.narrative_unit.empty()) {
    out << " Per " << f.narrative_unit << " " << f.treatment << ": " << fixed(f.unit_effect, 4) << " (95% CI "
        << fixed(f.unit_ci_low, 4) << " to " << fixed(f.unit_ci_high, 4) << ").";
  }
  out << (f.identified ? " Identification: " : " Caution, ") << f.identification << ".";
  if (f.dml) {
    out << " Nuisances: " << f.outcome_learner << " for the outcome (out-of-fold R^2 " << fixed(f.r2_outcome, 3) << "), "
        << f.treatment_learner << " for the treatment (" << fixed(f.r2_treatment, 3) << ").";
    for (const auto& w : f.warnings) out << " Warning: " << w << ".";
  }
  for (const auto& n : f.notes) out << " Note: " << n << ".";
  if (f.fragile) out << (*f.fragile ? " Fragile: " : " Robust: ") << f.robustness_reason << ".";
  return out.str();
}

}  // namespace mre::narrative
