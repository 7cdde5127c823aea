// One observation through both HMMs: emission densities from prepared inverse Cholesky
// factors, the scaled forward step, then states summed into labels.
#include "mre/regimes/hierarchical/classifier.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::regimes::hierarchical {

Classifier::Prepared Classifier::prepare(const Component& c,
                                         const std::vector<std::string>& all_indicators) {
  const auto& def = c.definition;
  Prepared p;
  p.K = c.params.n_states();
  p.D = c.params.n_features();
  check_arg(p.K == def.n_states(), "model",
            def.name + ": the HMM has " + std::to_string(p.K) + " states but there are " +
                std::to_string(def.n_states()) + " labels to map them to");
  check_arg(p.K <= kMaxStates, "model",
            def.name + ": more than " + std::to_string(kMaxStates) + " states");
  check_arg(p.D == static_cast<int>(def.indicators.size()), "model",
            def.name + ": one HMM feature per indicator");
  check_arg(p.D <= kMaxIndicators, "model", def.name + ": too many indicators");
  check_arg(static_cast<int>(c.mapping.serving.size()) == p.K &&
                static_cast<int>(c.mapping.fallback.size()) == p.K,
            "model", def.name + ": the state mapping does not cover every state");
  hmm::validate(c.params, p.D);
  for (const auto& name : def.indicators) {
    const auto it = std::find(all_indicators.begin(), all_indicators.end(), name);
    check_arg(it != all_indicators.end(), "model",
              def.name + ": indicator " + name + " is not an MR-DS-01 input");
    p.columns.push_back(static_cast<int>(it - all_indicators.begin()));
  }
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  const auto D = static_cast<Eigen::Index>(p.D);
  for (int k = 0; k < p.K; ++k) {
    Eigen::LLT<Matrix> llt(c.params.covariances[static_cast<std::size_t>(k)]);
    if (llt.info() != Eigen::Success) {
      throw Error(ErrorCode::kDataError, def.name + ": covariance of state " + std::to_string(k) +
                                             " is not positive definite");
    }
    const Matrix L = llt.matrixL();
    const Matrix inverse = L.triangularView<Eigen::Lower>().solve(Matrix::Identity(D, D));
    double log_det = 0;
    for (Eigen::Index i = 0; i < D; ++i) log_det += 2.0 * std::log(L(i, i));
    for (Eigen::Index j = 0; j < D; ++j) {
      for (Eigen::Index i = 0; i < D; ++i) p.inverse_l.push_back(j <= i ? inverse(i, j) : 0.0);
    }
    for (Eigen::Index d = 0; d < D; ++d) p.means.push_back(c.params.means(k, d));
    p.normaliser.push_back(-0.5 * (static_cast<double>(D) * log_2pi + log_det));
    p.initial.push_back(c.params.initial(k));
    p.covariances.push_back(c.params.covariances[static_cast<std::size_t>(k)]);
  }
  for (int i = 0; i < p.K; ++i) {
    for (int j = 0; j < p.K; ++j) p.transition.push_back(c.params.transition(i, j));
  }
  p.serving = c.mapping.serving;
  p.fallback = c.mapping.fallback;
  for (int s = 0; s < p.K; ++s) {
    if (def.profiles[static_cast<std::size_t>(p.serving[static_cast<std::size_t>(s)])].label ==
        kIdiosyncraticDistress) {
      p.distress_state = s;
    }
  }
  return p;
}

Classifier::Classifier(const HierarchicalModel& model) : model_(model) {
  const auto& all = mr_ds_01_indicators();
  global_ = prepare(model_.global, all);
  muni_ = prepare(model_.muni, all);
  const auto column = [&](const char* name) {
    return static_cast<int>(std::find(all.begin(), all.end(), name) - all.begin());
  };
  vix_column_ = column("vix_index");
  ratio_column_ = column("mmd_ust_ratio_10y");
  flows_column_ = column("muni_fund_flows_net");
  high_yield_column_ = column("high_yield_credit_spread");
  for (const auto* stats : {&model_.global.stats}) {
    check_arg(stats->mean.size() == static_cast<Eigen::Index>(all.size()) &&
                  stats->std.size() == stats->mean.size(),
              "model", "global_macro: training statistics must cover the ten indicators");
  }
}

namespace {

// The step with K and D known at compile time for the seed's two models (6 x 10, 3 x 2), so
// every loop unrolls; KC = DC = 0 is the general case.
template <int KC, int DC>
void step_kernel(const Classifier::Prepared& p, const double* values, const Vector* previous,
                 Vector& next, ComponentOutput& out) {
  const int K = KC > 0 ? KC : p.K;
  const int D = DC > 0 ? DC : p.D;
  double x[kMaxIndicators];
  for (int d = 0; d < D; ++d) x[d] = values[p.columns[static_cast<std::size_t>(d)]];
  double log_b[kMaxStates];
  double shift = -std::numeric_limits<double>::infinity();
  for (int k = 0; k < K; ++k) {
    const double* mu = p.means.data() + static_cast<std::ptrdiff_t>(k) * D;
    const double* l = p.inverse_l.data() + static_cast<std::ptrdiff_t>(k) * D * D;
    double c[kMaxIndicators];
    for (int d = 0; d < D; ++d) c[d] = x[d] - mu[d];
    // z = L^-1 c as a sum of columns (the upper triangle holds zeros): fixed-length loops the
    // compiler vectorises when D is known.
    double z[kMaxIndicators] = {};
    for (int j = 0; j < D; ++j) {
      for (int i = 0; i < D; ++i) z[i] += l[j * D + i] * c[j];
    }
    double maha = 0;
    for (int i = 0; i < D; ++i) maha += z[i] * z[i];
    log_b[k] = p.normaliser[static_cast<std::size_t>(k)] - 0.5 * maha;
    shift = std::max(shift, log_b[k]);
  }
  // Finite but extreme inputs (1e308) overflow the distance: bad input data, not a broken
  // invariant.
  if (!std::isfinite(shift)) {
    throw Error(
        ErrorCode::kDataError,
        "an observation is too far from every state to classify (an indicator value is extreme)");
  }
  double predicted[kMaxStates];
  if (previous) {
    for (int j = 0; j < K; ++j) {
      double sum = 0;
      for (int i = 0; i < K; ++i)
        sum += p.transition[static_cast<std::size_t>(i) * static_cast<std::size_t>(K) +
                            static_cast<std::size_t>(j)] *
               (*previous)(i);
      predicted[j] = sum;
    }
  } else {
    for (int j = 0; j < K; ++j) predicted[j] = p.initial[static_cast<std::size_t>(j)];
  }
  double total = 0;
  for (int k = 0; k < K; ++k) {
    predicted[k] *= std::exp(log_b[k] - shift);
    total += predicted[k];
  }
  if (!(total >
        0)) {  // the only state it fits is unreachable from the carried one: extreme input again
    throw Error(ErrorCode::kDataError,
                "an observation is too far from every reachable state to classify (an indicator "
                "value is extreme)");
  }
  next.resize(K);
  out.n = K;
  for (int k = 0; k < K; ++k) {
    out.states[static_cast<std::size_t>(k)] = predicted[k] / total;
    next(k) = out.states[static_cast<std::size_t>(k)];
  }
}

// A row with missing indicators: the emission density of the present ones under each state's
// marginal Gaussian N(mu_o, Sigma_oo) (Little & Rubin 2002, section 11.2), then the same forward
// step as the complete path.
void step_marginal(const Classifier::Prepared& p, const double* values, const Vector* previous,
                   Vector& next, ComponentOutput& out) {
  const int K = p.K;
  std::vector<int> observed;
  for (int d = 0; d < p.D; ++d) {
    if (!std::isnan(values[p.columns[static_cast<std::size_t>(d)]])) observed.push_back(d);
  }
  const auto o = static_cast<Eigen::Index>(observed.size());
  double log_b[kMaxStates];
  double shift = -std::numeric_limits<double>::infinity();
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  for (int k = 0; k < K; ++k) {
    if (o == 0) {
      log_b[k] = 0.0;
    } else {
      Matrix sigma(o, o);
      Vector centred(o);
      for (Eigen::Index a = 0; a < o; ++a) {
        const int da = observed[static_cast<std::size_t>(a)];
        centred(a) = values[p.columns[static_cast<std::size_t>(da)]] -
                     p.means[static_cast<std::size_t>(k) * static_cast<std::size_t>(p.D) +
                             static_cast<std::size_t>(da)];
        for (Eigen::Index b = 0; b < o; ++b)
          sigma(a, b) =
              p.covariances[static_cast<std::size_t>(k)](da, observed[static_cast<std::size_t>(b)]);
      }
      const Eigen::LLT<Matrix> llt(sigma);
      check_invariant(llt.info() == Eigen::Success,
                      "a sub-matrix of a positive definite covariance is not");
      const Matrix& L = llt.matrixL();
      double log_det = 0;
      for (Eigen::Index i = 0; i < o; ++i) log_det += 2.0 * std::log(L(i, i));
      const double maha = llt.matrixL().solve(centred).squaredNorm();
      log_b[k] = -0.5 * (static_cast<double>(o) * log_2pi + log_det + maha);
    }
    shift = std::max(shift, log_b[k]);
  }
  double predicted[kMaxStates];
  double total = 0;
  for (int j = 0; j < K; ++j) {
    double prior = p.initial[static_cast<std::size_t>(j)];
    if (previous) {
      prior = 0;
      for (int i = 0; i < K; ++i)
        prior += p.transition[static_cast<std::size_t>(i) * static_cast<std::size_t>(K) +
                              static_cast<std::size_t>(j)] *
                 (*previous)(i);
    }
    predicted[j] = prior * std::exp(log_b[j] - shift);
    total += predicted[j];
  }
  // An extreme indicator value no state can explain is bad data, not a bug (a data error).
  if (!(total > 0))
    throw_error(
        ErrorCode::kDataError,
        "the observation has zero density under every reachable state: an extreme or non-finite "
        "indicator value (check the inputs' scale)");
  next.resize(K);
  out.n = K;
  for (int k = 0; k < K; ++k) {
    out.states[static_cast<std::size_t>(k)] = predicted[k] / total;
    next(k) = out.states[static_cast<std::size_t>(k)];
  }
  out.indicators_used = static_cast<int>(o);
}

}  // namespace

void Classifier::step(const Prepared& p, const double* values, const Vector* previous, Vector& next,
                      ComponentOutput& out) {
  for (int d = 0; d < p.D; ++d) {
    if (std::isnan(values[p.columns[static_cast<std::size_t>(d)]])) {
      step_marginal(p, values, previous, next, out);
      return;
    }
  }
  out.indicators_used = p.D;
  if (p.K == 6 && p.D == 10) {
    step_kernel<6, 10>(p, values, previous, next, out);
  } else if (p.K == 3 && p.D == 2) {
    step_kernel<3, 2>(p, values, previous, next, out);
  } else {
    step_kernel<0, 0>(p, values, previous, next, out);
  }
}

namespace {

void to_labels(const std::vector<int>& serving, const std::vector<int>& fallback,
               int distress_state, bool distress_condition_met, ComponentOutput& out) {
  std::fill(out.labels.begin(), out.labels.begin() + out.n, 0.0);
  for (int s = 0; s < out.n; ++s) {
    const bool redirect = s == distress_state && !distress_condition_met;
    const int label =
        redirect ? fallback[static_cast<std::size_t>(s)] : serving[static_cast<std::size_t>(s)];
    out.labels[static_cast<std::size_t>(label)] += out.states[static_cast<std::size_t>(s)];
  }
  out.label = 0;
  for (int r = 1; r < out.n; ++r) {
    if (out.labels[static_cast<std::size_t>(r)] > out.labels[static_cast<std::size_t>(out.label)])
      out.label = r;
  }
  out.confidence = out.labels[static_cast<std::size_t>(out.label)];
}

}  // namespace

void Classifier::finish(const double* values, Classification& out) const {
  const auto z = [&](int column) {
    return (values[column] - model_.global.stats.mean(column)) / model_.global.stats.std(column);
  };
  out.distress_condition_met = distress_condition_holds(z(ratio_column_), z(flows_column_),
                                                        z(high_yield_column_), model_.condition);
  to_labels(global_.serving, global_.fallback, global_.distress_state, out.distress_condition_met,
            out.global);
  to_labels(muni_.serving, muni_.fallback, -1, true, out.muni);
  out.vix = values[vix_column_];
  out.volatility_regime = std::isnan(out.vix) ? std::string_view() : volatility_regime(out.vix);
}

Classification Classifier::classify(const double* values, const FilterState* previous,
                                    FilterState& next) const {
  Classification out;
  step(global_, values, previous ? &previous->global : nullptr, next.global, out.global);
  step(muni_, values, previous ? &previous->muni : nullptr, next.muni, out.muni);
  finish(values, out);
  return out;
}

Classification Classifier::labels_of(const FilterState& state, const double* values) const {
  check_arg(state.global.size() == global_.K && state.muni.size() == muni_.K, "state",
            "must hold one probability per state of each model");
  Classification out;
  out.global.n = global_.K;
  out.muni.n = muni_.K;
  for (int k = 0; k < global_.K; ++k)
    out.global.states[static_cast<std::size_t>(k)] = state.global(k);
  for (int k = 0; k < muni_.K; ++k) out.muni.states[static_cast<std::size_t>(k)] = state.muni(k);
  finish(values, out);
  return out;
}

}  // namespace mre::regimes::hierarchical
