// Tests for mre::sources::load_series_file and load_plain_csv: every header layout of the
// bundled snapshot (data/snapshot, see its README.md and MANIFEST.csv), the bad-input fixtures
// of tests/data/sources, and a cross-check of mre::resample against pandas on snapshot data.
#include "mre/sources/csv_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/core/resample.h"
#include "support/test_support.h"

namespace mre::sources {
namespace {

namespace fs = std::filesystem;

Date ymd(int year, int month, int day) { return Date::from_ymd(year, month, day); }

fs::path fixture(const std::string& name) {
  return testing::source_dir() / "tests" / "data" / "sources" / name;
}

// The value on `date`, or nullopt when the series has no observation that day.
std::optional<double> value_on(const TimeSeries& series, Date date) {
  const auto& dates = series.dates();
  const auto it = std::lower_bound(dates.begin(), dates.end(), date);
  if (it == dates.end() || *it != date) return std::nullopt;
  return series.values()[static_cast<std::size_t>(it - dates.begin())];
}

// What MANIFEST.csv says about a snapshot file.
struct ManifestEntry {
  Date first;
  Date last;
  std::size_t rows = 0;
  std::size_t missing = 0;
};

std::map<std::string, ManifestEntry> read_manifest() {
  auto reader = CsvReader::open(testing::snapshot_dir() / "MANIFEST.csv");
  const auto file = reader.find_column("file").value();
  const auto first = reader.find_column("first_date").value();
  const auto last = reader.find_column("last_date").value();
  const auto rows = reader.find_column("rows").value();
  const auto missing = reader.find_column("missing_values").value();
  std::map<std::string, ManifestEntry> out;
  while (auto row = reader.next()) {
    ManifestEntry e;
    e.first = Date::parse(row->fields[first]).value();
    e.last = Date::parse(row->fields[last]).value();
    e.rows = static_cast<std::size_t>(std::stoul(std::string(row->fields[rows])));
    e.missing = static_cast<std::size_t>(std::stoul(std::string(row->fields[missing])));
    out[std::string(row->fields[file])] = e;
  }
  return out;
}

// One snapshot file with a hand-checked first and last observation and a spot value. The
// expected numbers are copied from the file (`grep ^DATE data/snapshot/FILE`); they are compared
// exactly because both the literal here and mre's parser (std::from_chars) round the same
// decimal text to the nearest double.
struct SnapshotCase {
  const char* file;
  const char* layout;  // what the file exercises
  Date first;
  double first_value;
  Date last;
  double last_value;
  Date spot;
  double spot_value;
  std::optional<Date> missing_day;  // a row whose value is missing, so absent from the series
};

class SnapshotFile : public ::testing::TestWithParam<SnapshotCase> {};

TEST_P(SnapshotFile, LoadsPresentRowsWithTheRightDatesAndValues) {
  const SnapshotCase& c = GetParam();
  const auto manifest = read_manifest();
  ASSERT_TRUE(manifest.count(c.file)) << c.file;
  const ManifestEntry& m = manifest.at(c.file);
  const TimeSeries series = load_series_file(testing::snapshot_dir() / c.file, "T");
  EXPECT_EQ(series.name(), "T");
  // MANIFEST counts data rows and rows with a missing value; the loader drops the latter.
  EXPECT_EQ(series.size(), m.rows - m.missing) << c.file << " (" << c.layout << ")";
  EXPECT_EQ(series.count_present(), series.size());
  ASSERT_FALSE(series.empty());
  EXPECT_EQ(series.dates().front(), c.first) << series.dates().front().iso();
  EXPECT_EQ(series.dates().back(), c.last) << series.dates().back().iso();
  EXPECT_EQ(series.dates().front(), m.first);
  EXPECT_EQ(series.dates().back(), m.last);
  EXPECT_EQ(series.values().front(), c.first_value);
  EXPECT_EQ(series.values().back(), c.last_value);
  EXPECT_EQ(value_on(series, c.spot), c.spot_value) << c.spot.iso();
  if (c.missing_day) {
    EXPECT_EQ(value_on(series, *c.missing_day), std::nullopt) << c.missing_day->iso();
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryHeaderLayout, SnapshotFile,
    ::testing::Values(
        SnapshotCase{"fred/DGS10.csv", "date,value", ymd(1962, 1, 2), 4.06, ymd(2026, 8, 20), 4.69,
                     ymd(2020, 3, 16), 0.73, std::nullopt},
        SnapshotCase{"fred/VIXCLS.csv", "Date,Value", ymd(1990, 1, 2), 17.24, ymd(2026, 3, 26),
                     27.44, ymd(2008, 10, 10), 69.95, std::nullopt},
        // 2025-10-01 has an empty value (line 947 of the file).
        SnapshotCase{"fred/CPIAUCSL.csv", "observation_date,ID", ymd(1947, 1, 1), 21.48,
                     ymd(2026, 3, 1), 330.293, ymd(2008, 9, 1), 218.877, ymd(2025, 10, 1)},
        // '.' marks missing values; 2012-07-04 is one of them.
        SnapshotCase{"fred/DSWP10.csv", "DATE,ID with '.' missing", ymd(2011, 10, 28), 2.46,
                     ymd(2016, 10, 28), 1.71, ymd(2012, 6, 29), 1.77, ymd(2012, 7, 4)},
        // CRLF line ends and empty holiday rows (1986-01-20, MLK Day).
        SnapshotCase{"fred/BAA10Y.csv", "Date,ID CRLF", ymd(1986, 1, 2), 2.34, ymd(2026, 6, 25),
                     1.54, ymd(2008, 12, 16), 6.11, ymd(1986, 1, 20)},
        // Lowercase OHLCV: the value is `close` (5th column).
        SnapshotCase{"yahoo/GSPC.csv", "date,open,high,low,close,volume", ymd(1927, 12, 30),
                     17.65999984741211, ymd(2026, 8, 21), 7674.3701171875, ymd(2020, 3, 16),
                     2386.1298828125, std::nullopt},
        // Close comes first here; CRLF. 2008-10-10: Close 42.95..., Open 42.18...
        SnapshotCase{"yahoo/GSG.csv", "Date,Close,High,Low,Open,Volume CRLF", ymd(2006, 7, 21),
                     49.25, ymd(2026, 2, 23), 25.6200008392334, ymd(2008, 10, 10),
                     42.95000076293945, std::nullopt},
        // AdjClose, not Close: 2005-01-03 has Close 102.4000015258789 and AdjClose
        // 51.92206573486328; 2020-03-16 Close 113.7300033569336, AdjClose 95.0909423828125.
        SnapshotCase{"yahoo/AGG.csv", "Date,Open,High,Low,Close,AdjClose,Volume,Dividends",
                     ymd(2005, 1, 3), 51.92206573486328, ymd(2026, 5, 1), 98.9000015258789,
                     ymd(2020, 3, 16), 95.0909423828125, std::nullopt},
        SnapshotCase{"yahoo/MOVE.csv", "date,value", ymd(2002, 11, 12), 120.21, ymd(2026, 8, 21),
                     73.40, ymd(2008, 10, 10), 264.60, std::nullopt}),
    [](const ::testing::TestParamInfo<SnapshotCase>& case_info) {
      std::string name = case_info.param.file;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(LoadSeriesFile, EverySingleSeriesSnapshotFileMatchesItsManifestRow) {
  // Broader than the hand-checked cases above: every file under fred/ and yahoo/ loads, with
  // MANIFEST's row count minus its missing count, within MANIFEST's first and last dates. (Those
  // are the first and last ROWS: fred/SP500.csv starts with an empty 2016-01-01 holiday row,
  // so its first present value is 2016-01-04.)
  int checked = 0;
  for (const auto& [file, m] : read_manifest()) {
    if (file.rfind("fred/", 0) != 0 && file.rfind("yahoo/", 0) != 0) continue;
    const TimeSeries series = load_series_file(testing::snapshot_dir() / file, file);
    EXPECT_EQ(series.size(), m.rows - m.missing) << file;
    ASSERT_FALSE(series.empty()) << file;
    EXPECT_GE(series.dates().front(), m.first) << file;
    EXPECT_LE(series.dates().back(), m.last) << file;
    EXPECT_LT(series.dates().front() - m.first, 7) << file;  // at most a holiday row or a few
    EXPECT_LT(m.last - series.dates().back(), 7) << file;
    ++checked;
  }
  EXPECT_GE(checked, 70);  // 58 FRED + 19 Yahoo files in the snapshot
}

// Loads `name` from tests/data/sources, expecting a DataError whose message starts with
// "PATH:LINE:" and contains `detail`.
void expect_data_error(const std::string& name, int line, const std::string& detail) {
  const fs::path path = fixture(name);
  try {
    load_series_file(path, "X");
    ADD_FAILURE() << name << ": expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError) << e.what();
    const std::string what = e.what();
    const std::string where = path.string() + ":" + std::to_string(line) + ":";
    EXPECT_EQ(what.rfind(where, 0), 0u) << "want prefix '" << where << "' in: " << what;
    EXPECT_NE(what.find(detail), std::string::npos) << "want '" << detail << "' in: " << what;
  }
}

TEST(LoadSeriesFile, BadRowsAreDataErrorsWithFileAndLine) {
  // Line 4 of bad_value.csv is blank, so the bad row is on line 5.
  expect_data_error("bad_value.csv", 5, "'abc' is not a finite number");
  expect_data_error("bad_field_count.csv", 3, "expected 2 fields, got 3");
  expect_data_error("bad_date.csv", 3, "cannot parse date '2024-02-30'");
  expect_data_error("duplicate_date.csv", 4, "duplicate date 2024-01-03 (also on line 3)");
  expect_data_error("out_of_order.csv", 4, "2024-01-04 is before the previous row's 2024-01-05");
  expect_data_error("no_value_column.csv", 1, "cannot tell which column holds the value");
}

TEST(LoadSeriesFile, EmptyFileIsADataErrorNamingTheFile) {
  try {
    load_series_file(fixture("empty.csv"), "X");
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("empty.csv"), std::string::npos) << e.what();
  }
}

TEST(LoadSeriesFile, EmptyFileErrorHasALineNumberLikeTheOtherDataErrors) {
  // csv_files.h promises DataError "FILE:LINE: ..." for every bad file, the empty one included.
  expect_data_error("empty.csv", 1, "empty file");
}

TEST(LoadSeriesFile, HeaderOnlyIsAnEmptySeries) {
  const TimeSeries series = load_series_file(fixture("header_only.csv"), "H");
  EXPECT_TRUE(series.empty());
  EXPECT_EQ(series.name(), "H");
}

TEST(LoadSeriesFile, MissingFileIsAnIoError) {
  try {
    load_series_file(fixture("does_not_exist.csv"), "X");
    FAIL() << "expected an IoError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("does_not_exist.csv"), std::string::npos) << e.what();
  }
}

TEST(LoadSeriesFile, DropsMissingValuesAndAcceptsTimestampDates) {
  const TimeSeries monthly = load_series_file(fixture("good_series.csv"), "TEST");
  EXPECT_EQ(monthly.dates(), (std::vector<Date>{ymd(2024, 1, 1), ymd(2024, 3, 1)}));
  EXPECT_EQ(monthly.values(), (std::vector<double>{1.5, 2.5}));
  // "2024-01-05 00:00:00", "2024-01-06T12:00:00Z" and a plain date all give their date part.
  const TimeSeries stamped = load_series_file(fixture("timestamp_dates.csv"), "S");
  EXPECT_EQ(stamped.dates(),
            (std::vector<Date>{ymd(2024, 1, 5), ymd(2024, 1, 6), ymd(2024, 1, 7)}));
  EXPECT_EQ(stamped.values(), (std::vector<double>{1.0, 2.0, 3.0}));
}

TEST(LoadSeriesFile, RejectsAFileWhoseFirstColumnIsNotADate) {
  testing::TempDir dir;
  testing::write_file(dir / "swapped.csv", "value,date\n1,2024-01-02\n");
  try {
    load_series_file(dir / "swapped.csv", "X");
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("swapped.csv:1:"), std::string::npos) << e.what();
  }
}

TEST(LoadPlainCsv, ReadsOneSeriesPerColumnWithItsOwnMissingValues) {
  // plain_multi.csv: the date is the second column; alpha misses 2024-01-03 ('.'), beta misses
  // 2024-01-02 (empty) and 2024-01-04 ('NA'), gamma is complete.
  const auto series = load_plain_csv(fixture("plain_multi.csv"));
  ASSERT_EQ(series.size(), 3u);
  EXPECT_EQ(series[0].name(), "alpha");
  EXPECT_EQ(series[0].dates(), (std::vector<Date>{ymd(2024, 1, 2), ymd(2024, 1, 4)}));
  EXPECT_EQ(series[0].values(), (std::vector<double>{1.0, 3.0}));
  EXPECT_EQ(series[1].name(), "beta");
  EXPECT_EQ(series[1].dates(), (std::vector<Date>{ymd(2024, 1, 3)}));
  EXPECT_EQ(series[1].values(), (std::vector<double>{2.5}));
  EXPECT_EQ(series[2].name(), "gamma");
  EXPECT_EQ(series[2].values(), (std::vector<double>{10.0, 11.0, 12.0}));
}

TEST(LoadPlainCsv, NeedsADateColumn) {
  try {
    load_plain_csv(fixture("plain_no_date.csv"));
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    const std::string what = e.what();
    EXPECT_NE(what.find("plain_no_date.csv:1:"), std::string::npos) << what;
    EXPECT_NE(what.find("no 'date'"), std::string::npos) << what;
  }
}

TEST(LoadPlainCsv, RejectsUnnamedOrAbsentValueColumnsAndBadRows) {
  testing::TempDir dir;
  testing::write_file(dir / "unnamed.csv", "date,a,\n2024-01-02,1,2\n");
  testing::write_file(dir / "only_date.csv", "date\n2024-01-02\n");
  testing::write_file(dir / "bad.csv", "timestamp,a\n2024-01-02,1\n2024-01-03,x\n");
  for (const auto& [name, detail] :
       std::vector<std::pair<std::string, std::string>>{{"unnamed.csv", ":1: column 3 has no name"},
                                                        {"only_date.csv", ":1: no value columns"},
                                                        {"bad.csv", ":3: field 'a': 'x'"}}) {
    try {
      load_plain_csv(dir / name);
      ADD_FAILURE() << name << ": expected a DataError";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDataError);
      EXPECT_NE(std::string(e.what()).find(name + detail), std::string::npos) << e.what();
    }
  }
}

// Cross-check of mre::resample with pandas (Debian's python3-pandas, called through
// /usr/bin/python3 because the first python3 on PATH may lack it). The script and its version
// are noted in tests/data/README.md.
constexpr const char* kPandasScript = R"(import sys
import pandas as pd
path, out = sys.argv[1], sys.argv[2]
frame = pd.read_csv(path, na_values=['.'], float_precision='round_trip')
series = pd.Series(frame.iloc[:, 1].values, index=pd.to_datetime(frame.iloc[:, 0])).dropna()
last = series.resample('M').last()
mean = series.resample('M').mean()
with open(out, 'w') as f:
    for day in last.index:
        f.write('%s,%r,%r\n' % (day.strftime('%Y-%m-%d'), float(last[day]), float(mean[day])))
)";

TEST(ResampleVsPandas, MonthEndLastAndMeanMatchPandasOnSnapshotSeries) {
  if (std::system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no pandas";
  }
  testing::TempDir dir;
  testing::write_file(dir / "resample.py", kPandasScript);
  // DGS10: daily, no gaps; BAA10Y: CRLF with empty holiday rows; DSWP10: '.' missing values.
  for (const char* file : {"fred/DGS10.csv", "fred/BAA10Y.csv", "fred/DSWP10.csv"}) {
    const fs::path path = testing::snapshot_dir() / file;
    const fs::path out = dir / "out.csv";
    const auto run = testing::run_shell(
        "/usr/bin/python3 " + testing::shell_quote((dir / "resample.py").string()) + " " +
        testing::shell_quote(path.string()) + " " + testing::shell_quote(out.string()));
    ASSERT_EQ(run.exit_code, 0) << run.err;

    const TimeSeries series = load_series_file(path, file);
    const TimeSeries last = resample(series, Frequency::kMonthEnd, Aggregation::kLast);
    const TimeSeries mean = resample(series, Frequency::kMonthEnd, Aggregation::kMean);

    std::vector<Date> dates;
    std::vector<double> pandas_last, pandas_mean;
    std::string text = testing::read_file(out);
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end - start);
      start = end == std::string::npos ? text.size() : end + 1;
      const auto c1 = line.find(',');
      const auto c2 = line.find(',', c1 + 1);
      dates.push_back(Date::parse(line.substr(0, c1)).value());
      pandas_last.push_back(std::strtod(line.substr(c1 + 1, c2 - c1 - 1).c_str(), nullptr));
      pandas_mean.push_back(std::strtod(line.substr(c2 + 1).c_str(), nullptr));
    }
    ASSERT_EQ(last.dates(), dates) << file;
    ASSERT_EQ(mean.dates(), dates) << file;
    for (std::size_t i = 0; i < dates.size(); ++i) {
      const std::string where = std::string(file) + " " + dates[i].iso();
      if (std::isnan(pandas_last[i])) {
        EXPECT_TRUE(std::isnan(last.values()[i])) << where;
        EXPECT_TRUE(std::isnan(mean.values()[i])) << where;
        continue;
      }
      // `last` picks one parsed value: both sides parse the decimal text with correct rounding
      // (pandas with float_precision='round_trip'), so the doubles are identical.
      EXPECT_EQ(last.values()[i], pandas_last[i]) << where;
      // `mean` is the same arithmetic, but pandas may sum in another order (or with Kahan
      // compensation); a month of ~22 values of size ~10 differs by a few ulps at most, far
      // below 1e-12 relative.
      EXPECT_NEAR(mean.values()[i], pandas_mean[i], 1e-12 * std::abs(pandas_mean[i])) << where;
    }
  }
}

}  // namespace
}  // namespace mre::sources
