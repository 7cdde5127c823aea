// The error-code table of CONVENTIONS.md, in one place.
#include "mre/core/error.h"

namespace mre {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kDataError:
      return "DataError";
    case ErrorCode::kStoreError:
      return "StoreError";
    case ErrorCode::kIoError:
      return "IoError";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kUnsupported:
      return "Unsupported";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Internal";
}

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 1;
    case ErrorCode::kDataError:
      return 2;
    case ErrorCode::kStoreError:
      return 3;
    case ErrorCode::kIoError:
      return 3;
    case ErrorCode::kNotFound:
      return 4;
    case ErrorCode::kUnsupported:
      return 5;
    case ErrorCode::kInternal:
      return 70;
  }
  return 70;
}

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kDataError:
      return 422;
    case ErrorCode::kStoreError:
      return 503;
    case ErrorCode::kIoError:
      return 503;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kUnsupported:
      return 501;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

void throw_error(ErrorCode code, const std::string& message) { throw Error(code, message); }

}  // namespace mre
