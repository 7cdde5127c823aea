// `mre effects estimate` on a user's CSV: a simulated known effect comes back in seed 001's
// response shape; bad input is refused naming the column or parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::run_mre;
using testing::TempDir;

// y = 0.7 t + x1 - 0.5 x2 + e, t = 0.6 x1 + v, monthly dates.
std::string simulated_csv(int n, double theta, bool constant_treatment = false) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  std::ostringstream out;
  out.precision(17);
  out << "date,ret,shock,x1,x2\n";
  for (int i = 0; i < n; ++i) {
    const double x1 = z(rng);
    const double x2 = z(rng);
    const double t = constant_treatment ? 1.0 : 0.6 * x1 + z(rng);
    const double y = theta * t + x1 - 0.5 * x2 + z(rng);
    const int year = 1990 + i / 12;
    const int month = 1 + i % 12;
    out << year << "-" << (month < 10 ? "0" : "") << month << "-01," << y << "," << t << "," << x1
        << "," << x2 << "\n";
  }
  return out.str();
}

TEST(EffectsCli, EstimateOnACsvRecoversAKnownEffect) {
  TempDir dir;
  testing::write_file(dir / "d.csv", simulated_csv(600, 0.7));
  const auto r = run_mre({"effects", "estimate", "--data", (dir / "d.csv").string(),
                          "--outcome-col", "ret", "--treatment-col", "shock", "--controls", "x1,x2",
                          "--learner", "ols", "--magnitude", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& c = j["causal_analysis"];
  // magnitude 2: effect = 2 theta; tolerance 4 standard errors of the scaled effect.
  const double effect = c["effect"].get<double>();
  const double se = c["uncertainty"].get<double>();
  EXPECT_NEAR(effect, 1.4, 4 * se) << r.out;
  EXPECT_LT(se, 0.2);
  EXPECT_LT(c["confidence_interval"][0].get<double>(), effect);
  EXPECT_GT(c["confidence_interval"][1].get<double>(), effect);
  // The default inference (ewc_hc3): the interval is plus or minus t_0.975(nu) standard errors,
  // nu = floor(0.4 * 600^(2/3)) = 28 cosine terms (t_0.975(28) = 2.048407141795244, scipy).
  ASSERT_EQ(j["diagnostics"]["ewc_dof"].get<int>(), 28) << r.out;
  EXPECT_NEAR(c["confidence_interval"][1].get<double>() - c["confidence_interval"][0].get<double>(),
              2 * 2.048407141795244 * se, 1e-6);
  EXPECT_TRUE(c["uncertainty_meaning"].get<std::string>().find("Student's t, 28 degrees") !=
              std::string::npos)
      << c["uncertainty_meaning"];
  EXPECT_TRUE(j["explanation"].get<std::string>().find("distinguishable from zero") !=
              std::string::npos);
  EXPECT_TRUE(j["methodology"].get<std::string>().find("Double machine learning") !=
              std::string::npos);
  // Robustness (issue 17): the estimate and the other three default learners (no local projection
  // without a store); a strong simulated effect keeps its sign and significance under OLS, ridge
  // and the forest, while the constant nuisances (ignoring x1, x2) may differ: read the flag.
  ASSERT_TRUE(c.contains("robustness")) << r.out;
  ASSERT_EQ(c["robustness"]["checks"].size(), 4u) << r.out;
  EXPECT_EQ(c["robustness"]["checks"][0]["method"], "dml:ols (the estimate)");
  EXPECT_EQ(c["fragile"], c["robustness"]["fragile"]);
  EXPECT_TRUE(j["explanation"].get<std::string>().find(
                  c["fragile"].get<bool>() ? "Fragile:" : "Robust:") != std::string::npos);
  // Each learner check carries its nuisances' out-of-fold R^2; whether they are below the
  // constant baseline is known only when the constant was scored (learner auto, below).
  for (std::size_t i = 1; i < 4; ++i) {
    const auto& check = c["robustness"]["checks"][i];
    EXPECT_TRUE(check["r2_outcome"].is_number() && check["r2_treatment"].is_number()) << check;
    EXPECT_FALSE(check.contains("below_baseline")) << check;
  }
  const auto a =
      run_mre({"effects", "estimate", "--data", (dir / "d.csv").string(), "--outcome-col", "ret",
               "--treatment-col", "shock", "--controls", "x1,x2", "--learner", "auto"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto aj = nlohmann::json::parse(a.out)["causal_analysis"]["robustness"];
  // The checks the reason names as below the baseline: "...; the nuisances of A, B predict ...".
  std::set<std::string> named_below;
  const auto reason = aj["reason"].get<std::string>();
  if (const auto from = reason.find("the nuisances of "); from != std::string::npos) {
    std::istringstream names(reason.substr(from + 17, reason.find(" predict worse") - from - 17));
    for (std::string name; std::getline(names, name, ',');)
      named_below.insert(name.substr(name.find_first_not_of(' ')));
  }
  int learner_checks = 0;
  for (const auto& check : aj["checks"]) {
    const auto method = check["method"].get<std::string>();
    if (method.find("(the estimate)") != std::string::npos || method.rfind("dml:", 0) != 0)
      continue;
    ++learner_checks;
    ASSERT_TRUE(check.contains("below_baseline")) << check;
    if (method == "dml:constant") {  // the baseline itself
      EXPECT_FALSE(check["below_baseline"].get<bool>()) << check;
    }
    EXPECT_EQ(check["below_baseline"].get<bool>(), named_below.count(method) == 1)
        << check << reason;
  }
  EXPECT_GE(learner_checks, 3) << aj;
  // Controls that are pure noise: no learner predicts better than the mean out of fold, and the
  // forest (which fits noise) predicts worse; its check is marked and named.
  {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> z;
    std::ostringstream csv;
    csv.precision(17);
    csv << "date,ret,shock,x1,x2\n";
    for (int i = 0; i < 600; ++i) {
      const double t = z(rng);
      csv << 1990 + i / 12 << "-" << (i % 12 < 9 ? "0" : "") << 1 + i % 12 << "-01,"
          << 0.7 * t + z(rng) << "," << t << "," << z(rng) << "," << z(rng) << "\n";
    }
    testing::write_file(dir / "noise.csv", csv.str());
  }
  const auto n =
      run_mre({"effects", "estimate", "--data", (dir / "noise.csv").string(), "--outcome-col",
               "ret", "--treatment-col", "shock", "--controls", "x1,x2", "--learner", "auto"});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  const auto nj = nlohmann::json::parse(n.out)["causal_analysis"]["robustness"];
  bool forest_marked = false;
  for (const auto& check : nj["checks"]) {
    if (check["method"] == "dml:forest") forest_marked = check["below_baseline"].get<bool>();
  }
  EXPECT_TRUE(forest_marked) << nj;
  EXPECT_TRUE(contains(nj["reason"].get<std::string>(), "dml:forest")) << nj["reason"];
  // The X-learner on the binarised treatment runs too.
  const auto x = run_mre({"effects", "estimate", "--data", (dir / "d.csv").string(),
                          "--outcome-col", "ret", "--treatment-col", "shock", "--controls", "x1,x2",
                          "--learner", "ols", "--method", "xlearner"});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  EXPECT_TRUE(contains(x.out, "X-learner")) << x.out;
  // Its interval is the bootstrap's percentiles, and says so (it claimed effect +/- 1.96 se).
  const auto xj = nlohmann::json::parse(x.out)["causal_analysis"];
  EXPECT_TRUE(contains(xj["uncertainty_meaning"].get<std::string>(),
                       "the resamples' 2.5th to 97.5th percentiles"))
      << xj["uncertainty_meaning"];
}

TEST(EffectsCli, BadInputIsRefusedNamingTheProblem) {
  TempDir dir;
  testing::write_file(dir / "d.csv", simulated_csv(100, 0.7));
  testing::write_file(dir / "c.csv", simulated_csv(100, 0.7, true));
  const std::string d = (dir / "d.csv").string();
  const auto missing = run_mre(
      {"effects", "estimate", "--data", d, "--outcome-col", "ret", "--treatment-col", "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(contains(missing.err, "nope")) << missing.err;
  const auto constant =
      run_mre({"effects", "estimate", "--data", (dir / "c.csv").string(), "--outcome-col", "ret",
               "--treatment-col", "shock", "--controls", "x1,x2", "--learner", "ols"});
  EXPECT_NE(constant.exit_code, 0);
  EXPECT_TRUE(contains(constant.err, "treatment: constant")) << constant.err;
  const auto embargo = run_mre({"effects", "estimate", "--data", d, "--outcome-col", "ret",
                                "--treatment-col", "shock", "--controls", "x1,x2", "--learner",
                                "ols", "--folds", "2", "--embargo", "80"});
  EXPECT_NE(embargo.exit_code, 0);
  EXPECT_TRUE(contains(embargo.err, "embargo")) << embargo.err;
  const auto same = run_mre(
      {"effects", "estimate", "--data", d, "--outcome-col", "ret", "--treatment-col", "ret"});
  EXPECT_EQ(same.exit_code, 1) << same.err;
  EXPECT_TRUE(contains(same.err, "the same column 'ret'")) << same.err;
  // The X-learner's binarised contrast has no unit: a magnitude is refused, not echoed.
  const auto scaled = run_mre({"effects", "estimate", "--data", d, "--outcome-col", "ret",
                               "--treatment-col", "shock", "--controls", "x1,x2", "--learner",
                               "ols", "--method", "xlearner", "--magnitude", "2"});
  EXPECT_EQ(scaled.exit_code, 1) << scaled.err;
  EXPECT_TRUE(contains(scaled.err, "cannot be scaled")) << scaled.err;
  const auto learner = run_mre({"effects", "estimate", "--data", d, "--outcome-col", "ret",
                                "--treatment-col", "shock", "--learner", "magic"});
  EXPECT_NE(learner.exit_code, 0);
  EXPECT_TRUE(contains(learner.err, "magic")) << learner.err;
  testing::write_file(dir / "bad.csv", "date,ret,shock\n2020-01-01,1,abc\n");
  const auto bad = run_mre({"effects", "estimate", "--data", (dir / "bad.csv").string(),
                            "--outcome-col", "ret", "--treatment-col", "shock"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "bad.csv:2")) << bad.err;
}

// `effects calibrate`: fewer than 20 surrogates is exit 1 naming the option's parameter, an
// unknown version exit 4, an unknown calibration or study exit 4; nothing is stored.
TEST(EffectsCli, CalibrateRefusesBadInputAndStoresNothing) {
  testing::TempDir dir;
  const std::string db = (dir / "s.db").string();
  // A store to be unknown in (a failed command leaves no store it created behind).
  ASSERT_EQ(testing::run_mre({"ingest", "--db", db, "--tickers", "DGS10"}).exit_code, 0);
  const auto few = testing::run_mre(
      {"effects", "calibrate", "--version", "E1", "--surrogates", "19", "--db", db});
  EXPECT_EQ(few.exit_code, 1) << few.err;
  EXPECT_TRUE(testing::contains(few.err, "surrogates")) << few.err;
  const auto missing = testing::run_mre({"effects", "calibrate", "--version", "E1", "--db", db});
  EXPECT_EQ(missing.exit_code, 4) << missing.err;
  EXPECT_TRUE(testing::contains(missing.err, "E1")) << missing.err;
  const auto show = testing::run_mre({"effects", "calibration", "C1", "--db", db});
  EXPECT_EQ(show.exit_code, 4) << show.err;
  const auto study = testing::run_mre({"effects", "study", "ES1", "--db", db});
  EXPECT_EQ(study.exit_code, 4) << study.err;
  const auto list = testing::run_mre({"effects", "calibrations", "--db", db});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "version,effects_version,created_at\n");
}

}  // namespace
}  // namespace mre

namespace mre {
namespace {

// Issue 26, case 2: a negative (or huge) lag used to crash `effects run`/`estimate` or read future
// months; now the spec is refused naming the file, key and value, exit 1, and nothing is stored.
TEST(EffectsCli, OutOfRangeLagsAreRefusedAndNothingIsStored) {
  testing::TempDir dir;
  std::string spec = testing::read_file(testing::source_dir() / "config" / "effects.yml");
  const auto at = spec.find("lags: [1, 3]");
  ASSERT_NE(at, std::string::npos);
  // A store for `effects list` to show empty (a failed command leaves no store it created).
  ASSERT_EQ(
      testing::run_mre({"ingest", "--db", (dir / "s.db").string(), "--tickers", "DGS10"}).exit_code,
      0);
  for (const std::string lag : {"-1", "-3", "-99999999", "99999999999999999999"}) {
    std::string bad = spec;
    bad.replace(at, 12, "lags: [1, " + lag + "]");
    testing::write_file(dir / "bad.yml", bad);
    const std::string db = (dir / "s.db").string();
    const auto run = testing::run_mre(
        {"effects", "run", "--spec", (dir / "bad.yml").string(), "--version", "auto", "--db", db});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_TRUE(testing::contains(run.err, "bad.yml:")) << run.err;
    EXPECT_TRUE(testing::contains(run.err, "'lags'")) << run.err;
    EXPECT_TRUE(testing::contains(run.err, lag)) << run.err;
    const auto estimate =
        testing::run_mre({"effects", "estimate", "--spec", (dir / "bad.yml").string(),
                          "--treatment", "mp_surprise", "--outcome", "sp500", "--db", db});
    EXPECT_EQ(estimate.exit_code, 1) << estimate.err;
    EXPECT_TRUE(testing::contains(estimate.err, "'lags'")) << estimate.err;
    const auto list = testing::run_mre({"effects", "list", "--db", db});
    EXPECT_EQ(list.out, "version,spec,feature_version,regime_version,estimates,created_at\n")
        << list.out;
  }
  const auto irf =
      testing::run_mre({"effects", "irf", "--horizons", "0..300", "--db", (dir / "s.db").string()});
  EXPECT_EQ(irf.exit_code, 1) << irf.err;
  EXPECT_TRUE(testing::contains(irf.err, "--horizons")) << irf.err;
  // An empty piece is a typo, not a separator to skip; a horizon twice is refused.
  for (const auto& [horizons, message] : std::vector<std::pair<std::string, std::string>>{
           {"0,,3", "'' is not a horizon"},
           {"0,3,", "'' is not a horizon"},
           {"0,3,3", "--horizons: 3 is listed twice"}}) {
    const auto bad = testing::run_mre(
        {"effects", "irf", "--horizons", horizons, "--db", (dir / "s.db").string()});
    EXPECT_EQ(bad.exit_code, 1) << horizons << ": " << bad.err;
    EXPECT_TRUE(testing::contains(bad.err, message)) << horizons << ": " << bad.err;
  }
  const auto event =
      testing::run_mre({"effects", "event", "--window", "40", "--db", (dir / "s.db").string()});
  EXPECT_EQ(event.exit_code, 1) << event.err;
  EXPECT_TRUE(testing::contains(event.err, "window")) << event.err;
}

}  // namespace
}  // namespace mre
