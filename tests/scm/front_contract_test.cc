// The spliced front fed funds futures contract (the SCM's Re node): a hand example, the gap
// error, no look-ahead, and on the bundled ZQ=F data the roll days' share of the variance, every
// FOMC day kept, and the FOMC-day change against the Jarocinski-Karadi surprise MP1
// (data/snapshot/shocks/, provenance in data/snapshot/README.md).
#include "mre/scm/front_contract.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/sources/csv_files.h"
#include "support/test_support.h"

namespace mre::scm {
namespace {

const BusinessCalendar& calendar() {
  static const BusinessCalendar c = BusinessCalendar::us_settlement(2010, 2030);
  return c;
}

TEST(FrontContract, SplicesTheRollByHand) {
  // 2024-01-29 (Mon) .. 2024-02-02 (Fri); the roll is 2024-02-01, where the new contract opens at
  // 98.79, 0.26 below the old contract's last close, and closes at 98.80.
  const std::vector<Date> d{Date::from_ymd(2024, 1, 29), Date::from_ymd(2024, 1, 30),
                            Date::from_ymd(2024, 1, 31), Date::from_ymd(2024, 2, 1),
                            Date::from_ymd(2024, 2, 2)};
  const std::vector<double> open{99.0, 99.0, 99.1, 98.79, 98.8};
  const std::vector<double> close{99.0, 99.1, 99.05, 98.80, 98.85};
  const auto s = splice_front_contract(d, open, close, calendar());
  // By hand: 99.0, +0.1, -0.05, then the roll day's own move 98.80 - 98.79 = +0.01, then +0.05.
  const std::vector<double> expected{99.0, 99.1, 99.05, 99.06, 99.11};
  for (std::size_t t = 0; t < d.size(); ++t)
    EXPECT_NEAR(s.price[t], expected[t], 1e-12) << t;  // sums of 2-decimal prices
  ASSERT_EQ(s.rolls.size(), 1u);
  EXPECT_EQ(s.rolls[0], Date::from_ymd(2024, 2, 1));
  EXPECT_NEAR(s.roll_gap[0], 98.79 - 99.05, 1e-12);
}

TEST(FrontContract, AGapAcrossARollIsAClearError) {
  // Last old-contract price 2024-01-25, first new one 2024-02-05: 26, 29, 30, 31 Jan, 1, 2 Feb
  // missing (6 business days > 3).
  const std::vector<Date> d{Date::from_ymd(2024, 1, 24), Date::from_ymd(2024, 1, 25),
                            Date::from_ymd(2024, 2, 5)};
  const std::vector<double> p{99.0, 99.0, 98.8};
  try {
    splice_front_contract(d, p, p, calendar(), {.name = "ZQ=F"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDataError);
    const std::string m = e.what();
    EXPECT_TRUE(testing::contains(m, "ZQ=F")) << m;
    EXPECT_TRUE(testing::contains(m, "2024-02")) << m;
    EXPECT_TRUE(testing::contains(m, "2024-01-25 to 2024-02-05")) << m;
    EXPECT_TRUE(testing::contains(m, "6 business days")) << m;
  }
  // The same gap inside a month is no roll and no error; a whole month skipped is.
  EXPECT_NO_THROW(splice_front_contract({Date::from_ymd(2024, 1, 2), Date::from_ymd(2024, 1, 25)},
                                        {1.0, 1.0}, {1.0, 1.0}, calendar()));
  EXPECT_THROW(splice_front_contract({Date::from_ymd(2024, 1, 31), Date::from_ymd(2024, 3, 1)},
                                     {1.0, 1.0}, {1.0, 1.0}, calendar()),
               Error);
  EXPECT_THROW(splice_front_contract({Date::from_ymd(2024, 1, 31)}, {1.0, 2.0}, {1.0}, calendar()),
               Error);
}

struct Bundled {
  std::vector<Date> dates;
  std::vector<double> open, close;
};
Bundled bundled() {
  const auto path = testing::snapshot_dir() / "other/futures/ZQ_F.csv";
  const auto o = sources::load_series_file(path, "open", "open");
  const auto c = sources::load_series_file(path, "close", "close");
  EXPECT_EQ(o.dates(), c.dates());
  return {c.dates(), o.values(), c.values()};
}

TEST(FrontContract, NoLookAhead) {
  const auto b = bundled();
  const auto full = splice_front_contract(b.dates, b.open, b.close, calendar());
  const auto cut = static_cast<std::size_t>(
      std::lower_bound(b.dates.begin(), b.dates.end(), Date::from_ymd(2020, 6, 15)) -
      b.dates.begin());
  const auto part = splice_front_contract(
      {b.dates.begin(), b.dates.begin() + static_cast<long>(cut)},
      {b.open.begin(), b.open.begin() + static_cast<long>(cut)},
      {b.close.begin(), b.close.begin() + static_cast<long>(cut)}, calendar());
  ASSERT_EQ(part.price.size(), cut);
  for (std::size_t t = 0; t < cut; ++t)
    EXPECT_EQ(part.price[t], full.price[t]) << t;  // bit for bit
}

// The FOMC announcement days of the Jarocinski-Karadi file with their MP1 surprise.
std::map<Date, double> fomc_mp1() {
  auto reader =
      CsvReader::open(testing::source_dir() / "data/snapshot/shocks/fomc_surprises_jk.csv");
  const auto mp1 = reader.find_column("MP1");
  EXPECT_TRUE(mp1.has_value());
  std::map<Date, double> out;
  while (auto row = reader.next()) {
    const auto day = Date::parse(std::string(row->fields[0].substr(0, 10)));
    EXPECT_TRUE(day.has_value()) << row->line;
    const std::string v(row->fields[*mp1]);
    out[*day] = v == "NaN" ? std::nan("") : std::stod(v);
  }
  return out;
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const auto n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i] / n, my += y[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(FrontContract, OnTheBundledDataRollsNoLongerCarryTheVarianceAndFomcDaysTrackMp1) {
  const auto b = bundled();
  const auto s = splice_front_contract(b.dates, b.open, b.close, calendar());
  const std::set<Date> rolls(s.rolls.begin(), s.rolls.end());
  // Changes of Re = 100 - price: raw (today's series) and spliced.
  double roll_ss = 0, all_ss = 0, raw_roll_ss = 0, raw_all_ss = 0;
  std::map<Date, std::pair<double, double>> change;  // date -> (raw, spliced)
  for (std::size_t t = 1; t < b.dates.size(); ++t) {
    const double raw = -(b.close[t] - b.close[t - 1]);
    const double spliced = -(s.price[t] - s.price[t - 1]);
    change[b.dates[t]] = {raw, spliced};
    all_ss += spliced * spliced;
    raw_all_ss += raw * raw;
    if (rolls.count(b.dates[t])) roll_ss += spliced * spliced, raw_roll_ss += raw * raw;
  }
  const double day_share =
      static_cast<double>(rolls.size()) / static_cast<double>(b.dates.size() - 1);
  const double raw_share = raw_roll_ss / raw_all_ss;
  const double share = roll_ss / all_ss;
  std::cout << "roll days " << rolls.size() << " (" << day_share
            << " of days): share of the variance raw " << raw_share << ", spliced " << share
            << "\n";
  EXPECT_GT(raw_share, 0.9);  // the problem the splice removes (issue 20: 95.2% on 4.8%)
  EXPECT_LE(share, 2.0 * day_share);
  // Every FOMC announcement day in the futures' range is kept, with its own change: on a roll
  // day the new contract's close - open, never zeroed out unless the price did not move.
  std::vector<double> mp1, raw_re, spliced_re;
  int fomc_days = 0;
  for (const auto& [day, surprise] : fomc_mp1()) {
    if (day <= b.dates.front() || day > b.dates.back()) continue;
    ++fomc_days;
    // An announcement on a non-trading day (2020-03-15, a Sunday) moves the next trading day.
    const auto it = change.lower_bound(day);
    ASSERT_NE(it, change.end()) << "FOMC day " << day.iso() << " dropped";
    ASSERT_LE(it->first - day, 3) << "FOMC day " << day.iso() << " dropped";
    if (rolls.count(it->first)) {
      const auto t = static_cast<std::size_t>(std::find(b.dates.begin(), b.dates.end(), it->first) -
                                              b.dates.begin());
      EXPECT_EQ(it->second.second, -(b.close[t] - b.open[t])) << day.iso();
    }
    if (std::isnan(surprise) || it->first != day) continue;
    mp1.push_back(surprise);
    raw_re.push_back(it->second.first);
    spliced_re.push_back(it->second.second);
  }
  EXPECT_EQ(fomc_days, 77);
  ASSERT_EQ(mp1.size(), 76u);
  const double raw_corr = correlation(mp1, raw_re);
  const double spliced_corr = correlation(mp1, spliced_re);
  std::cout << "FOMC days " << mp1.size() << ": corr(MP1, dRe) raw " << raw_corr << ", spliced "
            << spliced_corr << "\n";
  // Provenance: pandas on the same files gives 0.6856 for the raw series (issue 20: 0.69).
  EXPECT_NEAR(raw_corr, 0.6856, 5e-4);
  EXPECT_GE(spliced_corr, raw_corr);
}

}  // namespace
}  // namespace mre::scm
