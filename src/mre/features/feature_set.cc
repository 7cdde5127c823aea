// Validation, ordering and evaluation of a feature set (semantics in feature_set.h).
#include "mre/features/feature_set.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "mre/core/error.h"
#include "mre/features/transforms.h"

namespace mre::features {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

[[noreturn]] void invalid(const std::string& feature, const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, "feature '" + feature + "': " + message);
}

bool uses_future(const Op& op) {
  return std::holds_alternative<WinsorizeFullSample>(op) ||
         std::holds_alternative<ForwardReturns>(op);
}

void validate_op(const FeatureSpec& feature, const Op& op, bool allow_future_data) {
  const std::string name = op_name(op);
  auto window = [&](std::size_t w, const char* what) {
    if (w <= 1)
      invalid(feature.name,
              "op '" + name + "': " + what + " must be > 1 (got " + std::to_string(w) + ")");
  };
  auto positive = [&](std::size_t v, const char* what) {
    if (v < 1) invalid(feature.name, "op '" + name + "': " + what + " must be >= 1");
  };
  auto halflife = [&](double h) {
    if (!(h > 0 && std::isfinite(h))) {
      invalid(feature.name, "op '" + name + "': halflife must be a finite number > 0 (got " +
                                std::to_string(h) + ")");
    }
  };
  auto probability = [&](double p) {
    if (!(p > 0 && p < 0.5)) {
      invalid(feature.name,
              "op '" + name + "': p must be in (0, 0.5) (got " + std::to_string(p) + ")");
    }
  };
  std::visit(Overloaded{
                 [&](const Winsorize& o) { probability(o.p); },
                 [&](const WinsorizeFullSample& o) { probability(o.p); },
                 [&](const ZScore& o) { window(o.min_periods, "min_periods"); },
                 [&](const Slope& o) { window(o.window, "window"); },
                 [&](const Momentum& o) { positive(o.window, "window"); },
                 [&](const Volatility& o) { window(o.window, "window"); },
                 [&](const Returns& o) { positive(o.horizon, "horizon"); },
                 [&](const ForwardReturns& o) { positive(o.horizon, "horizon"); },
                 [&](const Yoy&) {},
                 [&](const Diff& o) { positive(o.periods, "periods"); },
                 [&](const Scale& o) {
                   if (!std::isfinite(o.factor))
                     invalid(feature.name, "op 'scale': factor must be finite");
                 },
                 [&](const RollingMean& o) { window(o.window, "window"); },
                 [&](const EwmDownsideDeviation& o) { halflife(o.halflife); },
                 [&](const EwmSortino& o) { halflife(o.halflife); },
                 [&](const Spread&) {},
                 [&](const Ratio&) {},
                 [&](const Correlation& o) { window(o.window, "window"); },
             },
             op);
  if (uses_future(op) && !allow_future_data) {
    invalid(feature.name, "op '" + name +
                              "' uses data after t; a versioned feature set refuses it unless the "
                              "spec sets allow_future_data: true");
  }
}

// Whether the op takes the logarithm of its input's values (so a value of 0 or below has none).
// (ewm_downside_deviation's `log` is of its output, a deviation, not of its input.)
bool takes_log(const Op& op) {
  return std::visit(Overloaded{
                        [](const Returns& o) { return o.log; },
                        [](const ForwardReturns& o) { return o.log; },
                        [](const Volatility& o) { return o.log_changes; },
                        [](const auto&) { return false; },
                    },
                    op);
}

Values apply_unary(const Op& op, const std::vector<Date>& dates, const Values& x) {
  return std::visit(
      Overloaded{
          [&](const Winsorize& o) { return winsorize_expanding(x, o.p, o.min_periods); },
          [&](const WinsorizeFullSample& o) { return winsorize_full_sample(x, o.p); },
          [&](const ZScore& o) { return expanding_zscore(x, o.min_periods); },
          [&](const Slope& o) { return rolling_slope(x, o.window); },
          [&](const Momentum& o) {
            return o.ratio ? pct_change(x, o.window, false) : difference(x, o.window);
          },
          [&](const Volatility& o) {
            return rolling_std(o.log_changes ? pct_change(x, 1, true) : difference(x, 1), o.window);
          },
          [&](const Returns& o) { return pct_change(x, o.horizon, o.log); },
          [&](const ForwardReturns& o) { return forward_returns(x, o.horizon, o.log); },
          [&](const Yoy&) { return yoy(dates, x); },
          [&](const Diff& o) { return difference(x, o.periods); },
          [&](const Scale& o) { return scale(x, o.factor); },
          [&](const RollingMean& o) { return rolling_mean(x, o.window); },
          [&](const EwmDownsideDeviation& o) {
            return ewm_downside_deviation(x, o.halflife, o.min_periods, o.log);
          },
          [&](const EwmSortino& o) { return ewm_sortino(x, o.halflife, o.min_periods); },
          [&](const auto&) -> Values {
            throw Error(ErrorCode::kInternal, "binary op applied as unary");
          },
      },
      op);
}

Values apply_binary(const Op& op, const Values& a, const Values& b) {
  return std::visit(Overloaded{
                        [&](const Spread&) { return spread(a, b); },
                        [&](const Ratio&) { return ratio(a, b); },
                        [&](const Correlation& o) { return rolling_correlation(a, b, o.window); },
                        [&](const auto&) -> Values {
                          throw Error(ErrorCode::kInternal, "unary op applied as binary");
                        },
                    },
                    op);
}

}  // namespace

std::string op_name(const Op& op) {
  return std::visit(Overloaded{
                        [](const Winsorize&) { return "winsorize"; },
                        [](const WinsorizeFullSample&) { return "winsorize_full_sample"; },
                        [](const ZScore&) { return "zscore"; },
                        [](const Slope&) { return "slope"; },
                        [](const Momentum&) { return "momentum"; },
                        [](const Volatility&) { return "volatility"; },
                        [](const Returns&) { return "returns"; },
                        [](const ForwardReturns&) { return "forward_returns"; },
                        [](const Yoy&) { return "yoy"; },
                        [](const Diff&) { return "diff"; },
                        [](const Scale&) { return "scale"; },
                        [](const RollingMean&) { return "mean"; },
                        [](const EwmDownsideDeviation&) { return "ewm_downside_deviation"; },
                        [](const EwmSortino&) { return "ewm_sortino"; },
                        [](const Spread&) { return "spread"; },
                        [](const Ratio&) { return "ratio"; },
                        [](const Correlation&) { return "correlation"; },
                    },
                    op);
}

bool is_binary(const Op& op) {
  return std::holds_alternative<Spread>(op) || std::holds_alternative<Ratio>(op) ||
         std::holds_alternative<Correlation>(op);
}

std::vector<std::string> ticker_inputs(const FeatureSetSpec& spec) {
  std::set<std::string> features;
  for (const auto& f : spec.features) features.insert(f.name);
  std::vector<std::string> out;
  for (const auto& f : spec.features) {
    for (const auto& input : f.inputs) {
      if (!features.count(input) && std::find(out.begin(), out.end(), input) == out.end()) {
        out.push_back(input);
      }
    }
  }
  return out;
}

ComputedFeatureSet compute_feature_set(const FeatureSetSpec& spec,
                                       const std::map<std::string, TickerInput>& tickers,
                                       const std::set<std::string>& preferred,
                                       const BusinessCalendar& calendar) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < spec.features.size(); ++i) {
    const auto& f = spec.features[i];
    if (f.name.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  "feature #" + std::to_string(i + 1) + " has no name");
    if (!index.emplace(f.name, i).second) invalid(f.name, "defined twice");
  }
  if (spec.features.empty())
    throw Error(ErrorCode::kInvalidArgument, "the spec defines no features");

  // Validate each feature, then order them so inputs come first (and find cycles).
  auto is_preferred = [&](const FeatureSpec& f) {
    return !f.prefer.empty() && preferred.count(f.prefer);
  };
  for (const auto& f : spec.features) {
    if (is_preferred(f)) {
      if (!tickers.count(f.prefer))
        invalid(f.name, "preferred ticker '" + f.prefer + "' has no input");
      continue;
    }
    if (f.inputs.empty()) invalid(f.name, "has no inputs");
    for (const auto& input : f.inputs) {
      if (!index.count(input) && !tickers.count(input)) {
        invalid(f.name,
                "unknown input '" + input + "' (neither a feature of this set nor a ticker)");
      }
    }
    for (std::size_t k = 0; k < f.ops.size(); ++k) {
      validate_op(f, f.ops[k], spec.allow_future_data);
      if (is_binary(f.ops[k]) && k != 0) {
        invalid(f.name, "binary op '" + op_name(f.ops[k]) + "' must be the first op");
      }
    }
    const bool binary = !f.ops.empty() && is_binary(f.ops.front());
    if (binary && f.inputs.size() != 2) {
      invalid(f.name, "op '" + op_name(f.ops.front()) + "' takes exactly two inputs");
    }
    if (!binary && f.inputs.size() != 1) {
      invalid(f.name, "takes one input unless its first op is spread, ratio or correlation");
    }
  }
  std::vector<std::size_t> order;
  std::vector<int> state(spec.features.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<std::string> path;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    if (state[i] == 2) return;
    const auto& f = spec.features[i];
    if (state[i] == 1) {
      std::string cycle;
      const auto start = std::find(path.begin(), path.end(), f.name);
      for (auto it = start; it != path.end(); ++it) cycle += *it + " -> ";
      throw Error(ErrorCode::kInvalidArgument, "circular feature definition: " + cycle + f.name);
    }
    state[i] = 1;
    path.push_back(f.name);
    if (!is_preferred(f)) {
      for (const auto& input : f.inputs) {
        if (const auto it = index.find(input); it != index.end()) visit(it->second);
      }
    }
    path.pop_back();
    state[i] = 2;
    order.push_back(i);
  };
  for (std::size_t i = 0; i < spec.features.size(); ++i) visit(i);

  // The grid spans the ticker inputs actually used.
  std::set<std::string> used;
  for (const auto& f : spec.features) {
    if (is_preferred(f)) {
      used.insert(f.prefer);
      continue;
    }
    for (const auto& input : f.inputs) {
      if (!index.count(input)) used.insert(input);
    }
  }
  std::optional<Date> first, last;
  for (const auto& ticker : used) {
    const auto& obs = tickers.at(ticker).observations;
    if (obs.empty()) continue;
    if (!first || obs.dates().front() < *first) first = obs.dates().front();
    if (!last || obs.dates().back() > *last) last = obs.dates().back();
  }
  if (!first) throw Error(ErrorCode::kDataError, "no observations for any input of the spec");
  if (spec.start && *spec.start > *first) first = *spec.start;
  if (*first > *last) {
    throw Error(ErrorCode::kDataError, "every input ends before the spec's start " + first->iso());
  }
  const std::vector<Date> grid = period_grid(*first, *last, spec.frequency, calendar);
  if (grid.empty())
    throw Error(ErrorCode::kDataError,
                "the grid from " + first->iso() + " to " + last->iso() + " is empty");

  std::map<std::string, Values> aligned;
  for (const auto& ticker : used) {
    const auto& in = tickers.at(ticker);
    aligned[ticker] = align_asof_values(in.observations, grid, in.publication_lag_days,
                                        in.publication_lag_days + in.max_gap_days);
  }

  std::vector<Values> columns(spec.features.size());
  std::vector<FeatureInfo> info(spec.features.size());
  auto input_values = [&](const std::string& name) -> const Values& {
    if (const auto it = index.find(name); it != index.end()) return columns[it->second];
    return aligned.at(name);
  };
  for (const std::size_t i : order) {
    const auto& f = spec.features[i];
    FeatureInfo& fi = info[i];
    fi.name = f.name;
    if (is_preferred(f)) {
      columns[i] = aligned.at(f.prefer);
      continue;
    }
    fi.proxy = f.proxy;
    for (const auto& input : f.inputs) {
      if (const auto it = index.find(input); it != index.end()) {
        fi.uses_future_data |= info[it->second].uses_future_data;
        fi.forward_looking |= info[it->second].forward_looking;
      }
    }
    for (const auto& op : f.ops) {
      fi.uses_future_data |= uses_future(op);
      fi.forward_looking |= std::holds_alternative<ForwardReturns>(op);
    }
    std::size_t k = 0;
    Values x;
    if (!f.ops.empty() && is_binary(f.ops.front())) {
      const Values& a = input_values(f.inputs[0]);
      const Values& b = input_values(f.inputs[1]);
      bool overlap = false;
      for (std::size_t t = 0; t < a.size() && !overlap; ++t) {
        overlap = !std::isnan(a[t]) && !std::isnan(b[t]);
      }
      if (!overlap) {
        throw Error(ErrorCode::kDataError, "feature '" + f.name + "': inputs '" + f.inputs[0] +
                                               "' and '" + f.inputs[1] +
                                               "' have no overlapping dates");
      }
      x = apply_binary(f.ops.front(), a, b);
      k = 1;
    } else {
      x = input_values(f.inputs[0]);
    }
    for (; k < f.ops.size(); ++k) {
      if (takes_log(f.ops[k])) {
        for (std::size_t t = 0; t < x.size(); ++t) {
          if (std::isnan(x[t]) || x[t] > 0) continue;
          if (fi.log_of_non_positive++ == 0 && fi.log_op.empty()) {
            fi.log_op = op_name(f.ops[k]);
            fi.first_non_positive = grid[t];
            fi.first_non_positive_value = x[t];
          }
        }
      }
      x = apply_unary(f.ops[k], grid, x);
    }
    columns[i] = std::move(x);
  }

  std::vector<std::string> names;
  names.reserve(spec.features.size());
  for (const auto& f : spec.features) names.push_back(f.name);
  return {Panel(grid, std::move(names), std::move(columns)), std::move(info)};
}

}  // namespace mre::features
