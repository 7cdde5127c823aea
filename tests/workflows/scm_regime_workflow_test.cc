// Regime-dependent transmission and identified policy shocks on the bundled data (issue 20):
// a regime version split at 2022 shows the stock-bond link's flip as a regime difference, each
// day takes its regime as of its date, the per-regime coefficients are stored with the version,
// a regime version that does not cover the SCM's dates is refused naming it with nothing
// stored, and the FOMC surprises become Re's shock on announcement days.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/scm.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::contains;
using mre::testing::TempDir;

std::filesystem::path spec() {
  return mre::testing::source_dir() / "config/scm/policy_transmission.yml";
}

// A month-end regime version from `first` to `last`: "early" before `split`, "late" from it on.
void write_split_version(store::Store& store, const std::string& version, Date first, Date last,
                         Date split) {
  store::RegimeModel m;
  m.version = version;
  m.kind = "rules";
  m.spec_name = "split";
  m.spec_hash = "h";
  m.feature_version = "F";
  m.labels = {"early", "late"};
  m.created_at = Timestamp::now();
  std::vector<store::RegimeRow> rows;
  for (Date d = first; d <= last;) {
    const bool late = d >= split;
    rows.push_back({d, late ? "late" : "early", 1.0,
                    late ? std::vector<double>{0.0, 1.0} : std::vector<double>{1.0, 0.0}});
    d = (d + 1).end_of_month();
  }
  store.write_regimes(m, rows);
}

class ScmRegimesOnSnapshot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new store::MemoryStore();
    ingest(*store_, {.universe_path = mre::testing::universe_path(),
                     .tickers = {"DCOILWTICO", "MORTGAGE30US", "ZQ=F", "ZQ=F.open", "EFFR",
                                 "DGS3MO", "TLT", "DBC", "DX-Y.NYB", "^GSPC", "MP1_JK"}});
    write_split_version(*store_, "R_SPLIT", Date::from_ymd(2014, 8, 31),
                        Date::from_ymd(2025, 8, 31), Date::from_ymd(2022, 1, 31));
    write_split_version(*store_, "R_SHORT", Date::from_ymd(2016, 1, 31),
                        Date::from_ymd(2020, 12, 31), Date::from_ymd(2018, 1, 31));
    fitted_ = new ScmFitReport(fit_scm(*store_, {.spec_path = spec(),
                                                 .universe_path = mre::testing::universe_path(),
                                                 .version = "SR",
                                                 .regime_version = "R_SPLIT",
                                                 .identified_shock = "Re=MP1_JK"}));
  }
  static void TearDownTestSuite() {
    delete fitted_;
    delete store_;
  }
  static store::MemoryStore* store_;
  static ScmFitReport* fitted_;
};
store::MemoryStore* ScmRegimesOnSnapshot::store_ = nullptr;
ScmFitReport* ScmRegimesOnSnapshot::fitted_ = nullptr;

TEST_F(ScmRegimesOnSnapshot, TheStockBondFlipShowsAsARegimeDifference) {
  ASSERT_TRUE(fitted_->model.regime_dependent.has_value());
  const auto& rt = *fitted_->model.regime_dependent;
  ASSERT_EQ(rt.labels, (std::vector<std::string>{"early", "late"}));
  const auto stock = [&](std::size_t k) {
    return rt.fits[k].equations.back();
  };  // STOCK: parents BONDS, CRB
  ASSERT_EQ(stock(0).node, "STOCK");
  const double early = stock(0).beta[0];
  const double late = stock(1).beta[0];
  const double se_early = std::sqrt(stock(0).covariance(2, 2));
  const double se_late = std::sqrt(stock(1).covariance(2, 2));
  const double z =
      (late - early) /
      std::hypot(se_early, se_late);  // the two regimes' days do not overlap: independent estimates
  std::cout << "STOCK on BONDS: early " << early << " (se " << se_early << "), late " << late
            << " (se " << se_late << "), z " << z << "\n";
  EXPECT_LT(early, 0.0);
  EXPECT_GT(late, 0.0);
  // The flip is a regime difference, not noise: more than 4 combined standard errors apart.
  EXPECT_GT(z, 4.0);
  // The counterfactual per regime: a 50 bp hike in 2022 lowers STOCK with the late coefficients
  // and raises it with the early ones.
  const auto r = counterfactual(fitted_->model, {parse_do("EFFR=+0.50@2022-03-01..2022-06-30")},
                                {.bootstrap = {.replicates = 100}});
  ASSERT_EQ(r.regime_effects.size(), 3u);
  EXPECT_EQ(r.regime_version, "R_SPLIT");
  const auto stock_effect = [&](std::size_t w) { return r.regime_effects[w].bands.back(); };
  ASSERT_EQ(stock_effect(0).node, "STOCK");
  std::cout << "do(EFFR +50 bp, 2022-03..06) on STOCK: early "
            << stock_effect(0).window_end.estimate << " [" << stock_effect(0).window_end.lo95
            << ", " << stock_effect(0).window_end.hi95 << "], late "
            << stock_effect(1).window_end.estimate << " [" << stock_effect(1).window_end.lo95
            << ", " << stock_effect(1).window_end.hi95 << "]\n";
  EXPECT_GT(stock_effect(0).window_end.estimate, 0.0);
  EXPECT_LT(stock_effect(1).window_end.estimate, 0.0);
  EXPECT_LT(stock_effect(1).window_end.hi90, stock_effect(0).window_end.lo90);
  EXPECT_EQ(r.regime_effects[1].window_days,
            86);  // 2022-03-01..06-30: every business day with data is 'late'
  // Along the observed path (all 'late' in 2022) the effect is the late regime's, exactly.
  EXPECT_EQ(r.regime_effects[2].regime, "observed path");
  EXPECT_DOUBLE_EQ(stock_effect(2).window_end.estimate, stock_effect(1).window_end.estimate);
}

TEST_F(ScmRegimesOnSnapshot, ScenariosReportEachRegimeAndTheDrawnRegimePaths) {
  ScenarioOptions o;
  o.interventions = {parse_do("EFFR=+0.50")};
  o.config = {.horizon = 20, .paths = 200, .seed = 42};
  o.uncertainty = {.bootstrap = {.replicates = 50}, .paths_per_replicate = 4};
  const auto r = compute_scenario("SR", fitted_->model, o);
  ASSERT_EQ(r.regime_effects.size(), 3u);
  EXPECT_EQ(r.regime_version, "R_SPLIT");
  EXPECT_EQ(r.regime_effects[2].regime, "drawn paths");
  const auto stock = [&](std::size_t w) { return r.regime_effects[w].effects.back(); };
  ASSERT_EQ(stock(0).node, "STOCK");
  EXPECT_GT(stock(0).mean, 0.0);
  EXPECT_LT(stock(1).mean, 0.0);
  // The start (2025-08-12) is in 'late', which the path never leaves (P(late, late) = 1): every
  // drawn path is 'late' throughout, so the effects are the same numbers.
  EXPECT_EQ(stock(2).mean, stock(1).mean);
  EXPECT_EQ(stock(2).band.lo95, stock(1).band.lo95);
}

// The bands are of the version's coefficients, so a scenario's bootstrap refits on every row the
// version was fitted on, whatever the start (2026-12-07: it refitted on the rows up to the start:
// from a start before 'late' began the late regime could not be refitted ("an effective sample of
// 0 days"), and from 2022-06-01 the pooled STOCK estimate lay outside its own 90% band). In this
// linear model the effect at the horizon does not depend on the start's state or shocks, so the
// bands from a historical start are those from the last date.
TEST_F(ScmRegimesOnSnapshot, AScenarioFromAHistoricalStartHasTheVersionsBands) {
  ScenarioOptions o;
  o.interventions = {parse_do("EFFR=+0.50")};
  o.config = {.horizon = 60, .paths = 50, .seed = 42};
  o.uncertainty = {.bootstrap = {.replicates = 50}, .paths_per_replicate = 2};
  const auto last = compute_scenario("SR", fitted_->model, o);
  for (const Date start : {Date::from_ymd(2016, 6, 1), Date::from_ymd(2022, 6, 1)}) {
    SCOPED_TRACE(start.iso());
    o.start = start;
    const auto r = compute_scenario("SR", fitted_->model, o);
    ASSERT_EQ(r.effects.size(), last.effects.size());
    for (std::size_t j = 0; j < r.effects.size(); ++j) {
      const auto& e = r.effects[j];
      SCOPED_TRACE(e.node);
      // 1e-9 relative: the same coefficients and effect, reached through other levels and shocks.
      const auto near = [](double a, double b) {
        return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
      };
      EXPECT_TRUE(near(e.mean, last.effects[j].mean)) << e.mean << " " << last.effects[j].mean;
      EXPECT_TRUE(near(e.band.lo90, last.effects[j].band.lo90));
      EXPECT_TRUE(near(e.band.hi95, last.effects[j].band.hi95));
      EXPECT_LE(e.band.lo95, e.mean);
      EXPECT_GE(e.band.hi95, e.mean);
    }
    ASSERT_EQ(r.regime_effects.size(), last.regime_effects.size());
    const auto& late = r.regime_effects[1].effects.back();
    EXPECT_EQ(late.node, "STOCK");
    EXPECT_LT(late.mean, 0.0);
    EXPECT_LE(late.band.lo95, late.mean);
    EXPECT_GE(late.band.hi95, late.mean);
  }
}

TEST_F(ScmRegimesOnSnapshot, EachDayTakesItsRegimeAsOfItsDateAndTheVersionKeepsThem) {
  const auto& m = fitted_->model;
  const auto& rt = *m.regime_dependent;
  const auto row = [&](Date d) {
    return static_cast<std::size_t>(std::lower_bound(m.dates.begin(), m.dates.end(), d) -
                                    m.dates.begin());
  };
  // 2022-01-28 (a Friday) is before the month-end row that switches: still 'early'; 2022-01-31
  // 'late'.
  EXPECT_EQ(rt.path[row(Date::from_ymd(2022, 1, 28))], 0);
  EXPECT_EQ(rt.path[row(Date::from_ymd(2022, 1, 31))], 1);
  // One switch in the sample: the transition matrix counted on the path.
  EXPECT_NEAR(
      rt.transition(0, 1) * static_cast<double>(std::count(rt.path.begin(), rt.path.end() - 1, 0)),
      1.0, 1e-9);
  EXPECT_DOUBLE_EQ(rt.transition(1, 1), 1.0);
  // Stored with the version: read back, the same coefficients bit for bit.
  const auto back = load_scm(*store_, "SR");
  ASSERT_TRUE(back.regime_dependent.has_value());
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t e = 0; e < rt.fits[k].equations.size(); ++e) {
      EXPECT_EQ(back.regime_dependent->fits[k].equations[e].beta, rt.fits[k].equations[e].beta);
    }
  }
  EXPECT_EQ(back.regime_dependent->path, rt.path);
  // The regime version is part of the spec's hash: the same spec without it is another version.
  const auto plain = fit_scm(
      *store_,
      {.spec_path = spec(), .universe_path = mre::testing::universe_path(), .version = "auto"});
  EXPECT_FALSE(plain.model.regime_dependent.has_value());
  EXPECT_NE(plain.version, "SR");
}

TEST_F(ScmRegimesOnSnapshot,
       ARegimeVersionThatDoesNotCoverTheDatesIsRefusedNamingItAndNothingIsStored) {
  const auto before = store_->list_scm_models().size();
  try {
    fit_scm(*store_, {.spec_path = spec(),
                      .universe_path = mre::testing::universe_path(),
                      .version = "S_BAD",
                      .regime_version = "R_SHORT"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    const std::string m = e.what();
    EXPECT_TRUE(contains(m, "regime_version 'R_SHORT' does not cover the SCM's dates")) << m;
    EXPECT_TRUE(contains(m, "2016-01-31..2020-12-31")) << m;
  }
  try {
    fit_scm(*store_, {.spec_path = spec(),
                      .universe_path = mre::testing::universe_path(),
                      .version = "S_BAD",
                      .regime_version = "R_NONE"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_TRUE(contains(e.what(), "'R_NONE'")) << e.what();
  }
  EXPECT_EQ(store_->list_scm_models().size(), before);
  EXPECT_FALSE(store_->find_scm_model("S_BAD").has_value());
}

TEST_F(ScmRegimesOnSnapshot, IdentifiedShocksPropagateTheSurpriseAndSitBesideTheEventStudy) {
  const auto& m = fitted_->model;
  ASSERT_TRUE(m.identified.has_value());
  // Every MP1 announcement of the SCM's dates (2014-09-18..2025-08-12; the file ends 2024-01).
  EXPECT_EQ(m.identified->rows.size(), 76u);
  const auto c = compare_identified_shocks(m, {.bootstrap = {.replicates = 50}}, 0.25);
  const auto row = [&](const std::string& node) {
    return *std::find_if(c.rows.begin(), c.rows.end(),
                         [&](const IdentifiedShockRow& r) { return r.node == node; });
  };
  const auto beta = [&](const std::string& node) {
    return std::find_if(m.fitted.equations.begin(), m.fitted.equations.end(),
                        [&](const auto& f) { return f.node == node; })
        ->beta;
  };
  // By hand through the graph: a 25 bp surprise moves Re by 0.25, EFFR by 0.25 b(EFFR<-Re), R3M
  // as much (TP has no parent), BONDS by 100 x that x b(BONDS<-R3M) percent (log points); the
  // tolerance is rounding (generate() sums ~2,700 rows).
  EXPECT_NEAR(row("Re").scm_surprise.estimate, 0.25, 1e-9);
  EXPECT_NEAR(row("EFFR").scm_surprise.estimate, 0.25 * beta("EFFR")[0], 1e-9);
  EXPECT_NEAR(row("R3M").scm_surprise.estimate, 0.25 * beta("EFFR")[0], 1e-9);
  EXPECT_NEAR(row("BONDS").scm_surprise.estimate, 100 * 0.25 * beta("EFFR")[0] * beta("BONDS")[0],
              1e-7);
  EXPECT_NEAR(row("BONDS").scm_do_effr.estimate, 100 * 0.25 * beta("BONDS")[0], 1e-7);
  EXPECT_NEAR(row("EFFR").scm_do_effr.estimate, 0.25, 1e-12);
  // The event study by hand: the slope of Re's announcement-day change on MP1 (cov / var) x 0.25.
  const auto& id = *m.identified;
  const int re = 2;
  ASSERT_EQ(m.fitted.graph.nodes[re], "Re");
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double k = static_cast<double>(id.rows.size());
  for (std::size_t i = 0; i < id.rows.size(); ++i) {
    const double x = id.surprise[i];
    const double y = m.changes(id.rows[i], re);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  EXPECT_NEAR(row("Re").event_study, 0.25 * (sxy - sx * sy / k) / (sxx - sx * sx / k), 1e-12);
  std::cout << "per 25 bp: EFFR scm " << row("EFFR").scm_surprise.estimate << " data "
            << row("EFFR").event_study << "; BONDS scm " << row("BONDS").scm_surprise.estimate
            << " do(EFFR) " << row("BONDS").scm_do_effr.estimate << " data "
            << row("BONDS").event_study << "; STOCK scm " << row("STOCK").scm_surprise.estimate
            << " data " << row("STOCK").event_study << "\n";
  // Re's residual on announcement days tracks the surprise (the spliced series: correlation 0.92).
  EXPECT_GT(c.residual_correlation, 0.85);
  // A version without an identified shock says how to get one.
  auto plain = m;
  plain.identified.reset();
  try {
    compare_identified_shocks(plain, {.bootstrap = {.replicates = 50}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(contains(e.what(), "--identified-shock Re=MP1_JK")) << e.what();
  }
}

TEST(ScmRegimeSpec, RegimeAndIdentifiedShockKeysAreCheckedNamingThem) {
  TempDir dir;
  const auto with = [&](const std::string& extra) {
    const auto p = dir / "s.yml";
    mre::testing::write_file(
        p,
        "name: t\nterminal: [C]\nnodes:\n  - {node: A, series: X}\n  - {node: B, series: Y, "
        "parents: [A]}\n"
        "  - {node: D, identity: [A, B]}\n  - {node: C, series: Z, parents: [B]}\n" +
            extra);
    return p;
  };
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_TRUE(contains(message([&] { load_scm_spec(with("regime_dependent: true\n")); }),
                       "needs 'regime_version'"));
  EXPECT_TRUE(contains(message([&] { load_scm_spec(with("regime_version: V1\n")); }),
                       "only read with 'regime_dependent: true'"));
  EXPECT_TRUE(contains(
      message([&] { load_scm_spec(with("identified_shock: {node: D, series: MP1_JK}\n")); }),
      "node 'D' is not a node with an equation"));
  EXPECT_TRUE(contains(message([&] { load_scm_spec(with("identified_shock: {node: B}\n")); }),
                       "needs 'node'"));
  const auto plain = load_scm_spec(with(""));
  const auto regime = load_scm_spec(with("regime_dependent: true\nregime_version: V1\n"));
  EXPECT_NE(plain.hash, regime.hash);
  EXPECT_FALSE(contains(plain.canonical_text,
                        "regime_dependent"));  // specs without the keys keep their old hash
}

}  // namespace
}  // namespace mre::workflows
