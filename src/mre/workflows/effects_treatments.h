// The treatments the effects workflows know (issue 17), in one registry: the identified shocks
// built from research series in the store (mp_surprise, mps, mps_orth, nfp_surprise[_w]), the
// real-time statistical surprises (cpi_surprise_rt, gdp_surprise_rt), and the seed's feature-set
// treatments (fed_shock, cpi_surprise, gdp_surprise), which are NOT identified shocks and say so
// everywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct TreatmentInfo {
  std::string name{};
  bool identified = false;       // an identified (exogenous, unanticipated) shock
  std::string identification{};  // one line: what it is and what it identifies (or why it does not)
  std::string unit{};            // e.g. "pp" (percentage points of the expected policy rate)
  double narrative_scale = 1.0;  // narratives speak per this many units (0.25: "per 25 bp")
  std::string narrative_unit{};  // "25 bp" when narrative_scale = 0.25 of a pp
  std::string event_series{};  // the store ticker of the announcement-dated series (event studies)
  bool built = false;          // built from raw series here (not a column of the feature set)
};

// Every known treatment; unknown names (a column of a user's feature set) get a default entry
// with identified = false and a generic line.
const std::vector<TreatmentInfo>& known_treatments();
TreatmentInfo treatment_info(const std::string& name);

// A built treatment on a month-end grid (one value per grid date; NaN outside the series' span),
// from the store's raw series as of `as_of`:
//  - mp_surprise: MP1_JK summed over the announcements in each calendar month (0 in a month
//    without one, inside the data set's span 1988-11 .. its `ended` month 2024-01);
//  - mps, nfp_surprise: MPS_BS, NFP_SURP (monthly, dated the 1st) at that month's end;
//  - mps_orth: MPS_BS at its non-zero (FOMC) months minus its fit on NFP_SURP, NFP_12M_BS,
//    SP500_3M_BS, SLOPE_3M_BS, BCOM_3M_BS and TR_SKEW_BS by OLS over the FOMC months before it
//    (causal::real_time_orthogonalised, from 60 of them on); 0 in a month without an
//    announcement; NaN before the first residual and where a predictor is missing;
//  - nfp_surprise_w: nfp_surprise clipped to the 1st and 99th percentiles of the values BEFORE
//    each month (expanding, from 60 values on; no look-ahead);
//  - cpi_surprise_rt: CPI inflation (100 x month-on-month log change of CPIAUCSL) minus its AR(2)
//    forecast fitted on the 120 months before (causal/surprise.h), placed at the end of the month
//    after the reference month (the month CPI is released);
//  - gdp_surprise_rt: GDP growth (100 x quarter-on-quarter log change of GDP) minus its AR(1)
//    forecast on the 40 quarters before, placed at the end of the third month after the quarter's
//    first (the advance estimate's month); 0 in months without a release.
// NotFound naming the ticker (and how to ingest it) when the raw series is absent; InvalidArgument
// for a name that is not built.
std::vector<double> build_treatment(const store::Store& store, const std::string& name,
                                    const std::vector<Date>& grid,
                                    std::optional<Timestamp> as_of = std::nullopt);

}  // namespace mre::workflows
