// Tests for mre::TimeSeries and mre::Panel: construction checks, slicing, missing values and
// column lookup.
#include "mre/core/time_series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mre/core/error.h"

namespace mre {
namespace {

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

// Runs `make` and returns the Error it throws; fails the test when it throws nothing.
template <typename F>
Error error_from(F make) {
  try {
    make();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an mre::Error";
  return Error(ErrorCode::kInternal, "no error thrown");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TimeSeries, RejectsUnsortedOrDuplicateDatesNamingTheSeries) {
  const Error unsorted = error_from([] {
    TimeSeries("DGS10", {ymd(2024, 1, 2), ymd(2024, 1, 1)}, {1.0, 2.0});
  });
  EXPECT_EQ(unsorted.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(unsorted.what(), "'DGS10'")) << unsorted.what();
  EXPECT_TRUE(contains(unsorted.what(), "2024-01-01 follows 2024-01-02")) << unsorted.what();

  const Error duplicate = error_from([] {
    TimeSeries("VIX", {ymd(2024, 1, 1), ymd(2024, 1, 3), ymd(2024, 1, 3)}, {1.0, 2.0, 3.0});
  });
  EXPECT_EQ(duplicate.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(duplicate.what(), "'VIX'")) << duplicate.what();
  EXPECT_TRUE(contains(duplicate.what(), "2024-01-03")) << duplicate.what();
}

TEST(TimeSeries, RejectsValuesOfTheWrongLength) {
  const Error e = error_from([] { TimeSeries("x", {ymd(2024, 1, 1)}, {1.0, 2.0}); });
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(e.what(), "'values'")) << e.what();
}

TEST(TimeSeries, SlicesInclusivelyByDate) {
  const TimeSeries series("s", {ymd(2024, 1, 1), ymd(2024, 1, 3), ymd(2024, 1, 5), ymd(2024, 1, 7)},
                          {1.0, 3.0, 5.0, 7.0});
  const auto inner = series.slice(ymd(2024, 1, 3), ymd(2024, 1, 5));
  EXPECT_EQ(inner.name(), "s");
  EXPECT_EQ(inner.dates(), (std::vector<Date>{ymd(2024, 1, 3), ymd(2024, 1, 5)}));
  EXPECT_EQ(inner.values(), (std::vector<double>{3.0, 5.0}));
  // Bounds between observations.
  const auto between = series.slice(ymd(2024, 1, 2), ymd(2024, 1, 6));
  EXPECT_EQ(between.values(), (std::vector<double>{3.0, 5.0}));
  // Bounds beyond both ends keep everything.
  EXPECT_EQ(series.slice(ymd(2023, 1, 1), ymd(2025, 1, 1)).size(), 4u);
  // A range holding no observation, and a reversed range, are empty.
  EXPECT_TRUE(series.slice(ymd(2024, 1, 4), ymd(2024, 1, 4)).empty());
  EXPECT_TRUE(series.slice(ymd(2024, 1, 7), ymd(2024, 1, 1)).empty());
  EXPECT_TRUE(series.slice(ymd(2025, 1, 1), ymd(2025, 2, 1)).empty());
}

TEST(TimeSeries, DropnaAndCountPresentAgree) {
  const TimeSeries series("m", {ymd(2024, 1, 1), ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4)},
                          {kMissing, 2.0, kMissing, 4.0});
  EXPECT_EQ(series.size(), 4u);
  EXPECT_EQ(series.count_present(), 2u);
  const auto present = series.dropna();
  EXPECT_EQ(present.name(), "m");
  EXPECT_EQ(present.dates(), (std::vector<Date>{ymd(2024, 1, 2), ymd(2024, 1, 4)}));
  EXPECT_EQ(present.values(), (std::vector<double>{2.0, 4.0}));
  EXPECT_EQ(present.count_present(), 2u);
  EXPECT_TRUE(TimeSeries().empty());
  EXPECT_EQ(TimeSeries().count_present(), 0u);
}

TEST(Panel, LooksUpColumnsByNameAndThrowsNotFound) {
  const Panel panel({ymd(2024, 1, 1), ymd(2024, 1, 2)}, {"a", "b"}, {{1.0, 2.0}, {10.0, kMissing}});
  EXPECT_EQ(panel.rows(), 2u);
  EXPECT_EQ(panel.cols(), 2u);
  EXPECT_EQ(panel.index_of("b"), 1u);
  EXPECT_EQ(panel.column("a"), (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(panel.column(std::size_t{1})[0], 10.0);
  const auto b = panel.series(1);
  EXPECT_EQ(b.name(), "b");
  EXPECT_EQ(b.dates(), panel.dates());
  EXPECT_EQ(b.count_present(), 1u);

  const Error e = error_from([&] { panel.column("missing_col"); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(e.what(), "'missing_col'")) << e.what();
  EXPECT_EQ(error_from([&] { panel.index_of("A"); }).code(), ErrorCode::kNotFound);  // exact case
}

TEST(Panel, RequiresUniqueNamesMatchingLengthsAndIncreasingDates) {
  const Error repeated = error_from([] { Panel({ymd(2024, 1, 1)}, {"a", "a"}, {{1.0}, {2.0}}); });
  EXPECT_EQ(repeated.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(repeated.what(), "repeated: a")) << repeated.what();

  const Error short_column = error_from([] {
    Panel({ymd(2024, 1, 1), ymd(2024, 1, 2)}, {"a", "b"}, {{1.0, 2.0}, {3.0}});
  });
  EXPECT_EQ(short_column.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(short_column.what(), "column b")) << short_column.what();

  const Error names_vs_columns = error_from([] {
    Panel({ymd(2024, 1, 1)}, {"a"}, {{1.0}, {2.0}});
  });
  EXPECT_EQ(names_vs_columns.code(), ErrorCode::kInvalidArgument);

  const Error unsorted = error_from([] {
    Panel({ymd(2024, 1, 2), ymd(2024, 1, 2)}, {"a"}, {{1.0, 2.0}});
  });
  EXPECT_EQ(unsorted.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(unsorted.what(), "'dates'")) << unsorted.what();
}

}  // namespace
}  // namespace mre
