// `mre scm` end to end on the bundled data: fit, the tidy counterfactual CSV in levels, forward
// scenarios (the same numbers whatever the thread count, stored once, listed and re-read), the
// named scenarios, and every bad input of issue 7 refused naming the token with nothing written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace mre {
namespace {

using testing::contains;
using testing::run_mre;
using testing::TempDir;

class ScmCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = (*dir_ / "t.db").string();
    const auto in = run_mre(
        {"ingest", "--db", db_, "--tickers",
         "DCOILWTICO,MORTGAGE30US,ZQ=F,ZQ=F.open,EFFR,DGS3MO,TLT,DBC,DX-Y.NYB,^GSPC,MP1_JK"});
    ASSERT_EQ(in.exit_code, 0) << in.err;
    const auto fit = run_mre({"scm", "fit", "--db", db_, "--version", "S1"});
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::vector<std::vector<std::string>> csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::istringstream l(line);
      std::string c;
      while (std::getline(l, c, ',')) cells.push_back(c);
      rows.push_back(cells);
    }
    return rows;
  }
  static TempDir* dir_;
  static std::string db_;
};
TempDir* ScmCli::dir_ = nullptr;
std::string ScmCli::db_;

TEST_F(ScmCli, ShowPrintsEquationsWithIntervals) {
  const auto r = run_mre({"scm", "show", "S1", "--db", db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "STOCK: R2")) << r.out;
  EXPECT_TRUE(contains(r.out, "R3M = EFFR + TP (identity)"));
  const auto j =
      nlohmann::json::parse(run_mre({"scm", "show", "S1", "--db", db_, "--format", "json"}).out);
  ASSERT_EQ(j["equations"].size(), 9u);
  for (const auto& e : j["equations"]) {
    for (const auto& t : e["terms"]) {
      const double est = t["estimate"].get<double>();
      EXPECT_LT(t["ci95"][0].get<double>(), est);
      EXPECT_GT(t["ci95"][1].get<double>(), est);
    }
  }
  EXPECT_TRUE(
      contains(run_mre({"scm", "list", "--db", db_}).out, "S1,policy_transmission,2014-09-18"));
}

TEST_F(ScmCli, CounterfactualCsvIsTidyAndInLevels) {
  const auto r = run_mre({"scm", "counterfactual", "--db", db_, "--version", "S1", "--do",
                          "EFFR=+0.50@2022-03-01..2022-06-30", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = csv(r.out);
  ASSERT_GT(rows.size(), 10u);
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"date", "node", "factual", "counterfactual", "difference"}));
  EXPECT_EQ((rows.size() - 1) % 10, 0u);  // one row per date and node
  EXPECT_EQ(rows[1][0], "2022-03-01");
  double stock_factual = 0;
  double stock_cf = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const double f = std::stod(rows[i][2]);
    const double c = std::stod(rows[i][3]);
    EXPECT_NEAR(std::stod(rows[i][4]), c - f, 1e-9 * std::max(1.0, std::abs(f)));
    if (rows[i][1] == "EFFR") {
      EXPECT_NEAR(c - f, rows[i][0] <= "2022-06-30" ? 0.5 : 0.0, 1e-12) << rows[i][0];
    }
    if (rows[i][1] == "STOCK" && rows[i][0] == "2022-06-30") {
      stock_factual = f;
      stock_cf = c;
      EXPECT_GT(f, 3000);  // an index level, not a return
    }
  }
  const auto j =
      nlohmann::json::parse(run_mre({"scm", "counterfactual", "--db", db_, "--do",
                                     "EFFR=+0.50@2022-03-01..2022-06-30", "--format", "json"})
                                .out);
  EXPECT_NEAR(j["terminal_return_gap_at_window_end"].get<double>(), stock_cf / stock_factual - 1.0,
              1e-12);
  EXPECT_EQ(j["window_end"], "2022-06-30");
  // Several --do: TP too; the text form names the cumulative STOCK gap.
  const auto two =
      run_mre({"scm", "counterfactual", "--db", db_, "--do", "EFFR=+0.50@2022-03-01..2022-06-30",
               "--do", "TP=+0.25@2022-04-01..2022-04-29"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_TRUE(contains(two.out, "cumulative STOCK return gap")) << two.out;
  // Every node's effect with its bootstrap bands (issue 20): text and JSON agree, the bands nest.
  EXPECT_TRUE(contains(
      two.out,
      "effects with parameter uncertainty (residual block bootstrap of the fit: 1000 replicates"))
      << two.out;
  EXPECT_TRUE(contains(two.out, "95% [")) << two.out;
  ASSERT_EQ(j["effects"].size(), 10u);
  for (const auto& e : j["effects"]) {
    const auto& b = e["at_window_end"];
    EXPECT_LE(b["lo95"].get<double>(), b["lo90"].get<double>()) << e;
    EXPECT_LE(b["lo90"].get<double>(), b["hi90"].get<double>()) << e;
    EXPECT_LE(b["hi90"].get<double>(), b["hi95"].get<double>()) << e;
    if (e["node"] == "STOCK") {
      EXPECT_EQ(e["unit"], "fraction");
      EXPECT_NEAR(b["estimate"].get<double>(), stock_cf / stock_factual - 1.0, 1e-12);
      EXPECT_LT(b["lo95"].get<double>(),
                b["hi95"].get<double>());  // the coefficients are uncertain
    }
    if (e["node"] == "EFFR") {
      EXPECT_NEAR(b["hi95"].get<double>() - b["lo95"].get<double>(), 0.0,
                  1e-12);  // the intervened node itself
    }
  }
  // Bad bootstrap settings: exit 1 naming them, before anything is computed.
  const auto few =
      run_mre({"scm", "counterfactual", "--db", db_, "--do", "EFFR=+0.50", "--replicates", "10"});
  EXPECT_EQ(few.exit_code, 1);
  EXPECT_TRUE(contains(few.err, "replicates")) << few.err;
  const auto long_blocks = run_mre(
      {"scm", "counterfactual", "--db", db_, "--do", "EFFR=+0.50", "--block-length", "100000"});
  EXPECT_EQ(long_blocks.exit_code, 1);
  EXPECT_TRUE(contains(long_blocks.err, "block length")) << long_blocks.err;
}

TEST_F(ScmCli, ScenariosAreDeterministicWhateverTheThreadCountAndStoredOnce) {
  const std::vector<std::string> base = {
      "scm",      "simulate",   "--db",      db_,  "--do",     "TP=+0.25",
      "--start",  "2024-06-28", "--horizon", "20", "--paths",  "3000",
      "--shocks", "student-t",  "--seed",    "42", "--format", "csv"};
  auto one = base;
  one.insert(one.end(), {"--threads", "1"});
  auto two = base;
  two.insert(two.end(), {"--threads", "2"});
  const auto a = run_mre(one);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_TRUE(contains(a.err, "written"));
  const auto b = run_mre(two);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(contains(b.err, "already stored"));
  EXPECT_EQ(a.out, b.out);
  const auto rows = csv(a.out);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"day", "node", "scenario", "q05", "q25", "q50",
                                               "q75", "q95"}));
  ASSERT_EQ(rows.size(), 1u + 2 * 20 * 10);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    for (int q = 3; q < 7; ++q)
      EXPECT_LE(std::stod(rows[i][static_cast<std::size_t>(q)]),
                std::stod(rows[i][static_cast<std::size_t>(q) + 1]));
  }
  // Common random numbers: the intervened TP fan is the baseline's moved by 0.25 (float fans).
  for (std::size_t i = 1; i <= 200; ++i) {
    if (rows[i][1] != "TP") continue;
    const auto& intervened = rows[i + 200];
    ASSERT_EQ(intervened[1], "TP");
    EXPECT_NEAR(std::stod(intervened[5]) - std::stod(rows[i][5]), 0.25, 1e-5);
  }
  // Another seed, other numbers; the run is listed and reads back as printed.
  auto other = one;
  other[15] = "43";
  EXPECT_NE(run_mre(other).out, a.out);
  const auto list = run_mre({"scm", "scenarios", "--db", db_});
  const auto id = list.out.substr(list.out.find("\nSC-") + 1, 15);
  EXPECT_TRUE(contains(list.out, "TP=+0.25")) << list.out;
  const auto back = run_mre({"scm", "scenarios", id, "--db", db_});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out.substr(0, 40), a.out.substr(0, 40));
}

TEST_F(ScmCli, NamedScenariosRunWithEveryGenerator) {
  for (const char* shocks :
       {"gaussian", "bootstrap", "block-bootstrap", "regime-bootstrap", "garch"}) {
    const auto r = run_mre({"scm", "simulate", "--db", db_, "--scenario", "policy_hike",
                            "--horizon", "10", "--paths", "500", "--shocks", shocks});
    ASSERT_EQ(r.exit_code, 0) << shocks << r.err;
    EXPECT_TRUE(contains(r.out, "'policy_hike'")) << r.out;
    const auto line = r.out.substr(r.out.find("\n  EFFR "), 80);
    EXPECT_TRUE(contains(line, " points ") && contains(line, " 0.5 ")) << r.out;
  }
  const auto bad = run_mre({"scm", "simulate", "--db", db_, "--scenario", "nope"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "liquidity_stress")) << bad.err;
  // A named scenario with an extra --do is another scenario, and its stored name says so.
  const auto extra = run_mre({"scm", "simulate", "--db", db_, "--scenario", "policy_hike", "--do",
                              "TP=+0.25", "--horizon", "10", "--paths", "200"});
  ASSERT_EQ(extra.exit_code, 0) << extra.err;
  EXPECT_TRUE(contains(extra.out, "'policy_hike+custom'")) << extra.out;
}

// Issue 25: every generator of the registry trained on the first 80% of S1's shocks and scored on
// the held-out rest by the Quant GAN metrics; the paper's S&P 500 setup from the bundled file;
// bad input (a short training window, a lag or horizon the held-out days cannot hold, an unknown
// generator) refused naming it. Small runs: 5 paths, 20 lags.
TEST_F(ScmCli, GeneratorsEvaluateScoresEveryGeneratorOnHeldOutShocks) {
  const auto r =
      run_mre({"scm", "generators", "evaluate", "--db", db_, "--version", "S1", "--paths", "5",
               "--max-lag", "20", "--format", "json", "--quantgan-steps", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& g : j["generators"]) names.push_back(g["generator"].get<std::string>());
  std::vector<std::string> expected{"gaussian",        "student-t",        "bootstrap",
                                    "block-bootstrap", "regime-bootstrap", "garch"};
#ifdef MRE_TORCH_BUILD
  expected.push_back("quantgan");  // joins the table in a build with LibTorch
#endif
  EXPECT_EQ(names, expected);
  const int train = j["train"]["days"].get<int>();
  const int test = j["test"]["days"].get<int>();
  EXPECT_EQ(train, static_cast<int>(0.8 * (train + test)));
  EXPECT_LT(j["train"]["last"].get<std::string>(), j["test"]["first"].get<std::string>());
  for (const auto& g : j["generators"]) {
    EXPECT_EQ(g["per_series"].size(), j["series"].size());
    for (const char* t : {"1", "5", "20", "100"}) EXPECT_GE(g["mean"]["emd"][t].get<double>(), 0.0);
  }
  // The Gaussian generator draws thin tails; the i.i.d. bootstrap keeps the training shocks' (the
  // rate nodes' kurtosis is in the hundreds).
  EXPECT_LT(j["generators"][0]["mean"]["kurtosis_generated"].get<double>(), 1.0);
  EXPECT_GT(j["generators"][2]["mean"]["kurtosis_generated"].get<double>(), 5.0);
  // The GARCH fits of the rate nodes peak on alpha + beta = 1 (docs/scm.md): the note says so.
  const auto notes = j["generators"][5]["notes"].dump();
  EXPECT_TRUE(contains(notes, "EFFR: alpha") && contains(notes, "integrated")) << notes;
  EXPECT_TRUE(j["generators"][0]["notes"].empty());

  const auto sp = run_mre({"scm", "generators", "evaluate", "--data", "sp500", "--paths", "3",
                           "--max-lag", "20", "--generator", "garch", "--generator", "gaussian"});
  ASSERT_EQ(sp.exit_code, 0) << sp.err;
  EXPECT_TRUE(contains(sp.out, "S&P 500 daily log returns")) << sp.out;
  EXPECT_TRUE(contains(sp.out, "2009-05-04")) << sp.out;
  EXPECT_TRUE(contains(sp.out, "\ngarch ")) << sp.out;
  EXPECT_FALSE(contains(sp.out, "bootstrap")) << sp.out;

  const auto refused = [&](std::vector<std::string> args, int code, const std::string& token) {
    args.insert(args.begin(), {"scm", "generators", "evaluate", "--db", db_});
    const auto b = run_mre(args);
    EXPECT_EQ(b.exit_code, code) << token << ": " << b.err;
    EXPECT_TRUE(contains(b.err, token)) << token << ": " << b.err;
  };
  refused({"--train-fraction", "0.02"}, 2, "training window");
  refused({"--max-lag", "100000"}, 1, "max_lag");
  refused({"--generator", "cauchy"}, 1, "unknown generator 'cauchy'");
  refused({"--data", "sp500", "--from", "2017-06-01", "--max-lag", "20"}, 1,
          "horizon 100 days is longer than the sample");
}

#ifdef MRE_TORCH_BUILD
// Issue 25: a conditional Quant GAN trained on S1's shocks (the default network, 2 steps: a
// second), stored once, then a regime-conditional scenario drawn from it: the run records the
// generator version; an unknown generator version is NotFound (exit 4) and stores nothing.
TEST_F(ScmCli, QuantGanTrainsAndDrawsAScenarioRecordingItsVersion) {
  const std::vector<std::string> train = {"scm", "generators", "train", "--db",  db_,  "--version",
                                          "S1",  "--steps",    "2",     "--tag", "QG1"};
  const auto t = run_mre(train);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_TRUE(contains(t.out, "receptive field 31")) << t.out;
  EXPECT_TRUE(contains(t.err, "written")) << t.err;
  EXPECT_TRUE(contains(run_mre(train).err, "already stored")) << run_mre(train).err;
  const auto r = run_mre({"scm", "simulate", "--db", db_, "--scenario", "policy_hike", "--horizon",
                          "10", "--paths", "200", "--shocks", "quantgan", "--replicates", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "'policy_hike'")) << r.out;
  EXPECT_TRUE(contains(run_mre({"scm", "scenarios", "--db", db_}).out, "quantgan:QG1"));
  const auto before = run_mre({"scm", "scenarios", "--db", db_}).out;
  const auto bad = run_mre({"scm", "simulate", "--db", db_, "--horizon", "5", "--paths", "10",
                            "--shocks", "quantgan", "--generator-version", "NOPE"});
  EXPECT_EQ(bad.exit_code, 4) << bad.err;
  EXPECT_TRUE(contains(bad.err, "'NOPE'")) << bad.err;
  EXPECT_EQ(run_mre({"scm", "scenarios", "--db", db_}).out, before);
}
#endif

TEST_F(ScmCli, IdentifiedShocksSetTheScmBesideTheEventStudy) {
  const auto fit =
      run_mre({"scm", "fit", "--db", db_, "--version", "SI", "--identified-shock", "Re=MP1_JK"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_TRUE(contains(
      fit.out, "identified policy shocks: Re's shock on 76 announcement days abducted from MP1_JK"))
      << fit.out;
  const auto r = run_mre({"scm", "identified", "--db", db_, "--version", "SI", "--replicates", "50",
                          "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["announcements"], 76);
  ASSERT_EQ(j["rows"].size(), 10u);
  for (const auto& row : j["rows"]) {
    if (row["node"] == "Re") {
      EXPECT_NEAR(row["scm_identified_shock"]["estimate"].get<double>(), 0.25, 1e-9) << row;
    }
    if (row["node"] == "EFFR") {
      EXPECT_NEAR(row["scm_do_effr"]["estimate"].get<double>(), 0.25, 1e-12) << row;
    }
    EXPECT_TRUE(row["event_study"].contains("se_hc1")) << row;
  }
  const auto text =
      run_mre({"scm", "identified", "--db", db_, "--version", "SI", "--replicates", "50"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "event study (data, HC1 se)")) << text.out;
}

TEST_F(ScmCli, BadInputIsRefusedNamingTheTokenAndWritesNothing) {
  const auto before = run_mre({"scm", "scenarios", "--db", db_}).out;
  const auto refused = [&](std::vector<std::string> args, const std::string& token) {
    args.insert(args.end(), {"--db", db_});
    const auto r = run_mre(args);
    EXPECT_NE(r.exit_code, 0) << token;
    EXPECT_TRUE(contains(r.err, token)) << token << ": " << r.err;
  };
  refused({"scm", "counterfactual", "--do", "EFFR"}, "no 'NODE='");
  refused({"scm", "counterfactual", "--do", "EFFR=+half"}, "'+half' is not a number");
  refused({"scm", "counterfactual", "--do", "GDP=+1"}, "unknown node 'GDP'");
  refused({"scm", "counterfactual", "--do", "R3M=+1@2022-03-01..2022-03-31"}, "identity");
  refused({"scm", "counterfactual", "--do", "EFFR=+0.5@1990-01-02..1990-02-01"},
          "outside the data");
  refused({"scm", "counterfactual", "--do", "EFFR=+0.5@2022-03-01..2030-01-01"},
          "outside the data");
  refused({"scm", "counterfactual", "--do", "EFFR=+0.5@2022-03-01..2022-02-01"},
          "ends before it starts");
  refused({"scm", "simulate", "--do", "TP=+0.25", "--paths", "0"},
          "--paths: 0 is outside the limits [1, 1000000]");
  refused({"scm", "simulate", "--do", "TP=+0.25", "--horizon", "-5"},
          "--horizon: -5 is outside the limits [1, 12600]");
  refused({"scm", "simulate", "--do", "TP=+0.25", "--shocks", "cauchy"}, "'cauchy'");
  refused({"scm", "simulate", "--do", "TP=+0.25", "--start", "2031-01-02"}, "--start 2031-01-02");
  refused({"scm", "simulate", "--do", "STOCK=-2"}, "positive");
  refused({"scm", "show", "S9"}, "no scm version 'S9'");
  // Issue 20: bootstrap settings out of range refuse a scenario before it is stored.
  refused({"scm", "simulate", "--do", "TP=+0.25", "--paths", "100", "--replicates", "49"},
          "--replicates: 49 is outside the limits [50, 100000]");
  refused({"scm", "simulate", "--do", "TP=+0.25", "--paths", "100", "--block-length", "100000"},
          "block length");
  EXPECT_EQ(run_mre({"scm", "scenarios", "--db", db_}).out, before);
  // Regime-dependent and identified-shock fits: a missing regime version (exit 4) or a malformed
  // --identified-shock (exit 1) is named and stores no version; a version without an identified
  // shock says how to fit one.
  const auto versions = run_mre({"scm", "list", "--db", db_}).out;
  const auto missing =
      run_mre({"scm", "fit", "--db", db_, "--version", "S_R", "--regime-version", "R_NOPE"});
  EXPECT_EQ(missing.exit_code, 4) << missing.err;
  EXPECT_TRUE(contains(missing.err, "regime_version 'R_NOPE'")) << missing.err;
  refused({"scm", "fit", "--version", "S_I", "--identified-shock", "Re"}, "expected NODE=SERIES");
  refused({"scm", "fit", "--version", "S_I", "--identified-shock", "R3M=MP1_JK"},
          "node 'R3M' is not a node with an equation");
  EXPECT_EQ(run_mre({"scm", "list", "--db", db_}).out, versions);
  refused({"scm", "identified", "--version", "S1"}, "--identified-shock Re=MP1_JK");
}

}  // namespace
}  // namespace mre
