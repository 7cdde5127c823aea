// Fuzz target: the JSON codecs (src/mre/codec/) that read text a user or the store hands in -
// classifier model and filter state (`--model`, `--state`, the store), real-time observations
// (`classify realtime`, POST /api/classify), HMM parameters (warm starts), SCM versions and
// effect summaries. The first byte picks the decoder, the rest is the document. Beyond "only
// mre::Error": a document that decodes must encode to a document that decodes to the same
// encoding (what the store writes it can read back), and a decoded classifier model must either
// be refused by Classifier's shape checks or classify an observation.
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "mre/codec/classifier_json.h"
#include "mre/codec/hmm_json.h"
#include "mre/codec/scm_json.h"
#include "mre/regimes/hierarchical/classifier.h"
#include "mre/regimes/hierarchical/profiles.h"

namespace {

namespace codec = mre::codec;
namespace hier = mre::regimes::hierarchical;

void same_or_abort(const std::string& first, const std::string& second, const char* what) {
  if (first == second) return;
  std::fprintf(stderr, "fuzz finding: %s does not read back to the same document:\n%s\n---\n%s\n",
               what, first.c_str(), second.c_str());
  std::abort();
}

// Decodes, re-encodes, decodes that and re-encodes again: the two encodings must be equal, and
// the second decode may not fail (an encoder output the decoder refuses is a finding).
template <typename Decode, typename Encode>
void round_trip(const std::string& text, const char* what, Decode decode, Encode encode) {
  std::string first;
  try {
    first = encode(decode(text, "fuzz input"));
  } catch (const mre::Error& e) {
    if (e.code() == mre::ErrorCode::kInternal) throw;
    mre::fuzz::note_refusal(what, e);
    return;  // refused: the expected answer to most inputs
  }
  same_or_abort(first, encode(decode(first, "re-encoded")), what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(mre::fuzz::as_text(data + 1, size - 1));
  switch (data[0] % 7) {
    case 0:
      mre::fuzz::expect_only_mre_errors("classifier_model_from_json", [&] {
        round_trip(
            text, "classifier model", codec::classifier_model_from_json,
            [](const hier::HierarchicalModel& m) { return codec::classifier_model_to_json(m); });
        hier::HierarchicalModel model;
        try {
          model = codec::classifier_model_from_json(text, "fuzz input");
        } catch (const mre::Error& e) {
          if (e.code() == mre::ErrorCode::kInternal) throw;
          return;
        }
        const hier::Classifier classifier(model);
        std::vector<double> values(hier::mr_ds_01_indicators().size(), 0.5);
        hier::FilterState state;
        (void)classifier.classify(values.data(), nullptr, state);
        (void)classifier.classify(values.data(), &state, state);
      });
      break;
    case 1:
      mre::fuzz::expect_only_mre_errors("filter_state_from_json", [&] {
        round_trip(text, "filter state", codec::filter_state_from_json,
                   [](const hier::FilterState& s) { return codec::filter_state_to_json(s); });
      });
      break;
    case 2:
      mre::fuzz::expect_only_mre_errors("filter_state_values_from_json", [&] {
        (void)codec::filter_state_values_from_json(text, "fuzz input");
      });
      break;
    case 3:
      mre::fuzz::expect_only_mre_errors("observation_from_json", [&] {
        (void)codec::observation_from_json(text, "fuzz input", hier::mr_ds_01_indicators());
      });
      break;
    case 4:
      mre::fuzz::expect_only_mre_errors("hmm_params_from_json", [&] {
        round_trip(text, "hmm params", codec::hmm_params_from_json, [](const codec::LoadedHmm& h) {
          return codec::hmm_params_to_json(h.params, h.features);
        });
      });
      break;
    case 5:
      mre::fuzz::expect_only_mre_errors("scm_model_from_json", [&] {
        round_trip(text, "scm model", codec::scm_model_from_json,
                   [](const mre::scm::FittedScm& m) { return codec::scm_model_to_json(m); });
      });
      break;
    default:
      mre::fuzz::expect_only_mre_errors("effect_summaries_from_json", [&] {
        round_trip(text, "effect summaries", codec::effect_summaries_from_json,
                   [](const std::vector<mre::scm::EffectSummary>& e) {
                     return codec::effect_summaries_to_json(e);
                   });
      });
      break;
  }
  return 0;
}
