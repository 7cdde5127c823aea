// The native half of the Python package `mre` (python/mre/ is the other half): thin pybind11
// bindings over the kernels and the store. No statistics here: each function converts arrays,
// calls one kernel or store method with the GIL released for anything long, and converts back.
// mre::Error becomes the matching mre.Error subclass, with the message the CLI prints.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mre/causal/dml.h"
#include "mre/causal/folds.h"
#include "mre/causal/inference.h"
#include "mre/causal/learners.h"
#include "mre/causal/local_projection.h"
#include "mre/causal/xlearner.h"
#include "mre/codec/backtest_artefact.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/hmm/viterbi.h"
#include "mre/regimes/jump/jump_model.h"
#include "mre/store/store.h"
#include "mre/workflows/backtest.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/scm.h"

namespace py = pybind11;

namespace mre::python {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using InArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// The exception classes, created once in PYBIND11_MODULE (module lifetime).
struct Exceptions {
  PyObject* base = nullptr;
  PyObject* invalid_argument = nullptr;
  PyObject* data = nullptr;
  PyObject* store = nullptr;
  PyObject* io = nullptr;
  PyObject* not_found = nullptr;
  PyObject* unsupported = nullptr;
  PyObject* internal = nullptr;
};
Exceptions exceptions;

PyObject* exception_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return exceptions.invalid_argument;
    case ErrorCode::kDataError:
      return exceptions.data;
    case ErrorCode::kStoreError:
      return exceptions.store;
    case ErrorCode::kIoError:
      return exceptions.io;
    case ErrorCode::kNotFound:
      return exceptions.not_found;
    case ErrorCode::kUnsupported:
      return exceptions.unsupported;
    case ErrorCode::kInternal:
      return exceptions.internal;
  }
  return exceptions.internal;
}

// A 2-D float64 array (T x D) as an Eigen matrix; InvalidArgument naming `what` otherwise.
Matrix to_matrix(const InArray& array, const char* what) {
  if (array.ndim() != 2) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) +
                                                 ": expected a 2-D array (rows are dates), got " +
                                                 std::to_string(array.ndim()) + " dimension(s)");
  }
  return Eigen::Map<const RowMajor>(array.data(), array.shape(0), array.shape(1));
}

Vector to_vector(const InArray& array, const char* what) {
  if (array.ndim() != 1) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": expected a 1-D array, got " +
                                                 std::to_string(array.ndim()) + " dimension(s)");
  }
  return Eigen::Map<const Vector>(array.data(), array.shape(0));
}

py::array_t<double> to_array(const Matrix& m) {
  py::array_t<double> out({m.rows(), m.cols()});
  Eigen::Map<RowMajor>(out.mutable_data(), m.rows(), m.cols()) = m;
  return out;
}

py::array_t<double> covariances_array(const regimes::hmm::GaussianHmmParams& p) {
  const auto k = static_cast<py::ssize_t>(p.covariances.size());
  const auto d = static_cast<py::ssize_t>(p.n_features());
  py::array_t<double> out({k, d, d});
  for (py::ssize_t s = 0; s < k; ++s) {
    Eigen::Map<RowMajor>(out.mutable_data(s), d, d) = p.covariances[static_cast<std::size_t>(s)];
  }
  return out;
}

regimes::hmm::GaussianHmmFit hmm_fit(const InArray& x, int n_states, const std::string& covariance,
                                     int n_iter, double tol, int n_init, std::uint64_t seed,
                                     double min_covar, int threads,
                                     const std::string& acceleration) {
  const Matrix data = to_matrix(x, "X");
  const regimes::hmm::GaussianHmmConfig config{
      .n_states = n_states,
      .covariance = regimes::hmm::parse_covariance(covariance),
      .n_iter = n_iter,
      .tol = tol,
      .n_init = n_init,
      .seed = seed,
      .min_covar = min_covar,
      .threads = threads,
      .acceleration = regimes::hmm::parse_acceleration(acceleration)};
  py::gil_scoped_release release;
  return regimes::hmm::fit(data, config);
}

// Log emission densities of X under params (the kernel's), after the shape and value checks.
Matrix checked_emission(const regimes::hmm::GaussianHmmParams& params, const Matrix& data) {
  if (data.cols() != params.n_features()) {
    throw Error(ErrorCode::kInvalidArgument, "X: has " + std::to_string(data.cols()) +
                                                 " columns, the model " +
                                                 std::to_string(params.n_features()) + " features");
  }
  if (data.rows() == 0) throw Error(ErrorCode::kDataError, "X: no rows");
  if ((data.array().isInf()).any()) throw Error(ErrorCode::kDataError, "X: infinite value");
  return regimes::hmm::log_emission(params, data);
}

// Filtered (forward pass: row t from rows up to t) or smoothed (forward-backward) state
// probabilities and log p(X); the GIL released once X is converted.
py::tuple hmm_posterior(const regimes::hmm::GaussianHmmParams& p, const InArray& x, bool smoothed) {
  const Matrix data = to_matrix(x, "X");
  Matrix probabilities;
  double log_likelihood = 0.0;
  {
    py::gil_scoped_release release;
    const Matrix log_b = checked_emission(p, data);
    if (smoothed) {
      auto result = regimes::hmm::forward_backward(log_b, p.transition, p.initial);
      probabilities = std::move(result.smoothed);
      log_likelihood = result.log_likelihood;
    } else {
      auto result = regimes::hmm::forward_filter(log_b, p.transition, p.initial);
      probabilities = std::move(result.filtered);
      log_likelihood = result.log_likelihood;
    }
  }
  return py::make_tuple(to_array(probabilities), log_likelihood);
}

// A count parameter within its limits, with the CLI's message (cli/common.cc checked_count)
// naming the Python parameter.
void check_count(int value, const char* what, int lo, int hi) {
  if (value < lo || value > hi) {
    throw Error(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::to_string(value) +
                                                 " is outside the limits [" + std::to_string(lo) +
                                                 ", " + std::to_string(hi) + "]");
  }
}

std::unique_ptr<causal::Regressor> learner(const std::string& name, const char* what) {
  try {
    return causal::make_regressor(name);
  } catch (const Error& e) {
    throw Error(e.code(), std::string(what) + ": " + e.what());
  }
}

std::optional<Date> date_option(const std::optional<std::string>& text, const char* what) {
  if (!text) return std::nullopt;
  const auto date = Date::parse(*text);
  if (!date)
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + ": cannot parse '" + *text + "' (expected YYYY-MM-DD)");
  return date;
}

// The store handle: a read-only view; close() releases it and later calls raise StoreError.
class StoreHandle {
 public:
  explicit StoreHandle(const std::string& target)
      : target_(target), store_(store::open_store(target, false)) {}
  store::Store& get() const {
    if (!store_) throw Error(ErrorCode::kStoreError, "the store is closed");
    return *store_;
  }
  void close() { store_.reset(); }
  // advance=True writes (the carried filter state): reopened for writing, as the CLI does.
  std::string classify(const std::string& observation_json, const std::string& version,
                       bool advance, bool allow_unapproved, const std::string& instrument_type) {
    get();
    const auto observation =
        workflows::parse_observation_json(observation_json, "observation", instrument_type);
    const workflows::RealtimeOptions options{
        .version = version, .allow_unapproved = allow_unapproved, .persist = advance};
    if (!advance) return workflows::classify_realtime(*store_, options, observation);
    const auto writable = store::open_store(target_, true);
    return workflows::classify_realtime(*writable, options, observation);
  }

 private:
  std::string target_;
  std::unique_ptr<store::Store> store_;
};

std::vector<std::string> iso_dates(const std::vector<Date>& dates) {
  std::vector<std::string> out;
  out.reserve(dates.size());
  for (const auto& d : dates) out.push_back(d.iso());
  return out;
}

// An X-learner fit: the kernel's result (CATE on the fitting rows, the ATE's block-bootstrap
// interval) and its fitted learners for the CATE at other rows.
struct XLearnerHandle {
  causal::XLearnerResult result;
  causal::XLearnerModel model;
};

XLearnerHandle xlearner_fit(const InArray& x, const InArray& t, const InArray& y,
                            const std::string& models, const std::string& cate_models,
                            const std::string& propensity_model, int bootstrap, int block_length,
                            std::uint64_t seed) {
  const Matrix X = to_matrix(x, "X");
  const Vector tv = to_vector(t, "T");
  const Vector yv = to_vector(y, "Y");
  const auto outcome = learner(models, "models");
  const auto effect = learner(cate_models, "cate_models");
  std::unique_ptr<causal::Classifier> propensity;
  try {
    propensity = causal::make_classifier(propensity_model);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("propensity_model: ") + e.what());
  }
  check_count(bootstrap, "n_bootstrap", 0, 1'000'000);
  check_count(block_length, "block_length", 0, static_cast<int>(tv.size()));
  py::gil_scoped_release release;
  XLearnerHandle out;
  out.result =
      causal::x_learner(X, tv, yv, *outcome, *effect, *propensity,
                        {.bootstrap = bootstrap, .block_length = block_length, .seed = seed});
  out.model = causal::fit_x_learner_model(X, tv, yv, *outcome, *effect, *propensity);
  return out;
}

// A stored SCM version (workflows/scm.h) and what its front ends need.
struct ScmHandle {
  std::string version;
  scm::FittedScm model;
};

ScmHandle scm_load(const store::Store& store, const std::string& version) {
  const std::string resolved =
      version.empty() || version == "latest" ? workflows::newest_scm_version(store) : version;
  return {resolved, workflows::load_scm(store, resolved)};
}

std::vector<workflows::DoExpression> parse_do_all(const std::vector<std::string>& texts) {
  std::vector<workflows::DoExpression> out;
  for (const auto& t : texts) out.push_back(workflows::parse_do(t));
  return out;
}

py::dict band_dict(const scm::Band& b) {
  return py::dict(py::arg("estimate") = b.estimate, py::arg("lo90") = b.lo90,
                  py::arg("hi90") = b.hi90, py::arg("lo95") = b.lo95, py::arg("hi95") = b.hi95);
}

py::list node_bands(const std::vector<workflows::NodeEffectBand>& bands) {
  py::list out;
  for (const auto& b : bands) {
    out.append(py::dict(py::arg("node") = b.node, py::arg("unit") = b.unit,
                        py::arg("window_end") = band_dict(b.window_end),
                        py::arg("last") = band_dict(b.last)));
  }
  return out;
}

workflows::ScmUncertainty uncertainty(int replicates, int block_length, std::uint64_t seed,
                                      int paths_per_replicate, int threads) {
  workflows::ScmUncertainty u{
      .bootstrap = {.replicates = replicates, .block_length = block_length, .seed = seed},
      .paths_per_replicate = paths_per_replicate};
  u.bootstrap.threads = threads;
  return u;
}

// `mre scm counterfactual` without the printing: the factual and counterfactual levels from the
// first intervened date, and every node's effect with its bootstrap bands.
py::dict scm_counterfactual(const ScmHandle& h, const std::vector<std::string>& interventions,
                            int replicates, int block_length, std::uint64_t seed, int threads) {
  const auto parsed = parse_do_all(interventions);
  check_count(threads, "threads", 0, scm::kMaxThreads);
  const auto u = uncertainty(replicates, block_length, seed, 10, threads);
  workflows::CounterfactualResult r;
  {
    py::gil_scoped_release release;
    r = workflows::counterfactual(h.model, parsed, u);
  }
  py::dict out;
  out["dates"] = iso_dates(r.dates);
  out["nodes"] = r.nodes;
  out["factual"] = to_array(r.factual);
  out["counterfactual"] = to_array(r.counterfactual);
  out["terminal"] = r.terminal;
  out["terminal_gap"] = r.terminal_gap;
  out["terminal_gap_window"] = r.terminal_gap_window;
  out["window_end"] = r.window_end.iso();
  out["uncertainty"] = r.uncertainty;
  out["bands"] = node_bands(r.bands);
  out["warnings"] = r.warnings;
  py::list regimes;
  for (const auto& e : r.regime_effects) {
    regimes.append(py::dict(py::arg("regime") = e.regime, py::arg("window_days") = e.window_days,
                            py::arg("bands") = node_bands(e.bands)));
  }
  out["regime_effects"] = regimes;
  return out;
}

py::list effect_summaries(const std::vector<scm::EffectSummary>& effects) {
  py::list out;
  for (const auto& e : effects) {
    py::dict d(py::arg("node") = e.node, py::arg("unit") = e.unit, py::arg("mean") = e.mean,
               py::arg("q05") = e.quantiles[0], py::arg("q25") = e.quantiles[1],
               py::arg("q50") = e.quantiles[2], py::arg("q75") = e.quantiles[3],
               py::arg("q95") = e.quantiles[4]);
    if (e.banded) d["band"] = band_dict(e.band);
    out.append(d);
  }
  return out;
}

// `mre scm simulate` without storing (workflows::compute_scenario): the fans of the baseline and
// the intervened world per business day and node, and the intervention's effect at the horizon.
// mean_block: the spec's (the CLI reads it from --spec, default
// config/scm/policy_transmission.yml).
py::dict scm_scenario(const ScmHandle& h, const std::vector<std::string>& interventions,
                      const std::string& name, const std::optional<std::string>& start, int horizon,
                      int paths, std::uint64_t seed, int threads, const std::string& shocks,
                      const std::optional<std::string>& spec, int replicates, int block_length,
                      std::uint64_t bootstrap_seed, int paths_per_replicate) {
  workflows::ScenarioOptions options;
  options.name = name;
  options.interventions = parse_do_all(interventions);
  options.start = date_option(start, "start");
  check_count(horizon, "horizon", 1, scm::kMaxHorizon);
  check_count(paths, "n", 1, scm::kMaxPaths);
  check_count(threads, "threads", 0, scm::kMaxThreads);
  options.config = {.horizon = horizon,
                    .paths = paths,
                    .seed = seed,
                    .threads = threads,
                    .shocks = scm::parse_shock_kind(shocks)};
  options.config.mean_block = workflows::load_scm_spec(spec ? std::filesystem::path(*spec)
                                                            : workflows::default_scm_spec_path())
                                  .mean_block;
  options.uncertainty =
      uncertainty(replicates, block_length, bootstrap_seed, paths_per_replicate, threads);
  workflows::ScenarioResult r;
  {
    py::gil_scoped_release release;
    r = workflows::compute_scenario(h.version, h.model, options);
  }
  std::vector<int> day;
  std::vector<std::string> node, scenario;
  std::vector<double> q05, q25, q50, q75, q95;
  for (const auto& f : r.rows) {
    day.push_back(f.day);
    node.push_back(f.node);
    scenario.push_back(f.scenario);
    q05.push_back(f.q05);
    q25.push_back(f.q25);
    q50.push_back(f.q50);
    q75.push_back(f.q75);
    q95.push_back(f.q95);
  }
  py::dict fans;
  fans["day"] = day;
  fans["node"] = node;
  fans["scenario"] = scenario;
  fans["q05"] = q05;
  fans["q25"] = q25;
  fans["q50"] = q50;
  fans["q75"] = q75;
  fans["q95"] = q95;
  py::dict out;
  out["fans"] = fans;
  out["dates"] = iso_dates(r.dates);
  out["id"] = r.run.id;
  out["start"] = r.run.start.iso();
  out["interventions"] = r.run.interventions;
  out["effects"] = effect_summaries(r.effects);
  out["warnings"] = r.warnings;
  py::list regimes;
  for (const auto& g : r.regime_effects) {
    regimes.append(
        py::dict(py::arg("regime") = g.regime, py::arg("effects") = effect_summaries(g.effects)));
  }
  out["regime_effects"] = regimes;
  return out;
}

// `mre backtest show VERSION --format csv` (and with --daily), as columns.
py::dict backtest_columns(const store::Store& store, const std::string& version, bool daily) {
  const auto report = workflows::read_backtest(store, version, daily);
  py::dict out;
  if (daily) {
    std::vector<std::string> strategy, date, regime;
    std::vector<double> ret, equity, drawdown, exposure, turnover;
    for (const auto& s : report.result.strategies) {
      for (const auto& d : s.days) {
        strategy.push_back(s.name);
        date.push_back(d.date.iso());
        ret.push_back(d.ret);
        equity.push_back(d.equity);
        drawdown.push_back(d.drawdown);
        exposure.push_back(d.exposure);
        turnover.push_back(d.turnover);
        regime.push_back(d.regime);
      }
    }
    out["strategy"] = strategy;
    out["date"] = date;
    out["ret"] = ret;
    out["equity"] = equity;
    out["drawdown"] = drawdown;
    out["exposure"] = exposure;
    out["turnover"] = turnover;
    out["regime"] = regime;
    return out;
  }
  std::vector<std::string> strategy, metric;
  std::vector<double> value;
  for (const auto& s : report.result.strategies) {
    for (const auto& name : codec::backtest_metric_names()) {
      strategy.push_back(s.name);
      metric.push_back(name);
      value.push_back(codec::metric_value(s.metrics, name));
    }
    for (const auto& y : s.metrics.years) {
      strategy.push_back(s.name);
      metric.push_back("year_" + std::to_string(y.year));
      value.push_back(y.value);
    }
  }
  out["strategy"] = strategy;
  out["metric"] = metric;
  out["value"] = value;
  return out;
}

}  // namespace
}  // namespace mre::python

PYBIND11_MODULE(_mre, m) {
  using namespace mre;
  using namespace mre::python;
  namespace hmm = mre::regimes::hmm;
  namespace jump = mre::regimes::jump;
  m.doc() = "mre's native bindings (use the `mre` package, not this module)";

  // Errors: mre.Error and one subclass per code, each also a subclass of the builtin the
  // conventions table names, so `except ValueError` and `except KeyError` work.
  auto make = [&](const char* name, PyObject* bases) {
    py::dict namespace_dict;
    namespace_dict["__str__"] = py::module_::import("builtins").attr("Exception").attr("__str__");
    namespace_dict["__module__"] = py::str("mre");
    PyObject* type =
        PyErr_NewException((std::string("mre.") + name).c_str(), bases, namespace_dict.ptr());
    if (!type) throw py::error_already_set();
    m.add_object(name, py::handle(type));
    return type;
  };
  exceptions.base = make("Error", PyExc_Exception);
  auto with = [&](PyObject* builtin) {
    return py::make_tuple(py::handle(exceptions.base), py::handle(builtin)).release().ptr();
  };
  exceptions.invalid_argument = make("InvalidArgumentError", with(PyExc_ValueError));
  exceptions.data = make("DataError", with(PyExc_ValueError));
  exceptions.store = make("StoreError", with(PyExc_OSError));
  exceptions.io = make("IoError", with(PyExc_OSError));
  exceptions.not_found = make("NotFoundError", with(PyExc_KeyError));
  exceptions.unsupported = make("UnsupportedError", with(PyExc_NotImplementedError));
  exceptions.internal = make("InternalError", with(PyExc_RuntimeError));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const mre::Error& e) {
      PyErr_SetString(exception_for(e.code()), mre::user_message(e.what()).c_str());
    }
  });

  // ---- Gaussian HMM
  py::class_<hmm::GaussianHmmParams>(m, "GaussianHmmParams")
      .def_property_readonly(
          "covariance_type",
          [](const hmm::GaussianHmmParams& p) { return hmm::covariance_name(p.covariance); })
      .def_property_readonly("startprob",
                             [](const hmm::GaussianHmmParams& p) { return Vector(p.initial); })
      .def_property_readonly("transmat",
                             [](const hmm::GaussianHmmParams& p) { return to_array(p.transition); })
      .def_property_readonly("means",
                             [](const hmm::GaussianHmmParams& p) { return to_array(p.means); })
      .def_property_readonly("covars", &covariances_array)
      .def_property_readonly("n_free_parameters", &hmm::GaussianHmmParams::n_free_parameters);

  py::class_<hmm::GaussianHmmFit>(m, "GaussianHmmFit")
      .def_readonly("params", &hmm::GaussianHmmFit::params)
      .def_readonly("log_likelihood", &hmm::GaussianHmmFit::log_likelihood)
      .def_readonly("iterations", &hmm::GaussianHmmFit::iterations)
      .def_readonly("converged", &hmm::GaussianHmmFit::converged)
      .def_readonly("trace", &hmm::GaussianHmmFit::trace)
      .def_readonly("monotone", &hmm::GaussianHmmFit::monotone)
      .def_readonly("best_init", &hmm::GaussianHmmFit::best_init)
      .def_readonly("start_log_likelihoods", &hmm::GaussianHmmFit::start_log_likelihoods)
      .def_readonly("aic", &hmm::GaussianHmmFit::aic)
      .def_readonly("bic", &hmm::GaussianHmmFit::bic);

  m.def("hmm_fit", &hmm_fit, py::arg("X"), py::arg("n_states"), py::arg("covariance"),
        py::arg("n_iter"), py::arg("tol"), py::arg("n_init"), py::arg("seed"), py::arg("min_covar"),
        py::arg("threads"), py::arg("acceleration"));
  m.def("hmm_posterior", &hmm_posterior, py::arg("params"), py::arg("X"), py::arg("smoothed"));
  m.def("hmm_information_criteria",
        [](const hmm::GaussianHmmParams& p, double log_likelihood, Eigen::Index rows) {
          const auto c = hmm::information_criteria(p, log_likelihood, rows);
          return py::make_tuple(c.aic, c.bic);
        });
  m.def("hmm_viterbi", [](const hmm::GaussianHmmParams& p, const InArray& x) {
    const Matrix log_b = checked_emission(p, to_matrix(x, "X"));
    return hmm::viterbi(log_b, p.transition, p.initial).path;
  });

  // ---- Jump model
  py::class_<jump::JumpModelConfig>(m, "JumpModelConfig");
  py::class_<jump::JumpModelFit>(m, "JumpModelFit")
      .def_property_readonly("centers",
                             [](const jump::JumpModelFit& f) { return to_array(f.centers); })
      .def_property_readonly("probabilities",
                             [](const jump::JumpModelFit& f) { return to_array(f.probabilities); })
      .def_readonly("labels", &jump::JumpModelFit::labels)
      .def_readonly("objective", &jump::JumpModelFit::objective)
      .def_readonly("iterations", &jump::JumpModelFit::iterations)
      .def_readonly("converged", &jump::JumpModelFit::converged)
      .def_readonly("best_start", &jump::JumpModelFit::best_start);
  m.def("jump_config", [](int n_states, double jump_penalty, bool continuous, double grid_size,
                          int n_init, int max_iter, double tol, std::uint64_t seed) {
    return jump::JumpModelConfig{.n_states = n_states,
                                 .jump_penalty = jump_penalty,
                                 .continuous = continuous,
                                 .grid_size = grid_size,
                                 .n_init = n_init,
                                 .max_iter = max_iter,
                                 .tol = tol,
                                 .seed = seed};
  });
  m.def("jump_fit", [](const InArray& x, const jump::JumpModelConfig& config) {
    const Matrix data = to_matrix(x, "X");
    py::gil_scoped_release release;
    return jump::fit(data, config);
  });
  m.def("jump_infer", [](const InArray& x, const InArray& centers,
                         const jump::JumpModelConfig& config, bool online) {
    const Matrix data = to_matrix(x, "X");
    const Matrix c = to_matrix(centers, "centers");
    if (data.cols() != c.cols()) {
      throw Error(ErrorCode::kInvalidArgument, "X: has " + std::to_string(data.cols()) +
                                                   " columns, the model " +
                                                   std::to_string(c.cols()) + " features");
    }
    const auto result =
        online ? jump::infer_online(data, c, config) : jump::infer_smoothed(data, c, config);
    return py::make_tuple(to_array(result.probabilities), result.labels);
  });

  // ---- DML (partially linear model)
  py::class_<causal::DmlResult>(m, "DmlResult")
      .def_readonly("theta", &causal::DmlResult::theta)
      .def_readonly("se", &causal::DmlResult::se)
      .def_readonly("ci_low", &causal::DmlResult::ci_low)
      .def_readonly("ci_high", &causal::DmlResult::ci_high)
      .def_readonly("p_value", &causal::DmlResult::p_value)
      .def_readonly("n", &causal::DmlResult::n)
      .def_readonly("se_type", &causal::DmlResult::se_type)
      .def_readonly("hac_lag", &causal::DmlResult::hac_lag)
      .def_readonly("dof", &causal::DmlResult::dof)
      .def_readonly("r2_outcome", &causal::DmlResult::r2_outcome)
      .def_readonly("r2_treatment", &causal::DmlResult::r2_treatment)
      .def_readonly("warnings", &causal::DmlResult::warnings)
      .def_readonly("y_residual", &causal::DmlResult::y_residual)
      .def_readonly("t_residual", &causal::DmlResult::t_residual)
      .def_readonly("wald_statistic", &causal::DmlResult::wald_statistic)
      .def_readonly("wald_dof", &causal::DmlResult::wald_dof)
      .def_readonly("wald_p_value", &causal::DmlResult::wald_p_value)
      .def_property_readonly("regimes", [](const causal::DmlResult& r) {
        py::list out;
        for (const auto& e : r.regimes) {
          out.append(py::dict(py::arg("regime") = e.regime, py::arg("effect") = e.effect,
                              py::arg("se") = e.se, py::arg("ci_low") = e.ci_low,
                              py::arg("ci_high") = e.ci_high, py::arg("p_value") = e.p_value));
        }
        return out;
      });
  m.def(
      "dml_plr",
      [](const InArray& controls, const InArray& t, const InArray& y, const std::string& model_y,
         const std::string& model_t, int folds, int embargo, bool time_series,
         const std::string& se, int hac_lag, std::uint64_t seed,
         const std::optional<InArray>& regimes, const std::vector<std::string>& regime_names) {
        const Matrix x = to_matrix(controls, "W");
        const Vector tv = to_vector(t, "T");
        const Vector yv = to_vector(y, "Y");
        std::optional<Matrix> z;
        if (regimes) z = to_matrix(*regimes, "X");
        const auto ly = learner(model_y, "model_y");
        const auto lt = learner(model_t, "model_t");
        const causal::DmlOptions options{.folds = folds,
                                         .embargo = embargo,
                                         .time_series = time_series,
                                         .se = causal::parse_standard_error(se),
                                         .hac_lag = hac_lag,
                                         .seed = seed};
        py::gil_scoped_release release;
        return causal::dml_plr(x, tv, yv, *ly, *lt, options, z, regime_names);
      },
      py::arg("W"), py::arg("T"), py::arg("Y"), py::arg("model_y"), py::arg("model_t"),
      py::arg("folds"), py::arg("embargo"), py::arg("time_series"), py::arg("se"),
      py::arg("hac_lag"), py::arg("seed"), py::arg("regimes") = std::nullopt,
      py::arg("regime_names") = std::vector<std::string>{});
  m.def("regressor_names", &causal::regressor_names);

  // ---- Local projections
  m.def("local_projection", [](const InArray& y, const InArray& shock, const InArray& controls,
                               const std::vector<int>& horizons, int lags, bool cumulative,
                               const std::string& inference) {
    const Vector yv = to_vector(y, "y");
    const Vector sv = to_vector(shock, "shock");
    const Matrix c = to_matrix(controls, "controls");
    const causal::LocalProjectionOptions options{
        .horizons = horizons,
        .lags = lags,
        .cumulative = cumulative,
        .inference = causal::parse_lp_inference(inference)};
    causal::LocalProjectionFit fit;
    {
      py::gil_scoped_release release;
      fit = causal::local_projection(yv, sv, c, options);
    }
    py::dict out;
    std::vector<int> horizon, hac_lag, dropped;
    std::vector<double> effect, se, ci_low, ci_high, p_value;
    std::vector<Eigen::Index> observations;
    for (const auto& p : fit.points) {
      horizon.push_back(p.horizon);
      effect.push_back(p.effect);
      se.push_back(p.se);
      ci_low.push_back(p.ci_low);
      ci_high.push_back(p.ci_high);
      p_value.push_back(p.p_value);
      observations.push_back(p.observations);
      hac_lag.push_back(p.hac_lag);
      dropped.push_back(p.dropped_columns);
    }
    out["horizon"] = horizon;
    out["effect"] = effect;
    out["se"] = se;
    out["ci_low"] = ci_low;
    out["ci_high"] = ci_high;
    out["p_value"] = p_value;
    out["observations"] = observations;
    out["hac_lag"] = hac_lag;
    out["dropped_columns"] = dropped;
    return py::make_tuple(out, fit.inference);
  });

  // ---- X-learner (binary treatment)
  py::class_<XLearnerHandle>(m, "XLearnerFit")
      .def_property_readonly("cate", [](const XLearnerHandle& h) { return h.result.cate; })
      .def_property_readonly("propensity",
                             [](const XLearnerHandle& h) { return h.result.propensity; })
      .def_property_readonly("ate", [](const XLearnerHandle& h) { return h.result.ate; })
      .def_property_readonly("ci_low", [](const XLearnerHandle& h) { return h.result.ci_low; })
      .def_property_readonly("ci_high", [](const XLearnerHandle& h) { return h.result.ci_high; })
      .def_property_readonly("se", [](const XLearnerHandle& h) { return h.result.se; })
      .def_property_readonly("block_length",
                             [](const XLearnerHandle& h) { return h.result.block_length; })
      .def_property_readonly("bootstrap",
                             [](const XLearnerHandle& h) { return h.result.bootstrap; })
      .def("effect", [](const XLearnerHandle& h,
                        const InArray& x) { return h.model.cate(to_matrix(x, "X")); })
      .def("propensity_of", [](const XLearnerHandle& h, const InArray& x) {
        return h.model.propensity_of(to_matrix(x, "X"));
      });
  m.def("xlearner_fit", &xlearner_fit, py::arg("X"), py::arg("T"), py::arg("Y"), py::arg("models"),
        py::arg("cate_models"), py::arg("propensity_model"), py::arg("bootstrap"),
        py::arg("block_length"), py::arg("seed"));
  m.def("classifier_names", &causal::classifier_names);

  // ---- Structural causal model (a stored version)
  py::class_<ScmHandle>(m, "ScmModel")
      .def_readonly("version", &ScmHandle::version)
      .def_property_readonly("nodes", [](const ScmHandle& h) { return h.model.fitted.graph.nodes; })
      .def_property_readonly("mapping", [](const ScmHandle& h) { return h.model.mapping; })
      .def_property_readonly("dates", [](const ScmHandle& h) { return iso_dates(h.model.dates); })
      .def("counterfactual", &scm_counterfactual, py::arg("interventions"), py::arg("replicates"),
           py::arg("block_length"), py::arg("seed"), py::arg("threads"))
      .def("scenario", &scm_scenario, py::arg("interventions"), py::arg("name"), py::arg("start"),
           py::arg("horizon"), py::arg("paths"), py::arg("seed"), py::arg("threads"),
           py::arg("shocks"), py::arg("spec"), py::arg("replicates"), py::arg("block_length"),
           py::arg("bootstrap_seed"), py::arg("paths_per_replicate"));

  // ---- The store (read-only)
  py::class_<StoreHandle>(m, "StoreHandle")
      .def(py::init<const std::string&>())
      .def("close", &StoreHandle::close)
      .def("classify", &StoreHandle::classify, py::arg("observation_json"), py::arg("version"),
           py::arg("advance"), py::arg("allow_unapproved"), py::arg("instrument_type"))
      .def("describe", [](const StoreHandle& s) { return s.get().describe(); })
      .def("scm", [](const StoreHandle& s,
                     const std::string& version) { return scm_load(s.get(), version); })
      .def("backtest", [](const StoreHandle& s, const std::string& version,
                          bool daily) { return backtest_columns(s.get(), version, daily); })
      .def("versions",
           [](const StoreHandle& s, const std::string& kind) {
             const auto& store = s.get();
             std::vector<std::string> out;
             if (kind == "features") {
               for (const auto& v : store.list_feature_versions()) out.push_back(v.version);
             } else if (kind == "regimes") {
               for (const auto& v : store.list_regime_models()) out.push_back(v.version);
             } else if (kind == "effects") {
               for (const auto& v : store.list_effect_versions()) out.push_back(v.version);
             } else if (kind == "backtests") {
               for (const auto& v : workflows::list_backtests(store)) out.push_back(v.version);
             } else if (kind == "scm") {
               for (const auto& v : store.list_scm_models()) out.push_back(v.version);
             } else {
               throw Error(ErrorCode::kInvalidArgument,
                           "kind: unknown '" + kind +
                               "' (expected features, regimes, effects, backtests or scm)");
             }
             return out;
           })
      .def("series",
           [](const StoreHandle& s, const std::string& ticker,
              const std::optional<std::string>& start, const std::optional<std::string>& end,
              const std::optional<std::string>& as_of) {
             store::RawQuery query{.ticker = ticker,
                                   .from = date_option(start, "start"),
                                   .to = date_option(end, "end")};
             if (as_of) {
               query.as_of = Timestamp::parse(*as_of);
               if (!query.as_of) {
                 throw Error(ErrorCode::kInvalidArgument,
                             "as_of: cannot parse '" + *as_of +
                                 "' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff]Z)");
               }
             }
             if (query.from && query.to && *query.to < *query.from)
               throw Error(ErrorCode::kInvalidArgument, "end is before start");
             const auto& store = s.get();
             const auto series = store.read_raw(query);
             if (!series) {
               throw Error(ErrorCode::kNotFound, "no series '" + ticker + "' in " +
                                                     store.describe() + " (see 'mre series list')");
             }
             return py::make_tuple(iso_dates(series->dates()), series->values());
           })
      .def("features",
           [](const StoreHandle& s, const std::string& version,
              const std::optional<std::string>& start, const std::optional<std::string>& end) {
             const auto& store = s.get();
             const auto info = store.find_feature_version(version);
             if (!info) {
               throw Error(ErrorCode::kNotFound, "no feature version '" + version + "' in " +
                                                     store.describe() +
                                                     " (see 'mre features list')");
             }
             const Panel panel =
                 store.read_features(version, date_option(start, "start"), date_option(end, "end"));
             std::vector<std::string> names;
             std::vector<std::string> proxies;
             for (const auto& c : info->columns) {
               names.push_back(c.name);
               proxies.push_back(c.proxy);
             }
             Matrix values(static_cast<Eigen::Index>(panel.rows()),
                           static_cast<Eigen::Index>(panel.cols()));
             for (std::size_t c = 0; c < panel.cols(); ++c) {
               values.col(static_cast<Eigen::Index>(c)) = Eigen::Map<const Vector>(
                   panel.column(c).data(), static_cast<Eigen::Index>(panel.rows()));
             }
             return py::make_tuple(iso_dates(panel.dates()), names, proxies, to_array(values));
           })
      .def("regimes",
           [](const StoreHandle& s, const std::string& version,
              const std::optional<std::string>& start, const std::optional<std::string>& end) {
             const auto& store = s.get();
             const auto model = store.find_regime_model(version);
             if (!model)
               throw Error(ErrorCode::kNotFound,
                           "no regime version '" + version + "' (see 'mre regimes list')");
             const auto rows =
                 store.read_regimes(version, date_option(start, "start"), date_option(end, "end"));
             std::vector<std::string> dates;
             std::vector<std::string> labels;
             Vector score(static_cast<Eigen::Index>(rows.size()));
             Matrix probabilities(static_cast<Eigen::Index>(rows.size()),
                                  static_cast<Eigen::Index>(model->labels.size()));
             for (std::size_t i = 0; i < rows.size(); ++i) {
               const auto row = static_cast<Eigen::Index>(i);
               dates.push_back(rows[i].date.iso());
               labels.push_back(rows[i].regime);
               score(row) = rows[i].score;
               for (std::size_t k = 0; k < model->labels.size(); ++k) {
                 probabilities(row, static_cast<Eigen::Index>(k)) = rows[i].probabilities.at(k);
               }
             }
             return py::make_tuple(dates, labels, score, model->labels, to_array(probabilities));
           })
      .def("effects", [](const StoreHandle& s, const std::string& version) {
        const auto& store = s.get();
        const auto rows = store.read_effects(version);
        py::dict columns;
        std::vector<std::string> treatment, outcome, method, learner_name;
        std::vector<int> horizon;
        std::vector<double> effect, se, ci_low, ci_high, p_value;
        std::vector<std::int64_t> observations;
        for (const auto& r : rows) {
          treatment.push_back(r.treatment);
          outcome.push_back(r.outcome);
          horizon.push_back(r.horizon);
          method.push_back(r.method);
          learner_name.push_back(r.learner);
          effect.push_back(r.effect);
          se.push_back(r.se);
          ci_low.push_back(r.ci_low);
          ci_high.push_back(r.ci_high);
          p_value.push_back(r.p_value);
          observations.push_back(r.observations);
        }
        columns["treatment"] = treatment;
        columns["outcome"] = outcome;
        columns["horizon"] = horizon;
        columns["method"] = method;
        columns["learner"] = learner_name;
        columns["effect"] = effect;
        columns["se"] = se;
        columns["ci_low"] = ci_low;
        columns["ci_high"] = ci_high;
        columns["p_value"] = p_value;
        columns["observations"] = observations;
        return columns;
      });
}
