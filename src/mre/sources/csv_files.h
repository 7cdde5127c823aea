// Loaders for the bundled data's file formats (FRED, Yahoo-style, date/value) and for a plain
// user CSV (a date column plus value columns). Missing values are dropped: a TimeSeries that
// comes out of here holds present observations only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mre/core/time_series.h"

namespace mre::sources {

// One series from a single-series file. The layout is read from the header: the first column
// is the date (date, Date, DATE, observation_date, timestamp); the value is AdjClose when present
// (Yahoo's adjusted close), else Close, else the second column of a two-column file
// (FRED: DATE,ID / observation_date,ID / date,value / ...). With `column` (open, high, low,
// close; any case) exactly that column is read (DataError naming it when absent).
// Throws IoError (cannot read), DataError "FILE:LINE: ..." (wrong field count, bad date, bad
// number, duplicate or out-of-order date, empty file).
TimeSeries load_series_file(const std::filesystem::path& path, const std::string& ticker,
                            const std::string& column = {});

// A plain CSV: a date column (named date or timestamp, any case) and one series per other
// column, named by its header. Same errors as above.
std::vector<TimeSeries> load_plain_csv(const std::filesystem::path& path);

}  // namespace mre::sources
