// Whether an estimate survives being re-done other ways (issue 17, point 6): the checks (the
// estimate itself, other learners, the local projection) judged together. Pure.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mre::causal {

// An estimate re-done another way: a single learner for both nuisances ("dml:ols") or the local
// projection at the same horizon ("local_projection").
struct RobustnessCheck {
  std::string method{};
  double effect = std::numeric_limits<double>::quiet_NaN();  // per unit of the treatment
  double p_value = std::numeric_limits<double>::quiet_NaN();
  std::string error{};  // why it could not be computed (then effect and p are NaN)
  // A learner check's nuisances, scored out of fold on the estimate's folds (NaN otherwise), and
  // whether either predicts worse than the constant baseline's: the selection would not use such
  // a nuisance. The check still counts in the verdict (a caution is not withdrawn because a
  // learner fits badly); the reason names it so a reader knows which disagreement that is.
  double r2_outcome = std::numeric_limits<double>::quiet_NaN();
  double r2_treatment = std::numeric_limits<double>::quiet_NaN();
  std::optional<bool> below_baseline{};  // unknown when the constant was not a candidate
};

struct Robustness {
  std::vector<RobustnessCheck> checks{};  // the estimate itself first
  // Signs disagree, or significant at 5% under some checks and not others.
  bool fragile = false;
  std::string reason{};  // one sentence: what disagrees, or that all agree
};

// Judges checks (those with an error or a non-finite effect or p-value are left out): fragile
// when the signs differ or the 5% significance differs among the rest. The reason ends by naming
// the checks whose nuisances are below the baseline, when any is.
Robustness judge_robustness(std::vector<RobustnessCheck> checks);

}  // namespace mre::causal
