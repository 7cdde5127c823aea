// See classification_sentence.h.
#include "mre/narrative/classification_sentence.h"

#include <cstdio>

namespace mre::narrative {
namespace {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

std::string classification_sentence(const ClassificationFacts& f) {
  std::string out = "On " + f.timestamp + " the global macro regime is " + f.global.label +
                    " (confidence " + fixed(f.global.probability, 2);
  const bool ambiguous = f.global.probability < kAmbiguousBelow;
  const bool transition = f.runner_up.probability >= kTransitionAtLeast;
  if (ambiguous) out += ", an ambiguous state";
  // The runner-up only when it matters (MR-FR-03: below 0.5 confidence; MR-AI-03: a possible
  // transition); a confident state is said without it.
  if (ambiguous || transition)
    out += "; runner-up " + f.runner_up.label + " at " + fixed(f.runner_up.probability, 2);
  if (transition) out += ", a possible transition";
  out += "), volatility is " + f.volatility_regime + " (VIX " + fixed(f.vix, 1) + ")";
  if (f.muni) {
    out += ", and the municipal market is " + f.muni->label + " (confidence " +
           fixed(f.muni->probability, 2);
    if (f.muni->probability < kAmbiguousBelow) out += ", ambiguous";
    out += ")";
  }
  out += ".";
  return out;
}

}  // namespace mre::narrative
