// Regime profile -> JSON with nlohmann::json.
#include "mre/codec/profile_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace mre::codec {
namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json matrix(const Matrix& m) {
  json out = json::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    json row = json::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(number(m(r, c)));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::string regime_profile_to_json(const std::string& version, const std::string& kind, Date first,
                                   Date last, const regimes::RegimeProfile& profile) {
  return regime_profile_document(version, kind, first, last, profile).dump(1);
}

json regime_profile_document(const std::string& version, const std::string& kind, Date first,
                             Date last, const regimes::RegimeProfile& profile) {
  json out;
  out["version"] = version;
  out["kind"] = kind;
  out["first"] = first.iso();
  out["last"] = last.iso();
  out["labels"] = profile.labels;
  out["periods"] = profile.periods;
  out["transition_counts"] = matrix(profile.transition_counts);
  out["transitions"] = matrix(profile.transitions);
  json durations = json::array();
  for (const double d : profile.expected_durations) durations.push_back(number(d));
  out["expected_durations"] = std::move(durations);
  json assets = json::array();
  for (const auto& s : profile.assets) {
    assets.push_back({{"asset", s.asset},
                      {"regime", s.regime},
                      {"days", s.days},
                      {"annual_mean", number(s.annual_mean)},
                      {"annual_volatility", number(s.annual_volatility)},
                      {"sharpe", number(s.sharpe)},
                      {"worst_day", number(s.worst_day)},
                      {"worst_date", s.worst_date.iso()}});
  }
  out["assets"] = std::move(assets);
  out["notes"] = {"labels are the version's stored filtered (online) labels, never smoothed",
                  "each daily simple return is attributed to the regime of the latest labelled "
                  "date at or before "
                  "the previous close",
                  "annualised with 252 days; Sharpe deducts no risk-free rate",
                  "expected duration 1 / (1 - P_ii) in the version's periods (null: never left, or "
                  "never seen)"};
  return out;
}

}  // namespace mre::codec
