// `mre effects calibrate` (issue 17) on a simulated store: work items carry their own seeds so the
// report does not depend on the number of threads, a stored calibration reads back as written,
// a real effect is far out in its surrogates' distribution while a null one is not, and bad input
// or an interrupted run stores nothing.
#include "mre/workflows/effects_calibration.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <random>

#include "mre/causal/surrogates.h"
#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/effects.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::TempDir;

// 300 month-ends: `null_shock` AR(1) with phi = 0.9 and no effect; `driver` i.i.d. and moving the
// price (monthly return 0.02 per unit); a control x.
void fill(store::Store& store) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z;
  std::vector<Date> dates;
  std::vector<double> null_shock, driver, x, level;
  double s = 0.0;
  double price = 100.0;
  for (int i = 0; i < 300; ++i) {
    dates.push_back(Date::from_ymd(1990 + i / 12, 1 + i % 12, 1).end_of_month());
    s = 0.9 * s + z(rng);
    null_shock.push_back(s);
    const double d = z(rng);
    driver.push_back(d);
    x.push_back(z(rng));
    level.push_back(price);
    // The return from month i to i + 1 depends on the driver at i.
    price *= std::exp(0.02 * d + 0.04 * z(rng));
  }
  store::FeatureVersion f{
      .version = "F1",
      .spec_name = "sim",
      .spec_hash = "h",
      .data_watermark = "w",
      .frequency = "month_end",
      .spec_text = "sim",
      .created_at = Timestamp::from_micros(10),
      .columns = {{.name = "null_shock"}, {.name = "driver"}, {.name = "x"}, {.name = "px"}}};
  store.write_features(
      f, Panel(dates, {"null_shock", "driver", "x", "px"}, {null_shock, driver, x, level}));
}

std::filesystem::path write_spec(const TempDir& dir) {
  const auto path = dir.path() / "sim.yml";
  std::ofstream(path)
      << "name: sim\nfeature_set: sim\ntreatments: [null_shock, driver]\noutcomes:\n  px: "
         "{feature: px, kind: "
         "return}\nhorizons: [1, 3]\ncontrols: [x]\nlags: [1]\nlearner: ols\nfolds: 5\nse: hac\n";
  return path;
}

class Calibration : public ::testing::Test {
 protected:
  void SetUp() override {
    fill(store_);
    spec_path_ = write_spec(dir_);
    run_effects(store_, {.spec_path = spec_path_, .version = "E1", .learner = ""});
  }
  TempDir dir_;
  std::filesystem::path spec_path_;
  store::MemoryStore store_;
};

TEST_F(Calibration, TheReportDoesNotDependOnThreadsAndReadsBackAsStored) {
  const auto one = calibrate_effects(
      store_, {.effects_version = "E1", .tag = "C1", .surrogates = 20, .seed = 7, .threads = 1});
  const auto two = calibrate_effects(
      store_, {.effects_version = "E1", .tag = "C2", .surrogates = 20, .seed = 7, .threads = 2});
  // All cores (threads 0): the same report again.
  const auto all = calibrate_effects(
      store_, {.effects_version = "E1", .tag = "C5", .surrogates = 20, .seed = 7, .threads = 0});
  ASSERT_TRUE(one.written);
  ASSERT_EQ(one.report.cells.size(), 4u);  // 2 treatments x 1 outcome x 2 horizons
  ASSERT_EQ(one.report.draws.size(), 80u);
  for (std::size_t i = 0; i < one.report.draws.size(); ++i) {
    const auto& a = one.report.draws[i];
    const auto& b = two.report.draws[i];
    EXPECT_EQ(a.seed, item_seed(7, i));
    // Bit for bit: each item depends on its own seed only.
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.effect), std::bit_cast<std::uint64_t>(b.effect)) << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.p_value), std::bit_cast<std::uint64_t>(b.p_value))
        << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.effect),
              std::bit_cast<std::uint64_t>(all.report.draws[i].effect))
        << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.se),
              std::bit_cast<std::uint64_t>(all.report.draws[i].se))
        << i;
  }
  // An item recomputed alone from its seed gives its stored draw: the surrogate is a stationary
  // block bootstrap (mean block 12) of the cell's treatment column.
  const auto spec = load_effects_spec(spec_path_);
  const auto panel = assemble_panel(store_, spec, "null_shock", "px", 3);
  auto surrogate = panel;
  const std::size_t item =
      3 * 20 +
      5;  // cell 3 (null_shock/px/3: rows sorted by treatment, outcome, horizon), surrogate 5
  surrogate.t = causal::stationary_block_bootstrap(panel.t, 12.0, item_seed(7, item));
  const auto e = estimate_effect(
      surrogate, {.treatment = "null_shock", .outcome = "px", .horizon = 3, .placebos = false},
      spec);
  EXPECT_EQ(one.report.cells[3].treatment, "null_shock");
  EXPECT_EQ(one.report.cells[3].horizon, 3);
  EXPECT_EQ(one.report.draws[item].effect, e.dml.theta);

  // The driver moves the price next month: its 1-month estimate lies beyond every surrogate's
  // (surrogate p-value 1/21); the null shock's does not stand out that far.
  EXPECT_EQ(one.report.cells[0].treatment, "driver");
  EXPECT_NEAR(one.report.cells[0].surrogate_p_value, 1.0 / 21.0, 1e-12);
  EXPECT_GT(one.report.cells[2].surrogate_p_value, 1.0 / 21.0);
  // A null treatment's surrogate fits reject rarely (the grid's HAC intervals at h + 1).
  long rejections = 0;
  for (std::size_t c = 2; c < 4; ++c) rejections += one.report.cells[c].rejections;
  EXPECT_LE(rejections, 8) << "of 40 surrogate fits";  // 20% of 40: a gross over-rejection fails
  // Both placebos come from the stored grid.
  const auto summary = codec::summarise(one.report);
  EXPECT_EQ(summary.permuted_placebo_cells, 4);
  EXPECT_EQ(summary.fits + summary.failed, 80);

  const auto back = read_calibration(store_, "C1");
  EXPECT_EQ(back.effects_version, "E1");
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(codec::calibration_to_json(back), codec::calibration_to_json(one.report));
  // The same settings again: nothing new.
  EXPECT_FALSE(
      calibrate_effects(store_, {.effects_version = "E1", .tag = "C1", .surrogates = 20, .seed = 7})
          .written);
}

// Issue 22 / 28: the grid's cells are work items; the stored rows (with their robustness
// diagnostics and q-values) and the stability cells are the same bytes on 1, 2 or all threads.
TEST_F(Calibration, TheEffectsGridDoesNotDependOnThreads) {
  const auto rows_of = [&](const std::string& version) {
    std::string out;
    for (const auto& r : store_.read_effects(version)) {
      out += r.treatment + r.outcome + std::to_string(r.horizon) + r.method + r.learner +
             r.regime_effects_json + r.placebo_json + r.diagnostics_json + "|";
      for (const double v : {r.effect, r.se, r.ci_low, r.ci_high, r.p_value})
        out += std::to_string(std::bit_cast<std::uint64_t>(v)) + ",";
      out += std::to_string(r.observations) + "\n";
    }
    return out;
  };
  const auto stability_of = [&](const std::string& version) {
    std::string out;
    for (const auto& t : store_.read_artefact_table("effect_stability", version, "windows").rows) {
      for (const auto& c : t) {
        if (const auto* d = std::get_if<double>(&c))
          out += std::to_string(std::bit_cast<std::uint64_t>(*d)) + ",";
        if (const auto* text = std::get_if<std::string>(&c)) out += *text + ",";
      }
      out += "\n";
    }
    return out;
  };
  const std::string one = rows_of("E1");  // SetUp's run, on 1 thread
  ASSERT_EQ(store_.read_effects("E1").size(), 4u);
  ASSERT_NE(one.find("q_value"), std::string::npos);  // the q-values closed the diagnostics
  for (const int threads : {2, 0}) {
    const std::string tag = "E_t" + std::to_string(threads);
    ASSERT_TRUE(
        run_effects(store_,
                    {.spec_path = spec_path_, .version = tag, .learner = "", .threads = threads})
            .written);
    EXPECT_EQ(rows_of(tag), one) << threads << " threads";
    EXPECT_EQ(stability_of(tag), stability_of("E1")) << threads << " threads";
  }
  EXPECT_FALSE(stability_of("E1").empty());
}

// A control the feature set lacks is named before the first cell runs (it failed only inside a
// cell, minutes into a real grid: QA 2026-12-08), and nothing is stored.
TEST_F(Calibration, AnUnknownControlIsNamedBeforeAnyCellRuns) {
  const auto path = dir_.path() / "nope.yml";
  std::ofstream(path) << "name: sim\nfeature_set: sim\ntreatments: [driver]\noutcomes:\n  px: "
                         "{feature: px, kind: return}\nhorizons: [1]\ncontrols: [x, nope]\n"
                         "lags: [1]\nlearner: ols\nfolds: 5\nse: hac\n";
  int reports = 0;
  try {
    run_effects(store_, {.spec_path = path, .version = "E_NOPE", .learner = ""},
                [&](const std::string&) { ++reports; });
    FAIL() << "an unknown control was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("control: 'nope' is not a column of the feature set"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(reports, 0);  // no cell started
  for (const auto& v : store_.list_effect_versions()) EXPECT_NE(v.version, "E_NOPE");
}

TEST_F(Calibration, BadInputAndInterruptionStoreNothing) {
  const auto code = [&](const CalibrationOptions& o) {
    try {
      calibrate_effects(store_, o);
    } catch (const Error& e) {
      return std::pair{e.code(), std::string(e.what())};
    }
    return std::pair{ErrorCode::kInternal, std::string("no error")};
  };
  auto [c, m] = code({.effects_version = "E1", .surrogates = 19});
  EXPECT_EQ(c, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("surrogates"), std::string::npos) << m;
  std::tie(c, m) = code({.effects_version = "E9", .surrogates = 20});
  EXPECT_EQ(c, ErrorCode::kNotFound);
  EXPECT_NE(m.find("E9"), std::string::npos) << m;
  std::tie(c, m) = code({.effects_version = "E1", .surrogates = 20, .mean_block = 0.5});
  EXPECT_NE(m.find("block"), std::string::npos) << m;
  std::tie(c, m) = code({.effects_version = "E1", .surrogates = 20, .threads = -1});
  EXPECT_EQ(c, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("threads"), std::string::npos) << m;
  // Stopped after the first progress report (one cell's worth of items): cancelled, nothing stored.
  std::stop_source stop;
  try {
    calibrate_effects(
        store_, {.effects_version = "E1", .tag = "C3", .surrogates = 20, .stop = stop.get_token()},
        [&](const std::string&) { stop.request_stop(); });
    FAIL() << "an interrupted calibration returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(store_.list_artefacts("effects_calibration").empty());
  // A tag stored with other settings is refused before any work.
  calibrate_effects(store_, {.effects_version = "E1", .tag = "C4", .surrogates = 20, .seed = 1});
  std::tie(c, m) = code({.effects_version = "E1", .tag = "C4", .surrogates = 20, .seed = 2});
  EXPECT_EQ(c, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("C4"), std::string::npos) << m;
}

}  // namespace
}  // namespace mre::workflows
