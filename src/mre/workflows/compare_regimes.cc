// Regime comparison and analogues from stored versions, features and raw prices.
#include "mre/workflows/compare_regimes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mre/core/error.h"
#include "mre/core/resample.h"
#include "mre/regimes/comparison.h"
#include "mre/regimes/pca/pca.h"

namespace mre::workflows {
namespace {

std::vector<std::string> sequence(const std::vector<store::RegimeRow>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.regime);
  return out;
}

// The label statistics (regimes/comparison.h) and each asset's next-period log returns by the
// label at the start of the period, from the store's prices.
VersionSummary summarise(const store::RegimeModel& model, const std::vector<store::RegimeRow>& rows,
                         const std::vector<Date>& dates, const store::Store& store,
                         double periods_per_year) {
  VersionSummary s = regimes::summarise_labels(model.version, model.labels, sequence(rows));
  // Next-period log returns of each asset, by the label at the start of the period.
  for (const auto& [ticker, name] : comparison_assets()) {
    const auto prices = store.read_raw({.ticker = ticker});
    if (!prices || prices->empty()) continue;
    const auto aligned = align_asof_values(*prices, dates, 0, 10);
    std::map<std::string, std::vector<double>> by_label;
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
      const double now = aligned[i], next = aligned[i + 1];
      if (std::isnan(now) || std::isnan(next) || now <= 0 || next <= 0) continue;
      by_label[rows[i].regime].push_back(std::log(next / now));
    }
    for (const auto& [label, r] : by_label) {
      if (r.size() >= 2)
        s.conditional_returns[label][name] = regimes::annualised_stats(r, periods_per_year);
    }
  }
  return s;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& comparison_assets() {
  static const std::vector<std::pair<std::string, std::string>> assets = {
      {"^GSPC", "SPX"}, {"TLT", "TLT"}, {"GLD", "GLD"}, {"DX-Y.NYB", "DXY"}};
  return assets;
}

RegimeComparison compare_regimes(const store::Store& store, const std::string& a,
                                 const std::string& b) {
  const auto model_a = store.find_regime_model(a);
  const auto model_b = store.find_regime_model(b);
  if (!model_a)
    throw Error(ErrorCode::kNotFound, "no regime version '" + a + "' (see 'mre regimes list')");
  if (!model_b)
    throw Error(ErrorCode::kNotFound, "no regime version '" + b + "' (see 'mre regimes list')");
  const auto rows_a = store.read_regimes(a, std::nullopt, std::nullopt);
  const auto rows_b = store.read_regimes(b, std::nullopt, std::nullopt);
  // Common dates.
  std::vector<store::RegimeRow> common_a, common_b;
  std::size_t j = 0;
  for (const auto& row : rows_a) {
    while (j < rows_b.size() && rows_b[j].date < row.date) ++j;
    if (j < rows_b.size() && rows_b[j].date == row.date) {
      common_a.push_back(row);
      common_b.push_back(rows_b[j]);
    }
  }
  if (common_a.empty())
    throw Error(ErrorCode::kDataError, "regime versions '" + a + "' and '" + b + "' share no date");
  RegimeComparison out;
  out.common_dates = common_a.size();
  out.first = common_a.front().date;
  out.last = common_a.back().date;
  std::vector<Date> dates;
  for (const auto& r : common_a) dates.push_back(r.date);
  out.periods_per_year = regimes::periods_per_year(dates);
  regimes::compare_labels(model_a->labels, model_b->labels, sequence(common_a), sequence(common_b),
                          out);
  out.a = summarise(*model_a, common_a, dates, store, out.periods_per_year);
  out.b = summarise(*model_b, common_b, dates, store, out.periods_per_year);
  return out;
}

Analogues find_analogues(const store::Store& store, const std::string& version, Date date, int k) {
  if (k < 1) throw Error(ErrorCode::kInvalidArgument, "--k must be >= 1");
  const auto model = store.find_regime_model(version);
  if (!model)
    throw Error(ErrorCode::kNotFound,
                "no regime version '" + version + "' (see 'mre regimes list')");
  const Panel panel = store.read_features(model->feature_version, std::nullopt, date);
  if ((panel.rows() == 0 || panel.dates().back() < date) &&
      store.read_features(model->feature_version, date, std::nullopt).rows() == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "--date " + date.iso() + " is after the last row of feature set " +
                    model->feature_version +
                    (panel.rows() ? " (" + panel.dates().back().iso() + ")" : std::string()) +
                    ": its analogues cannot be computed before its features are");
  }
  // Complete rows up to `date`.
  std::vector<std::size_t> rows;
  for (std::size_t t = 0; t < panel.rows(); ++t) {
    bool complete = true;
    for (const auto& c : model->columns) complete &= !std::isnan(panel.column(c)[t]);
    if (complete) rows.push_back(t);
  }
  if (rows.size() < 10)
    throw Error(ErrorCode::kDataError, "fewer than 10 complete feature rows up to " + date.iso());
  const std::size_t target = rows.back();  // the last complete row on or before `date`
  Matrix x(static_cast<Eigen::Index>(rows.size()),
           static_cast<Eigen::Index>(model->columns.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t c = 0; c < model->columns.size(); ++c) {
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) =
          panel.column(model->columns[c])[rows[i]];
    }
  }
  const int components = std::min<int>(3, static_cast<int>(model->columns.size()));
  const auto pca = regimes::pca::fit(x, {.n_components = components});
  const Matrix scores = regimes::pca::transform(pca, x);
  const Eigen::RowVectorXd here = scores.row(scores.rows() - 1);
  const Date reference = panel.dates()[target];
  std::vector<std::pair<double, std::size_t>> candidates;
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    if (reference - panel.dates()[rows[i]] < 31) continue;  // its next month must be known by now
    candidates.emplace_back((scores.row(static_cast<Eigen::Index>(i)) - here).norm(), i);
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() > static_cast<std::size_t>(k))
    candidates.resize(static_cast<std::size_t>(k));
  const auto regimes = store.read_regimes(version, std::nullopt, date);
  Analogues out{.reference = reference};
  for (const auto& [distance, i] : candidates) {
    Analogue a;
    a.date = panel.dates()[rows[i]];
    a.distance = distance;
    const auto it = std::lower_bound(regimes.begin(), regimes.end(), a.date,
                                     [](const store::RegimeRow& r, Date d) { return r.date < d; });
    if (it != regimes.end() && it->date == a.date) a.regime = it->regime;
    for (const auto& [ticker, name] : comparison_assets()) {
      const auto prices = store.read_raw({.ticker = ticker, .to = reference});
      if (!prices || prices->empty()) continue;
      const std::vector<Date> points{a.date, a.date.add_months(1)};
      const auto p = align_asof_values(*prices, points, 0, 10);
      if (!std::isnan(p[0]) && !std::isnan(p[1]) && p[0] > 0) a.forward[name] = p[1] / p[0] - 1.0;
    }
    out.analogues.push_back(std::move(a));
  }
  return out;
}

}  // namespace mre::workflows
