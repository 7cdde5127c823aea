// See robustness.h.
#include "mre/causal/robustness.h"

#include <cmath>

namespace mre::causal {

Robustness judge_robustness(std::vector<RobustnessCheck> checks) {
  Robustness out;
  out.checks = std::move(checks);
  std::vector<std::string> positive, negative, significant, not_significant, below;
  for (const auto& c : out.checks) {
    if (!c.error.empty() || !std::isfinite(c.effect) || !std::isfinite(c.p_value)) continue;
    if (c.below_baseline.value_or(false)) below.push_back(c.method);
    (c.effect >= 0 ? positive : negative).push_back(c.method);
    (c.p_value < 0.05 ? significant : not_significant).push_back(c.method);
  }
  const auto list = [](const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
    return text;
  };
  const bool signs = !positive.empty() && !negative.empty();
  const bool significance = !significant.empty() && !not_significant.empty();
  out.fragile = signs || significance;
  if (positive.empty() && negative.empty()) {
    out.reason = "no check could be computed";
  } else if (!out.fragile) {
    out.reason = "the same sign and " +
                 std::string(significant.empty() ? "no significance" : "significance at 5%") +
                 " under every check (" + list(positive.empty() ? negative : positive) + ")";
  } else {
    if (signs)
      out.reason = "the sign differs: positive under " + list(positive) + ", negative under " +
                   list(negative);
    if (significance) {
      out.reason += (signs ? "; " : "") + std::string("significant at 5% under ") +
                    list(significant) + " but not under " + list(not_significant);
    }
  }
  if (!below.empty()) {
    out.reason +=
        "; the nuisances of " + list(below) + " predict worse than a constant out of fold";
  }
  return out;
}

}  // namespace mre::causal
