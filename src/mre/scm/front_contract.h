// The continuous front contract of a monthly futures strip (30-day fed funds futures, ZQ=F)
// spliced at its contract rolls, so that a roll moves nothing: the series of expectation changes
// the SCM's expected-rate node Re is built from (issue 20).
#pragma once

#include <string>
#include <vector>

#include "mre/core/calendar.h"
#include "mre/core/date.h"

namespace mre::scm {

struct FrontContractConfig {
  // Business days that may be missing between the last price of the old contract and the first
  // of the new one; more is a gap across the roll (DataError).
  int max_missing_business_days = 3;
  std::string name = "front contract";  // named in errors
};

struct SplicedFrontContract {
  std::vector<Date> dates{};  // the input's dates
  std::vector<double>
      price{};  // spliced price: price[0] = close[0], then the within-contract changes
  std::vector<Date> rolls{};       // the roll days (first observation of a calendar month)
  std::vector<double> roll_gap{};  // per roll: open on the roll day - the old contract's last close
};

// Fed funds futures expire at the end of their month, so the front contract rolls on the first
// trading day of each month: there the continuous series jumps from the old contract's last
// close to the new contract's price, a jump that is the difference between two months' expected
// averages, not a change in expectations. The splice keeps every day's change except that jump:
//   price_t = price_{t-1} + (close_t - close_{t-1})   on a day in the same month as the one before,
//   price_t = price_{t-1} + (close_t - open_t)        on a roll day (the new contract's own move),
// so an FOMC announcement on a roll day (14:00 ET, after the open) keeps its change; only the
// overnight move from the old close to the new open is removed. The result depends on no later
// price (no look-ahead): truncating the input leaves earlier values bit for bit.
// REQUIRES: dates strictly increasing, open and close of the same length, finite.
// DataError naming config.name and the two dates when more than max_missing_business_days
// business days (by `calendar`) are missing across a roll, or for inconsistent input.
SplicedFrontContract splice_front_contract(const std::vector<Date>& dates,
                                           const std::vector<double>& open,
                                           const std::vector<double>& close,
                                           const BusinessCalendar& calendar,
                                           const FrontContractConfig& config = {});

}  // namespace mre::scm
