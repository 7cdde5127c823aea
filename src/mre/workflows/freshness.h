// Freshness (issue 22): how old the data behind the current classification and every stored
// series are, judged by the one staleness rule (sources::is_stale), and whether the classifier's
// mapping was signed off. The overview, /api/classification/current, the narrative and the Data
// page all read these structs, so they cannot disagree.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/regimes/hierarchical/profiles.h"
#include "mre/sources/universe.h"
#include "mre/store/store.h"

namespace mre::workflows {

// One stored series against its universe entry.
struct SeriesFreshness {
  std::string ticker{};
  std::string asset_class{};
  bool in_universe = false;  // false: stored but not in the universe (no rule applies, never stale)
  std::string frequency{};   // the universe's frequency name ("" when not in the universe)
  Date last{};               // the newest observation date in the store
  int age_days = 0;          // as_of - last, calendar days (negative: dated after as_of)
  int allowance_days = 0;    // the rule's allowance: one period + publication lag + grace
  std::optional<Date> ended{};  // the series has ended (never stale)
  bool stale = false;
};

// Every stored series, sorted by ticker. REQUIRES: nothing; a store without series gives {}.
std::vector<SeriesFreshness> series_freshness(const store::Store& store,
                                              const std::filesystem::path& universe, Date as_of);

// One MR-DS-01 indicator of the current classification.
struct IndicatorFreshness {
  std::string name{};
  std::vector<std::string>
      inputs{};  // the stored series it is computed from (empty: unknown, e.g. trained on a CSV)
  bool proxy = false;             // computed from a documented proxy, not the true series
  std::optional<Date> last{};     // the oldest "newest observation" among its inputs
  std::optional<int> age_days{};  // as_of - last
  bool used = false;   // present in the classified observation (absent ones are marginalised)
  bool stale = false;  // any input stale by the rule
};

struct SignOff {
  std::string model{};  // global_macro | muni
  bool approved = false;
  std::string approved_by{};
  std::string approved_at{};  // ISO time of the newest sign-off
};

struct ClassificationFreshness {
  Date as_of{};                  // the day ages are counted to (today unless given)
  std::string data_timestamp{};  // the classified observation's timestamp
  std::optional<int> data_age_days{};
  std::size_t used = 0;   // indicators present in the observation
  std::size_t stale = 0;  // indicators with a stale input
  std::vector<IndicatorFreshness> indicators{};
  std::vector<SignOff> sign_offs{};  // one per model
  bool approved = false;             // both models signed off (MR-BR-10)
};

// The freshness of classifier `version`'s current classification: `data_timestamp` and
// `values` (the ten MR-DS-01 indicators in order, NaN when absent) as its newest state holds
// them. The indicators' inputs come from the feature version the classifier was trained on.
ClassificationFreshness classification_freshness(const store::Store& store,
                                                 const std::string& version,
                                                 const std::string& data_timestamp,
                                                 const std::vector<double>& values,
                                                 const std::vector<store::SeriesSummary>& series,
                                                 const std::filesystem::path& universe, Date as_of);

// Issue 18: what judging the MR-DS-01 indicators' ages on past dates needs, read once from the
// store: each indicator's input series (resolved as classification_freshness resolves them: from
// the feature version the classifier was trained on), their observation dates and their universe
// entries.
struct IndicatorAgeSource {
  std::vector<std::vector<std::string>> inputs{};       // per MR-DS-01 indicator; empty: unknown
  std::map<std::string, std::vector<Date>> observed{};  // each stored input's dates, ascending
  std::map<std::string, sources::SeriesSpec> rules{};   // each input's universe entry (if any)
};
// NotFound for an unknown classifier version; errors of load_universe for the universe file.
IndicatorAgeSource load_indicator_age_source(const store::Store& store, const std::string& version,
                                             const std::filesystem::path& universe);

// The ten indicators on `day`, using only observations known then: an observation dated d is
// known from d + its series' publication lag (the universe's publication_lag_days; 0 for a
// series outside the universe), so nothing published after `day` counts. An indicator's age is
// `day` minus the newest known observation of its oldest input; it is stale when any input is
// stale by sources::is_stale on `day` or has no known observation (then the age is empty).
// `values` (the observation's ten indicators, NaN when absent; may be null) sets `used`.
std::vector<regimes::hierarchical::IndicatorCoverage> indicator_ages(
    const IndicatorAgeSource& source, Date day, const double* values);

// Today's UTC date.
Date today_utc();

// Reads an as-of day "YYYY-MM-DD"; InvalidArgument naming `what` otherwise.
Date parse_as_of_day(const std::string& text, const std::string& what);

}  // namespace mre::workflows
