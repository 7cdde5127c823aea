// Data-quality checks on one series: see series_checks.h for the rules and citations.
#include "mre/monitor/series_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mre/core/check.h"

namespace mre::monitor {

DateOrderCheck check_date_order(std::span<const Date> dates) {
  DateOrderCheck out;
  for (std::size_t i = 1; i < dates.size(); ++i) {
    if (dates[i] == dates[i - 1]) {
      ++out.duplicates;
    } else if (dates[i] < dates[i - 1]) {
      ++out.out_of_order;
    } else {
      continue;
    }
    if (!out.first) out.first = dates[i];
  }
  return out;
}

FutureDateCheck check_future_dates(std::span<const Date> dates, Date today) {
  FutureDateCheck out;
  for (const Date d : dates) {
    if (d - today <= 1) continue;
    ++out.count;
    if (!out.first || d < *out.first) out.first = d;
    if (!out.last || d > *out.last) out.last = d;
  }
  return out;
}

GapCheck check_gaps(std::span<const Date> dates, int max_gap_days, Date since) {
  check_arg(max_gap_days >= 1, "max_gap_days", "must be >= 1");
  GapCheck out;
  for (std::size_t i = 1; i < dates.size(); ++i) {
    if (dates[i] < since || dates[i] <= dates[i - 1]) continue;
    const int gap = dates[i] - dates[i - 1];
    if (gap <= max_gap_days) continue;
    ++out.gaps;
    if (gap > out.longest_days) {
      out.longest_days = gap;
      out.longest_from = dates[i - 1];
      out.longest_to = dates[i];
    }
  }
  return out;
}

void validate(const RangeConfig& config) {
  check_arg(config.min_history >= 5, "range min_history", "must be >= 5");
  check_arg(config.window >= config.min_history, "range window",
            "must be >= the minimum history (" + std::to_string(config.min_history) + ")");
  check_arg(config.recent >= 1, "range recent", "must be >= 1");
  check_arg(std::isfinite(config.k) && config.k > 0, "range k", "must be a finite number > 0");
}

namespace {

double median_of(std::vector<double>& v) {
  const std::size_t n = v.size();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(v.begin(), mid, v.end());
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), mid);
  return (lower + upper) / 2.0;
}

}  // namespace

double robust_score(std::span<const double> history, double value) {
  check_arg(!history.empty(), "history", "must not be empty");
  std::vector<double> v(history.begin(), history.end());
  const double median = median_of(v);
  double mean_abs = 0.0;
  for (auto& x : v) {
    x = std::abs(x - median);
    mean_abs += x;
  }
  mean_abs /= static_cast<double>(v.size());
  double scale = 1.4826 * median_of(v);
  if (!(scale > 0)) scale = 1.2533 * mean_abs;
  const double distance = std::abs(value - median);
  if (!(scale > 0)) return distance > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return distance / scale;
}

RangeCheck check_robust_range(std::span<const Date> dates, std::span<const double> values,
                              const RangeConfig& config) {
  validate(config);
  check_arg(dates.size() == values.size(), "values", "need one value per date");
  RangeCheck out;
  const std::size_t n = values.size();
  const std::size_t recent = std::min<std::size_t>(n, static_cast<std::size_t>(config.recent));
  for (std::size_t t = n - recent; t < n; ++t) {
    const std::size_t available = std::min<std::size_t>(t, static_cast<std::size_t>(config.window));
    if (available < static_cast<std::size_t>(config.min_history)) continue;
    ++out.checked;
    const double score = robust_score(values.subspan(t - available, available), values[t]);
    if (score > out.largest_score || !out.largest_date) {
      out.largest_score = score;
      out.largest_date = dates[t];
    }
    if (score > config.k) {
      ++out.outside;
      if (!out.first_outside) out.first_outside = dates[t];
    }
  }
  return out;
}

RevisionCheck check_revisions(std::span<const StoredRow> rows, double threshold, Timestamp since) {
  check_arg(std::isfinite(threshold) && threshold > 0, "revision threshold",
            "must be a finite number > 0");
  RevisionCheck out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const StoredRow& previous = rows[i - 1];
    const StoredRow& row = rows[i];
    if (row.date != previous.date || row.value == previous.value) continue;
    if (row.ingested_at < since) continue;
    ++out.revisions;
    const double base = std::abs(previous.value);
    const double size = std::abs(row.value - previous.value) / (base < 1e-12 ? 1.0 : base);
    if (size > out.largest) {
      out.largest = size;
      out.largest_date = row.date;
      out.largest_at = row.ingested_at;
    }
    if (size > threshold) {
      ++out.large;
      if (!out.first_large_at || row.ingested_at < *out.first_large_at)
        out.first_large_at = row.ingested_at;
    }
  }
  return out;
}

}  // namespace mre::monitor
