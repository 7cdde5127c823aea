// The attention regime model as a use case (workflows/neural.h) on a small in-memory store: a
// regime path with persistent spells (three labels) and two features that shift with it. Training
// stores a regime version and its model; the same seed and threads give the same weights bit for
// bit; probabilities up to a date do not move when later data are removed (bit for bit); evaluate
// scores the model and both baselines on the same dates; the serving call reproduces the stored
// row; bad input is named and nothing is stored; a corrupt weights blob is refused on load.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "mre/codec/neural_artefact.h"
#include "mre/core/error.h"
#include "mre/workflows/neural.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

Date d(const char* iso) { return *Date::parse(iso); }

std::vector<Date> weekdays(std::size_t n) {
  std::vector<Date> out;
  for (Date x = d("2015-01-05"); out.size() < n; x = x + 1) {
    const int wd = (x.days_since_epoch() + 4) % 7;
    if (wd != 0 && wd != 6) out.push_back(x);
  }
  return out;
}

constexpr std::size_t kDays = 700;

// Labels CALM / MID / STRESS in spells of 5..40 days; features a (mean 0, 1, 2 by label) and b
// (noise); the target version "T1" (walk-forward) labels every day from day 0; rows after `cut`
// (when set) are left out of both.
std::unique_ptr<store::Store> make_store(std::optional<Date> cut = std::nullopt,
                                         bool in_sample = false) {
  auto s = store::open_store(":memory:");
  const auto dates = weekdays(kDays);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z;
  std::uniform_int_distribution<int> spell(5, 40);
  std::vector<Date> kept;
  std::vector<double> a, b;
  std::vector<store::RegimeRow> rows;
  const std::vector<std::string> names{"CALM", "MID", "STRESS"};
  int label = 0, left = spell(rng);
  for (const Date day : dates) {
    if (left-- == 0) {
      label = (label + 1 + static_cast<int>(rng() % 2)) % 3;
      left = spell(rng);
    }
    const double va = label + 0.7 * z(rng), vb = z(rng);
    if (cut && *cut < day) continue;
    kept.push_back(day);
    a.push_back(va);
    b.push_back(vb);
    std::vector<double> p(3, 0.0);
    p[static_cast<std::size_t>(label)] = 1.0;
    rows.push_back({day, names[static_cast<std::size_t>(label)], 1.0, p});
  }
  store::FeatureVersion f{.version = "F1",
                          .spec_name = "toy",
                          .spec_hash = "fh",
                          .data_watermark = "w",
                          .frequency = "daily",
                          .spec_text = "t",
                          .created_at = Timestamp::from_micros(10),
                          .columns = {{.name = "a"}, {.name = "b"}}};
  s->write_features(f, Panel(kept, {"a", "b"}, {a, b}));
  store::RegimeModel m{
      .version = "T1",
      .kind = "hmm",
      .spec_name = "toy",
      .spec_hash = "h",
      .spec_text = "t",
      .feature_version = "F1",
      .columns = {"a"},
      .labels = names,
      .params_json = "{}",
      .diagnostics_json = in_sample ? R"({"walk_forward": false})" : R"({"walk_forward": true})",
      .created_at = Timestamp::from_micros(11)};
  s->write_regimes(m, rows);
  return s;
}

// The tiny spec: window 5, hidden 8, 2 heads, 3 epochs, refits every 6 months from 200 pairs.
std::string spec_text(int horizon = 2,
                      const std::string& classes = "{calm: [CALM], mid: [MID], stress: [STRESS]}") {
  return "name: tiny\nfeature_version: F1\ntarget:\n  version: T1\n  horizon: " +
         std::to_string(horizon) + "\n  classes: " + classes +
         "\nnetwork: {hidden: 8, heads: 2, window: 5, dropout: 0.1}\n"
         "training: {epochs: 3, patience: 2, batch: 32, learning_rate: 0.01, seed: 3}\n"
         "walk_forward: {refit_every_months: 6, min_train_examples: 200}\n";
}

struct Fixture {
  testing::TempDir dir;
  std::filesystem::path spec(const std::string& text) {
    const auto p = dir.path() / ("spec" + std::to_string(n++) + ".yml");
    testing::write_file(p, text);
    return p;
  }
  int n = 0;
};

NeuralTrainOptions options(const std::filesystem::path& spec, const std::string& tag = "N1") {
  NeuralTrainOptions o;
  o.spec_path = spec;
  o.version = tag;
  o.threads = 1;
  return o;
}

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::to_string(static_cast<int>(e.code())) + " " + e.what();
  }
  return "no error";
}

TEST(NeuralWorkflow, StoresARegimeVersionAndItsModel) {
  Fixture fx;
  auto s = make_store();
  const auto report = train_neural(*s, options(fx.spec(spec_text())));
  EXPECT_TRUE(report.written);
  ASSERT_GE(report.stored.refits.size(), 3u);
  const auto model = s->find_regime_model("N1");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->kind, "neural_attention");
  EXPECT_EQ(model->labels, (std::vector<std::string>{"calm", "mid", "stress"}));
  const auto rows = s->read_regimes("N1", std::nullopt, std::nullopt);
  EXPECT_EQ(rows.size(), report.rows);
  EXPECT_EQ(rows.front().date, report.stored.refits.front().date);
  // Every refit trained only on labels dated before it (t + k < the refit's row).
  for (const auto& f : report.stored.refits) EXPECT_LT(f.label_last, f.date);
  // Six months apart (MR-AI-04), on the first weekday on or after the due date.
  for (std::size_t j = 1; j < report.stored.refits.size(); ++j) {
    const Date due = report.stored.refits[j - 1].date.add_months(6);
    EXPECT_GE(report.stored.refits[j].date, due);
    EXPECT_LE(report.stored.refits[j].date, due + 3);
  }
  // The model round-trips, weights bit for bit (checksums verified on read).
  const auto back = read_neural(*s, "N1");
  ASSERT_EQ(back.refits.size(), report.stored.refits.size());
  for (std::size_t j = 0; j < back.refits.size(); ++j) {
    EXPECT_EQ(back.refits[j].model.weights, report.stored.refits[j].model.weights);
    EXPECT_EQ(back.refits[j].model.input_mean, report.stored.refits[j].model.input_mean);
  }
  EXPECT_EQ(list_neural(*s).size(), 1u);
  // The same again is a no-op; another seed under the same tag is refused, nothing changes.
  EXPECT_FALSE(train_neural(*s, options(fx.spec(spec_text()))).written);
  auto other = options(fx.spec(spec_text()));
  other.seed = 4;
  EXPECT_NE(what_of([&] { train_neural(*s, other); }).find("never overwritten"), std::string::npos);
  EXPECT_EQ(s->read_regimes("N1", std::nullopt, std::nullopt).size(), rows.size());
}

// A failure between the two writes leaves the model without its regime version: the same command
// again completes the pair (training is deterministic: the model's write is a no-op).
TEST(NeuralWorkflow, AModelWithoutItsRegimeVersionIsCompletedByTheSameCommand) {
  Fixture fx;
  const auto spec = fx.spec(spec_text());
  auto a = make_store();
  const auto first = train_neural(*a, options(spec));
  auto b = make_store();
  const auto& kind = codec::neural_attention_kind();
  b->write_artefact(kind, *a->find_artefact(kind.name, "N1"),
                    codec::neural_attention_tables(first.stored));
  ASSERT_FALSE(b->find_regime_model("N1"));
  EXPECT_TRUE(train_neural(*b, options(spec)).written);
  const auto ra = a->read_regimes("N1", std::nullopt, std::nullopt);
  const auto rb = b->read_regimes("N1", std::nullopt, std::nullopt);
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_EQ(ra[i].probabilities, rb[i].probabilities);
}

TEST(NeuralWorkflow, SameSeedAndThreadsGiveTheSameWeights) {
  Fixture fx;
  auto a = make_store();
  auto b = make_store();
  const auto spec = fx.spec(spec_text());
  const auto ra = train_neural(*a, options(spec));
  const auto rb = train_neural(*b, options(spec));
  ASSERT_EQ(ra.stored.refits.size(), rb.stored.refits.size());
  for (std::size_t j = 0; j < ra.stored.refits.size(); ++j)
    EXPECT_EQ(ra.stored.refits[j].model.weights, rb.stored.refits[j].model.weights);  // bitwise
  auto seeded = options(spec);
  seeded.seed = 99;
  auto c = make_store();
  EXPECT_NE(train_neural(*c, seeded).stored.refits[0].model.weights,
            ra.stored.refits[0].model.weights);
}

TEST(NeuralWorkflow, ProbabilitiesUpToADateIgnoreLaterData) {
  Fixture fx;
  const auto spec = fx.spec(spec_text());
  auto full = make_store();
  train_neural(*full, options(spec));
  const auto all = full->read_regimes("N1", std::nullopt, std::nullopt);
  // Two cuts: inside a refit period, and just before a refit date.
  const auto refits = read_neural(*full, "N1").refits;
  for (const Date cut : {all[all.size() / 2].date, refits[2].date - 1}) {
    auto part = make_store(cut);
    train_neural(*part, options(spec));
    const auto some = part->read_regimes("N1", std::nullopt, std::nullopt);
    ASSERT_FALSE(some.empty());
    std::size_t i = 0;
    for (const auto& r : some) {
      while (i < all.size() && all[i].date < r.date) ++i;
      ASSERT_LT(i, all.size());
      ASSERT_EQ(all[i].date, r.date);
      ASSERT_EQ(all[i].probabilities.size(), r.probabilities.size());
      for (std::size_t c = 0; c < r.probabilities.size(); ++c) {
        EXPECT_EQ(std::memcmp(&all[i].probabilities[c], &r.probabilities[c], sizeof(double)), 0)
            << r.date.iso();
      }
    }
    // The cut store has rows up to its last date (horizon 2: the last pairs need later labels).
    EXPECT_EQ(some.back().date, cut);
  }
}

TEST(NeuralWorkflow, EvaluatePrintsTheModelAndBothBaselines) {
  Fixture fx;
  auto s = make_store();
  train_neural(*s, options(fx.spec(spec_text())));
  const auto e = evaluate_neural(*s, "N1");
  ASSERT_EQ(e.rows.size(), 3u);
  EXPECT_EQ(e.rows[0].name, "model");
  EXPECT_EQ(e.rows[1].name, "persistence");
  EXPECT_EQ(e.rows[2].name, "markov");
  for (const auto& r : e.rows) {
    EXPECT_EQ(r.forecasts, e.rows[0].forecasts);  // the same dates for all three
    EXPECT_GT(r.forecasts, 300u);
    EXPECT_EQ(r.calibration.size(), 10u);
  }
  // Spells of 5..40 days: persistence two days ahead is right most of the time.
  EXPECT_GT(e.rows[1].accuracy, 0.8);
  const std::string json = codec::attention_evaluation_to_json(e);
  EXPECT_NE(json.find("\"forecast\": \"markov\""), std::string::npos);
  const std::string csv = codec::attention_evaluation_to_csv(e);
  EXPECT_EQ(csv.rfind("forecast,n,log_loss,brier,accuracy\nmodel,", 0), 0u) << csv;
}

// Simulated data with a known answer: feature a's mean is the class index (noise sd 0.7), so a
// network aligned with its labels classifies the day (horizon 0) far better than the base rates
// (about 1/3 each); a window or label shifted by a day would cost accuracy at every spell change.
TEST(NeuralWorkflow, LearnsTheClassFromTheFeaturesOutOfSample) {
  Fixture fx;
  auto s = make_store();
  std::string text = spec_text(0);
  text.replace(text.find("epochs: 3"), 9, "epochs: 20");
  text.replace(text.find("patience: 2"), 11, "patience: 5");
  train_neural(*s, options(fx.spec(text)));
  const auto e = evaluate_neural(*s, "N1");
  // Per day, the Bayes classifier on a alone is right ~0.76 of the time (class means 1 apart,
  // sd 0.7: P(|z| < 0.5 / 0.7) for the middle class, one tail for the outer ones); the window
  // adds the spell's other days.
  EXPECT_GT(e.rows[0].accuracy, 0.7);
}

TEST(NeuralWorkflow, LatestReproducesTheStoredRow) {
  Fixture fx;
  auto s = make_store();
  train_neural(*s, options(fx.spec(spec_text())));
  const auto latest = classify_latest_neural(*s, "N1");
  const auto rows = s->read_regimes("N1", std::nullopt, std::nullopt);
  EXPECT_EQ(latest.date, rows.back().date);
  EXPECT_EQ(latest.regime, rows.back().regime);
  ASSERT_EQ(latest.probabilities.size(), 3u);
  for (std::size_t c = 0; c < 3; ++c)
    EXPECT_EQ(latest.probabilities[c], rows.back().probabilities[c]);
  EXPECT_NE(what_of([&] { classify_latest_neural(*s, "NOPE"); }).find("no neural model 'NOPE'"),
            std::string::npos);
}

TEST(NeuralWorkflow, BadInputIsNamedAndNothingIsStored) {
  Fixture fx;
  auto s = make_store();
  const auto nothing_stored = [&] {
    EXPECT_TRUE(list_neural(*s).empty());
    EXPECT_FALSE(s->find_regime_model("N1"));
  };
  // A window longer than the data.
  std::string long_window = spec_text();
  long_window.replace(long_window.find("window: 5"), 9, "window: 900");
  EXPECT_NE(what_of([&] {
              train_neural(*s, options(fx.spec(long_window)));
            }).find("the window of 900 days (plus the horizon 2) is longer than the data"),
            std::string::npos);
  nothing_stored();
  // A setting the kernel refuses is named at its own line (it was the spec's first key's): the
  // network block style puts heads on line 8, the training's learning_rate on line 12.
  const std::string block =
      "name: tiny\nfeature_version: F1\ntarget:\n  version: T1\n  horizon: 2\n"
      "  classes: {calm: [CALM], mid: [MID], stress: [STRESS]}\nnetwork:\n  heads: 3\n"
      "  hidden: 8\n  window: 5\ntraining:\n  learning_rate: 0.5\n";
  const std::string heads = what_of([&] { train_neural(*s, options(fx.spec(block))); });
  EXPECT_NE(heads.find(".yml:8: attention: setting 'heads' must divide hidden"), std::string::npos)
      << heads;
  std::string rate = block;
  rate.replace(rate.find("heads: 3"), 8, "heads: 2");
  rate.replace(rate.find("learning_rate: 0.5"), 18, "learning_rate: 2");
  const std::string lr = what_of([&] { train_neural(*s, options(fx.spec(rate))); });
  EXPECT_NE(lr.find(".yml:12: attention: setting 'learning_rate' must be in (0, 1)"),
            std::string::npos)
      << lr;
  nothing_stored();
  // A target label the classes do not map, and one they name that the target lacks.
  EXPECT_NE(what_of([&] {
              train_neural(*s, options(fx.spec(spec_text(2, "{calm: [CALM], stress: [STRESS]}"))));
            }).find("does not map label 'MID' of target version 'T1'"),
            std::string::npos);
  EXPECT_NE(what_of([&] {
              train_neural(*s, options(fx.spec(spec_text(
                                   2, "{calm: [CALM], mid: [MID], stress: [STRESS, CRASH]}"))));
            }).find("lists label 'CRASH', which target version 'T1' does not have"),
            std::string::npos);
  nothing_stored();
  // A class with no example in a training window: a class of labels that never occur... here
  // MID and STRESS merged and CALM split off by a class that only has days after the first refit
  // is not constructible from the toy; so the target is rewritten with MID only after day 400.
  {
    auto late = store::open_store(":memory:");
    const auto panel = s->read_features("F1", std::nullopt, std::nullopt);
    late->write_features(*s->find_feature_version("F1"), panel);
    auto rows = s->read_regimes("T1", std::nullopt, std::nullopt);
    for (std::size_t i = 0; i < 400; ++i) {
      if (rows[i].regime == "MID") rows[i].regime = "CALM";
    }
    late->write_regimes(*s->find_regime_model("T1"), rows);
    const std::string w = what_of([&] { train_neural(*late, options(fx.spec(spec_text()))); });
    EXPECT_EQ(w.rfind("1 ", 0), 0u) << w;  // DataError
    EXPECT_NE(w.find("class 'mid' has no example in the training window"), std::string::npos) << w;
    EXPECT_NE(w.find("(refit of "), std::string::npos) << w;
    EXPECT_TRUE(list_neural(*late).empty());
    EXPECT_FALSE(late->find_regime_model("N1"));
  }
  // A target version that does not cover the features (its dates end before theirs begin).
  {
    auto apart = store::open_store(":memory:");
    apart->write_features(*s->find_feature_version("F1"),
                          s->read_features("F1", d("2016-01-01"), std::nullopt));
    apart->write_regimes(*s->find_regime_model("T1"),
                         s->read_regimes("T1", std::nullopt, d("2015-12-31")));
    const std::string w = what_of([&] { train_neural(*apart, options(fx.spec(spec_text()))); });
    EXPECT_NE(w.find("target version 'T1' does not cover feature version 'F1'"), std::string::npos)
        << w;
    EXPECT_TRUE(list_neural(*apart).empty());
  }
  // An in-sample target (its labels use later data) and unknown versions.
  {
    auto in_sample = make_store(std::nullopt, true);
    EXPECT_NE(what_of([&] {
                train_neural(*in_sample, options(fx.spec(spec_text())));
              }).find("is an in-sample fit"),
              std::string::npos);
  }
  auto unknown = options(fx.spec(spec_text()));
  unknown.target_version = "NOPE";
  EXPECT_EQ(what_of([&] { train_neural(*s, unknown); }).rfind("4 ", 0), 0u);  // NotFound
  nothing_stored();
}

TEST(NeuralWorkflow, NaNInputsAreMaskedWindowByWindow) {
  Fixture fx;
  auto s = store::open_store(":memory:");
  auto base = make_store();
  Panel panel = base->read_features("F1", std::nullopt, std::nullopt);
  std::vector<double> a = panel.column(0), b = panel.column(1);
  a[600] = std::nan("");
  s->write_features(*base->find_feature_version("F1"), Panel(panel.dates(), {"a", "b"}, {a, b}));
  s->write_regimes(*base->find_regime_model("T1"),
                   base->read_regimes("T1", std::nullopt, std::nullopt));
  train_neural(*s, options(fx.spec(spec_text())));
  const auto rows = s->read_regimes("N1", std::nullopt, std::nullopt);
  // The five windows holding day 600 (window 5) are not classified; days 599 and 605 are.
  const auto has = [&](std::size_t day) {
    for (const auto& r : rows)
      if (r.date == panel.dates()[day]) return true;
    return false;
  };
  for (std::size_t day = 600; day < 605; ++day) EXPECT_FALSE(has(day)) << day;
  EXPECT_TRUE(has(599));
  EXPECT_TRUE(has(605));
}

TEST(NeuralWorkflow, ACorruptWeightsBlobIsRefusedOnLoad) {
  Fixture fx;
  auto s = make_store();
  const auto report = train_neural(*s, options(fx.spec(spec_text())));
  auto tables = codec::neural_attention_tables(report.stored);
  auto& chunk = std::get<std::string>(tables[5].rows[0][2]);
  chunk[10] = chunk[10] == 'A' ? 'B' : 'A';  // one base64 digit: six bits of one weight
  store::ArtefactHeader h = *s->find_artefact("neural_attention", "N1");
  h.version = "N2";
  s->write_artefact(codec::neural_attention_kind(), h, tables);
  const std::string w = what_of([&] { read_neural(*s, "N2"); });
  EXPECT_EQ(w.rfind("1 ", 0), 0u) << w;  // DataError
  EXPECT_NE(w.find("neural model N2 refit 0"), std::string::npos) << w;
  EXPECT_NE(w.find("the weights blob is corrupt (checksum"), std::string::npos) << w;
  EXPECT_NE(what_of([&] { evaluate_neural(*s, "N2"); }).find("corrupt"), std::string::npos);
}

}  // namespace
}  // namespace mre::workflows
