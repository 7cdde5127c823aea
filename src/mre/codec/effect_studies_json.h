// JSON of event studies and local projections (issue 17): the reports the effects workflows
// return, as `mre effects event|irf --format json` and the API print them.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mre/causal/event_study.h"
#include "mre/causal/local_projection.h"
#include "mre/core/date.h"
#include "mre/store/artefact.h"

namespace mre::codec {

struct EventRow {
  Date date{};
  double surprise = 0.0;
  double response = 0.0;
};

struct EventStudyReport {
  std::string treatment{};
  std::string outcome{};
  std::string event_series{};  // the store ticker of the announcement dates
  std::string outcome_ticker{};
  int window = 0;
  bool change = false;
  bool identified = false;
  std::string identification{};
  double narrative_scale = 1.0;
  std::string narrative_unit{};
  causal::EventStudyFit fit{};
  std::vector<EventRow> events{};    // the scatter: one point per announcement day used
  std::size_t announcements = 0;     // announcement days in the event series
  std::size_t without_response = 0;  // of which no close (or no previous close) of the outcome
  std::string explanation{};
};
std::string event_study_to_json(const EventStudyReport& report);
// The same as a document, keys in that order: event_study_to_json is study_text of it.
nlohmann::ordered_json event_study_document(const EventStudyReport& report);

struct ImpulseReport {
  std::string treatment{};
  std::string outcome{};
  bool change = false;
  bool identified = false;
  std::string identification{};
  double narrative_scale = 1.0;
  std::string narrative_unit{};
  causal::LocalProjectionFit fit{};
  std::string feature_version{};
  std::vector<std::string> controls{};
  std::string explanation{};
};
std::string impulse_to_json(const ImpulseReport& report);
// The same as a document, keys in that order: impulse_to_json is study_text of it.
nlohmann::ordered_json impulse_document(const ImpulseReport& report);
// A study document as its text: one line, ", " and ": " (codec::append_spaced_json).
std::string study_text(const nlohmann::ordered_json& document);

}  // namespace mre::codec

// The generic-artefact form (store/artefact.h) of both reports: kind "effects_event_study"
// (tables "summary": one row, "events": the scatter) and kind "effects_impulse" (tables
// "summary": one row, "points": one per horizon). Read back, a report prints the same JSON.
#include "mre/store/artefact.h"

namespace mre::codec {

const store::ArtefactKind& event_study_kind();
std::vector<store::ArtefactTable> event_study_tables(const EventStudyReport& report);
// DataError when the rows do not have the declared shape.
EventStudyReport event_study_from_tables(const store::ArtefactTable& summary,
                                         const store::ArtefactTable& events);

const store::ArtefactKind& impulse_kind();
std::vector<store::ArtefactTable> impulse_tables(const ImpulseReport& report);
ImpulseReport impulse_from_tables(const store::ArtefactTable& summary,
                                  const store::ArtefactTable& points);

}  // namespace mre::codec
