// See narrate.h.
#include "mre/workflows/narrate.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "mre/core/error.h"
#include "mre/narrative/freshness_sentence.h"
#include "mre/sources/http.h"
#include "mre/sources/universe.h"
#include "mre/workflows/classify.h"

namespace mre::workflows {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

Narrative rewrite_with_llm(const std::string& text, const std::string& purpose) {
  Narrative out{.text = text};
  const std::string root = env("MRE_LLM_URL");
  if (root.empty()) return out;
  double timeout = 10.0;
  if (const auto t = env("MRE_LLM_TIMEOUT"); !t.empty()) {
    try {
      timeout = std::stod(t);
    } catch (const std::exception&) {
      out.note = "MRE_LLM_TIMEOUT is not a number; kept the template text";
      return out;
    }
  }
  const std::string model = env("MRE_LLM_MODEL").empty() ? "gpt-4o-mini" : env("MRE_LLM_MODEL");
  const nlohmann::json request = {
      {"model", model},
      {"temperature", 0},
      {"messages",
       {{{"role", "system"},
         {"content", "You rewrite a " + purpose +
                         " for a portfolio manager in two plain sentences. Keep every number, "
                         "label and date exactly as "
                         "given; add no facts."}},
        {{"role", "user"}, {"content", text}}}}};
  std::vector<std::string> headers;
  if (const auto key = env("MRE_LLM_API_KEY"); !key.empty())
    headers.push_back("Authorization: Bearer " + key);
  const auto transport = sources::make_curl_transport(timeout);
  const auto r = transport->post_json(root + "/chat/completions", request.dump(), headers);
  if (r.status != 200) {
    out.note = r.status == 0
                   ? "the LLM endpoint did not answer (" + r.error + "); kept the template text"
                   : "the LLM endpoint answered HTTP " + std::to_string(r.status) +
                         "; kept the template text";
    return out;
  }
  try {
    const auto j = nlohmann::json::parse(r.body);
    const std::string content =
        j.at("choices").at(0).at("message").at("content").get<std::string>();
    if (content.empty()) throw std::runtime_error("empty answer");
    out.text = content;
    out.source = "llm";
  } catch (const std::exception& e) {
    out.note = std::string("the LLM endpoint's answer was unusable (") + e.what() +
               "); kept the template text";
  }
  return out;
}

std::string freshness_caveat(const ClassificationFreshness& f) {
  narrative::FreshnessFacts facts{.data_date = f.data_timestamp.substr(0, 10),
                                  .as_of = f.as_of.iso(),
                                  .data_age_days = f.data_age_days,
                                  .used = static_cast<int>(f.used),
                                  .total = static_cast<int>(f.indicators.size()),
                                  .approved = f.approved};
  for (const auto& i : f.indicators) {
    if (!i.used) facts.missing.push_back(i.name);
    if (i.stale) facts.stale.push_back(i.name);
  }
  return narrative::freshness_sentence(facts);
}

RegimeNarrative regime_narrative(const store::Store& store, const std::string& version, bool muni) {
  return regime_narrative(store, version, muni, sources::default_universe_path(), today_utc());
}

RegimeNarrative regime_narrative(const store::Store& store, const std::string& version, bool muni,
                                 const std::filesystem::path& universe, Date as_of) {
  std::string v = version;
  if (v.empty()) {
    const auto all = store.list_classifiers();
    if (all.empty()) throw Error(ErrorCode::kNotFound, "no classifier version in the store");
    v = all.back().version;
  }
  const auto current = current_classification(store, v);
  RegimeNarrative r;
  r.classifier_version = v;
  r.data_timestamp = current.timestamp;
  const auto& g = current.result.global;
  r.global_label =
      current.model.global.definition.profiles[static_cast<std::size_t>(g.label)].label;
  r.confidence = g.confidence;
  r.freshness = classification_freshness(store, v, current.timestamp, current.values,
                                         store.list_series(), universe, as_of);
  r.narrative = rewrite_with_llm(
      explain_classification(current.timestamp, current.model, current.result, muni) + " " +
          freshness_caveat(r.freshness),
      "market regime classification");
  return r;
}

}  // namespace mre::workflows
