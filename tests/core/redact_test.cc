// The one redaction (core/redact.h): userinfo passwords with reserved characters, password and
// key parameters, and URLs with nothing to hide left as they are. Expected strings by hand.
#include "mre/core/redact.h"

#include <gtest/gtest.h>

namespace mre {
namespace {

TEST(RedactUrl, HidesAUserinfoPasswordWhateverItHolds) {
  EXPECT_EQ(redact_url("postgresql://bob:secret@host/db"), "postgresql://bob:***@host/db");
  EXPECT_EQ(redact_url("postgresql://u:p%40ss@h:5432/db"), "postgresql://u:***@h:5432/db");
  // Issue 26 case 6: raw '/', '?', '#', ':' and '@' in the password.
  EXPECT_EQ(redact_url("postgresql://u:pa/ss@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u:pa?ss@h/db?sslmode=disable"),
            "postgresql://u:***@h/db?sslmode=disable");
  EXPECT_EQ(redact_url("postgresql://u:a/b?c#d:e@f@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(redact_url("postgresql://u:p@a,b:5433/db"), "postgresql://u:***@a,b:5433/db");
  EXPECT_EQ(url_password("postgresql://u:a/b?c@h/db"), "a/b?c");
  EXPECT_EQ(url_password("postgresql://u@h/db"), "");
}

TEST(RedactUrl, HidesPasswordAndKeyParameters) {
  EXPECT_EQ(redact_url("postgresql://u@h/db?password=x&sslmode=require"),
            "postgresql://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgres://h/db?sslmode=require&Password=x"),
            "postgres://h/db?sslmode=require&Password=***");
  EXPECT_EQ(
      redact_url(
          "https://x/fred/series/observations?series_id=A&api_key=0123456789abcdef&file_type=json"),
      "https://x/fred/series/observations?series_id=A&api_key=***&file_type=json");
  EXPECT_EQ(redact_url("host=h user=u password=s3cret dbname=d"),
            "host=h user=u password=*** dbname=d");
}

TEST(RedactUrl, LeavesUrlsWithoutSecretsAlone) {
  EXPECT_EQ(redact_url("postgresql://h:5432/db"), "postgresql://h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(redact_url("/var/lib/mre/store.db"), "/var/lib/mre/store.db");
  EXPECT_EQ(redact_url("https://x/q?mypassword=1"), "https://x/q?mypassword=1");
}

}  // namespace
}  // namespace mre
