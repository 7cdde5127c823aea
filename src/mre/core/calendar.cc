// Business-day arithmetic and the US federal holiday rules (5 U.S.C. 6103), with their
// history: MLK Day from 1986, the Monday holidays of the 1968 Act from 1971, Juneteenth from 2021.
#include "mre/core/calendar.h"

#include <algorithm>

namespace mre {
namespace {

// The n-th (1-based) given weekday of a month; n = -1 for the last one.
Date nth_weekday(int year, int month, Weekday weekday, int n) {
  if (n > 0) {
    const Date first = Date::from_ymd(year, month, 1);
    const int ahead = (static_cast<int>(weekday) - static_cast<int>(first.weekday()) + 7) % 7;
    return first + ahead + 7 * (n - 1);
  }
  const Date last = Date::from_ymd(year, month, days_in_month(year, month));
  const int back = (static_cast<int>(last.weekday()) - static_cast<int>(weekday) + 7) % 7;
  return last - back;
}

Date observed(Date date) {
  if (date.weekday() == Weekday::kSaturday) return date - 1;
  if (date.weekday() == Weekday::kSunday) return date + 1;
  return date;
}

}  // namespace

BusinessCalendar::BusinessCalendar(std::vector<Date> holidays) : holidays_(std::move(holidays)) {
  std::sort(holidays_.begin(), holidays_.end());
  holidays_.erase(std::unique(holidays_.begin(), holidays_.end()), holidays_.end());
}

BusinessCalendar BusinessCalendar::us_settlement(int first_year, int last_year) {
  std::vector<Date> days;
  for (int y = first_year; y <= last_year; ++y) {
    days.push_back(observed(Date::from_ymd(y, 1, 1)));
    if (y >= 1986)
      days.push_back(nth_weekday(y, 1, Weekday::kMonday, 3));  // Martin Luther King Jr.
    // The Uniform Monday Holiday Act moved three holidays to Mondays from 1971.
    days.push_back(y >= 1971 ? nth_weekday(y, 2, Weekday::kMonday, 3)
                             : observed(Date::from_ymd(y, 2, 22)));  // Washington's Birthday
    days.push_back(y >= 1971 ? nth_weekday(y, 5, Weekday::kMonday, -1)
                             : observed(Date::from_ymd(y, 5, 30)));     // Memorial Day
    if (y >= 2021) days.push_back(observed(Date::from_ymd(y, 6, 19)));  // Juneteenth
    days.push_back(observed(Date::from_ymd(y, 7, 4)));
    days.push_back(nth_weekday(y, 9, Weekday::kMonday, 1));  // Labor Day
    days.push_back(y >= 1971 ? nth_weekday(y, 10, Weekday::kMonday, 2)
                             : observed(Date::from_ymd(y, 10, 12)));  // Columbus Day
    days.push_back(y >= 1971 && y <= 1977 ? nth_weekday(y, 10, Weekday::kMonday, 4)
                                          : observed(Date::from_ymd(y, 11, 11)));  // Veterans Day
    days.push_back(nth_weekday(y, 11, Weekday::kThursday, 4));                     // Thanksgiving
    days.push_back(observed(Date::from_ymd(y, 12, 25)));
  }
  // New Year's Day of the following year on a Saturday is observed on Dec 31 of last_year.
  if (const Date next = Date::from_ymd(last_year + 1, 1, 1); next.weekday() == Weekday::kSaturday) {
    days.push_back(next - 1);
  }
  return BusinessCalendar(std::move(days));
}

bool BusinessCalendar::is_holiday(Date date) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), date);
}

bool BusinessCalendar::is_business_day(Date date) const {
  return !date.is_weekend() && !is_holiday(date);
}

Date BusinessCalendar::roll_forward(Date date) const {
  while (!is_business_day(date)) date = date + 1;
  return date;
}

Date BusinessCalendar::roll_backward(Date date) const {
  while (!is_business_day(date)) date = date - 1;
  return date;
}

Date BusinessCalendar::advance(Date date, int count) const {
  const int step = count >= 0 ? 1 : -1;
  for (int left = count >= 0 ? count : -count; left > 0;) {
    date = date + step;
    if (is_business_day(date)) --left;
  }
  return date;
}

std::vector<Date> BusinessCalendar::business_days(Date first, Date last) const {
  std::vector<Date> out;
  // Walk the sorted holidays alongside the days instead of searching for each day.
  auto holiday = std::lower_bound(holidays_.begin(), holidays_.end(), first);
  for (Date d = first; d <= last; d = d + 1) {
    while (holiday != holidays_.end() && *holiday < d) ++holiday;
    if (d.is_weekend() || (holiday != holidays_.end() && *holiday == d)) continue;
    out.push_back(d);
  }
  return out;
}

}  // namespace mre
