// Plain-language paragraphs for an effect estimate and a scenario (issue 9). Deterministic
// text from the struct it describes: every number printed is a field of that struct (rounded
// for reading), none is computed here beyond rounding and the sign words. The regime sentence
// is classification_sentence.h's.
#pragma once

#include <string>
#include <vector>

namespace mre::narrative {

struct RegimeContrast {
  std::string regime{};
  double effect = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;
};

struct PlaceboFacts {
  std::string kind{};  // e.g. permuted_treatment, future_treatment
  double effect = 0.0;
  double p_value = 1.0;
};

struct EffectFacts {
  std::string treatment{};  // fed_shock, cpi_surprise, ...
  std::string outcome{};    // sp500, tlt, ...
  int horizon_months = 1;
  double magnitude = 1.0;
  double effect = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;
  std::vector<RegimeContrast> regimes{};
  std::vector<PlaceboFacts> placebos{};
};
// E.g. "A 1 unit fed_shock moves sp500 by -0.023 over 3 months (95% CI -0.035 to -0.011,
// p = 0.001): distinguishable from zero. By regime: ... The placebo checks ..."
std::string effect_paragraph(const EffectFacts& facts);

struct ScenarioFacts {
  std::string intervention{};  // "TP=+0.25"
  std::string node{};          // the node described, usually STOCK
  std::string unit{};          // percent | points
  int horizon_days = 0;
  int paths = 0;
  std::string shocks{};
  double median = 0.0;
  double q05 = 0.0;
  double q95 = 0.0;
};
// E.g. "Under do(TP=+0.25), STOCK ends 250 business days later 0.26% higher than without it
// (median over 10000 paths of student-t shocks; 5-95% range 0.26% to 0.26%)."
std::string scenario_paragraph(const ScenarioFacts& facts);

}  // namespace mre::narrative
