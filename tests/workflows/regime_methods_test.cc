// The regime method registry (workflows/regime_methods/): the names detect_regimes accepts, the
// canonical text of specs written before the registry (their version hashes must not move),
// k-means' own n_clusters with the older hmm.n_states reading as the fallback, and a k-means
// fit through the registry recovering two clusters of simulated data.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mre/core/error.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"
#include "support/test_support.h"

namespace mre::workflows {
namespace {

using mre::testing::TempDir;
using mre::testing::write_file;

RegimeSpec spec_from(const TempDir& dir, const std::string& text) {
  write_file(dir / "spec.yml", text);
  return load_regime_spec(dir / "spec.yml");
}

TEST(RegimeMethods, TheRegistryNamesEveryMethodAndRefusesOthers) {
  EXPECT_NE(find_regime_method("hmm"), nullptr);
  EXPECT_NE(find_regime_method("kmeans"), nullptr);
  EXPECT_NE(find_regime_method("rules"), nullptr);
  EXPECT_NE(find_regime_method("jump"), nullptr);
  EXPECT_EQ(find_regime_method("HMM"), nullptr);
  EXPECT_EQ(regime_method_names(), "hmm, kmeans, rules or jump");
  TempDir dir;
  try {
    spec_from(dir, "name: x\nmethod: jumpy\nfeature_set: f\n");
    FAIL() << "an unknown method was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(
        std::string(e.what()).find("'method' must be hmm, kmeans, rules or jump (got 'jumpy')"),
        std::string::npos)
        << e.what();
  }
}

// The canonical text as detect_regimes wrote it before the registry (hand-copied from the old
// canonical()): the hash of an existing spec, and so its version tag, is unchanged.
TEST(RegimeMethods, SpecsWrittenBeforeTheRegistryKeepTheirCanonicalText) {
  TempDir dir;
  const auto kmeans =
      spec_from(dir, "name: k\nmethod: kmeans\nfeature_set: f\nhmm: {n_states: 3, seed: 7}\n");
  EXPECT_EQ(kmeans.canonical_text,
            "name=k\nmethod=kmeans\nfeature_set=f\ncolumns=\nlabels=\nn_states=3\ncovariance="
            "full\nn_iter=1000\n"
            "tol=0.0001\nn_init=10\nseed=7\nmin_covar=0.001\n");
  const auto rules = spec_from(
      dir,
      "name: r\nmethod: rules\nfeature_set: f\nrules:\n  up: [{feature: a, threshold: 1}]\n"
      "  down: [{feature: a, direction: down}]\n");
  EXPECT_EQ(rules.canonical_text,
            "name=r\nmethod=rules\nfeature_set=f\ncolumns=\nlabels=\nrule=up|a,1,1,1\nrule=down|a,-"
            "1,0,1\n");
  const auto hmm = spec_from(dir,
                             "name: h\nmethod: hmm\nfeature_set: f\nhmm: {n_states: "
                             "2}\nstandardize: {min_observations: 20}\n");
  EXPECT_EQ(hmm.canonical_text,
            "name=h\nmethod=hmm\nfeature_set=f\ncolumns=\nlabels=\nn_states=2\ncovariance=full\nn_"
            "iter=1000\n"
            "tol=0.0001\nn_init=10\nseed=42\nmin_covar=0.001\nstandardize=expanding,20\nwalk_"
            "forward=6,504,252\n");
}

TEST(RegimeMethods, KmeansReadsItsOwnClusterCountBeforeTheHmmOne) {
  TempDir dir;
  const auto own = spec_from(
      dir,
      "name: k\nmethod: kmeans\nfeature_set: f\nhmm: {n_states: 4}\nkmeans: {n_clusters: 2}\n"
      "labels: [low, high]\n");
  EXPECT_EQ(find_regime_method("kmeans")->states(own), 2);
  EXPECT_NE(own.canonical_text.find("kmeans=2,10,42\n"), std::string::npos) << own.canonical_text;
  // The labels are checked against the k-means count, not hmm.n_states.
  EXPECT_THROW(
      spec_from(
          dir,
          "name: k\nmethod: kmeans\nfeature_set: f\nkmeans: {n_clusters: 3}\nlabels: [a, b]\n"),
      Error);
  EXPECT_THROW(spec_from(dir, "name: k\nmethod: kmeans\nfeature_set: f\nkmeans: {n_clusters: 0}\n"),
               Error);
  EXPECT_THROW(spec_from(dir, "name: k\nmethod: kmeans\nfeature_set: f\nkmeans: {clusters: 3}\n"),
               Error);
  const auto fallback =
      spec_from(dir, "name: k\nmethod: kmeans\nfeature_set: f\nhmm: {n_states: 5}\n");
  EXPECT_EQ(find_regime_method("kmeans")->states(fallback), 5);
}

// Simulated: 200 days alternating in blocks of 20 between two well-separated centres (0 and 10,
// unit noise); k-means through detect_regimes must label every day by its block (a gap of 10
// standard deviations leaves no day on the wrong side at this seed and size).
TEST(RegimeMethods, KmeansThroughTheRegistryRecoversTwoSimulatedClusters) {
  TempDir dir;
  store::MemoryStore store;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<Date> dates;
  std::vector<double> a, b;
  std::vector<int> truth;
  for (int t = 0; t < 200; ++t) {
    dates.push_back(Date::from_ymd(2020, 1, 1) + t);
    const int block = (t / 20) % 2;
    truth.push_back(block);
    a.push_back(10.0 * block + noise(rng));
    b.push_back(-10.0 * block + noise(rng));
  }
  store::FeatureVersion version{.version = "F1",
                                .spec_name = "f",
                                .spec_hash = "h",
                                .data_watermark = "w",
                                .frequency = "daily",
                                .spec_text = "",
                                .created_at = Timestamp::now(),
                                .columns = {{.name = "a"}, {.name = "b"}}};
  store.write_features(version, Panel(dates, {"a", "b"}, {a, b}));
  write_file(
      dir / "k.yml",
      "name: k\nmethod: kmeans\nfeature_set: f\nhmm: {n_states: 4}\nkmeans: {n_clusters: 2}\n");
  const auto report =
      detect_regimes(store, {.spec_path = dir / "k.yml", .version = "K1", .features_version = ""});
  ASSERT_TRUE(report.written);
  ASSERT_EQ(report.labels.size(), 2u);
  const auto rows = store.read_regimes("K1", std::nullopt, std::nullopt);
  ASSERT_EQ(rows.size(), 200u);
  const std::string first_block_label = rows[0].regime;
  for (std::size_t t = 0; t < rows.size(); ++t) {
    EXPECT_EQ(rows[t].regime == first_block_label, truth[t] == 0) << "day " << t;
    EXPECT_EQ(rows[t].probabilities.size(), 2u);
  }
}

}  // namespace
}  // namespace mre::workflows
