// The quantgan shock generator of an SCM version (workflows/quantgan.h) on the bundled data with
// a tiny network: trained and stored as a version (the same settings again: a no-op), read back
// bit for bit, drawn by a regime-conditional scenario whose run records the generator version and
// whose effects carry bands; a generator of another SCM version, a corrupt weights blob and a
// training window shorter than the receptive field refused naming them, with nothing stored.
#include <gtest/gtest.h>

#include "mre/codec/quantgan_artefact.h"
#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/quantgan.h"
#include "mre/workflows/scm.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

neural::QuantGanConfig tiny() {
  neural::QuantGanConfig c;
  c.hidden = 4;
  c.levels = 2;
  c.window = 14;
  c.steps = 2;
  c.critic_steps = 1;
  c.batch = 4;
  return c;
}

class QuantGanOnSnapshot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new store::MemoryStore();
    ingest(*store_, {.universe_path = mre::testing::universe_path(),
                     .tickers = {"DCOILWTICO", "MORTGAGE30US", "ZQ=F", "ZQ=F.open", "EFFR",
                                 "DGS3MO", "TLT", "DBC", "DX-Y.NYB", "^GSPC"}});
    const auto spec = mre::testing::source_dir() / "config/scm/policy_transmission.yml";
    for (const char* v : {"S1", "S2"}) {
      fit_scm(*store_,
              {.spec_path = spec, .universe_path = mre::testing::universe_path(), .version = v});
    }
  }
  static void TearDownTestSuite() { delete store_; }
  static store::MemoryStore* store_;
};
store::MemoryStore* QuantGanOnSnapshot::store_ = nullptr;

TEST_F(QuantGanOnSnapshot, TrainedVersionDrawsRegimeConditionalScenariosWithBands) {
  QuantGanTrainOptions o{.scm_version = "S1", .tag = "Q1", .config = tiny()};
  const auto trained = train_quantgan(*store_, o);
  EXPECT_TRUE(trained.written);
  EXPECT_EQ(trained.stored.scm_version, "S1");
  EXPECT_EQ(trained.stored.series.size(), 9u);       // the nine equations, jointly
  EXPECT_FALSE(train_quantgan(*store_, o).written);  // same settings: nothing to do
  const auto back = read_quantgan(*store_, "Q1");
  EXPECT_EQ(back.model.weights, trained.stored.model.weights);  // bit for bit through the blob
  EXPECT_EQ(back.regime_labels, trained.stored.regime_labels);
  // Other settings under the same tag: refused, the version is never overwritten.
  auto other = o;
  other.config->seed = 99;
  EXPECT_THROW(train_quantgan(*store_, other), Error);
  EXPECT_EQ(read_quantgan(*store_, "Q1").model.weights, trained.stored.model.weights);

  const auto m = load_scm(*store_, "S1");
  ScenarioOptions s;
  s.interventions = {parse_do("EFFR=+0.50")};
  s.config = {
      .horizon = 10, .paths = 40, .seed = 3, .threads = 2, .shocks = scm::ShockKind::kQuantGan};
  s.uncertainty.bootstrap.replicates = 50;  // the minimum
  s.uncertainty.paths_per_replicate = 2;
  const auto r = run_scenario(*store_, "S1", m, s);
  EXPECT_TRUE(r.written);
  EXPECT_EQ(r.run.shocks, "quantgan:Q1");  // the run records the generator version
  ASSERT_FALSE(r.effects.empty());
  for (const auto& e : r.effects) {
    EXPECT_TRUE(e.banded) << e.node;
    EXPECT_TRUE(std::isfinite(e.band.lo90) && std::isfinite(e.band.hi90)) << e.node;
  }
  // The same numbers whatever the thread count.
  auto one = s;
  one.config.threads = 1;
  const auto r1 = run_scenario(*store_, "S1", m, one);
  ASSERT_EQ(r1.rows.size(), r.rows.size());
  for (std::size_t i = 0; i < r.rows.size(); ++i) EXPECT_EQ(r1.rows[i].q50, r.rows[i].q50);
  // From the version's last date nothing is said; from an earlier start the run warns that the
  // generator was trained on shocks after it (the other generators draw up to the start only).
  const auto said = [](const ScenarioResult& x) {
    for (const auto& w : x.warnings)
      if (w.find("--shocks quantgan: the generator") != std::string::npos) return w;
    return std::string();
  };
  EXPECT_EQ(said(r), "");
  auto early = one;
  early.start = m.dates[m.dates.size() / 2];
  attach_quantgan(*store_, "S1", m, early);
  const auto warned = said(compute_scenario("S1", m, early));
  EXPECT_NE(warned.find("to " + m.dates.back().iso() + ", after the start " + early.start->iso() +
                        ": its draws carry what happened after the start"),
            std::string::npos)
      << warned;
}

TEST_F(QuantGanOnSnapshot, OtherScmCorruptBlobAndShortWindowAreRefusedStoringNothing) {
  train_quantgan(*store_, {.scm_version = "S1", .tag = "Q2", .config = tiny()});
  const auto m2 = load_scm(*store_, "S2");
  ScenarioOptions s;
  s.config = {.horizon = 5, .paths = 10, .shocks = scm::ShockKind::kQuantGan};
  s.generator_version = "Q2";
  try {
    attach_quantgan(*store_, "S2", m2, s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("trained on scm version 'S1', not 'S2'"),
              std::string::npos)
        << e.what();
  }
  // A copy of Q2 whose weights blob lost a character in transit.
  const auto& kind = codec::quantgan_kind();
  auto header = *store_->find_artefact(kind.name, "Q2");
  header.version = "Q2corrupt";
  std::vector<store::ArtefactTable> tables;
  for (const auto& t : kind.tables)
    tables.push_back(store_->read_artefact_table(kind.name, "Q2", t.name));
  auto& blob = std::get<std::string>(tables[3].rows[0][1]);
  blob[10] = blob[10] == 'A' ? 'B' : 'A';
  store_->write_artefact(kind, header, tables);
  try {
    read_quantgan(*store_, "Q2corrupt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  // A training window longer than the data: refused before anything is stored.
  const auto before = store_->list_artefacts(kind.name).size();
  auto long_window = tiny();
  long_window.window = 20000;
  try {
    train_quantgan(*store_, {.scm_version = "S1", .tag = "Q3", .config = long_window});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("shorter than the receptive field"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store_->list_artefacts(kind.name).size(), before);
  // Without an attached generator the kernel-level scenario is refused naming the command.
  ScenarioOptions none;
  none.config = {.horizon = 5, .paths = 10, .shocks = scm::ShockKind::kQuantGan};
  try {
    compute_scenario("S2", m2, none);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mre scm generators train"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
