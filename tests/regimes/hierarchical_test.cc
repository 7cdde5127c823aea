// The hierarchical classifier's kernels against the requirements of seed 003
// (docs/requirements/003_market_regime_requirements.md): each test is named after the MR-*
// requirement it proves. End-to-end tests of the `mre classify` commands are in
// tests/cli/classify_cli_test.cc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/narrative/classification_sentence.h"
#include "mre/regimes/hierarchical/classifier.h"
#include "mre/regimes/hierarchical/mapping.h"
#include "mre/regimes/hierarchical/profiles.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/mapping/hungarian.h"
#include "support/test_support.h"

namespace mre::regimes::hierarchical {
namespace {

int label_index(const ModelDefinition& def, std::string_view label) {
  for (int r = 0; r < def.n_states(); ++r) {
    if (def.profiles[static_cast<std::size_t>(r)].label == label) return r;
  }
  return -1;
}

// The target z-score of `indicator` under label r (0 where the label does not define it).
double target(const ModelDefinition& def, int r, const std::string& indicator) {
  for (const auto& t : def.profiles[static_cast<std::size_t>(r)].targets) {
    if (t.indicator == indicator) return t.z;
  }
  return 0.0;
}

// State means with exactly each label's target profile relative to `stats`, in `order`
// (state s has label order[s]); `extra` adds z offsets for indicators a label leaves undefined.
Matrix exact_profile_means(const ModelDefinition& def, const GlobalStatistics& stats,
                           const std::vector<int>& order, double distress_high_yield_z = -0.5) {
  const auto I = static_cast<Eigen::Index>(def.indicators.size());
  Matrix means(def.n_states(), I);
  for (int s = 0; s < def.n_states(); ++s) {
    const int r = order[static_cast<std::size_t>(s)];
    for (Eigen::Index i = 0; i < I; ++i) {
      const auto& name = def.indicators[static_cast<std::size_t>(i)];
      double z = target(def, r, name);
      if (def.profiles[static_cast<std::size_t>(r)].label == kIdiosyncraticDistress &&
          name == "high_yield_credit_spread") {
        z = distress_high_yield_z;
      }
      means(s, i) = stats.mean(i) + z * stats.std(i);
    }
  }
  return means;
}

GlobalStatistics some_statistics(Eigen::Index I, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.5, 3.0);
  GlobalStatistics stats{Vector(I), Vector(I)};
  for (Eigen::Index i = 0; i < I; ++i) {
    stats.mean(i) = 10.0 * (u(rng) - 1.5);
    stats.std(i) = u(rng);
  }
  return stats;
}

TEST(HierarchicalProfiles, MR_DS_01_TheTenIndicatorsOfTheSeedsTable) {
  const std::vector<std::string> want = {"yield_curve_slope_10y2y",
                                         "mmd_ust_ratio_10y",
                                         "vix_index",
                                         "move_index",
                                         "investment_grade_credit_spread",
                                         "high_yield_credit_spread",
                                         "tips_breakeven_5y",
                                         "swap_spread_10y",
                                         "muni_fund_flows_net",
                                         "us_cpi_yoy"};
  EXPECT_EQ(mr_ds_01_indicators(), want);
  EXPECT_EQ(global_macro_definition().indicators, want);  // MR-BR-02: the global HMM reads all ten
}

TEST(HierarchicalProfiles, MR_BR_01_SixGlobalRegimesWithTheTablesTargets) {
  const auto& def = global_macro_definition();
  ASSERT_EQ(def.n_states(), 6);
  const std::vector<std::string> labels = {"Bull_Steepener",   "Bear_Flattener",
                                           "Bear_Steepener",   "Bull_Flattener",
                                           "Recession_Easing", "Idiosyncratic_Distress"};
  for (int r = 0; r < 6; ++r)
    EXPECT_EQ(def.profiles[static_cast<std::size_t>(r)].label, labels[static_cast<std::size_t>(r)]);
  // Every row of the MR-BR-01 table (the N/A row is MR-BR-03's condition, not a target).
  const auto t = [&](const char* label, const char* indicator) {
    return target(def, label_index(def, label), indicator);
  };
  EXPECT_EQ(def.profiles[0].targets.size(), 5u);
  EXPECT_EQ(t("Bull_Steepener", "yield_curve_slope_10y2y"), 1.0);
  EXPECT_EQ(t("Bull_Steepener", "investment_grade_credit_spread"), -1.0);
  EXPECT_EQ(t("Bull_Steepener", "high_yield_credit_spread"), -1.0);
  EXPECT_EQ(t("Bull_Steepener", "vix_index"), -1.0);
  EXPECT_EQ(t("Bull_Steepener", "move_index"), -1.0);
  EXPECT_EQ(def.profiles[1].targets.size(), 2u);
  EXPECT_EQ(t("Bear_Flattener", "yield_curve_slope_10y2y"), -1.0);
  EXPECT_EQ(t("Bear_Flattener", "move_index"), 1.0);
  EXPECT_EQ(def.profiles[2].targets.size(), 4u);
  EXPECT_EQ(t("Bear_Steepener", "yield_curve_slope_10y2y"), 1.0);
  EXPECT_EQ(t("Bear_Steepener", "tips_breakeven_5y"), 1.0);
  EXPECT_EQ(t("Bear_Steepener", "move_index"), 1.0);
  EXPECT_EQ(t("Bear_Steepener", "vix_index"), 1.0);
  EXPECT_EQ(def.profiles[3].targets.size(), 4u);
  EXPECT_EQ(t("Bull_Flattener", "yield_curve_slope_10y2y"), -1.0);
  EXPECT_EQ(t("Bull_Flattener", "investment_grade_credit_spread"), 1.0);
  EXPECT_EQ(t("Bull_Flattener", "high_yield_credit_spread"), 1.0);
  EXPECT_EQ(t("Bull_Flattener", "vix_index"), 1.0);
  EXPECT_EQ(def.profiles[4].targets.size(), 4u);
  EXPECT_EQ(t("Recession_Easing", "yield_curve_slope_10y2y"), -1.5);
  EXPECT_EQ(t("Recession_Easing", "investment_grade_credit_spread"), 1.5);
  EXPECT_EQ(t("Recession_Easing", "high_yield_credit_spread"), 1.5);
  EXPECT_EQ(t("Recession_Easing", "move_index"), 1.5);
  EXPECT_EQ(def.profiles[5].targets.size(), 2u);
  EXPECT_EQ(t("Idiosyncratic_Distress", "mmd_ust_ratio_10y"), 1.5);
  EXPECT_EQ(t("Idiosyncratic_Distress", "muni_fund_flows_net"), -1.5);
}

TEST(HierarchicalProfiles, MR_BR_04_MR_BR_05_MR_BR_06_AThreeStateMuniModelOnItsTwoIndicators) {
  const auto& def = muni_definition();
  EXPECT_EQ(def.indicators, (std::vector<std::string>{"mmd_ust_ratio_10y", "muni_fund_flows_net"}));
  ASSERT_EQ(def.n_states(), 3);
  EXPECT_EQ(def.profiles[0].label, "Muni_Rich_Market");
  EXPECT_EQ(target(def, 0, "mmd_ust_ratio_10y"), -1.0);
  EXPECT_EQ(target(def, 0, "muni_fund_flows_net"), 1.0);
  EXPECT_EQ(def.profiles[1].label, "Muni_Cheap_Market");
  EXPECT_EQ(target(def, 1, "mmd_ust_ratio_10y"), 1.0);
  EXPECT_EQ(target(def, 1, "muni_fund_flows_net"), -1.0);
  EXPECT_EQ(def.profiles[2].label, "Muni_Neutral");
  EXPECT_EQ(def.profiles[2].targets.size(), 2u);  // 0.0 targets are real targets, not "undefined"
  EXPECT_EQ(target(def, 2, "mmd_ust_ratio_10y"), 0.0);
}

TEST(DistressCondition, MR_BR_03_TriggersAndDivergenceFromCorporateCredit) {
  // All three parts, at and just beyond each boundary (>= and <= are inclusive).
  EXPECT_TRUE(distress_condition_holds(1.5, -1.5, 0.0));
  EXPECT_FALSE(distress_condition_holds(1.49, -1.5, 0.0));  // ratio trigger
  EXPECT_FALSE(distress_condition_holds(1.5, -1.49, 0.0));  // flows trigger
  EXPECT_TRUE(distress_condition_holds(2.0, -2.0, 0.5));    // divergence exactly 1.5
  EXPECT_FALSE(
      distress_condition_holds(2.0, -2.0, 0.51));  // divergence 1.49: corporate credit as stressed
  EXPECT_FALSE(distress_condition_holds(3.0, -3.0, 2.0));  // broad stress, not idiosyncratic
}

TEST(VolatilityRegime, MR_BR_07_Thresholds) {
  EXPECT_EQ(volatility_regime(0.0), "Low");
  EXPECT_EQ(volatility_regime(19.999), "Low");
  EXPECT_EQ(volatility_regime(20.0), "Medium");
  EXPECT_EQ(volatility_regime(29.999), "Medium");
  EXPECT_EQ(volatility_regime(30.0), "High");
  EXPECT_EQ(volatility_regime(80.0), "High");
}

TEST(StateMapping, MR_BR_09_MR_IMPL_03_StatesWithExactTargetProfilesGetTheirTrueLabels) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const auto* def : {&global_macro_definition(), &muni_definition()}) {
      const auto stats = some_statistics(static_cast<Eigen::Index>(def->indicators.size()), seed);
      std::vector<int> order(static_cast<std::size_t>(def->n_states()));
      std::iota(order.begin(), order.end(), 0);
      std::mt19937_64 rng(seed);
      std::shuffle(order.begin(), order.end(), rng);
      const auto mapping = map_states(exact_profile_means(*def, stats, order), stats, *def);
      EXPECT_EQ(mapping.assigned, order) << def->name << " seed " << seed;
      EXPECT_EQ(mapping.serving, order);
      // Exact profiles: every assigned distance is 0 (up to the z-score arithmetic's rounding).
      EXPECT_NEAR(mapping.cost, 0.0, 1e-12);
      // The z-score table is (mu_S - mu) / sigma (MR-IMPL-03 step 3).
      for (int s = 0; s < def->n_states(); ++s) {
        const auto& name = def->indicators[0];
        EXPECT_NEAR(mapping.state_z(s, 0),
                    target(*def, order[static_cast<std::size_t>(s)], name) +
                        (def->profiles[static_cast<std::size_t>(order[static_cast<std::size_t>(s)])]
                                         .label == kIdiosyncraticDistress &&
                                 name == "high_yield_credit_spread"
                             ? -0.5
                             : 0.0),
                    1e-12);
      }
      if (def == &global_macro_definition()) {
        ASSERT_TRUE(mapping.distress_state.has_value());
        EXPECT_TRUE(mapping.distress_state_qualifies);
      }
    }
  }
}

TEST(StateMapping, MR_BR_09_DistancesUseOnlyTheIndicatorsEachLabelDefines) {
  const auto& def = global_macro_definition();
  const auto stats = some_statistics(10, 3);
  std::vector<int> order = {0, 1, 2, 3, 4, 5};
  Matrix means = exact_profile_means(def, stats, order);
  // us_cpi_yoy and swap_spread_10y appear in no profile: moving them changes no distance.
  const auto before = map_states(means, stats, def);
  for (int s = 0; s < 6; ++s) {
    means(s, 9) += 5.0 * stats.std(9);
    means(s, 7) -= 4.0 * stats.std(7);
  }
  const auto after = map_states(means, stats, def);
  EXPECT_LT((before.distance - after.distance).cwiseAbs().maxCoeff(), 1e-12);
  // One defined indicator moved by 1 sd changes exactly the labels that define it.
  means(0, 0) += stats.std(0);  // yield_curve_slope_10y2y of state 0
  const auto moved = map_states(means, stats, def);
  for (int r = 0; r < 6; ++r) {
    const bool defines =
        std::any_of(def.profiles[static_cast<std::size_t>(r)].targets.begin(),
                    def.profiles[static_cast<std::size_t>(r)].targets.end(),
                    [](const Target& t) { return t.indicator == "yield_curve_slope_10y2y"; });
    EXPECT_EQ(std::abs(moved.distance(0, r) - after.distance(0, r)) > 1e-9, defines) << r;
  }
  // Hand value: Score(S0, Bull_Steepener) = sqrt(1^2 / 5) after the move (RMS over its 5
  // indicators, the other four at their targets).
  EXPECT_NEAR(moved.distance(0, 0), std::sqrt(1.0 / 5.0), 1e-12);
}

TEST(StateMapping, MR_IMPL_03_HungarianAssignmentEqualsBruteForceOverAllPermutations) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 5.0);
  for (int trial = 0; trial < 200; ++trial) {
    Matrix cost(6, 6);
    for (auto& v : cost.reshaped()) v = u(rng);
    std::vector<int> p = {0, 1, 2, 3, 4, 5};
    double best = std::numeric_limits<double>::infinity();
    do {
      double c = 0;
      for (int r = 0; r < 6; ++r) c += cost(r, p[static_cast<std::size_t>(r)]);
      best = std::min(best, c);
    } while (std::next_permutation(p.begin(), p.end()));
    const auto got = mapping::hungarian(cost);
    double c = 0;
    for (int r = 0; r < 6; ++r) c += cost(r, got.column_of_row[static_cast<std::size_t>(r)]);
    EXPECT_NEAR(c, best, 1e-12);
    EXPECT_NEAR(got.cost, best, 1e-12);
  }
}

// A model with exact profiles: states in label order, identity-ish covariances, sticky chain.
HierarchicalModel exact_model(double distress_high_yield_z = -0.5) {
  HierarchicalModel model;
  for (auto* c : {&model.global, &model.muni}) {
    c->definition = c == &model.global ? global_macro_definition() : muni_definition();
    const auto I = static_cast<Eigen::Index>(c->definition.indicators.size());
    const int K = c->definition.n_states();
    c->stats.mean = Vector::Zero(I);
    c->stats.std = Vector::Ones(I);
    std::vector<int> order(static_cast<std::size_t>(K));
    std::iota(order.begin(), order.end(), 0);
    c->params.means = exact_profile_means(c->definition, c->stats, order, distress_high_yield_z);
    c->params.covariances.assign(static_cast<std::size_t>(K), 0.25 * Matrix::Identity(I, I));
    c->params.initial = Vector::Constant(K, 1.0 / K);
    c->params.transition = Matrix::Constant(K, K, 0.1 / (K - 1));
    c->params.transition.diagonal().setConstant(0.9);
    c->mapping = map_states(c->params.means, c->stats, c->definition);
  }
  return model;
}

// The global state's means; `vix` (when given) replaces vix_index, which the exact model holds
// in z units.
std::vector<double> observation_at(const HierarchicalModel& model, int global_state,
                                   std::optional<double> vix = std::nullopt) {
  std::vector<double> x(10);
  for (int i = 0; i < 10; ++i)
    x[static_cast<std::size_t>(i)] = model.global.params.means(global_state, i);
  if (vix) x[2] = *vix;
  return x;
}

TEST(StateMapping, MR_BR_03_ADistressStateFailingTheConditionIsNotMappedToTheRegime) {
  // The distress state's high-yield z of +1.0 leaves a divergence of 0.5 < 1.5: no state meets
  // MR-BR-03, so none is assigned Idiosyncratic_Distress; that state takes its nearest other
  // label (shared with the state assigned it), and the report says why the label is unserved.
  const auto model = exact_model(1.0);
  const auto& m = model.global.mapping;
  const int distress = label_index(global_macro_definition(), kIdiosyncraticDistress);
  EXPECT_FALSE(m.distress_state.has_value());
  EXPECT_EQ(std::count(m.assigned.begin(), m.assigned.end(), distress), 0);
  EXPECT_EQ(m.serving, m.assigned);
  const auto diagnostics = diagnose(m, global_macro_definition());
  ASSERT_EQ(diagnostics.unserved.size(), 1u);
  EXPECT_NE(
      diagnostics.unserved[0].find("Idiosyncratic_Distress: no state meets MR-BR-03 (closest S5"),
      std::string::npos)
      << diagnostics.unserved[0];
  // Served: Idiosyncratic_Distress never gets probability, whatever the observation.
  const Classifier classifier(model);
  FilterState next;
  const auto x = observation_at(model, 5);
  const auto result = classifier.classify(x.data(), nullptr, next);
  EXPECT_EQ(result.global.labels[static_cast<std::size_t>(distress)], 0.0);
  EXPECT_EQ(result.global.label, m.assigned[5]);
}

// Issue 18: with distances summed over each label's own indicators, the 2-indicator
// Idiosyncratic_Distress profile won a stressed state (VIX, IG, HY at +3 z) that fails MR-BR-03,
// and it was served as a non-stress label. RMS distances with MR-BR-03 inside the assignment map
// it to a stress label, and the report flags no inversion.
TEST(StateMapping, Issue18_TheShortProfileNoLongerWinsTheStressState) {
  const auto& def = global_macro_definition();
  // z-scores per state in MR-DS-01 order: slope, ratio, vix, move, ig, hy, tips, swap, flows, cpi.
  Matrix z(6, 10);
  z << 0.8, 0, -0.8, -0.6, -0.7, -0.7, 0, 0, 0, 0,   // calm, steep
      -0.6, 0, 0, 0.3, 0.2, 0.1, 0, 0, 0, 0,         // flat, MOVE up
      0.9, 0, 0.4, 0.5, 0, 0, 0.6, 0, 0, 0,          // steep, inflation
      -0.4, 0, 0.3, 0.2, 0.4, 0.3, 0, 0, 0, 0,       // mild credit widening
      -0.8, 2.2, 3.0, 2.4, 3.2, 3.6, 0, 0, -1.6, 0,  // the crisis: everything stressed
      0.2, 0.6, 0, 0, 0.3, 0.2, 0, 0, -0.3, 0;       // muni a little cheap
  GlobalStatistics stats{Vector::Zero(10), Vector::Ones(10)};
  const auto mapping = map_states(z, stats, def);
  const int distress = label_index(def, kIdiosyncraticDistress);
  const int recession = label_index(def, "Recession_Easing");
  const int bull_flattener = label_index(def, "Bull_Flattener");
  // The old rule (Euclidean sums, Hungarian without MR-BR-03) from the same distances:
  // Score = RMS * sqrt(number of indicators the label defines).
  Matrix summed = mapping.distance;
  for (int r = 0; r < 6; ++r)
    summed.col(r) *=
        std::sqrt(static_cast<double>(def.profiles[static_cast<std::size_t>(r)].targets.size()));
  const auto old = mapping::hungarian(summed);
  ASSERT_EQ(old.column_of_row[4], distress) << "the constructed case no longer shows the old bias";
  EXPECT_FALSE(
      distress_condition_holds(z(4, 1), z(4, 8), z(4, 5)));  // so it was served as another label
  // Now: the crisis state serves a stress label and nothing flags an inversion.
  const int served = mapping.serving[4];
  EXPECT_TRUE(served == recession || served == bull_flattener)
      << def.profiles[static_cast<std::size_t>(served)].label;
  const auto diagnostics = diagnose(mapping, def);
  ASSERT_TRUE(diagnostics.stress_state.has_value());
  EXPECT_EQ(*diagnostics.stress_state, 4);
  EXPECT_NEAR(diagnostics.stress_score, (3.0 + 2.4 + 3.2 + 3.6) / 4.0, 1e-12);
  EXPECT_FALSE(diagnostics.stress_inversion);
  // The old assignment served the crisis state as its next-best non-distress label: an inversion.
  StateMapping old_mapping = mapping;
  old_mapping.serving = old.column_of_row;
  double best = 1e300;
  for (int r = 0; r < 6; ++r) {
    if (r != distress && summed(4, r) < best) {
      best = summed(4, r);
      old_mapping.serving[4] = r;
    }
  }
  if (old_mapping.serving[4] != recession && old_mapping.serving[4] != bull_flattener) {
    EXPECT_TRUE(diagnose(old_mapping, def).stress_inversion);
  }
}

// MR-BR-03 and the Hungarian optimum together: on random z-score tables (some with states
// meeting MR-BR-03, some without), the mapping's cost equals the brute-force minimum over all
// 720 assignments MR-BR-03 allows, and no state failing MR-BR-03 takes Idiosyncratic_Distress.
// With no qualifying state the brute force lets the distress column stand for "the state's
// nearest other label" (the documented rule).
TEST(StateMapping, MR_BR_03_AndTheHungarianOptimumHoldTogether) {
  const auto& def = global_macro_definition();
  const int distress = label_index(def, kIdiosyncraticDistress);
  GlobalStatistics stats{Vector::Zero(10), Vector::Ones(10)};
  std::mt19937_64 rng(18);
  std::normal_distribution<double> n01;
  int with = 0;
  int without = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Matrix z(6, 10);
    for (auto& v : z.reshaped()) v = 1.5 * n01(rng);
    // Make about half the trials have one or two qualifying states.
    if (trial % 2 == 0) {
      for (int s = 0; s < 1 + trial % 4 / 2; ++s) {
        const int state = static_cast<int>(rng() % 6);
        z(state, 1) = 1.6 + std::abs(n01(rng));
        z(state, 8) = -1.6 - std::abs(n01(rng));
        z(state, 5) = z(state, 1) - 1.6 - std::abs(n01(rng));
      }
    }
    std::vector<bool> ok(6);
    bool any = false;
    for (int s = 0; s < 6; ++s) {
      ok[static_cast<std::size_t>(s)] = distress_condition_holds(z(s, 1), z(s, 8), z(s, 5));
      any = any || ok[static_cast<std::size_t>(s)];
    }
    (any ? with : without) += 1;
    const auto m = map_states(z, stats, def);
    std::vector<int> p = {0, 1, 2, 3, 4, 5};
    double best = std::numeric_limits<double>::infinity();
    do {
      double c = 0;
      bool feasible = true;
      for (int s = 0; s < 6; ++s) {
        const int r = p[static_cast<std::size_t>(s)];
        if (r == distress) {
          if (any) {
            feasible = feasible && ok[static_cast<std::size_t>(s)];
            c += m.distance(s, r);
          } else {
            double nearest = std::numeric_limits<double>::infinity();
            for (int q = 0; q < 6; ++q) {
              if (q != distress) nearest = std::min(nearest, m.distance(s, q));
            }
            c += nearest;
          }
        } else {
          c += m.distance(s, r);
        }
      }
      if (feasible) best = std::min(best, c);
    } while (std::next_permutation(p.begin(), p.end()));
    EXPECT_NEAR(m.cost, best, 1e-9) << "trial " << trial;
    double recomputed = 0;
    for (int s = 0; s < 6; ++s) {
      const int r = m.assigned[static_cast<std::size_t>(s)];
      recomputed += m.distance(s, r);
      if (r == distress) {
        EXPECT_TRUE(ok[static_cast<std::size_t>(s)]) << "trial " << trial << " S" << s;
      }
    }
    EXPECT_NEAR(recomputed, m.cost, 1e-12);
    EXPECT_EQ(m.distress_state.has_value(), any) << "trial " << trial;
    // Every label but (without a qualifying state) Idiosyncratic_Distress is served.
    for (int r = 0; r < 6; ++r) {
      const bool served = std::find(m.serving.begin(), m.serving.end(), r) != m.serving.end();
      EXPECT_EQ(served, r != distress || any) << "trial " << trial << " label " << r;
    }
  }
  EXPECT_GT(with, 50);  // both branches were exercised
  EXPECT_GT(without, 50);
}

// Issue 18: after a retrain (states aligned to the previous model's), the previous assignment is
// kept while it costs at most margin x K more than the new optimum, and only while MR-BR-03
// allows it; beyond the margin the optimum of map_states is taken.
TEST(StateMapping, Issue18_ARetrainKeepsThePreviousAssignmentWithinTheMarginOnly) {
  const auto& def = global_macro_definition();
  GlobalStatistics stats{Vector::Zero(10), Vector::Ones(10)};
  std::mt19937_64 rng(7);
  std::normal_distribution<double> n01;
  int kept = 0;
  int switched = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Matrix z(6, 10);
    for (auto& v : z.reshaped()) v = 1.2 * n01(rng);
    const auto optimum = map_states(z, stats, def);
    // The previous assignment: the optimum with two states' labels swapped (not a state holding
    // Idiosyncratic_Distress: MR-BR-03 is checked below).
    std::vector<int> previous = optimum.assigned;
    const int a = static_cast<int>(rng() % 6);
    const int b = (a + 1 + static_cast<int>(rng() % 5)) % 6;
    const int distress = label_index(def, kIdiosyncraticDistress);
    if (previous[static_cast<std::size_t>(a)] == distress ||
        previous[static_cast<std::size_t>(b)] == distress)
      continue;
    std::swap(previous[static_cast<std::size_t>(a)], previous[static_cast<std::size_t>(b)]);
    double previous_cost = 0;
    for (int s = 0; s < 6; ++s)
      previous_cost += optimum.distance(s, previous[static_cast<std::size_t>(s)]);
    const double excess = previous_cost - optimum.cost;
    for (const double margin : {0.0, 0.1, 0.5}) {
      const auto m = remap_states(z, stats, def, previous, margin);
      EXPECT_EQ(m.optimal_cost, optimum.cost);
      if (excess <= margin * 6 && previous != optimum.assigned) {
        ASSERT_TRUE(m.kept_previous) << "trial " << trial << " margin " << margin;
        EXPECT_EQ(m.serving, previous);
        EXPECT_NEAR(m.cost, previous_cost, 1e-12);
        ++kept;
      } else if (excess > margin * 6) {
        EXPECT_FALSE(m.kept_previous) << "trial " << trial << " margin " << margin;
        EXPECT_EQ(m.serving, optimum.serving);
        ++switched;
      }
    }
  }
  EXPECT_GT(kept, 20);  // both branches were exercised
  EXPECT_GT(switched, 20);
  // MR-BR-03 beats the margin: a previous assignment giving Idiosyncratic_Distress to a state that
  // no longer meets it is dropped however large the margin.
  const auto model = exact_model();
  const auto& m0 = model.global.mapping;
  ASSERT_TRUE(m0.distress_state.has_value());
  Matrix means = model.global.params.means;
  const int s = *m0.distress_state;
  const int ratio = indicator_index(def, "mmd_ust_ratio_10y");
  means(s, ratio) = model.global.stats.mean(ratio);  // z ratio 0: fails MR-BR-03
  const auto m1 = remap_states(means, model.global.stats, def, m0.assigned, 100.0);
  EXPECT_FALSE(m1.kept_previous);
  EXPECT_NE(m1.serving[static_cast<std::size_t>(s)], label_index(def, kIdiosyncraticDistress));
}

TEST(Classifier, MR_BR_03_AnObservationFailingTheConditionCountsTowardTheStatesNextBestLabel) {
  const auto model = exact_model();
  const auto& m = model.global.mapping;
  ASSERT_TRUE(m.distress_state_qualifies);
  const int s = *m.distress_state;
  const int distress = label_index(global_macro_definition(), kIdiosyncraticDistress);
  const Classifier classifier(model);
  FilterState next;
  // At the distress state's means the observation meets MR-BR-03 (z 1.5, -1.5, divergence 2.0).
  auto x = observation_at(model, s);
  const auto meets = classifier.classify(x.data(), nullptr, next);
  EXPECT_TRUE(meets.distress_condition_met);
  EXPECT_EQ(meets.global.label, distress);
  // The same observation with high-yield spreads as wide as the muni ratio: no divergence.
  x[5] = 1.2;  // z = 1.2 with mean 0, std 1: divergence 0.3 < 1.5
  const auto fails = classifier.classify(x.data(), nullptr, next);
  EXPECT_FALSE(fails.distress_condition_met);
  EXPECT_EQ(fails.global.labels[static_cast<std::size_t>(distress)], 0.0);
  const int fallback = m.fallback[static_cast<std::size_t>(s)];
  // The state probabilities are the model's; only the label they count toward changes.
  EXPECT_NEAR(fails.global.labels[static_cast<std::size_t>(fallback)],
              fails.global.states[static_cast<std::size_t>(s)] +
                  fails.global.states[static_cast<std::size_t>(
                      std::find(m.serving.begin(), m.serving.end(), fallback) - m.serving.begin())],
              1e-15);
}

// Issue 18: an observation with two indicators missing is classified on the other eight by
// their marginal Gaussian densities. The densities come from scipy.stats.multivariate_normal on
// the observed sub-vector (Debian python3-scipy, script below); the classifier's first-step state
// probabilities must equal initial * density, normalised, and hmm::log_emission must equal the
// log densities, both to 1e-10.
TEST(Classifier, Issue18_TwoMissingIndicatorsMatchScipysMarginalDensities) {
  if (std::system("/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no python3-scipy";
  auto model = exact_model();
  // Correlated, state-specific covariances so the marginal is not just dropping diagonal terms.
  std::mt19937_64 rng(42);
  std::normal_distribution<double> n01;
  for (int k = 0; k < 6; ++k) {
    Matrix a(10, 10);
    for (auto& v : a.reshaped()) v = 0.3 * n01(rng);
    model.global.params.covariances[static_cast<std::size_t>(k)] =
        a * a.transpose() + 0.2 * Matrix::Identity(10, 10);
  }
  model.global.params.initial = (Vector(6) << 0.1, 0.15, 0.2, 0.25, 0.2, 0.1).finished();
  const Classifier classifier(model);
  std::vector<double> x = observation_at(model, 3);
  for (int d = 0; d < 10; ++d) x[static_cast<std::size_t>(d)] += 0.4 * n01(rng);
  x[3] = std::nan("");  // move_index
  x[7] = std::nan("");  // swap_spread_10y
  FilterState next;
  const auto result = classifier.classify(x.data(), nullptr, next);
  EXPECT_EQ(result.global.indicators_used, 8);
  // The reference: write parameters and observation, let scipy compute the 6 log densities.
  const auto dir =
      std::filesystem::temp_directory_path() / ("mre_marginal_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "input.txt");
    out.precision(17);
    for (int d = 0; d < 10; ++d) out << x[static_cast<std::size_t>(d)] << (d < 9 ? " " : "\n");
    for (int k = 0; k < 6; ++k) {
      for (int d = 0; d < 10; ++d) out << model.global.params.means(k, d) << (d < 9 ? " " : "\n");
      const auto& c = model.global.params.covariances[static_cast<std::size_t>(k)];
      for (Eigen::Index i = 0; i < 10; ++i) {
        for (Eigen::Index j = 0; j < 10; ++j) out << c(i, j) << (j < 9 ? " " : "\n");
      }
    }
  }
  const std::string script =
      "import numpy as np\n"
      "from scipy.stats import multivariate_normal\n"
      "v = [np.array(l.split(), dtype=float) for l in open(r'" +
      (dir / "input.txt").string() +
      "')]\n"
      "x = v[0]; o = ~np.isnan(x)\n"
      "for k in range(6):\n"
      "    b = 1 + 11 * k; mu = v[b]; c = np.array(v[b + 1:b + 11])\n"
      "    print(repr(multivariate_normal(mu[o], c[np.ix_(o, o)]).logpdf(x[o])))\n";
  testing::write_file(dir / "reference.py", script);
  const auto ran = testing::run_shell("/usr/bin/python3 " + (dir / "reference.py").string());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::istringstream lines(ran.out);
  std::vector<double> log_density(6);
  for (auto& v : log_density) lines >> v;
  ASSERT_TRUE(lines) << ran.out;
  // hmm::log_emission marginalises the same way.
  RowVector row(10);
  for (int d = 0; d < 10; ++d) row(d) = x[static_cast<std::size_t>(d)];
  const Matrix emission = hmm::log_emission(model.global.params, row);
  double shift = *std::max_element(log_density.begin(), log_density.end());
  double total = 0;
  std::vector<double> expected(6);
  for (int k = 0; k < 6; ++k) {
    // Tolerance 1e-10: the same formula in two libraries; rounding in the Cholesky of an 8 x 8
    // matrix and the log-determinant is ~1e-14 relative.
    EXPECT_NEAR(emission(0, k), log_density[static_cast<std::size_t>(k)], 1e-10) << k;
    expected[static_cast<std::size_t>(k)] =
        model.global.params.initial(k) * std::exp(log_density[static_cast<std::size_t>(k)] - shift);
    total += expected[static_cast<std::size_t>(k)];
  }
  for (int k = 0; k < 6; ++k) {
    EXPECT_NEAR(result.global.states[static_cast<std::size_t>(k)],
                expected[static_cast<std::size_t>(k)] / total, 1e-10)
        << k;
  }
  // A complete row still takes the fast path with all ten indicators.
  const auto complete = observation_at(model, 3);
  EXPECT_EQ(classifier.classify(complete.data(), nullptr, next).global.indicators_used, 10);
}

TEST(Classifier, MR_IMPL_05_EachStepIsTheHmmForwardStepFromTheCarriedState) {
  const auto model = exact_model();
  const Classifier classifier(model);
  const auto prepared = hmm::prepare_emission(model.global.params);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z;
  FilterState state;
  const FilterState* previous = nullptr;
  Vector reference;
  for (int t = 0; t < 200; ++t) {
    auto x = observation_at(model, static_cast<int>(rng() % 6));
    for (auto& v : x) v += 0.5 * z(rng);
    RowVector row(10);
    for (int i = 0; i < 10; ++i) row(i) = x[static_cast<std::size_t>(i)];
    const RowVector log_b = hmm::log_emission_row(model.global.params, prepared, row);
    reference = t == 0 ? hmm::first_step(model.global.params.initial, log_b)
                       : hmm::forward_step(reference, log_b, model.global.params.transition);
    FilterState next;
    const auto result = classifier.classify(x.data(), previous, next);
    // 1e-12: the same recursion with the emission computed in another order.
    for (int k = 0; k < 6; ++k)
      EXPECT_NEAR(result.global.states[static_cast<std::size_t>(k)], reference(k), 1e-12) << t;
    state = next;
    previous = &state;
  }
}

TEST(Classifier, MR_MF_01_MR_VR_01_MR_VR_02_LabelIsArgmaxConfidenceIsMaxProbabilitiesSumToOne) {
  const auto model = exact_model();
  const Classifier classifier(model);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> z;
  FilterState state;
  bool first = true;
  for (int t = 0; t < 500; ++t) {
    auto x = observation_at(model, static_cast<int>(rng() % 6), 10.0 + 30.0 * std::abs(z(rng)));
    for (auto& v : x) v += 1.5 * z(rng);  // noisy enough that some states are ambiguous
    FilterState next;
    const auto r = classifier.classify(x.data(), first ? nullptr : &state, next);
    first = false;
    state = next;
    for (const auto* c : {&r.global, &r.muni}) {
      const double sum = std::accumulate(c->labels.begin(), c->labels.begin() + c->n, 0.0);
      EXPECT_NEAR(sum, 1.0, 0.01);  // MR-VR-01's tolerance (in fact exact to rounding)
      const auto max = std::max_element(c->labels.begin(), c->labels.begin() + c->n);
      EXPECT_EQ(c->label, max - c->labels.begin());  // MR-MF-01
      EXPECT_EQ(c->confidence, *max);
      EXPECT_GE(c->confidence, 0.0);  // MR-VR-02
      EXPECT_LE(c->confidence, 1.0);
    }
  }
}

TEST(Classifier, MR_BR_08_VolatilityObjectCarriesTheRawVix) {
  const auto model = exact_model();
  const Classifier classifier(model);
  FilterState next;
  const auto x = observation_at(model, 0, 27.125);
  const auto r = classifier.classify(x.data(), nullptr, next);
  EXPECT_EQ(r.vix, 27.125);
  EXPECT_EQ(r.volatility_regime, "Medium");
  const std::string json = codec::classification_to_json("2024-01-02", model, r, false);
  EXPECT_NE(json.find("\"volatility_classification\": {\"volatility_regime\": \"Medium\", "
                      "\"volatility_index_name\": "
                      "\"VIX\", \"volatility_index_value\": 27.125}"),
            std::string::npos)
      << json;
}

TEST(Classifier, MR_IMPL_04_ARefusalForModelsThatDoNotFitTheRequirements) {
  auto model = exact_model();
  model.global.params.means.conservativeResize(5, Eigen::NoChange);  // 5 states for 6 labels
  model.global.params.covariances.resize(5);
  EXPECT_THROW(Classifier{model}, Error);
}

TEST(ClassifierCodec, ModelAndStateRoundTripBitForBit) {
  const auto model = exact_model();
  const auto back =
      codec::classifier_model_from_json(codec::classifier_model_to_json(model), "test");
  const Classifier a(model);
  const Classifier b(back);
  FilterState sa;
  FilterState sb;
  const auto x = observation_at(model, 2);
  const auto ra = a.classify(x.data(), nullptr, sa);
  const auto rb = b.classify(x.data(), nullptr, sb);
  EXPECT_EQ(ra.global.states, rb.global.states);
  EXPECT_EQ(ra.muni.labels, rb.muni.labels);
  const auto state = codec::filter_state_from_json(codec::filter_state_to_json(sa), "test");
  EXPECT_EQ(state.global, sa.global);  // shortest round-trip decimals read back exactly
  EXPECT_EQ(state.muni, sa.muni);
  EXPECT_THROW(codec::classifier_model_from_json("{\"model\": \"other\"}", "x.json"), Error);
}

TEST(ClassifierCodec, ProbabilitiesPrintToSixDecimals) {
  std::string out;
  for (const double p : {0.0, 1.0, 0.5, 0.9148011878948302, 1.5e-8, 0.0000005, 0.9999996, 0.0852}) {
    out.clear();
    codec::append_probability(out, p);
    EXPECT_NEAR(std::stod(out), p, 5e-7 + 1e-15) << out;
    EXPECT_LE(out.size(), 8u) << out;
  }
  out.clear();
  codec::append_probability(out, 0.9999996);
  EXPECT_EQ(out, "1");
  out.clear();
  codec::append_probability(out, 0.0852);
  EXPECT_EQ(out, "0.0852");
}

// Issue 23: the MR-DS-02 text is now the layout of a document (classification_document, the API
// encodes that document once); a rounded probability in fixed notation must read as
// append_probability writes it, small ones included (never "1e-06"), and integers stay integers.
TEST(ClassifierCodec, SpacedLayoutOfRoundedProbabilitiesEqualsAppendProbability) {
  for (const double p : {0.0, 1.0, 0.5, 0.9148011878948302, 1.5e-8, 0.0000005, 0.0000015, 0.00012,
                         0.0009104, 0.9999996, 0.0852, 0.123456789}) {
    std::string expected;
    codec::append_probability(expected, p);
    std::string got;
    codec::append_spaced_json(got, static_cast<double>(std::llround(p * 1e6)) / 1e6, true);
    EXPECT_EQ(got, expected) << p;
  }
  std::string out;
  codec::append_spaced_json(
      out, nlohmann::ordered_json{{"b", 1}, {"a", {1.5e-05, std::nan(""), "x\ty", true, nullptr}}});
  EXPECT_EQ(out, R"({"b": 1, "a": [1.5e-05, null, "x\ty", true, null]})");
  // The whole object, MUNI component included, reads back as its document.
  const auto model = exact_model();
  const Classifier classifier(model);
  FilterState next;
  const auto x = observation_at(model, 1, 18.5);
  const auto r = classifier.classify(x.data(), nullptr, next);
  const auto document = codec::classification_document("2024-01-02", model, r, true, "why");
  const std::string text = codec::classification_to_json("2024-01-02", model, r, true, "why");
  EXPECT_EQ(nlohmann::ordered_json::parse(text), document);
  EXPECT_EQ(
      text.rfind(R"({"data_timestamp": "2024-01-02", "global_macro_regime": {"regime_label": )", 0),
      0u)
      << text;
  EXPECT_NE(
      text.find(R"(, "contextual_regime": {"regime_type": "MUNI_SPECIFIC", "regime_label": )"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("volatility_index_value": 18.5}, "explanation": "why"})"),
            std::string::npos)
      << text;
}

TEST(Narrative, MR_FR_03_MR_AI_02_MR_AI_03_TheSentenceNamesTheRegimesAmbiguityAndTransitions) {
  narrative::ClassificationFacts facts{
      .timestamp = "2024-03-01",
      .global = {"Bear_Steepener", 0.46},
      .runner_up = {"Bull_Flattener", 0.31},
      .volatility_regime = "Medium",
      .vix = 24.04,
      .muni = narrative::LabelledProbability{"Muni_Cheap_Market", 0.88}};
  const std::string s = narrative::classification_sentence(facts);
  EXPECT_NE(s.find("Bear_Steepener (confidence 0.46, an ambiguous state"), std::string::npos) << s;
  EXPECT_NE(s.find("runner-up Bull_Flattener at 0.31, a possible transition"), std::string::npos)
      << s;
  EXPECT_NE(s.find("volatility is Medium (VIX 24.0)"), std::string::npos) << s;
  EXPECT_NE(s.find("municipal market is Muni_Cheap_Market (confidence 0.88)"), std::string::npos)
      << s;
  facts.global.probability = 0.93;
  facts.runner_up.probability = 0.05;
  facts.muni.reset();
  const std::string clear = narrative::classification_sentence(facts);
  EXPECT_EQ(clear.find("ambiguous"), std::string::npos) << clear;
  EXPECT_EQ(clear.find("transition"), std::string::npos) << clear;
  EXPECT_EQ(clear.find("runner-up"), std::string::npos) << clear;  // a confident state needs none
  EXPECT_EQ(clear.find("municipal"), std::string::npos) << clear;
}

}  // namespace
}  // namespace mre::regimes::hierarchical
