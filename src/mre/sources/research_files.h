// Loaders for the research shock data sets bundled under data/snapshot/shocks/ (issue 17), whose
// layouts differ from the single-series FRED/Yahoo files: the Jarocinski-Karadi announcement
// file (one row per FOMC announcement, a timestamp first) and the monthly FOMC-surprise file
// (dates as M/D/YYYY, one column per series).
#pragma once

#include <filesystem>
#include <string>

#include "mre/core/time_series.h"
#include "mre/sources/universe.h"

namespace mre::sources {

// One column of a research file as a series, NaN/empty values dropped.
//  - Announcement layout (header "start,description,..."): the date is the first 10 characters of
//    `start` ("1988-11-02 14:15"); several announcements on one date are SUMMED (the
//    Jarocinski-Karadi file has eight such dates: a statement and a separate action the same day),
//    and `summed_dates` (when given) receives how many dates were sums.
//  - Monthly layout (header "Date,..." with M/D/YYYY dates): the value as published, dated the
//    first of the month.
// Throws IoError (cannot read), DataError "FILE:LINE: ..." for a missing column, a bad date or
// number, or dates out of order.
TimeSeries load_research_column(const std::filesystem::path& path, const std::string& column,
                                const std::string& ticker, int* summed_dates = nullptr);

// A universe series from its bundled file: research files through load_research_column (the
// spec's `id` names the column), every other source through load_series_file.
TimeSeries load_universe_series(const SeriesSpec& spec);

}  // namespace mre::sources
