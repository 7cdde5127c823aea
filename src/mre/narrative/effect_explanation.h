// The one narrative of an effect estimate: the "explanation" of `mre effects estimate --format
// json` (`--format text` prints it alone) and of POST /api/causal-analysis, whose "narrative" is
// this text with the query's note before it and the event study after it. For DML it opens with
// result_narratives.h's effect_paragraph (effect, interval, regimes, placebos). Every number is
// a field of the facts, already scaled by the workflow; here only rounding and words.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/narrative/result_narratives.h"

namespace mre::narrative {

struct EffectExplanationFacts {
  bool dml = true;  // false: the X-learner on a binarised treatment
  // dml: effect_paragraph's facts (per `magnitude` units, regimes and placebos included).
  // X-learner: the average effect of a positive treatment, its interval and p-value stand-in.
  EffectFacts effect{};
  // dml with regimes: the Wald p-value of equal regime effects.
  std::optional<double> regime_wald_p_value{};
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
// E.g. "A 1 unit mp_surprise moves sp500 by -0.0123 over 1 month (95% CI ..., p = 0.041):
// distinguishable from zero. ... Estimated on 420 months. ... Robust: ...".
std::string explain_effect(const EffectExplanationFacts& facts);

}  // namespace mre::narrative
