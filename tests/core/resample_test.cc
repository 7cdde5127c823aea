// Tests for mre::resample, mre::period_end, mre::period_grid and mre::align_asof on small
// hand-worked examples. (The cross-check against pandas on real snapshot data lives in
// tests/sources/csv_files_test.cc, which can load the snapshot files.)
#include "mre/core/resample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mre/core/error.h"

namespace mre {
namespace {

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

// Expects `series` to have exactly these dates and values; NaN expected means NaN. Values are
// compared exactly: every expected number below is a sum of small integers or such a sum
// divided by its count, computed the same way in double arithmetic.
void expect_series(const TimeSeries& series, const std::vector<Date>& dates,
                   const std::vector<double>& values) {
  ASSERT_EQ(series.dates(), dates);
  ASSERT_EQ(series.values().size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      EXPECT_TRUE(std::isnan(series.values()[i])) << dates[i].iso() << " " << series.values()[i];
    } else {
      EXPECT_EQ(series.values()[i], values[i]) << dates[i].iso();
    }
  }
}

// January..March 2024 with a February holding only a NaN observation:
//   Jan 02: 1, Jan 15: NaN, Jan 31: 3, Feb 15: NaN, Mar 01: 5, Mar 29: 7.
TimeSeries monthly_example() {
  return TimeSeries("x",
                    {ymd(2024, 1, 2), ymd(2024, 1, 15), ymd(2024, 1, 31), ymd(2024, 2, 15),
                     ymd(2024, 3, 1), ymd(2024, 3, 29)},
                    {1.0, kMissing, 3.0, kMissing, 5.0, 7.0});
}

TEST(Resample, MonthEndLastMeanSumOnAHandExample) {
  const TimeSeries series = monthly_example();
  const std::vector<Date> ends = {ymd(2024, 1, 31), ymd(2024, 2, 29), ymd(2024, 3, 31)};
  // January: present values 1 and 3 (the NaN is ignored): last 3, mean 4/2 = 2, sum 4.
  // February: no present value: NaN for every aggregation, also for the sum.
  // March: 5 and 7: last 7, mean 12/2 = 6, sum 12. The label is Mar 31, not the last date.
  expect_series(resample(series, Frequency::kMonthEnd, Aggregation::kLast), ends,
                {3.0, kMissing, 7.0});
  expect_series(resample(series, Frequency::kMonthEnd, Aggregation::kMean), ends,
                {2.0, kMissing, 6.0});
  expect_series(resample(series, Frequency::kMonthEnd, Aggregation::kSum), ends,
                {4.0, kMissing, 12.0});
  EXPECT_EQ(resample(series, Frequency::kMonthEnd, Aggregation::kSum).name(), "x");
}

TEST(Resample, MonthEndEmitsPeriodsWithNoObservationsAtAll) {
  // Jan 10 and Apr 10 only: February and March hold no rows at all and still appear, as NaN.
  const TimeSeries series("y", {ymd(2024, 1, 10), ymd(2024, 4, 10)}, {2.0, 4.0});
  expect_series(resample(series, Frequency::kMonthEnd, Aggregation::kSum),
                {ymd(2024, 1, 31), ymd(2024, 2, 29), ymd(2024, 3, 31), ymd(2024, 4, 30)},
                {2.0, kMissing, kMissing, 4.0});
}

TEST(Resample, WeeklyUsesSaturdayToFridayWeeksLabelledFriday) {
  // 2024-01-06 is a Saturday, so it opens the week that closes on Friday 2024-01-12.
  //   Sat Jan 06: 1, Mon Jan 08: 2, Fri Jan 12: 4      -> week ending Jan 12
  //   Sat Jan 13: NaN                                   -> week ending Jan 19 (no present value)
  //   (nothing in Jan 20..26)                           -> week ending Jan 26
  //   Mon Jan 29: 16, Fri Feb 02: 32                    -> week ending Feb 02
  const TimeSeries series("w",
                          {ymd(2024, 1, 6), ymd(2024, 1, 8), ymd(2024, 1, 12), ymd(2024, 1, 13),
                           ymd(2024, 1, 29), ymd(2024, 2, 2)},
                          {1.0, 2.0, 4.0, kMissing, 16.0, 32.0});
  const std::vector<Date> fridays = {ymd(2024, 1, 12), ymd(2024, 1, 19), ymd(2024, 1, 26),
                                     ymd(2024, 2, 2)};
  expect_series(resample(series, Frequency::kWeekly, Aggregation::kLast), fridays,
                {4.0, kMissing, kMissing, 32.0});
  // Mean of the first week: (1 + 2 + 4) / 3 = 7/3; of the last: (16 + 32) / 2 = 24.
  expect_series(resample(series, Frequency::kWeekly, Aggregation::kMean), fridays,
                {7.0 / 3.0, kMissing, kMissing, 24.0});
  expect_series(resample(series, Frequency::kWeekly, Aggregation::kSum), fridays,
                {7.0, kMissing, kMissing, 48.0});
}

TEST(Resample, DailyFillsEveryCalendarDayBetweenFirstAndLast) {
  // Friday and the next Monday: Saturday and Sunday come out as NaN.
  const TimeSeries series("d", {ymd(2024, 1, 5), ymd(2024, 1, 8)}, {1.0, 2.0});
  expect_series(resample(series, Frequency::kDaily, Aggregation::kLast),
                {ymd(2024, 1, 5), ymd(2024, 1, 6), ymd(2024, 1, 7), ymd(2024, 1, 8)},
                {1.0, kMissing, kMissing, 2.0});
}

TEST(Resample, EmptySeriesGivesAnEmptySeries) {
  const TimeSeries empty("e", {}, {});
  const auto out = resample(empty, Frequency::kMonthEnd, Aggregation::kMean);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.name(), "e");
}

TEST(Resample, LastPresentValueWinsEvenWhenTheLastRowIsNaN) {
  const TimeSeries series("z", {ymd(2024, 5, 1), ymd(2024, 5, 30), ymd(2024, 5, 31)},
                          {1.0, 2.0, kMissing});
  expect_series(resample(series, Frequency::kMonthEnd, Aggregation::kLast), {ymd(2024, 5, 31)},
                {2.0});
}

TEST(PeriodEnd, LabelsDaysWeeksAndMonths) {
  EXPECT_EQ(period_end(ymd(2024, 2, 10), Frequency::kDaily), ymd(2024, 2, 10));
  EXPECT_EQ(period_end(ymd(2024, 2, 10), Frequency::kWeekly), ymd(2024, 2, 16));  // Sat -> Fri
  EXPECT_EQ(period_end(ymd(2024, 2, 16), Frequency::kWeekly), ymd(2024, 2, 16));  // Fri stays
  EXPECT_EQ(period_end(ymd(2024, 2, 10), Frequency::kMonthEnd), ymd(2024, 2, 29));
}

TEST(PeriodGrid, ListsBusinessDaysFridaysOrMonthEnds) {
  const auto calendar = BusinessCalendar::us_settlement(2024, 2024);
  EXPECT_EQ(
      period_grid(ymd(2024, 1, 15), ymd(2024, 4, 30), Frequency::kMonthEnd, calendar),
      (std::vector<Date>{ymd(2024, 1, 31), ymd(2024, 2, 29), ymd(2024, 3, 31), ymd(2024, 4, 30)}));
  // The last month end must be <= last: Apr 30 is past Apr 29.
  EXPECT_EQ(period_grid(ymd(2024, 1, 15), ymd(2024, 4, 29), Frequency::kMonthEnd, calendar),
            (std::vector<Date>{ymd(2024, 1, 31), ymd(2024, 2, 29), ymd(2024, 3, 31)}));
  // Fridays of January 2024: 5, 12, 19, 26.
  EXPECT_EQ(
      period_grid(ymd(2024, 1, 1), ymd(2024, 1, 31), Frequency::kWeekly, calendar),
      (std::vector<Date>{ymd(2024, 1, 5), ymd(2024, 1, 12), ymd(2024, 1, 19), ymd(2024, 1, 26)}));
  // Business days of Fri 2024-01-12 .. Wed 2024-01-17: Fri 12, (MLK Mon 15 is a holiday),
  // Tue 16, Wed 17.
  EXPECT_EQ(period_grid(ymd(2024, 1, 12), ymd(2024, 1, 17), Frequency::kDaily, calendar),
            (std::vector<Date>{ymd(2024, 1, 12), ymd(2024, 1, 16), ymd(2024, 1, 17)}));
  EXPECT_TRUE(
      period_grid(ymd(2024, 3, 1), ymd(2024, 2, 1), Frequency::kMonthEnd, calendar).empty());
}

TEST(AlignAsof, RespectsThePublicationLag) {
  // A monthly value dated 2024-03-01 with a 45-day lag is published on 2024-04-15
  // (March 1 + 30 days = March 31, + 15 more = April 15).
  const TimeSeries monthly("cpi", {ymd(2024, 2, 1), ymd(2024, 3, 1)}, {310.0, 312.0});
  const std::vector<Date> targets = {ymd(2024, 4, 14), ymd(2024, 4, 15)};
  const auto aligned = align_asof(monthly, targets, 45);
  EXPECT_EQ(aligned.name(), "cpi");
  // On Apr 14 only February's value (public since Feb 1 + 45 = Mar 17) is known.
  expect_series(aligned, targets, {310.0, 312.0});
  // Without a lag the March value is visible from March 1.
  expect_series(align_asof(monthly, std::vector<Date>{ymd(2024, 3, 1)}, 0), {ymd(2024, 3, 1)},
                {312.0});
  // Before anything is public: NaN.
  expect_series(align_asof(monthly, std::vector<Date>{ymd(2024, 3, 16)}, 45), {ymd(2024, 3, 16)},
                {kMissing});
}

TEST(AlignAsof, MaxStalenessCountsFromTheObservationDate) {
  const TimeSeries series("s", {ymd(2024, 1, 1)}, {1.0});
  const std::vector<Date> targets = {ymd(2024, 1, 11), ymd(2024, 1, 12)};
  // Jan 11 - Jan 1 = 10 days: not older than 10; Jan 12 is 11 days old: NaN.
  expect_series(align_asof(series, targets, 0, 10), targets, {1.0, kMissing});
  // Negative staleness means "no limit".
  expect_series(align_asof(series, targets, 0, -1), targets, {1.0, 1.0});
}

TEST(AlignAsof, SkipsNaNObservations) {
  const TimeSeries series("n", {ymd(2024, 1, 1), ymd(2024, 1, 2), ymd(2024, 1, 4)},
                          {1.0, kMissing, 4.0});
  const std::vector<Date> targets = {ymd(2023, 12, 31), ymd(2024, 1, 2), ymd(2024, 1, 3),
                                     ymd(2024, 1, 4)};
  expect_series(align_asof(series, targets, 0), targets, {kMissing, 1.0, 1.0, 4.0});
  // With staleness 0, the NaN on Jan 2 does not count as a fresh value: the last present one
  // (Jan 1) is 1 day old by Jan 2, so NaN.
  expect_series(align_asof(series, targets, 0, 0), targets, {kMissing, kMissing, kMissing, 4.0});
}

TEST(AlignAsof, RejectsUnsortedTargetsAndNegativeLag) {
  const TimeSeries series("u", {ymd(2024, 1, 1)}, {1.0});
  const std::vector<Date> unsorted = {ymd(2024, 1, 3), ymd(2024, 1, 2)};
  const std::vector<Date> repeated = {ymd(2024, 1, 3), ymd(2024, 1, 3)};
  for (const auto* targets : {&unsorted, &repeated}) {
    try {
      align_asof(series, *targets, 0);
      FAIL() << "expected InvalidArgument";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("mre::align_asof"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'targets'"), std::string::npos) << e.what();
    }
  }
  try {
    align_asof(series, std::vector<Date>{ymd(2024, 1, 3)}, -1);
    FAIL() << "expected InvalidArgument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'publication_lag_days'"), std::string::npos) << e.what();
  }
}

TEST(AlignAsof, EmptyTargetsAndEmptySeries) {
  const TimeSeries series("v", {ymd(2024, 1, 1)}, {1.0});
  EXPECT_TRUE(align_asof(series, std::vector<Date>{}, 0).empty());
  const TimeSeries empty("v", {}, {});
  const std::vector<Date> targets = {ymd(2024, 1, 1)};
  expect_series(align_asof(empty, targets, 0), targets, {kMissing});
}

}  // namespace
}  // namespace mre
