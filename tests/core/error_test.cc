// Tests for mre::Error's code table (CONVENTIONS.md, "Errors") and the check_* helpers'
// messages.
#include "mre/core/error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"
#include "mre/core/date.h"

namespace mre {
namespace {

struct Row {
  ErrorCode code;
  const char* name;
  int exit;
  int http;
};

// The table of CONVENTIONS.md, copied by hand.
constexpr Row kTable[] = {
    {ErrorCode::kInvalidArgument, "InvalidArgument", 1, 400},
    {ErrorCode::kDataError, "DataError", 2, 422},
    {ErrorCode::kStoreError, "StoreError", 3, 503},
    {ErrorCode::kIoError, "IoError", 3, 503},
    {ErrorCode::kNotFound, "NotFound", 4, 404},
    {ErrorCode::kUnsupported, "Unsupported", 5, 501},
    {ErrorCode::kInternal, "Internal", 70, 500},
};

TEST(Error, MapsEveryCodeToTheConventionsTable) {
  for (const Row& row : kTable) {
    EXPECT_EQ(error_code_name(row.code), row.name);
    EXPECT_EQ(exit_code(row.code), row.exit) << row.name;
    EXPECT_EQ(http_status(row.code), row.http) << row.name;
  }
}

TEST(Error, CarriesCodeAndMessage) {
  try {
    throw_error(ErrorCode::kNotFound, "no series 'X'");
  } catch (const std::runtime_error& e) {  // catchable as a standard exception
    const auto* error = dynamic_cast<const Error*>(&e);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->code(), ErrorCode::kNotFound);
    EXPECT_STREQ(e.what(), "no series 'X'");
    return;
  }
  FAIL() << "throw_error did not throw";
}

// A named function to check that check_arg reports its caller.
void set_window(int window) { check_arg(window > 1, "window", "must be > 1"); }

TEST(Check, ArgMessageNamesTheFunctionAndArgument) {
  try {
    set_window(0);
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    // The qualified function name without return type or parameters, then the argument.
    EXPECT_STREQ(e.what(), "mre::{anonymous}::set_window: argument 'window' must be > 1");
  }
  EXPECT_NO_THROW(set_window(2));
}

TEST(Check, ArgNamesAMemberFunctionOfTheLibrary) {
  // A real caller inside mre: Date::from_ymd checks its month.
  try {
    Date::from_ymd(2024, 0, 1);
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "mre::Date::from_ymd: argument 'month' must be in 1..12");
  }
}

TEST(Check, PositiveFiniteAndInvariantUseTheirCodes) {
  try {
    check_positive(0.0, "sigma");
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    const std::string what = e.what();
    EXPECT_NE(what.find("'sigma' must be > 0 (got 0"), std::string::npos) << what;
    EXPECT_NE(what.find("TestBody"), std::string::npos) << what;  // the calling function
  }
  EXPECT_THROW(check_positive(-1.0, "sigma"), Error);
  EXPECT_THROW(check_positive(std::nan(""), "sigma"), Error);  // NaN is not > 0
  EXPECT_NO_THROW(check_positive(1e-300, "sigma"));

  try {
    check_finite(std::numeric_limits<double>::infinity(), "x");
    FAIL() << "expected DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("'x' is not finite"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_finite(std::nan(""), "x"), Error);
  EXPECT_NO_THROW(check_finite(0.0, "x"));

  try {
    check_invariant(false, "rows == cols");
    FAIL() << "expected Internal";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("invariant violated: rows == cols"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(check_invariant(true, "ok"));
}

// What the front ends print: the function's qualified name dropped, any prefix kept (QA
// 2026-12-07: "spec.yml:13: jump: mre::regimes::jump::candidate_states: argument 'grid_size' ...").
TEST(UserMessage, DropsTheQualifiedFunctionNameAndKeepsTheRest) {
  EXPECT_EQ(user_message("spec.yml:13: jump: mre::regimes::jump::candidate_states: argument "
                         "'grid_size' must be in (0, 1] (got 0.000000)"),
            "spec.yml:13: jump: 'grid_size' must be in (0, 1] (got 0.000000)");
  EXPECT_EQ(user_message("data.csv: mre::regimes::jump::{anonymous}::check_config: argument "
                         "'jump_penalty' must be a finite number >= 0 (got -1.000000)"),
            "data.csv: 'jump_penalty' must be a finite number >= 0 (got -1.000000)");
  EXPECT_EQ(user_message("mre::features::z: 'x' is not finite"), "'x' is not finite");
  // Nothing to drop: unchanged (a ticker or text that merely contains "mre::" is not a name).
  for (const char* kept : {"no series 'X' in sqlite:mre.db", "see mre::docs later",
                           "namespace xmre::a: b", "mre::", "ends with mre::a:"}) {
    EXPECT_EQ(user_message(kept), kept);
  }
  try {
    check_arg(false, "window", "must be > 1 (got 0)");
  } catch (const Error& e) {
    EXPECT_EQ(user_message(e.what()), "'window' must be > 1 (got 0)");
  }
}

}  // namespace
}  // namespace mre
