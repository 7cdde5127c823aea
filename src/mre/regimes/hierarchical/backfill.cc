// The walk-forward classifier backfill; see backfill.h.
#include "mre/regimes/hierarchical/backfill.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/regimes/hmm/model_comparison.h"
#include "mre/regimes/mapping/hungarian.h"
#include "mre/regimes/walk_forward.h"

namespace mre::regimes::hierarchical {
namespace {

int present_count(const Matrix& values, Eigen::Index t) {
  int present = 0;
  for (Eigen::Index d = 0; d < values.cols(); ++d) present += std::isnan(values(t, d)) ? 0 : 1;
  return present;
}

// The number of rows dated before `date`.
std::size_t rows_before(const std::vector<Date>& dates, Date date) {
  return static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), date) -
                                  dates.begin());
}

// Runs `task(i)` for i in [0, n) on `threads` threads (each i once, any order).
template <class Task>
void run_parallel(std::size_t n, int threads, const Task& task) {
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const std::size_t used =
      std::min(n, static_cast<std::size_t>(threads > 0 ? static_cast<unsigned>(threads) : cores));
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        task(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  if (used <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t i = 0; i < used; ++i) pool.emplace_back(worker);
    for (auto& thread : pool) thread.join();
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);  // the first failing retrain in date order
  }
}

}  // namespace

namespace {

// The definition's indicator columns of `all` (MR-DS-01 order).
Matrix component_data(const Matrix& all, const ModelDefinition& definition) {
  const auto& names = mr_ds_01_indicators();
  Matrix data(all.rows(), static_cast<Eigen::Index>(definition.indicators.size()));
  for (std::size_t i = 0; i < definition.indicators.size(); ++i) {
    const auto at = std::find(names.begin(), names.end(), definition.indicators[i]) - names.begin();
    data.col(static_cast<Eigen::Index>(i)) = all.col(at);
  }
  return data;
}

hmm::GaussianHmmConfig component_settings(const hmm::GaussianHmmConfig& config,
                                          const ModelDefinition& definition) {
  auto settings = config;
  settings.n_states = definition.n_states();
  return settings;
}

Error component_error(const ModelDefinition& definition, const Error& e) {
  return Error(e.code(), definition.name + " HMM: " + e.what());
}

// A fitted component: the training statistics and the mapping of the fit's states.
TrainedComponent from_fit(const Matrix& data, const ModelDefinition& definition,
                          hmm::GaussianHmmFit fit, const Component* previous) {
  TrainedComponent out;
  out.component.definition = definition;
  out.fit = std::move(fit);
  out.component.stats = global_statistics(data);
  if (previous) {
    // The new states in the previous model's order: Hungarian on the distance between state
    // means in units of this training data's standard deviations.
    Vector scale = out.component.stats.std;
    for (Eigen::Index d = 0; d < scale.size(); ++d) {
      if (!(scale(d) > 0) || !std::isfinite(scale(d))) scale(d) = 1.0;
    }
    out.fit.params =
        permute_states(out.fit.params, align_states(previous->params, out.fit.params, scale));
  }
  out.component.params = out.fit.params;
  out.component.mapping = map_states(out.fit.params.means, out.component.stats, definition);
  return out;
}

}  // namespace

TrainedComponent train_component(const Matrix& all, const ModelDefinition& definition,
                                 const hmm::GaussianHmmConfig& config, const Component* previous,
                                 const std::vector<hmm::GaussianHmmParams>& extra_starts) {
  const Matrix data = component_data(all, definition);
  hmm::GaussianHmmFit fit;
  try {
    fit = hmm::fit(data, component_settings(config, definition), extra_starts);
  } catch (const Error& e) {
    throw component_error(definition, e);
  }
  return from_fit(data, definition, std::move(fit), previous);
}

std::vector<Date> backfill_schedule(const std::vector<Date>& dates, const Matrix& values,
                                    const BackfillConfig& config) {
  check_arg(config.retrain_every_months >= 1, "retrain_every_months", "must be >= 1");
  check_arg(config.min_train_rows >= 1, "min_train_rows", "must be >= 1");
  check_arg(config.min_column_observations >= 1, "min_column_observations", "must be >= 1");
  check_arg(static_cast<Eigen::Index>(dates.size()) == values.rows(), "dates",
            "must have one date per row");
  check_arg(values.cols() == static_cast<Eigen::Index>(mr_ds_01_indicators().size()), "values",
            "must hold the ten MR-DS-01 indicators");
  for (std::size_t t = 1; t < dates.size(); ++t) {
    if (!(dates[t - 1] < dates[t])) {
      throw Error(ErrorCode::kDataError,
                  "backfill: dates must be strictly increasing (" + dates[t].iso() + ")");
    }
  }
  // The first row index at which every indicator has min_column_observations values before it.
  const auto D = values.cols();
  std::vector<int> seen(static_cast<std::size_t>(D), 0);
  std::optional<std::size_t> first;
  const auto needed = static_cast<std::size_t>(config.min_train_rows);
  for (std::size_t t = 0; t < dates.size(); ++t) {
    const bool enough = std::all_of(seen.begin(), seen.end(),
                                    [&](int n) { return n >= config.min_column_observations; });
    if (enough && t >= needed) {
      first = t;
      break;
    }
    for (Eigen::Index d = 0; d < D; ++d)
      seen[static_cast<std::size_t>(d)] +=
          std::isnan(values(static_cast<Eigen::Index>(t), d)) ? 0 : 1;
  }
  if (!first) {
    std::string short_of;
    for (Eigen::Index d = 0; d < D; ++d) {
      if (seen[static_cast<std::size_t>(d)] < config.min_column_observations) {
        short_of += (short_of.empty() ? "" : ", ") +
                    mr_ds_01_indicators()[static_cast<std::size_t>(d)] + " (" +
                    std::to_string(seen[static_cast<std::size_t>(d)]) + ")";
      }
    }
    throw Error(ErrorCode::kDataError,
                "backfill: no date leaves a training window of " +
                    std::to_string(config.min_train_rows) + " rows (min_train_rows) with " +
                    std::to_string(config.min_column_observations) +
                    " values of every indicator before it (" + std::to_string(dates.size()) +
                    " rows" + (short_of.empty() ? std::string() : "; short: " + short_of) + ")");
  }
  std::vector<Date> out;
  const Date start = dates[*first];
  for (int k = 0;; ++k) {
    const Date d = start.add_months(k * config.retrain_every_months);
    if (d > dates.back()) break;
    out.push_back(d);
  }
  return out;
}

BackfillResult backfill(const std::vector<Date>& dates, const Matrix& values,
                        const BackfillConfig& config) {
  check_arg(config.hmm.n_init >= 1, "n_init", "must be >= 1");
  const auto schedule = backfill_schedule(dates, values, config);
  const std::size_t n = schedule.size();
  BackfillResult out;
  out.retrains.resize(n);
  std::vector<TrainedComponent> global(n);
  std::vector<TrainedComponent> muni(n);
  // Every retrain's two HMMs (global, muni) as fits on the work items (core/work_items.h): task
  // 2k is retrain k's global HMM, 2k + 1 its MUNI HMM. Each fit is hmm::fit's, bit for bit.
  const std::array<const ModelDefinition*, 2> definitions = {&global_macro_definition(),
                                                             &muni_definition()};
  std::vector<Matrix> data(2 * n);
  std::vector<hmm::FitTask> tasks(2 * n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t rows = rows_before(dates, schedule[k]);
    const Matrix window = values.topRows(static_cast<Eigen::Index>(rows));
    for (std::size_t c = 0; c < 2; ++c) {
      data[2 * k + c] = component_data(window, *definitions[c]);
      tasks[2 * k + c] = {.data = &data[2 * k + c],
                          .config = component_settings(config.hmm, *definitions[c])};
      try {
        hmm::check_fit_inputs(data[2 * k + c], tasks[2 * k + c].config);
      } catch (const Error& e) {
        throw component_error(*definitions[c], e);
      }
    }
    auto& r = out.retrains[k];
    r.date = schedule[k];
    r.rows = rows;
    r.trained_from = dates.front();
    r.trained_to = dates[rows - 1];
  }
  const ThreadWorkItems local(config.threads);
  const WorkItems& items = config.work_items ? *config.work_items : local;
  const auto fitted = [&](std::size_t task, const std::vector<hmm::EmStart>& starts) {
    try {
      return hmm::best_start(starts, data[task].rows());
    } catch (const Error& e) {
      throw component_error(*definitions[task % 2], e);
    }
  };
  // The fresh starts of every retrain do not depend on any other retrain: all run at once, then
  // the screened leaders' continuations as a second round (none for an unscreened first
  // retrain), so cold each retrain's fit is complete. Warm, retrain k > 0 also starts from
  // retrain k - 1's winner (an extra start, index n_init), which needs retrain k - 1's fit: a
  // chain, retrain after retrain, of the warm starts alone (its two HMMs at once). The leaders'
  // long continuations used to run beside the chain's steps; in the rounds before it they fill
  // both cores, and the backfill takes two thirds of the wall time (bench/README.md). The fits
  // are what hmm::fit gives each retrain with its warm start, bit for bit (tested).
  if (config.full_first_fit) {
    for (std::size_t c = 0; c < 2 && c < tasks.size(); ++c) tasks[c].config.screen_iterations = 0;
  }
  auto starts = hmm::run_starts(tasks, items, "backfill EM starts");
  std::vector<hmm::GaussianHmmFit> fits(2 * n);
  if (!config.warm_start) {
    for (std::size_t task = 0; task < 2 * n; ++task) fits[task] = fitted(task, starts[task]);
  } else {
    const auto index = static_cast<std::size_t>(config.hmm.n_init);
    for (std::size_t k = 0; k < n; ++k) {
      std::vector<std::size_t> step;  // this step's tasks: the warm start of each
      for (std::size_t c = 0; c < 2 && k > 0; ++c) {
        const std::size_t task = 2 * k + c;
        try {
          hmm::check_fit_inputs(data[task], tasks[task].config, {fits[task - 2].params});
        } catch (const Error& e) {
          throw component_error(*definitions[c], e);
        }
        step.push_back(task);
      }
      const auto results = items.run(
          static_cast<std::int64_t>(step.size()),
          [&](std::int64_t i) {
            const std::size_t task = step[static_cast<std::size_t>(i)];
            return hmm::pack_em_start(
                hmm::run_extra_start(data[task], tasks[task].config, index, fits[task - 2].params));
          },
          "backfill retrain " + std::to_string(k + 1) + "/" + std::to_string(n) + " (" +
              schedule[k].iso() + "): warm starts");
      std::array<std::optional<hmm::EmStart>, 2> warm;
      for (std::size_t i = 0; i < step.size(); ++i)
        warm[step[i] % 2] = hmm::unpack_em_start(results[i]);
      for (std::size_t c = 0; c < 2; ++c) {
        const std::size_t task = 2 * k + c;
        if (warm[c]) starts[task].push_back(std::move(*warm[c]));
        fits[task] = fitted(task, starts[task]);
        if (!warm[c] || warm[c]->failed ||
            static_cast<std::size_t>(fits[task].best_init) == starts[task].size() - 1)
          continue;
        // A fresh optimum beat the continued one: it replaces it only when the rows prefer it.
        const auto& continued = starts[task].back();
        const auto test =
            hmm::vuong_test(hmm::predictive_log_densities(fits[task].params, data[task]),
                            hmm::predictive_log_densities(continued.params, data[task]));
        const double p_value = 0.5 * std::erfc(test.statistic / std::sqrt(2.0));
        const bool switched = p_value < config.switch_level;
        if (c == 0) {
          auto& r = out.retrains[k];
          r.switch_tested = true;
          r.switched = switched;
          r.switch_statistic = test.statistic;
          r.switch_difference = test.difference;
        }
        if (!switched)
          fits[task] = hmm::chosen_start(starts[task], starts[task].size() - 1, data[task].rows());
      }
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    global[k] = from_fit(data[2 * k], *definitions[0], std::move(fits[2 * k]), nullptr);
    muni[k] = from_fit(data[2 * k + 1], *definitions[1], std::move(fits[2 * k + 1]), nullptr);
  }
  // Align each retrain to the previous one (in date order, after all fits: the alignment moves
  // no likelihood and changes no label, only which state index means what), then map.
  for (std::size_t k = 0; k < n; ++k) {
    for (auto* trained : {&global[k], &muni[k]}) {
      auto& c = trained->component;
      if (k > 0) {
        const auto& previous = (trained == &global[k] ? global[k - 1] : muni[k - 1]).component;
        Vector scale = c.stats.std;
        for (Eigen::Index d = 0; d < scale.size(); ++d) {
          if (!(scale(d) > 0) || !std::isfinite(scale(d))) scale(d) = 1.0;
        }
        c.params = permute_states(c.params, align_states(previous.params, c.params, scale));
        c.mapping = remap_states(c.params.means, c.stats, c.definition, previous.mapping.assigned,
                                 config.mapping_margin);
      }
    }
    auto& r = out.retrains[k];
    r.model.global = global[k].component;
    r.model.muni = muni[k].component;
    const auto& fit = global[k].fit;
    r.log_likelihood = fit.log_likelihood;
    r.start_log_likelihoods = fit.start_log_likelihoods;
    r.starts_at_best = fit.starts_at_best;
    r.best_start = fit.best_init;
    r.iterations = fit.iterations;
    r.converged = fit.converged;
    r.muni_converged = muni[k].fit.converged;
  }
  // Each model filters every row from the start up to the end of the period it serves: the rows
  // before its retrain date give its starting state and its labels for the churn; the rows of
  // its period are the output.
  std::vector<std::vector<int>> labels(n);  // per model, the label of each row (-1: not labelled)
  std::vector<std::vector<BackfillRow>> served(n);
  run_parallel(n, config.threads, [&](std::size_t k) {
    const Classifier classifier(out.retrains[k].model);
    const std::size_t begin = rows_before(dates, schedule[k]);
    const std::size_t end = k + 1 < n ? rows_before(dates, schedule[k + 1]) : dates.size();
    labels[k].assign(end, -1);
    FilterState state;
    bool started = false;
    std::vector<double> row(static_cast<std::size_t>(values.cols()));
    for (std::size_t t = 0; t < end; ++t) {
      const auto ti = static_cast<Eigen::Index>(t);
      if (present_count(values, ti) < config.min_indicators) continue;
      for (Eigen::Index d = 0; d < values.cols(); ++d)
        row[static_cast<std::size_t>(d)] = values(ti, d);
      const auto result = classifier.classify(row.data(), started ? &state : nullptr, state);
      started = true;
      labels[k][t] = result.global.label;
      if (t >= begin) served[k].push_back({t, k, result});
    }
  });
  for (std::size_t k = 0; k < n; ++k) {
    auto& r = out.retrains[k];
    if (k == 0) {
      r.churn = std::numeric_limits<double>::quiet_NaN();
    } else {
      std::size_t compared = 0;
      std::size_t changed = 0;
      for (std::size_t t = 0; t < r.rows; ++t) {
        if (labels[k][t] < 0) continue;
        ++compared;
        changed += labels[k][t] != labels[k - 1][t] ? 1 : 0;
      }
      r.churn_rows = compared;
      r.churn = compared ? static_cast<double>(changed) / static_cast<double>(compared) : 0.0;
    }
    out.rows.insert(out.rows.end(), served[k].begin(), served[k].end());
  }
  return out;
}

StateAgreement state_agreement(const BackfillResult& a, const BackfillResult& b) {
  const auto most_likely = [](const ComponentOutput& o) {
    return static_cast<int>(std::max_element(o.states.begin(), o.states.begin() + o.n) -
                            o.states.begin());
  };
  const auto& ra = a.rows;
  const auto& rb = b.rows;
  const auto differ = [] {
    return Error(ErrorCode::kDataError,
                 "state agreement: the two backfills label other rows (other data or schedule)");
  };
  if (ra.size() != rb.size() || ra.empty()) throw differ();
  std::size_t matched = 0;
  std::size_t same_label = 0;
  for (std::size_t begin = 0; begin < ra.size();) {
    std::size_t end = begin;
    while (end < ra.size() && ra[end].retrain == ra[begin].retrain) ++end;
    const int k = ra[begin].result.global.n;
    Matrix overlap = Matrix::Zero(k, k);
    std::vector<std::pair<int, int>> states;  // (a's, b's) most-likely state of each row
    for (std::size_t t = begin; t < end; ++t) {
      if (ra[t].row != rb[t].row || ra[t].result.global.n != k || rb[t].result.global.n != k)
        throw differ();
      states.emplace_back(most_likely(ra[t].result.global), most_likely(rb[t].result.global));
      overlap(states.back().first, states.back().second) += 1.0;
    }
    const auto match = mapping::hungarian(-overlap);
    for (std::size_t t = begin; t < end; ++t) {
      const auto [sa, sb] = states[t - begin];
      if (match.column_of_row[static_cast<std::size_t>(sa)] != sb) continue;
      ++matched;
      same_label += ra[t].result.global.label == rb[t].result.global.label ? 1 : 0;
    }
    begin = end;
  }
  return {static_cast<double>(matched) / static_cast<double>(ra.size()),
          matched ? static_cast<double>(same_label) / static_cast<double>(matched) : 0.0};
}

}  // namespace mre::regimes::hierarchical
