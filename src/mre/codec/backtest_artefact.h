// Backtest versions through the generic artefact API (store/artefact.h): the kind "backtest"
// with its four typed tables, BacktestResult <-> table rows, and the JSON and CSV that
// `mre backtest show/compare` and the API print.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "mre/backtest/result.h"
#include "mre/store/artefact.h"

namespace mre::codec {

// backtest_metrics(strategy, metric; value), backtest_yearly(strategy, year; ret),
// backtest_daily(strategy, date; ret, equity, drawdown, exposure, turnover, regime),
// backtest_selection(strategy, date, candidate; sharpe, chosen). Never changes shape.
const store::ArtefactKind& backtest_kind();

std::vector<store::ArtefactTable> encode_backtest(const backtest::BacktestResult& result);
// `tables` as read back (any order; a missing daily or selection table leaves those empty).
// DataError for a row of the wrong shape or an unknown metric name.
backtest::BacktestResult decode_backtest(const std::vector<store::ArtefactTable>& tables);

// {"version", "spec_name", "spec_hash", "inputs", "created_at", "strategies": [{name, kind,
// metrics: {...}, years: {...}, [days: [...]], [selection: [...]]}]}; NaN as null.
std::string backtest_to_json(const store::ArtefactHeader& header,
                             const backtest::BacktestResult& result, bool with_days);
// The same as a document, keys in that order: backtest_to_json is its dump(2) and a newline.
nlohmann::ordered_json backtest_document(const store::ArtefactHeader& header,
                                         const backtest::BacktestResult& result, bool with_days);
// strategy,metric,value rows (years as "year_YYYY"), or with `days` the daily path.
std::string backtest_to_csv(const backtest::BacktestResult& result, bool days);
// The metric names in table order (annual_return, volatility, ...).
const std::vector<std::string>& backtest_metric_names();
double metric_value(const backtest::Metrics& m, const std::string& name);

}  // namespace mre::codec
