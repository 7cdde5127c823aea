// Clear errors instead of "internal error" (issue 26): specs with a scalar where a section is
// expected, n_states out of [2, 64], counts past their stated limits, deep YAML, a directory as
// --path, wrong JSON types in a --model file, and the CSV reader's strictness. Each exits 1 or 2
// naming the file, key or option and the value, and leaves the store's checksum unchanged.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace mre::testing {
namespace {

// A store with a little data, and its checksum before the bad inputs.
struct Store {
  TempDir dir;
  std::string db;
  std::string checksum;
  Store() {
    db = (dir / "s.db").string();
    const auto r = run_mre({"ingest", "--db", db, "--tickers", "DGS10,DGS3MO"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    checksum = sum();
  }
  std::string sum() const {
    const auto r = run_mre({"db", "checksum", "--db", db});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
};

struct BadInput {
  std::string name;
  std::vector<std::string> args;  // "SPEC" is replaced by the spec file, "DB" by the store
  std::string spec;               // the spec file's text (may be empty)
  int exit_code;
  std::vector<std::string> messages;  // each must appear on stderr; "SPEC" replaced
};

std::string replaced(std::string text, const std::string& spec, const std::string& db) {
  for (auto at = text.find("SPEC"); at != std::string::npos;
       at = text.find("SPEC", at + spec.size()))
    text.replace(at, 4, spec);
  for (auto at = text.find("DB"); at != std::string::npos; at = text.find("DB", at + db.size()))
    text.replace(at, 2, db);
  return text;
}

void expect_clear_error(const Store& store, const BadInput& input) {
  SCOPED_TRACE(input.name);
  const auto spec = (store.dir / (input.name + ".yml")).string();
  if (!input.spec.empty()) write_file(spec, input.spec);
  std::vector<std::string> args;
  for (const auto& a : input.args) args.push_back(replaced(a, spec, store.db));
  const auto r = run_mre(args);
  EXPECT_EQ(r.exit_code, input.exit_code) << r.err;
  EXPECT_FALSE(contains(r.err, "internal error")) << r.err;
  for (const auto& m : input.messages)
    EXPECT_TRUE(contains(r.err, replaced(m, spec, store.db))) << r.err;
  EXPECT_EQ(store.sum(), store.checksum);  // nothing stored
}

const char* kRegimeSpec = "name: r\nmethod: hmm\nfeature_set: macro_ltv\n";
const char* kScmHead =
    "name: s\nnodes:\n  - {node: EFFR, series: EFFR}\n  - {node: DGS10, series: DGS10, parents: "
    "[EFFR]}\n";

TEST(InputsCli, SpecsWithAScalarWhereASectionIsExpected) {
  Store store;
  const std::vector<BadInput> inputs = {
      {"feature_ops_scalar",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
       "name: f\nfrequency: month_end\nfeatures:\n  - {name: a, inputs: [DGS10], ops: 3}\n",
       1,
       {"SPEC:4: feature 'a': 'ops' must be a list"}},
      {"regime_hmm_scalar",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       std::string(kRegimeSpec) + "hmm: 3\n",
       1,
       {"SPEC:4: 'hmm': expected a mapping with keys among n_states, covariance",
        "got the value '3'"}},
      {"regime_walk_forward_scalar",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       std::string(kRegimeSpec) + "walk_forward: 5\n",
       1,
       {"SPEC:4: 'walk_forward': expected a mapping", "got the value '5'"}},
      {"regime_rules_condition_scalar",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       "name: r\nmethod: rules\nfeature_set: macro_ltv\nrules:\n  calm: [3]\n",
       1,
       {"SPEC:5: 'regime 'calm'': expected a mapping with keys among feature, direction, "
        "threshold, scale, got the value '3'"}},
      {"classifier_hmm_scalar",
       {"classify", "train", "--db", "DB", "--spec", "SPEC", "--version", "C"},
       "name: c\nhmm: full\n",
       1,
       {"SPEC:2: 'hmm': expected a mapping with keys among covariance", "got the value 'full'"}},
      {"effects_outcome_list",
       {"effects", "run", "--db", "DB", "--spec", "SPEC", "--version", "E"},
       "name: e\ntreatments: [fed_shock]\noutcomes:\n  sp500: [1, 2]\nhorizons: [1]\n",
       1,
       {"SPEC:4: outcomes: 'sp500' must be a feature name or {feature, kind}"}},
      {"scm_shocks_scalar",
       {"scm", "fit", "--db", "DB", "--spec", "SPEC"},
       std::string(kScmHead) + "shocks: 3\n",
       1,
       {"SPEC:5: 'shocks': expected a mapping with keys among regimes, regime_seed, mean_block, "
        "got the value '3'"}},
      {"scm_scenario_scalar",
       {"scm", "fit", "--db", "DB", "--spec", "SPEC"},
       std::string(kScmHead) + "scenarios: [3]\n",
       1,
       {"SPEC:5: 'scenarios': expected a mapping with keys among name, description, do, got the "
        "value '3'"}},
      {"scm_level_scalar",
       {"scm", "fit", "--db", "DB", "--spec", "SPEC"},
       "name: s\nnodes:\n  - {node: EFFR, series: EFFR, level: 2}\n",
       1,
       {"SPEC:3: 'node 'EFFR' level': expected a mapping with keys among offset, factor, got the "
        "value '2'"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
}

TEST(InputsCli, StatesOutsideTwoToSixtyFourAreNamedWithTheirValue) {
  Store store;
  const std::vector<BadInput> inputs = {
      {"n_states_million",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       std::string(kRegimeSpec) + "hmm: {n_states: 1000000}\n",
       1,
       {"SPEC:4: 'n_states' must be in [2, 64], got 1000000"}},
      {"n_states_1e6",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       std::string(kRegimeSpec) + "hmm: {n_states: 1e6}\n",
       1,
       {"SPEC:4: 'n_states' must be a whole number in [2, 64], got the value '1e6'"}},
      {"n_states_negative",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
       std::string(kRegimeSpec) + "hmm: {n_states: -3}\n",
       1,
       {"SPEC:4: 'n_states' must be in [2, 64], got -3"}},
      {"scm_regimes_huge",
       {"scm", "fit", "--db", "DB", "--spec", "SPEC"},
       std::string(kScmHead) + "shocks: {regimes: 4294967297}\n",
       1,
       {"SPEC:5: 'regimes' must be in [2, 64], got 4294967297"}},
      {"cli_states_million",
       {"regimes", "fit", "--data", "DB", "--states", "1000000"},
       "",
       1,
       {"--states: 1000000 is outside the limits [2, 64]"}},
      {"cli_states_negative",
       {"regimes", "fit", "--data", "DB", "--states", "-3"},
       "",
       1,
       {"--states: -3 is outside the limits [2, 64]"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
}

TEST(InputsCli, SimulationCountsAreCheckedBeforeNarrowing) {
  Store store;
  const std::vector<BadInput> inputs = {
      {"paths_int_max",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--paths", "2147483647"},
       "",
       1,
       {"--paths: 2147483647 is outside the limits [1, 1000000]"}},
      {"paths_wraps_to_one",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--paths", "4294967297"},
       "",
       1,
       {"--paths: 4294967297 is outside the limits [1, 1000000]"}},
      {"horizon_wraps_to_one",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--horizon", "4294967297"},
       "",
       1,
       {"--horizon: 4294967297 is outside the limits [1, 12600]"}},
      {"threads_negative",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--threads", "-1"},
       "",
       1,
       {"--threads: -1 is outside the limits [0, 1024]"}},
      {"paths_beyond_64_bits",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--paths", "99999999999999999999"},
       "",
       1,
       {"--paths"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
  // The limits are in --help.
  const auto help = run_mre({"scm", "simulate", "--help"});
  EXPECT_TRUE(contains(help.out, "Monte Carlo paths, 1 to 1000000")) << help.out;
  EXPECT_TRUE(contains(help.out, "1 to 12600")) << help.out;
}

// A QA pass (2026-12-07) found values that were silently replaced by the spec's defaults or
// wrapped (a negative seed into 2^64 - 1, --n-init 0 into the spec's 10, --folds 0 into 5,
// --magnitude nan into a null answer), counts with no upper limit that ended in bad_alloc (exit
// 70), an empty rules map that crashed (exit 139), and a duplicate in a spec list that failed
// only at the store's unique key after every cell was estimated. Each is now refused, named,
// before anything runs or is stored.
TEST(InputsCli, QaValuesAreRefusedNotReplacedByDefaultsAndCountsHaveLimits) {
  Store store;
  const std::vector<BadInput> inputs = {
      {"seed_negative_unsigned",
       {"effects", "calibrate", "--db", "DB", "--version", "E1", "--seed", "-1"},
       "",
       1,
       {"--seed: must be a whole number from 0 (got '-1')"}},
      {"seed_negative_signed",
       {"classify", "backfill", "--db", "DB", "--version", "B1", "--seed", "-3"},
       "",
       1,
       {"--seed: must be a whole number from 0 (got '-3')"}},
      {"bootstrap_seed_negative",
       {"scm", "counterfactual", "--db", "DB", "--do", "EFFR=+0.5", "--bootstrap-seed", "-1"},
       "",
       1,
       {"--bootstrap-seed"}},
      // Zero (and -1) meant "the default" for these (QA): 600 QuantGAN steps, the last refit,
      // the spec's threads; an option that a shock kind does not read was ignored.
      {"steps_zero",
       {"scm", "generators", "train", "--db", "DB", "--steps", "0"},
       "",
       1,
       {"--steps: 0 is outside the limits [1, 1000000]"}},
      {"steps_negative",
       {"scm", "generators", "train", "--db", "DB", "--steps", "-1"},
       "",
       1,
       {"--steps: -1 is outside the limits [1, 1000000]"}},
      {"quantgan_steps_zero",
       {"scm", "generators", "evaluate", "--db", "DB", "--generator", "quantgan",
        "--quantgan-steps", "0"},
       "",
       1,
       {"--quantgan-steps: 0 is outside the limits [1, 1000000]"}},
      {"refit_zero",
       {"neural", "export", "--db", "DB", "--version", "N1", "--refit", "0", "--to", "DB.out"},
       "",
       1,
       {"--refit: 0 is outside the limits [1, 1000000]"}},
      {"neural_threads_zero",
       {"neural", "train", "--db", "DB", "--spec", "config/neural/attention_tour.yml", "--version",
        "N1", "--threads", "0"},
       "",
       1,
       {"--threads: 0 is outside the limits [1, 1024]"}},
      {"generator_version_unread",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--shocks", "gaussian",
        "--generator-version", "NOPE"},
       "",
       1,
       {"--generator-version is read only with --shocks quantgan (got --shocks gaussian)"}},
      {"n_init_zero",
       {"classify", "backfill", "--db", "DB", "--version", "B1", "--n-init", "0"},
       "",
       1,
       {"--n-init: 0 is outside the limits [1, 1000000]"}},
      {"n_init_negative",
       {"classify", "backfill", "--db", "DB", "--version", "B1", "--n-init", "-3"},
       "",
       1,
       {"--n-init: -3 is outside the limits [1, 1000000]"}},
      {"screen_negative",
       {"classify", "backfill", "--db", "DB", "--version", "B1", "--screen-iterations", "-1"},
       "",
       1,
       {"--screen-iterations: -1 is outside the limits"}},
      {"evaluate_threads_negative",
       {"regimes", "evaluate", "R1", "--db", "DB", "--threads", "-5"},
       "",
       1,
       {"--threads: -5 is outside the limits [0, 1024]"}},
      {"folds_zero",
       {"effects", "estimate", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--folds", "0"},
       "",
       1,
       {"--folds: 0 is outside the limits [2, 100]"}},
      {"embargo_negative",
       {"effects", "estimate", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--embargo", "-1"},
       "",
       1,
       {"--embargo: -1 is outside the limits [0, 1200]"}},
      {"magnitude_nan",
       {"effects", "estimate", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--magnitude", "nan"},
       "",
       1,
       {"--magnitude: must be a finite number (got nan)"}},
      {"magnitude_beyond_a_million",
       {"effects", "estimate", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--magnitude", "1e300"},
       "",
       1,
       {"--magnitude: must be from -1e+06 to 1e+06 (got 1e300)"}},
      {"ask_magnitude_inf",
       {"effects", "ask", "--db", "DB", "--magnitude", "inf"},
       "",
       1,
       {"--magnitude: must be a finite number"}},
      {"irf_lags_zero",
       {"effects", "irf", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--lags", "0"},
       "",
       1,
       {"--lags: 0 is outside the limits [1, 24]"}},
      {"surrogates_huge",
       {"effects", "calibrate", "--db", "DB", "--version", "E1", "--surrogates", "300000000"},
       "",
       1,
       {"--surrogates: 300000000 is outside the limits [20, 100000]"}},
      {"replicates_huge",
       {"scm", "counterfactual", "--db", "DB", "--do", "EFFR=+0.5", "--replicates", "2000000000"},
       "",
       1,
       {"--replicates: 2000000000 is outside the limits [50, 100000]"}},
      {"paths_per_replicate_huge",
       {"scm", "simulate", "--db", "DB", "--do", "EFFR=+0.5", "--paths", "100",
        "--paths-per-replicate", "2000000000"},
       "",
       1,
       {"--paths-per-replicate: 2000000000 is outside the limits [1, 10000]"}},
      {"port_beyond_16_bits",
       {"serve", "--db", "DB", "--port", "70000"},
       "",
       1,
       {"--port: 70000 is outside the limits [0, 65535]"}},
      {"study_tag_empty",
       {"effects", "event", "--db", "DB", "--treatment", "mp_surprise", "--outcome", "sp500",
        "--store", ""},
       "",
       1,
       {"--store: give a tag or 'auto'"}},
      {"rules_empty_map",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R9"},
       "name: x\nmethod: rules\nfeature_set: cross_asset\nrules: {}\n",
       1,
       {"SPEC:4: 'rules' is empty"}},
      {"walk_forward_refit_zero",
       {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R9"},
       "name: h\nmethod: hmm\nfeature_set: macro_ltv\nhmm: {n_states: 2}\n"
       "walk_forward: {refit_every_months: 0}\n",
       1,
       {"SPEC:5: 'refit_every_months' must be in [1, 1200], got 0"}},
      {"effects_spec_horizon_twice",
       {"effects", "run", "--db", "DB", "--spec", "SPEC", "--version", "E9"},
       "name: e\ntreatments: [mp_surprise]\noutcomes: {sp500: sp500}\nhorizons: [1, 1]\n",
       1,
       {"SPEC:4", "'horizons' lists 1 twice"}},
      {"effects_spec_treatment_twice",
       {"effects", "run", "--db", "DB", "--spec", "SPEC", "--version", "E9"},
       "name: e\ntreatments: [mp_surprise, mp_surprise]\noutcomes: {sp500: sp500}\n"
       "horizons: [1]\n",
       1,
       {"SPEC:2", "'treatments' lists 'mp_surprise' twice"}},
      {"approver_with_newline",
       {"classify", "approve", "C1", "--db", "DB", "--by", "a\nApproved by someone else"},
       "",
       1,
       {"--by: the approver's name contains a control character"}},
      {"show_range_reversed",
       {"regimes", "show", "R1", "--db", "DB", "--from", "2021-01-01", "--to", "2020-01-01"},
       "",
       1,
       {"--to 2020-01-01 is before --from 2021-01-01"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
}

TEST(InputsCli, DeepYamlIsRefusedBeforeParsing) {
  Store store;
  const std::string deep = std::string(kRegimeSpec) + "columns: " + std::string(100'000, '[') +
                           std::string(100'000, ']') + "\n";
  expect_clear_error(store, {"deep_regime",
                             {"regimes", "fit", "--db", "DB", "--spec", "SPEC", "--version", "R"},
                             deep,
                             1,
                             {"SPEC:4: regime spec nested more than 64 levels deep"}});
  expect_clear_error(store,
                     {"deep_feature",
                      {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
                      "name: f\nfeatures: " + std::string(70, '{') + std::string(70, '}') + "\n",
                      1,
                      {"SPEC:2: feature spec nested more than 64 levels deep"}});
}

TEST(InputsCli, ADirectoryAsPathIsNamed) {
  Store store;
  std::filesystem::create_directory(store.dir / "d");
  const auto d = (store.dir / "d").string();
  expect_clear_error(store, {"path_dir",
                             {"ingest", "--db", "DB", "--source", "csv", "--path", d},
                             "",
                             1,
                             {d + ": is a directory, not a CSV file"}});
  expect_clear_error(store, {"universe_dir",
                             {"ingest", "--db", "DB", "--universe", d},
                             "",
                             1,
                             {d + ": universe file (--universe) is not a regular file"}});
  expect_clear_error(store, {"spec_dir",
                             {"regimes", "fit", "--db", "DB", "--spec", d, "--version", "R"},
                             "",
                             1,
                             {d + ": regime spec is not a regular file"}});
  expect_clear_error(store, {"model_dir",
                             {"regimes", "predict", "--model", d, "--data", d},
                             "",
                             1,
                             {d + ": is a directory, not a file"}});
}

TEST(InputsCli, WrongJsonTypesInAModelFileAreNamed) {
  Store store;
  // A valid two-state model, then one field at a time of the wrong type.
  const std::string good =
      R"({"model": "gaussian_hmm", "covariance": "diag", "features": ["a"], "initial": [0.5, 0.5],)"
      R"( "transition": [[0.9, 0.1], [0.1, 0.9]], "means": [[0.0], [1.0]], "covariances": [[[1.0]], [[1.0]]]})";
  write_file(store.dir / "x.csv", "date,a\n2024-01-01,0.1\n2024-01-02,0.9\n");
  const auto data = (store.dir / "x.csv").string();
  const auto model = (store.dir / "m.json").string();
  write_file(model, good);
  ASSERT_EQ(run_mre({"regimes", "predict", "--model", model, "--data", data}).exit_code, 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("covariance": "diag")", R"("covariance": 3)"},
      {R"("initial": [0.5, 0.5])", R"("initial": "uniform")"},
      {R"("features": ["a"])", R"("features": [1])"},
      {R"("model": "gaussian_hmm")", R"("model": 7)"},
      {R"("initial": [0.5, 0.5])", R"("initial": [0.5, "x"])"},
      {R"("covariances": [[[1.0]], [[1.0]]])", R"("covariances": 1)"},
  };
  const std::vector<std::string> messages = {
      "m.json: 'covariance' must be a string (got 3)",
      "m.json: 'initial' must be a list of numbers (got \"uniform\")",
      "m.json: 'features'[0] must be a string (got 1)",
      "m.json: not a gaussian_hmm model ('model' is 7)",
      "m.json: 'initial'[1] must be a number (got \"x\")",
      "m.json: 'covariances' must be a list of matrices (got 1)",
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::string text = good;
    text.replace(text.find(cases[i].first), cases[i].first.size(), cases[i].second);
    write_file(model, text);
    const auto r = run_mre({"regimes", "predict", "--model", model, "--data", data});
    EXPECT_EQ(r.exit_code, 1) << cases[i].second << ": " << r.err;
    EXPECT_TRUE(contains(r.err, messages[i])) << r.err;
  }
}

TEST(InputsCli, CsvIngestRefusesTrailingTextJunkAfterQuotesAndYearZero) {
  Store store;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"date,DGS10\n2030-01-01 garbage,1.0\n", "cannot parse date '2030-01-01 garbage'"},
      {"date,DGS10\n2024-01-02,\"1.0\"junk\n", ":2: field 2: text 'junk' after the closing quote"},
      {"date,DGS10\n0000-01-01,1.0\n", "cannot parse date '0000-01-01'"},
      // Dates the live sources refuse as corrupt (before 1800, more than a week ahead) were
      // stored from a CSV, and a future date then lengthened every feature build (QA).
      {"date,DGS10\n2024-01-02,1.0\n9999-12-31,1.0\n",
       "column 'DGS10': the date 9999-12-31 is outside the plausible range 1800-01-01 .. "},
      {"date,DGS10\n1799-12-31,1.0\n2024-01-02,1.0\n",
       "column 'DGS10': the date 1799-12-31 is outside the plausible range"},
  };
  for (const auto& [text, message] : files) {
    write_file(store.dir / "bad.csv", text);
    const auto r = run_mre({"ingest", "--db", store.db, "--source", "csv", "--path",
                            (store.dir / "bad.csv").string()});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, (store.dir / "bad.csv").string())) << r.err;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_EQ(store.sum(), store.checksum);
  }
  // A 50 MB bad field: named, cut at 80 bytes, the store unchanged.
  write_file(store.dir / "big.csv",
             "date,DGS10\n2024-01-02," + std::string(50'000'000, '9') + "x\n");
  const auto r = run_mre(
      {"ingest", "--db", store.db, "--source", "csv", "--path", (store.dir / "big.csv").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 400);
  EXPECT_LT(r.err.size(), 1000u);
  EXPECT_TRUE(contains(r.err, "big.csv:2: field 'DGS10': '" + std::string(80, '9') +
                                  "...' (50000001 bytes) is not a finite number"))
      << r.err.substr(0, 400);
  EXPECT_EQ(store.sum(), store.checksum);
}

// Options that mean nothing for the chosen source were ignored: --path without --source csv
// ingested the whole bundled snapshot instead of the file; --since, --vintages, --cache and
// --replay did nothing for a CSV or the snapshot. Each is refused naming the option.
TEST(InputsCli, IngestOptionsForAnotherSourceAreRefused) {
  Store store;
  write_file(store.dir / "good.csv", "date,DGS10\n2024-01-02,1.0\n");
  const auto csv = (store.dir / "good.csv").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--path", csv}, "--path is read only with --source csv (got --source snapshot)"},
      {{"--source", "fred", "--path", csv}, "--path is read only with --source csv"},
      {{"--source", "csv", "--path", csv, "--since", "2030-01-01"},
       "--since applies to the live sources"},
      {{"--source", "csv", "--path", csv, "--vintages"}, "--vintages applies to the live sources"},
      {{"--replay", (store.dir / "none").string()}, "--replay applies to the live sources"},
      {{"--source", "csv", "--path", csv, "--cache", (store.dir / "cache").string()},
       "--cache applies to the live sources"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args = {"ingest", "--db", store.db};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_mre(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, message)) << r.err;
    EXPECT_EQ(store.sum(), store.checksum);
  }
}

// Feature specs that stored something other than what they said (QA 2026-12-07): a log return of
// a series that is 0 or below on some days (those days silently without a value), a window longer
// than the data (a version of empty columns, exit 0), a feature named like a ticker (an input of
// that name read the feature, not the series). Each is refused, naming the feature; nothing stored.
TEST(InputsCli, FeatureSpecsThatWouldStoreSomethingElseAreRefused) {
  Store store;
  const std::string head = "name: t\nfrequency: daily\nstart: 2000-01-03\nfeatures:\n";
  const std::vector<BadInput> inputs = {
      {"log_of_zero",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
       head + "  - {name: a, inputs: [DGS3MO], ops: [{op: returns, horizon: 1, log: true}]}\n",
       2,
       {"feature 'a': op 'returns' takes logs, but its input is 0 or below on",
        "on 21 date(s) (first 2008-12-11: 0)"}},
      {"log_volatility_of_zero",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
       head +
           "  - {name: v, inputs: [DGS3MO], ops: [{op: volatility, window: 21, changes: log}]}\n",
       2,
       {"feature 'v': op 'volatility' takes logs"}},
      {"window_longer_than_data",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
       head + "  - {name: a, inputs: [DGS10], ops: [{op: slope, window: 99999999}]}\n",
       2,
       {"feature 'a' has no value on any of the", "longer than its input's data?"}},
      {"feature_named_like_a_ticker",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "F"},
       head + "  - {name: DGS3MO, inputs: [DGS10]}\n  - {name: b, inputs: [DGS3MO]}\n",
       1,
       {"feature 'DGS3MO': the name is a ticker of", "Rename the feature"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
  // The same spec without the log builds (the check is of logs, not of negative values).
  write_file(store.dir / "ok.yml",
             head + "  - {name: a, inputs: [DGS3MO], ops: [{op: diff, periods: 1}]}\n");
  const auto r = run_mre({"features", "build", "--db", store.db, "--spec",
                          (store.dir / "ok.yml").string(), "--version", "F"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// --help stated [0..1024] for every --threads while the LibTorch commands refuse 0 (their weights
// are reproducible for a thread count): the stated limits are the checked ones, and 0 is refused
// at parsing with the same message.
TEST(InputsCli, ThreadsLimitsInHelpAreTheCheckedOnes) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> commands = {
      {{"effects", "estimate"}, "[1..1024]"},
      {{"neural", "train"}, "[1..1024]"},
      {{"scm", "generators", "train"}, "[1..1024]"},
      {{"scm", "generators", "evaluate"}, "[1..1024]"},
      {{"effects", "run"}, "[0..1024]"},
      {{"regimes", "fit"}, "[0..1024]"},
  };
  for (const auto& [command, limits] : commands) {
    auto args = command;
    args.push_back("--help");
    const auto help = run_mre(args);
    EXPECT_EQ(help.exit_code, 0) << help.err;
    EXPECT_TRUE(contains(help.out, "--threads INT:" + limits)) << command[0] << " " << command[1];
    if (limits == "[0..1024]") continue;
    args = command;
    args.insert(args.end(), {"--threads", "0"});
    const auto r = run_mre(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "--threads: 0 is outside the limits [1, 1024]")) << r.err;
  }
}

// Regime specs that stored something other than what they said (QA 2026-12-07): labels [a, a]
// (two states no one could tell apart), a column twice (counted twice), `columns: []` (every
// column), min_train_rows equal to n_states (each state one row), a one-state jump model.
TEST(InputsCli, RegimeSpecsWithRepeatedNamesOrTooFewRowsAreRefused) {
  Store store;
  const auto spec = [](const std::string& columns, const std::string& labels, int states,
                       int min_rows) {
    return "name: j\nmethod: jump\nfeature_set: cross_asset\ncolumns: " + columns +
           "\nlabels: " + labels + "\njump: {n_states: " + std::to_string(states) +
           ", jump_penalty: 50}\nwalk_forward: {min_train_rows: " + std::to_string(min_rows) +
           "}\n";
  };
  const std::vector<std::string> fit = {"regimes", "fit",  "--db",      "DB",
                                        "--spec",  "SPEC", "--version", "J"};
  const std::vector<BadInput> inputs = {
      {"labels_twice",
       fit,
       spec("[a, b]", "[a, a]", 2, 100),
       1,
       {"SPEC:5: 'labels' names 'a' twice"}},
      {"column_twice",
       fit,
       spec("[a, b, a]", "[x, y]", 2, 100),
       1,
       {"SPEC:4: 'columns' names 'a' twice"}},
      {"no_columns",
       fit,
       spec("[]", "[x, y]", 2, 100),
       1,
       {"'columns' is empty: name at least one, or leave the key out"}},
      {"rows_equal_states",
       fit,
       spec("[a, b]", "[x, y, z]", 3, 3),
       1,
       {"walk_forward: 'min_train_rows' (3) must be above n_states (3)"}},
      {"one_state",
       fit,
       spec("[a, b]", "[x]", 1, 100),
       1,
       {"'n_states' must be in [2, 64], got 1"}},
      // yaml-cpp answered the first of two: n_states 2 here, silently.
      {"key_twice",
       fit,
       "name: j\nmethod: jump\nfeature_set: cross_asset\nlabels: [x, y]\njump: {n_states: 2, "
       "jump_penalty: 50,\n  n_states: 3}\n",
       1,
       {"SPEC:6: key 'n_states' appears twice in one mapping (first at line 5)"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
}

// Names that a stored version could not hold (QA 2026-12-08): a comma in a label or feature name
// was stored inside the comma-joined list, so the version read back with one label more than
// its probabilities and `regimes compare` aborted with heap corruption; an empty rule name was
// dropped; a YAML file with bytes that are not UTF-8 put them into names and messages.
TEST(InputsCli, NamesWithACommaAQuoteOrNothingAreRefusedAtTheirLine) {
  Store store;
  const std::vector<std::string> fit = {"regimes", "fit",  "--db",      "DB",
                                        "--spec",  "SPEC", "--version", "N"};
  const std::vector<std::string> build = {"features", "build", "--db",      "DB",
                                          "--spec",   "SPEC",  "--version", "FN"};
  const std::string rules = "name: r\nmethod: rules\nfeature_set: cross_asset\nrules:\n  ";
  const std::string condition =
      ":\n    - {feature: equity_momentum_63d, direction: up, scale: 0.05}\n";
  const std::vector<BadInput> inputs = {
      {"rule_with_comma",
       fit,
       rules + "\"RISK,ON\"" + condition,
       1,
       {"SPEC:5: regime name 'RISK,ON' contains a comma"}},
      {"rule_empty", fit, rules + "\"\"" + condition, 1, {"SPEC:5: regime name '' is empty"}},
      {"label_with_comma",
       fit,
       "name: k\nmethod: kmeans\nfeature_set: cross_asset\nlabels: [\"a,b\", c]\n"
       "kmeans: {n_clusters: 2}\n",
       1,
       {"SPEC:4: 'labels': the name 'a,b' contains a comma"}},
      {"label_with_quote",
       fit,
       "name: k\nmethod: kmeans\nfeature_set: cross_asset\nlabels: ['a\"b', c]\n"
       "kmeans: {n_clusters: 2}\n",
       1,
       {"SPEC:4: 'labels': the name 'a\"b' contains a double quote"}},
      {"spec_name_with_comma",
       fit,
       "name: \"k,1\"\nmethod: kmeans\nfeature_set: cross_asset\nkmeans: {n_clusters: 2}\n",
       1,
       {"SPEC:1: 'name' contains a comma"}},
      {"feature_with_comma",
       build,
       "name: f\nfrequency: month_end\nfeatures:\n  - {name: \"a,b\", inputs: [DGS10]}\n",
       1,
       {"SPEC:4: features[0]: the name 'a,b' contains a comma (it becomes a CSV column)"}},
      {"not_utf8",
       fit,
       "name: k\nmethod: kmeans\nfeature_set: cross_asset\nlabels: [a\xff, c]\n",
       1,
       {"SPEC:4: regime spec is not valid UTF-8 (byte 59 of the file)"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
  // The same names in a --data file's header: refused at line 1, naming the column.
  TempDir dir;
  const auto csv = dir / "x.csv";
  for (const std::string header : {"date,a,\"b,c\"", "date,a,b\xff", "date,a,a"}) {
    write_file(csv, header + "\n2024-01-02,1,2\n2024-01-03,2,1\n2024-01-04,1,3\n");
    const auto r = run_mre({"regimes", "fit", "--data", csv.string(), "--method", "kmeans",
                            "--states", "2", "--out", (dir / "m.json").string()});
    EXPECT_NE(r.exit_code, 0) << header;
    EXPECT_FALSE(contains(r.err, "internal error")) << r.err;
    EXPECT_TRUE(contains(r.err, csv.string() + ":1: column")) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "m.json"));
  }
}

// Values a stored version could not hold (QA 2026-12-08): a feature op that overflowed stored inf
// (which no reader accepts), an infinite rule threshold was accepted, and rules whose every
// condition sat hundreds of scales on the wrong side of its threshold stored 0 / 0 probabilities.
TEST(InputsCli, FeaturesAndRulesThatWouldStoreInfOrNaNAreRefused) {
  Store store;
  write_file(store.dir / "lv.yml",
             "name: lv\nfrequency: month_end\nfeatures:\n  - {name: y, inputs: [DGS10]}\n");
  const auto level = run_mre({"features", "build", "--db", store.db, "--spec",
                              (store.dir / "lv.yml").string(), "--version", "LV"});
  ASSERT_EQ(level.exit_code, 0) << level.err;
  store.checksum = store.sum();
  const std::vector<std::string> fit = {"regimes", "fit",  "--db",      "DB",
                                        "--spec",  "SPEC", "--version", "RZ"};
  const auto rules = [](const std::string& up, const std::string& down) {
    return "name: rz\nmethod: rules\nfeature_set: lv\nrules:\n  UP:\n"
           "    - {feature: y, direction: up, " +
           up + "}\n  DOWN:\n    - {feature: y, direction: down, " + down + "}\n";
  };
  const std::vector<BadInput> inputs = {
      {"overflow",
       {"features", "build", "--db", "DB", "--spec", "SPEC", "--version", "FI"},
       "name: fi\nfrequency: month_end\nfeatures:\n  - {name: x, inputs: [DGS10], ops: "
       "[{op: scale, factor: 1e308}, {op: scale, factor: 1e308}]}\n",
       2,
       {"feature 'x' is inf on ", "(an op overflowed or divided by zero): nothing stored"}},
      {"infinite_threshold",
       fit,
       rules("threshold: .inf, scale: 1", "threshold: 0, scale: 1"),
       1,
       {"SPEC:6: regime 'UP', feature 'y': threshold must be a finite number"}},
      {"every_score_zero",
       fit,
       rules("threshold: 1000, scale: 0.001", "threshold: -1000, scale: 0.001"),
       1,
       {"every regime's score is 0", "check the rules' thresholds and scales"}},
  };
  for (const auto& input : inputs) expect_clear_error(store, input);
}

// A failed command leaves no new store behind (noticed 2026-12-07: `mre ingest --db new.db
// --tickers NOPE` exited 4 and left a 1.7 MB new.db holding only its schema). A store that held
// data before the failure, or that the failed command filled partly, is never removed.
TEST(InputsCli, AFailedCommandLeavesNoEmptyNewStoreBehind) {
  TempDir dir;
  write_file(dir / "bad.csv", "date,DGS10\n2024-01-02,abc\n");
  const auto fresh = dir / "new.db";
  const std::vector<std::vector<std::string>> failing = {
      {"ingest", "--db", fresh.string(), "--tickers", "NOPE"},
      {"ingest", "--db", "sqlite:" + fresh.string(), "--source", "csv", "--path",
       (dir / "bad.csv").string()},
      {"features", "build", "--db", fresh.string(), "--spec", (dir / "none.yml").string(),
       "--version", "F"},
  };
  for (const auto& args : failing) {
    const auto r = run_mre(args);
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "internal error")) << r.err;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      EXPECT_FALSE(std::filesystem::exists(fresh.string() + suffix)) << args[0] << " " << suffix;
  }
  // An existing store, even an empty one a successful command made, stays.
  Store store;
  const auto r = run_mre({"ingest", "--db", store.db, "--tickers", "NOPE"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(store.sum(), store.checksum);
  const auto empty = dir / "empty.db";
  EXPECT_EQ(run_mre({"db", "checksum", "--db", empty.string()}).exit_code, 3);
  EXPECT_FALSE(std::filesystem::exists(empty));
  write_file(dir / "ok.csv", "date,DGS10\n2024-01-02,1.0\n");
  EXPECT_EQ(run_mre({"ingest", "--db", empty.string(), "--source", "csv", "--path",
                     (dir / "ok.csv").string()})
                .exit_code,
            0);
  EXPECT_EQ(run_mre({"ingest", "--db", empty.string(), "--tickers", "NOPE"}).exit_code, 4);
  EXPECT_TRUE(std::filesystem::exists(empty));
  // A store in a directory that does not exist is named as such (SQLite said only "unable to
  // open database file"); one store written two ways is one store to db copy.
  const auto nowhere = run_mre({"ingest", "--db", (dir / "no" / "s.db").string()});
  EXPECT_EQ(nowhere.exit_code, 3) << nowhere.err;
  EXPECT_TRUE(contains(nowhere.err, "cannot create the store: the directory '" +
                                        (dir / "no").string() + "' does not exist"))
      << nowhere.err;
  const auto self = run_mre({"db", "copy", "--from", "sqlite:" + empty.string(), "--to",
                             (dir / "." / "empty.db").string()});
  EXPECT_EQ(self.exit_code, 1) << self.err;
  EXPECT_TRUE(contains(self.err, "--from and --to name the same store")) << self.err;
}

}  // namespace
}  // namespace mre::testing
