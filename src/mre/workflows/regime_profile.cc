// The profile use case: read the labels and prices, call regimes::profile.
#include "mre/workflows/regime_profile.h"

#include <algorithm>

#include "mre/core/error.h"

namespace mre::workflows {

RegimeProfileReport profile_regime_version(const store::Store& store,
                                           const RegimeProfileOptions& options) {
  if (options.assets.empty())
    throw Error(ErrorCode::kInvalidArgument, "assets: name at least one ticker");
  const auto model = store.find_regime_model(options.version);
  if (!model)
    throw Error(ErrorCode::kNotFound,
                "no regime version '" + options.version + "' (see 'mre regimes list')");
  return profile_regime_rows(store, options.version, model->kind, model->labels,
                             store.read_regimes(options.version, std::nullopt, std::nullopt),
                             options.assets);
}

RegimeProfileReport profile_regime_rows(const store::Store& store, const std::string& version,
                                        const std::string& kind,
                                        const std::vector<std::string>& names,
                                        const std::vector<store::RegimeRow>& rows,
                                        const std::vector<std::string>& assets) {
  if (assets.empty()) throw Error(ErrorCode::kInvalidArgument, "assets: name at least one ticker");
  // A ticker named twice was profiled twice: the HTTP API's ?assets=^GSPC,^GSPC,... (1,300 times,
  // an 8 KB URL) kept a server busy for minutes and grew it by gigabytes (QA 2026-12-08). With
  // each ticker once, the list is bounded by the store's series.
  for (std::size_t i = 0; i < assets.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (assets[j] == assets[i])
        throw Error(ErrorCode::kInvalidArgument, "assets: '" + assets[i] + "' is named twice");
    }
  }
  if (rows.empty())
    throw Error(ErrorCode::kDataError, "regime version '" + version + "' has no labelled dates");
  std::vector<Date> dates;
  std::vector<int> labels;
  for (const auto& r : rows) {
    const auto it = std::find(names.begin(), names.end(), r.regime);
    if (it == names.end()) {
      throw Error(ErrorCode::kDataError, "regime version '" + version + "': label '" + r.regime +
                                             "' on " + r.date.iso() +
                                             " is not one of the version's labels");
    }
    dates.push_back(r.date);
    labels.push_back(static_cast<int>(it - names.begin()));
  }
  std::vector<TimeSeries> prices;
  for (const auto& ticker : assets) {
    auto series = store.read_raw({.ticker = ticker});
    if (!series || series->empty()) {
      throw Error(ErrorCode::kNotFound,
                  "assets: no prices for '" + ticker + "' in the store (see 'mre series list')");
    }
    prices.emplace_back(ticker, series->dates(),
                        series->values());  // named by the ticker asked for
  }
  RegimeProfileReport out;
  out.version = version;
  out.kind = kind;
  out.first = dates.front();
  out.last = dates.back();
  out.profile = regimes::profile(dates, labels, names, prices);
  for (const auto& ticker : assets) {
    const bool any =
        std::any_of(out.profile.assets.begin(), out.profile.assets.end(),
                    [&](const regimes::RegimeAssetStats& s) { return s.asset == ticker; });
    if (!any) {
      throw Error(ErrorCode::kDataError, "assets: '" + ticker + "' has no daily return between " +
                                             out.first.iso() + " and " + out.last.iso() +
                                             " (the version's labelled dates)");
    }
  }
  return out;
}

}  // namespace mre::workflows
