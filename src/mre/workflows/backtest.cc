// The backtest use case (backtest.h): spec parsing, data from the store, the regime signals
// (stored versions, or walk-forward jump models and HMMs as work items), the kernel, the version.
#include "mre/workflows/backtest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "mre/backtest/backtest.h"
#include "mre/backtest/selection.h"
#include "mre/codec/backtest_artefact.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/jump/walk_forward_jump.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {

namespace {

using detail::only_keys;
using detail::scalar;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kDaysPerYear = 252;
constexpr int kEndGraceDays = 10;

Date parse_date(const std::filesystem::path& path, const YAML::Node& node, const std::string& key) {
  const auto text = scalar<std::string>(path, node, key);
  const auto date = Date::parse(text);
  if (!date)
    detail::fail(path, node, "'" + key + "' must be a date YYYY-MM-DD (got '" + text + "')");
  return *date;
}

int years_to_rows(const std::filesystem::path& path, const YAML::Node& node,
                  const std::string& key) {
  const double years = scalar<double>(path, node, key);
  if (!(years >= 0 && years <= 100))
    detail::fail(path, node, "'" + key + "' must be in [0, 100] years");
  return static_cast<int>(std::lround(years * kDaysPerYear));
}

BacktestStrategySpec parse_strategy(const std::filesystem::path& path, const YAML::Node& node,
                                    bool leverage) {
  only_keys(path, node,
            {"name", "kind", "asset", "regimes", "version", "signal", "feature_set", "columns",
             "order_by", "labels", "jump", "hmm", "walk_forward", "selection", "weights"},
            "strategy: ");
  BacktestStrategySpec s;
  if (!node["name"]) detail::fail(path, node, "each strategy needs a 'name'");
  s.name = scalar<std::string>(path, node["name"], "name");
  if (!node["kind"])
    detail::fail(
        path, node,
        "strategy '" + s.name + "' needs a 'kind' (buy_and_hold, regime_version, jump, hmm)");
  s.kind = scalar<std::string>(path, node["kind"], "kind");
  const std::string where = "strategy '" + s.name + "': ";
  if (s.kind == "buy_and_hold") {
    if (!node["asset"]) detail::fail(path, node, where + "buy_and_hold needs 'asset'");
    s.asset = scalar<std::string>(path, node["asset"], "asset");
    return s;
  }
  if (s.kind == "regime_version") {
    if (node["regimes"]) s.regimes = scalar<std::string>(path, node["regimes"], "regimes");
    if (node["version"]) s.regime_version = scalar<std::string>(path, node["version"], "version");
    if (node["signal"]) {
      const auto signal = scalar<std::string>(path, node["signal"], "signal");
      if (signal != "labels" && signal != "probabilities") {
        detail::fail(path, node["signal"],
                     where + "'signal' must be labels or probabilities (got '" + signal + "')");
      }
      s.use_probabilities = signal == "probabilities";
    }
  } else if (s.kind == "jump" || s.kind == "hmm") {
    if (!node["feature_set"] || !node["columns"] || !node["order_by"] || !node["labels"]) {
      detail::fail(path, node, where + s.kind + " needs feature_set, columns, order_by and labels");
    }
    s.feature_set = scalar<std::string>(path, node["feature_set"], "feature_set");
    s.columns = scalar<std::vector<std::string>>(path, node["columns"], "columns");
    s.order_by = scalar<std::string>(path, node["order_by"], "order_by");
    s.labels = scalar<std::vector<std::string>>(path, node["labels"], "labels");
    if (std::find(s.columns.begin(), s.columns.end(), s.order_by) == s.columns.end()) {
      detail::fail(path, node["order_by"],
                   where + "'order_by' must be one of the columns (got '" + s.order_by + "')");
    }
    const YAML::Node model = node[s.kind];
    if (model) {
      only_keys(path, model,
                s.kind == "jump" ? std::vector<std::string>{"n_init", "seed", "penalties"}
                                 : std::vector<std::string>{"n_init", "seed", "covariance"},
                where + s.kind + ": ");
      if (model["n_init"])
        s.n_init = detail::count_in_range(path, model["n_init"], "n_init", 1, 1000);
      if (model["seed"]) s.seed = scalar<std::uint64_t>(path, model["seed"], "seed");
      if (model["covariance"])
        s.covariance = scalar<std::string>(path, model["covariance"], "covariance");
      if (model["penalties"]) {
        detail::require_sequence(path, model["penalties"], "penalties");
        for (const auto& p : model["penalties"]) {
          const double value = scalar<double>(path, p, "penalties");
          if (!(value >= 0) || !std::isfinite(value)) {
            detail::fail(path, p,
                         where + "every jump penalty must be a finite number >= 0 (got " +
                             (std::isnan(value) ? std::string("NaN") : format_double(value)) + ")");
          }
          s.penalties.push_back(value);
        }
      }
    }
    s.n_states = static_cast<int>(s.labels.size());
    if (s.n_states < 2)
      detail::fail(path, node["labels"], where + "'labels' must name at least two states");
    if (s.kind == "jump" && s.penalties.empty())
      detail::fail(path, node, where + "jump needs jump: {penalties: [...]}");
    if (const YAML::Node w = node["walk_forward"]) {
      only_keys(path, w, {"refit_every_months", "train_window_years", "min_train_years"},
                where + "walk_forward: ");
      if (w["refit_every_months"])
        s.walk_forward.refit_every_months =
            detail::count_in_range(path, w["refit_every_months"], "refit_every_months", 1, 120);
      if (w["train_window_years"])
        s.walk_forward.train_window_rows =
            years_to_rows(path, w["train_window_years"], "train_window_years");
      if (w["min_train_years"])
        s.walk_forward.min_train_rows =
            years_to_rows(path, w["min_train_years"], "min_train_years");
    }
    if (const YAML::Node sel = node["selection"]) {
      only_keys(path, sel, {"window_years", "min_years"}, where + "selection: ");
      if (sel["window_years"])
        s.selection_window_rows = years_to_rows(path, sel["window_years"], "window_years");
      if (sel["min_years"])
        s.selection_min_rows = years_to_rows(path, sel["min_years"], "min_years");
    }
  } else {
    detail::fail(
        path, node["kind"],
        where + "unknown kind '" + s.kind + "' (known: buy_and_hold, regime_version, jump, hmm)");
  }
  if (!node["weights"] || !node["weights"].IsMap()) {
    detail::fail(
        path, node,
        where +
            "needs 'weights': a mapping from each regime label to {asset: weight, cash: weight}");
  }
  for (const auto& regime : node["weights"]) {
    const auto label = regime.first.Scalar();
    auto& row = s.weights[label];
    double sum = 0.0;
    if (regime.second.IsMap()) {
      for (const auto& w : regime.second) {
        const double value = scalar<double>(path, w.second, "weight");
        if (!std::isfinite(value))
          detail::fail(path, w.second, where + "weights: every weight must be finite");
        row[w.first.Scalar()] = value;
        sum += value;
      }
    } else if (!regime.second.IsNull()) {
      detail::fail(path, regime.second,
                   where + "weights of '" + label + "' must be a mapping {asset: weight}");
    }
    if (!leverage && std::abs(sum - 1.0) > 1e-9) {
      detail::fail(path, regime.first,
                   where + "the weights of regime '" + label + "' sum to " + format_double(sum) +
                       ", not 1 (name the rest 'cash', or declare leverage: true)");
    }
  }
  if (s.kind == "jump" || s.kind == "hmm") {
    for (const auto& label : s.labels) {
      if (!s.weights.count(label))
        detail::fail(path, node["weights"], where + "no weights for regime '" + label + "'");
    }
  }
  return s;
}

}  // namespace

BacktestSpec load_backtest_spec(const std::filesystem::path& path) {
  try {
    const YAML::Node root = detail::load_yaml_mapping(path, "backtest spec");
    only_keys(path, root,
              {"name", "description", "start", "end", "risk_free", "delay_days", "cost_bp",
               "leverage", "strategies"},
              "");
    BacktestSpec spec;
    if (!root["name"] || !root["start"] || !root["end"] || !root["strategies"]) {
      detail::fail(path, root, "a backtest spec needs name, start, end and strategies");
    }
    spec.name = scalar<std::string>(path, root["name"], "name");
    if (root["description"])
      spec.description = scalar<std::string>(path, root["description"], "description");
    spec.start = parse_date(path, root["start"], "start");
    spec.end = parse_date(path, root["end"], "end");
    if (!(spec.start < spec.end)) detail::fail(path, root["end"], "'end' must be after 'start'");
    if (root["risk_free"])
      spec.risk_free = scalar<std::string>(path, root["risk_free"], "risk_free");
    if (root["delay_days"]) {
      spec.delay_days = scalar<int>(path, root["delay_days"], "delay_days");
      if (spec.delay_days < 0 || spec.delay_days > 1000) {
        detail::fail(
            path, root["delay_days"],
            "'delay_days' must be in [0, 1000] (got " + std::to_string(spec.delay_days) + ")");
      }
    }
    if (root["cost_bp"]) {
      spec.cost_bp = scalar<double>(path, root["cost_bp"], "cost_bp");
      if (!(spec.cost_bp >= 0) || !(spec.cost_bp < 10000)) {
        detail::fail(path, root["cost_bp"],
                     "'cost_bp' must be at least 0 and below 10000 (100% of the amount traded; "
                     "got " +
                         root["cost_bp"].Scalar() + ")");
      }
    }
    if (root["leverage"]) spec.leverage = scalar<bool>(path, root["leverage"], "leverage");
    detail::require_sequence(path, root["strategies"], "strategies");
    std::set<std::string> names;
    for (const auto& node : root["strategies"]) {
      spec.strategies.push_back(parse_strategy(path, node, spec.leverage));
      if (!names.insert(spec.strategies.back().name).second) {
        detail::fail(path, node, "two strategies are named '" + spec.strategies.back().name + "'");
      }
    }
    if (spec.strategies.empty()) detail::fail(path, root["strategies"], "'strategies' is empty");
    YAML::Emitter canonical;
    canonical << root;
    spec.canonical_text = canonical.c_str();
    spec.hash = fnv1a_hex(spec.canonical_text);
    return spec;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    detail::rethrow_yaml_error(path, e, "backtest spec");
  }
}

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The trading grid: dates where every asset has traded at least once before (as-of prices) and
// the rate is known, up to `end`; prices and rates carried as of each date.
struct Market {
  std::vector<Date> dates;
  std::vector<std::string> assets;
  Matrix returns;  // T x N
  Vector rf;       // T
  std::string fingerprint;
};

TimeSeries read_series(const store::Store& store, const std::string& ticker) {
  auto series = store.read_raw({.ticker = ticker});
  if (!series || series->count_present() == 0) {
    throw Error(ErrorCode::kNotFound, "backtest: no prices for '" + ticker + "' in " +
                                          store.describe() +
                                          " (ingest it first: mre ingest --source snapshot)");
  }
  return series->dropna();
}

// The median number of calendar days between consecutive observations (0 for fewer than two).
int median_spacing_days(const TimeSeries& s) {
  std::vector<int> gaps;
  for (std::size_t i = 1; i < s.size(); ++i) gaps.push_back(s.dates()[i] - s.dates()[i - 1]);
  if (gaps.empty()) return 0;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                   gaps.end());
  return gaps[gaps.size() / 2];
}

// A backtest trades daily prices and accrues a daily interest rate: a monthly or weekly series
// would add its own dates to the trading grid (a day of interest and of delay each) and book a
// macro figure on the month it refers to, weeks before it is published (DataError naming it).
void check_daily(const TimeSeries& s, const std::string& name, const std::string& role,
                 const std::string& backtest) {
  constexpr int kMaxDailySpacing = 4;  // a long weekend; any weekly or monthly series is above
  if (const int spacing = median_spacing_days(s); spacing > kMaxDailySpacing) {
    throw Error(ErrorCode::kDataError,
                "backtest '" + backtest + "': " + role + " '" + name +
                    "' is not a daily series (its observations are a median " +
                    std::to_string(spacing) + " days apart); a backtest trades daily prices");
  }
}

Market load_market(const store::Store& store, const BacktestSpec& spec,
                   const std::vector<std::string>& assets) {
  Market m;
  m.assets = assets;
  std::vector<TimeSeries> prices;
  for (const auto& a : assets) {
    prices.push_back(read_series(store, a));
    const auto& p = prices.back();
    check_daily(p, a, "asset", spec.name);
    for (std::size_t k = 0; k < p.size(); ++k) {
      if (!(p.values()[k] > 0)) {
        throw Error(ErrorCode::kDataError, "backtest '" + spec.name + "': asset '" + a +
                                               "' has the price " + format_double(p.values()[k]) +
                                               " on " + p.dates()[k].iso() +
                                               "; a price must be positive");
      }
    }
    // Covered: a price on or before the start, and one within kEndGraceDays of the end (the
    // last trading day of a window ending on a holiday or weekend).
    if (p.dates().front() > spec.start || p.dates().back() + kEndGraceDays < spec.end) {
      throw Error(ErrorCode::kDataError, "backtest '" + spec.name + "': asset '" + a +
                                             "' has prices from " + p.dates().front().iso() +
                                             " to " + p.dates().back().iso() +
                                             ", not over the whole backtest window " +
                                             spec.start.iso() + " to " + spec.end.iso());
    }
  }
  const TimeSeries rate = read_series(store, spec.risk_free);
  check_daily(rate, spec.risk_free, "the risk-free rate", spec.name);
  for (const auto& series : store.list_series()) {
    if (series.ticker == spec.risk_free && series.asset_class != AssetClass::kRates) {
      throw Error(ErrorCode::kInvalidArgument,
                  "backtest '" + spec.name + "': risk_free '" + spec.risk_free + "' is of class " +
                      std::string(asset_class_name(series.asset_class)) +
                      "; the risk-free rate must be an interest rate in percent a year "
                      "(a RATES series, e.g. DGS3MO)");
    }
  }
  if (rate.dates().front() > spec.start) {
    throw Error(ErrorCode::kDataError, "backtest '" + spec.name + "': the risk-free rate '" +
                                           spec.risk_free + "' starts on " +
                                           rate.dates().front().iso() +
                                           ", after the backtest start " + spec.start.iso());
  }
  std::set<Date> all;
  for (const auto& p : prices) {
    for (const Date d : p.dates()) {
      if (d <= spec.end) all.insert(d);
    }
  }
  Date earliest = rate.dates().front();
  for (const auto& p : prices) earliest = std::max(earliest, p.dates().front());
  std::vector<Date> dates(all.lower_bound(earliest), all.end());
  const auto T = static_cast<Eigen::Index>(dates.size());
  const auto N = static_cast<Eigen::Index>(assets.size());
  m.returns = Matrix::Zero(T, N);
  m.rf = Vector::Zero(T);
  std::uint64_t fp = 1469598103934665603ull;
  for (Eigen::Index i = 0; i < N; ++i) {
    const auto& p = prices[static_cast<std::size_t>(i)];
    std::size_t k = 0;
    double previous = kNaN;
    for (Eigen::Index t = 0; t < T; ++t) {
      while (k + 1 < p.size() && p.dates()[k + 1] <= dates[static_cast<std::size_t>(t)]) ++k;
      const double price = p.values()[k];
      m.returns(t, i) = t == 0 ? 0.0 : price / previous - 1.0;
      previous = price;
      fp = splitmix64(fp ^ std::hash<double>{}(price));
    }
  }
  // The rate known at the previous close, accrued over one trading day.
  std::size_t k = 0;
  for (Eigen::Index t = 1; t < T; ++t) {
    const Date before = dates[static_cast<std::size_t>(t - 1)];
    while (k + 1 < rate.size() && rate.dates()[k + 1] <= before) ++k;
    m.rf(t) = rate.values()[k] / 100.0 / kDaysPerYear;
    fp = splitmix64(fp ^ std::hash<double>{}(m.rf(t)));
  }
  m.dates = std::move(dates);
  m.fingerprint = format_double(static_cast<double>(fp % 1000000007ull));
  return m;
}

// A signal on its own dates: per row the probability of each named regime (one-hot for labels).
struct Signal {
  std::vector<Date> dates;
  std::vector<std::string> labels;
  Matrix probabilities;  // rows x K, NaN rows = no signal
};

// The signal as of each grid date (its latest row on or before), NaN before its first row.
Matrix signal_on_grid(const Signal& s, const std::vector<Date>& grid) {
  Matrix out =
      Matrix::Constant(static_cast<Eigen::Index>(grid.size()), s.probabilities.cols(), kNaN);
  std::size_t k = 0;
  bool any = false;
  for (std::size_t t = 0; t < grid.size(); ++t) {
    while (k < s.dates.size() && s.dates[k] <= grid[t]) {
      ++k;
      any = true;
    }
    if (any)
      out.row(static_cast<Eigen::Index>(t)) = s.probabilities.row(static_cast<Eigen::Index>(k - 1));
  }
  return out;
}

Matrix regime_weight_matrix(const BacktestStrategySpec& s, const std::vector<std::string>& labels,
                            const std::vector<std::string>& assets) {
  Matrix w = Matrix::Zero(static_cast<Eigen::Index>(labels.size()),
                          static_cast<Eigen::Index>(assets.size()));
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const auto it = s.weights.find(labels[k]);
    if (it == s.weights.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "strategy '" + s.name + "': no weights for regime '" + labels[k] +
                      "' (the signal's regimes are listed in its version)");
    }
    for (const auto& [asset, value] : it->second) {
      if (asset == "cash") continue;
      const auto pos = std::find(assets.begin(), assets.end(), asset) - assets.begin();
      w(static_cast<Eigen::Index>(k), pos) = value;
    }
  }
  return w;
}

// The complete rows of a feature version's columns: dates and a matrix from the first row
// where every column has a value (DataError naming a later gap).
struct FeatureData {
  std::string version;
  std::vector<Date> dates;
  Matrix x;
  int order_column = 0;
};

FeatureData load_features(const store::Store& store, const BacktestStrategySpec& s) {
  const auto fv = detail::resolve_feature_version(
      store, "", s.feature_set,
      "build it with: mre features build --spec config/features/" + s.feature_set + ".yml");
  const Panel panel = store.read_features(fv.version, std::nullopt, std::nullopt);
  FeatureData out;
  out.version = fv.version;
  std::vector<const std::vector<double>*> cols;
  for (const auto& c : s.columns) cols.push_back(&panel.column(c));
  std::size_t first = panel.rows();
  for (std::size_t t = 0; t < panel.rows(); ++t) {
    bool complete = true;
    for (const auto* c : cols) complete = complete && std::isfinite((*c)[t]);
    if (complete) {
      first = t;
      break;
    }
  }
  out.x.resize(static_cast<Eigen::Index>(panel.rows() - std::min(first, panel.rows())),
               static_cast<Eigen::Index>(cols.size()));
  for (std::size_t t = first; t < panel.rows(); ++t) {
    out.dates.push_back(panel.dates()[t]);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const double v = (*cols[c])[t];
      if (!std::isfinite(v)) {
        throw Error(ErrorCode::kDataError, "strategy '" + s.name + "': feature '" + s.columns[c] +
                                               "' of version " + fv.version + " has no value on " +
                                               panel.dates()[t].iso());
      }
      out.x(static_cast<Eigen::Index>(t - first), static_cast<Eigen::Index>(c)) = v;
    }
  }
  out.order_column = static_cast<int>(std::find(s.columns.begin(), s.columns.end(), s.order_by) -
                                      s.columns.begin());
  return out;
}

// Refit rows: min_train_rows, then the first row on or after the previous one plus N months
// (the rule of regimes/jump/walk_forward_jump.h).
std::vector<std::size_t> refit_rows(const std::vector<Date>& dates, const BacktestWalkForward& wf,
                                    const std::string& name) {
  if (static_cast<std::size_t>(wf.min_train_rows) >= dates.size()) {
    throw Error(ErrorCode::kDataError,
                "strategy '" + name + "': " + std::to_string(dates.size()) +
                    " complete feature rows, fewer than min_train_years needs (" +
                    std::to_string(wf.min_train_rows) + ")");
  }
  std::vector<std::size_t> points{static_cast<std::size_t>(wf.min_train_rows)};
  for (std::size_t t = points.front() + 1; t < dates.size(); ++t) {
    if (dates[t] >= dates[points.back()].add_months(wf.refit_every_months)) points.push_back(t);
  }
  return points;
}

struct WorkItem {
  std::size_t candidate = 0;  // penalty index (0 for the HMM)
  std::size_t refit = 0;      // index into the refit rows
  std::uint64_t seed = 0;
};

// One item: fit on the trailing window before refit row `start`, label rows [start, end) online.
Matrix run_jump_item(const FeatureData& f, const BacktestStrategySpec& s, double penalty,
                     const WorkItem& item, std::size_t start, std::size_t end) {
  const std::size_t window = static_cast<std::size_t>(s.walk_forward.train_window_rows);
  const std::size_t first = window > 0 && start > window ? start - window : 0;
  const std::vector<Date> dates(f.dates.begin() + static_cast<std::ptrdiff_t>(first),
                                f.dates.begin() + static_cast<std::ptrdiff_t>(end));
  const regimes::jump::JumpModelConfig config{
      .n_states = s.n_states, .jump_penalty = penalty, .n_init = s.n_init, .seed = item.seed};
  const regimes::jump::JumpWalkForwardConfig schedule{
      .refit_every_months = s.walk_forward.refit_every_months,
      .min_train_rows = static_cast<int>(start - first),
      .train_window_rows = 0,
      .standardize = true,
      .order_by_column = f.order_column,
      .order_descending = true};
  const auto result = regimes::jump::walk_forward_jump(
      dates,
      f.x.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(end - first)),
      config, schedule);
  check_invariant(result.refits.size() == 1, "one refit per work item");
  return result.probabilities.bottomRows(static_cast<Eigen::Index>(end - start));
}

Matrix run_hmm_item(const FeatureData& f, const BacktestStrategySpec& s, const WorkItem& item,
                    std::size_t start, std::size_t end) {
  const std::size_t window = static_cast<std::size_t>(s.walk_forward.train_window_rows);
  const std::size_t first = window > 0 && start > window ? start - window : 0;
  const Matrix train =
      f.x.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(start - first));
  const Vector mean = train.colwise().mean().transpose();
  Vector scale(train.cols());
  for (Eigen::Index d = 0; d < train.cols(); ++d) {
    const double sd = std::sqrt((train.col(d).array() - mean(d)).square().sum() /
                                static_cast<double>(train.rows() - 1));
    scale(d) = sd > 0 ? sd : 1.0;
  }
  auto standardise = [&](const Matrix& m) {
    return Matrix((m.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array());
  };
  regimes::hmm::GaussianHmmConfig config{.n_states = s.n_states,
                                         .covariance = regimes::hmm::parse_covariance(s.covariance),
                                         .n_init = s.n_init,
                                         .seed = item.seed,
                                         .threads = 1};
  const auto fit = regimes::hmm::fit(standardise(train), config);
  std::vector<int> order(static_cast<std::size_t>(s.n_states));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return fit.params.means(a, f.order_column) > fit.params.means(b, f.order_column);
  });
  const Matrix run = standardise(
      f.x.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(end - first)));
  const auto filtered = regimes::hmm::forward_filter(regimes::hmm::log_emission(fit.params, run),
                                                     fit.params.transition, fit.params.initial)
                            .filtered;
  // Filtered labels (the paper's HMM-guided signal): one-hot of the most probable state, ordered.
  Matrix out = Matrix::Zero(static_cast<Eigen::Index>(end - start), s.n_states);
  for (std::size_t t = start; t < end; ++t) {
    Eigen::Index best = 0;
    double best_p = -1;
    for (int k = 0; k < s.n_states; ++k) {
      const double p =
          filtered(static_cast<Eigen::Index>(t - first), order[static_cast<std::size_t>(k)]);
      if (p > best_p) {
        best_p = p;
        best = k;
      }
    }
    out(static_cast<Eigen::Index>(t - start), best) = 1.0;
  }
  return out;
}

// Every candidate's online signal on the feature dates: items (candidate x refit), each with
// its own seed from (seed, candidate, refit date), reduced in item order.
std::vector<Signal> model_signals(const FeatureData& f, const BacktestStrategySpec& s,
                                  const BacktestOptions& options) {
  const auto points = refit_rows(f.dates, s.walk_forward, s.name);
  const std::size_t candidates = s.kind == "jump" ? s.penalties.size() : 1;
  std::vector<WorkItem> items;
  for (std::size_t c = 0; c < candidates; ++c) {
    for (std::size_t j = 0; j < points.size(); ++j) {
      // The seed depends on the candidate and the refit date only (not on how many refits
      // follow), so truncating the data after a date changes no earlier item.
      const auto day = static_cast<std::uint64_t>(
          static_cast<std::int64_t>(f.dates[points[j]].days_since_epoch()));
      items.push_back({c, j, splitmix64(s.seed ^ splitmix64(c + 1) ^ splitmix64(day << 8))});
    }
  }
  // Each item is seeded above and runs wherever the distribution puts it; the results come back
  // in item order (rows, cols, then the values column-major, bit-exact).
  const auto results = run_work_items(
      options.work_items, options.threads, static_cast<std::int64_t>(items.size()),
      [&](std::int64_t i) {
        const auto& item = items[static_cast<std::size_t>(i)];
        const std::size_t start = points[item.refit];
        const std::size_t end =
            item.refit + 1 < points.size() ? points[item.refit + 1] : f.dates.size();
        Matrix out;
        try {
          out = s.kind == "jump"
                    ? run_jump_item(f, s, s.penalties[item.candidate], item, start, end)
                    : run_hmm_item(f, s, item, start, end);
        } catch (const Error& e) {
          throw Error(e.code(),
                      "strategy '" + s.name + "', refit " + f.dates[start].iso() + ": " + e.what());
        }
        std::vector<double> packed{static_cast<double>(out.rows()),
                                   static_cast<double>(out.cols())};
        packed.insert(packed.end(), out.data(), out.data() + out.size());
        return pack_doubles(packed);
      },
      "backtest items (penalty x refit date) of strategy '" + s.name + "'");
  std::vector<Matrix> outputs(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::vector<double> v = unpack_doubles(results[i]);
    check_invariant(v.size() >= 2, "a backtest item's result holds its shape");
    const auto rows = static_cast<Eigen::Index>(v[0]);
    const auto cols = static_cast<Eigen::Index>(v[1]);
    check_invariant(static_cast<std::size_t>(rows * cols) + 2 == v.size(),
                    "a backtest item's result matches its shape");
    outputs[i] = Eigen::Map<const Matrix>(v.data() + 2, rows, cols);
  }
  std::vector<Signal> signals(candidates);
  for (auto& sig : signals) {
    sig.dates = f.dates;
    sig.labels = s.labels;
    sig.probabilities =
        Matrix::Constant(static_cast<Eigen::Index>(f.dates.size()), s.n_states, kNaN);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::size_t start = points[items[i].refit];
    signals[items[i].candidate].probabilities.middleRows(static_cast<Eigen::Index>(start),
                                                         outputs[i].rows()) = outputs[i];
  }
  return signals;
}

std::string argmax_label(const Matrix& p, Eigen::Index row,
                         const std::vector<std::string>& labels) {
  if (!p.row(row).array().isFinite().all()) return "";
  Eigen::Index best = 0;
  p.row(row).maxCoeff(&best);
  return labels[static_cast<std::size_t>(best)];
}

backtest::StrategyResult finish(const std::string& name, const std::string& kind, const Market& m,
                                const Matrix& targets, std::size_t first,
                                const backtest::BacktestConfig& config, const Matrix* signal,
                                const std::vector<std::string>& labels) {
  const auto path = backtest::run_backtest({m.dates, m.returns, m.rf, targets, first}, config);
  backtest::StrategyResult r;
  r.name = name;
  r.kind = kind;
  r.metrics = backtest::compute_metrics(path, config);
  const auto lag = static_cast<Eigen::Index>(config.delay_days) + 1;
  for (std::size_t day = 0; day < path.dates.size(); ++day) {
    const auto d = static_cast<Eigen::Index>(day);
    r.days.push_back(
        {path.dates[day], path.returns(d), path.equity(d), path.drawdown(d), path.exposure(d),
         path.turnover(d),
         signal ? argmax_label(*signal, static_cast<Eigen::Index>(first) + d - lag, labels) : ""});
  }
  return r;
}

// An artefact input name ([a-z0-9_], at most 30): "<prefix>_<strategy>".
std::string input_name(const std::string& prefix, const std::string& strategy) {
  std::string out = prefix + "_";
  for (const char c : strategy) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') ? l : '_';
  }
  return out.substr(0, 30);
}

std::string penalty_name(double p) { return "lambda=" + format_double(p); }

}  // namespace

BacktestReport compute_backtest(const store::Store& store, const BacktestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const BacktestSpec spec = load_backtest_spec(options.spec_path);
  for (const auto& [strategy, version] : options.regime_versions) {
    const auto it = std::find_if(spec.strategies.begin(), spec.strategies.end(),
                                 [&](const auto& s) { return s.name == strategy; });
    if (it == spec.strategies.end() || it->kind != "regime_version") {
      throw Error(ErrorCode::kInvalidArgument, "--regimes " + strategy + "=" + version +
                                                   ": the spec has no regime_version strategy '" +
                                                   strategy + "'");
    }
  }
  // Assets: every one named by a weight or a benchmark, in first-use order.
  std::vector<std::string> assets;
  auto add_asset = [&](const std::string& a) {
    if (a != "cash" && std::find(assets.begin(), assets.end(), a) == assets.end())
      assets.push_back(a);
  };
  for (const auto& s : spec.strategies) {
    if (s.kind == "buy_and_hold") add_asset(s.asset);
    for (const auto& [label, row] : s.weights) {
      for (const auto& [asset, w] : row) add_asset(asset);
    }
  }
  if (assets.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "backtest '" + spec.name + "': no strategy holds an asset");
  const Market m = load_market(store, spec, assets);
  const auto first_it = std::lower_bound(m.dates.begin(), m.dates.end(), spec.start);
  const auto first = static_cast<std::size_t>(first_it - m.dates.begin());
  if (first == m.dates.size() || m.dates[first] > spec.end) {
    throw Error(ErrorCode::kDataError,
                "backtest '" + spec.name + "': no trading day from " + spec.start.iso() + " to " +
                    spec.end.iso() + " (the last one before it is " + m.dates.back().iso() + ")");
  }
  const backtest::BacktestConfig config{.delay_days = spec.delay_days, .cost_bp = spec.cost_bp};
  const std::size_t lag = static_cast<std::size_t>(spec.delay_days) + 1;
  if (first < lag) {
    throw Error(ErrorCode::kDataError, "backtest '" + spec.name + "': the prices start on " +
                                           m.dates.front().iso() + ", too late for a start on " +
                                           spec.start.iso() + " with a delay of " +
                                           std::to_string(spec.delay_days) + " days");
  }
  // The first signal row the backtest needs: the close `lag` trading days before the start.
  const Date needed = m.dates[first - lag];

  BacktestReport report;
  report.header.version = options.version;
  report.header.spec_name = spec.name;
  report.header.spec_hash = spec.hash;
  report.header.spec_text = spec.canonical_text;
  report.header.inputs["prices"] = m.fingerprint;
  report.header.created_at = Timestamp::now();

  for (const auto& s : spec.strategies) {
    if (s.kind == "buy_and_hold") {
      Matrix targets = Matrix::Zero(static_cast<Eigen::Index>(m.dates.size()),
                                    static_cast<Eigen::Index>(assets.size()));
      targets.col(std::find(assets.begin(), assets.end(), s.asset) - assets.begin()).setOnes();
      report.result.strategies.push_back(
          finish(s.name, s.kind, m, targets, first, config, nullptr, {}));
      continue;
    }
    if (s.kind == "regime_version") {
      std::string version = s.regime_version;
      if (const auto it = options.regime_versions.find(s.name); it != options.regime_versions.end())
        version = it->second;
      if (version.empty()) {
        std::optional<store::RegimeModel> newest;
        for (const auto& model : store.list_regime_models()) {
          if (model.spec_name == s.regimes) newest = model;
        }
        if (!newest) {
          throw Error(ErrorCode::kNotFound,
                      "strategy '" + s.name + "': no regime version of spec '" + s.regimes +
                          "' in " + store.describe() +
                          " (fit one with mre regimes fit, or pass --regimes " + s.name + "=TAG)");
        }
        version = newest->version;
      }
      const auto model = store.find_regime_model(version);
      if (!model)
        throw Error(ErrorCode::kNotFound, "strategy '" + s.name + "': regime version '" + version +
                                              "' not found in " + store.describe());
      const auto rows = store.read_regimes(version, std::nullopt, spec.end);
      Signal sig;
      sig.labels = model->labels;
      sig.probabilities.resize(static_cast<Eigen::Index>(rows.size()),
                               static_cast<Eigen::Index>(model->labels.size()));
      for (std::size_t t = 0; t < rows.size(); ++t) {
        sig.dates.push_back(rows[t].date);
        for (std::size_t k = 0; k < model->labels.size(); ++k) {
          double p = k < rows[t].probabilities.size() ? rows[t].probabilities[k] : kNaN;
          if (!s.use_probabilities) p = rows[t].regime == model->labels[k] ? 1.0 : 0.0;
          sig.probabilities(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(k)) = p;
        }
      }
      std::size_t first_valid = 0;
      while (
          first_valid < rows.size() &&
          !sig.probabilities.row(static_cast<Eigen::Index>(first_valid)).array().isFinite().all())
        ++first_valid;
      if (first_valid == rows.size() || rows[first_valid].date > needed) {
        throw Error(ErrorCode::kDataError,
                    "strategy '" + s.name + "': regime version '" + version + "' has labels from " +
                        (first_valid == rows.size() ? std::string("no date")
                                                    : rows[first_valid].date.iso()) +
                        ", after the backtest needs them (" + needed.iso() + ", " +
                        std::to_string(lag) + " trading days before the start " + spec.start.iso() +
                        ")");
      }
      report.header.inputs[input_name("regimes", s.name)] = version;
      const Matrix on_grid = signal_on_grid(sig, m.dates);
      const Matrix targets =
          backtest::weights_from_signal(on_grid, regime_weight_matrix(s, sig.labels, assets));
      report.result.strategies.push_back(
          finish(s.name, s.kind, m, targets, first, config, &on_grid, sig.labels));
      continue;
    }
    // jump / hmm
    const FeatureData f = load_features(store, s);
    report.header.inputs[input_name("features", s.name)] = f.version;
    const auto signals = model_signals(f, s, options);
    const Matrix weights = regime_weight_matrix(s, s.labels, assets);
    std::vector<Matrix> on_grid, targets;
    for (const auto& sig : signals) {
      on_grid.push_back(signal_on_grid(sig, m.dates));
      targets.push_back(backtest::weights_from_signal(on_grid.back(), weights));
    }
    if (s.kind == "hmm") {
      const auto first_refit = f.dates[static_cast<std::size_t>(s.walk_forward.min_train_rows)];
      if (first_refit > needed) {
        throw Error(ErrorCode::kDataError,
                    "strategy '" + s.name + "': the first walk-forward fit labels " +
                        first_refit.iso() + ", after the backtest needs a signal (" + needed.iso() +
                        ")");
      }
      report.result.strategies.push_back(
          finish(s.name, s.kind, m, targets[0], first, config, &on_grid[0], s.labels));
      continue;
    }
    // jump: each candidate's own strategy, then the monthly choice by trailing Sharpe.
    const auto T = static_cast<Eigen::Index>(m.dates.size());
    Matrix excess = Matrix::Constant(T, static_cast<Eigen::Index>(signals.size()), kNaN);
    for (std::size_t c = 0; c < signals.size(); ++c) {
      Eigen::Index valid = 0;
      while (valid < T && !targets[c].row(valid).array().isFinite().all()) ++valid;
      const auto from = static_cast<std::size_t>(valid) + lag;
      if (from >= m.dates.size()) continue;
      const auto path =
          backtest::run_backtest({m.dates, m.returns, m.rf, targets[c], from}, config);
      excess.col(static_cast<Eigen::Index>(c)).tail(path.excess.size()) = path.excess;
    }
    const auto selection = backtest::select_by_trailing_sharpe(
        m.dates, excess, targets, backtest::month_end_rows(m.dates),
        {.window_days = static_cast<std::size_t>(s.selection_window_rows),
         .min_days = static_cast<std::size_t>(s.selection_min_rows)});
    if (selection.dates.empty() ||
        !selection.targets.row(static_cast<Eigen::Index>(first - lag)).array().isFinite().all()) {
      throw Error(
          ErrorCode::kDataError,
          "strategy '" + s.name + "': no penalty has been chosen by " + needed.iso() +
              " (first choice: " +
              (selection.dates.empty() ? std::string("none") : selection.dates.front().iso()) +
              "); start the backtest later or shorten min_train_years / selection min_years");
    }
    // The signal actually traded, for the regime column: the chosen candidate's, row by row.
    Matrix traded = Matrix::Constant(T, s.n_states, kNaN);
    for (Eigen::Index t = 0; t < T; ++t) {
      const double c = selection.chosen_by_row[static_cast<std::size_t>(t)];
      if (!std::isnan(c)) traded.row(t) = on_grid[static_cast<std::size_t>(c)].row(t);
    }
    auto result = finish(s.name, s.kind, m, selection.targets, first, config, &traded, s.labels);
    for (std::size_t j = 0; j < selection.dates.size(); ++j) {
      for (std::size_t c = 0; c < signals.size(); ++c) {
        result.selection.push_back(
            {selection.dates[j], penalty_name(s.penalties[c]),
             selection.sharpe(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(c)),
             selection.chosen[j] == c});
      }
    }
    report.result.strategies.push_back(std::move(result));
  }
  report.version = options.version;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

BacktestReport run_backtest(store::Store& store, const BacktestOptions& options) {
  if (options.version.empty())
    throw Error(ErrorCode::kInvalidArgument, "backtest: --version is required (a new tag)");
  BacktestReport report = compute_backtest(store, options);
  const auto outcome = store.write_artefact(codec::backtest_kind(), report.header,
                                            codec::encode_backtest(report.result));
  report.written = outcome == store::ArtefactWriteOutcome::kWritten;
  if (!report.written) report.header = *store.find_artefact("backtest", options.version);
  return report;
}

std::vector<store::ArtefactHeader> list_backtests(const store::Store& store) {
  return store.list_artefacts("backtest");
}

BacktestReport read_backtest(const store::Store& store, const std::string& version,
                             bool with_days) {
  const auto header = store.find_artefact("backtest", version);
  if (!header) throw Error(ErrorCode::kNotFound, "no backtest version '" + version + "'");
  std::vector<store::ArtefactTable> tables;
  for (const auto& t : codec::backtest_kind().tables) {
    if (!with_days && (t.name == "daily" || t.name == "selection")) continue;
    tables.push_back(store.read_artefact_table("backtest", version, t.name));
  }
  BacktestReport report;
  report.version = version;
  report.header = *header;
  report.result = codec::decode_backtest(tables);
  return report;
}

}  // namespace mre::workflows
