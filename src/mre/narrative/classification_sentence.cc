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
  std::string out = "On " + f.timestamp + " the global macro regime is " + f.global.label + " (confidence " +
                    fixed(f.global.probability, 2);
  if (f.global.probability < kAmbiguousBelow) out += ", an ambiguous state";
  out += "; runner-up " + f.runner_up.label + " at " + fixed(f.runner_up.probability, 2);
  if (f.runner_up.probability >= kTransitionAtLeast) out += ", a possible transition";
  out += "), volatility is " + f.volatility_regime + " (VIX " + fixed(f.vix, 1) + ")";
  if (f.muni) {
    out += ", and the municipal market is " + f.muni->label + " (confidence " + fixed(f.muni->probability, 2);
    if (f.muni->probability < kAmbiguousBelow) out += ", ambiguous";
    out += ")";
  }
  out += ".";
  return out;
}

}  // namespace mre::narrative
