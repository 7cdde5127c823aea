// Fuzz target: the YAML spec parsers of the workflows - feature, regime, classifier, effects, SCM
// and backtest specs (all loaded from a path, so the input goes through a scratch file) - and the
// `do(node = value)` expressions of `scm counterfactual` and POST /api/counterfactual. The first
// byte picks the parser (0-4 the specs, 5 parse_do, 6 the backtest spec: the older selectors kept
// their meaning when the backtest spec was added), the rest is the text.
#include <string>

#include "fuzz/fuzz_support.h"
#include "mre/workflows/backtest.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/feature_spec.h"
#include "mre/workflows/scm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  namespace wf = mre::workflows;
  const auto text = mre::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: {
      const auto path = mre::fuzz::scratch_file(text, "features.yml");
      mre::fuzz::expect_only_mre_errors("load_feature_spec",
                                        [&] { (void)wf::load_feature_spec(path); });
      break;
    }
    case 1: {
      const auto path = mre::fuzz::scratch_file(text, "regimes.yml");
      mre::fuzz::expect_only_mre_errors("load_regime_spec",
                                        [&] { (void)wf::load_regime_spec(path); });
      break;
    }
    case 2: {
      const auto path = mre::fuzz::scratch_file(text, "classifier.yml");
      mre::fuzz::expect_only_mre_errors("load_classifier_spec",
                                        [&] { (void)wf::load_classifier_spec(path); });
      break;
    }
    case 3: {
      const auto path = mre::fuzz::scratch_file(text, "effects.yml");
      mre::fuzz::expect_only_mre_errors("load_effects_spec",
                                        [&] { (void)wf::load_effects_spec(path); });
      break;
    }
    case 4: {
      const auto path = mre::fuzz::scratch_file(text, "scm.yml");
      mre::fuzz::expect_only_mre_errors("load_scm_spec", [&] { (void)wf::load_scm_spec(path); });
      break;
    }
    case 6: {
      const auto path = mre::fuzz::scratch_file(text, "backtest.yml");
      mre::fuzz::expect_only_mre_errors("load_backtest_spec",
                                        [&] { (void)wf::load_backtest_spec(path); });
      break;
    }
    default:
      mre::fuzz::expect_only_mre_errors("parse_do", [&] { (void)wf::parse_do(std::string(text)); });
      break;
  }
  return 0;
}
