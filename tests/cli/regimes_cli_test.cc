// `mre regimes fit|predict` on CSV files: a fit that recovers two obvious regimes, saved
// parameters that reload bit for bit and warm-start, filtered/smoothed/Viterbi output, and
// bad input named by parameter, file or column.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "mre/core/date.h"
#include "support/test_support.h"

namespace mre::testing {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// 600 business-like days: calm (mean 0, sd 0.5) for 300 days, then stressed (mean 4, sd 1.5).
std::string two_regime_csv(bool with_gap = false) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z;
  std::ostringstream out;
  out.precision(17);
  out << "date,spread,vol\n";
  Date day = *Date::parse("2020-01-01");
  for (int t = 0; t < 600; ++t, day = day + 1) {
    const bool stressed = t >= 300;
    const double a = (stressed ? 4.0 : 0.0) + (stressed ? 1.5 : 0.5) * z(rng);
    const double b = (stressed ? 30.0 : 12.0) + 2.0 * z(rng);
    out << day.iso() << ',' << a << ',';
    if (!(with_gap && t % 10 == 0)) out << b;
    out << '\n';
  }
  return out.str();
}

TEST(RegimesCli, FitSavesParametersAndPredictGivesFilteredProbabilities) {
  TempDir dir;
  write_file(dir / "x.csv", two_regime_csv(true));
  const auto fit = run_mre({"regimes", "fit", "--data", (dir / "x.csv").string(), "--states", "2",
                            "--out", (dir / "m.json").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_TRUE(contains(fit.out, "\"converged\": true")) << fit.out;
  EXPECT_TRUE(contains(fit.out, "\"observations\": 600")) << fit.out;
  EXPECT_TRUE(contains(read_file(dir / "m.json"), "\"features\": [\n  \"spread\",\n  \"vol\"\n ]"))
      << read_file(dir / "m.json");

  const auto filtered = run_mre({"regimes", "predict", "--model", (dir / "m.json").string(),
                                 "--data", (dir / "x.csv").string()});
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  std::istringstream lines(filtered.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "date,state_0,state_1");
  // Every row sums to 1, and the two halves sit in different states with high probability.
  int rows = 0, confident = 0;
  int first_half_state = -1;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string date, p0, p1;
    std::getline(fields, date, ',');
    std::getline(fields, p0, ',');
    std::getline(fields, p1, ',');
    const double a = std::stod(p0), b = std::stod(p1);
    EXPECT_NEAR(a + b, 1.0, 1e-12);  // normalised in the filter step
    const int state = a > b ? 0 : 1;
    if (rows == 10) first_half_state = state;
    if (rows >= 20 && rows < 280) confident += state == first_half_state && std::max(a, b) > 0.99;
    if (rows >= 320) confident += state != first_half_state && std::max(a, b) > 0.99;
    ++rows;
  }
  EXPECT_EQ(rows, 600);
  EXPECT_GE(confident, 0.97 * (260 + 280));  // regimes this distinct are rarely in doubt

  const auto viterbi = run_mre({"regimes", "predict", "--model", (dir / "m.json").string(),
                                "--data", (dir / "x.csv").string(), "--viterbi"});
  EXPECT_TRUE(contains(viterbi.out, "date,state\n2020-01-01,")) << viterbi.out;
  const auto smoothed =
      run_mre({"regimes", "predict", "--model", (dir / "m.json").string(), "--data",
               (dir / "x.csv").string(), "--smoothed", "--out", (dir / "s.csv").string()});
  EXPECT_EQ(smoothed.exit_code, 0) << smoothed.err;
  EXPECT_TRUE(contains(read_file(dir / "s.csv"), "date,state_0,state_1\n"));

  // A warm start from the saved optimum converges at once to the same likelihood.
  const auto warm = run_mre(
      {"regimes", "fit", "--data", (dir / "x.csv").string(), "--init", (dir / "m.json").string()});
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_TRUE(contains(warm.out, "\"iterations\": 2")) << warm.out;
}

TEST(RegimesCli, KMeansOnCompleteData) {
  TempDir dir;
  write_file(dir / "x.csv", two_regime_csv(false));
  const auto r = run_mre({"regimes", "fit", "--data", (dir / "x.csv").string(), "--method",
                          "kmeans", "--states", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"method\": \"kmeans\"")) << r.out;
  write_file(dir / "gap.csv", two_regime_csv(true));
  const auto gap =
      run_mre({"regimes", "fit", "--data", (dir / "gap.csv").string(), "--method", "kmeans"});
  EXPECT_EQ(gap.exit_code, 2);
  EXPECT_TRUE(contains(gap.err, "k-means needs complete rows")) << gap.err;
}

TEST(RegimesCli, BadInputIsNamed) {
  TempDir dir;
  write_file(dir / "x.csv", two_regime_csv());
  const auto x = (dir / "x.csv").string();
  const auto one_state = run_mre({"regimes", "fit", "--data", x, "--states", "1"});
  EXPECT_EQ(one_state.exit_code, 1);
  EXPECT_TRUE(contains(one_state.err, "--states: 1 is outside the limits [2, 64]"))
      << one_state.err;
  const auto covariance = run_mre({"regimes", "fit", "--data", x, "--covariance", "banded"});
  EXPECT_EQ(covariance.exit_code, 1);
  EXPECT_TRUE(contains(covariance.err, "covariance: unknown type 'banded'")) << covariance.err;
  const auto too_many = run_mre({"regimes", "fit", "--data", x, "--states", "40"});
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_TRUE(contains(too_many.err, "fewer observations (600) than parameters")) << too_many.err;

  write_file(dir / "inf.csv", "date,a,b\n2020-01-01,1,2\n2020-01-02,inf,3\n");
  const auto inf = run_mre({"regimes", "fit", "--data", (dir / "inf.csv").string()});
  EXPECT_EQ(inf.exit_code, 2);
  EXPECT_TRUE(contains(inf.err, "inf.csv:3: column 'a': 'inf' is not a finite number")) << inf.err;
  write_file(dir / "empty_col.csv", "date,a,b\n2020-01-01,1,\n2020-01-02,2,\n");
  const auto empty = run_mre({"regimes", "fit", "--data", (dir / "empty_col.csv").string()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_TRUE(contains(empty.err, "column 'b' has no values")) << empty.err;
  write_file(dir / "unsorted.csv", "date,a\n2020-01-02,1\n2020-01-01,2\n");
  const auto unsorted = run_mre({"regimes", "fit", "--data", (dir / "unsorted.csv").string()});
  EXPECT_EQ(unsorted.exit_code, 2);
  EXPECT_TRUE(
      contains(unsorted.err, "unsorted.csv:3: date 2020-01-01 does not come after 2020-01-02"))
      << unsorted.err;

  // An --init whose shapes do not match the data.
  ASSERT_EQ(
      run_mre({"regimes", "fit", "--data", x, "--states", "2", "--out", (dir / "m.json").string()})
          .exit_code,
      0);
  write_file(dir / "three.csv", "date,a,b,c\n2020-01-01,1,2,3\n2020-01-02,2,3,4\n");
  const auto shape = run_mre({"regimes", "fit", "--data", (dir / "three.csv").string(), "--init",
                              (dir / "m.json").string()});
  EXPECT_EQ(shape.exit_code, 1);
  EXPECT_TRUE(contains(shape.err, "the model has 2 features")) << shape.err;
  write_file(dir / "broken.json", "{\"model\": \"gaussian_hmm\", \"covariance\": \"full\"");
  const auto broken =
      run_mre({"regimes", "predict", "--model", (dir / "broken.json").string(), "--data", x});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_TRUE(contains(broken.err, "broken.json: not valid JSON")) << broken.err;
  write_file(dir / "other.csv", "date,spread,volume\n2020-01-01,1,2\n");
  const auto missing = run_mre({"regimes", "predict", "--model", (dir / "m.json").string(),
                                "--data", (dir / "other.csv").string()});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_TRUE(contains(missing.err, "no column 'vol'")) << missing.err;
}

}  // namespace
}  // namespace mre::testing

namespace mre::testing {
namespace {

TEST(RegimesCli, RulesVersionFromTheStoreListShowAndTagBinding) {
  TempDir dir;
  const auto db = (dir / "r.db").string();
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--tickers", "^GSPC,BAMLH0A0HYM2"}).exit_code, 0);
  write_file(dir / "f.yml",
             "name: small\nfrequency: month_end\nstart: 2000-01-31\nfeatures:\n"
             "  - {name: equity_momentum, inputs: [\"^GSPC\"], ops: [{op: returns, horizon: 3}]}\n"
             "  - {name: hy_change, inputs: [BAMLH0A0HYM2], ops: [{op: diff, periods: 1}]}\n");
  ASSERT_EQ(run_mre({"features", "build", "--db", db, "--spec", (dir / "f.yml").string(),
                     "--version", "F1"})
                .exit_code,
            0);
  write_file(dir / "rules.yml",
             "name: r\nmethod: rules\nfeature_set: small\nrules:\n"
             "  UP:\n    - {feature: equity_momentum, direction: up, scale: 0.05}\n    - {feature: "
             "hy_change, direction: down, scale: 0.5}\n"
             "  DOWN:\n    - {feature: equity_momentum, direction: down, scale: 0.05}\n");
  const auto fit = run_mre(
      {"regimes", "fit", "--db", db, "--spec", (dir / "rules.yml").string(), "--version", "V0"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_TRUE(contains(fit.err, "regimes V0 (rules on features F1)")) << fit.err;
  const auto list = run_mre({"regimes", "list", "--db", db});
  EXPECT_TRUE(contains(list.out, "V0,rules,r,F1,UP DOWN,")) << list.out;
  // October 2008: equities fell hard and spreads blew out -> DOWN.
  const auto show =
      run_mre({"regimes", "show", "V0", "--db", db, "--from", "2008-10-31", "--to", "2008-10-31"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(contains(show.out, "date,regime,score,p_UP,p_DOWN\n2008-10-31,DOWN,")) << show.out;
  const auto json = run_mre({"regimes", "show", "V0", "--db", db, "--from", "2008-10-31", "--to",
                             "2008-10-31", "--format", "json"});
  EXPECT_TRUE(contains(json.out, "\"labels\":[\"UP\",\"DOWN\"]")) << json.out;
  EXPECT_TRUE(contains(json.out, "\"regime\":\"DOWN\"")) << json.out;

  const auto again = run_mre(
      {"regimes", "fit", "--db", db, "--spec", (dir / "rules.yml").string(), "--version", "V0"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_TRUE(contains(again.err, "already fitted")) << again.err;
  write_file(dir / "rules2.yml",
             "name: r\nmethod: rules\nfeature_set: small\nrules:\n  UP:\n    - {feature: "
             "equity_momentum, direction: up, scale: 0.1}\n");
  const auto changed = run_mre(
      {"regimes", "fit", "--db", db, "--spec", (dir / "rules2.yml").string(), "--version", "V0"});
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_TRUE(contains(
      changed.err, "regime version 'V0' already exists for other settings of spec r (stored hash "))
      << changed.err;

  write_file(dir / "bad.yml",
             "name: b\nmethod: rules\nfeature_set: small\nrules:\n  UP:\n    - {feature: nope, "
             "direction: up, scale: 1}\n");
  const auto bad = run_mre(
      {"regimes", "fit", "--db", db, "--spec", (dir / "bad.yml").string(), "--version", "V9"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "regime 'UP': unknown feature 'nope'")) << bad.err;
  write_file(dir / "nofeat.yml", "name: b\nmethod: hmm\nfeature_set: missing_set\n");
  const auto missing = run_mre(
      {"regimes", "fit", "--db", db, "--spec", (dir / "nofeat.yml").string(), "--version", "V9"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_TRUE(contains(missing.err, "no feature version of set 'missing_set'")) << missing.err;
  EXPECT_FALSE(contains(run_mre({"regimes", "list", "--db", db}).out, "V9"));
  EXPECT_EQ(run_mre({"regimes", "show", "V9", "--db", db}).exit_code, 4);

  // Compare V0 with a version whose labels are the same regimes under other names: the
  // matched agreement is 100%, the same-label agreement 0%.
  write_file(dir / "renamed.yml",
             "name: renamed\nmethod: rules\nfeature_set: small\nrules:\n"
             "  BULL:\n    - {feature: equity_momentum, direction: up, scale: 0.05}\n    - "
             "{feature: hy_change, direction: down, scale: 0.5}\n"
             "  BEAR:\n    - {feature: equity_momentum, direction: down, scale: 0.05}\n");
  ASSERT_EQ(run_mre({"regimes", "fit", "--db", db, "--spec", (dir / "renamed.yml").string(),
                     "--version", "V1"})
                .exit_code,
            0);
  const auto cmp = run_mre({"regimes", "compare", "V0", "V1", "--db", db, "--format", "json"});
  ASSERT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_TRUE(contains(cmp.out, "\"agreement_same_label\": 0.0")) << cmp.out;
  EXPECT_TRUE(contains(cmp.out, "\"agreement_matched\": 1.0")) << cmp.out;
  EXPECT_TRUE(contains(cmp.out, "\"periods_per_year\": 12.0")) << cmp.out;  // month-end dates
  EXPECT_TRUE(contains(cmp.out, "\"SPX\"")) << cmp.out;  // conditional returns of the S&P 500
  const auto text = run_mre({"regimes", "compare", "V0", "V1", "--db", db});
  EXPECT_TRUE(contains(text.out, "UP=BULL DOWN=BEAR")) << text.out;
  EXPECT_EQ(run_mre({"regimes", "compare", "V0", "NOPE", "--db", db}).exit_code, 4);

  const auto analogues = run_mre(
      {"regimes", "analogues", "--db", db, "--version", "V0", "--date", "2008-10-31", "--k", "3"});
  ASSERT_EQ(analogues.exit_code, 0) << analogues.err;
  std::istringstream lines(analogues.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line,
            "date,distance,regime,forward_1m_SPX,forward_1m_TLT,forward_1m_GLD,forward_1m_DXY");
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_LE(line.substr(0, 10), std::string("2008-09-30")) << line;  // at least a month earlier
  }
  EXPECT_EQ(count, 3);
  EXPECT_FALSE(contains(analogues.err, "note:")) << analogues.err;  // a date with features
  // A date between two month-ends answers for the one before and says so; the same analogues.
  const auto mid = run_mre(
      {"regimes", "analogues", "--db", db, "--version", "V0", "--date", "2008-11-15", "--k", "3"});
  ASSERT_EQ(mid.exit_code, 0) << mid.err;
  EXPECT_TRUE(contains(mid.err,
                       "note: analogues of 2008-10-31, the last date on or before --date "
                       "2008-11-15"))
      << mid.err;
  EXPECT_EQ(mid.out, analogues.out);
  // A date after the last feature row used to answer silently for that row.
  const auto late = run_mre(
      {"regimes", "analogues", "--db", db, "--version", "V0", "--date", "2099-01-01", "--k", "3"});
  EXPECT_EQ(late.exit_code, 1) << late.err;
  EXPECT_TRUE(contains(late.err, "--date 2099-01-01 is after the last row of feature set"))
      << late.err;
  EXPECT_TRUE(late.out.empty()) << late.out;
}

// Issues 22/28: the EM starts on the work-items seam give the same fit on one thread and on two,
// bit for bit: the summary (log-likelihood, AIC/BIC, iterations, winning start) and every
// parameter (JSON with round-trip decimals, so equal text is equal bits). A negative --threads
// is refused naming the option.
TEST(RegimesCli, Issue28_MultiStartFitIsTheSameOnOneAndTwoThreads) {
  TempDir dir;
  const auto data = source_dir() / "tests/data/regimes/multi_start.csv";
  std::vector<std::string> summaries;
  std::vector<std::string> params;
  for (const std::string threads : {"1", "2"}) {
    const auto out = dir / ("m" + threads + ".json");
    const auto fit =
        run_mre({"regimes", "fit", "--data", data.string(), "--states", "3", "--n-init", "6",
                 "--seed", "11", "--threads", threads, "--out", out.string()});
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    EXPECT_TRUE(contains(fit.out, "\"log_likelihood\"")) << fit.out;
    summaries.push_back(fit.out);
    params.push_back(read_file(out));
  }
  EXPECT_EQ(summaries[0], summaries[1]);
  EXPECT_EQ(params[0], params[1]);
  const auto bad = run_mre({"regimes", "fit", "--data", data.string(), "--threads", "-1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "--threads")) << bad.err;
  const auto bad_backfill = run_mre({"classify", "backfill", "--version", "B1", "--threads", "-2",
                                     "--db", (dir / "none.db").string()});
  EXPECT_EQ(bad_backfill.exit_code, 1);
  EXPECT_TRUE(contains(bad_backfill.err, "--threads")) << bad_backfill.err;
}

}  // namespace
}  // namespace mre::testing
