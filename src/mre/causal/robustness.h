// Whether an estimate survives being re-done other ways (issue 17, point 6): the checks (the
// estimate itself, other learners, the local projection) judged together. Pure.
#pragma once

#include <limits>
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
};

struct Robustness {
  std::vector<RobustnessCheck> checks{};  // the estimate itself first
  // Signs disagree, or significant at 5% under some checks and not others.
  bool fragile = false;
  std::string reason{};  // one sentence: what disagrees, or that all agree
};

// Judges checks (those with an error or a non-finite effect or p-value are left out): fragile
// when the signs differ or the 5% significance differs among the rest.
Robustness judge_robustness(std::vector<RobustnessCheck> checks);

}  // namespace mre::causal
