// TimeSeries: strictly increasing dates with one double each (NaN = missing), and Panel:
// dates x named columns, the wide form that features and models consume.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "mre/core/date.h"

namespace mre {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

class TimeSeries {
 public:
  TimeSeries() = default;
  // REQUIRES: dates strictly increasing and sizes equal (checked: InvalidArgument naming
  // `name` and the first offending date).
  TimeSeries(std::string name, std::vector<Date> dates, std::vector<double> values);

  const std::string& name() const { return name_; }
  const std::vector<Date>& dates() const { return dates_; }
  const std::vector<double>& values() const { return values_; }
  std::size_t size() const { return dates_.size(); }
  bool empty() const { return dates_.empty(); }
  // Observations that are not NaN.
  std::size_t count_present() const;

  // Observations with first <= date <= last.
  TimeSeries slice(Date first, Date last) const;
  // The same series without its NaN observations.
  TimeSeries dropna() const;

 private:
  std::string name_;
  std::vector<Date> dates_;
  std::vector<double> values_;
};

class Panel {
 public:
  Panel() = default;
  // REQUIRES: dates strictly increasing; every column as long as dates; unique names.
  Panel(std::vector<Date> dates, std::vector<std::string> names,
        std::vector<std::vector<double>> columns);

  const std::vector<Date>& dates() const { return dates_; }
  const std::vector<std::string>& names() const { return names_; }
  std::size_t rows() const { return dates_.size(); }
  std::size_t cols() const { return names_.size(); }
  const std::vector<double>& column(std::size_t index) const { return columns_[index]; }
  // Throws NotFound naming the column.
  const std::vector<double>& column(const std::string& name) const;
  std::size_t index_of(const std::string& name) const;
  TimeSeries series(std::size_t index) const;

 private:
  std::vector<Date> dates_;
  std::vector<std::string> names_;
  std::vector<std::vector<double>> columns_;
};

}  // namespace mre
