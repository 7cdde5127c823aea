// Resampling and as-of alignment: single forward passes, O(n + m).
#include "mre/core/resample.h"

#include <algorithm>
#include <cmath>

#include "mre/core/check.h"

namespace mre {

Date period_end(Date date, Frequency frequency) {
  switch (frequency) {
    case Frequency::kDaily:
      return date;
    case Frequency::kWeekly:
      return date.week_end(Weekday::kFriday);
    case Frequency::kMonthEnd:
      return date.end_of_month();
  }
  return date;
}

namespace {

Date next_period_end(Date end, Frequency frequency) {
  switch (frequency) {
    case Frequency::kDaily:
      return end + 1;
    case Frequency::kWeekly:
      return end + 7;
    case Frequency::kMonthEnd:
      return (end + 1).end_of_month();
  }
  return end + 1;
}

}  // namespace

TimeSeries resample(const TimeSeries& series, Frequency frequency, Aggregation aggregation) {
  const auto& dates = series.dates();
  const auto& values = series.values();
  std::vector<Date> out_dates;
  std::vector<double> out_values;
  if (dates.empty()) return TimeSeries(series.name(), {}, {});
  const Date last_end = period_end(dates.back(), frequency);
  std::size_t i = 0;
  for (Date end = period_end(dates.front(), frequency); end <= last_end;
       end = next_period_end(end, frequency)) {
    double sum = 0.0;
    double last = kMissing;
    std::size_t n = 0;
    for (; i < dates.size() && dates[i] <= end; ++i) {
      if (std::isnan(values[i])) continue;
      sum += values[i];
      last = values[i];
      ++n;
    }
    double v = kMissing;
    if (n > 0) {
      switch (aggregation) {
        case Aggregation::kLast:
          v = last;
          break;
        case Aggregation::kMean:
          v = sum / static_cast<double>(n);
          break;
        case Aggregation::kSum:
          v = sum;
          break;
      }
    }
    out_dates.push_back(end);
    out_values.push_back(v);
  }
  return TimeSeries(series.name(), std::move(out_dates), std::move(out_values));
}

std::vector<Date> period_grid(Date first, Date last, Frequency frequency,
                              const BusinessCalendar& calendar) {
  std::vector<Date> out;
  if (frequency == Frequency::kDaily) return calendar.business_days(first, last);
  for (Date end = period_end(first, frequency); end <= last;
       end = next_period_end(end, frequency)) {
    out.push_back(end);
  }
  return out;
}

std::vector<double> align_asof_values(const TimeSeries& series, std::span<const Date> targets,
                                      int publication_lag_days, int max_staleness_days) {
  check_arg(publication_lag_days >= 0, "publication_lag_days", "must be >= 0");
  for (std::size_t k = 1; k < targets.size(); ++k) {
    check_arg(targets[k - 1] < targets[k], "targets", "must be strictly increasing");
  }
  const auto& dates = series.dates();
  const auto& values = series.values();
  std::vector<double> out(targets.size(), kMissing);
  const std::size_t n = dates.size();
  std::size_t i = 0;           // observations [0, i) are public at the current target
  std::ptrdiff_t latest = -1;  // index of the latest present observation among them
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const Date cutoff = targets[k] - publication_lag_days;  // public iff date <= cutoff
    if (i < n && dates[i] <= cutoff) {
      // Gallop then bisect: O(m log(n/m)) when the observations are much denser than the
      // targets (daily inputs on a month-end grid), O(n + m) otherwise.
      std::size_t step = 1;
      while (i + step < n && dates[i + step] <= cutoff) step *= 2;
      const auto end = dates.begin() + static_cast<std::ptrdiff_t>(std::min(i + step, n));
      const auto begin = dates.begin() + static_cast<std::ptrdiff_t>(i + step / 2);
      const std::size_t next =
          static_cast<std::size_t>(std::upper_bound(begin, end, cutoff) - dates.begin());
      for (std::size_t j = next; j > i && static_cast<std::ptrdiff_t>(j - 1) > latest; --j) {
        if (!std::isnan(values[j - 1])) {
          latest = static_cast<std::ptrdiff_t>(j - 1);
          break;
        }
      }
      i = next;
    }
    if (latest < 0) continue;
    const Date t = targets[k];
    if (max_staleness_days >= 0 &&
        t - dates[static_cast<std::size_t>(latest)] > max_staleness_days) {
      continue;
    }
    out[k] = values[static_cast<std::size_t>(latest)];
  }
  return out;
}

TimeSeries align_asof(const TimeSeries& series, std::span<const Date> targets,
                      int publication_lag_days, int max_staleness_days) {
  return TimeSeries(series.name(), std::vector<Date>(targets.begin(), targets.end()),
                    align_asof_values(series, targets, publication_lag_days, max_staleness_days));
}

}  // namespace mre
