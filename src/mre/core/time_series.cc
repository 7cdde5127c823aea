// TimeSeries and Panel construction checks and small views.
#include "mre/core/time_series.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "mre/core/check.h"

namespace mre {

TimeSeries::TimeSeries(std::string name, std::vector<Date> dates, std::vector<double> values)
    : name_(std::move(name)), dates_(std::move(dates)), values_(std::move(values)) {
  check_arg(dates_.size() == values_.size(), "values", "must have one value per date");
  for (std::size_t i = 1; i < dates_.size(); ++i) {
    if (!(dates_[i - 1] < dates_[i])) {
      throw Error(ErrorCode::kInvalidArgument,
                  "series '" + name_ + "': dates must be strictly increasing; " + dates_[i].iso() +
                      " follows " + dates_[i - 1].iso());
    }
  }
}

std::size_t TimeSeries::count_present() const {
  return static_cast<std::size_t>(
      std::count_if(values_.begin(), values_.end(), [](double v) { return !std::isnan(v); }));
}

TimeSeries TimeSeries::slice(Date first, Date last) const {
  const auto lo = std::lower_bound(dates_.begin(), dates_.end(), first);
  const auto hi = std::upper_bound(dates_.begin(), dates_.end(), last);
  const auto a = lo - dates_.begin();
  const auto b = std::max(a, hi - dates_.begin());
  TimeSeries out;
  out.name_ = name_;
  out.dates_.assign(dates_.begin() + a, dates_.begin() + b);
  out.values_.assign(values_.begin() + a, values_.begin() + b);
  return out;
}

TimeSeries TimeSeries::dropna() const {
  TimeSeries out;
  out.name_ = name_;
  for (std::size_t i = 0; i < size(); ++i) {
    if (!std::isnan(values_[i])) {
      out.dates_.push_back(dates_[i]);
      out.values_.push_back(values_[i]);
    }
  }
  return out;
}

Panel::Panel(std::vector<Date> dates, std::vector<std::string> names,
             std::vector<std::vector<double>> columns)
    : dates_(std::move(dates)), names_(std::move(names)), columns_(std::move(columns)) {
  check_arg(names_.size() == columns_.size(), "columns", "must have one name per column");
  std::unordered_set<std::string> seen;
  for (std::size_t c = 0; c < names_.size(); ++c) {
    check_arg(seen.insert(names_[c]).second, "names",
              "must be unique (repeated: " + names_[c] + ")");
    check_arg(columns_[c].size() == dates_.size(), "columns",
              "must each have one value per date (column " + names_[c] + ")");
  }
  for (std::size_t i = 1; i < dates_.size(); ++i) {
    check_arg(dates_[i - 1] < dates_[i], "dates", "must be strictly increasing");
  }
}

std::size_t Panel::index_of(const std::string& name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) throw Error(ErrorCode::kNotFound, "no column named '" + name + "'");
  return static_cast<std::size_t>(it - names_.begin());
}

const std::vector<double>& Panel::column(const std::string& name) const {
  return columns_[index_of(name)];
}

TimeSeries Panel::series(std::size_t index) const {
  return TimeSeries(names_[index], dates_, columns_[index]);
}

}  // namespace mre
