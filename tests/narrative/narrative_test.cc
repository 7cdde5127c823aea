// The narratives against golden files (tests/narrative/golden/), and the rule that every number
// in a text is a field of the struct it describes (rounded for reading).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "mre/narrative/classification_sentence.h"
#include "mre/narrative/result_narratives.h"
#include "support/test_support.h"

namespace mre::narrative {
namespace {

std::string golden(const std::string& name) {
  std::ifstream in(mre::testing::source_dir() / "tests/narrative/golden" / name);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string fmt(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// Every number in `text` is one of `values` printed with 2 or 3 significant digits (or its
// magnitude), or an integer of `integers`.
void expect_numbers_from(const std::string& text, const std::vector<double>& values,
                         const std::vector<long>& integers) {
  std::set<std::string> allowed;
  for (const double v : values) {
    for (const int d : {2, 3}) {
      allowed.insert(fmt(v, d));
      allowed.insert(fmt(std::abs(v), d));
    }
  }
  for (const long i : integers) allowed.insert(std::to_string(i));
  // Numbers are tokens that start a word (not "sp500", "S0"), with an optional sign after a
  // space or parenthesis (not the dash of "5-95%").
  const std::regex number(R"((^|[ (])(-?\d+(\.\d+)?))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
       it != std::sregex_iterator(); ++it) {
    const std::string token = (*it)[2].str();
    if (token == "95" || token == "5" || token == "0.001")
      continue;  // "95% CI", "5-95%", "p < 0.001"
    EXPECT_TRUE(allowed.count(token) || allowed.count(token.substr(token[0] == '-' ? 1 : 0)))
        << "'" << token << "' in: " << text;
  }
}

TEST(Narrative, RegimeSentenceMatchesItsGoldenFile) {
  const ClassificationFacts f{.timestamp = "2026-08-21",
                              .global = {"Bear_Flattener", 0.4471},
                              .runner_up = {"Bull_Flattener", 0.3129},
                              .volatility_regime = "Medium",
                              .vix = 18.26,
                              .muni = LabelledProbability{"Muni_Neutral", 0.7712}};
  const auto text = classification_sentence(f);
  EXPECT_EQ(text, golden("regime.txt"));
}

TEST(Narrative, EffectParagraphMatchesItsGoldenFileAndUsesOnlyItsNumbers) {
  const EffectFacts f{
      .treatment = "fed_shock",
      .outcome = "sp500",
      .horizon_months = 3,
      .magnitude = 1.0,
      .effect = -0.0231,
      .ci_low = -0.0352,
      .ci_high = -0.0108,
      .p_value = 0.00021,
      .regimes = {{"S0", -0.0104, -0.0291, 0.0083, 0.27},
                  {"S3", -0.0447, -0.0702, -0.0192, 0.0006}},
      .placebos = {{"permuted_treatment", 0.0021, 0.71}, {"future_treatment", -0.0037, 0.44}}};
  const auto text = effect_paragraph(f);
  EXPECT_EQ(text, golden("effect.txt"));
  expect_numbers_from(
      text,
      {f.magnitude, f.effect, f.ci_low, f.ci_high, f.p_value, -0.0104, -0.0291, 0.0083, 0.27,
       -0.0447, -0.0702, -0.0192, 0.0006, 0.0021, 0.71, -0.0037, 0.44},
      {3});
  auto flagged = f;
  flagged.placebos[1].p_value = 0.01;
  EXPECT_NE(effect_paragraph(flagged).find("treat the estimate with care"), std::string::npos);
  // Each failing check says what it means; a passing one says nothing more.
  flagged.placebos = {{"permuted_treatment", 0.0021, 0.71}, {"pre_treatment_outcome", 0.2, 0.003}};
  auto said = effect_paragraph(flagged);
  EXPECT_NE(said.find("the outcome's months before the treatment predict it"), std::string::npos)
      << said;
  EXPECT_EQ(said.find("interval may be too narrow"), std::string::npos) << said;
  flagged.placebos[0].p_value = 0.02;
  said = effect_paragraph(flagged);
  EXPECT_NE(said.find("interval may be too narrow"), std::string::npos) << said;
  flagged.ci_high = 0.002;
  EXPECT_NE(effect_paragraph(flagged).find("not distinguishable from zero"), std::string::npos);
}

TEST(Narrative, ScenarioParagraphMatchesItsGoldenFileAndUsesOnlyItsNumbers) {
  const ScenarioFacts f{.intervention = "TP=+0.25",
                        .node = "STOCK",
                        .unit = "percent",
                        .horizon_days = 250,
                        .paths = 10000,
                        .shocks = "student-t",
                        .median = 0.2627,
                        .q05 = 0.2627,
                        .q95 = 0.2627};
  const auto text = scenario_paragraph(f);
  EXPECT_EQ(text, golden("scenario.txt"));
  expect_numbers_from(text, {0.25, f.median, f.q05, f.q95}, {250, 10000});
  auto down = f;
  down.median = -1.5;
  EXPECT_NE(scenario_paragraph(down).find("1.5% lower"), std::string::npos);
}

}  // namespace
}  // namespace mre::narrative
