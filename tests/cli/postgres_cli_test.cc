// `mre` on PostgreSQL as a user runs it, against a throwaway server: the pipeline (ingest of the
// whole snapshot, features build, regimes fit) gives the same contents as on SQLite, table by
// table; failures exit 3 with the password redacted; a killed ingest and two concurrent ingests
// leave no partial or duplicate rows.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "mre/store/store.h"
#include "support/postgres_server.h"
#include "support/test_support.h"

namespace mre::testing {
namespace {

// CSV output without its last column (an ingest or creation time, which differs between runs).
// `series list --format csv` without its ingest-time column (the second to last: last_ingested_at,
// then last_in_future), which differs between two stores by construction.
std::string drop_ingest_time_column(const std::string& csv) {
  std::istringstream in(csv);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    const auto last = line.rfind(',');
    const auto before = line.rfind(',', last - 1);
    out += line.substr(0, before) + line.substr(last) + "\n";
  }
  return out;
}

void run_ok(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  const auto r = run_mre(args, {}, env);
  ASSERT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
}

// The same commands on one store: the whole snapshot, two feature sets, rules and an HMM.
void pipeline(const std::string& db) {
  run_ok({"ingest", "--db", db});
  run_ok({"features", "build", "--db", db, "--spec", "config/features/macro_ltv.yml", "--version",
          "F_MACRO"});
  run_ok({"features", "build", "--db", db, "--spec", "config/features/cross_asset.yml", "--version",
          "F_CROSS"});
  run_ok({"regimes", "fit", "--db", db, "--spec", "config/regimes/rules.yml", "--version",
          "R_RULES", "--features", "F_CROSS"});
  run_ok({"regimes", "fit", "--db", db, "--spec", "config/regimes/hmm_macro.yml", "--version",
          "R_HMM", "--features", "F_MACRO"});
}

TEST(PostgresCli, PipelineGivesTheSameTablesAsSqlite) {
  TempDir dir;
  const std::string sqlite = (dir / "m.db").string();
  const std::string postgres = PostgresServer::shared().create_database();
  pipeline(sqlite);
  pipeline(postgres);

  // What a user sees: listings and exports, byte for byte (times aside).
  const auto listing = [](const std::string& db) {
    const auto r =
        run_mre({"series", "list", "--format", "csv"}, {}, {"MRE_DB=" + db});  // MRE_DB selects too
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return drop_ingest_time_column(r.out);
  };
  EXPECT_EQ(listing(postgres), listing(sqlite));
  for (const char* version : {"F_MACRO", "F_CROSS"}) {
    const auto a = run_mre({"features", "export", "--db", sqlite, "--version", version});
    const auto b = run_mre({"features", "export", "--db", postgres, "--version", version});
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_GT(a.out.size(), 10000u);
    EXPECT_EQ(a.out, b.out) << version;
  }
  for (const char* version : {"R_RULES", "R_HMM"}) {
    for (const char* format : {"csv", "json"}) {
      const auto a = run_mre({"regimes", "show", version, "--db", sqlite, "--format", format});
      const auto b = run_mre({"regimes", "show", version, "--db", postgres, "--format", format});
      ASSERT_EQ(b.exit_code, 0) << b.err;
      EXPECT_EQ(a.out, b.out) << version << " " << format;
    }
  }

  // Every table, through the Store interface: everything but ingest and creation times.
  const auto a = store::open_store(sqlite, false);
  const auto b = store::open_store(postgres, false);
  const auto series_a = a->list_series();
  const auto series_b = b->list_series();
  ASSERT_EQ(series_a.size(), series_b.size());
  std::size_t rows = 0;
  for (std::size_t i = 0; i < series_a.size(); ++i) {
    EXPECT_EQ(series_a[i].ticker, series_b[i].ticker);
    EXPECT_EQ(series_a[i].asset_class, series_b[i].asset_class);
    EXPECT_EQ(series_a[i].source, series_b[i].source);
    const auto ra = a->read_revisions({.ticker = series_a[i].ticker});
    const auto rb = b->read_revisions({.ticker = series_a[i].ticker});
    ASSERT_EQ(ra.size(), rb.size()) << series_a[i].ticker;
    for (std::size_t k = 0; k < ra.size(); ++k) {
      ASSERT_EQ(ra[k].date, rb[k].date);
      ASSERT_EQ(ra[k].value, rb[k].value);  // bit for bit
    }
    rows += ra.size();
  }
  EXPECT_EQ(rows, 494625u);  // the whole snapshot (tests/cli/cli_test.cc counts the same; 2,268 of
                             // them mps_orth's five predictors since 2026-12-07)
  ASSERT_EQ(a->list_ingests().size(), b->list_ingests().size());
  EXPECT_EQ(a->list_ingests()[0].inserted, b->list_ingests()[0].inserted);

  const auto features_a = a->list_feature_versions();
  const auto features_b = b->list_feature_versions();
  ASSERT_EQ(features_a.size(), features_b.size());
  for (std::size_t i = 0; i < features_a.size(); ++i) {
    const auto va = a->find_feature_version(features_a[i].version);
    const auto vb = b->find_feature_version(features_a[i].version);
    ASSERT_TRUE(vb.has_value());
    EXPECT_EQ(va->spec_hash, vb->spec_hash);
    EXPECT_EQ(va->spec_text, vb->spec_text);
    EXPECT_EQ(va->frequency, vb->frequency);
    EXPECT_EQ(va->values, vb->values);
    EXPECT_EQ(va->first, vb->first);
    EXPECT_EQ(va->last, vb->last);
    ASSERT_EQ(va->columns.size(), vb->columns.size());
    for (std::size_t c = 0; c < va->columns.size(); ++c) {
      EXPECT_EQ(va->columns[c].name, vb->columns[c].name);
      EXPECT_EQ(va->columns[c].description, vb->columns[c].description);
      EXPECT_EQ(va->columns[c].proxy, vb->columns[c].proxy);
      EXPECT_EQ(va->columns[c].uses_future_data, vb->columns[c].uses_future_data);
      EXPECT_EQ(va->columns[c].forward_looking, vb->columns[c].forward_looking);
    }
    const auto pa = a->read_features(va->version, std::nullopt, std::nullopt);
    const auto pb = b->read_features(va->version, std::nullopt, std::nullopt);
    ASSERT_EQ(pa.dates(), pb.dates());
    for (std::size_t c = 0; c < pa.cols(); ++c) {
      for (std::size_t t = 0; t < pa.rows(); ++t) {
        const double x = pa.column(c)[t];
        const double y = pb.column(c)[t];
        ASSERT_TRUE((std::isnan(x) && std::isnan(y)) || x == y)
            << va->version << " " << pa.names()[c];
      }
    }
  }

  const auto models_a = a->list_regime_models();
  const auto models_b = b->list_regime_models();
  ASSERT_EQ(models_a.size(), 2u);
  ASSERT_EQ(models_b.size(), 2u);
  for (std::size_t i = 0; i < models_a.size(); ++i) {
    const auto& ma = models_a[i];
    const auto mb = b->find_regime_model(ma.version);
    ASSERT_TRUE(mb.has_value());
    EXPECT_EQ(ma.kind, mb->kind);
    EXPECT_EQ(ma.spec_hash, mb->spec_hash);
    EXPECT_EQ(ma.spec_text, mb->spec_text);
    EXPECT_EQ(ma.feature_version, mb->feature_version);
    EXPECT_EQ(ma.columns, mb->columns);
    EXPECT_EQ(ma.labels, mb->labels);
    EXPECT_EQ(ma.params_json, mb->params_json);
    EXPECT_EQ(ma.diagnostics_json, mb->diagnostics_json);
    EXPECT_EQ(ma.trained_from, mb->trained_from);
    EXPECT_EQ(ma.trained_to, mb->trained_to);
    const auto ra = a->read_regimes(ma.version, std::nullopt, std::nullopt);
    const auto rb = b->read_regimes(ma.version, std::nullopt, std::nullopt);
    ASSERT_EQ(ra.size(), rb.size());
    for (std::size_t k = 0; k < ra.size(); ++k) {
      ASSERT_EQ(ra[k].date, rb[k].date);
      ASSERT_EQ(ra[k].regime, rb[k].regime);
      ASSERT_EQ(ra[k].score, rb[k].score);
      ASSERT_EQ(ra[k].probabilities, rb[k].probabilities);
    }
  }
}

TEST(PostgresCli, FailuresExitThreeWithThePasswordRedacted) {
  auto& server = PostgresServer::shared();
  server.sql(std::string("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '") +
             PostgresServer::kPasswordRole + "') THEN CREATE ROLE " +
             PostgresServer::kPasswordRole + " LOGIN PASSWORD 'right-Pa55word'; END IF; END $$");
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  struct Case {
    std::string url;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"postgresql://" + std::string(PostgresServer::kPasswordRole) + ":wrong-Pa55word@" + host +
           "/postgres",
       "authentication failed"},
      {"postgresql://postgres:wrong-Pa55word@" + host + "/no_such_database",
       "database does not exist"},
      {"postgresql://postgres:wrong-Pa55word@127.0.0.1:1/postgres", "unreachable"},
  };
  for (const auto& c : cases) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"ingest", "--db", c.url, "--tickers", "DGS10"}, {"series", "list", "--db", c.url}}) {
      const auto r = run_mre(args);
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_TRUE(contains(r.err, c.says)) << r.err;
      EXPECT_FALSE(contains(r.err + r.out, "wrong-Pa55word")) << r.err;
    }
  }
  // Nor does help show a password that came from MRE_DB.
  const auto help = run_mre({"ingest", "--help"}, {}, {"MRE_DB=" + cases[0].url});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_FALSE(contains(help.out, "wrong-Pa55word")) << help.out;
  EXPECT_TRUE(contains(help.out, ":***@")) << help.out;
}

TEST(PostgresCli, SchemaFromANewerMreIsRefusedAndLeftAlone) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  run_ok({"ingest", "--db", url, "--tickers", "DGS10"});
  const std::string database = url.substr(url.rfind('/') + 1);
  server.sql("INSERT INTO macro.schema_version VALUES (99, now())", database);
  for (const auto& args : std::vector<std::vector<std::string>>{{"ingest", "--db", url},
                                                                {"series", "list", "--db", url}}) {
    const auto r = run_mre(args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(contains(r.err, "newer than this mre supports")) << r.err;
  }
  EXPECT_EQ(server.sql("SELECT count(DISTINCT ticker) FROM macro.raw_series", database), "1");
}

TEST(PostgresCli, AnIngestKilledMidWriteLeavesTheStoreAsItWas) {
  const auto url = PostgresServer::shared().create_database();
  run_ok({"ingest", "--db", url, "--tickers", "DGS10,^GSPC"});
  const auto before = run_mre({"series", "list", "--db", url, "--format", "csv"});
  const auto ingests_before = run_mre({"series", "ingests", "--db", url});
  ASSERT_EQ(before.exit_code, 0);
  // SIGKILL once the rows of 20 series have reached the server inside the open transaction.
  const auto killed = run_mre({"ingest", "--db", url}, {}, {"MRE_TEST_KILL_AFTER_SERIES=20"});
  EXPECT_EQ(killed.exit_code, 128 + 9) << killed.err;
  EXPECT_EQ(run_mre({"series", "list", "--db", url, "--format", "csv"}).out, before.out);
  EXPECT_EQ(run_mre({"series", "ingests", "--db", url}).out, ingests_before.out);
  // And the next ingest completes.
  run_ok({"ingest", "--db", url});
}

TEST(PostgresCli, TwoConcurrentIngestsOfTheSameSeriesEndWithNoDuplicateAndNoError) {
  auto& server = PostgresServer::shared();
  const auto url = server.create_database();
  const std::string mre = shell_quote(mre::testing::mre_binary());
  const std::string cmd = "cd " + shell_quote(source_dir().string()) + " && (" + mre +
                          " ingest --db " + shell_quote(url) + " & " + mre + " ingest --db " +
                          shell_quote(url) + " & wait %1; a=$?; wait %2; b=$?; echo $a $b)";
  const auto r = run_shell(cmd);
  EXPECT_EQ(r.out, "0 0\n") << r.err;
  // One wrote the snapshot; the other waited, then found every value unchanged.
  EXPECT_TRUE(contains(r.err, "494625 new rows")) << r.err;
  EXPECT_TRUE(contains(r.err, "0 new rows, 0 revisions, 494625 unchanged")) << r.err;
  const std::string database = url.substr(url.rfind('/') + 1);
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.raw_series", database), "494625");
  EXPECT_EQ(server.sql("SELECT count(*) FROM macro.ingests", database), "1");
}

TEST(PostgresCli, DbMigrateAndACopyBothWaysKeepEveryTable) {
  TempDir dir;
  const std::string sqlite = (dir / "a.db").string();
  const std::string postgres = PostgresServer::shared().create_database();
  run_ok({"db", "migrate", "--db", postgres});
  run_ok({"ingest", "--db", sqlite, "--tickers", "DGS10,DGS3MO,CPIAUCSL"});
  write_file(dir / "rev.csv", "date,DGS10\n2026-08-21,9.99\n");
  run_ok({"ingest", "--db", sqlite, "--source", "csv", "--path",
          (dir / "rev.csv").string()});  // a revision
  const auto to_postgres = run_mre({"db", "copy", "--from", sqlite, "--to", postgres});
  ASSERT_EQ(to_postgres.exit_code, 0) << to_postgres.err;
  EXPECT_TRUE(contains(to_postgres.err, "every table has the same rows and checksum"))
      << to_postgres.err;
  EXPECT_FALSE(contains(to_postgres.out, " NO\n")) << to_postgres.out;
  const std::string back = "sqlite:" + (dir / "b.db").string();
  ASSERT_EQ(run_mre({"db", "copy", "--from", postgres, "--to", back}).exit_code, 0);
  const auto a = run_mre({"db", "checksum", "--db", sqlite});
  EXPECT_EQ(a.out, run_mre({"db", "checksum", "--db", postgres}).out);
  EXPECT_EQ(a.out, run_mre({"db", "checksum", "--db", back}).out);
  EXPECT_EQ(run_mre({"series", "show", "DGS10", "--revisions", "--db", postgres}).out,
            run_mre({"series", "show", "DGS10", "--revisions", "--db", sqlite}).out);
}

}  // namespace
}  // namespace mre::testing
