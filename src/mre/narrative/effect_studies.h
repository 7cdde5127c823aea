// Plain-language sentences for event studies and local projections (issue 17): every number is a
// field of the facts struct, rounded for reading. Monetary surprises are spoken per 25 bp.
#pragma once

#include <string>
#include <vector>

namespace mre::narrative {

struct EventStudyFacts {
  std::string treatment{};
  std::string outcome{};
  int window = 0;            // trading days after the announcement day
  bool change = false;       // a change in the level (yield points) rather than a return
  double scale = 1.0;        // narrative units per treatment unit (0.25 for "per 25 bp")
  std::string scale_unit{};  // "25 bp"; empty: "1 unit"
  double effect = 0.0;       // per treatment unit
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p_value = 1.0;  // HC1
  double p_value_hac = 1.0;
  long events = 0;
  bool identified = false;
  std::string identification{};
};
std::string event_study_paragraph(const EventStudyFacts& facts);

struct ImpulsePoint {
  int horizon = 0;
  double effect = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
};
struct ImpulseFacts {
  std::string treatment{};
  std::string outcome{};
  bool change = false;
  double scale = 1.0;
  std::string scale_unit{};
  std::string inference{};  // "lag-augmented HC1" | "Newey-West"
  std::vector<ImpulsePoint> points{};
  bool identified = false;
  std::string identification{};
};
std::string impulse_paragraph(const ImpulseFacts& facts);

}  // namespace mre::narrative
