// Tests for mre::Date and mre::Timestamp: civil-date conversions, ISO parsing and formatting,
// month and week arithmetic, and the fixed-width timestamp format.
#include "mre/core/date.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "mre/core/error.h"

namespace mre {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

// The textbook leap rule, written independently of mre::is_leap_year.
bool reference_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int reference_days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && reference_leap(year) ? 29 : kDays[month - 1];
}

TEST(Date, RoundTripsEveryDayFrom1900To2100AgainstACounter) {
  // 1900-01-01 is 25567 days before 1970-01-01: 70 years of 365 days plus the 17 leap days
  // 1904, 1908, ..., 1968 (1900 is not a leap year) = 25550 + 17.
  std::int32_t counter = -25567;
  // 1900-01-01 was a Monday (index 0); the weekday advances by one per day.
  int weekday = 0;
  for (int year = 1900; year <= 2100; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= reference_days_in_month(year, month); ++day) {
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
        const Date date = ymd(year, month, day);
        ASSERT_EQ(date.days_since_epoch(), counter) << text;
        ASSERT_EQ(date.iso(), text);
        const auto parsed = Date::parse(text);
        ASSERT_TRUE(parsed.has_value()) << text;
        ASSERT_EQ(*parsed, date) << text;
        ASSERT_EQ(Date::from_days(counter), date) << text;
        ASSERT_EQ(date.year(), year) << text;
        ASSERT_EQ(date.month(), month) << text;
        ASSERT_EQ(date.day(), day) << text;
        ASSERT_EQ(static_cast<int>(date.weekday()), weekday) << text;
        char buffer[10];
        date.write_iso(buffer);
        ASSERT_EQ(std::string(buffer, 10), text);
        ++counter;
        weekday = (weekday + 1) % 7;
      }
    }
  }
  // 201 years: 201 * 365 + 49 leap days (1904..2096 is 49 years divisible by 4; 2000 is leap,
  // 1900 and 2100 are not) = 73414 days counted.
  EXPECT_EQ(counter, -25567 + 73414);
}

TEST(Date, ParsesIsoAndRejectsImpossibleDates) {
  ASSERT_TRUE(Date::parse("2024-02-29").has_value());
  EXPECT_EQ(*Date::parse("2024-02-29"), ymd(2024, 2, 29));
  EXPECT_EQ(Date::parse("2023-02-29"), std::nullopt);  // 2023 is not a leap year
  EXPECT_EQ(Date::parse("2023-02-30"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-04-31"), std::nullopt);  // April has 30 days
  EXPECT_EQ(Date::parse("2024-13-01"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-00-10"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-01-00"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-1-01"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-01-1"), std::nullopt);
  EXPECT_EQ(Date::parse(""), std::nullopt);
  EXPECT_EQ(Date::parse("2024/01/01"), std::nullopt);
  EXPECT_EQ(Date::parse("20240101"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-01-01 "), std::nullopt);
  EXPECT_EQ(Date::parse(" 2024-01-01"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-01-0a"), std::nullopt);
  EXPECT_EQ(Date::parse("+024-01-01"), std::nullopt);
  EXPECT_EQ(Date::parse("2024-01-01T00:00"), std::nullopt);
}

TEST(Date, FromYmdThrowsInvalidArgumentForImpossibleDates) {
  EXPECT_THROW(ymd(2023, 2, 29), Error);
  try {
    ymd(2024, 13, 1);
    FAIL() << "expected an exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("mre::Date::from_ymd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'month'"), std::string::npos) << e.what();
  }
  try {
    ymd(2024, 4, 31);
    FAIL() << "expected an exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'day'"), std::string::npos) << e.what();
  }
}

TEST(Date, KnowsLeapYearsAndMonthLengths) {
  EXPECT_TRUE(is_leap_year(2000));   // divisible by 400
  EXPECT_FALSE(is_leap_year(1900));  // divisible by 100, not by 400
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_FALSE(is_leap_year(2023));
  EXPECT_FALSE(is_leap_year(2100));
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2023, 2), 28);
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2024, 4), 30);
  EXPECT_EQ(days_in_month(2024, 12), 31);
}

TEST(Date, WeekdayOfKnownDates) {
  EXPECT_EQ(ymd(1970, 1, 1).weekday(), Weekday::kThursday);
  EXPECT_EQ(ymd(2024, 1, 1).weekday(), Weekday::kMonday);
  EXPECT_EQ(ymd(2000, 1, 1).weekday(), Weekday::kSaturday);
  EXPECT_EQ(ymd(1969, 12, 31).weekday(), Weekday::kWednesday);  // before the epoch
  EXPECT_EQ(ymd(1900, 1, 1).weekday(), Weekday::kMonday);
  EXPECT_TRUE(ymd(2024, 1, 6).is_weekend());   // Saturday
  EXPECT_TRUE(ymd(2024, 1, 7).is_weekend());   // Sunday
  EXPECT_FALSE(ymd(2024, 1, 5).is_weekend());  // Friday
  EXPECT_FALSE(ymd(2024, 1, 8).is_weekend());  // Monday
}

TEST(Date, ArithmeticIsInDays) {
  EXPECT_EQ(ymd(2024, 2, 28) + 1, ymd(2024, 2, 29));
  EXPECT_EQ(ymd(2024, 2, 29) + 1, ymd(2024, 3, 1));
  EXPECT_EQ(ymd(2024, 3, 1) - 1, ymd(2024, 2, 29));
  EXPECT_EQ(ymd(2025, 1, 1) - ymd(2024, 1, 1), 366);
  EXPECT_LT(ymd(2023, 12, 31), ymd(2024, 1, 1));
  EXPECT_EQ(Date().iso(), "1970-01-01");
}

TEST(Date, EndAndStartOfMonthIncludingLeapFebruary) {
  EXPECT_EQ(ymd(2024, 2, 10).end_of_month(), ymd(2024, 2, 29));
  EXPECT_EQ(ymd(2023, 2, 10).end_of_month(), ymd(2023, 2, 28));
  EXPECT_EQ(ymd(1900, 2, 1).end_of_month(), ymd(1900, 2, 28));
  EXPECT_EQ(ymd(2000, 2, 1).end_of_month(), ymd(2000, 2, 29));
  EXPECT_EQ(ymd(2024, 4, 30).end_of_month(), ymd(2024, 4, 30));
  EXPECT_EQ(ymd(2024, 12, 1).end_of_month(), ymd(2024, 12, 31));
  EXPECT_EQ(ymd(2024, 2, 29).start_of_month(), ymd(2024, 2, 1));
  EXPECT_EQ(ymd(2024, 1, 1).start_of_month(), ymd(2024, 1, 1));
}

TEST(Date, WeekEndMapsSaturdayThroughFridayToThatFriday) {
  // 2024-01-06 is a Saturday; its Saturday..Friday week closes on Friday 2024-01-12.
  for (int offset = 0; offset < 7; ++offset) {
    EXPECT_EQ((ymd(2024, 1, 6) + offset).week_end(Weekday::kFriday), ymd(2024, 1, 12))
        << (ymd(2024, 1, 6) + offset).iso();
  }
  EXPECT_EQ(ymd(2024, 1, 13).week_end(Weekday::kFriday), ymd(2024, 1, 19));
  // Across a year end: Saturday 2024-12-28 -> Friday 2025-01-03.
  EXPECT_EQ(ymd(2024, 12, 28).week_end(Weekday::kFriday), ymd(2025, 1, 3));
  // With Sunday as the week end, Monday..Sunday weeks.
  EXPECT_EQ(ymd(2024, 1, 1).week_end(Weekday::kSunday), ymd(2024, 1, 7));
  EXPECT_EQ(ymd(2024, 1, 7).week_end(Weekday::kSunday), ymd(2024, 1, 7));
}

TEST(Date, AddMonthsClampsToMonthEnd) {
  EXPECT_EQ(ymd(2024, 1, 31).add_months(1), ymd(2024, 2, 29));
  EXPECT_EQ(ymd(2023, 1, 31).add_months(1), ymd(2023, 2, 28));
  EXPECT_EQ(ymd(2024, 3, 31).add_months(-1), ymd(2024, 2, 29));
  EXPECT_EQ(ymd(2024, 2, 29).add_months(12), ymd(2025, 2, 28));
  EXPECT_EQ(ymd(2024, 1, 15).add_months(-13), ymd(2022, 12, 15));
  EXPECT_EQ(ymd(2024, 11, 30).add_months(3), ymd(2025, 2, 28));
  EXPECT_EQ(ymd(2024, 5, 31).add_months(0), ymd(2024, 5, 31));
  EXPECT_EQ(ymd(2024, 1, 10).add_months(-24), ymd(2022, 1, 10));
}

TEST(Timestamp, DateAloneMeansTheEndOfThatDay) {
  const auto ts = Timestamp::parse("2026-11-22");
  ASSERT_TRUE(ts.has_value());
  const std::int64_t day = ymd(2026, 11, 22).days_since_epoch();
  EXPECT_EQ(ts->micros(), (day + 1) * kMicrosPerDay - 1);
  EXPECT_EQ(ts->iso(), "2026-11-22T23:59:59.999999Z");
  EXPECT_EQ(ts->date(), ymd(2026, 11, 22));
}

TEST(Timestamp, ParsesTimeOfDayWithOptionalSecondsFractionAndZ) {
  const std::int64_t day = ymd(2026, 11, 22).days_since_epoch();
  // 03:04:05 = (3 * 60 + 4) * 60 + 5 = 11045 seconds.
  const std::int64_t at_030405 = day * kMicrosPerDay + 11045LL * 1'000'000;
  const auto z = Timestamp::parse("2026-11-22T03:04:05Z");
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(z->micros(), at_030405);
  EXPECT_EQ(z->iso(), "2026-11-22T03:04:05.000000Z");

  const auto no_z = Timestamp::parse("2026-11-22T03:04:05");
  ASSERT_TRUE(no_z.has_value());
  EXPECT_EQ(no_z->micros(), at_030405);

  const auto space_fraction = Timestamp::parse("2026-11-22 03:04:05.5");
  ASSERT_TRUE(space_fraction.has_value());
  EXPECT_EQ(space_fraction->micros(), at_030405 + 500'000);  // .5 s = 500000 us
  EXPECT_EQ(space_fraction->iso(), "2026-11-22T03:04:05.500000Z");

  const auto micros = Timestamp::parse("2026-11-22T03:04:05.000123Z");
  ASSERT_TRUE(micros.has_value());
  EXPECT_EQ(micros->micros(), at_030405 + 123);

  const auto minutes = Timestamp::parse("2026-11-22T03:04");
  ASSERT_TRUE(minutes.has_value());
  EXPECT_EQ(minutes->micros(), at_030405 - 5'000'000);

  const auto midnight = Timestamp::parse("1970-01-01T00:00:00Z");
  ASSERT_TRUE(midnight.has_value());
  EXPECT_EQ(midnight->micros(), 0);
}

TEST(Timestamp, RejectsMalformedText) {
  for (const char* text :
       {"", "2026-11", "2026-11-31", "2026-11-22X03:04:05", "2026-11-22T", "2026-11-22T3:04:05",
        "2026-11-22T03:4:05", "2026-11-22T24:00:00", "2026-11-22T23:60:00", "2026-11-22T23:59:60",
        "2026-11-22T03:04:05.", "2026-11-22T03:04:05.1234567", "2026-11-22T03:04:05ZZ",
        "2026-11-22T03:04:05+01:00", "2026-11-22T03:04:5", "2026-11-22T03:04:05.5x",
        "2026/11/22 03:04:05", "2026-11-22 "}) {
    EXPECT_EQ(Timestamp::parse(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(Timestamp, IsoIsFixedWidthAndSortsLikeTime) {
  // Random instants between 1000-01-01 and 9999-12-31 (four-digit years), plus the edges
  // around the epoch where the floor division for negative micros matters.
  const std::int64_t lo =
      static_cast<std::int64_t>(ymd(1000, 1, 1).days_since_epoch()) * kMicrosPerDay;
  const std::int64_t hi =
      static_cast<std::int64_t>(ymd(9999, 12, 31).days_since_epoch()) * kMicrosPerDay;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> pick(lo, hi);
  std::vector<std::int64_t> micros = {-1, 0, 1, kMicrosPerDay - 1, kMicrosPerDay, -kMicrosPerDay};
  for (int i = 0; i < 2000; ++i) micros.push_back(pick(rng));
  std::sort(micros.begin(), micros.end());
  std::vector<std::string> texts;
  for (const auto m : micros) {
    const Timestamp ts = Timestamp::from_micros(m);
    const std::string text = ts.iso();
    ASSERT_EQ(text.size(), 27u) << text;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    // The text parses back to the same instant.
    const auto back = Timestamp::parse(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(back->micros(), m) << text;
    texts.push_back(text);
  }
  EXPECT_TRUE(std::is_sorted(texts.begin(), texts.end()));
  EXPECT_EQ(Timestamp::from_micros(-1).iso(), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp::from_micros(-1).date(), ymd(1969, 12, 31));
}

TEST(Timestamp, NowIsAfter2024) {
  // A sanity bound, not a timing test: the clock is past 2024-01-01.
  EXPECT_GT(Timestamp::now(), *Timestamp::parse("2024-01-01"));
}

}  // namespace
}  // namespace mre
