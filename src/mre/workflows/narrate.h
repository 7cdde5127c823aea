// Narratives for people (issue 9): the template text of narrative/ for the current regime, and
// an optional rewrite by an OpenAI-compatible chat endpoint when MRE_LLM_URL is set (the API
// root, e.g. https://api.openai.com/v1; MRE_LLM_API_KEY, MRE_LLM_MODEL, MRE_LLM_TIMEOUT in
// seconds, default 10). Any failure - timeout, an error reply, an empty answer - falls back to
// the template text, and says so.
#pragma once

#include <filesystem>
#include <string>

#include "mre/store/store.h"
#include "mre/workflows/freshness.h"

namespace mre::workflows {

struct Narrative {
  std::string text{};
  std::string source = "template";  // template | llm
  std::string note{};               // why the template was kept, when an LLM was configured
};

// The rewrite step alone: `text` unchanged (source template) unless MRE_LLM_URL is set and the
// endpoint answers in time.
Narrative rewrite_with_llm(const std::string& text, const std::string& purpose);

struct RegimeNarrative {
  Narrative narrative{};
  std::string data_timestamp{};
  std::string global_label{};
  double confidence = 0.0;
  std::string classifier_version{};
  ClassificationFreshness freshness{};  // issue 22: the caveat's facts (the text ends with them)
};
// MR-FR-03: the current classification of a classifier version ("" = the newest) as a sentence,
// followed by the freshness caveat (data age, indicators present and stale, sign-off) with ages
// counted to `as_of` by the universe's staleness rule.
RegimeNarrative regime_narrative(const store::Store& store, const std::string& version, bool muni,
                                 const std::filesystem::path& universe, Date as_of);
// The same with the default universe, counted to today.
RegimeNarrative regime_narrative(const store::Store& store, const std::string& version, bool muni);

// The caveat sentence of a freshness report (narrative::freshness_sentence over its facts).
std::string freshness_caveat(const ClassificationFreshness& freshness);

}  // namespace mre::workflows
