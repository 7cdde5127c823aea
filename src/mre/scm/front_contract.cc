// See front_contract.h.
#include "mre/scm/front_contract.h"

#include <cmath>

#include "mre/core/error.h"

namespace mre::scm {

SplicedFrontContract splice_front_contract(const std::vector<Date>& dates,
                                           const std::vector<double>& open,
                                           const std::vector<double>& close,
                                           const BusinessCalendar& calendar,
                                           const FrontContractConfig& config) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kDataError, config.name + ": " + why);
  };
  if (open.size() != dates.size() || close.size() != dates.size()) {
    throw bad("open (" + std::to_string(open.size()) + ") and close (" +
              std::to_string(close.size()) + ") prices on " + std::to_string(dates.size()) +
              " dates: every date needs both");
  }
  if (config.max_missing_business_days < 0)
    throw Error(ErrorCode::kInvalidArgument,
                config.name + ": max_missing_business_days must be >= 0");
  SplicedFrontContract out;
  out.dates = dates;
  out.price.resize(dates.size());
  for (std::size_t t = 0; t < dates.size(); ++t) {
    if (!std::isfinite(open[t]) || !std::isfinite(close[t]))
      throw bad("a non-finite price on " + dates[t].iso());
    if (t == 0) {
      out.price[0] = close[0];
      continue;
    }
    if (!(dates[t - 1] < dates[t])) throw bad("dates out of order at " + dates[t].iso());
    const bool roll =
        dates[t].month() != dates[t - 1].month() || dates[t].year() != dates[t - 1].year();
    if (!roll) {
      out.price[t] = out.price[t - 1] + (close[t] - close[t - 1]);
      continue;
    }
    int missing = 0;
    for (Date d = dates[t - 1] + 1; d < dates[t]; d = d + 1)
      missing += calendar.is_business_day(d) ? 1 : 0;
    if (missing > config.max_missing_business_days) {
      throw bad("a gap across the contract roll into " + dates[t].iso().substr(0, 7) +
                ": no price from " + dates[t - 1].iso() + " to " + dates[t].iso() + " (" +
                std::to_string(missing) + " business days missing, at most " +
                std::to_string(config.max_missing_business_days) +
                " allowed): the roll's jump cannot be told from the days of news in between");
    }
    out.price[t] = out.price[t - 1] + (close[t] - open[t]);
    out.rolls.push_back(dates[t]);
    out.roll_gap.push_back(open[t] - close[t - 1]);
  }
  return out;
}

}  // namespace mre::scm
