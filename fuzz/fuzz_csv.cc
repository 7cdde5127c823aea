// Fuzz target: the CSV reader (core/csv.h) and the file loaders built on it
// (sources/csv_files.h). Beyond "no crash, only mre::Error": the three ways of reading a file
// (whole text, open(), stream() in small chunks) must give the same header, rows and error -
// csv.h promises stream() is the same as open().
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "mre/core/csv.h"
#include "mre/sources/csv_files.h"

namespace {

using mre::CsvReader;
using mre::CsvRow;

// Everything a reader produced, or the message it stopped with.
struct Reading {
  std::vector<std::string> header;
  std::vector<std::size_t> lines;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> texts;
  std::string error;
};

template <typename Open>
Reading read_all(Open open) {
  Reading r;
  try {
    CsvReader reader = open();
    r.header = reader.header();
    CsvRow row;
    while (reader.next(row)) {
      r.lines.push_back(row.line);
      r.rows.emplace_back(row.fields.begin(), row.fields.end());
      r.texts.emplace_back(row.text);
      for (const auto field : row.fields) {
        if (!mre::is_missing_token(field)) (void)mre::parse_double(field);
      }
    }
  } catch (const mre::Error& e) {
    if (e.code() == mre::ErrorCode::kInternal) throw;
    r.error = e.what();
  }
  return r;
}

void same_or_abort(const Reading& a, const Reading& b, const char* what) {
  if (a.header == b.header && a.lines == b.lines && a.rows == b.rows && a.texts == b.texts &&
      a.error == b.error)
    return;
  std::fprintf(
      stderr,
      "fuzz finding: %s differs from the whole-text reader (rows %zu vs %zu, error '%s' vs '%s')\n",
      what, a.rows.size(), b.rows.size(), a.error.c_str(), b.error.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = mre::fuzz::as_text(data, size);
  const auto path = mre::fuzz::scratch_file(text, "input.csv");
  // The chunk size from the input's length, so short inputs also cross chunk boundaries
  // (stream() reads at least 64 bytes at a time).
  const std::size_t chunk = 64 + size % 61;
  mre::fuzz::expect_only_mre_errors("csv reader", [&] {
    const Reading whole =
        read_all([&] { return CsvReader::from_text(std::string(text), path.string()); });
    same_or_abort(read_all([&] { return CsvReader::open(path); }), whole, "CsvReader::open");
    same_or_abort(read_all([&] { return CsvReader::stream(path, chunk); }), whole,
                  "CsvReader::stream");
  });
  mre::fuzz::expect_only_mre_errors("load_series_file",
                                    [&] { (void)mre::sources::load_series_file(path, "FUZZ"); });
  mre::fuzz::expect_only_mre_errors("load_plain_csv",
                                    [&] { (void)mre::sources::load_plain_csv(path); });
  return 0;
}
