// See effects_treatments.h.
#include "mre/workflows/effects_treatments.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "mre/causal/surprise.h"
#include "mre/core/error.h"

namespace mre::workflows {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
// mps_orth: the FOMC months an orthogonalising regression needs before its first residual (seven
// coefficients; on the bundled file the 60 months with every predictor end in 1994-06).
constexpr int kMinOrthogonaliseRows = 60;

TimeSeries raw(const store::Store& store, const std::string& ticker,
               std::optional<Timestamp> as_of) {
  auto series =
      store.read_raw({.ticker = ticker, .from = std::nullopt, .to = std::nullopt, .as_of = as_of});
  if (!series || series->empty()) {
    throw Error(ErrorCode::kNotFound,
                "treatment: the series " + ticker +
                    " is not in the store (run 'mre ingest' or 'mre run': it comes from "
                    "data/snapshot/shocks/ or the FRED snapshot)");
  }
  return *series;
}

// Index of the grid month-end of a date's month (or -1 when the grid does not hold that month).
std::map<std::pair<int, int>, std::size_t> month_index(const std::vector<Date>& grid) {
  std::map<std::pair<int, int>, std::size_t> out;
  for (std::size_t i = 0; i < grid.size(); ++i) out[{grid[i].year(), grid[i].month()}] = i;
  return out;
}

std::pair<int, int> add_months(int year, int month, int k) {
  const int total = year * 12 + (month - 1) + k;
  return {total / 12, total % 12 + 1};
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);  // numpy's linear interpolation
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

const std::vector<TreatmentInfo>& known_treatments() {
  static const std::vector<TreatmentInfo> kKnown = {
      {.name = "mp_surprise",
       .identified = true,
       .identification = "identified: Jarocinski-Karadi MP1, the 30-minute change in the expected "
                         "fed funds rate around "
                         "each FOMC announcement (high-frequency identification); monthly = the "
                         "sum of the month's "
                         "announcements",
       .unit = "pp",
       .narrative_scale = 0.25,
       .narrative_unit = "25 bp",
       .event_series = "MP1_JK",
       .built = true},
      {.name = "mps",
       .identified = true,
       .identification =
           "identified: Bauer-Swanson monetary policy surprise (mps_orig1, first principal "
           "component of "
           "30-minute futures changes, not orthogonalised to macro news), monthly sum",
       .unit = "pp",
       .narrative_scale = 0.25,
       .narrative_unit = "25 bp",
       .built = true},
      {.name = "mps_orth",
       .identified = true,
       .identification =
           "identified: mps orthogonalised in real time to the six pre-announcement predictors of "
           "Bauer and Swanson (2023) (payroll surprise, 12-month employment growth, 3-month "
           "changes of the S&P 500, the yield curve slope and commodity prices, Treasury yield "
           "skewness), each FOMC month the residual of an OLS on the FOMC months before it",
       .unit = "pp",
       .narrative_scale = 0.25,
       .narrative_unit = "25 bp",
       .built = true},
      {.name = "nfp_surprise",
       .identified = true,
       .identification = "identified (data surprise): nonfarm payrolls minus the survey consensus, "
                         "as published in "
                         "mp1_monthly.csv (aligned to FOMC months; some months repeat the previous "
                         "value; 2020-06 is "
                         "an outlier)",
       .unit = "as published",
       .built = true},
      {.name = "nfp_surprise_w",
       .identified = true,
       .identification = "identified (data surprise): nfp_surprise clipped to the 1st-99th "
                         "percentiles of the values "
                         "before each month (expanding, no look-ahead)",
       .unit = "as published",
       .built = true},
      {.name = "cpi_surprise_rt",
       .identified = false,
       .identification =
           "statistical surprise, weaker than mp_surprise: CPI inflation minus an AR(2) forecast "
           "fitted "
           "on the 120 months before the release, on revised data (no consensus levels or first "
           "releases are bundled)",
       .unit = "pp of monthly inflation",
       .built = true},
      {.name = "gdp_surprise_rt",
       .identified = false,
       .identification = "statistical surprise, weaker than mp_surprise: GDP growth minus an AR(1) "
                         "forecast fitted on "
                         "the 40 quarters before the release, on revised data (no consensus levels "
                         "or first releases "
                         "are bundled)",
       .unit = "pp of quarterly growth",
       .built = true},
      {.name = "fed_shock",
       .identified = false,
       .identification =
           "not identified: last month's change in the monthly-average fed funds rate, anticipated "
           "and endogenous (the Fed reacts to the economy) and up to six weeks stale; read as a "
           "correlation, not an effect of the Fed",
       .unit = "pp",
       .narrative_scale = 0.25,
       .narrative_unit = "25 bp"},
      {.name = "cpi_surprise",
       .identified = false,
       .identification = "not identified: CPI's deviation from its 12-month mean, a trend gap "
                         "rather than a surprise "
                         "against expectations"},
      {.name = "gdp_surprise",
       .identified = false,
       .identification = "not identified: GDP's deviation from its 8-quarter mean, a trend gap "
                         "rather than a surprise "
                         "against expectations"},
  };
  return kKnown;
}

TreatmentInfo treatment_info(const std::string& name) {
  for (const auto& t : known_treatments()) {
    if (t.name == name) return t;
  }
  return {.name = name,
          .identified = false,
          .identification =
              "not identified: a column of the feature set, not a known identified shock"};
}

std::vector<double> build_treatment(const store::Store& store, const std::string& name,
                                    const std::vector<Date>& grid, std::optional<Timestamp> as_of) {
  std::vector<double> out(grid.size(), kNan);
  const auto months = month_index(grid);
  const auto put = [&](int year, int month, double value, bool add) {
    const auto it = months.find({year, month});
    if (it == months.end()) return;
    double& slot = out[it->second];
    slot = add && std::isfinite(slot) ? slot + value : value;
  };
  if (name == "mp_surprise") {
    const auto s = raw(store, "MP1_JK", as_of);
    const Date first = s.dates().front().start_of_month();
    const Date last = s.dates().back().end_of_month();
    for (std::size_t i = 0; i < grid.size(); ++i) {
      if (grid[i] >= first && grid[i] <= last) out[i] = 0.0;
    }
    for (std::size_t i = 0; i < s.size(); ++i)
      put(s.dates()[i].year(), s.dates()[i].month(), s.values()[i], true);
    return out;
  }
  if (name == "mps" || name == "nfp_surprise" || name == "nfp_surprise_w") {
    const auto s = raw(store, name == "mps" ? "MPS_BS" : "NFP_SURP", as_of);
    for (std::size_t i = 0; i < s.size(); ++i)
      put(s.dates()[i].year(), s.dates()[i].month(), s.values()[i], false);
    if (name == "nfp_surprise_w") {
      std::vector<double> past;
      for (double& v : out) {
        if (!std::isfinite(v)) continue;
        const double original = v;
        if (past.size() >= 60) v = std::clamp(v, quantile(past, 0.01), quantile(past, 0.99));
        past.push_back(original);
      }
    }
    return out;
  }
  if (name == "mps_orth") {
    // One row per month of MPS_BS; the predictors matched by calendar month (NaN where absent).
    const auto mps = raw(store, "MPS_BS", as_of);
    const auto by_month = [](const TimeSeries& series) {
      std::map<std::pair<int, int>, double> m;
      for (std::size_t i = 0; i < series.size(); ++i)
        m[{series.dates()[i].year(), series.dates()[i].month()}] = series.values()[i];
      return m;
    };
    std::vector<std::vector<double>> predictors;
    for (const char* ticker :
         {"NFP_SURP", "NFP_12M_BS", "SP500_3M_BS", "SLOPE_3M_BS", "BCOM_3M_BS", "TR_SKEW_BS"}) {
      const auto m = by_month(raw(store, ticker, as_of));
      std::vector<double> column;
      for (const Date& d : mps.dates()) {
        const auto it = m.find({d.year(), d.month()});
        column.push_back(it == m.end() ? kNan : it->second);
      }
      predictors.push_back(std::move(column));
    }
    // A month without an FOMC announcement has mps = 0 (no surprise): it stays 0 and is not a
    // row of the regression.
    std::vector<double> y(mps.values().begin(), mps.values().end());
    for (double& v : y) {
      if (v == 0.0) v = kNan;
    }
    const auto residual = causal::real_time_orthogonalised(y, predictors, kMinOrthogonaliseRows);
    for (std::size_t i = 0; i < mps.size(); ++i) {
      const double v = mps.values()[i] == 0.0 ? 0.0 : residual[i];
      if (std::isfinite(v)) put(mps.dates()[i].year(), mps.dates()[i].month(), v, false);
    }
    // Before the first orthogonalised announcement the series is missing, not zero.
    const auto first =
        std::find_if(residual.begin(), residual.end(), [](double v) { return std::isfinite(v); });
    if (first == residual.end())
      throw Error(ErrorCode::kDataError, "treatment: mps_orth has no announcement with " +
                                             std::to_string(kMinOrthogonaliseRows) +
                                             " earlier ones to orthogonalise against");
    const Date start =
        mps.dates()[static_cast<std::size_t>(first - residual.begin())].start_of_month();
    for (std::size_t i = 0; i < grid.size(); ++i) {
      if (grid[i] < start) out[i] = kNan;
    }
    return out;
  }
  if (name == "cpi_surprise_rt" || name == "gdp_surprise_rt") {
    const bool cpi = name == "cpi_surprise_rt";
    const auto s = raw(store, cpi ? "CPIAUCSL" : "GDP", as_of);
    std::vector<double> growth(s.size(), kNan);
    for (std::size_t i = 1; i < s.size(); ++i)
      growth[i] = 100.0 * std::log(s.values()[i] / s.values()[i - 1]);
    const auto surprise = causal::real_time_ar_surprise(
        growth, cpi ? causal::ArSurpriseOptions{.lags = 2, .window = 120}
                    : causal::ArSurpriseOptions{.lags = 1, .window = 40});
    const int release_after =
        cpi ? 1 : 3;  // months from the observation's date to its release month
    // 0 between releases (GDP), from the first forecastable release on.
    std::optional<Date> first_release;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (!std::isfinite(surprise[i])) continue;
      const auto [y, m] = add_months(s.dates()[i].year(), s.dates()[i].month(), release_after);
      if (!first_release) first_release = Date::from_ymd(y, m, 1);
    }
    if (!first_release)
      throw Error(ErrorCode::kDataError, "treatment: " + name + " has no forecastable release");
    const auto [ly, lm] =
        add_months(s.dates().back().year(), s.dates().back().month(), release_after);
    const Date last_release = Date::from_ymd(ly, lm, 1).end_of_month();
    for (std::size_t i = 0; i < grid.size(); ++i) {
      if (grid[i] >= *first_release && grid[i] <= last_release) out[i] = 0.0;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (!std::isfinite(surprise[i])) continue;
      const auto [y, m] = add_months(s.dates()[i].year(), s.dates()[i].month(), release_after);
      put(y, m, surprise[i], false);
    }
    return out;
  }
  throw Error(ErrorCode::kInvalidArgument, "treatment: '" + name + "' is not a built treatment");
}

}  // namespace mre::workflows
