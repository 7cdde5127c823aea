// `mre monitor`'s workflow (workflows/monitor.h) on a constructed store: each check fires on the
// data built to trip it and stays quiet on clean data; the run is stored and dates a failure from
// the history; the data checked is never written (table checksums); bad input is refused.
#include "mre/workflows/monitor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/copy_store.h"
#include "mre/workflows/effect_stability.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

Date d(const char* iso) { return *Date::parse(iso); }
Timestamp ts(const char* iso) { return *Timestamp::parse(iso); }

std::vector<Date> business_days(Date from, Date to) {
  std::vector<Date> out;
  for (Date x = from; x <= to; x = x + 1) {
    const int weekday = (x.days_since_epoch() + 4) % 7;  // 1970-01-01 was a Thursday
    if (weekday != 0 && weekday != 6) out.push_back(x);
  }
  return out;
}

TimeSeries smooth(const std::string& name, const std::vector<Date>& dates) {
  std::vector<double> values;
  for (std::size_t i = 0; i < dates.size(); ++i)
    values.push_back(100 + std::sin(0.3 * static_cast<double>(i)));
  return TimeSeries(name, dates, values);
}

// A universe of series that need no files (available: false).
std::filesystem::path write_universe(const testing::TempDir& dir) {
  const auto entry = [](const char* ticker, const char* frequency, int lag, const char* extra) {
    return std::string("  - ticker: ") + ticker +
           "\n    asset_class: MACRO\n    source: fred\n    id: " + ticker +
           "\n    available: false\n    unit: x\n    description: test\n    frequency: " +
           frequency + "\n    publication_lag_days: " + std::to_string(lag) + "\n" + extra;
  };
  const std::string text = "snapshot_dir: .\nseries:\n" + entry("FRESH", "daily", 0, "") +
                           entry("STALE", "daily", 0, "") + entry("FUTURE", "daily", 0, "") +
                           entry("REVISED", "monthly", 30, "") +
                           entry("ENDED", "daily", 0, "    ended: 2020-06-30\n");
  testing::write_file(dir / "universe.yml", text);
  return dir / "universe.yml";
}

struct Fixture {
  testing::TempDir dir;
  store::MemoryStore store;
  std::filesystem::path universe;
  Fixture() {
    universe = write_universe(dir);
    const auto days = business_days(d("2024-01-01"), d("2026-11-27"));
    std::vector<Date> stale_days(days.begin(),
                                 std::find(days.begin(), days.end(), d("2026-08-14")) + 1);
    std::vector<Date> future_days = days;
    future_days.push_back(Date::from_ymd(8857, 3, 1));  // issue 26's corrupt ingest
    std::vector<Date> months;
    for (Date m = d("2020-01-01"); m <= d("2026-10-01"); m = m.add_months(1)) months.push_back(m);
    std::vector<store::SeriesWrite> batch{
        {"FRESH", AssetClass::kMacro, "test", smooth("FRESH", days)},
        {"STALE", AssetClass::kMacro, "test", smooth("STALE", stale_days)},
        {"FUTURE", AssetClass::kMacro, "test", smooth("FUTURE", future_days)},
        {"REVISED", AssetClass::kMacro, "test", smooth("REVISED", months)},
        {"ENDED", AssetClass::kMacro, "test",
         smooth("ENDED", business_days(d("2019-01-01"), d("2020-06-30")))}};
    store.write_raw(batch, ts("2026-11-20T00:00:00Z"));
  }
  MonitorOptions options(Date today) const {
    MonitorOptions o;
    o.universe_path = universe;
    o.today = today;
    return o;
  }
  const monitor::CheckResult& find(const codec::MonitorReport& r, const std::string& subject,
                                   const std::string& check) {
    for (const auto& c : r.checks) {
      if (c.subject == subject && c.check == check) return c;
    }
    ADD_FAILURE() << "no check " << subject << " / " << check;
    static const monitor::CheckResult none;
    return none;
  }
};

TEST(Monitor, SeriesChecksFireOnConstructedFaultsAndStayQuietOnCleanSeries) {
  Fixture f;
  const auto r = check_store(f.store, f.options(d("2026-12-01")));
  // The data's last date: the newest last date of the universe's live series, ignoring 8857.
  EXPECT_EQ(r.as_of, d("2026-11-27"));
  using monitor::Status;
  EXPECT_EQ(f.find(r, "series FRESH", "staleness").status, Status::kGreen);
  const auto& stale = f.find(r, "series STALE", "staleness");
  EXPECT_EQ(stale.status, Status::kRed);
  EXPECT_EQ(stale.value, d("2026-11-27") - d("2026-08-14"));
  EXPECT_EQ(*stale.failing_since,
            d("2026-08-14") + 5);  // a day + lag 0 + grace 3, then the next day
  EXPECT_EQ(f.find(r, "series ENDED", "staleness").status, Status::kGreen);  // ended: exempt
  EXPECT_EQ(f.find(r, "series FUTURE", "future_dates").status, Status::kRed);
  EXPECT_EQ(f.find(r, "series FRESH", "future_dates").status, Status::kGreen);
  // FUTURE's staleness is judged at its last real date (2026-11-27): fresh.
  EXPECT_EQ(f.find(r, "series FUTURE", "staleness").status, Status::kGreen);
  EXPECT_EQ(f.find(r, "series FRESH", "duplicate_dates").status, Status::kGreen);
  EXPECT_EQ(f.find(r, "series FRESH", "gaps").status, Status::kGreen);
  EXPECT_EQ(f.find(r, "series FRESH", "robust_range").status, Status::kGreen);
  EXPECT_EQ(f.find(r, "series REVISED", "revisions").status, Status::kGreen);
  EXPECT_EQ(r.status(), Status::kRed);
}

// The clock (QA: a store whose every series stopped together looked green, because each was
// judged against the data's own last date). The newest series (FRESH, daily, lag 0, grace 3:
// allowed 4 days) against today: green 4 days after its last date 2026-11-27, red 5 days after
// and months later; not run with --as-of, a view of the past.
TEST(Monitor, TheNewestDataAreJudgedAgainstTodaysDate) {
  Fixture f;
  using monitor::Status;
  const auto soon = check_store(f.store, f.options(d("2026-12-01")));
  const auto& fresh = f.find(soon, "store", "data_age");
  EXPECT_EQ(fresh.status, Status::kGreen) << fresh.figure;
  EXPECT_EQ(fresh.value, 4);
  const auto next_day = check_store(f.store, f.options(d("2026-12-02")));
  const auto& late = f.find(next_day, "store", "data_age");
  EXPECT_EQ(late.status, Status::kRed) << late.figure;
  EXPECT_EQ(*late.failing_since, d("2026-12-02"));
  const auto months = check_store(f.store, f.options(d("2027-03-01")));
  const auto& old = f.find(months, "store", "data_age");
  EXPECT_EQ(old.status, Status::kRed);
  EXPECT_TRUE(testing::contains(old.figure,
                                "the newest data (FRESH on 2026-11-27) are 94 days old "
                                "on 2027-03-01 (allowed 4): every series is stale"))
      << old.figure;
  // Each series's own staleness is still judged as of the data's last date: FRESH is green there.
  EXPECT_EQ(f.find(months, "series FRESH", "staleness").status, Status::kGreen);
  auto past = f.options(d("2027-03-01"));
  past.as_of = d("2026-06-30");
  for (const auto& c : check_store(f.store, past).checks) EXPECT_NE(c.check, "data_age");
}

TEST(Monitor, RevisionSpikeAndOutlierFire) {
  Fixture f;
  // A second ingest: REVISED's 2026-06-01 multiplied by ten (a revision spike), 2026-07-01 by
  // 1.001 (an ordinary revision); FRESH gains a corrupt value on its last date.
  auto revised = *f.store.read_raw({.ticker = "REVISED"});
  std::vector<double> values = revised.values();
  const auto at = [&](Date x) {
    return static_cast<std::size_t>(std::find(revised.dates().begin(), revised.dates().end(), x) -
                                    revised.dates().begin());
  };
  values[at(d("2026-06-01"))] *= 10;
  values[at(d("2026-07-01"))] *= 1.001;
  auto fresh = *f.store.read_raw({.ticker = "FRESH"});
  std::vector<double> fresh_values = fresh.values();
  fresh_values.back() = 1000.0;
  std::vector<store::SeriesWrite> batch{
      {"REVISED", AssetClass::kMacro, "test", TimeSeries("REVISED", revised.dates(), values)},
      {"FRESH", AssetClass::kMacro, "test", TimeSeries("FRESH", fresh.dates(), fresh_values)}};
  f.store.write_raw(batch, ts("2026-11-25T00:00:00Z"));
  const auto r = check_store(f.store, f.options(d("2026-12-01")));
  const auto& rev = f.find(r, "series REVISED", "revisions");
  EXPECT_EQ(rev.status, monitor::Status::kRed);
  EXPECT_NEAR(rev.value, 9.0, 1e-12);
  EXPECT_EQ(*rev.failing_since, d("2026-11-25"));
  EXPECT_EQ(f.find(r, "series FRESH", "robust_range").status, monitor::Status::kAmber);
  // A threshold above the spike: quiet.
  auto options = f.options(d("2026-12-01"));
  options.revision_threshold = 9.5;
  EXPECT_EQ(f.find(check_store(f.store, options), "series REVISED", "revisions").status,
            monitor::Status::kGreen);
}

// A feature version and an HMM regime version on it, written directly: feature "stable" i.i.d.
// throughout, "drifted" shifted by 1.5 sd after training.
void add_model(store::Store& store, Date trained_to) {
  const auto days = business_days(d("2021-01-01"), d("2026-11-27"));
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> stable;
  std::vector<double> drifted;
  for (const Date day : days) {
    stable.push_back(z(rng));
    drifted.push_back(z(rng) + (day > trained_to ? 1.5 : 0.0));
  }
  store::FeatureVersion fv;
  fv.version = "F1";
  fv.spec_name = "test";
  fv.spec_hash = "h";
  fv.data_watermark = "w";
  fv.frequency = "daily";
  fv.columns = {{"stable"}, {"drifted"}};
  store.write_features(fv, Panel(days, {"stable", "drifted"}, {stable, drifted}));
  store::RegimeModel m;
  m.version = "V1";
  m.kind = "hmm";
  m.spec_name = "test_hmm";
  m.spec_hash = "h";
  m.feature_version = "F1";
  m.columns = {"stable", "drifted"};
  m.labels = {"a", "b"};
  m.params_json = "{}";
  m.diagnostics_json = "{}";
  m.trained_from = days.front();
  m.trained_to = trained_to;
  store.write_regimes(m, {});
}

TEST(Monitor, DriftFiresOnTheDriftedFeatureAndStaysQuietOnTheStableOne) {
  Fixture f;
  add_model(f.store, d("2024-11-29"));
  auto options = f.options(d("2026-12-01"));
  options.drift_window = 500;  // two years: PSI's no-drift level 9 (1/500 + 1/1000) ~ 0.03
  const auto r = check_store(f.store, options);
  EXPECT_EQ(f.find(r, "regimes V1", "drift stable").status, monitor::Status::kGreen);
  const auto& drifted = f.find(r, "regimes V1", "drift drifted");
  EXPECT_EQ(drifted.status, monitor::Status::kRed);
  EXPECT_GE(drifted.value, 0.25);
  const auto& share = f.find(r, "regimes V1", "drift_share");
  EXPECT_DOUBLE_EQ(share.value, 0.5);
  EXPECT_EQ(share.status, monitor::Status::kRed);
  // Trained to 2024-11-29: two years old, past MR-AI-04's six months.
  const auto& age = f.find(r, "regimes V1", "retraining_age");
  EXPECT_EQ(age.status, monitor::Status::kRed);
  EXPECT_EQ(*age.failing_since, d("2025-05-29"));
}

TEST(Monitor, ARecentlyTrainedModelIsNotDueAndAWindowLongerThanTheDataIsRefused) {
  Fixture f;
  add_model(f.store, d("2026-10-30"));
  auto options = f.options(d("2026-12-01"));
  const auto r = check_store(f.store, options);
  EXPECT_EQ(f.find(r, "regimes V1", "retraining_age").status, monitor::Status::kGreen);
  // As of a date before its training data end the model did not exist: not judged, amber, never
  // a negative age reported green (QA: "-4070 days old").
  auto before = options;
  before.as_of = d("2026-06-30");
  const auto before_report = check_store(f.store, before);
  const auto& early = f.find(before_report, "regimes V1", "retraining_age");
  EXPECT_EQ(early.status, monitor::Status::kAmber);
  EXPECT_TRUE(testing::contains(early.figure, "not judged: trained on data to")) << early.figure;
  options.drift_window = 2520;
  try {
    check_store(f.store, options);
    ADD_FAILURE() << "a drift window longer than the data was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(testing::contains(e.what(), "longer than the data")) << e.what();
  }
}

TEST(Monitor, EffectStabilityIsReadFromTheStoreAndFlagsTheUnstableEffect) {
  Fixture f;
  store::EffectVersion ev;
  ev.version = "E1";
  ev.spec_name = "effects";
  ev.spec_hash = "h";
  ev.feature_version = "F";
  ev.regime_version = "R";
  store::EffectRow row;
  row.treatment = "shock";
  row.outcome = "y";
  row.horizon = 1;
  f.store.write_effects(ev, {row});
  // Two estimates of 300 months: one whose effect vanishes after month 200, one stable.
  std::vector<Date> months;
  for (Date m = d("2001-01-01"); months.size() < 300; m = m.add_months(1)) months.push_back(m);
  std::vector<codec::StabilityCell> cells;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0.0, 1.0);
  for (const bool broken : {true, false}) {
    EffectEstimate e;
    e.treatment = broken ? "shock" : "calm";
    e.outcome = "y";
    e.horizon = 1;
    e.method = "dml";
    e.panel.dates = months;
    e.dml.y_residual = Vector(300);
    e.dml.t_residual = Vector(300);
    e.dml.se_type = "hac";
    e.dml.hac_lag = 4;
    for (Eigen::Index i = 0; i < 300; ++i) {
      e.dml.t_residual(i) = z(rng);
      e.dml.y_residual(i) = (broken && i >= 200 ? 0.0 : 1.0) * e.dml.t_residual(i) + z(rng);
    }
    EXPECT_FALSE(collect_stability(cells, e));
  }
  // Too short for the 120-month window: not added, and says why.
  EffectEstimate short_one;
  short_one.method = "dml";
  short_one.panel.dates = std::vector<Date>(months.begin(), months.begin() + 50);
  short_one.dml.y_residual = Vector::Ones(50);
  short_one.dml.t_residual = Vector::Ones(50);
  EXPECT_TRUE(collect_stability(cells, short_one));
  ASSERT_EQ(cells.size(), 2u);
  write_effect_stability(f.store, "E1", cells);
  const auto stored = read_effect_stability(f.store, "E1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].rolling.size(), cells[0].rolling.size());
  EXPECT_EQ((*stored)[0].sup_wald, cells[0].sup_wald);
  const auto r = check_store(f.store, f.options(d("2026-12-01")));
  EXPECT_EQ(f.find(r, "effect shock/y/1", "effect_stability").status, monitor::Status::kRed);
  EXPECT_EQ(f.find(r, "effect calm/y/1", "effect_stability").status, monitor::Status::kGreen);
}

TEST(Monitor, SignOffAndInputsFreshFireAndStayQuiet) {
  Fixture f;
  // A classifier record (trained on a CSV, so no drift or fit test) with one of its two models
  // signed off: MR-BR-10 is red until both are.
  store::ClassifierModel model;
  model.version = "GMR1";
  model.spec_name = "gmr";
  model.spec_hash = "h";
  model.spec_text = "retrain_every_months=6\n";
  model.source = "csv:train.csv";
  model.model_json = "{}";
  model.trained_from = "2001-01-02";
  model.trained_to = "2026-10-30";
  store::ClassifierState state;
  state.timestamp = "2026-10-30";
  state.state_json = "{}";
  state.origin = "train";
  f.store.write_classifier(model, state);
  f.store.approve_classifier({"GMR1", "global_macro", "Jane Expert", ts("2026-11-02T10:00:00Z")});
  const auto one = check_store(f.store, f.options(d("2026-12-01")));
  EXPECT_EQ(f.find(one, "classifier GMR1", "sign_off").status, monitor::Status::kRed);
  EXPECT_TRUE(testing::contains(f.find(one, "classifier GMR1", "sign_off").figure, "muni"));
  EXPECT_EQ(f.find(one, "classifier GMR1", "retraining_age").status, monitor::Status::kGreen);
  f.store.approve_classifier({"GMR1", "muni", "Jane Expert", ts("2026-11-02T10:05:00Z")});
  const auto both = check_store(f.store, f.options(d("2026-12-01")));
  EXPECT_EQ(f.find(both, "classifier GMR1", "sign_off").status, monitor::Status::kGreen);

  // A regime version whose feature set reads FRESH and STALE (config/features/<set>.yml beside
  // the universe): one of two inputs stale is amber; with only FRESH, green.
  std::filesystem::create_directories(f.dir / "features");
  testing::write_file(f.dir / "features" / "test.yml",
                      "name: test\nfrequency: daily\nfeatures:\n  - {name: a, inputs: [FRESH]}\n  "
                      "- {name: b, inputs: [STALE]}\n");
  add_model(f.store, d("2026-10-30"));
  const auto r = check_store(f.store, f.options(d("2026-12-01")));
  const auto& inputs = f.find(r, "regimes V1", "inputs_fresh");
  EXPECT_EQ(inputs.status, monitor::Status::kAmber);
  EXPECT_DOUBLE_EQ(inputs.value, 0.5);
  EXPECT_TRUE(testing::contains(inputs.figure, "stale: STALE (last 2026-08-14)")) << inputs.figure;
  testing::write_file(f.dir / "features" / "test.yml",
                      "name: test\nfrequency: daily\nfeatures:\n  - {name: a, inputs: [FRESH]}\n");
  EXPECT_EQ(
      f.find(check_store(f.store, f.options(d("2026-12-01"))), "regimes V1", "inputs_fresh").status,
      monitor::Status::kGreen);
}

TEST(Monitor, AsOfADateSeesNothingAfterIt) {
  // The series checks as of 2026-06-30 on the full store equal those on a store holding only the
  // data up to that date, bit for bit (figures included).
  Fixture f;
  store::MemoryStore truncated;
  std::vector<store::SeriesWrite> batch;
  for (const auto& s : f.store.list_series()) {
    const auto series = *f.store.read_raw({.ticker = s.ticker, .to = d("2026-06-30")});
    batch.push_back({s.ticker, AssetClass::kMacro, "test", series});
  }
  truncated.write_raw(batch, ts("2026-11-20T00:00:00Z"));
  auto options = f.options(d("2026-12-01"));
  options.as_of = d("2026-06-30");
  const auto full = check_store(f.store, options);
  const auto cut = check_store(truncated, options);
  std::size_t compared = 0;
  for (const auto& a : full.checks) {
    if (a.check == "future_dates" || a.check == "revisions")
      continue;  // by today and ingest time, not as-of
    const auto& b = f.find(cut, a.subject, a.check);
    EXPECT_EQ(a.status, b.status) << a.subject << " " << a.check;
    EXPECT_EQ(a.figure, b.figure) << a.subject << " " << a.check;
    EXPECT_TRUE(a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)))
        << a.subject << " " << a.check;
    ++compared;
  }
  EXPECT_GE(compared, 15u);
  // STALE (last 2026-08-14) is fresh as of 2026-06-30.
  EXPECT_EQ(f.find(full, "series STALE", "staleness").status, monitor::Status::kGreen);
}

TEST(Monitor, StoresEachRunDatesTheFirstFailureAndNeverWritesTheDataItChecks) {
  Fixture f;
  add_model(f.store, d("2024-11-29"));
  const auto data_tables = [&] {
    std::vector<TableSummary> out;
    for (const auto& t : summarize_store(f.store)) {
      if (t.table != "artefact_versions" && t.table.rfind("monitor_run", 0) != 0) out.push_back(t);
    }
    return out;
  };
  const auto before = data_tables();
  auto options = f.options(d("2026-11-28"));
  options.drift_window = 500;
  const auto first = run_monitor(f.store, options);
  EXPECT_FALSE(first.version.empty());
  options.today = d("2026-12-01");
  const auto second = run_monitor(f.store, options);
  const auto after = data_tables();
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].table, after[i].table);
    EXPECT_EQ(before[i].rows, after[i].rows) << before[i].table;
    EXPECT_EQ(before[i].checksum, after[i].checksum) << before[i].table;
  }
  // The future date has failed since the first run (no date of its own).
  EXPECT_EQ(*f.find(second, "series FUTURE", "future_dates").first_failed, d("2026-11-28"));
  // A stale series: since its allowance ran out, earlier than any run.
  EXPECT_EQ(*f.find(second, "series STALE", "staleness").first_failed, d("2026-08-19"));
  const auto history = monitor_history(f.store);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].version, first.version);
  EXPECT_EQ(history[1].status, monitor::Status::kRed);
  EXPECT_EQ(history[1].red, second.count(monitor::Status::kRed));
  // `mre run`'s line names the stale series.
  const auto line = monitor_summary_line(second);
  EXPECT_TRUE(testing::contains(line, "monitor: red as of 2026-11-27")) << line;
  EXPECT_TRUE(testing::contains(line, "stale: STALE")) << line;
  const auto latest = stored_monitor_run(f.store);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->checks.size(), second.checks.size());
  EXPECT_THROW(stored_monitor_run(f.store, "M_nope"), Error);
}

TEST(Monitor, RefusesAnEmptyStoreAMissingVersionAndOutOfRangeThresholds) {
  testing::TempDir dir;
  const auto universe = write_universe(dir);
  store::MemoryStore empty;
  try {
    check_store(empty, {.universe_path = universe});
    ADD_FAILURE() << "an empty store was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_TRUE(testing::contains(e.what(), "holds no series")) << e.what();
  }
  Fixture f;
  auto options = f.options(d("2026-12-01"));
  options.classifier_version = "GMR9";
  try {
    check_store(f.store, options);
    ADD_FAILURE() << "a missing classifier version was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_TRUE(testing::contains(e.what(), "GMR9")) << e.what();
  }
  for (const auto& bad :
       std::vector<MonitorOptions>{{.revision_threshold = 0.0},
                                   {.revision_threshold = 11.0},
                                   {.psi_amber = 0.3, .psi_red = 0.25},
                                   {.drift_window = 5},
                                   {.range = {.window = 252, .recent = 63, .k = -2.0}}}) {
    EXPECT_THROW(validate(bad), Error);
  }
}

}  // namespace
}  // namespace mre::workflows
