// Revision diffing: a merge of two sorted date lists, O(n + m).
#include "mre/store/revisions.h"

#include <cmath>
#include <set>

#include "mre/core/error.h"

namespace mre::store {

std::size_t WriteResult::inserted() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.inserted;
  return n;
}
std::size_t WriteResult::revised() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.revised;
  return n;
}
std::size_t WriteResult::unchanged() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.unchanged;
  return n;
}

RevisionDiff diff_against_current(std::span<const Date> current_dates,
                                  std::span<const double> current_values,
                                  const TimeSeries& incoming) {
  RevisionDiff diff;
  diff.summary.ticker = incoming.name();
  const auto& dates = incoming.dates();
  const auto& values = incoming.values();
  std::size_t j = 0;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    while (j < current_dates.size() && current_dates[j] < dates[i]) ++j;
    if (j < current_dates.size() && current_dates[j] == dates[i]) {
      if (current_values[j] == values[i]) {
        ++diff.summary.unchanged;
        continue;
      }
      ++diff.summary.revised;
    } else {
      ++diff.summary.inserted;
    }
    diff.rows.push_back({dates[i], values[i]});
  }
  return diff;
}

void validate_batch(std::span<const SeriesWrite> batch) {
  std::set<std::string> seen;
  for (const auto& write : batch) {
    if (write.ticker.empty()) throw Error(ErrorCode::kDataError, "write_raw: empty ticker");
    if (!seen.insert(write.ticker).second) {
      throw Error(ErrorCode::kDataError, "write_raw: ticker '" + write.ticker + "' appears twice in one write");
    }
    const auto& values = write.data.values();
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) {
        throw Error(ErrorCode::kDataError, "write_raw: ticker '" + write.ticker + "' has a non-finite value on " +
                                               write.data.dates()[i].iso());
      }
    }
  }
}

TimeSeries current_view(const std::string& ticker, std::span<const RawRow> rows,
                        std::optional<Timestamp> as_of) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& row : rows) {
    if (as_of && row.ingested_at > *as_of) continue;
    if (!dates.empty() && dates.back() == row.date) {
      values.back() = row.value;  // a later revision of the same date
    } else {
      dates.push_back(row.date);
      values.push_back(row.value);
    }
  }
  return TimeSeries(ticker, std::move(dates), std::move(values));
}

}  // namespace mre::store
