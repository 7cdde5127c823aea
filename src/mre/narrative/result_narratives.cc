// See result_narratives.h.
#include "mre/narrative/result_narratives.h"

#include <cmath>
#include <cstdio>

namespace mre::narrative {
namespace {

// Up to `digits` significant digits, no exponent for ordinary magnitudes ("-0.023", "1.4").
std::string num(double v, int digits = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string p_text(double p) { return p < 0.001 ? "p < 0.001" : "p = " + num(p, 2); }

}  // namespace

std::string effect_paragraph(const EffectFacts& f) {
  std::string out = "A " + num(f.magnitude) + " unit " + f.treatment + " moves " + f.outcome +
                    " by " + num(f.effect) + " over " + std::to_string(f.horizon_months) +
                    (f.horizon_months == 1 ? " month" : " months") + " (95% CI " + num(f.ci_low) +
                    " to " + num(f.ci_high) + ", " + p_text(f.p_value) + "): ";
  const bool significant = f.ci_low > 0 || f.ci_high < 0;
  out += significant ? "distinguishable from zero." : "not distinguishable from zero.";
  if (!f.regimes.empty()) {
    out += " By regime:";
    for (std::size_t i = 0; i < f.regimes.size(); ++i) {
      const auto& r = f.regimes[i];
      out += (i ? "; " : " ") + r.regime + " " + num(r.effect) + " (CI " + num(r.ci_low) + " to " +
             num(r.ci_high) + ")";
    }
    out += ".";
  }
  if (!f.placebos.empty()) {
    bool clean = true;
    for (const auto& p : f.placebos) clean &= p.p_value >= 0.05;
    out += clean ? " The placebo checks find nothing ("
                 : " A placebo check finds an effect where there should be none (";
    for (std::size_t i = 0; i < f.placebos.size(); ++i) {
      out += (i ? ", " : "") + f.placebos[i].kind + " " + num(f.placebos[i].effect) + ", " +
             p_text(f.placebos[i].p_value);
    }
    if (clean) {
      out += ").";
    } else {
      // What each failing check says (docs/effects.md, "Reading an answer").
      for (const auto& p : f.placebos) {
        if (p.p_value >= 0.05) continue;
        if (p.kind == "permuted_treatment")
          out += "; the permuted treatment's effect says the interval may be too narrow";
        if (p.kind == "pre_treatment_outcome")
          out +=
              "; the outcome's months before the treatment predict it, so the treatment "
              "reacts to the outcome and is not as good as random";
      }
      out += "): treat the estimate with care.";
    }
  }
  return out;
}

std::string scenario_paragraph(const ScenarioFacts& f) {
  const bool percent = f.unit == "percent";
  const auto amount = [&](double v) { return num(std::abs(v)) + (percent ? "%" : " points"); };
  const auto signed_amount = [&](double v) { return num(v) + (percent ? "%" : " points"); };
  std::string direction = f.median > 0   ? amount(f.median) + " higher"
                          : f.median < 0 ? amount(f.median) + " lower"
                                         : "unchanged";
  return "Under do(" + f.intervention + "), " + f.node + " ends " + std::to_string(f.horizon_days) +
         " business days later " + direction + " than without it (median over " +
         std::to_string(f.paths) + " paths of " + f.shocks + " shocks; 5-95% range " +
         signed_amount(f.q05) + " to " + signed_amount(f.q95) + ").";
}

}  // namespace mre::narrative
