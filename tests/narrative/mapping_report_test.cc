// The classifier's mapping report (narrative/mapping_report.h) from hand-made facts: each part
// appears with the numbers given, the assigned distance is starred, a state served as another
// label says so, and a version without sign-offs says how to give one.
#include "mre/narrative/mapping_report.h"

#include <gtest/gtest.h>

#include <string>

namespace mre::narrative {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

MappingReportFacts two_states() {
  MappingReportModel m{.name = "global_macro",
                       .indicators = {"vix_index"},
                       .labels = {"Calm", "Stress"},
                       .state_z = {{-0.5}, {1.25}},
                       .distance = {{0.1, 0.9}, {0.8, 0.2}},
                       .assigned = {0, 1},
                       .serving = {0, 0},
                       .fallback = {1, 0},
                       .cost = 0.3,
                       .stress_state = 1,
                       .stress_score = 1.25,
                       .stress_inversion = true,
                       .unserved = {"Stress: no state serves it"}};
  return {.version = "C1",
          .spec_name = "gmr",
          .source = "F_x",
          .trained_from = "2000-01-03",
          .trained_to = "2020-12-31",
          .retrain_due = Date::from_ymd(2021, 12, 31),
          .retrain_every_months = 12,
          .models = {m},
          .backfills = {"B_1", "B_2"}};
}

TEST(MappingReport, EveryPartFromTheFacts) {
  const std::string text = classifier_mapping_report(two_states());
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "classifier C1 (spec gmr, trained on F_x from 2000-01-03 to 2020-12-31)");
  EXPECT_TRUE(has(text, "retraining due: 2021-12-31 (every 12 months, MR-AI-04)\n"));
  EXPECT_TRUE(has(text, "== model global_macro: 2-state Gaussian HMM on 1 indicators ==\n"));
  // pad() right-aligns: the indicator in 32 columns, each z-score in 9.
  EXPECT_TRUE(has(text, std::string(23, ' ') + "vix_index    -0.50     1.25\n")) << text;
  // The assigned label's distance starred, 24 columns each.
  EXPECT_TRUE(
      has(text, "      S0" + std::string(18, ' ') + "*0.100" + std::string(19, ' ') + "0.900\n"))
      << text;
  EXPECT_TRUE(has(text, "minimum total distance 0.3000):\n"));
  EXPECT_TRUE(has(text, "  S0 -> Calm (distance 0.100); next best Stress\n"));
  EXPECT_TRUE(has(text, "  S1 -> Stress (distance 0.200), served as Calm; next best Calm\n"));
  EXPECT_FALSE(has(text, "MR-BR-03 check"));  // no distress state
  EXPECT_TRUE(has(text,
                  "most stressed state: S1 (mean z of VIX, MOVE, IG and HY 1.25) serves "
                  "Calm: STRESS INVERSION"));
  EXPECT_TRUE(has(text, "never served: Stress: no state serves it\n"));
  EXPECT_TRUE(
      has(text, "'mre classify mapping-report TAG' shows each retrain's mapping): B_1 B_2\n"));
  EXPECT_TRUE(has(text, "sign-offs (MR-BR-10): none yet: 'mre classify approve C1 --by NAME'\n"));
}

TEST(MappingReport, SignOffsAndNoRetrainDate) {
  auto facts = two_states();
  facts.retrain_due.reset();
  facts.backfills.clear();
  facts.sign_offs = {{"global_macro", "ana", "2026-01-02T03:04:05Z"}};
  const std::string text = classifier_mapping_report(facts);
  EXPECT_FALSE(has(text, "retraining due"));
  EXPECT_FALSE(has(text, "backfills of spec"));
  EXPECT_TRUE(has(text,
                  "sign-offs (MR-BR-10):\n  global_macro approved by ana at "
                  "2026-01-02T03:04:05Z\n"));
}

}  // namespace
}  // namespace mre::narrative
