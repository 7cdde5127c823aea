// What every monitoring check returns: a subject (a series, a model, an effect), the check's
// name, red / amber / green, the figure that decided it and, when known, the date it began to
// fail. Plain values; the workflow (workflows/monitor.h) collects them, the codec prints them.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "mre/core/date.h"

namespace mre::monitor {

// kGreen: healthy; kAmber: look at it (a warning threshold crossed); kRed: stop trusting it.
enum class Status { kGreen, kAmber, kRed };
std::string_view status_name(Status status);  // green | amber | red
// Throws InvalidArgument for anything but green, amber or red.
Status parse_status(std::string_view name);
// The worse of two statuses.
Status worst(Status a, Status b);

struct CheckResult {
  std::string subject{};  // e.g. "series DGS10", "classifier GMR1", "effect mp_surprise/sp500/3"
  std::string check{};    // e.g. "staleness", "psi", "retraining_age"
  Status status = Status::kGreen;
  double value = std::numeric_limits<double>::quiet_NaN();  // the figure as a number (NaN: none)
  std::string figure{};  // the figure as people read it ("last 2026-08-14, 107 days old")
  std::string detail{};  // the rule applied (threshold, window)
  // The date the condition began, when the check itself knows it (a stale series: its last date
  // plus its allowance); the history adds the first failing run otherwise.
  std::optional<Date> failing_since{};
  std::optional<Date> first_failed{};  // filled by the workflow from failing_since and history
};

}  // namespace mre::monitor
