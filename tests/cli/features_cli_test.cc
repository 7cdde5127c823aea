// `mre features` as a user runs it: build, list, export; the version tag bound to spec and
// data; bad specs named by file, line and feature with nothing written; proxies marked in
// every output; a user's CSV replacing a proxy.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace mre::testing {
namespace {

using testing::contains;

// A store holding the tickers the small specs below read.
std::string seeded_store(const TempDir& dir) {
  const auto db = (dir / "f.db").string();
  const auto r = run_mre({"ingest", "--db", db, "--tickers", "DGS10,DGS3MO,CPIAUCSL,IEF,MUB,EFFR"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return db;
}

const char* kSpec =
    "name: small\n"
    "frequency: month_end\n"
    "start: 2000-01-31\n"
    "features:\n"
    "  - {name: term, inputs: [DGS10, DGS3MO], ops: [{op: spread}]}\n"
    "  - {name: term_level, inputs: [term], ops: [{op: winsorize, p: 0.01, min_periods: 24}, {op: "
    "zscore, min_periods: 24}]}\n"
    "  - {name: cpi_yoy, inputs: [CPIAUCSL], ops: [{op: yoy}]}\n";

TEST(FeaturesCli, BuildListExportAndTheTagBoundToSpecAndData) {
  TempDir dir;
  const auto db = seeded_store(dir);
  write_file(dir / "small.yml", kSpec);
  const auto build = run_mre(
      {"features", "build", "--db", db, "--spec", (dir / "small.yml").string(), "--version", "F1"});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_TRUE(contains(build.err, "features F1: 3 features")) << build.err;

  const auto list = run_mre({"features", "list", "--db", db, "--format", "csv"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(contains(list.out, "F1,small,")) << list.out;
  EXPECT_TRUE(contains(list.out, ",month_end,3,")) << list.out;

  const auto exported = run_mre({"features", "export", "--db", db, "--version", "F1", "--from",
                                 "2022-06-30", "--to", "2022-06-30"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  // cpi_yoy on 2022-06-30 = 100 (291.298 / 268.383 - 1): May 2022 over May 2021 CPI, the
  // latest prints public on that day (hand-checked against fred/CPIAUCSL.csv).
  EXPECT_TRUE(contains(exported.out, "date,term,term_level,cpi_yoy\n2022-06-30,")) << exported.out;
  EXPECT_TRUE(contains(exported.out, ",8.538171195642065\n")) << exported.out;

  // Same spec, same data: a no-op.
  const auto again = run_mre(
      {"features", "build", "--db", db, "--spec", (dir / "small.yml").string(), "--version", "F1"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "already built from this spec and data; nothing written"))
      << again.err;

  // A different spec under the same tag: refused, naming the tag; the stored version is intact.
  write_file(dir / "changed.yml", std::string(kSpec) + "  - {name: extra, inputs: [DGS10]}\n");
  const auto changed = run_mre({"features", "build", "--db", db, "--spec",
                                (dir / "changed.yml").string(), "--version", "F1"});
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_TRUE(
      contains(changed.err, "feature version 'F1' already exists for other settings of spec"))
      << changed.err;

  // New data under the same tag: refused too.
  write_file(dir / "rev.csv", "date,DGS10\n2026-08-21,9.99\n");
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "rev.csv").string()})
                .exit_code,
            0);
  const auto stale = run_mre(
      {"features", "build", "--db", db, "--spec", (dir / "small.yml").string(), "--version", "F1"});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_TRUE(contains(stale.err, "the data has changed since")) << stale.err;
  EXPECT_EQ(run_mre({"features", "list", "--db", db, "--format", "csv"}).out, list.out);

  // --out writes a file; an unknown version is NotFound.
  const auto to_file = run_mre(
      {"features", "export", "--db", db, "--version", "F1", "--out", (dir / "f1.csv").string()});
  EXPECT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_TRUE(contains(read_file(dir / "f1.csv"), "date,term,term_level,cpi_yoy\n"));
  EXPECT_EQ(run_mre({"features", "export", "--db", db, "--version", "NOPE"}).exit_code, 4);
}

struct BadSpec {
  std::string name;
  std::string features;  // the features: list
  int exit_code;
  std::string message;
};

TEST(FeaturesCli, BadSpecsNameTheFileAndFeatureAndWriteNothing) {
  TempDir dir;
  const auto db = seeded_store(dir);
  const std::vector<BadSpec> cases = {
      {"unknown ticker", "  - {name: x, inputs: [NOT_A_TICKER]}\n", 4,
       "bad.yml: feature 'x': unknown ticker 'NOT_A_TICKER'"},
      {"unknown op", "  - {name: x, inputs: [DGS10], ops: [{op: smooth}]}\n", 1,
       "bad.yml:4: feature 'x': unknown op 'smooth'"},
      {"unknown parameter", "  - {name: x, inputs: [DGS10], ops: [{op: slope, widow: 3}]}\n", 1,
       "bad.yml:4: feature 'x': op 'slope': unknown parameter 'widow'"},
      {"window too small", "  - {name: x, inputs: [DGS10], ops: [{op: slope, window: 1}]}\n", 1,
       "bad.yml: feature 'x': op 'slope': window must be > 1"},
      {"p out of range", "  - {name: x, inputs: [DGS10], ops: [{op: winsorize, p: 0.7}]}\n", 1,
       "bad.yml: feature 'x': op 'winsorize': p must be in (0, 0.5)"},
      {"circular", "  - {name: a, inputs: [b]}\n  - {name: b, inputs: [a]}\n", 1,
       "bad.yml: circular feature definition: a -> b -> a"},
      {"no overlap", "  - {name: x, inputs: [DGS10, NOT_INGESTED], ops: [{op: spread}]}\n", 4,
       "unknown ticker 'NOT_INGESTED'"},
      {"ticker without data", "  - {name: x, inputs: [DGS10, DGS2], ops: [{op: spread}]}\n", 2,
       "bad.yml: feature 'x': ticker 'DGS2' has no data"},
      {"future data", "  - {name: x, inputs: [DGS10], ops: [{op: forward_returns}]}\n", 1,
       "bad.yml: feature 'x': op 'forward_returns' uses data after t"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    write_file(dir / "bad.yml", "name: bad\nfrequency: month_end\nfeatures:\n" + c.features);
    const auto r = run_mre(
        {"features", "build", "--db", db, "--spec", (dir / "bad.yml").string(), "--version", "B1"});
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_FALSE(contains(run_mre({"features", "list", "--db", db, "--format", "csv"}).out, "B1"));
  }
  // Inputs whose dates never overlap (DGS10 from 1962 against a series that ended in 1950).
  write_file(dir / "old.csv", "date,AAA\n1940-01-01,3.0\n1950-01-01,2.6\n");
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "old.csv").string()})
                .exit_code,
            0);
  write_file(dir / "bad.yml",
             "name: bad\nfrequency: month_end\nfeatures:\n  - {name: gap, inputs: [DGS10, AAA], "
             "ops: [{op: spread}]}\n");
  const auto gap = run_mre(
      {"features", "build", "--db", db, "--spec", (dir / "bad.yml").string(), "--version", "B1"});
  EXPECT_EQ(gap.exit_code, 2) << gap.err;
  EXPECT_TRUE(contains(
      gap.err, "bad.yml: feature 'gap': inputs 'DGS10' and 'AAA' have no overlapping dates"))
      << gap.err;
  EXPECT_EQ(run_mre({"features", "build", "--db", db, "--spec", (dir / "missing.yml").string(),
                     "--version", "B1"})
                .exit_code,
            3);
}

TEST(FeaturesCli, ProxiesAreMarkedAndAUsersTrueSeriesReplacesThem) {
  TempDir dir;
  const auto db = seeded_store(dir);
  write_file(dir / "p.yml",
             "name: p\nfrequency: month_end\nstart: 2010-01-31\nfeatures:\n"
             "  - name: mmd_ust_ratio_10y\n    inputs: [IEF, MUB]\n    ops: [{op: ratio}]\n"
             "    proxy: relative price of IEF and MUB\n    prefer: MMD_UST_RATIO_10Y\n");
  ASSERT_EQ(run_mre({"features", "build", "--db", db, "--spec", (dir / "p.yml").string(),
                     "--version", "P1"})
                .exit_code,
            0);
  const auto proxy =
      run_mre({"features", "export", "--db", db, "--version", "P1", "--to", "2010-03-31"});
  EXPECT_TRUE(contains(proxy.out, "date,mmd_ust_ratio_10y[proxy]\n")) << proxy.out;
  EXPECT_TRUE(contains(proxy.err, "is a PROXY: relative price of IEF and MUB")) << proxy.err;
  EXPECT_TRUE(contains(run_mre({"features", "list", "--db", db}).out, "mmd_ust_ratio_10y"));

  // Daily series (universe: lag 1 day, stale after 10 more): each month end sees the last print.
  write_file(dir / "mmd.csv",
             "date,MMD_UST_RATIO_10Y\n2010-01-28,0.81\n2010-02-25,0.84\n2010-03-30,0.86\n2010-04-"
             "01,0.88\n");
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "mmd.csv").string()})
                .exit_code,
            0);
  ASSERT_EQ(run_mre({"features", "build", "--db", db, "--spec", (dir / "p.yml").string(),
                     "--version", "P2"})
                .exit_code,
            0);
  const auto real = run_mre({"features", "export", "--db", db, "--version", "P2"});
  EXPECT_EQ(real.out, "date,mmd_ust_ratio_10y\n2010-01-31,0.81\n2010-02-28,0.84\n2010-03-31,0.86\n")
      << real.out;
  EXPECT_FALSE(contains(real.err, "PROXY")) << real.err;
}

}  // namespace
}  // namespace mre::testing
