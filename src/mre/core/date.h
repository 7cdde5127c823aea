// Calendar dates (proleptic Gregorian, no time zone) and UTC timestamps.
// Date is a count of days since 1970-01-01, so arithmetic and comparison are integer ops;
// gcc 12 has no std::chrono::parse, so ISO-8601 parsing and formatting live here.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mre {

enum class Weekday { kMonday = 0, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

class Date {
 public:
  constexpr Date() = default;
  // REQUIRES: a valid calendar date (checked; throws InvalidArgument otherwise).
  static Date from_ymd(int year, int month, int day);
  static constexpr Date from_days(std::int32_t days_since_epoch) { return Date(days_since_epoch); }
  // Strict "YYYY-MM-DD"; nullopt for anything else (including impossible dates like 2023-02-30
  // and year 0000).
  static std::optional<Date> parse(std::string_view text);

  constexpr std::int32_t days_since_epoch() const { return days_; }
  int year() const;
  int month() const;  // 1..12
  int day() const;    // 1..31
  Weekday weekday() const;
  bool is_weekend() const;
  std::string iso() const;  // "YYYY-MM-DD"
  // Writes the 10 ISO characters to out (no terminator); the fast path for CSV and SQL.
  void write_iso(char* out) const;

  constexpr Date operator+(int days) const { return Date(days_ + days); }
  constexpr Date operator-(int days) const { return Date(days_ - days); }
  constexpr int operator-(Date other) const { return days_ - other.days_; }
  constexpr auto operator<=>(const Date&) const = default;

  Date end_of_month() const;
  Date start_of_month() const;
  // Last day of the Monday..Sunday week whose `week_end` weekday closes it; e.g. with kFriday,
  // Sat..Fri map to the following (or same) Friday.
  Date week_end(Weekday week_end) const;
  // Same day `months` later, clamped to month end (Jan 31 + 1 month = Feb 28/29).
  Date add_months(int months) const;

 private:
  constexpr explicit Date(std::int32_t days) : days_(days) {}
  std::int32_t days_ = 0;
};

bool is_leap_year(int year);
int days_in_month(int year, int month);

// Microseconds since 1970-01-01T00:00:00Z. Used for ingest times and as-of queries.
class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp from_micros(std::int64_t micros) { return Timestamp(micros); }
  static Timestamp now();
  // Accepts "YYYY-MM-DD" (meaning the END of that UTC day, 23:59:59.999999, so "as of a date"
  // includes everything known on it), "YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z]" and the same with a
  // space instead of 'T'. nullopt otherwise.
  static std::optional<Timestamp> parse(std::string_view text);

  constexpr std::int64_t micros() const { return micros_; }
  // Fixed width "YYYY-MM-DDTHH:MM:SS.ffffffZ": lexicographic order equals time order.
  std::string iso() const;
  Date date() const;

  constexpr auto operator<=>(const Timestamp&) const = default;

 private:
  constexpr explicit Timestamp(std::int64_t micros) : micros_(micros) {}
  std::int64_t micros_ = 0;
};

}  // namespace mre
