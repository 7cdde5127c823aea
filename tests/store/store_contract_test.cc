// The store contract: one suite, run against every backend. The memory and SQLite instances are
// in store_contract_backends_test.cc, PostgreSQL's in postgres_store_test.cc (against a
// throwaway server). Revisions, as-of views, all-or-nothing writes, version tags.
#include "store/store_contract.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/store/sql/session.h"

namespace mre::store {
namespace {

Date d(const char* iso) { return *Date::parse(iso); }

SeriesWrite series(const std::string& ticker, std::vector<std::pair<const char*, double>> points) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& [date, value] : points) {
    dates.push_back(d(date));
    values.push_back(value);
  }
  return {ticker, AssetClass::kRates, "test", TimeSeries(ticker, dates, values)};
}

Timestamp at(const char* iso) { return *Timestamp::parse(iso); }

TEST_P(StoreContract, VintagesAreStoredAsPublishedAndAsOfReadsFollowThem) {
  auto store = open();
  // Today's snapshot first (ingested now), then ALFRED's history of the same dates.
  store->write_raw(std::vector<SeriesWrite>{series("GDP", {{"2024-01-01", 28255.928}})},
                   at("2026-06-01T00:00:00Z"));
  const SeriesWrite meta = series("GDP", {});
  const std::vector<VintageRow> vintages = {
      {d("2024-01-01"), 28269.174, at("2024-04-25T00:00:00Z")},  // first release
      {d("2024-01-01"), 28255.928, at("2024-05-30T00:00:00Z")},  // the revision
      {d("2024-04-01"), 28629.153, at("2024-07-25T00:00:00Z")}};
  const auto summary = store->write_vintages(meta, vintages, at("2026-06-02T00:00:00Z"));
  EXPECT_EQ(summary.inserted, 1u);  // 2024-04-01 was new
  EXPECT_EQ(summary.revised, 2u);   // two earlier views of 2024-01-01
  const auto before = store->read_raw({.ticker = "GDP", .as_of = at("2024-05-01T00:00:00Z")});
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ(before->values()[0], 28269.174);  // what was known on 2024-05-01
  const auto after = store->read_raw({.ticker = "GDP", .as_of = at("2024-06-01T00:00:00Z")});
  EXPECT_EQ(after->values()[0], 28255.928);
  const auto now = store->read_raw({.ticker = "GDP"});
  ASSERT_EQ(now->size(), 2u);
  EXPECT_EQ(now->values()[0], 28255.928);
  // The same vintages again: nothing new.
  const auto again = store->write_vintages(meta, vintages, at("2026-06-03T00:00:00Z"));
  EXPECT_EQ(again.inserted + again.revised, 0u);
  EXPECT_EQ(again.unchanged, 3u);
  EXPECT_EQ(store->read_revisions({.ticker = "GDP"}).size(), 4u);
  // A non-finite value writes nothing.
  EXPECT_THROW(
      store->write_vintages(
          meta, std::vector<VintageRow>{{d("2024-07-01"), NAN, at("2024-10-30T00:00:00Z")}},
          at("2026-06-04T00:00:00Z")),
      Error);
  EXPECT_EQ(store->read_revisions({.ticker = "GDP"}).size(), 4u);
}

TEST_P(StoreContract, EmptyStoreHasNoSeries) {
  auto store = open();
  EXPECT_TRUE(store->list_series().empty());
  EXPECT_FALSE(store->read_raw({.ticker = "DGS10"}).has_value());
  EXPECT_TRUE(store->list_ingests().empty());
}

TEST_P(StoreContract, WrittenSeriesReadsBackExactly) {
  auto store = open();
  std::vector<SeriesWrite> batch{series("A", {{"2024-01-02", 1.25}, {"2024-01-03", -0.1}}),
                                 series("B", {{"2023-12-29", 3.0}})};
  const auto result = store->write_raw(batch, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(result.inserted(), 3u);
  EXPECT_EQ(result.revised(), 0u);
  const auto a = store->read_raw({.ticker = "A"});
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(a->dates()[1], d("2024-01-03"));
  EXPECT_EQ(a->values()[1], -0.1);  // bit-exact: the store keeps doubles as they came
  const auto list = store->list_series();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].ticker, "A");
  EXPECT_EQ(list[0].observations, 2u);
  EXPECT_EQ(list[0].first, d("2024-01-02"));
  EXPECT_EQ(list[0].last, d("2024-01-03"));
  EXPECT_EQ(list[0].asset_class, AssetClass::kRates);
  EXPECT_EQ(list[0].source, "test");
}

TEST_P(StoreContract, ReingestOfUnchangedValuesWritesNothing) {
  auto store = open();
  std::vector<SeriesWrite> batch{series("A", {{"2024-01-02", 1.0}, {"2024-01-03", 2.0}})};
  store->write_raw(batch, at("2026-01-01T00:00:00Z"));
  const auto again = store->write_raw(batch, at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(again.inserted(), 0u);
  EXPECT_EQ(again.revised(), 0u);
  EXPECT_EQ(again.unchanged(), 2u);
  EXPECT_EQ(store->list_ingests().size(), 1u);  // the no-op write left no trace
  EXPECT_EQ(store->list_series()[0].rows, 2u);
}

TEST_P(StoreContract, ChangedValueAppendsRevisionAndAsOfShowsBothStates) {
  auto store = open();
  std::vector<SeriesWrite> first{series("CPI", {{"2024-01-01", 100.0}, {"2024-02-01", 101.0}})};
  const auto t1 = store->write_raw(first, at("2026-01-01T00:00:00Z")).ingested_at;
  std::vector<SeriesWrite> second{
      series("CPI", {{"2024-01-01", 100.0}, {"2024-02-01", 101.5}, {"2024-03-01", 102.0}})};
  const auto result = store->write_raw(second, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(result.inserted(), 1u);
  EXPECT_EQ(result.revised(), 1u);
  EXPECT_EQ(result.unchanged(), 1u);

  const auto now = store->read_raw({.ticker = "CPI"});
  ASSERT_EQ(now->size(), 3u);
  EXPECT_EQ(now->values()[1], 101.5);

  const auto then = store->read_raw({.ticker = "CPI", .as_of = t1});
  ASSERT_EQ(then->size(), 2u);
  EXPECT_EQ(then->values()[1], 101.0);

  // Before anything was ingested the series did not exist yet: empty, not absent.
  const auto before = store->read_raw({.ticker = "CPI", .as_of = at("2025-01-01T00:00:00Z")});
  ASSERT_TRUE(before.has_value());
  EXPECT_TRUE(before->empty());

  const auto rows = store->read_revisions({.ticker = "CPI"});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].date, d("2024-02-01"));
  EXPECT_EQ(rows[1].value, 101.0);
  EXPECT_EQ(rows[2].value, 101.5);
  EXPECT_LT(rows[1].ingested_at, rows[2].ingested_at);
  const auto list = store->list_series();
  EXPECT_EQ(list[0].observations, 3u);
  EXPECT_EQ(list[0].rows, 4u);
}

TEST_P(StoreContract, RevertingToAnEarlierValueIsAnotherRevision) {
  auto store = open();
  std::vector<SeriesWrite> v1{series("X", {{"2024-01-01", 1.0}})};
  std::vector<SeriesWrite> v2{series("X", {{"2024-01-01", 2.0}})};
  store->write_raw(v1, at("2026-01-01T00:00:00Z"));
  store->write_raw(v2, at("2026-01-02T00:00:00Z"));
  const auto back = store->write_raw(v1, at("2026-01-03T00:00:00Z"));
  EXPECT_EQ(back.revised(), 1u);
  EXPECT_EQ(store->read_raw({.ticker = "X"})->values()[0], 1.0);
  EXPECT_EQ(store->read_raw({.ticker = "X", .as_of = at("2026-01-02T12:00:00Z")})->values()[0],
            2.0);
}

TEST_P(StoreContract, IngestTimesStrictlyIncreaseEvenWhenTheClockDoesNot) {
  auto store = open();
  std::vector<SeriesWrite> v1{series("X", {{"2024-01-01", 1.0}})};
  std::vector<SeriesWrite> v2{series("X", {{"2024-01-01", 2.0}})};
  const auto t = at("2026-01-01T00:00:00Z");
  const auto first = store->write_raw(v1, t).ingested_at;
  const auto second = store->write_raw(v2, t).ingested_at;  // same clock reading
  EXPECT_LT(first, second);
  EXPECT_EQ(store->read_raw({.ticker = "X", .as_of = first})->values()[0], 1.0);
  EXPECT_EQ(store->read_raw({.ticker = "X"})->values()[0], 2.0);
  ASSERT_EQ(store->list_ingests().size(), 2u);
}

TEST_P(StoreContract, DateRangeFilterIsInclusive) {
  auto store = open();
  std::vector<SeriesWrite> batch{
      series("A", {{"2024-01-01", 1}, {"2024-01-02", 2}, {"2024-01-03", 3}, {"2024-01-04", 4}})};
  store->write_raw(batch, at("2026-01-01T00:00:00Z"));
  const auto part =
      store->read_raw({.ticker = "A", .from = d("2024-01-02"), .to = d("2024-01-03")});
  ASSERT_EQ(part->size(), 2u);
  EXPECT_EQ(part->values()[0], 2);
  EXPECT_EQ(part->values()[1], 3);
}

TEST_P(StoreContract, BatchWithANonFiniteValueWritesNothing) {
  auto store = open();
  std::vector<SeriesWrite> seed{series("A", {{"2024-01-01", 1.0}})};
  store->write_raw(seed, at("2026-01-01T00:00:00Z"));
  std::vector<SeriesWrite> bad{series("A", {{"2024-01-02", 2.0}}),
                               series("B", {{"2024-01-01", std::nan("")}})};
  try {
    store->write_raw(bad, at("2026-01-02T00:00:00Z"));
    FAIL() << "expected DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("'B'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->read_raw({.ticker = "A"})->size(), 1u);
  EXPECT_FALSE(store->read_raw({.ticker = "B"}).has_value());
  EXPECT_EQ(store->list_ingests().size(), 1u);
}

TEST_P(StoreContract, TickerRepeatedInOneBatchIsRefused) {
  auto store = open();
  std::vector<SeriesWrite> bad{series("A", {{"2024-01-01", 1.0}}),
                               series("A", {{"2024-01-02", 2.0}})};
  EXPECT_THROW(store->write_raw(bad, at("2026-01-01T00:00:00Z")), Error);
  EXPECT_TRUE(store->list_series().empty());
}

store::FeatureVersion feature_version(const std::string& tag, const std::string& hash,
                                      const std::string& watermark) {
  store::FeatureVersion v;
  v.version = tag;
  v.spec_name = "spec";
  v.spec_hash = hash;
  v.data_watermark = watermark;
  v.frequency = "month_end";
  v.spec_text = "name=spec";
  v.created_at = at("2026-01-01T00:00:00Z");
  v.columns = {{.name = "a", .description = "first"}, {.name = "b", .proxy = "stands in for B"}};
  return v;
}

Panel two_columns() {
  const double nan = std::nan("");
  return Panel({d("2024-01-31"), d("2024-02-29"), d("2024-03-31")}, {"a", "b"},
               {{1.0, nan, 3.0}, {nan, nan, -0.25}});
}

TEST_P(StoreContract, FeatureVersionRoundTripsWithoutItsMissingValues) {
  auto store = open();
  EXPECT_EQ(store->write_features(feature_version("F1", "h1", "w1"), two_columns()),
            FeatureWriteOutcome::kWritten);
  const auto info = store->find_feature_version("F1");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->values, 3u);  // NaN is absent, not stored
  EXPECT_EQ(info->first, d("2024-01-31"));
  EXPECT_EQ(info->last, d("2024-03-31"));
  ASSERT_EQ(info->columns.size(), 2u);
  EXPECT_EQ(info->columns[1].proxy, "stands in for B");
  EXPECT_EQ(info->spec_text, "name=spec");
  const Panel panel = store->read_features("F1", std::nullopt, std::nullopt);
  ASSERT_EQ(panel.rows(), 2u);  // 2024-02-29 held no value at all
  EXPECT_EQ(panel.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(panel.column(0)[1], 3.0);
  EXPECT_EQ(panel.column(1)[1], -0.25);
  EXPECT_TRUE(std::isnan(panel.column(1)[0]));
  const Panel part = store->read_features("F1", d("2024-03-01"), std::nullopt);
  ASSERT_EQ(part.rows(), 1u);
  ASSERT_EQ(store->list_feature_versions().size(), 1u);
}

TEST_P(StoreContract, FeatureTagIsBoundToItsSpecAndData) {
  auto store = open();
  store->write_features(feature_version("F1", "h1", "w1"), two_columns());
  EXPECT_EQ(store->write_features(feature_version("F1", "h1", "w1"), two_columns()),
            FeatureWriteOutcome::kAlreadyPresent);
  try {
    store->write_features(feature_version("F1", "h2", "w1"), two_columns());
    FAIL() << "a different spec under the same tag must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("other settings of spec spec (stored hash h1, now h2)"),
              std::string::npos)
        << e.what();
  }
  try {
    store->write_features(feature_version("F1", "h1", "w2"), two_columns());
    FAIL() << "newer data under the same tag must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data has changed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->find_feature_version("F1")->values, 3u);  // the original is intact
  EXPECT_EQ(store->write_features(feature_version("F2", "h2", "w2"), two_columns()),
            FeatureWriteOutcome::kWritten);
  EXPECT_EQ(store->list_feature_versions().size(), 2u);
}

TEST_P(StoreContract, BadOrUnknownFeatureTags) {
  auto store = open();
  EXPECT_THROW(store->write_features(feature_version("bad tag!", "h", "w"), two_columns()), Error);
  EXPECT_TRUE(store->list_feature_versions().empty());
  EXPECT_FALSE(store->find_feature_version("NOPE").has_value());
  try {
    store->read_features("NOPE", std::nullopt, std::nullopt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

store::RegimeModel regime_model(const std::string& tag, const std::string& hash,
                                const std::string& features) {
  store::RegimeModel m;
  m.version = tag;
  m.kind = "hmm";
  m.spec_name = "spec";
  m.spec_hash = hash;
  m.spec_text = "name=spec";
  m.feature_version = features;
  m.columns = {"a", "b"};
  m.labels = {"CALM", "STRESS"};
  m.params_json = "{}";
  m.diagnostics_json = "{}";
  m.trained_from = d("2020-01-01");
  m.created_at = at("2026-01-01T00:00:00Z");
  return m;
}

TEST_P(StoreContract, RegimeVersionRoundTripsAndIsBoundToSpecAndFeatures) {
  auto store = open();
  const std::vector<store::RegimeRow> rows = {{d("2024-01-02"), "CALM", 0.9, {0.9, 0.1}},
                                              {d("2024-01-03"), "STRESS", 0.6, {0.4, 0.6}},
                                              {d("2024-01-04"), "STRESS", 0.75, {0.25, 0.75}}};
  EXPECT_EQ(store->write_regimes(regime_model("V1", "h", "F1"), rows),
            FeatureWriteOutcome::kWritten);
  const auto model = store->find_regime_model("V1");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->labels, (std::vector<std::string>{"CALM", "STRESS"}));
  EXPECT_EQ(model->columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(model->rows, 3u);
  EXPECT_EQ(model->first, d("2024-01-02"));
  EXPECT_EQ(model->trained_from, d("2020-01-01"));
  const auto back = store->read_regimes("V1", d("2024-01-03"), std::nullopt);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].regime, "STRESS");
  EXPECT_EQ(back[1].probabilities, (std::vector<double>{0.25, 0.75}));  // exact round trip
  EXPECT_EQ(store->write_regimes(regime_model("V1", "h", "F1"), rows),
            FeatureWriteOutcome::kAlreadyPresent);
  EXPECT_THROW(store->write_regimes(regime_model("V1", "other", "F1"), rows), Error);
  EXPECT_THROW(store->write_regimes(regime_model("V1", "h", "F2"), rows), Error);
  EXPECT_EQ(store->read_regimes("V1", std::nullopt, std::nullopt).size(), 3u);
  try {
    store->read_regimes("NOPE", std::nullopt, std::nullopt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  ASSERT_EQ(store->list_regime_models().size(), 1u);
}

TEST_P(StoreContract, ClassifierVersionsAreNeverOverwrittenAndStatesAppendInSequence) {
  auto store = open();
  ClassifierModel model{.version = "GMR1",
                        .spec_name = "gmr",
                        .spec_hash = "h",
                        .spec_text = "name: gmr",
                        .source = "F1",
                        .model_json = "{\"x\": 1}",
                        .trained_from = "2020-01-01",
                        .trained_to = "2024-06-28",
                        .created_at = Timestamp::from_micros(5)};
  const ClassifierState trained{.sequence = 0,
                                .timestamp = "2024-06-28",
                                .key = 100,
                                .state_json = "{\"global\": [1]}",
                                .origin = "train",
                                .written_at = Timestamp::from_micros(6)};
  store->write_classifier(model, trained);
  const auto back = store->find_classifier("GMR1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->model_json, model.model_json);
  EXPECT_EQ(back->trained_to, "2024-06-28");
  EXPECT_EQ(back->created_at, model.created_at);
  // A second write of the tag is refused and leaves the first intact.
  model.model_json = "{\"x\": 2}";
  try {
    store->write_classifier(model, trained);
    FAIL() << "expected the tag to be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("GMR1"), std::string::npos);
  }
  EXPECT_EQ(store->find_classifier("GMR1")->model_json, "{\"x\": 1}");
  // States: sequence 0 from training, then each append must continue the sequence.
  auto states = store->read_classifier_states("GMR1", 5);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].origin, "train");
  EXPECT_EQ(states[0].key, 100);
  store->append_classifier_state("GMR1", {.sequence = 1,
                                          .timestamp = "2024-07-01",
                                          .key = 200,
                                          .state_json = "{}",
                                          .origin = "classify",
                                          .written_at = Timestamp::from_micros(7)});
  // A writer that read sequence 0 and tries to append 1 again lost the race.
  EXPECT_THROW(store->append_classifier_state("GMR1", {.sequence = 1,
                                                       .timestamp = "2024-07-02",
                                                       .key = 300,
                                                       .state_json = "{}",
                                                       .origin = "classify"}),
               Error);
  states = store->read_classifier_states("GMR1", 5);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].sequence, 1);  // newest first
  EXPECT_EQ(states[0].timestamp, "2024-07-01");
  EXPECT_EQ(store->read_classifier_states("GMR1", 1).size(), 1u);
  // Approvals append; unknown versions are NotFound.
  store->approve_classifier({"GMR1", "global_macro", "A. Expert", Timestamp::from_micros(8)});
  store->approve_classifier({"GMR1", "muni", "B. Expert", Timestamp::from_micros(9)});
  const auto approvals = store->list_approvals("GMR1");
  ASSERT_EQ(approvals.size(), 2u);
  EXPECT_EQ(approvals[1].approved_by, "B. Expert");
  for (const auto& call : std::vector<std::function<void()>>{
           [&] {
             store->approve_classifier({"NOPE", "muni", "x", Timestamp::from_micros(1)});
           },
           [&] { store->append_classifier_state("NOPE", {.sequence = 1}); },
           [&] { store->read_classifier_states("NOPE", 1); }}) {
    try {
      call();
      FAIL() << "expected NotFound";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    }
  }
  EXPECT_EQ(store->list_classifiers().size(), 1u);
}

TEST_P(StoreContract, EffectsVersionRoundTripsAndIsBoundToSpecFeaturesAndRegimes) {
  auto store = open();
  const EffectVersion v{.version = "E1",
                        .spec_name = "effects",
                        .spec_hash = "h",
                        .spec_text = "s",
                        .feature_version = "F1",
                        .regime_version = "R1",
                        .created_at = Timestamp::from_micros(3)};
  std::vector<EffectRow> rows = {{.treatment = "fed_shock",
                                  .outcome = "sp500",
                                  .horizon = 3,
                                  .method = "dml",
                                  .learner = "forest",
                                  .effect = -0.023,
                                  .se = 0.006,
                                  .ci_low = -0.035,
                                  .ci_high = -0.011,
                                  .p_value = 0.0001,
                                  .observations = 380,
                                  .regime_effects_json = "{}",
                                  .placebo_json = "[]",
                                  .diagnostics_json = "{}"},
                                 {.treatment = "cpi_surprise",
                                  .outcome = "tlt",
                                  .horizon = 1,
                                  .method = "dml",
                                  .learner = "forest",
                                  .effect = 0.1,
                                  .se = 0.2,
                                  .ci_low = -0.3,
                                  .ci_high = 0.5,
                                  .p_value = 0.6,
                                  .observations = 300,
                                  .regime_effects_json = "{}",
                                  .placebo_json = "[]",
                                  .diagnostics_json = "{}"}};
  EXPECT_EQ(store->write_effects(v, rows), FeatureWriteOutcome::kWritten);
  const auto back = store->read_effects("E1");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].treatment, "cpi_surprise");  // ordered by treatment, outcome, horizon
  EXPECT_EQ(back[1].effect, -0.023);             // exact round trip
  EXPECT_EQ(back[1].observations, 380);
  EXPECT_EQ(store->write_effects(v, rows), FeatureWriteOutcome::kAlreadyPresent);
  auto other = v;
  other.regime_version = "R2";
  EXPECT_THROW(store->write_effects(other, rows), Error);
  ASSERT_EQ(store->list_effect_versions().size(), 1u);
  EXPECT_EQ(store->list_effect_versions()[0].rows, 2u);
  EXPECT_THROW(store->read_effects("NOPE"), Error);
}

TEST_P(StoreContract, ScmModelsAreBoundToSpecAndDataAndScenariosStoredOnce) {
  auto store = open();
  const ScmModel m{.version = "S1",
                   .spec_name = "policy_transmission",
                   .spec_hash = "h",
                   .spec_text = "s",
                   .data_watermark = "2026-01-01T00:00:00Z",
                   .model_json = "{\"graph\": 1}",
                   .first = Date::from_ymd(2014, 9, 18),
                   .last = Date::from_ymd(2025, 8, 12),
                   .created_at = Timestamp::from_micros(5)};
  EXPECT_EQ(store->write_scm_model(m), FeatureWriteOutcome::kWritten);
  EXPECT_EQ(store->write_scm_model(m), FeatureWriteOutcome::kAlreadyPresent);
  auto newer = m;
  newer.data_watermark = "2026-02-01T00:00:00Z";
  EXPECT_THROW(store->write_scm_model(newer), Error);  // never overwritten
  const auto listed = store->list_scm_models();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].model_json.empty());
  EXPECT_EQ(listed[0].last, Date::from_ymd(2025, 8, 12));
  const auto found = store->find_scm_model("S1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->model_json, m.model_json);
  EXPECT_FALSE(store->find_scm_model("S2"));

  const ScenarioRun run{.id = "SC-0123456789ab",
                        .scm_version = "S1",
                        .name = "policy_hike",
                        .interventions = "EFFR=+0.50",
                        .shocks = "student-t",
                        .start = Date::from_ymd(2024, 1, 2),
                        .horizon = 2,
                        .paths = 100,
                        .seed = 42,
                        .summary_json = "{}",
                        .created_at = Timestamp::from_micros(6)};
  const std::vector<ScenarioFanRow> rows = {{1, "STOCK", "baseline", 1, 2, 3, 4, 5},
                                            {1, "EFFR", "baseline", 0.1, 0.2, 0.3, 0.4, 0.5},
                                            {2, "STOCK", "intervened", -1.25, 2, 3, 4, 5.5}};
  EXPECT_EQ(store->write_scenario(run, rows), FeatureWriteOutcome::kWritten);
  EXPECT_EQ(store->write_scenario(run, rows), FeatureWriteOutcome::kAlreadyPresent);
  const auto back = store->read_scenario(run.id);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].node, "EFFR");  // the order written
  EXPECT_EQ(back[2].q05, -1.25);
  EXPECT_EQ(back[2].scenario, "intervened");
  ASSERT_EQ(store->list_scenarios().size(), 1u);
  EXPECT_EQ(store->list_scenarios()[0].start, Date::from_ymd(2024, 1, 2));
  EXPECT_EQ(store->list_scenarios()[0].seed, 42);
  auto orphan = run;
  orphan.id = "SC-x";
  orphan.scm_version = "S9";
  EXPECT_THROW(store->write_scenario(orphan, rows), Error);
  EXPECT_EQ(store->list_scenarios().size(), 1u);
  EXPECT_THROW(store->read_scenario("SC-none"), Error);
}

TEST_P(StoreContract, RawHistoryIsCopiedVerbatimIntoAnEmptyStore) {
  MemoryStore source;
  std::vector<SeriesWrite> first{series("A", {{"2024-01-01", 1.0}, {"2024-01-02", 2.0}}),
                                 series("B", {{"2024-01-01", 5.0}})};
  const auto t1 = source.write_raw(first, at("2026-01-01T00:00:00Z")).ingested_at;
  std::vector<SeriesWrite> second{series("A", {{"2024-01-02", 2.5}, {"2024-01-03", 3.0}})};
  second[0].source = "revised";
  source.write_raw(second, at("2026-02-01T00:00:00.123456Z"));
  const RawHistory history = source.read_raw_history();
  ASSERT_EQ(history.series.size(), 2u);
  ASSERT_EQ(history.lineage.size(), 3u);

  auto store = open();
  store->restore_raw_history(history);
  const RawHistory back = store->read_raw_history();
  ASSERT_EQ(back.series.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(back.series[k].ticker, history.series[k].ticker);
    EXPECT_EQ(back.series[k].asset_class, history.series[k].asset_class);
    ASSERT_EQ(back.series[k].rows.size(), history.series[k].rows.size());
    for (std::size_t i = 0; i < back.series[k].rows.size(); ++i) {
      EXPECT_EQ(back.series[k].rows[i].date, history.series[k].rows[i].date);
      EXPECT_EQ(back.series[k].rows[i].value, history.series[k].rows[i].value);
      EXPECT_EQ(back.series[k].rows[i].ingested_at,
                history.series[k].rows[i].ingested_at);  // to the microsecond
    }
  }
  ASSERT_EQ(back.lineage.size(), 3u);
  EXPECT_EQ(back.lineage[1].source, "revised");
  EXPECT_EQ(back.lineage[1].revised, 1u);
  ASSERT_EQ(back.ingests.size(), 2u);
  EXPECT_EQ(back.ingests[1].inserted, 1u);
  EXPECT_EQ(store->list_series()[0].source, "revised");
  EXPECT_EQ(store->read_raw({.ticker = "A", .as_of = t1})->values()[1],
            2.0);  // as-of views survive the copy
  // Only into an empty store.
  try {
    store->restore_raw_history(history);
    FAIL() << "expected StoreError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kStoreError);
  }
  EXPECT_EQ(store->read_raw_history().lineage.size(), 3u);
}

// ---- Generic versioned artefacts (artefact.h): one protocol over every backend's session. ----

// A kind like the event studies the next issue stores: a keyed estimates table and a dated path.
ArtefactKind event_study_kind() {
  using T = ColumnType;
  return {"event_study",
          {{"estimates",
            {{"shock", T::kText, true},
             {"horizon", T::kInteger, true},
             {"effect", T::kReal},
             {"se", T::kReal},
             {"n", T::kInteger},
             {"computed_at", T::kTimestamp}}},
           {"path", {{"dt", T::kDate}, {"value", T::kReal}, {"note", T::kText}}}}};
}

ArtefactHeader event_header(const std::string& tag) {
  return {tag,
          "es_spec",
          "hash-1",
          "name: es_spec\n",
          {{"feature_version", "F1"}, {"regime_version", "V1"}},
          at("2026-03-01T12:34:56.789012Z")};
}

std::vector<ArtefactTable> event_tables() {
  const double inf = std::numeric_limits<double>::infinity();
  return {{"estimates",
           {{std::string("oil"), std::int64_t{1}, 0.25, 0.125, std::int64_t{120},
             at("2026-03-01T00:00:00.000001Z")},
            {std::string("oil"), std::int64_t{3}, std::nan(""), std::monostate{}, std::int64_t{-7},
             std::monostate{}},
            {std::string("rates"), std::int64_t{1}, -inf, 1e-300, std::int64_t{9007199254740993},
             at("1999-12-31T23:59:59Z")}}},
          {"path",
           {{d("2024-01-31"), 1.5, std::string("tab\there, newline\nand back\\slash")},
            {d("2024-02-29"), -0.0, std::string("")},
            {d("2024-03-29"), 0.1 + 0.2, std::monostate{}},
            {d("1900-01-01"), 2.0, std::string("ünïcode ✓")}}}};
}

bool same_cell(const Cell& a, const Cell& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return (std::isnan(*x) && std::isnan(y)) ||
           *x == y;  // bit for bit but the sign of zero (SQLite drops it)
  }
  return a == b;
}

void expect_same_rows(const std::vector<Row>& got, const std::vector<Row>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t r = 0; r < got.size(); ++r) {
    ASSERT_EQ(got[r].size(), want[r].size());
    for (std::size_t c = 0; c < got[r].size(); ++c)
      EXPECT_TRUE(same_cell(got[r][c], want[r][c])) << "row " << r << " col " << c;
  }
}

// The backend's SQL session, protected on Store (only store code speaks SQL; the interop views
// are for people and tools outside mre, so the test reads them as they would, in SQL).
struct SessionOf : Store {
  static sql::Session& of(const Store& store) {
    constexpr auto member = &SessionOf::artefact_session;
    return (store.*member)();
  }
};

TEST_P(StoreContract, InteropViewsShowTheNewestIngestAndRegimeProbabilitiesByLabel) {
  auto store = open();
  std::vector<SeriesWrite> first{series("CPI", {{"2024-01-01", 100.0}, {"2024-02-01", 101.0}}),
                                 series("GS10", {{"2024-01-01", 4.25}})};
  store->write_raw(first, at("2026-01-01T00:00:00Z"));
  std::vector<SeriesWrite> second{
      series("CPI", {{"2024-01-01", 100.0}, {"2024-02-01", 101.5}, {"2024-03-01", 102.0}})};
  store->write_raw(second, at("2026-02-01T00:00:00Z"));
  const std::vector<store::RegimeRow> regimes = {{d("2024-01-02"), "CALM", 0.9, {0.9, 0.1}},
                                                 {d("2024-01-03"), "STRESS", 0.6, {0.4, 0.6}}};
  store->write_regimes(regime_model("V1", "h", "F1"), regimes);

  using T = ColumnType;
  auto& s = SessionOf::of(*store);
  sql::Transaction tx(s, false);
  // One row per ticker and date, the value of the newest ingest (CPI 2024-02-01 was revised).
  std::vector<Row> latest;
  auto q = s.prepare("SELECT ticker, CAST(\"date\" AS text), value FROM " +
                     s.table("raw_series_latest") + " ORDER BY ticker, \"date\"");
  while (q->step())
    latest.push_back({q->column(0, T::kText), q->column(1, T::kText), q->column(2, T::kReal)});
  expect_same_rows(latest, {{std::string("CPI"), std::string("2024-01-01"), 100.0},
                            {std::string("CPI"), std::string("2024-02-01"), 101.5},
                            {std::string("CPI"), std::string("2024-03-01"), 102.0},
                            {std::string("GS10"), std::string("2024-01-01"), 4.25}});
  // The revised date and the new one carry the second ingest's time, the unchanged one the first's.
  auto newest = s.prepare("SELECT count(*) FROM " + s.table("raw_series_latest") +
                          " WHERE ticker = 'CPI' AND ingested_at = "
                          "(SELECT max(ingested_at) FROM " +
                          s.table("raw_series_latest") + ")");
  ASSERT_TRUE(newest->step());
  EXPECT_EQ(std::get<std::int64_t>(newest->column(0, T::kInteger)), 2);
  // The regime probabilities in long form, each with its label's name.
  std::vector<Row> long_form;
  auto r = s.prepare("SELECT version, CAST(\"date\" AS text), position, label, probability FROM " +
                     s.table("regimes_global_long") + " ORDER BY version, \"date\", position");
  while (r->step()) {
    long_form.push_back({r->column(0, T::kText), r->column(1, T::kText), r->column(2, T::kInteger),
                         r->column(3, T::kText), r->column(4, T::kReal)});
  }
  const auto row = [](const char* date, std::int64_t position, const char* label, double p) {
    return Row{std::string("V1"), std::string(date), position, std::string(label), p};
  };
  expect_same_rows(long_form,
                   {row("2024-01-02", 1, "CALM", 0.9), row("2024-01-02", 2, "STRESS", 0.1),
                    row("2024-01-03", 1, "CALM", 0.4), row("2024-01-03", 2, "STRESS", 0.6)});
  tx.commit();
}

TEST_P(StoreContract, GenericArtefactRoundTripsEveryTypeIncludingNanAndNull) {
  auto store = open();
  EXPECT_TRUE(store->list_artefacts("event_study").empty());
  EXPECT_FALSE(store->find_artefact("event_study", "ES1").has_value());
  EXPECT_EQ(store->write_artefact(event_study_kind(), event_header("ES1"), event_tables()),
            ArtefactWriteOutcome::kWritten);
  const auto listed = store->list_artefacts("event_study");
  ASSERT_EQ(listed.size(), 1u);
  const auto& h = listed[0];
  EXPECT_EQ(h.version, "ES1");
  EXPECT_EQ(h.spec_name, "es_spec");
  EXPECT_EQ(h.spec_hash, "hash-1");
  EXPECT_EQ(h.spec_text, "name: es_spec\n");
  EXPECT_EQ(h.inputs, (std::map<std::string, std::string>{{"feature_version", "F1"},
                                                          {"regime_version", "V1"}}));
  EXPECT_EQ(h.created_at, at("2026-03-01T12:34:56.789012Z"));  // to the microsecond
  ASSERT_TRUE(store->find_artefact("event_study", "ES1").has_value());
  const auto tables = event_tables();
  const auto estimates = store->read_artefact_table("event_study", "ES1", "estimates");
  expect_same_rows(estimates.rows, tables[0].rows);
  expect_same_rows(store->read_artefact_table("event_study", "ES1", "path").rows, tables[1].rows);
  // The kind's description is stored with it: a reader needs no compile-time schema.
  const auto kinds = store->list_artefact_kinds();
  ASSERT_EQ(kinds.size(), 1u);
  EXPECT_EQ(kinds[0].name, "event_study");
  ASSERT_EQ(kinds[0].tables.size(), 2u);
  EXPECT_EQ(kinds[0].tables[0].columns.size(), 6u);
  EXPECT_TRUE(kinds[0].tables[0].columns[1].key);
  EXPECT_EQ(kinds[0].tables[1].columns[0].type, ColumnType::kDate);
  // A version with no rows in one of its tables, and a second version, are separate.
  ArtefactHeader second = event_header("ES2");
  second.created_at = at("2026-03-02T00:00:00Z");
  EXPECT_EQ(store->write_artefact(event_study_kind(), second, {tables[1]}),
            ArtefactWriteOutcome::kWritten);
  EXPECT_TRUE(store->read_artefact_table("event_study", "ES2", "estimates").rows.empty());
  EXPECT_EQ(store->read_artefact_table("event_study", "ES1", "estimates").rows.size(), 3u);
  ASSERT_EQ(store->list_artefacts("event_study").size(), 2u);
  EXPECT_EQ(store->list_artefacts("event_study")[1].version, "ES2");  // oldest first
}

TEST_P(StoreContract, GenericArtefactTagIsBoundToSpecAndInputsAndNeverOverwritten) {
  auto store = open();
  ASSERT_EQ(store->write_artefact(event_study_kind(), event_header("ES1"), event_tables()),
            ArtefactWriteOutcome::kWritten);
  // The same spec and inputs again: nothing written, even with other rows or another time.
  ArtefactHeader again = event_header("ES1");
  again.created_at = at("2026-04-01T00:00:00Z");
  EXPECT_EQ(store->write_artefact(event_study_kind(), again, {}),
            ArtefactWriteOutcome::kAlreadyPresent);
  EXPECT_EQ(store->read_artefact_table("event_study", "ES1", "path").rows.size(), 4u);
  EXPECT_EQ(store->find_artefact("event_study", "ES1")->created_at,
            at("2026-03-01T12:34:56.789012Z"));
  // A different spec: refused, naming the tag and the spec.
  ArtefactHeader other_spec = event_header("ES1");
  other_spec.spec_hash = "hash-2";
  try {
    store->write_artefact(event_study_kind(), other_spec, {});
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'ES1'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("different spec"), std::string::npos) << e.what();
  }
  // Different inputs (one changed, one missing, one extra): refused, naming what differs.
  for (auto inputs : std::vector<std::map<std::string, std::string>>{
           {{"feature_version", "F2"}, {"regime_version", "V1"}},
           {{"feature_version", "F1"}},
           {{"feature_version", "F1"}, {"regime_version", "V1"}, {"scm_version", "S1"}}}) {
    ArtefactHeader other = event_header("ES1");
    other.inputs = inputs;
    try {
      store->write_artefact(event_study_kind(), other, event_tables());
      FAIL() << "expected InvalidArgument";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("different inputs"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("regime_version V1"), std::string::npos) << e.what();
    }
  }
  // Nothing of the refused writes landed.
  ASSERT_EQ(store->list_artefacts("event_study").size(), 1u);
  EXPECT_EQ(store->find_artefact("event_study", "ES1")->spec_hash, "hash-1");
  EXPECT_EQ(store->read_artefact_table("event_study", "ES1", "estimates").rows.size(), 3u);
}

TEST_P(StoreContract, GenericArtefactBadInputWritesNothing) {
  auto store = open();
  const auto expect_refused = [&](const ArtefactKind& kind, const ArtefactHeader& header,
                                  const std::vector<ArtefactTable>& tables, ErrorCode code) {
    try {
      store->write_artefact(kind, header, tables);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
    }
  };
  auto tables = event_tables();
  tables[0].rows[1][2] = std::string("not a number");  // a text cell in a real column
  expect_refused(event_study_kind(), event_header("ES1"), tables, ErrorCode::kInvalidArgument);
  tables = event_tables();
  tables[0].rows[0][0] = std::monostate{};  // a NULL key
  expect_refused(event_study_kind(), event_header("ES1"), tables, ErrorCode::kInvalidArgument);
  tables = event_tables();
  tables[1].rows[0].pop_back();  // a short row
  expect_refused(event_study_kind(), event_header("ES1"), tables, ErrorCode::kInvalidArgument);
  expect_refused(event_study_kind(), event_header("ES1"), {{"nope", {}}},
                 ErrorCode::kInvalidArgument);
  expect_refused(event_study_kind(), event_header("bad tag!"), event_tables(),
                 ErrorCode::kInvalidArgument);
  ArtefactKind bad = event_study_kind();
  bad.name = "Event-Study; DROP TABLE series";
  expect_refused(bad, event_header("ES1"), {}, ErrorCode::kInvalidArgument);
  bad = event_study_kind();
  bad.tables[0].columns[0].name = "version";
  expect_refused(bad, event_header("ES1"), {}, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store->list_artefacts("event_study").empty());
  // A duplicate key is refused by the database: the whole version rolls back.
  tables = event_tables();
  tables[0].rows.push_back(tables[0].rows[0]);
  EXPECT_THROW(store->write_artefact(event_study_kind(), event_header("ES1"), tables), Error);
  EXPECT_TRUE(store->list_artefacts("event_study").empty());
  // A kind's tables never change shape once stored.
  ASSERT_EQ(store->write_artefact(event_study_kind(), event_header("ES1"), event_tables()),
            ArtefactWriteOutcome::kWritten);
  ArtefactKind changed = event_study_kind();
  changed.tables[1].columns.push_back({"extra", ColumnType::kReal});
  expect_refused(changed, event_header("ES2"), {}, ErrorCode::kInvalidArgument);
  // A kind may not take over an existing table (event_study_path belongs to event_study).
  ArtefactKind squatter{"event", {{"study_path", {{"x", ColumnType::kText}}}}};
  expect_refused(squatter, event_header("S1"), {}, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->list_artefacts("event_study").size(), 1u);
  // Unknown kind, version or table: NotFound.
  for (const auto& [kind, version, table] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"nope", "ES1", "path"},
           {"event_study", "ES9", "path"},
           {"event_study", "ES1", "nope"}}) {
    try {
      store->read_artefact_table(kind, version, table);
      ADD_FAILURE() << "expected NotFound";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
    }
  }
}

TEST_P(StoreContract, GenericArtefactDateRangeReadIsInclusiveAndLargeTablesRoundTrip) {
  auto store = open();
  // 60,000 rows (bulk insert: COPY on PostgreSQL) with a date per day.
  constexpr std::int64_t kRows = 60'000;
  ArtefactTable path{"path", {}};
  const Date start = d("1900-01-01");
  for (std::int64_t i = 0; i < kRows; ++i) {
    path.rows.push_back({start + static_cast<int>(i), static_cast<double>(i) / 7.0,
                         i % 1000 == 0 ? Cell(std::monostate{}) : Cell(std::to_string(i))});
  }
  ASSERT_EQ(store->write_artefact(event_study_kind(), event_header("BIG"), {path}),
            ArtefactWriteOutcome::kWritten);
  const auto all = store->read_artefact_table("event_study", "BIG", "path");
  expect_same_rows(all.rows, path.rows);
  // [from, to] inclusive; open ends.
  const Date from = start + 100;
  const Date to = start + 199;
  const auto window =
      store->read_artefact_table("event_study", "BIG", "path", DateRange{"dt", from, to});
  ASSERT_EQ(window.rows.size(), 100u);
  EXPECT_EQ(std::get<Date>(window.rows.front()[0]), from);
  EXPECT_EQ(std::get<Date>(window.rows.back()[0]), to);
  EXPECT_EQ(std::get<double>(window.rows.front()[1]), 100.0 / 7.0);
  EXPECT_EQ(store
                ->read_artefact_table("event_study", "BIG", "path",
                                      DateRange{"dt", std::nullopt, start + 9})
                .rows.size(),
            10u);
  EXPECT_EQ(store
                ->read_artefact_table("event_study", "BIG", "path",
                                      DateRange{"dt", start + (kRows - 5), std::nullopt})
                .rows.size(),
            5u);
  // Filtering needs a date column.
  EXPECT_THROW(
      store->read_artefact_table("event_study", "BIG", "path", DateRange{"value", from, to}),
      Error);
  EXPECT_THROW(
      store->read_artefact_table("event_study", "BIG", "path", DateRange{"nope", from, to}), Error);
}

}  // namespace
}  // namespace mre::store
