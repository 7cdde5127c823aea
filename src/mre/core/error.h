// The one error type of mre, its codes, and how each code maps to a CLI exit status.
// Codes are translated at exactly three boundaries (CLI, HTTP, Python) from the table in
// exit_code()/http_status(); nothing else inspects them.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace mre {

enum class ErrorCode {
  kInvalidArgument,  // bad config or arguments
  kDataError,        // input data unusable (malformed, too short, non-finite)
  kStoreError,       // database failure
  kIoError,          // file or network failure
  kNotFound,         // a named series, version or model is absent
  kUnsupported,      // not in this build or backend
  kInternal,         // a broken invariant (a bug)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Short stable name of a code ("InvalidArgument", ...), for JSON error bodies and logs.
std::string_view error_code_name(ErrorCode code);
// CLI exit status: 1 usage, 2 bad data, 3 store/IO, 4 not found, 5 unsupported, 70 internal.
int exit_code(ErrorCode code);
// HTTP status for the API: 400, 422, 503, 404, 501, 500.
int http_status(ErrorCode code);

[[noreturn]] void throw_error(ErrorCode code, const std::string& message);

}  // namespace mre
