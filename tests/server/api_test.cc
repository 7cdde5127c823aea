// `mre serve` end to end: the request -> expected JSON pairs of tests/server/cases/ against a
// real server on loopback over a test store (the SCM's series and a fitted version), then the
// abuse cases - a 5 MiB body, a path-traversal static path, a missing bearer token - each with
// its status and the server still serving afterwards.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/test_support.h"

// Last: its macros must not meet other headers.
#include <httplib.h>

namespace mre {
namespace {

using nlohmann::json;
using testing::contains;
using testing::run_mre;
using testing::run_shell;
using testing::TempDir;

// Every key of `expected` in `actual` with an equal value (objects recursively; arrays and
// scalars exactly).
bool matches(const json& expected, const json& actual) {
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k) || !matches(v, actual[k])) return false;
    }
    return true;
  }
  return expected == actual;
}

class Server {
 public:
  Server(const std::string& db, const std::vector<std::string>& extra = {}) {
    std::string cmd = std::string(MRE_BINARY) + " serve --db " + db + " --port 0";
    for (const auto& e : extra) cmd += " " + e;
    run_shell("(" + cmd + " > " + (dir_ / "out").string() + " 2> " + (dir_ / "err").string() + " & echo $! > " +
              (dir_ / "pid").string() + ")");
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::ifstream in(dir_ / "out");
      std::string word;
      if (in >> word && word == "PORT") in >> port_;
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::ifstream(dir_ / "pid") >> pid_;
  }
  ~Server() {
    if (pid_ > 0) run_shell("kill " + std::to_string(pid_));
  }
  int port() const { return port_; }
  std::string err() const {
    std::ifstream in(dir_ / "err");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  TempDir dir_;
  int port_ = 0;
  int pid_ = 0;
};

class Api : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = (*dir_ / "t.db").string();
    // A store with something behind every endpoint: the snapshot, the indicator and effects
    // features, two regime versions, a trained classifier and an SCM version (no effects grid:
    // /api/effects lists none).
    const auto step = [](const std::vector<std::string>& args) {
      const auto r = run_mre(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    };
    const std::string root = MRE_SOURCE_DIR;
    step({"ingest", "--db", db_});
    for (const char* set : {"indicators", "macro_ltv", "cross_asset", "effects"}) {
      step({"features", "build", "--db", db_, "--spec", root + "/config/features/" + set + ".yml", "--version", "auto"});
    }
    step({"regimes", "fit", "--db", db_, "--spec", root + "/config/regimes/rules.yml", "--version", "R_RULES"});
    step({"regimes", "fit", "--db", db_, "--spec", root + "/config/regimes/hmm_macro.yml", "--version", "R_MACRO"});
    step({"classify", "train", "--db", db_, "--spec", root + "/config/classifier/gmr.yml", "--version", "C1"});
    step({"scm", "fit", "--db", db_, "--version", "S1"});
    step({"effects", "run", "--db", db_, "--spec", root + "/config/effects.yml", "--version", "E1", "--learner", "ridge"});
    server_ = new Server(db_, {"--universe", root + "/config/universe.yml"});
    ASSERT_GT(server_->port(), 0);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static httplib::Client client() { return httplib::Client("127.0.0.1", server_->port()); }
  static TempDir* dir_;
  static std::string db_;
  static Server* server_;
};
TempDir* Api::dir_ = nullptr;
std::string Api::db_;
Server* Api::server_ = nullptr;

TEST_F(Api, EveryCaseGetsItsStatusAndJson) {
  const auto dir = std::filesystem::path(MRE_SOURCE_DIR) / "tests/server/cases";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 15u);
  for (const auto& file : files) {
    std::ifstream in(file);
    const json c = json::parse(in);
    const auto& r = c["request"];
    auto cli = client();
    const std::string path = r["path"];
    const std::string body = r.contains("raw_body") ? r["raw_body"].get<std::string>() : r.value("body", json()).dump();
    auto res = r["method"] == "GET" ? cli.Get(path) : cli.Post(path, body, "application/json");
    ASSERT_TRUE(res) << file.filename();
    EXPECT_EQ(res->status, c["status"].get<int>()) << file.filename() << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << file.filename();
    const json got = json::parse(res->body);
    if (c.contains("expect")) {
      EXPECT_TRUE(matches(c["expect"], got)) << file.filename() << ": " << res->body;
    }
    if (c.contains("expect_contains")) {
      EXPECT_TRUE(contains(res->body, c["expect_contains"].get<std::string>())) << file.filename() << ": " << res->body;
    }
    if (res->status >= 400) {
      EXPECT_TRUE(got["error"]["code"].is_string() && got["error"]["message"].is_string()) << file.filename();
    }
  }
}

TEST_F(Api, AbuseIsRefusedAndTheServerKeepsServing) {
  auto cli = client();
  const auto big = cli.Post("/api/counterfactual", std::string(5 << 20, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(contains(big->body, "payload_too_large")) << big->body;
  // A static path climbing out of the served directory: no file, and /etc/passwd never sent.
  const auto r = run_shell("curl -s --path-as-is -o - -w ' %{http_code}' http://127.0.0.1:" + std::to_string(server_->port()) +
                           "/../../etc/passwd");
  EXPECT_TRUE(contains(r.out, " 404") || contains(r.out, " 400")) << r.out;
  EXPECT_FALSE(contains(r.out, "root:")) << r.out;
  auto again = client();
  const auto health = again.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // Compute endpoints never write: no scenario was stored by the counterfactual case.
  EXPECT_EQ(run_mre({"scm", "scenarios", "--db", db_}).out, "id,scm_version,name,interventions,shocks,start,horizon,paths,seed,created_at\n");
}

TEST_F(Api, AnUnreachableStoreIs503AndTheDashboardIsServed) {
  Server broken((*dir_ / "no-such-dir" / "x.db").string());
  ASSERT_GT(broken.port(), 0) << broken.err();
  httplib::Client cli("127.0.0.1", broken.port());
  const auto r = cli.Get("/api/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_TRUE(contains(r->body, "\"code\":\"unavailable\"")) << r->body;
  // The built dashboard (make builds web/dist before the tests) at /.
  if (std::filesystem::exists(std::filesystem::path(MRE_SOURCE_DIR) / "web/dist/index.html")) {
    const auto page = client().Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_TRUE(contains(page->get_header_value("Content-Type"), "text/html"));
  }
}

TEST_F(Api, ASimulationPastTheTimeLimitIs503AndTheServerKeepsServing) {
  Server quick(db_, {"--time-limit", "0.05"});
  ASSERT_GT(quick.port(), 0) << quick.err();
  httplib::Client cli("127.0.0.1", quick.port());
  const auto slow = cli.Post("/api/counterfactual", R"({"interventions": ["TP=+0.25"], "horizon": 500, "paths": 20000})", "application/json");
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 503) << slow->body;
  EXPECT_TRUE(contains(slow->body, "time limit")) << slow->body;
  const auto ok = cli.Get("/api/health");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(Api, BindingBeyondLoopbackNeedsATokenAndTheTokenIsChecked) {
  const auto refused = run_mre({"serve", "--db", db_, "--bind", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "--token-file")) << refused.err;
  testing::write_file(*dir_ / "token", "s3cret-token-0123456789\n");
  Server guarded(db_, {"--token-file", (*dir_ / "token").string()});
  ASSERT_GT(guarded.port(), 0) << guarded.err();
  httplib::Client cli("127.0.0.1", guarded.port());
  const auto no = cli.Get("/api/health");
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status, 401);
  EXPECT_TRUE(contains(no->body, "unauthorized"));
  const auto yes = cli.Get("/api/health", {{"Authorization", "Bearer s3cret-token-0123456789"}});
  ASSERT_TRUE(yes);
  EXPECT_EQ(yes->status, 200);
}

}  // namespace
}  // namespace mre
