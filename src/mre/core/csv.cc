// CSV tokenizing and strict number parsing.
#include "mre/core/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "mre/core/error.h"

namespace mre {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Date> parse_date_field(std::string_view field) {
  const auto date = Date::parse(field.substr(0, std::min<std::size_t>(field.size(), 10)));
  if (!date || (field.size() > 10 && !Timestamp::parse(field))) return std::nullopt;
  return date;
}

std::string quote_field(std::string_view field, std::size_t max_bytes) {
  if (field.size() <= max_bytes) return "'" + std::string(field) + "'";
  // Cut at a UTF-8 character boundary so the message stays valid text.
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(field[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(field.substr(0, cut)) + "...' (" + std::to_string(field.size()) +
         " bytes)";
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_missing_token(std::string_view field) {
  field = trim(field);
  return field.empty() || field == "." || field == "NA" || field == "N/A" || field == "#N/A" ||
         field == "NaN" || field == "nan" || field == "null";
}

std::optional<double> parse_double(std::string_view field) {
  field = trim(field);
  if (!field.empty() && field.front() == '+') {
    field.remove_prefix(1);
    if (!field.empty() && (field.front() == '-' || field.front() == '+')) return std::nullopt;
  }
  if (field.empty()) return std::nullopt;
  double value = 0.0;
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

CsvReader::CsvReader(std::string text, std::string name, std::shared_ptr<std::istream> input,
                     std::size_t chunk)
    : text_(std::move(text)), name_(std::move(name)), input_(std::move(input)), chunk_(chunk) {
  if (input_ && !refill()) input_.reset();
  if (text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3;
  CsvRow row;
  if (!read_record(row)) {
    throw Error(ErrorCode::kDataError, name_ + ":1: empty file (no header line)");
  }
  for (auto f : row.fields) header_.emplace_back(trim(f));
}

namespace {
// A directory opens as a stream on Linux and reads as garbage sizes: refuse it by name.
void check_not_directory(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorCode::kInvalidArgument, path.string() + ": is a directory, not a CSV file");
  }
}
}  // namespace

CsvReader CsvReader::open(const std::filesystem::path& path) {
  check_not_directory(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIoError, path.string() + ": cannot open file");
  std::string text;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw Error(ErrorCode::kIoError, path.string() + ": cannot read file");
  text.resize(static_cast<std::size_t>(size));
  in.seekg(0);
  in.read(text.data(), size);
  if (!in) throw Error(ErrorCode::kIoError, path.string() + ": read failed");
  return CsvReader(std::move(text), path.string());
}

CsvReader CsvReader::stream(const std::filesystem::path& path, std::size_t chunk) {
  check_not_directory(path);
  auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*in) throw Error(ErrorCode::kIoError, path.string() + ": cannot open file");
  return CsvReader(std::string(), path.string(), std::move(in), std::max<std::size_t>(chunk, 64));
}

bool CsvReader::refill() {
  if (!input_ || !*input_) return false;
  text_.erase(0, pos_);
  pos_ = 0;
  const std::size_t old = text_.size();
  text_.resize(old + chunk_);
  input_->read(text_.data() + old, static_cast<std::streamsize>(chunk_));
  const auto got = static_cast<std::size_t>(input_->gcount());
  text_.resize(old + got);
  if (input_->bad()) throw Error(ErrorCode::kIoError, name_ + ": read failed");
  return got > 0;
}

CsvReader CsvReader::from_text(std::string text, std::string name) {
  return CsvReader(std::move(text), std::move(name));
}

std::optional<std::size_t> CsvReader::find_column(std::string_view column) const {
  const std::string want = to_lower(column);
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (to_lower(header_[i]) != want) continue;
    if (found) {
      throw Error(ErrorCode::kDataError,
                  name_ + ":1: column '" + header_[i] + "' appears twice (columns " +
                      std::to_string(*found + 1) + " and " + std::to_string(i + 1) + ")");
    }
    found = i;
  }
  return found;
}

std::optional<CsvRow> CsvReader::next() {
  CsvRow row;
  if (!read_record(row)) return std::nullopt;
  return row;
}

bool CsvReader::next(CsvRow& row) { return read_record(row); }

bool CsvReader::read_record(CsvRow& row) {
  while (true) {
    const std::size_t start = pos_;
    const std::size_t start_line = line_;
    const Parse result = parse_record(row);
    if (result == Parse::kRecord) return true;
    if (result == Parse::kEnd) return false;
    // Stream mode: the record may run past the loaded text; load more and parse it again (at
    // the end of the input, what is there is the last record).
    pos_ = start;
    line_ = start_line;
    if (!refill()) input_.reset();
  }
}

CsvReader::Parse CsvReader::parse_record(CsvRow& row) {
  row.fields.clear();
  unescaped_.clear();
  const bool more = input_ != nullptr;  // more text may follow the loaded buffer
  const std::size_t n = text_.size();
  // Skip blank lines (LF or CRLF).
  while (pos_ < n && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= n) return more ? Parse::kIncomplete : Parse::kEnd;
  row.line = line_;
  const std::size_t record_start = pos_;
  const char* data = text_.data();
  while (true) {
    if (pos_ < n && data[pos_] == '"') {
      // Quoted field.
      const std::size_t start = ++pos_;
      bool escaped = false;
      std::size_t close = std::string::npos;
      while (pos_ < n) {
        if (data[pos_] == '"') {
          if (pos_ + 1 >= n && more) return Parse::kIncomplete;
          if (pos_ + 1 < n && data[pos_ + 1] == '"') {
            escaped = true;
            pos_ += 2;
            continue;
          }
          close = pos_;
          break;
        }
        if (data[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (close == std::string::npos) {
        if (more) return Parse::kIncomplete;
        throw Error(ErrorCode::kDataError,
                    name_ + ":" + std::to_string(row.line) + ": unterminated quoted field");
      }
      std::string_view raw(data + start, close - start);
      if (escaped) {
        std::string& s = unescaped_.emplace_back();
        s.reserve(raw.size());
        for (std::size_t k = 0; k < raw.size(); ++k) {
          s.push_back(raw[k]);
          if (raw[k] == '"') ++k;  // skip the second quote of ""
        }
        row.fields.emplace_back(s);
      } else {
        row.fields.push_back(raw);
      }
      pos_ = close + 1;
      // Only a delimiter, a line end (LF or CRLF) or the end of the text may follow the closing
      // quote.
      if (pos_ < n && data[pos_] == '\r' && pos_ + 1 >= n && more) return Parse::kIncomplete;
      if (pos_ < n && data[pos_] != ',' && data[pos_] != '\n' &&
          !(data[pos_] == '\r' && (pos_ + 1 >= n || data[pos_ + 1] == '\n'))) {
        std::size_t junk_end = pos_;
        while (junk_end < n && data[junk_end] != ',' && data[junk_end] != '\n') ++junk_end;
        // The junk runs to the end of a loaded chunk: read on, so the message names all of it
        // exactly as a whole-text read does (csv.h: open() and stream() give the same errors).
        if (junk_end >= n && more) return Parse::kIncomplete;
        throw Error(ErrorCode::kDataError,
                    name_ + ":" + std::to_string(row.line) + ": field " +
                        std::to_string(row.fields.size()) + ": text " +
                        quote_field(std::string_view(data + pos_, junk_end - pos_)) +
                        " after the closing quote (quote the whole field)");
      }
      if (pos_ < n && data[pos_] == '\r') ++pos_;
    } else {
      const std::size_t start = pos_;
      while (pos_ < n && data[pos_] != ',' && data[pos_] != '\n') ++pos_;
      std::size_t end = pos_;
      if (end > start && data[end - 1] == '\r' && (pos_ >= n || data[pos_] == '\n')) --end;
      row.fields.emplace_back(data + start, end - start);
    }
    if (pos_ >= n) {
      if (more) return Parse::kIncomplete;
      break;
    }
    if (data[pos_] == ',') {
      ++pos_;
      continue;
    }
    // Newline ends the record.
    ++pos_;
    ++line_;
    break;
  }
  std::size_t record_end = pos_;
  if (record_end > record_start && data[record_end - 1] == '\n') --record_end;
  if (record_end > record_start && data[record_end - 1] == '\r') --record_end;
  row.text = std::string_view(data + record_start, record_end - record_start);
  return Parse::kRecord;
}

}  // namespace mre
