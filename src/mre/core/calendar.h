// Business-day calendars: weekends plus a holiday list. `us_settlement()` generates the US
// federal holidays (the Federal Reserve's and the bond market's closures) by rule for any year.
#pragma once

#include <vector>

#include "mre/core/date.h"

namespace mre {

class BusinessCalendar {
 public:
  // Weekends only.
  BusinessCalendar() = default;
  // Weekends plus the given holidays (any order; duplicates ignored).
  explicit BusinessCalendar(std::vector<Date> holidays);
  // US federal holidays with the observed-day rules (Saturday -> Friday, Sunday -> Monday),
  // for years first_year..last_year, as they were in each year: MLK Day from 1986, Monday
  // holidays from 1971 (fixed dates before), Veterans Day in October 1971-1977, Juneteenth
  // from 2021.
  static BusinessCalendar us_settlement(int first_year, int last_year);

  bool is_business_day(Date date) const;
  bool is_holiday(Date date) const;
  // The first business day on or after / on or before `date`.
  Date roll_forward(Date date) const;
  Date roll_backward(Date date) const;
  // `count` business days after (count > 0) or before (count < 0) `date`.
  Date advance(Date date, int count) const;
  // Every business day in [first, last].
  std::vector<Date> business_days(Date first, Date last) const;

 private:
  std::vector<Date> holidays_;  // sorted, unique
};

}  // namespace mre
