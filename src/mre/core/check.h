// Precondition helpers: each names the calling function and the argument that failed, so a
// bad call reads "mre::resample: argument 'window' must be > 1 (got 0)". No macros.
#pragma once

#include <cmath>
#include <source_location>
#include <string>
#include <string_view>

#include "mre/core/error.h"

namespace mre {

namespace detail {
std::string where(const std::source_location& loc);
}

// REQUIRES nothing; throws InvalidArgument naming `what` when `condition` is false.
inline void check_arg(bool condition, std::string_view what, std::string_view requirement,
                      const std::source_location loc = std::source_location::current()) {
  if (!condition) {
    throw Error(
        ErrorCode::kInvalidArgument,
        detail::where(loc) + ": argument '" + std::string(what) + "' " + std::string(requirement));
  }
}

inline void check_positive(double value, std::string_view what,
                           const std::source_location loc = std::source_location::current()) {
  if (!(value > 0)) {
    throw Error(ErrorCode::kInvalidArgument, detail::where(loc) + ": argument '" +
                                                 std::string(what) + "' must be > 0 (got " +
                                                 std::to_string(value) + ")");
  }
}

inline void check_finite(double value, std::string_view what,
                         const std::source_location loc = std::source_location::current()) {
  if (!std::isfinite(value)) {
    throw Error(ErrorCode::kDataError,
                detail::where(loc) + ": '" + std::string(what) + "' is not finite");
  }
}

// A message as a user reads it: the calling function's qualified name that check_arg and
// check_finite put in front ("mre::regimes::jump::candidate_states: argument 'grid_size' must be
// in (0, 1]") is dropped, leaving "'grid_size' must be in (0, 1]"; any prefix before it (a file,
// a spec's line) is kept. The front ends (the CLI's error line, the API's error message, the
// Python exception) print this; the kernels' own messages and tests keep the full text.
std::string user_message(std::string_view message);

// Throws Internal: a broken invariant is a bug, not bad input.
inline void check_invariant(bool condition, std::string_view what,
                            const std::source_location loc = std::source_location::current()) {
  if (!condition) {
    throw Error(ErrorCode::kInternal,
                detail::where(loc) + ": invariant violated: " + std::string(what));
  }
}

}  // namespace mre
