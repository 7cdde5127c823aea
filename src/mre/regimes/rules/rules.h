// Rule-based regimes (V0_RULES, seed 000): each regime is a signature of cross-asset moves
// (equities up, credit spreads down, ...); each condition scores 0.5 (1 + tanh(sign (x - c) /
// scale)) in (0, 1) -- 0.5 at the threshold, near 1 when the move is strongly in the signature's
// direction -- and a regime's score is the mean over its conditions with a present value.
#pragma once

#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::regimes::rules {

struct Condition {
  std::string feature{};
  double sign = 1.0;       // +1: the feature rises in this regime; -1: it falls
  double threshold = 0.0;  // the neutral level
  double scale = 1.0;      // how far from the threshold counts as a strong move (> 0)
};

struct Rule {
  std::string regime{};
  std::vector<Condition> conditions{};
};

struct RulesResult {
  Matrix scores;  // T x R: each regime's score in [0, 1], NaN when none of its features is present
};

// `data` T x D holds the features named by `columns`. InvalidArgument for an unknown feature or
// a scale <= 0, naming the regime and feature.
RulesResult score(const std::vector<Rule>& rules, const std::vector<std::string>& columns,
                  const Matrix& data);

}  // namespace mre::regimes::rules
