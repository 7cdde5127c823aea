// Tests for mre::CsvReader (RFC 4180 quoting, line ends, BOM, line numbers), the strict number
// parser, the missing-value tokens and the shortest round-trip formatter they pair with.
#include "mre/core/csv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "support/test_support.h"

namespace mre {
namespace {

// Every data row of `text` as (line, fields) with the fields copied out of the reader.
struct Row {
  std::size_t line;
  std::vector<std::string> fields;
};

std::vector<Row> read_all(CsvReader& reader) {
  std::vector<Row> rows;
  while (auto row = reader.next()) {
    rows.push_back({row->line, std::vector<std::string>(row->fields.begin(), row->fields.end())});
  }
  return rows;
}

using Fields = std::vector<std::string>;

TEST(CsvReader, SplitsQuotedFieldsWithCommasAndEscapedQuotes) {
  auto reader = CsvReader::from_text(
      "name,note,value\n"
      "\"Smith, John\",\"said \"\"hi\"\"\",1.5\n"
      "\"\",\"\"\"\",2\n"
      "plain,\"multi\nline\",3\n"
      "after,x,4\n",
      "quoted.csv");
  EXPECT_EQ(reader.header(), (Fields{"name", "note", "value"}));
  const auto rows = read_all(reader);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].fields, (Fields{"Smith, John", "said \"hi\"", "1.5"}));
  EXPECT_EQ(rows[0].line, 2u);
  EXPECT_EQ(rows[1].fields, (Fields{"", "\"", "2"}));  // empty quoted field; a lone escaped quote
  EXPECT_EQ(rows[1].line, 3u);
  // A quoted newline stays in the field; the row starts on line 4 and the next on line 6.
  EXPECT_EQ(rows[2].fields, (Fields{"plain", "multi\nline", "3"}));
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[3].fields, (Fields{"after", "x", "4"}));
  EXPECT_EQ(rows[3].line, 6u);
}

TEST(CsvReader, HandlesCrlfAndAUtf8Bom) {
  auto reader = CsvReader::from_text(
      "\xEF\xBB\xBF"
      "Date,Value\r\n2024-01-02,1.5\r\n\"q\",2\r\n",
      "crlf.csv");
  // The BOM is not part of the first header name, and no '\r' is left on the last one.
  EXPECT_EQ(reader.header(), (Fields{"Date", "Value"}));
  EXPECT_EQ(reader.find_column("date"), 0u);
  const auto rows = read_all(reader);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"2024-01-02", "1.5"}));
  EXPECT_EQ(rows[1].fields, (Fields{"q", "2"}));
  EXPECT_EQ(rows[1].line, 3u);
}

TEST(CsvReader, SkipsBlankLinesButKeepsLineNumbers) {
  auto reader = CsvReader::from_text("a,b\n\n1,2\n\r\n\n3,4\n\n", "blank.csv");
  const auto rows = read_all(reader);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(rows[0].line, 3u);  // line 1 header, line 2 blank
  EXPECT_EQ(rows[1].fields, (Fields{"3", "4"}));
  EXPECT_EQ(rows[1].line, 6u);  // lines 4 (CRLF) and 5 blank
}

TEST(CsvReader, KeepsATrailingEmptyField) {
  auto reader = CsvReader::from_text("a,b,c\n1,2,\n4,,\r\n7,8,", "trailing.csv");
  const auto rows = read_all(reader);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (Fields{"1", "2", ""}));
  EXPECT_EQ(rows[1].fields, (Fields{"4", "", ""}));
  EXPECT_EQ(rows[2].fields, (Fields{"7", "8", ""}));  // no final newline
}

TEST(CsvReader, LastLineWithoutNewlineIsARow) {
  auto reader = CsvReader::from_text("a,b\n1,2", "nonl.csv");
  const auto rows = read_all(reader);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"1", "2"}));
}

TEST(CsvReader, UnterminatedQuoteIsADataErrorNamingFileAndLine) {
  auto reader = CsvReader::from_text("a,b\n1,2\n\n3,\"oops\n4,5\n", "broken.csv");
  ASSERT_TRUE(reader.next().has_value());
  try {
    reader.next();
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    // The quoted field opens on line 4 (line 3 is blank).
    EXPECT_NE(std::string(e.what()).find("broken.csv:4"), std::string::npos) << e.what();
  }
  // In the header line too: the error comes from construction.
  try {
    CsvReader::from_text("\"a,b\n", "header.csv");
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_NE(std::string(e.what()).find("header.csv:1"), std::string::npos) << e.what();
  }
}

TEST(CsvReader, EmptyTextIsADataError) {
  for (const std::string& text :
       {std::string(), std::string("\n\n"), std::string("\xEF\xBB\xBF"), std::string("\r\n")}) {
    try {
      CsvReader::from_text(text, "empty.csv");
      FAIL() << "expected a DataError";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDataError);
      EXPECT_NE(std::string(e.what()).find("empty.csv"), std::string::npos) << e.what();
    }
  }
}

TEST(CsvReader, OpensFilesAndReportsUnreadableOnes) {
  testing::TempDir dir;
  testing::write_file(dir / "ok.csv", "x,y\n1,2\n");
  auto reader = CsvReader::open(dir / "ok.csv");
  EXPECT_EQ(reader.name(), (dir / "ok.csv").string());
  EXPECT_EQ(read_all(reader).size(), 1u);

  testing::write_file(dir / "empty.csv", "");
  try {
    CsvReader::open(dir / "empty.csv");
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
  }
  try {
    CsvReader::open(dir / "absent.csv");
    FAIL() << "expected an IoError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("absent.csv"), std::string::npos) << e.what();
  }
}

TEST(CsvReader, FindsColumnsCaseInsensitivelyAndTrimsHeaderNames) {
  auto reader = CsvReader::from_text(" Date , AdjClose,Volume\n", "h.csv");
  EXPECT_EQ(reader.header(), (Fields{"Date", "AdjClose", "Volume"}));
  EXPECT_EQ(reader.find_column("DATE"), 0u);
  EXPECT_EQ(reader.find_column("adjclose"), 1u);
  EXPECT_EQ(reader.find_column("close"), std::nullopt);
  EXPECT_FALSE(reader.next().has_value());  // header only: no rows
}

// A name two columns carry is ambiguous: refused naming both, never the first one taken.
TEST(CsvReader, AColumnNamedTwiceIsRefusedWhenLookedUp) {
  auto reader = CsvReader::from_text("date,vix_index,move,VIX_Index\n", "d.csv");
  EXPECT_EQ(reader.find_column("move"), 2u);
  try {
    (void)reader.find_column("vix_index");
    FAIL() << "an ambiguous column was looked up";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_STREQ(e.what(), "d.csv:1: column 'VIX_Index' appears twice (columns 2 and 4)");
  }
}

TEST(CsvReader, ReusedRowBuffersHoldTheCurrentRow) {
  auto reader = CsvReader::from_text("a\n\"x\"\"1\"\n\"y\"\"2\"\n", "reuse.csv");
  CsvRow row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.fields.at(0), "x\"1");
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.fields.at(0), "y\"2");
  EXPECT_EQ(row.line, 3u);
  EXPECT_FALSE(reader.next(row));
}

TEST(ParseDouble, AcceptsStrictDecimalsOnly) {
  EXPECT_EQ(parse_double("1e3"), 1000.0);
  EXPECT_EQ(parse_double("+2"), 2.0);
  EXPECT_EQ(parse_double(" 3.5 "), 3.5);
  EXPECT_EQ(parse_double("\t-0.25\t"), -0.25);
  EXPECT_EQ(parse_double("4.06"), 4.06);
  EXPECT_EQ(parse_double("-1.5E-2"), -0.015);
  EXPECT_EQ(parse_double("0"), 0.0);
  EXPECT_EQ(parse_double("1.5x"), std::nullopt);
  EXPECT_EQ(parse_double("inf"), std::nullopt);
  EXPECT_EQ(parse_double("-inf"), std::nullopt);
  EXPECT_EQ(parse_double("nan"), std::nullopt);
  EXPECT_EQ(parse_double("NaN"), std::nullopt);
  EXPECT_EQ(parse_double(""), std::nullopt);
  EXPECT_EQ(parse_double("   "), std::nullopt);
  EXPECT_EQ(parse_double("+"), std::nullopt);
  EXPECT_EQ(parse_double("++2"), std::nullopt);
  EXPECT_EQ(parse_double("1,5"), std::nullopt);
  EXPECT_EQ(parse_double("1 5"), std::nullopt);
  EXPECT_EQ(parse_double("0x1A"), std::nullopt);
  EXPECT_EQ(parse_double("1e400"), std::nullopt);  // overflows: not a finite double
  EXPECT_EQ(parse_double("."), std::nullopt);
}

TEST(ParseDouble, RejectsASignAfterThePlus) {
  // std::from_chars accepts a leading '-', so after the '+' is stripped "+-2" must be refused.
  EXPECT_EQ(parse_double("+-2"), std::nullopt);
}

TEST(ParseDouble, RoundTripsFormatDoubleExactly) {
  // format_double promises the shortest text that parses back to exactly the same double, so
  // equality here is exact: no tolerance.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(-1e6, 1e6);
  std::vector<double> values = {0.0,
                                4.06,
                                1e-7,
                                0.1,
                                1.0 / 3.0,
                                123456789.125,
                                -2.5e-300,
                                1e300,
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::max()};
  for (int i = 0; i < 1000; ++i) values.push_back(uniform(rng));
  for (const double v : values) {
    const std::string text = format_double(v);
    const auto back = parse_double(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, v) << text;
  }
  EXPECT_EQ(format_double(4.06), "4.06");
  EXPECT_EQ(format_double(1e-7), "1e-07");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "");
}

TEST(IsMissingToken, RecognisesTheSnapshotsMissingMarkers) {
  for (const char* token :
       {"", " ", ".", "NA", "N/A", "#N/A", "NaN", "nan", "null", " . ", "\tNA"}) {
    EXPECT_TRUE(is_missing_token(token)) << "'" << token << "'";
  }
  for (const char* token : {"0", "-", "NULL", "na", "none", "1.5", "..", "N A"}) {
    EXPECT_FALSE(is_missing_token(token)) << "'" << token << "'";
  }
}

TEST(ToLower, LowersAsciiOnly) {
  EXPECT_EQ(to_lower("AdjClose-123_Z"), "adjclose-123_z");
  EXPECT_EQ(to_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // UTF-8 bytes untouched
}

}  // namespace
}  // namespace mre

namespace mre {
namespace {

TEST(CsvReader, StreamingGivesTheSameRowsAsLoadingWhateverTheChunkSize) {
  // Quoted fields with commas, escaped quotes and newlines, CRLF, blank lines, a BOM, a last
  // line without a newline: every record boundary falls somewhere across chunk edges.
  std::string text = "\xEF\xBB\xBFtimestamp,name,value\r\n";
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    text += std::to_string(i) + ",";
    switch (rng() % 4) {
      case 0:
        text += "\"a, \"\"quoted\"\" one\"";
        break;
      case 1:
        text += "\"two\nlines\"";
        break;
      case 2:
        text += "plain";
        break;
      default:
        text += "";
        break;
    }
    text += "," + std::to_string(i * 0.5) + (rng() % 3 == 0 ? "\r\n" : "\n");
    if (rng() % 10 == 0) text += "\n";
  }
  text += "last,row,1";
  testing::TempDir dir;
  testing::write_file(dir / "s.csv", text);
  auto loaded = CsvReader::from_text(text, "s.csv");
  const auto want = read_all(loaded);
  ASSERT_EQ(want.size(), 301u);
  for (const std::size_t chunk : {64, 65, 100, 1000, 1 << 20}) {
    auto streamed = CsvReader::stream(dir / "s.csv", chunk);
    EXPECT_EQ(streamed.header(), loaded.header());
    const auto got = read_all(streamed);
    ASSERT_EQ(got.size(), want.size()) << chunk;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].line, want[i].line) << chunk << " row " << i;
      EXPECT_EQ(got[i].fields, want[i].fields) << chunk << " row " << i;
    }
  }
}

TEST(CsvReader, StreamingReportsAnUnterminatedQuoteWithItsLine) {
  testing::TempDir dir;
  testing::write_file(dir / "bad.csv", "x,y\n1,2\n3,\"open\n4,5\n");
  auto reader = CsvReader::stream(dir / "bad.csv", 64);
  ASSERT_TRUE(reader.next());
  try {
    reader.next();
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CsvReader::stream(dir / "absent.csv"), Error);
}

}  // namespace
}  // namespace mre

namespace mre {
namespace {

// Issue 26: what the attack run fed the reader.
TEST(CsvReader, RefusesTextAfterAClosingQuoteNamingLineAndField) {
  auto reader =
      CsvReader::from_text("date,value\n2024-01-02,\"1.0\"\n2024-01-03,\"1.0\"junk\n", "q.csv");
  ASSERT_TRUE(reader.next().has_value());  // "1.0" alone is fine
  try {
    reader.next();
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    EXPECT_EQ(std::string(e.what()),
              "q.csv:3: field 2: text 'junk' after the closing quote (quote the whole field)");
  }
  // A closing quote followed by a delimiter, LF, CRLF or the end of the text is fine.
  auto ok = CsvReader::from_text("a,b\r\n\"x\",\"y\"\r\n\"z\",\"w\"", "ok.csv");
  const auto rows = read_all(ok);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"x", "y"}));
  EXPECT_EQ(rows[1].fields, (Fields{"z", "w"}));
  // A lone CR after the quote is junk too.
  auto cr = CsvReader::from_text("a,b\n\"x\"\rjunk,1\n", "cr.csv");
  EXPECT_THROW(cr.next(), Error);
}

TEST(CsvReader, StreamingRefusesTextAfterAClosingQuoteWhateverTheChunkSize) {
  testing::TempDir dir;
  testing::write_file(dir / "q.csv", "a,b\n\"1\",2\r\n\"3\"x,4\n");
  for (const std::size_t chunk : {1u, 2u, 3u, 5u, 64u}) {
    auto reader = CsvReader::stream(dir / "q.csv", chunk);
    ASSERT_TRUE(reader.next().has_value()) << chunk;
    try {
      reader.next();
      ADD_FAILURE() << "chunk " << chunk << ": accepted";
    } catch (const Error& e) {
      EXPECT_TRUE(testing::contains(e.what(), "q.csv:3: field 1: text 'x' after the closing quote"))
          << e.what();
    }
  }
}

TEST(ParseDateField, TakesADateOrAnIsoTimestampAndNothingElse) {
  EXPECT_EQ(parse_date_field("2030-01-01"), Date::from_ymd(2030, 1, 1));
  EXPECT_EQ(parse_date_field("2030-01-01 00:00:00"), Date::from_ymd(2030, 1, 1));
  EXPECT_EQ(parse_date_field("2030-01-01T12:30Z"), Date::from_ymd(2030, 1, 1));
  EXPECT_FALSE(parse_date_field("2030-01-01 garbage"));
  EXPECT_FALSE(parse_date_field("2030-01-01garbage"));
  EXPECT_FALSE(parse_date_field("2030-01-01 "));
  EXPECT_FALSE(parse_date_field("0000-01-01"));  // year 0000 does not exist
  EXPECT_FALSE(Date::parse("0000-02-29"));
  EXPECT_EQ(parse_date_field("0001-01-01"), Date::from_ymd(1, 1, 1));
}

TEST(QuoteField, CutsALongFieldAt80BytesAndSaysHowLongItWas) {
  EXPECT_EQ(quote_field("abc"), "'abc'");
  EXPECT_EQ(quote_field(std::string(80, 'x')), "'" + std::string(80, 'x') + "'");
  const std::string huge(50'000'000, 'y');
  EXPECT_EQ(quote_field(huge), "'" + std::string(80, 'y') + "...' (50000000 bytes)");
  // Never cut inside a UTF-8 character: 79 ASCII bytes then a 2-byte 'é'.
  const std::string accented = std::string(79, 'a') + "\xC3\xA9" + std::string(10, 'b');
  EXPECT_EQ(quote_field(accented), "'" + std::string(79, 'a') + "...' (91 bytes)");
}

TEST(CsvReader, A50MegabyteBadFieldIsNotEchoedInFull) {
  // Through the series loader, as `mre ingest --source csv` reads it.
  const std::string junk(50'000'000, 'z');
  auto reader = CsvReader::from_text("date,value\n2024-01-02,\"1\"" + junk + "\n", "big.csv");
  try {
    reader.next();
    FAIL() << "expected a DataError";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u);
    EXPECT_TRUE(testing::contains(e.what(), "(50000000 bytes)"))
        << std::string(e.what()).substr(0, 300);
  }
}

}  // namespace
}  // namespace mre

namespace mre {
namespace {

TEST(CsvReader, ADirectoryIsRefusedByName) {
  testing::TempDir dir;
  for (const bool streaming : {false, true}) {
    try {
      if (streaming) {
        CsvReader::stream(dir.path());
      } else {
        CsvReader::open(dir.path());
      }
      ADD_FAILURE() << "accepted a directory";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(std::string(e.what()), dir.path().string() + ": is a directory, not a CSV file");
    }
  }
}

}  // namespace
}  // namespace mre
