// See freshness_sentence.h.
#include "mre/narrative/freshness_sentence.h"

namespace mre::narrative {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string freshness_sentence(const FreshnessFacts& facts) {
  std::string out = "The data are from " + facts.data_date;
  if (facts.data_age_days) {
    const int age = *facts.data_age_days;
    out += age == 0 ? ", the same day as " + facts.as_of
                    : ", " + std::to_string(age < 0 ? -age : age) +
                          (age == 1 || age == -1 ? " day " : " days ") +
                          (age < 0 ? "after " : "before ") + facts.as_of;
  }
  out += "; " + std::to_string(facts.used) + " of " + std::to_string(facts.total) +
         " indicators were present";
  if (!facts.missing.empty()) out += " (missing: " + joined(facts.missing) + ")";
  out += facts.stale.empty() ? "; none is stale"
                             : "; stale by the universe's rule: " + joined(facts.stale);
  out += facts.approved ? ". The state-to-label mapping is signed off."
                        : ". The state-to-label mapping has not been signed off (mre classify "
                          "approve), so the labels "
                          "are provisional.";
  return out;
}

}  // namespace mre::narrative
