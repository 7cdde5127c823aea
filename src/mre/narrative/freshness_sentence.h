// The caveat that follows the regime sentence (issue 22): how old the classified data are, how
// many indicators it rested on, which are stale, and whether the mapping was signed off. No
// statistics: the caller passes what workflows/freshness computed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mre::narrative {

struct FreshnessFacts {
  std::string data_date{};  // the classified observation's date
  std::string as_of{};      // the day ages are counted to
  std::optional<int> data_age_days{};
  int used = 0;  // indicators present
  int total = 0;
  std::vector<std::string> missing{};  // indicators absent (marginalised)
  std::vector<std::string> stale{};    // indicators with a stale input
  bool approved = false;               // both models signed off
};

// E.g. "The data are from 2026-08-21, 107 days before 2026-12-06; 3 of 10 indicators were present
// (missing: a, b); stale by the universe's rule: c. The state-to-label mapping has not been signed
// off (mre classify approve), so the labels are provisional."
std::string freshness_sentence(const FreshnessFacts& facts);

}  // namespace mre::narrative
