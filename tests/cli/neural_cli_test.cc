// `mre neural` through the real binary (issue 24), cheaply: no training here (the workflow tests
// train tiny models in memory; the full training is a documented command, docs/neural.md). An
// empty store lists nothing, unknown versions exit 4 naming them, a missing spec exits 3, a spec
// with an unknown key exits 1 naming file, line and key.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace mre::testing {
namespace {

TEST(NeuralCli, ListsEvaluatesAndRefusesNamingTheProblem) {
  TempDir dir;
  const std::string db = (dir.path() / "n.db").string();
  ASSERT_EQ(run_mre({"db", "migrate", "--db", db}).exit_code, 0);
  const auto list = run_mre({"neural", "list", "--db", db, "--format", "csv"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "version,spec,feature_version,target_version,spec_hash,created\n");
  // (Each run loads LibTorch's shared libraries, about a second here: few runs.)
  const auto r = run_mre({"neural", "evaluate", "NOPE", "--db", db});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "no neural model 'NOPE'")) << r.err;
  const auto missing = run_mre({"neural", "train", "--db", db, "--spec",
                                (dir.path() / "none.yml").string(), "--version", "N1"});
#ifdef MRE_TORCH_BUILD
  EXPECT_EQ(missing.exit_code, 3) << missing.err;  // IoError: the spec file
  const auto spec = dir.path() / "bad.yml";
  write_file(spec, "name: x\nfeature_version: F1\nwindoww: 3\n");
  const auto bad =
      run_mre({"neural", "train", "--db", db, "--spec", spec.string(), "--version", "N1"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_TRUE(contains(bad.err, "bad.yml:3")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "unknown key 'windoww'")) << bad.err;
#else
  EXPECT_EQ(missing.exit_code, 5) << missing.err;  // Unsupported, naming LibTorch
  EXPECT_TRUE(contains(missing.err, "LibTorch")) << missing.err;
#endif
}

}  // namespace
}  // namespace mre::testing
