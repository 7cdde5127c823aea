// `method: jump` end to end with the real binary: a walk-forward jump version of the S&P 500
// from the bundled snapshot (stored like the other kinds, listed, shown, served by the API,
// profiled), the CSV fit/predict path, and bad input (negative lambda, more states than rows,
// bad keys) refused with the parameter named and nothing stored.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "mre/core/date.h"
#include "server/api.h"
#include "support/test_support.h"

namespace mre::testing {
namespace {

// One store for the whole suite: ^GSPC and TLT from the snapshot, two daily S&P 500 features.
class JumpCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = (*dir_ / "j.db").string();
    ASSERT_EQ(run_mre({"ingest", "--db", db_, "--tickers", "^GSPC,TLT"}).exit_code, 0);
    write_file(*dir_ / "f.yml",
               "name: eq\nfrequency: daily\nstart: 1995-01-03\nfeatures:\n"
               "  - {name: momentum_63d, inputs: [\"^GSPC\"], ops: [{op: returns, horizon: 63, "
               "log: false}]}\n"
               "  - {name: vol_21d, inputs: [\"^GSPC\"], ops: [{op: volatility, window: 21, "
               "changes: log}]}\n");
    const auto built = run_mre({"features", "build", "--db", db_, "--spec",
                                (*dir_ / "f.yml").string(), "--version", "F1"});
    ASSERT_EQ(built.exit_code, 0) << built.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string spec(const std::string& name, const std::string& body) {
    const auto path = *dir_ / (name + ".yml");
    write_file(path, "name: " + name + "\nmethod: jump\nfeature_set: eq\n" + body);
    return path.string();
  }
  static inline TempDir* dir_ = nullptr;
  static inline std::string db_;
};

TEST_F(JumpCli, WalkForwardVersionIsStoredShownServedAndProfiled) {
  const auto path = spec(
      "jm",
      "labels: [calm, stress]\n"
      "jump: {n_states: 2, jump_penalty: 50, n_init: 5, order_by: vol_21d}\n"
      "walk_forward: {refit_every_months: 6, min_train_rows: 1260, train_window_rows: 2520}\n");
  const auto fit = run_mre({"regimes", "fit", "--db", db_, "--spec", path, "--version", "J1"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_TRUE(contains(fit.err, "regimes J1 (jump on features F1)")) << fit.err;
  EXPECT_TRUE(contains(fit.err, "walk-forward fits")) << fit.err;
  EXPECT_TRUE(contains(run_mre({"regimes", "list", "--db", db_}).out, "J1,jump,jm,F1,calm stress,"))
      << "list";
  // Mid-October 2008 (realised volatility above 60% annualised) is the high-volatility state.
  const auto show =
      run_mre({"regimes", "show", "J1", "--db", db_, "--from", "2008-10-15", "--to", "2008-10-15"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "date,regime,score,p_calm,p_stress\n2008-10-15,stress,1,0,1\n");
  // Stored like the others: the API serves it, probabilities one-hot.
  server::Api api({.db = db_});
  const std::string served =
      api.handle_raw("GET /api/regimes/J1?from=2008-10-15&to=2008-10-15 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(served.rfind("HTTP/1.1 200", 0), 0u) << served;
  EXPECT_TRUE(contains(served, "\"kind\":\"jump\"")) << served;
  EXPECT_TRUE(contains(served, "\"regime\":\"stress\"")) << served;
  const std::string profiled =
      api.handle_raw("GET /api/regimes/J1/profile?assets=%5EGSPC,TLT HTTP/1.1\r\n\r\n");
  EXPECT_EQ(profiled.rfind("HTTP/1.1 200", 0), 0u) << profiled;
  EXPECT_TRUE(contains(profiled, "\"expected_durations\"")) << profiled;
  EXPECT_TRUE(contains(profiled, "\"asset\": \"TLT\"")) << profiled;
  const std::string unknown =
      api.handle_raw("GET /api/regimes/J1/profile?assets=NOPE HTTP/1.1\r\n\r\n");
  EXPECT_EQ(unknown.rfind("HTTP/1.1 404", 0), 0u) << unknown;
  // Fitting the same spec again is a no-op; nothing is overwritten.
  const auto again = run_mre({"regimes", "fit", "--db", db_, "--spec", path, "--version", "J1"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_TRUE(contains(again.err, "already fitted")) << again.err;

  const auto text = run_mre({"regimes", "profile", "J1", "--db", db_, "--assets", "^GSPC,TLT"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "exp. duration")) << text.out;
  const auto json = run_mre(
      {"regimes", "profile", "J1", "--db", db_, "--assets", "^GSPC,TLT", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto p = nlohmann::json::parse(json.out);
  EXPECT_EQ(p["labels"], nlohmann::json({"calm", "stress"}));
  // The stress state is the volatile one for the S&P 500, and the worst day of the whole sample
  // (2020-03-16 or 1987-10-19 before the data) falls in it.
  double calm_vol = 0, stress_vol = 0;
  for (const auto& s : p["assets"]) {
    if (s["asset"] != "^GSPC") continue;
    if (s["regime"] == "calm") calm_vol = s["annual_volatility"].get<double>();
    if (s["regime"] == "stress") stress_vol = s["annual_volatility"].get<double>();
  }
  EXPECT_GT(stress_vol, 1.5 * calm_vol);
  // Persistent regimes: both expected durations are months, not days.
  EXPECT_GT(p["expected_durations"][0].get<double>(), 20.0);
  EXPECT_GT(p["expected_durations"][1].get<double>(), 20.0);

  EXPECT_EQ(run_mre({"regimes", "profile", "J1", "--db", db_, "--assets", "NOPE"}).exit_code, 4);
  EXPECT_EQ(run_mre({"regimes", "profile", "J9", "--db", db_, "--assets", "^GSPC"}).exit_code, 4);
  EXPECT_EQ(run_mre({"regimes", "profile", "--help"}).exit_code, 0);
}

TEST_F(JumpCli, ContinuousVersionStoresSimplexVectors) {
  const auto path = spec(
      "cjm",
      "jump: {n_states: 2, jump_penalty: 20, n_init: 3, continuous: true, grid_size: 0.1}\n"
      "walk_forward: {refit_every_months: 12, min_train_rows: 1260, train_window_rows: 2520}\n");
  const auto fit = run_mre({"regimes", "fit", "--db", db_, "--spec", path, "--version", "C1"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const auto show = run_mre({"regimes", "show", "C1", "--db", db_, "--format", "json"});
  ASSERT_EQ(show.exit_code, 0);
  const auto j = nlohmann::json::parse(show.out);
  int fractional = 0, rows = 0;
  for (const auto& row : j["regimes"]) {
    const double p0 = row["probabilities"]["J0"].get<double>(),
                 p1 = row["probabilities"]["J1"].get<double>();
    EXPECT_NEAR(p0 + p1, 1.0, 1e-12);
    // On the grid {0, 0.1, ..., 1} (normalised sums of tenths).
    EXPECT_NEAR(p0 * 10, std::round(p0 * 10), 1e-9);
    fractional += p0 > 0 && p0 < 1;
    ++rows;
  }
  EXPECT_GT(rows, 5000);
  EXPECT_GT(fractional, 0);  // the continuous model does use interior points
}

TEST_F(JumpCli, BadInputIsNamedAndNothingIsStored) {
  const auto negative = run_mre({"regimes", "fit", "--db", db_, "--spec",
                                 spec("neg", "jump: {jump_penalty: -5}\n"), "--version", "X1"});
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_TRUE(contains(negative.err, "neg.yml:4")) << negative.err;
  EXPECT_TRUE(contains(negative.err, "'jump_penalty' must be a finite number >= 0 (got -5)"))
      << negative.err;
  const auto missing = run_mre({"regimes", "fit", "--db", db_, "--spec",
                                spec("nolambda", "jump: {n_states: 2}\n"), "--version", "X2"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "'jump_penalty' is required")) << missing.err;
  // Eight states on a feature set of five complete rows.
  write_file(*dir_ / "tiny.yml",
             "name: tiny\nfrequency: daily\nstart: 2026-08-14\nfeatures:\n"
             "  - {name: r1, inputs: [\"^GSPC\"], ops: [{op: returns, horizon: 1, log: false}]}\n");
  ASSERT_EQ(run_mre({"features", "build", "--db", db_, "--spec", (*dir_ / "tiny.yml").string(),
                     "--version", "T1"})
                .exit_code,
            0);
  write_file(*dir_ / "big.yml",
             "name: big\nmethod: jump\nfeature_set: tiny\njump: {n_states: 8, jump_penalty: "
             "1}\nwalk_forward: off\n");
  const auto big = run_mre(
      {"regimes", "fit", "--db", db_, "--spec", (*dir_ / "big.yml").string(), "--version", "X3"});
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_TRUE(contains(big.err, "n_states (8) exceeds the")) << big.err;
  const auto key =
      run_mre({"regimes", "fit", "--db", db_, "--spec",
               spec("key", "jump: {jump_penalty: 1, lambda: 2}\n"), "--version", "X4"});
  EXPECT_EQ(key.exit_code, 1);
  EXPECT_TRUE(contains(key.err, "unknown key 'lambda'")) << key.err;
  const auto grid =
      run_mre({"regimes", "fit", "--db", db_, "--spec",
               spec("grid", "jump: {jump_penalty: 1, continuous: true, grid_size: 0.3}\n"),
               "--version", "X5"});
  EXPECT_EQ(grid.exit_code, 1);
  EXPECT_TRUE(contains(grid.err, "grid_size")) << grid.err;
  const auto list = run_mre({"regimes", "list", "--db", db_}).out;
  for (const char* v : {"X1", "X2", "X3", "X4", "X5"})
    EXPECT_FALSE(contains(list, std::string(v) + ",")) << v;
}

TEST_F(JumpCli, CsvFitAndOnlinePredict) {
  // Two regimes of 300 rows each, far apart: the fitted model labels them, and the online
  // labels of the first 400 rows are the same whether or not the last 200 rows are given.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  std::ostringstream all, head;
  all.precision(17);
  head.precision(17);
  all << "date,a,b\n";
  head << "date,a,b\n";
  Date day = *Date::parse("2021-01-01");
  for (int t = 0; t < 600; ++t, day = day + 1) {
    const double shift = (t / 150) % 2 ? 3.0 : 0.0;
    std::ostringstream line;
    line.precision(17);
    line << day.iso() << "," << shift + z(rng) << "," << -shift + z(rng) << "\n";
    all << line.str();
    if (t < 400) head << line.str();
  }
  write_file(*dir_ / "all.csv", all.str());
  write_file(*dir_ / "head.csv", head.str());
  const auto fit =
      run_mre({"regimes", "fit", "--data", (*dir_ / "all.csv").string(), "--method", "jump",
               "--states", "2", "--penalty", "20", "--out", (*dir_ / "jm.json").string()});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const auto summary = nlohmann::json::parse(fit.out);
  EXPECT_EQ(summary["switches"].get<int>(), 3);  // 150-row blocks: three true switches
  const auto full = run_mre({"regimes", "predict", "--model", (*dir_ / "jm.json").string(),
                             "--data", (*dir_ / "all.csv").string()});
  const auto part = run_mre({"regimes", "predict", "--model", (*dir_ / "jm.json").string(),
                             "--data", (*dir_ / "head.csv").string()});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(part.exit_code, 0) << part.err;
  EXPECT_EQ(full.out.substr(0, part.out.size()), part.out);
  const auto bad = run_mre({"regimes", "fit", "--data", (*dir_ / "all.csv").string(), "--method",
                            "jump", "--penalty", "-1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "jump_penalty")) << bad.err;
}

// A penalty no window pays for leaves a state empty (QA 2026-12-07): its centroid is written as
// nulls, read back, never labelled, and the fit and `regimes show` say which fits it concerns.
TEST_F(JumpCli, AnEmptyStateIsStoredAsNullsNeverLabelledAndNamed) {
  const auto path = spec(
      "jm_empty",
      "labels: [calm, stress]\n"
      "jump: {n_states: 2, jump_penalty: 1e9, n_init: 3, order_by: vol_21d}\n"
      "walk_forward: {refit_every_months: 12, min_train_rows: 1260, train_window_rows: 2520}\n");
  const auto fit = run_mre({"regimes", "fit", "--db", db_, "--spec", path, "--version", "JE"});
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_TRUE(contains(fit.err, "fit(s) of JE left a state empty")) << fit.err;
  EXPECT_TRUE(contains(fit.err, "(stress)")) << fit.err;  // ordered last: the used one is calm
  const auto show = run_mre({"regimes", "show", "JE", "--db", db_});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(contains(show.err, "left a state empty")) << show.err;
  EXPECT_FALSE(contains(show.out, ",stress,")) << "an empty state was labelled";
  // The CSV path: the model file holds a row of nulls and predicts with the used state only.
  write_file(*dir_ / "two.csv",
             "date,a\n2021-01-01,0\n2021-01-02,0.1\n2021-01-03,5\n"
             "2021-01-04,5.2\n2021-01-05,-0.1\n");
  const auto csv_fit =
      run_mre({"regimes", "fit", "--data", (*dir_ / "two.csv").string(), "--method", "jump",
               "--states", "2", "--penalty", "1000", "--out", (*dir_ / "je.json").string()});
  ASSERT_EQ(csv_fit.exit_code, 0) << csv_fit.err;
  EXPECT_EQ(nlohmann::json::parse(csv_fit.out)["empty_states"].size(), 1u) << csv_fit.out;
  const auto model = nlohmann::json::parse(read_file(*dir_ / "je.json"));
  ASSERT_EQ(model["empty_states"].size(), 1u) << model.dump();
  const auto empty = model["empty_states"][0].get<std::size_t>();
  EXPECT_TRUE(model["centers"][empty][0].is_null()) << model.dump();
  for (const bool viterbi : {false, true}) {
    std::vector<std::string> args{"regimes", "predict",
                                  "--model", (*dir_ / "je.json").string(),
                                  "--data",  (*dir_ / "two.csv").string()};
    if (viterbi) args.emplace_back("--viterbi");
    const auto predicted = run_mre(args);
    ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
    std::istringstream lines(predicted.out);
    std::string line;
    std::getline(lines, line);  // header
    int rows = 0;
    for (; std::getline(lines, line); ++rows) {
      std::vector<std::string> cells;
      std::istringstream cell_stream(line);
      for (std::string c; std::getline(cell_stream, c, ',');) cells.push_back(c);
      ASSERT_EQ(cells.size(), viterbi ? 2u : 3u) << line;
      if (viterbi) {
        EXPECT_EQ(cells[1], std::to_string(1 - empty)) << line;
      } else {
        EXPECT_EQ(cells[1 + empty], "0") << line;
      }
    }
    EXPECT_EQ(rows, 5);
  }
}

}  // namespace
}  // namespace mre::testing
