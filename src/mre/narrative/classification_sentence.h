// Plain-language sentences built from numbers (MR-FR-03: the regime labels are part of the
// narrative the user reads). No statistics here: the caller passes what was computed.
#pragma once

#include <optional>
#include <string>

namespace mre::narrative {

struct LabelledProbability {
  std::string label{};
  double probability = 0.0;
};

struct ClassificationFacts {
  std::string timestamp{};
  LabelledProbability global{};     // the global macro regime and its confidence
  LabelledProbability runner_up{};  // the second most likely global regime
  std::string volatility_regime{};  // Low | Medium | High (MR-BR-07)
  double vix = 0.0;
  std::optional<LabelledProbability> muni{};  // the MUNI context, for MUNI instruments
};

// Below this confidence the state is called ambiguous (MR-AI-02: "below 0.5").
inline constexpr double kAmbiguousBelow = 0.5;
// A runner-up at least this likely is named as a possible transition (MR-AI-03).
inline constexpr double kTransitionAtLeast = 0.2;

// One sentence; the runner-up is named only when the state is ambiguous or the runner-up a
// possible transition. E.g. "On 2026-08-21 the global macro regime is Bull_Steepener (confidence
// 0.82; runner-up Bear_Steepener at 0.12), volatility is Low (VIX 15.3), and the municipal market
// is Muni_Neutral (confidence 0.77)."
std::string classification_sentence(const ClassificationFacts& facts);

}  // namespace mre::narrative
