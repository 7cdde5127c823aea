// Feature sets: named features, each = input series (tickers, or other features of the set)
// + a chain of ops, computed on one frequency grid with every ticker input aligned as of its
// publication lag. Pure: takes raw series and metadata, returns a Panel. The YAML form of a
// spec is parsed in workflows/feature_spec.cc.
//
// Semantics (the pandas reference in tests/features/reference_features.py follows them):
//  1. Grid. From max(spec.start, earliest first observation of the ticker inputs used) to the
//     latest last observation of those inputs: business days of the US settlement calendar
//     (daily), Fridays (weekly), calendar month ends (month_end); only dates <= the last
//     observation, so a period still open is not emitted.
//  2. Alignment. A ticker's value at grid date t is its last observation with
//     date + publication_lag_days <= t (core/resample.h align_asof), NaN when that observation
//     is older than publication_lag_days + max_gap_days (by the ticker's frequency: daily 10,
//     weekly 14, monthly 35, quarterly 100, annual 370), so a discontinued series goes missing
//     instead of being carried forever.
//  3. Ops, in order, on positions of the grid (transforms.h). A binary op (spread, ratio,
//     correlation) must come first and takes the two inputs; every other op is unary and a
//     feature with one input starts from it.
//  4. A feature with `prefer: TICKER` whose ticker has data is that ticker, aligned, with no ops
//     and no proxy mark.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "mre/core/calendar.h"
#include "mre/core/resample.h"
#include "mre/core/time_series.h"

namespace mre::features {

// The ops, one struct each with its parameters and defaults.
struct Winsorize {
  double p = 0.01;               // clip to the [p, 1-p] expanding quantiles
  std::size_t min_periods = 36;  // pass through until this many present values
};
struct WinsorizeFullSample {  // uses future data
  double p = 0.01;
};
struct ZScore {
  std::size_t min_periods = 36;  // present values before t needed
};
struct Slope {
  std::size_t window = 12;
};
struct Momentum {
  std::size_t window = 12;
  bool ratio = false;  // x_t/x_{t-N} - 1 (ratio-like) or x_t - x_{t-N} (level-like)
};
struct Volatility {
  std::size_t window = 12;
  bool log_changes = false;  // rolling std of ln(x_t/x_{t-1}) instead of x_t - x_{t-1}
};
struct Returns {
  std::size_t horizon = 1;
  bool log = false;
};
struct ForwardReturns {  // forward-looking: an outcome, never a regime input
  std::size_t horizon = 1;
  bool log = false;
};
struct Yoy {};
struct Diff {
  std::size_t periods = 1;
};
struct Scale {
  double factor = 1.0;
};
struct RollingMean {
  std::size_t window = 12;
};
struct EwmDownsideDeviation {  // transforms.h ewm_downside_deviation
  double halflife = 10.0;
  std::size_t min_periods = 1;
  bool log = false;
};
struct EwmSortino {  // transforms.h ewm_sortino
  double halflife = 20.0;
  std::size_t min_periods = 1;
};
struct Spread {};
struct Ratio {};
struct Correlation {
  std::size_t window = 63;
};

using Op = std::variant<Winsorize, WinsorizeFullSample, ZScore, Slope, Momentum, Volatility,
                        Returns, ForwardReturns, Yoy, Diff, Scale, RollingMean,
                        EwmDownsideDeviation, EwmSortino, Spread, Ratio, Correlation>;

// The op's name as written in specs ("winsorize", "zscore", ...).
std::string op_name(const Op& op);
bool is_binary(const Op& op);

struct FeatureSpec {
  std::string name{};
  std::string description{};
  std::vector<std::string> inputs{};  // tickers or names of other features of the set
  std::vector<Op> ops{};
  std::string proxy{};   // non-empty: this feature is a proxy; the text says for what
  std::string prefer{};  // a ticker that, when present, replaces the proxy
};

struct FeatureSetSpec {
  std::string name{};
  std::string description{};
  Frequency frequency = Frequency::kMonthEnd;
  std::optional<Date> start{};
  bool allow_future_data = false;  // permit winsorize_full_sample and forward_returns
  std::vector<FeatureSpec> features{};
};

// A ticker input: its observations and how to align them.
struct TickerInput {
  TimeSeries observations{};
  int publication_lag_days = 0;
  int max_gap_days = 10;
};

struct FeatureInfo {
  std::string name{};
  std::string proxy{};            // empty unless the value is a proxy
  bool uses_future_data = false;  // winsorize_full_sample or forward_returns in its chain
  bool forward_looking = false;   // forward_returns in its chain (or in an input's)
  // Dates on which an op that takes logs of its input (returns or forward_returns with log,
  // volatility with changes: log) met a value of 0 or below, which leaves the feature without a
  // value there: their number, the first such op, date and value.
  std::size_t log_of_non_positive = 0;
  std::string log_op{};
  std::optional<Date> first_non_positive{};
  double first_non_positive_value = 0.0;
};

struct ComputedFeatureSet {
  Panel values{};                   // grid dates x features in spec order
  std::vector<FeatureInfo> info{};  // one per column
};

// Names the spec's ticker inputs (inputs that are not features of the set), in first-use order.
std::vector<std::string> ticker_inputs(const FeatureSetSpec& spec);

// Validates the spec (unknown op arguments were caught by the parser; here: a binary op not
// first or with the wrong number of inputs, an input that is neither a feature nor a ticker of
// `tickers`, a circular definition, window <= 1, p outside (0, 0.5), future-data ops without
// allow_future_data) and computes every feature. `preferred` names the `prefer` tickers that
// have data (they must be in `tickers`). Throws InvalidArgument naming the feature (and the
// spec), DataError when the inputs of a feature have no overlapping dates.
ComputedFeatureSet compute_feature_set(const FeatureSetSpec& spec,
                                       const std::map<std::string, TickerInput>& tickers,
                                       const std::set<std::string>& preferred,
                                       const BusinessCalendar& calendar);

}  // namespace mre::features
