// `mre regimes evaluate --seeds N` recomputes a stored classifier backfill with other seeds from
// its stored settings (workflows/evaluate_regimes.h, stored_backfill_options). A version stored
// before a backfill setting existed must say which setting it lacks, not that the spec differs;
// a real spec difference still says so. No backfill is run: the stored text is built by hand.
// Also the classifier spec's covariance_prior setting.
#include "mre/workflows/evaluate_regimes.h"

#include <gtest/gtest.h>

#include <string>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

const std::filesystem::path kSpec = mre::testing::source_dir() / "config/classifier/gmr.yml";

store::RegimeModel stored(const std::string& spec_text) {
  store::RegimeModel model;
  model.version = "B_OLD";
  model.kind = "classifier_backfill";
  model.spec_name = "gmr";
  model.feature_version = "FI";
  model.spec_text = spec_text;
  return model;
}

// The text without the line starting with `key=`.
std::string without(const std::string& text, const std::string& key) {
  const auto at = text.find("\n" + key + "=");
  EXPECT_NE(at, std::string::npos) << key << " not in\n" << text;
  const auto end = text.find('\n', at + 1);
  return text.substr(0, at) + text.substr(end);
}

TEST(EvaluateRegimes, Issue18_ABackfillStoredBeforeTheMappingMarginNamesWhatItLacks) {
  BackfillOptions computed;
  computed.spec_path = kSpec;
  computed.seed = 42;
  computed.to = "2014-12-31";
  const std::string now = backfill_canonical_text(computed);
  const EvaluateOptions options{.version = "B_OLD", .spec_path = kSpec};
  // As stored today: read back with its seed and end date.
  const auto read = stored_backfill_options(stored(now), options);
  EXPECT_EQ(read.seed.value_or(0), 42u);
  EXPECT_EQ(read.to.value_or(""), "2014-12-31");
  // Stored before the mapping margin: a DataError naming the missing setting and the remedy.
  try {
    stored_backfill_options(stored(without(now, "backfill_mapping_margin")), options);
    FAIL() << "a backfill without its mapping margin was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(message.find("lack 'backfill_mapping_margin'"), std::string::npos) << message;
    EXPECT_NE(message.find("mapping margin"), std::string::npos) << message;
    EXPECT_NE(message.find("re-run the backfill"), std::string::npos) << message;
    EXPECT_EQ(message.find("is not the classifier spec"), std::string::npos) << message;
  }
  // A spec that really differs (another iteration limit) still says so.
  std::string other = now;
  const auto at = other.find("\nn_iter=1000\n");
  ASSERT_NE(at, std::string::npos) << other;
  other.replace(at, 13, "\nn_iter=999\n");
  try {
    stored_backfill_options(stored(other), options);
    FAIL() << "a backfill of another spec was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("is not the classifier spec"), std::string::npos)
        << e.what();
  }
}

// Issue 18, fourth pass: the continuity rule's level is part of a backfill's stored settings;
// `regimes evaluate` recomputes the other seeds with the stored level (here one given by
// --switch-level), and a backfill stored before the rule existed names what it lacks.
TEST(EvaluateRegimes, Issue18_TheStoredSwitchLevelIsReadBackAndItsAbsenceIsNamed) {
  BackfillOptions computed;
  computed.spec_path = kSpec;
  computed.seed = 43;
  computed.switch_level = 0.01;
  const std::string now = backfill_canonical_text(computed);
  EXPECT_NE(now.find("\nbackfill_continuity=0.01,screened_first\n"), std::string::npos) << now;
  const EvaluateOptions options{.version = "B_OLD", .spec_path = kSpec};
  const auto read = stored_backfill_options(stored(now), options);
  ASSERT_TRUE(read.switch_level.has_value());
  EXPECT_EQ(*read.switch_level, 0.01);
  EXPECT_EQ(backfill_canonical_text(read), now);
  try {
    stored_backfill_options(stored(without(now, "backfill_continuity")), options);
    FAIL() << "a backfill without its continuity rule was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("lack 'backfill_continuity'"), std::string::npos)
        << e.what();
  }
  BackfillOptions bad = computed;
  bad.switch_level = 0.0;
  try {
    (void)backfill_canonical_text(bad);
    FAIL() << "a switch level of 0 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("--switch-level"), std::string::npos) << e.what();
  }
}

// The prior is a spec setting: read from the hmm block, written into the canonical text only
// when set (so the shipped spec's hash, and every stored version's, is unchanged), and a bad
// value or a prior on a non-full covariance is named with its file and line.
TEST(ClassifierSpec, Issue18_CovariancePriorIsASpecSettingNamedWhenBad) {
  const auto shipped = load_classifier_spec(kSpec);
  EXPECT_EQ(shipped.hmm.covariance_prior, regimes::hmm::CovariancePrior::kNone);
  EXPECT_EQ(shipped.canonical_text.find("covariance_prior"), std::string::npos);
  testing::TempDir dir;
  const auto spec = [&](const std::string& hmm) {
    const auto path = dir.path() / "s.yml";
    testing::write_file(path, "name: p\nhmm: {" + hmm + "}\n");
    return path;
  };
  const auto with =
      load_classifier_spec(spec("covariance: full, covariance_prior: fraley_raftery"));
  EXPECT_EQ(with.hmm.covariance_prior, regimes::hmm::CovariancePrior::kFraleyRaftery);
  EXPECT_NE(with.canonical_text.find("\ncovariance_prior=fraley_raftery\n"), std::string::npos)
      << with.canonical_text;
  for (const std::string bad :
       {"covariance_prior: wishart", "covariance: diag, covariance_prior: fraley_raftery"}) {
    try {
      load_classifier_spec(spec(bad));
      FAIL() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("s.yml:2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("covariance_prior"), std::string::npos) << e.what();
    }
  }
}

// The EM acceleration is a spec setting: the shipped classifier uses SQUAREM and says so in its
// canonical text (so its versions' hashes record it); an unknown value is named with its file,
// line and key; a spec without the key keeps plain EM and its canonical text is unchanged.
TEST(ClassifierSpec, Issue18_EmAccelerationIsASpecSettingNamedWhenBad) {
  const auto shipped = load_classifier_spec(kSpec);
  EXPECT_EQ(shipped.hmm.acceleration, regimes::hmm::EmAcceleration::kSquarem);
  EXPECT_NE(shipped.canonical_text.find("\nacceleration=squarem\n"), std::string::npos)
      << shipped.canonical_text;
  testing::TempDir dir;
  const auto spec = [&](const std::string& hmm) {
    const auto path = dir.path() / "s.yml";
    testing::write_file(path, "name: p\nhmm: {" + hmm + "}\n");
    return path;
  };
  const auto plain = load_classifier_spec(spec("covariance: full"));
  EXPECT_EQ(plain.hmm.acceleration, regimes::hmm::EmAcceleration::kNone);
  EXPECT_EQ(plain.canonical_text.find("acceleration"), std::string::npos);
  try {
    load_classifier_spec(spec("acceleration: anderson"));
    FAIL() << "acceleration: anderson was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find("s.yml:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("acceleration"), std::string::npos) << e.what();
  }
}

// The continuity rule's spec keys: the shipped spec takes the defaults (1, screened first fit),
// a spec may set both, and a bad value is named with its file and line.
TEST(ClassifierSpec, Issue18_TheContinuityKeysAreSpecSettingsNamedWhenBad) {
  const auto shipped = load_classifier_spec(kSpec);
  EXPECT_EQ(shipped.backfill_switch_level, 1.0);
  EXPECT_FALSE(shipped.backfill_full_first_fit);
  testing::TempDir dir;
  const auto spec = [&](const std::string& keys) {
    const auto path = dir.path() / "s.yml";
    testing::write_file(path, "name: p\n" + keys + "\n");
    return path;
  };
  const auto set =
      load_classifier_spec(spec("backfill_switch_level: 0.01\nbackfill_full_first_fit: true"));
  EXPECT_EQ(set.backfill_switch_level, 0.01);
  EXPECT_TRUE(set.backfill_full_first_fit);
  for (const std::string bad : {"backfill_switch_level: 0", "backfill_switch_level: 1.5",
                                "backfill_switch_level: high", "backfill_full_first_fit: maybe"}) {
    try {
      load_classifier_spec(spec(bad));
      FAIL() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("s.yml:2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad.substr(0, bad.find(':'))), std::string::npos)
          << e.what();
    }
  }
}

// QA 2026-12-07: `recessions: DGS10` was accepted, every month with a yield above 0.5 taken as a
// recession and printed as USREC. The recession series must be a 0/1 indicator; its ticker is
// reported.
TEST(EvaluateRegimes, TheRecessionSeriesMustBeZeroOrOneAndIsNamed) {
  mre::testing::TempDir dir;
  store::MemoryStore store;
  const auto month = [](int y, int m) { return Date::from_ymd(y, m, 1); };
  std::vector<Date> months;
  std::vector<double> flag, yield;
  for (int y = 2000; y <= 2003; ++y) {
    for (int m = 1; m <= 12; ++m) {
      months.push_back(month(y, m));
      flag.push_back(y == 2001 && m >= 3 && m <= 11 ? 1.0 : 0.0);
      yield.push_back(4.0 + 0.01 * m);
    }
  }
  std::vector<store::SeriesWrite> raw{
      {"REC", AssetClass::kMacro, "test", TimeSeries("REC", months, flag)},
      {"YLD", AssetClass::kRates, "test", TimeSeries("YLD", months, yield)}};
  store.write_raw(raw, Timestamp::now());
  store::RegimeModel m;
  m.version = "V";
  m.kind = "rules";
  m.spec_name = "r";
  m.spec_hash = "h";
  m.feature_version = "F";
  m.labels = {"calm", "stress"};
  m.created_at = Timestamp::now();
  std::vector<store::RegimeRow> rows;
  for (const Date d : months) {
    const Date end = d.end_of_month();
    const bool stress = end >= Date::from_ymd(2001, 3, 1) && end <= Date::from_ymd(2001, 12, 31);
    rows.push_back({end, stress ? "stress" : "calm", 1.0,
                    stress ? std::vector<double>{0.0, 1.0} : std::vector<double>{1.0, 0.0}});
  }
  store.write_regimes(m, rows);
  const auto windows = [&](const std::string& series) {
    const auto path = dir / (series + ".yml");
    mre::testing::write_file(path,
                             "windows:\n  - {name: w, from: 2002-01-01, to: 2002-12-31}\n"
                             "recessions: " +
                                 series + "\nstress_labels: [stress]\n");
    return path;
  };
  const auto ok =
      evaluate_regimes(store, {.version = "V", .windows_path = windows("REC"), .seeds = 1});
  EXPECT_EQ(ok.recession_series, "REC");
  ASSERT_TRUE(ok.usrec_agreement.has_value());
  EXPECT_NEAR(*ok.usrec_agreement, 47.0 / 48.0, 1e-12);  // only 2001-12 differs
  try {
    evaluate_regimes(store, {.version = "V", .windows_path = windows("YLD"), .seeds = 1});
    FAIL() << "a yield was taken as a recession indicator";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find(
                  "recessions: 'YLD' is not a 0/1 recession indicator such as USREC (2000-01-01: "
                  "4.01)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mre::workflows
