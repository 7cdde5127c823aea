// The asset classes of the universe: seed 000's seven plus SHOCKS (identified research shock
// series, issue 17): a closed set with stable upper-case names.
#pragma once

#include <optional>
#include <string_view>

namespace mre {

enum class AssetClass { kEquity, kRates, kFx, kCredit, kCommodity, kVolatility, kMacro, kShocks };

// "EQUITY", "RATES", "FX", "CREDIT", "COMMODITY", "VOLATILITY", "MACRO", "SHOCKS".
std::string_view asset_class_name(AssetClass asset_class);
// Exact, upper-case match of the names above.
std::optional<AssetClass> parse_asset_class(std::string_view name);

}  // namespace mre
