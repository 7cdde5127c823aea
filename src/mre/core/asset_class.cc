// Names of the asset classes.
#include "mre/core/asset_class.h"

#include <array>
#include <utility>

namespace mre {
namespace {
constexpr std::array<std::pair<AssetClass, std::string_view>, 8> kNames{{
    {AssetClass::kEquity, "EQUITY"},
    {AssetClass::kRates, "RATES"},
    {AssetClass::kFx, "FX"},
    {AssetClass::kCredit, "CREDIT"},
    {AssetClass::kCommodity, "COMMODITY"},
    {AssetClass::kVolatility, "VOLATILITY"},
    {AssetClass::kMacro, "MACRO"},
    {AssetClass::kShocks, "SHOCKS"},
}};
}  // namespace

std::string_view asset_class_name(AssetClass asset_class) {
  for (const auto& [value, name] : kNames) {
    if (value == asset_class) return name;
  }
  return "MACRO";
}

std::optional<AssetClass> parse_asset_class(std::string_view name) {
  for (const auto& [value, text] : kNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace mre
