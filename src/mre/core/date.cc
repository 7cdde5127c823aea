// Civil-date arithmetic. The day-count conversions use the era/day-of-era decomposition of
// the 400-year Gregorian cycle (146097 days), the standard closed form for proleptic dates.
#include "mre/core/date.h"

#include <chrono>
#include <cstdio>

#include "mre/core/check.h"

namespace mre {
namespace {

struct Ymd {
  int year;
  int month;
  int day;
};

constexpr std::int32_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;                                    // [0, 399]
  const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

constexpr Ymd civil_from_days(std::int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = yoe + era * 400;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp < 10 ? mp + 3 : mp - 9;
  return {m <= 2 ? y + 1 : y, m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

bool parse_digits(std::string_view s, int& out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return !s.empty();
}

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

}  // namespace

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

Date Date::from_ymd(int year, int month, int day) {
  check_arg(month >= 1 && month <= 12, "month", "must be in 1..12");
  check_arg(day >= 1 && day <= days_in_month(year, month), "day", "must exist in that month");
  return Date(days_from_civil(year, month, day));
}

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!parse_digits(text.substr(0, 4), y) || !parse_digits(text.substr(5, 2), m) ||
      !parse_digits(text.substr(8, 2), d)) {
    return std::nullopt;
  }
  // Year 0000 does not exist in the calendar people write dates in (1 BC is followed by AD 1).
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return Date(days_from_civil(y, m, d));
}

int Date::year() const { return civil_from_days(days_).year; }
int Date::month() const { return civil_from_days(days_).month; }
int Date::day() const { return civil_from_days(days_).day; }

Weekday Date::weekday() const {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  const int w = ((days_ % 7) + 7 + 3) % 7;
  return static_cast<Weekday>(w);
}

bool Date::is_weekend() const {
  const Weekday w = weekday();
  return w == Weekday::kSaturday || w == Weekday::kSunday;
}

void Date::write_iso(char* out) const {
  const Ymd c = civil_from_days(days_);
  int y = c.year;
  out[3] = static_cast<char>('0' + y % 10);
  y /= 10;
  out[2] = static_cast<char>('0' + y % 10);
  y /= 10;
  out[1] = static_cast<char>('0' + y % 10);
  y /= 10;
  out[0] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + c.month / 10);
  out[6] = static_cast<char>('0' + c.month % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + c.day / 10);
  out[9] = static_cast<char>('0' + c.day % 10);
}

std::string Date::iso() const {
  std::string s(10, '0');
  write_iso(s.data());
  return s;
}

Date Date::end_of_month() const {
  const Ymd c = civil_from_days(days_);
  return Date(days_from_civil(c.year, c.month, days_in_month(c.year, c.month)));
}

Date Date::start_of_month() const {
  const Ymd c = civil_from_days(days_);
  return Date(days_from_civil(c.year, c.month, 1));
}

Date Date::week_end(Weekday end) const {
  const int ahead = (static_cast<int>(end) - static_cast<int>(weekday()) + 7) % 7;
  return Date(days_ + ahead);
}

Date Date::add_months(int months) const {
  const Ymd c = civil_from_days(days_);
  const int total = c.year * 12 + (c.month - 1) + months;
  const int y = total >= 0 ? total / 12 : (total - 11) / 12;
  const int m = total - y * 12 + 1;
  const int d = std::min(c.day, days_in_month(y, m));
  return Date(days_from_civil(y, m, d));
}

Timestamp Timestamp::now() {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(since).count());
}

std::optional<Timestamp> Timestamp::parse(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  const auto date = Date::parse(text.substr(0, 10));
  if (!date) return std::nullopt;
  const std::int64_t day_micros =
      static_cast<std::int64_t>(date->days_since_epoch()) * kMicrosPerDay;
  if (text.size() == 10) return Timestamp(day_micros + kMicrosPerDay - 1);
  if (text[10] != 'T' && text[10] != ' ') return std::nullopt;
  std::string_view rest = text.substr(11);
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  int hh = 0, mm = 0, ss = 0;
  std::int64_t frac = 0;
  if (rest.size() < 5 || rest[2] != ':' || !parse_digits(rest.substr(0, 2), hh) ||
      !parse_digits(rest.substr(3, 2), mm)) {
    return std::nullopt;
  }
  rest.remove_prefix(5);
  if (!rest.empty()) {
    if (rest.size() < 3 || rest[0] != ':' || !parse_digits(rest.substr(1, 2), ss))
      return std::nullopt;
    rest.remove_prefix(3);
    if (!rest.empty()) {
      if (rest[0] != '.' || rest.size() < 2 || rest.size() > 7) return std::nullopt;
      int digits = 0;
      if (!parse_digits(rest.substr(1), digits)) return std::nullopt;
      frac = digits;
      for (std::size_t i = rest.size() - 1; i < 6; ++i) frac *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return Timestamp(day_micros + ((hh * 60LL + mm) * 60 + ss) * 1'000'000 + frac);
}

Date Timestamp::date() const {
  const std::int64_t days =
      micros_ >= 0 ? micros_ / kMicrosPerDay : (micros_ - kMicrosPerDay + 1) / kMicrosPerDay;
  return Date::from_days(static_cast<std::int32_t>(days));
}

std::string Timestamp::iso() const {
  const Date d = date();
  const std::int64_t in_day =
      micros_ - static_cast<std::int64_t>(d.days_since_epoch()) * kMicrosPerDay;
  const std::int64_t secs = in_day / 1'000'000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%06lldZ", d.iso().c_str(),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), static_cast<long long>(in_day % 1'000'000));
  return buf;
}

}  // namespace mre
