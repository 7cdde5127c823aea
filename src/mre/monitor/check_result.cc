// Status names and ordering for the monitoring checks.
#include "mre/monitor/check_result.h"

#include "mre/core/error.h"

namespace mre::monitor {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kGreen:
      return "green";
    case Status::kAmber:
      return "amber";
    case Status::kRed:
      return "red";
  }
  return "red";
}

Status parse_status(std::string_view name) {
  if (name == "green") return Status::kGreen;
  if (name == "amber") return Status::kAmber;
  if (name == "red") return Status::kRed;
  throw Error(ErrorCode::kInvalidArgument,
              "status: expected green, amber or red (got '" + std::string(name) + "')");
}

Status worst(Status a, Status b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

}  // namespace mre::monitor
