// Data-quality checks on one stored series (issue 27): dates out of order or repeated, dates in
// the future, gaps longer than the series' frequency allows, values outside a robust trailing
// range, and revisions larger than a threshold. Pure functions on dates and values; staleness
// is sources::is_stale (the one rule), applied by the workflow.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "mre/core/date.h"

namespace mre::monitor {

// Dates that are not strictly after their predecessor: equal (a duplicate) or earlier (out of
// order). A store keeps one current value per date, so on stored data both stay zero; a CSV or a
// source's response can hold either.
struct DateOrderCheck {
  std::size_t duplicates = 0;
  std::size_t out_of_order = 0;
  std::optional<Date> first{};  // the first offending date
};
DateOrderCheck check_date_order(std::span<const Date> dates);

// Dates after `today` + 1 day (one day of slack for exchanges ahead of UTC, as `mre series list`
// marks them): they cannot have been observed yet (a corrupt ingest).
struct FutureDateCheck {
  std::size_t count = 0;
  std::optional<Date> first{};
  std::optional<Date> last{};
};
FutureDateCheck check_future_dates(std::span<const Date> dates, Date today);

// Consecutive dates more than `max_gap_days` calendar days apart, counted when the later date is
// on or after `since` (older gaps are history, not news). REQUIRES max_gap_days >= 1 (sorted
// dates; unsorted ones are check_date_order's business and are skipped here).
struct GapCheck {
  std::size_t gaps = 0;
  int longest_days = 0;
  std::optional<Date> longest_from{};  // the date before the longest gap
  std::optional<Date> longest_to{};
};
GapCheck check_gaps(std::span<const Date> dates, int max_gap_days, Date since);

// Robust range: each of the last `recent` values is compared with the `window` values before it,
// |x_t - median| / s with s = 1.4826 * MAD (the normal-consistent median absolute deviation,
// Hampel 1974; Rousseeuw & Croux 1993, section 1). When the MAD is zero (a rate that rarely
// moves) s falls back to 1.2533 * the mean absolute deviation from the median (also
// normal-consistent); when that is zero too, any value other than the median is outside. A value
// is outside when the score exceeds k. Values with fewer than `min_history` earlier values are
// not checked. REQUIRES window >= min_history >= 5, recent >= 1, k > 0 (InvalidArgument).
struct RangeConfig {
  int window = 252;      // trailing values the median and MAD are taken over
  int recent = 63;       // how many of the newest values are checked
  double k = 8.0;        // robust z-score beyond which a value is outside
  int min_history = 20;  // fewer earlier values: not checked
};
struct RangeCheck {
  std::size_t checked = 0;
  std::size_t outside = 0;
  std::optional<Date> first_outside{};
  double largest_score = 0.0;  // the largest robust z-score among the checked values
  std::optional<Date> largest_date{};
};
RangeCheck check_robust_range(std::span<const Date> dates, std::span<const double> values,
                              const RangeConfig& config);
// The robust score of `value` against `history` (the formula above); +infinity when the scale is
// zero and value differs from the median, 0 when it equals it. REQUIRES a non-empty history.
double robust_score(std::span<const double> history, double value);
void validate(const RangeConfig& config);

// One stored row of a series (Store::read_revisions): a date's value as written at a time.
struct StoredRow {
  Date date{};
  double value = 0.0;
  Timestamp ingested_at{};
};
// Revisions: a row that changes the value stored for its date. Its size is relative,
// |new - old| / |old| (absolute when |old| < 1e-12). Counted when ingested at or after `since`;
// large when the size exceeds `threshold`. REQUIRES rows ordered by date, then ingest time;
// threshold > 0.
struct RevisionCheck {
  std::size_t revisions = 0;  // counted revisions
  std::size_t large = 0;
  double largest = 0.0;  // relative size of the largest counted revision
  std::optional<Date> largest_date{};
  std::optional<Timestamp> largest_at{};
  std::optional<Timestamp> first_large_at{};
};
RevisionCheck check_revisions(std::span<const StoredRow> rows, double threshold, Timestamp since);

}  // namespace mre::monitor
