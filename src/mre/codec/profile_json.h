// A regime profile (regimes/profile.h) as JSON: the `regimes profile --format json` output.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "mre/core/date.h"
#include "mre/regimes/profile.h"

namespace mre::codec {

// {"version", "kind", "first", "last", "labels", "periods", "transition_counts", "transitions",
//  "expected_durations", "assets": [{asset, regime, days, annual_mean, annual_volatility, sharpe,
//  worst_day, worst_date}], "notes"}; NaN and infinity as null.
std::string regime_profile_to_json(const std::string& version, const std::string& kind, Date first,
                                   Date last, const regimes::RegimeProfile& profile);
// The same as a document (keys sorted): regime_profile_to_json is its dump(1), and the API
// encodes it once, as that JSON or as CSV.
nlohmann::json regime_profile_document(const std::string& version, const std::string& kind,
                                       Date first, Date last,
                                       const regimes::RegimeProfile& profile);

}  // namespace mre::codec
