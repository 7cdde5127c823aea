// The one-paragraph explanation of an effect estimate (the "explanation" of `mre effects
// estimate --format json` and POST /api/causal-analysis; `--format text` prints it alone).
// Every number is a field of the facts, already scaled by the workflow; here only rounding and
// words.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mre::narrative {

struct EffectExplanationFacts {
  bool dml = true;  // false: the X-learner on a binarised treatment
  std::string treatment{};
  std::string outcome{};
  int horizon_months = 1;
  double magnitude = 1.0;
  double effect = 0.0;  // per `magnitude` units (dml) or the average effect of a positive treatment
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;
  // dml with regimes: the regime with the largest absolute effect, its effect per `magnitude`,
  // and the Wald p-value of equal regime effects.
  std::optional<std::string> strongest_regime{};
  double strongest_effect = 0.0;
  double regime_wald_p_value = 1.0;
  long long observations = 0;
  // The effect per the treatment's narrative unit ("25 bp"), when it has one (dml only).
  std::string narrative_unit{};
  double unit_effect = 0.0;
  double unit_ci_low = 0.0;
  double unit_ci_high = 0.0;
  bool identified = false;
  std::string identification{};
  // dml: the nuisance learners and their out-of-fold R^2, and the selection's warnings.
  std::string outcome_learner{};
  double r2_outcome = 0.0;
  std::string treatment_learner{};
  double r2_treatment = 0.0;
  std::vector<std::string> warnings{};
  std::vector<std::string> notes{};
  std::optional<bool> fragile{};  // with a robustness judgement
  std::string robustness_reason{};
};
// E.g. "A 1.00 unit mp_surprise changes sp500 over the next 1 month by -0.0123 (95% CI ...,
// p = 0.041); the effect is distinguishable from zero. ... Robust: ...".
std::string explain_effect(const EffectExplanationFacts& facts);

}  // namespace mre::narrative
