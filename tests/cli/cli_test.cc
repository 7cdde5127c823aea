// The `mre` command as a user runs it: help, exit codes, ingest of the full snapshot checked
// in raw_series against the MANIFEST, revisions with --as-of, every bad input of the
// foundation issue (message names file and line or field; nothing stored is lost), a process
// killed mid-ingest, and a reader running while another process holds the write lock.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"

namespace mre::testing {
namespace {

using testing::contains;

std::map<std::string, long long> count_rows_by_ticker(const std::filesystem::path& db_path) {
  std::map<std::string, long long> out;
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.string().c_str(), &db) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT ticker, count(*) FROM raw_series GROUP BY ticker", -1, &st,
                     nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A small universe in `dir`: tickers AAA (good.csv) and BBB (bad.csv, content given).
void write_universe(const TempDir& dir, const std::string& bad_content) {
  write_file(dir / "good.csv", "date,value\n2024-01-02,1.5\n2024-01-03,1.6\n");
  write_file(dir / "bad.csv", bad_content);
  write_file(dir / "u.yml",
             "snapshot_dir: .\n"
             "series:\n"
             "  - {ticker: AAA, asset_class: RATES, source: fred, id: AAA, file: good.csv,"
             " available: true, frequency: daily, publication_lag_days: 1, unit: percent,"
             " description: good}\n"
             "  - {ticker: BBB, asset_class: CREDIT, source: fred, id: BBB, file: bad.csv,"
             " available: true, frequency: daily, publication_lag_days: 1, unit: percent,"
             " description: bad}\n");
}

TEST(Cli, HelpDescribesEveryCommand) {
  const auto top = run_mre({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"run", "ingest", "series", "Exit status"}) {
    EXPECT_TRUE(contains(top.out, word)) << word << "\n" << top.out;
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ingest", "--help"},
                                               {"run", "--help"},
                                               {"series", "--help"},
                                               {"series", "list", "--help"},
                                               {"series", "show", "--help"},
                                               {"series", "ingests", "--help"},
                                               {"series", "freshness", "--help"},
                                               {"classify", "--help"},
                                               {"classify", "train", "--help"},
                                               {"classify", "historical", "--help"},
                                               {"classify", "approve", "--help"},
                                               {"classify", "mapping-report", "--help"},
                                               {"backtest", "--help"},
                                               {"backtest", "show", "--help"},
                                               {"backtest", "list", "--help"},
                                               {"backtest", "compare", "--help"},
                                               {"classify", "backfill", "--help"},
                                               {"regimes", "evaluate", "--help"},
                                               {"scm", "generators", "evaluate", "--help"},
                                               {"scm", "generators", "train", "--help"}}) {
    const auto r = run_mre(args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    if (args.size() > 2 || args[0] != "series") {
      EXPECT_TRUE(contains(r.out, "--db")) << r.out;
    }
  }
  EXPECT_TRUE(contains(run_mre({"series", "show", "--help"}).out, "--as-of"));
  EXPECT_TRUE(contains(run_mre({"--version"}).out, "mre "));
}

TEST(Cli, UsageErrorsExitOne) {
  EXPECT_EQ(run_mre({}).exit_code, 1);
  EXPECT_EQ(run_mre({"frobnicate"}).exit_code, 1);
  EXPECT_EQ(run_mre({"ingest", "--source", "ftp"}).exit_code, 1);
  TempDir dir;
  const auto bad_date =
      run_mre({"series", "show", "X", "--db", (dir / "x.db").string(), "--from", "2024-13-01"});
  EXPECT_NE(bad_date.exit_code, 0);
}

TEST(Cli, FullSnapshotIngestMatchesTheManifestInRawSeriesAndReingestWritesNothing) {
  TempDir dir;
  const auto db = dir / "mre.db";
  const auto first = run_mre({"ingest", "--db", db.string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.err, "0 revisions")) << first.err;

  // MANIFEST: file,series_id,...,rows,missing_values,... ; universe maps file -> ticker.
  std::map<std::string, long long> expected_by_file;
  std::map<std::string, long long> file_rows;
  {
    std::istringstream manifest(read_file(snapshot_dir() / "MANIFEST.csv"));
    std::string line;
    std::getline(manifest, line);
    while (std::getline(manifest, line)) {
      // Descriptions may be quoted and hold commas (the research files' lines).
      std::vector<std::string> f(1);
      bool quoted = false;
      for (const char c : line) {
        if (c == '"') {
          quoted = !quoted;
        } else if (c == ',' && !quoted) {
          f.emplace_back();
        } else {
          f.back() += c;
        }
      }
      ASSERT_GE(f.size(), 8u) << line;
      expected_by_file[f[0]] = std::stoll(f[6]) - std::stoll(f[7]);
      file_rows[f[0]] = std::stoll(f[6]);
    }
  }
  const auto list = run_mre({"series", "list", "--db", db.string(), "--format", "csv"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto counts = count_rows_by_ticker(db);
  std::istringstream rows(list.out);
  std::string line;
  std::getline(rows, line);  // header
  std::size_t checked = 0;
  while (std::getline(rows, line)) {
    std::vector<std::string> f;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ',')) f.push_back(field);
    const std::string ticker = f[0];
    const std::string file = f[2].substr(std::string("snapshot:").size());
    ASSERT_TRUE(expected_by_file.count(file)) << file;
    if (f[1] == "SHOCKS") {
      // A research file holds several columns (and one file several series): the MANIFEST's
      // counts are the file's, so each series has some of its rows and none beyond them.
      EXPECT_GT(counts.at(ticker), 0) << ticker;
      EXPECT_LE(counts.at(ticker), file_rows.at(file)) << ticker;
    } else {
      EXPECT_EQ(counts.at(ticker), expected_by_file.at(file)) << ticker << " (" << file << ")";
    }
    ++checked;
  }
  EXPECT_GE(checked, 45u);

  const auto second = run_mre({"ingest", "--db", db.string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.err, ": 0 new rows, 0 revisions")) << second.err;
  EXPECT_EQ(count_rows_by_ticker(db), counts);
}

TEST(Cli, ChangedValueIsARevisionAndAsOfShowsBothStates) {
  TempDir dir;
  const auto db = (dir / "r.db").string();
  write_file(dir / "v1.csv", "date,CPIAUCSL\n2026-01-01,320.1\n2026-02-01,321.0\n");
  write_file(dir / "v2.csv",
             "date,CPIAUCSL\n2026-01-01,320.1\n2026-02-01,321.4\n2026-03-01,322.0\n");
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "v1.csv").string()})
                .exit_code,
            0);
  const auto second =
      run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "v2.csv").string()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.err, "1 new rows, 1 revisions, 1 unchanged")) << second.err;

  const auto ingests = run_mre({"series", "ingests", "--db", db});
  std::istringstream lines(ingests.out);
  std::string header, t1_line, t2_line;
  std::getline(lines, header);
  std::getline(lines, t1_line);
  std::getline(lines, t2_line);
  ASSERT_FALSE(t2_line.empty()) << ingests.out;
  const std::string t1 = t1_line.substr(0, t1_line.find(','));

  const auto now = run_mre({"series", "show", "CPIAUCSL", "--db", db});
  EXPECT_EQ(now.out, "date,value\n2026-01-01,320.1\n2026-02-01,321.4\n2026-03-01,322\n");
  const auto then = run_mre({"series", "show", "CPIAUCSL", "--db", db, "--as-of", t1});
  EXPECT_EQ(then.out, "date,value\n2026-01-01,320.1\n2026-02-01,321\n");
  const auto revisions = run_mre({"series", "show", "CPIAUCSL", "--db", db, "--revisions"});
  EXPECT_TRUE(contains(revisions.out, "2026-02-01,321," + t1)) << revisions.out;
  EXPECT_TRUE(contains(revisions.out, "2026-02-01,321.4,")) << revisions.out;
  const auto json =
      run_mre({"series", "show", "CPIAUCSL", "--db", db, "--format", "json", "--as-of", t1});
  EXPECT_TRUE(contains(json.out, "\"as_of\":\"" + t1 + "\"")) << json.out;
  EXPECT_TRUE(contains(json.out, "{\"date\":\"2026-02-01\",\"value\":321.0}")) << json.out;
}

struct BadInput {
  std::string name;
  std::string content;  // of bad.csv
  int exit_code;
  std::string message;  // must appear on stderr
};

TEST(Cli, BadCsvInputStopsWithFileAndLineAndLeavesTheStoreAsItWas) {
  const std::vector<BadInput> cases = {
      {"non-numeric", "date,value\n2024-01-02,1.0\n2024-01-03,abc\n", 2,
       "bad.csv:3: field 'value': 'abc'"},
      {"column count", "date,value\n2024-01-02,1.0,7\n", 2, "bad.csv:2: expected 2 fields, got 3"},
      {"bad date", "date,value\n2024-01-02,1.0\n01/03/2024,2.0\n", 2,
       "bad.csv:3: field 'date': cannot parse date '01/03/2024'"},
      {"duplicate date", "date,value\n2024-01-02,1.0\n2024-01-02,2.0\n", 2,
       "bad.csv:3: duplicate date 2024-01-02 (also on line 2)"},
      {"out of order", "date,value\n2024-01-03,1.0\n2024-01-02,2.0\n", 2,
       "bad.csv:3: date 2024-01-02 is before"},
      {"empty file", "", 2, "bad.csv:1: empty file"},
      {"infinite value", "date,value\n2024-01-02,inf\n", 2,
       "bad.csv:2: field 'value': 'inf' is not a finite number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    write_universe(dir, c.content);
    const auto db = (dir / "s.db").string();
    const auto u = (dir / "u.yml").string();
    ASSERT_EQ(run_mre({"ingest", "--db", db, "--universe", u, "--tickers", "AAA"}).exit_code, 0);
    const auto before = run_mre({"series", "list", "--db", db, "--format", "csv"}).out;
    const auto r = run_mre({"ingest", "--db", db, "--universe", u});
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_EQ(run_mre({"series", "list", "--db", db, "--format", "csv"}).out, before);
    EXPECT_EQ(count_rows_by_ticker(dir / "s.db").size(), 1u);
  }
}

TEST(Cli, MissingFileUnknownTickerAndBadUniverseAreClearErrors) {
  TempDir dir;
  write_universe(dir, "date,value\n2024-01-02,1.0\n");
  const auto db = (dir / "s.db").string();
  const auto u = (dir / "u.yml").string();
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--universe", u}).exit_code, 0);
  const auto before = count_rows_by_ticker(dir / "s.db");

  const auto unknown = run_mre({"ingest", "--db", db, "--universe", u, "--tickers", "AAA,ZZZ"});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_TRUE(contains(unknown.err, "unknown ticker 'ZZZ'")) << unknown.err;

  const auto no_csv = run_mre({"ingest", "--db", db, "--universe", u, "--source", "csv", "--path",
                               (dir / "nope.csv").string()});
  EXPECT_EQ(no_csv.exit_code, 3);
  EXPECT_TRUE(contains(no_csv.err, "nope.csv: cannot open file")) << no_csv.err;

  // The universe names a file that is gone.
  std::filesystem::remove(dir / "bad.csv");
  const auto gone = run_mre({"ingest", "--db", db, "--universe", u});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_TRUE(contains(gone.err, "bad.csv does not exist")) << gone.err;

  write_file(dir / "missing_field.yml",
             "series:\n  - {ticker: AAA, source: fred, id: AAA, file: good.csv, available: true,"
             " frequency: daily, publication_lag_days: 1, unit: x, description: y}\n");
  const auto missing =
      run_mre({"ingest", "--db", db, "--universe", (dir / "missing_field.yml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(
      contains(missing.err, "missing_field.yml:2: series[0] (AAA): missing field 'asset_class'"))
      << missing.err;

  write_file(
      dir / "bad_class.yml",
      "snapshot_dir: .\nseries:\n  - ticker: AAA\n    asset_class: STOCKS\n    source: fred\n"
      "    id: AAA\n    file: good.csv\n    available: true\n    frequency: daily\n"
      "    publication_lag_days: 1\n    unit: x\n    description: y\n");
  const auto bad_class =
      run_mre({"ingest", "--db", db, "--universe", (dir / "bad_class.yml").string()});
  EXPECT_EQ(bad_class.exit_code, 1);
  EXPECT_TRUE(
      contains(bad_class.err, "bad_class.yml:4: series[0] (AAA): unknown asset_class 'STOCKS'"))
      << bad_class.err;

  EXPECT_EQ(count_rows_by_ticker(dir / "s.db"), before);

  const auto show = run_mre({"series", "show", "NOPE", "--db", db});
  EXPECT_EQ(show.exit_code, 4);
  EXPECT_TRUE(contains(show.err, "no series 'NOPE'")) << show.err;
  const auto bad_as_of = run_mre({"series", "show", "AAA", "--db", db, "--as-of", "yesterday"});
  EXPECT_EQ(bad_as_of.exit_code, 1);
  EXPECT_TRUE(contains(bad_as_of.err, "--as-of")) << bad_as_of.err;
}

TEST(Cli, StoreThatIsNotSqliteOrReadOnlyIsAStoreError) {
  TempDir dir;
  write_universe(dir, "date,value\n2024-01-02,1.0\n");
  const auto u = (dir / "u.yml").string();
  write_file(dir / "notes.db", "these are my notes, not a database\n" + std::string(4096, '.'));
  const auto junk = run_mre({"ingest", "--db", (dir / "notes.db").string(), "--universe", u});
  EXPECT_EQ(junk.exit_code, 3);
  EXPECT_TRUE(contains(junk.err, "notes.db: not an SQLite database")) << junk.err;
  EXPECT_TRUE(contains(read_file(dir / "notes.db"), "these are my notes"));

  // A read-only store: file mode 0444 in a read-only directory. Root ignores modes, so as root
  // the command runs as 'nobody' (setpriv, util-linux).
  const auto db = dir / "ro" / "s.db";
  std::filesystem::create_directories(db.parent_path());
  ASSERT_EQ(run_mre({"ingest", "--db", db.string(), "--universe", u, "--tickers", "AAA"}).exit_code,
            0);
  const auto before = count_rows_by_ticker(db);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);  // nobody must reach it
  std::filesystem::permissions(db, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::group_read |
                                       std::filesystem::perms::others_read);
  std::filesystem::permissions(db.parent_path(), std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_exec |
                                                     std::filesystem::perms::others_read |
                                                     std::filesystem::perms::others_exec);
  std::string command = "env MRE_UNIVERSE= ";
  if (::geteuid() == 0)
    command = "setpriv --reuid=nobody --regid=nogroup --clear-groups " + command;
  const auto r = run_shell(command + shell_quote(mre::testing::mre_binary()) + " ingest --db " +
                           shell_quote(db.string()) + " --universe " + shell_quote(u));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, "s.db: store is read-only")) << r.err;
  // Reading a read-only store still works.
  std::string reader =
      shell_quote(mre::testing::mre_binary()) + " series show AAA --db " + shell_quote(db.string());
  if (::geteuid() == 0) reader = "setpriv --reuid=nobody --regid=nogroup --clear-groups " + reader;
  const auto read = run_shell(reader);
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "date,value\n2024-01-02,1.5\n2024-01-03,1.6\n");
  std::filesystem::permissions(db.parent_path(), std::filesystem::perms::owner_all);
  EXPECT_EQ(count_rows_by_ticker(db), before);
}

TEST(Cli, ProcessKilledMidIngestLeavesTheStoreAsItWas) {
  TempDir dir;
  const auto db = (dir / "k.db").string();
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--tickers", "DGS10,^VIX"}).exit_code, 0);
  const auto before = count_rows_by_ticker(dir / "k.db");
  const auto killed = run_mre({"ingest", "--db", db}, {}, {"MRE_TEST_KILL_AFTER_SERIES=20"});
  EXPECT_EQ(killed.exit_code, 128 + 9) << killed.err;  // SIGKILL inside the open transaction
  EXPECT_EQ(count_rows_by_ticker(dir / "k.db"), before);
  const auto list = run_mre({"series", "list", "--db", db, "--format", "csv"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 3);  // header + 2 series
  // And the next ingest completes normally.
  EXPECT_EQ(run_mre({"ingest", "--db", db}).exit_code, 0);
  EXPECT_GT(count_rows_by_ticker(dir / "k.db").size(), 45u);
}

TEST(Cli, ReaderProcessWorksWhileAnotherConnectionHoldsTheWriteLock) {
  TempDir dir;
  const auto db = dir / "w.db";
  ASSERT_EQ(run_mre({"ingest", "--db", db.string(), "--tickers", "DGS10"}).exit_code, 0);
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(db.string().c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(writer, "BEGIN IMMEDIATE; DELETE FROM raw_series;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  const auto show =
      run_mre({"series", "show", "DGS10", "--db", db.string(), "--from", "2026-08-20"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "date,value\n2026-08-20,4.69\n");
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

// `mre run` on the bundled snapshot: the run of the ctest fixture RunStore (tests/support/
// build_run_store.sh; its messages are kept beside the store), checked here on a copy of the store.
// Registered on its own in tests/CMakeLists.txt with the fixture (MRE_RUN_STORE names the store).
TEST(CliRunStore, RunIngestsTheSnapshotAndReportsEachStage) {
  const char* fixture = std::getenv("MRE_RUN_STORE");
  ASSERT_NE(fixture, nullptr) << "MRE_RUN_STORE: the RunStore fixture's store";
  const std::filesystem::path store(fixture);
  TempDir dir;
  std::filesystem::copy_file(store, dir / "run.db");
  CommandResult r;
  r.exit_code = 0;  // the fixture fails when the run does
  r.err = read_file(store.parent_path() / "run.log");
  r.out = read_file(store.parent_path() / "run.out");
  EXPECT_TRUE(contains(r.err, "[1/6] ingest:")) << r.err;
  for (const char* set : {"indicators", "macro_ltv", "cross_asset", "effects"}) {
    EXPECT_TRUE(contains(r.err, std::string("[2/6] features ") + set + ": built F_" + set + "_"))
        << r.err;
  }
  for (const char* spec : {"rules", "hmm_macro", "hmm_indicators"}) {
    EXPECT_TRUE(contains(r.err, std::string("[3/6] regimes ") + spec + ": fitted R_" + spec + "_"))
        << r.err;
  }
  // Stage 4 (MR-FR-01): the hierarchical classifier is trained and the current classification
  // printed as a sentence naming one of the six global regimes.
  EXPECT_TRUE(contains(r.err, "[4/6] classify gmr: trained C_gmr_")) << r.err;
  EXPECT_TRUE(contains(r.err, "current: On ")) << r.err;
  EXPECT_TRUE(contains(r.err, "the global macro regime is ")) << r.err;
  // Stage 5: the grid of causal effects (8 treatments x 5 outcomes x 4 horizons), every cell.
  EXPECT_TRUE(contains(r.err, "[5/6] effects: E_effects_")) << r.err;
  EXPECT_TRUE(contains(r.err, "(160 estimates, ")) << r.err;  // no ", N skipped"
  // ... and the identified shock's two studies on the S&P 500, for the dashboard (issue 17).
  EXPECT_TRUE(contains(r.err, "studies: event study ES_mp_surprise_sp500_w0_")) << r.err;
  EXPECT_TRUE(contains(r.err, ", impulse response IRF_mp_surprise_sp500_")) << r.err;
  {
    const auto list = run_mre({"effects", "list", "--db", (dir / "run.db").string()});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const auto start = list.out.find("E_effects_");
    ASSERT_NE(start, std::string::npos) << list.out;
    const std::string version = list.out.substr(start, list.out.find(',', start) - start);
    const auto show = run_mre({"effects", "show", version, "--db", (dir / "run.db").string()});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    EXPECT_EQ(std::count(show.out.begin(), show.out.end(), '\n'), 161) << show.out;  // header + 160
    EXPECT_TRUE(contains(show.out, "fed_shock,sp500,12,dml,auto,")) << show.out;
    EXPECT_TRUE(contains(show.out, "mp_surprise,sp500,1,dml,auto,")) << show.out;
    // Every output of a seed treatment says it is not identified; the identified shock says it is.
    const auto json = run_mre(
        {"effects", "show", version, "--format", "json", "--db", (dir / "run.db").string()});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto rows = nlohmann::json::parse(json.out);
    for (const auto& row : rows) {
      const bool seed = row["treatment"] == "fed_shock" || row["treatment"] == "cpi_surprise" ||
                        row["treatment"] == "gdp_surprise";
      if (seed) {
        EXPECT_EQ(row["diagnostics"]["identified"], false) << row.dump();
      }
      if (row["treatment"] == "mp_surprise") {
        EXPECT_EQ(row["diagnostics"]["identified"], true) << row.dump();
      }
      // Learner selection: no nuisance is worse out of fold than the constant baseline.
      const auto& nuisances = row["diagnostics"]["nuisance_learners"];
      for (const auto& c : nuisances["candidates"]) {
        if (c["learner"] == "constant") {
          EXPECT_GE(row["diagnostics"]["r2_outcome"].get<double>(), c["r2_outcome"].get<double>())
              << row.dump();
          EXPECT_GE(row["diagnostics"]["r2_treatment"].get<double>(),
                    c["r2_treatment"].get<double>())
              << row.dump();
        }
      }
      EXPECT_TRUE(row["diagnostics"].contains("q_value")) << row.dump();
    }
    // Issue 17: `effects run --learner ols` estimates every cell of the real grid (the regime
    // probabilities' redundant column is dropped and said, never a silently empty version).
    const auto ols = run_mre({"effects", "run", "--version", "E_ols_every_cell", "--learner", "ols",
                              "--db", (dir / "run.db").string()});
    ASSERT_EQ(ols.exit_code, 0) << ols.err;
    EXPECT_TRUE(contains(ols.err, "E_ols_every_cell: written (160 estimates)")) << ols.err;
    EXPECT_FALSE(contains(ols.err, "skipped")) << ols.err;
    // One estimate on the real data: seed 001's response shape.
    const auto one =
        run_mre({"effects", "estimate", "--treatment", "cpi_surprise", "--outcome", "tlt",
                 "--horizon", "1", "--learner", "ridge", "--db", (dir / "run.db").string()});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    for (const char* key :
         {"\"causal_analysis\"", "\"effect\"", "\"confidence_interval\"", "\"regime\"",
          "\"regime_probabilities\"", "\"uncertainty\"", "\"regime_effects\"", "\"explanation\"",
          "\"methodology\"", "\"placebo\""}) {
      EXPECT_TRUE(contains(one.out, key)) << key << "\n" << one.out;
    }
  }
  // Stage 6 (seed 002): the SCM is fitted, one counterfactual printed, one scenario of each
  // intervention type stored.
  EXPECT_TRUE(contains(r.err, "[6/6] scm: fitted S_policy_transmission_")) << r.err;
  // Issue 20: every counterfactual and scenario line carries its 90% and 95% bands.
  const auto line_with = [&](const std::string& text) {
    const auto at = r.err.find(text);
    if (at == std::string::npos) return std::string();
    const auto start = r.err.rfind('\n', at);
    return r.err.substr(start == std::string::npos ? 0 : start + 1,
                        r.err.find('\n', at) - (start == std::string::npos ? 0 : start + 1));
  };
  for (const char* name : {"counterfactual do(EFFR +50 bp, 2022-03-01..2022-06-30): STOCK ",
                           "policy_hike (EFFR=+0.50", "liquidity_stress (TP=+0.75",
                           "forward_guidance_cut (Re=-0.50", "per regime of R_hmm_macro_"}) {
    const auto line = line_with(name);
    EXPECT_FALSE(line.empty()) << name << "\n" << r.err;
    EXPECT_TRUE(contains(line, "90% [") && contains(line, "95% [")) << line;
  }
  {
    const auto scenarios = run_mre({"scm", "scenarios", "--db", (dir / "run.db").string()});
    ASSERT_EQ(scenarios.exit_code, 0) << scenarios.err;
    EXPECT_EQ(std::count(scenarios.out.begin(), scenarios.out.end(), '\n'), 4)
        << scenarios.out;  // header + 3
  }
  EXPECT_TRUE(r.out.empty()) << "data only on stdout; run prints messages on stderr";
  EXPECT_GT(count_rows_by_ticker(dir / "run.db").size(), 45u);
  // A second run finds everything up to date and writes nothing.
  const auto again = run_mre({"run", "--db", (dir / "run.db").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "0 new rows, 0 revisions")) << again.err;
  EXPECT_TRUE(contains(again.err, "up to date")) << again.err;
  EXPECT_FALSE(contains(again.err, ": built ")) << again.err;
  EXPECT_TRUE(contains(again.err, "[6/6] scm: S_policy_transmission_")) << again.err;
  EXPECT_TRUE(contains(again.err, " up to date, impulse response IRF_mp_surprise_sp500_"))
      << again.err;
  const auto scenarios = run_mre({"scm", "scenarios", "--db", (dir / "run.db").string()});
  EXPECT_EQ(std::count(scenarios.out.begin(), scenarios.out.end(), '\n'), 4)
      << scenarios.out;  // stored once
}

}  // namespace
}  // namespace mre::testing
