// Event studies and local projections from the store (issue 17): `mre effects event` and
// `mre effects irf`. The statistics are causal/event_study.h and causal/local_projection.h; this
// file builds their rows from the store and the effects spec.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mre/codec/effect_studies_json.h"
#include "mre/store/store.h"
#include "mre/workflows/effects.h"

namespace mre::workflows {

struct EventStudyQuery {
  std::string treatment = "mp_surprise";
  std::string outcome = "sp500";  // a name of the spec's event_outcomes
  int window = 0;                 // trading days after the announcement day, in [0, 20]
  int hac_lag = -1;               // -1: Newey-West's rule
};

// One row per announcement day of the treatment's event series whose date has a close of the
// outcome and a previous close: response = close_{d+window} / close_{d-1} - 1 (return) or
// level_{d+window} - level_{d-1} (change), d-1 the previous observation. InvalidArgument for an
// unknown outcome, a treatment without announcement dates, a window outside [0, 20]; DataError
// when fewer than 30 events (or none) have a response.
codec::EventStudyReport run_event_study(const store::Store& store, const EffectsSpec& spec,
                                        const EventStudyQuery& query);

struct ImpulseQuery {
  std::string treatment{};
  std::string outcome{};        // a name of the spec's outcomes
  std::vector<int> horizons{};  // empty: the spec's irf horizons
  int lags = 0;                 // 0: the spec's
  std::string se{};             // empty: the spec's (hc1 | hac)
};

// Local projection on the spec's monthly panel: y = log(level) (return outcomes) or the level
// (change outcomes), the treatment column, the spec's controls; causal::local_projection with
// cumulative changes. InvalidArgument for horizons outside [0, 120], lags outside [1, 24];
// DataError for a horizon beyond the data or fewer than 30 non-zero treatment values.
codec::ImpulseReport run_impulse_response(const store::Store& store, const EffectsSpec& spec,
                                          const ImpulseQuery& query);

// Stored studies (generic artefacts, codec::event_study_kind / impulse_kind). The tag ("auto":
// ES_<treatment>_<outcome>_w<window>_<hash> or IRF_<treatment>_<outcome>_<hash>) is bound to the
// effects spec, the query and the data (the scatter's hash for an event study, the feature version
// for a projection): the same again stores nothing (written = false), anything else is refused.
struct StoredStudy {
  std::string version{};
  bool written = false;
};
StoredStudy store_event_study(store::Store& store, const EffectsSpec& spec,
                              const codec::EventStudyReport& report, const std::string& tag);
StoredStudy store_impulse_response(store::Store& store, const EffectsSpec& spec,
                                   const codec::ImpulseReport& report, const std::string& tag);
// NotFound for an unknown tag.
codec::EventStudyReport read_event_study(const store::Store& store, const std::string& version);
codec::ImpulseReport read_impulse_response(const store::Store& store, const std::string& version);

// The stored studies of both kinds, event studies first, each kind in the store's listing order
// (`mre effects studies`, GET /api/studies).
struct StudyListing {
  std::string version{};
  std::string kind{};  // "event" | "irf"
  std::string treatment{};
  std::string outcome{};
  bool identified = false;
  std::string spec_name{};
  std::map<std::string, std::string> inputs{};
  Timestamp created_at{};
};
std::vector<StudyListing> list_effect_studies(const store::Store& store);
// A stored study's JSON as computed (`mre effects study TAG`, GET /api/studies/TAG), or its text
// explanation; NotFound naming the tag when it is neither kind.
std::string effect_study_json(const store::Store& store, const std::string& version);
// The same as a document (its text is codec::study_text of it): GET /api/studies/{version}.
nlohmann::ordered_json effect_study_document(const store::Store& store, const std::string& version);
std::string effect_study_text(const store::Store& store, const std::string& version);

// What `mre run` stores beside the grid: the announcement-day event study and the local
// projection of `treatment` on `outcome` (tags "auto"), so the dashboard has studies to draw.
struct RunStudies {
  StoredStudy event{};
  StoredStudy impulse{};
};
RunStudies store_default_studies(store::Store& store, const EffectsSpec& spec,
                                 const std::string& treatment = "mp_surprise",
                                 const std::string& outcome = "sp500");

}  // namespace mre::workflows
