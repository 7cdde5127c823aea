// Resampling to lower frequencies, and as-of alignment that respects publication lags.
#pragma once

#include <span>

#include "mre/core/calendar.h"
#include "mre/core/time_series.h"

namespace mre {

enum class Frequency { kDaily, kWeekly, kMonthEnd };
enum class Aggregation { kLast, kMean, kSum };

// Period label of `date` at `frequency`: the date itself (daily), the Friday closing its
// Saturday..Friday week (weekly), the last calendar day of its month (month-end).
Date period_end(Date date, Frequency frequency);

// One observation per period from the first to the last period holding data, labelled by
// period_end(). NaN inputs are ignored; a period with no present value is NaN (also for kSum:
// "no data" is not zero). kLast takes the last present value in the period.
TimeSeries resample(const TimeSeries& series, Frequency frequency, Aggregation aggregation);

// The target dates of a frequency between first and last: business days of `calendar`
// (daily), Fridays (weekly), month ends (month-end).
std::vector<Date> period_grid(Date first, Date last, Frequency frequency,
                              const BusinessCalendar& calendar);

// As-of alignment. The value at target date t is the last present observation whose date plus
// `publication_lag_days` is <= t, i.e. the latest value that was public at t; NaN when none.
// With max_staleness_days >= 0, an observation older than that (by its own date) is NaN too.
// REQUIRES: targets strictly increasing; publication_lag_days >= 0.
TimeSeries align_asof(const TimeSeries& series, std::span<const Date> targets,
                      int publication_lag_days, int max_staleness_days = -1);
// The same, values only (one per target): for callers that already hold the targets.
std::vector<double> align_asof_values(const TimeSeries& series, std::span<const Date> targets,
                                      int publication_lag_days, int max_staleness_days = -1);

}  // namespace mre
