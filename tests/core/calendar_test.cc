// Tests for mre::BusinessCalendar: the US federal holiday rules (5 U.S.C. 6103, with the
// OPM observed-day rules) and business-day arithmetic.
#include "mre/core/calendar.h"

#include <gtest/gtest.h>

#include <vector>

namespace mre {
namespace {

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

TEST(BusinessCalendar, KnowsThe2024FederalHolidays) {
  const auto calendar = BusinessCalendar::us_settlement(2024, 2024);
  // Dates from the OPM 2024 federal holiday schedule (opm.gov, "2024 Holiday Schedules").
  const std::vector<Date> holidays = {
      ymd(2024, 1, 1),    // New Year's Day (Monday)
      ymd(2024, 1, 15),   // Martin Luther King Jr. Day: third Monday of January
      ymd(2024, 2, 19),   // Washington's Birthday: third Monday of February
      ymd(2024, 5, 27),   // Memorial Day: last Monday of May
      ymd(2024, 6, 19),   // Juneteenth (Wednesday)
      ymd(2024, 7, 4),    // Independence Day (Thursday)
      ymd(2024, 9, 2),    // Labor Day: first Monday of September
      ymd(2024, 10, 14),  // Columbus Day: second Monday of October
      ymd(2024, 11, 11),  // Veterans Day (Monday)
      ymd(2024, 11, 28),  // Thanksgiving: fourth Thursday of November
      ymd(2024, 12, 25),  // Christmas Day (Wednesday)
  };
  for (const Date d : holidays) {
    EXPECT_TRUE(calendar.is_holiday(d)) << d.iso();
    EXPECT_FALSE(calendar.is_business_day(d)) << d.iso();
  }
  // Exactly these eleven weekdays of 2024 are holidays: every other weekday is a business day.
  // 2024 has 366 days starting on a Monday: 52 full weeks (260 weekdays) plus Mon 30 and
  // Tue 31 December = 262 weekdays; minus 11 holidays = 251 business days.
  int holiday_count = 0;
  for (Date d = ymd(2024, 1, 1); d <= ymd(2024, 12, 31); d = d + 1) {
    if (calendar.is_holiday(d)) ++holiday_count;
  }
  EXPECT_EQ(holiday_count, 11);
  EXPECT_EQ(calendar.business_days(ymd(2024, 1, 1), ymd(2024, 12, 31)).size(), 251u);
  // The day after Thanksgiving and Christmas Eve are ordinary business days.
  EXPECT_TRUE(calendar.is_business_day(ymd(2024, 11, 29)));
  EXPECT_TRUE(calendar.is_business_day(ymd(2024, 12, 24)));
}

TEST(BusinessCalendar, MovesSaturdayHolidaysToFridayAndSundayHolidaysToMonday) {
  const auto calendar = BusinessCalendar::us_settlement(2020, 2023);
  // Christmas 2021 fell on a Saturday: observed Friday 2021-12-24.
  EXPECT_TRUE(calendar.is_holiday(ymd(2021, 12, 24)));
  EXPECT_FALSE(calendar.is_holiday(ymd(2021, 12, 27)));
  // Christmas 2022 fell on a Sunday: observed Monday 2022-12-26.
  EXPECT_TRUE(calendar.is_holiday(ymd(2022, 12, 26)));
  EXPECT_FALSE(calendar.is_holiday(ymd(2022, 12, 23)));
  // Independence Day 2020 was a Saturday: observed Friday 2020-07-03.
  EXPECT_TRUE(calendar.is_holiday(ymd(2020, 7, 3)));
  // Juneteenth 2022 was a Sunday: observed Monday 2022-06-20.
  EXPECT_TRUE(calendar.is_holiday(ymd(2022, 6, 20)));
  // New Year's Day 2022 was a Saturday: observed Friday 2021-12-31.
  EXPECT_TRUE(calendar.is_holiday(ymd(2021, 12, 31)));
  // Veterans Day 2023 was a Saturday: observed Friday 2023-11-10.
  EXPECT_TRUE(calendar.is_holiday(ymd(2023, 11, 10)));
}

TEST(BusinessCalendar, JuneteenthOnlyFrom2021) {
  const auto calendar = BusinessCalendar::us_settlement(2019, 2021);
  EXPECT_FALSE(calendar.is_holiday(ymd(2020, 6, 19)));  // a Friday, before the 2021 law
  EXPECT_TRUE(calendar.is_holiday(ymd(2021, 6, 18)));   // 2021-06-19 Saturday -> Friday
}

TEST(BusinessCalendar, HolidaysDoNotDependOnTheRequestedYearRange) {
  // New Year's Day 2022 (a Saturday) is observed on Friday 2021-12-31: that day belongs to the
  // calendar of 2021 even when 2022 is not requested. Same in 2010 and 2027.
  const auto one_year = BusinessCalendar::us_settlement(2021, 2021);
  const auto two_years = BusinessCalendar::us_settlement(2021, 2022);
  EXPECT_TRUE(two_years.is_holiday(ymd(2021, 12, 31)));
  EXPECT_TRUE(one_year.is_holiday(ymd(2021, 12, 31)));
}

TEST(BusinessCalendar, CountsBusinessDaysOfNovember2024ByHand) {
  const auto calendar = BusinessCalendar::us_settlement(2024, 2024);
  // November 2024: Friday 1st, then full weeks Mon 4..Fri 8, 11..15, 18..22, 25..29 give
  // 1 + 4 * 5 = 21 weekdays; minus Veterans Day (Mon 11th) and Thanksgiving (Thu 28th) = 19.
  const auto days = calendar.business_days(ymd(2024, 11, 1), ymd(2024, 11, 30));
  ASSERT_EQ(days.size(), 19u);
  EXPECT_EQ(days.front(), ymd(2024, 11, 1));
  EXPECT_EQ(days.back(), ymd(2024, 11, 29));
  for (const Date d : days) {
    EXPECT_FALSE(d.is_weekend()) << d.iso();
    EXPECT_NE(d, ymd(2024, 11, 11));
    EXPECT_NE(d, ymd(2024, 11, 28));
  }
  // An empty and a one-day range.
  EXPECT_TRUE(calendar.business_days(ymd(2024, 11, 2), ymd(2024, 11, 3)).empty());  // Sat, Sun
  EXPECT_TRUE(calendar.business_days(ymd(2024, 11, 5), ymd(2024, 11, 4)).empty());  // reversed
  EXPECT_EQ(calendar.business_days(ymd(2024, 11, 4), ymd(2024, 11, 4)).size(), 1u);
}

TEST(BusinessCalendar, AdvancesAndRollsOverWeekendsAndHolidays) {
  const auto calendar = BusinessCalendar::us_settlement(2024, 2024);
  // Wed 2024-11-27 + 1 skips Thanksgiving (Thu 28th): Fri 29th.
  EXPECT_EQ(calendar.advance(ymd(2024, 11, 27), 1), ymd(2024, 11, 29));
  EXPECT_EQ(calendar.advance(ymd(2024, 11, 29), -1), ymd(2024, 11, 27));
  // Fri 2024-11-29 + 1 skips the weekend: Mon 2024-12-02; + 5 = Fri 2024-12-06.
  EXPECT_EQ(calendar.advance(ymd(2024, 11, 29), 1), ymd(2024, 12, 2));
  EXPECT_EQ(calendar.advance(ymd(2024, 11, 29), 5), ymd(2024, 12, 6));
  // Tue 2024-12-24 + 1 skips Christmas: Thu 2024-12-26.
  EXPECT_EQ(calendar.advance(ymd(2024, 12, 24), 1), ymd(2024, 12, 26));
  // From a non-business day: Sat 2024-08-31 + 1 skips Sunday and Labor Day (Mon 2 Sep): Tue 3.
  EXPECT_EQ(calendar.advance(ymd(2024, 8, 31), 1), ymd(2024, 9, 3));
  // Zero steps stays put, even on a holiday.
  EXPECT_EQ(calendar.advance(ymd(2024, 12, 25), 0), ymd(2024, 12, 25));

  EXPECT_EQ(calendar.roll_forward(ymd(2024, 11, 28)), ymd(2024, 11, 29));
  EXPECT_EQ(calendar.roll_forward(ymd(2024, 8, 31)), ymd(2024, 9, 3));    // Sat, Sun, Labor Day
  EXPECT_EQ(calendar.roll_forward(ymd(2024, 9, 4)), ymd(2024, 9, 4));     // already a business day
  EXPECT_EQ(calendar.roll_backward(ymd(2024, 9, 2)), ymd(2024, 8, 30));   // Labor Day -> Fri
  EXPECT_EQ(calendar.roll_backward(ymd(2024, 1, 15)), ymd(2024, 1, 12));  // MLK Day -> Fri
  EXPECT_EQ(calendar.roll_backward(ymd(2024, 9, 4)), ymd(2024, 9, 4));
}

TEST(BusinessCalendar, DefaultCalendarSkipsWeekendsOnly) {
  const BusinessCalendar weekends;
  EXPECT_TRUE(weekends.is_business_day(ymd(2024, 12, 25)));   // no holidays
  EXPECT_FALSE(weekends.is_business_day(ymd(2024, 12, 28)));  // Saturday
  EXPECT_FALSE(weekends.is_holiday(ymd(2024, 12, 28)));       // a weekend is not a holiday
  EXPECT_EQ(weekends.advance(ymd(2024, 12, 27), 1), ymd(2024, 12, 30));
}

TEST(BusinessCalendar, CustomHolidaysInAnyOrderWithDuplicates) {
  const BusinessCalendar calendar(
      {ymd(2024, 3, 14), ymd(2024, 3, 12), ymd(2024, 3, 14), ymd(2024, 3, 13)});
  EXPECT_TRUE(calendar.is_holiday(ymd(2024, 3, 12)));
  EXPECT_TRUE(calendar.is_holiday(ymd(2024, 3, 13)));
  EXPECT_TRUE(calendar.is_holiday(ymd(2024, 3, 14)));
  EXPECT_FALSE(calendar.is_holiday(ymd(2024, 3, 15)));
  // Mon 11 -> (Tue..Thu are holidays) -> Fri 15.
  EXPECT_EQ(calendar.advance(ymd(2024, 3, 11), 1), ymd(2024, 3, 15));
  EXPECT_EQ(calendar.business_days(ymd(2024, 3, 11), ymd(2024, 3, 17)).size(), 2u);
}

}  // namespace
}  // namespace mre
