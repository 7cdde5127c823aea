// Data-quality checks (monitor/series_checks.h) on constructed series: each fires where it must
// and stays quiet on clean data.
#include "mre/monitor/series_checks.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mre/core/error.h"

namespace mre::monitor {
namespace {

Date d(const char* iso) { return *Date::parse(iso); }

std::vector<Date> business_days(Date from, int count) {
  std::vector<Date> out;
  for (Date x = from; static_cast<int>(out.size()) < count; x = x + 1) {
    const int weekday = (x.days_since_epoch() + 4) % 7;  // 1970-01-01 was a Thursday (4)
    if (weekday != 0 && weekday != 6) out.push_back(x);
  }
  return out;
}

TEST(SeriesChecks, DuplicateAndOutOfOrderDates) {
  const std::vector<Date> clean{d("2026-01-02"), d("2026-01-05"), d("2026-01-06")};
  EXPECT_EQ(check_date_order(clean).duplicates, 0u);
  EXPECT_FALSE(check_date_order(clean).first);
  const std::vector<Date> bad{d("2026-01-02"), d("2026-01-05"), d("2026-01-05"), d("2026-01-03")};
  const auto r = check_date_order(bad);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(*r.first, d("2026-01-05"));
}

TEST(SeriesChecks, FutureDates) {
  // The live ingest of issue 26 stored dates in the year 8857.
  const std::vector<Date> bad{d("2026-11-30"), d("2026-12-01"), Date::from_ymd(8857, 3, 1)};
  const auto r = check_future_dates(bad, d("2026-12-01"));
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(*r.first, Date::from_ymd(8857, 3, 1));
  // Tomorrow is allowed (exchanges ahead of UTC); the day after is not.
  EXPECT_EQ(check_future_dates(std::vector<Date>{d("2026-12-02")}, d("2026-12-01")).count, 0u);
  EXPECT_EQ(check_future_dates(std::vector<Date>{d("2026-12-03")}, d("2026-12-01")).count, 1u);
}

TEST(SeriesChecks, GapsLongerThanTheFrequencyAllows) {
  auto dates = business_days(d("2026-01-01"), 200);
  EXPECT_EQ(check_gaps(dates, 4, d("2026-01-01")).gaps, 0u);  // weekends (3 days) pass
  dates.erase(dates.begin() + 100, dates.begin() + 110);      // two weeks missing
  const auto r = check_gaps(dates, 4, d("2026-01-01"));
  EXPECT_EQ(r.gaps, 1u);
  EXPECT_EQ(r.longest_days,
            15);  // ten business days missing: two calendar weeks plus the one-day step
  EXPECT_EQ(*r.longest_to - *r.longest_from, 15);
  // A gap before `since` is history: not counted.
  EXPECT_EQ(check_gaps(dates, 4, *r.longest_to + 1).gaps, 0u);
  EXPECT_THROW(check_gaps(dates, 0, d("2026-01-01")), Error);
}

TEST(SeriesChecks, RobustRangeByHand) {
  // History 1..9: median 5, |x - 5| = 4,3,2,1,0,1,2,3,4, MAD 2, s = 2.9652.
  const std::vector<double> history{1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_NEAR(robust_score(history, 5 + 2.9652 * 3), 3.0, 1e-12);
  // A rate that never moves: MAD and mean absolute deviation are 0; any move is outside.
  const std::vector<double> flat(30, 0.0);
  EXPECT_TRUE(std::isinf(robust_score(flat, 0.25)));
  EXPECT_EQ(robust_score(flat, 0.0), 0.0);
  // MAD 0 but some variation: the mean absolute deviation scale.
  std::vector<double> rare(20, 0.0);
  rare[3] = 1.0;
  EXPECT_NEAR(robust_score(rare, 1.0), 1.0 / (1.2533 * 0.05), 1e-12);
}

TEST(SeriesChecks, RobustRangeFiresOnASpikeAndStaysQuietOnNoise) {
  const auto dates = business_days(d("2025-01-01"), 400);
  std::vector<double> values(400);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = std::sin(0.7 * static_cast<double>(i)) + 0.01 * static_cast<double>(i % 7);
  const RangeConfig config{.window = 252, .recent = 63, .k = 8.0};
  const auto quiet = check_robust_range(dates, values, config);
  EXPECT_EQ(quiet.checked, 63u);
  EXPECT_EQ(quiet.outside, 0u);
  values[390] = 50.0;  // a corrupt value
  const auto loud = check_robust_range(dates, values, config);
  EXPECT_EQ(loud.outside, 1u);
  EXPECT_EQ(*loud.first_outside, dates[390]);
  EXPECT_EQ(*loud.largest_date, dates[390]);
  // Too little history: values with fewer than min_history earlier values are not checked.
  const auto short_series =
      check_robust_range(std::span(dates).first(25), std::span(values).first(25), config);
  EXPECT_EQ(short_series.checked, 5u);
  EXPECT_THROW(check_robust_range(dates, values, {.window = 252, .recent = 63, .k = -1.0}), Error);
  EXPECT_THROW(check_robust_range(dates, values, {.window = 3, .recent = 63, .k = 8.0}), Error);
}

TEST(SeriesChecks, RevisionSpikeFiresAndSmallRevisionsDoNot) {
  const Timestamp t0 = *Timestamp::parse("2026-11-01T00:00:00Z");
  const Timestamp t1 = *Timestamp::parse("2026-12-01T00:00:00Z");
  // GDP-like: a 0.5% revision (normal) and, later, one that multiplies the value by ten.
  std::vector<StoredRow> rows{{d("2026-04-01"), 100.0, t0},
                              {d("2026-04-01"), 100.5, t1},
                              {d("2026-07-01"), 101.0, t0},
                              {d("2026-07-01"), 101.0 * 10, t1},
                              {d("2026-10-01"), 102.0, t1}};
  const auto r = check_revisions(rows, 0.05, t0);
  EXPECT_EQ(r.revisions, 2u);
  EXPECT_EQ(r.large, 1u);
  EXPECT_NEAR(r.largest, 9.0, 1e-12);
  EXPECT_EQ(*r.largest_date, d("2026-07-01"));
  EXPECT_EQ(*r.first_large_at, t1);
  // Only the normal revision: quiet.
  rows[3].value = 101.2;
  EXPECT_EQ(check_revisions(rows, 0.05, t0).large, 0u);
  // Revisions before `since` are not counted.
  EXPECT_EQ(check_revisions(rows, 0.05, Timestamp::from_micros(t1.micros() + 1)).revisions, 0u);
  EXPECT_THROW(check_revisions(rows, 0.0, t0), Error);
}

}  // namespace
}  // namespace mre::monitor
