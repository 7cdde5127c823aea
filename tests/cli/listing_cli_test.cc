// Issue 22's CLI edges: every listing takes --format table|csv|json and its CSV is read by
// pandas (Debian's /usr/bin/python3) into the same rows and columns as its JSON; an unknown
// format and a mistyped subcommand are named, the subcommand with the nearest real one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace mre::testing {
namespace {

using json = nlohmann::ordered_json;

TEST(ListingCli, Issue22_AMistypedSubcommandIsNamedWithTheNearestOne) {
  const auto top = run_mre({"seris", "list"});
  EXPECT_EQ(top.exit_code, 1);
  EXPECT_TRUE(contains(top.err, "unknown command 'seris' for 'mre'; did you mean 'series'?"))
      << top.err;
  const auto nested = run_mre({"series", "lsit"});
  EXPECT_EQ(nested.exit_code, 1);
  EXPECT_TRUE(contains(nested.err, "unknown command 'lsit' for 'mre series'; did you mean 'list'?"))
      << nested.err;
  // Nothing near: the commands are listed instead of a guess.
  const auto far = run_mre({"frobnicate"});
  EXPECT_EQ(far.exit_code, 1);
  EXPECT_TRUE(
      contains(far.err, "unknown command 'frobnicate' for 'mre' (commands: run, ingest, series"))
      << far.err;
  EXPECT_FALSE(contains(far.err, "did you mean")) << far.err;
}

TEST(ListingCli, Issue22_EveryListingTakesAFormatAndItsCsvIsReadByPandas) {
  TempDir dir;
  const auto db = (dir / "l.db").string();
  // A file name with a comma and a quote: the `source` column must be quoted for CSV readers.
  const auto csv = dir / "a,\"b\".csv";
  write_file(csv, "date,CPIAUCSL,DGS10\n2026-01-01,320.1,4.1\n2026-02-01,321.0,4.2\n");
  const auto ingest = run_mre({"ingest", "--db", db, "--source", "csv", "--path", csv.string()});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  const std::vector<std::vector<std::string>> listings = {
      {"series", "list"},   {"series", "ingests"}, {"series", "freshness", "--as-of", "2026-12-06"},
      {"features", "list"}, {"regimes", "list"},   {"classify", "list"},
      {"effects", "list"},  {"scm", "list"},       {"scm", "scenarios"}};
  for (const auto& listing : listings) {
    const auto run = [&](const std::string& format) {
      auto args = listing;
      args.insert(args.end(), {"--db", db, "--format", format});
      return run_mre(args);
    };
    const std::string name = listing[0] + " " + listing[1];
    const auto table = run("table");
    ASSERT_EQ(table.exit_code, 0) << name << ": " << table.err;
    const auto as_json = run("json");
    ASSERT_EQ(as_json.exit_code, 0) << name << ": " << as_json.err;
    const json rows = json::parse(as_json.out);
    ASSERT_TRUE(rows.is_array()) << name;
    const auto as_csv = run("csv");
    ASSERT_EQ(as_csv.exit_code, 0) << name << ": " << as_csv.err;
    write_file(dir / "out.csv", as_csv.out);
    // pandas reads the CSV: as many rows as the JSON, and (when there are rows) the same columns.
    const auto py =
        run_shell("/usr/bin/python3 -c " +
                  shell_quote("import json, sys, pandas as pd\n"
                              "d = pd.read_csv(sys.argv[1], keep_default_na=False, dtype=str)\n"
                              "print(json.dumps({'rows': len(d), 'columns': list(d.columns)}))\n") +
                  " " + shell_quote((dir / "out.csv").string()));
    ASSERT_EQ(py.exit_code, 0) << name << ": " << py.err << "\n" << as_csv.out;
    const json read = json::parse(py.out);
    EXPECT_EQ(read["rows"].get<std::size_t>(), rows.size()) << name;
    if (!rows.empty()) {
      std::vector<std::string> keys;
      for (const auto& [key, value] : rows[0].items()) keys.push_back(key);
      EXPECT_EQ(read["columns"].get<std::vector<std::string>>(), keys) << name;
    }
    // The table's header line names the same columns.
    if (!rows.empty()) {
      EXPECT_TRUE(contains(table.out.substr(0, table.out.find('\n')), rows[0].begin().key()))
          << name;
    }
    const auto bad = run("xml");
    EXPECT_EQ(bad.exit_code, 1) << name;
    EXPECT_TRUE(contains(bad.err, "--format: expected table, csv or json (got 'xml')"))
        << name << ": " << bad.err;
  }
  // The quoted source survives the round trip.
  const auto list = json::parse(run_mre({"series", "list", "--db", db, "--format", "json"}).out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(contains(list[0]["source"].get<std::string>(), "a,\"b\".csv")) << list[0];
  const auto py = run_shell(
      "/usr/bin/python3 -c " +
      shell_quote("import sys, pandas as pd\n"
                  "print(pd.read_csv(sys.stdin)['source'][0])\n") +
      " <<'EOF'\n" + run_mre({"series", "list", "--db", db, "--format", "csv"}).out + "EOF\n");
  EXPECT_EQ(py.out, list[0]["source"].get<std::string>() + "\n") << py.err;
}

}  // namespace
}  // namespace mre::testing
