// Gaussian HMM: emissions with marginalised missing dimensions, Baum-Welch with covariance
// constraints and floor, k-means++ initialisation, restarts.
#include "mre/regimes/hmm/gaussian_hmm.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <random>
#include <thread>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/regimes/hmm/design_products.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/kmeans/kmeans.h"

namespace mre::regimes::hmm {
namespace {

// Rows sharing one set of observed columns.
struct Pattern {
  std::vector<Eigen::Index> observed;
  std::vector<Eigen::Index> missing;
  std::vector<Eigen::Index> rows;
  Matrix observed_values_t;  // observed x rows: the pattern's data, transposed, cached for EM
};

// The patterns in the order of their masks (observed = true, column 0 first) compared
// lexicographically, false before true; each pattern's rows in time order. Up to 62 columns the
// mask is one integer with column 0 as its highest bit, which orders the same way as the
// vector<bool> (the EM's sums run over the patterns in this order, so it fixes their rounding)
// and costs no allocation per row: with a vector<bool> key this was ~900 instructions a row,
// paid by every EM start (bench/README).
std::vector<Pattern> missing_patterns(const Matrix& data) {
  const Eigen::Index D = data.cols();
  const auto add_row = [&](auto& by_mask, const auto& mask, const auto& observed_at,
                           Eigen::Index t) {
    auto [it, inserted] = by_mask.try_emplace(mask);
    if (inserted) {
      for (Eigen::Index d = 0; d < D; ++d)
        (observed_at(mask, d) ? it->second.observed : it->second.missing).push_back(d);
    }
    it->second.rows.push_back(t);
  };
  std::vector<Pattern> out;
  if (D <= 62) {
    std::map<std::uint64_t, Pattern> by_mask;
    const auto observed_at = [&](std::uint64_t mask, Eigen::Index d) {
      return ((mask >> (D - 1 - d)) & 1u) != 0;
    };
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      std::uint64_t mask = 0;
      for (Eigen::Index d = 0; d < D; ++d) mask = (mask << 1) | (std::isnan(data(t, d)) ? 0u : 1u);
      add_row(by_mask, mask, observed_at, t);
    }
    out.reserve(by_mask.size());
    for (auto& [mask, pattern] : by_mask) out.push_back(std::move(pattern));
  } else {
    std::map<std::vector<bool>, Pattern> by_mask;
    const auto observed_at = [](const std::vector<bool>& mask, Eigen::Index d) {
      return static_cast<bool>(mask[static_cast<std::size_t>(d)]);
    };
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      std::vector<bool> mask(static_cast<std::size_t>(D));
      for (Eigen::Index d = 0; d < D; ++d)
        mask[static_cast<std::size_t>(d)] = !std::isnan(data(t, d));
      add_row(by_mask, mask, observed_at, t);
    }
    out.reserve(by_mask.size());
    for (auto& [mask, pattern] : by_mask) out.push_back(std::move(pattern));
  }
  for (auto& p : out) {
    p.observed_values_t.resize(static_cast<Eigen::Index>(p.observed.size()),
                               static_cast<Eigen::Index>(p.rows.size()));
    for (std::size_t i = 0; i < p.rows.size(); ++i) {
      for (std::size_t j = 0; j < p.observed.size(); ++j) {
        p.observed_values_t(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)) =
            data(p.rows[i], p.observed[j]);
      }
    }
  }
  return out;
}

Matrix select(const Matrix& m, const std::vector<Eigen::Index>& rows,
              const std::vector<Eigen::Index>& cols) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < cols.size(); ++j) {
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(rows[i], cols[j]);
    }
  }
  return out;
}

Eigen::LLT<Matrix> cholesky(const Matrix& covariance, int state) {
  Eigen::LLT<Matrix> llt(covariance);
  if (llt.info() != Eigen::Success) {
    throw Error(ErrorCode::kDataError,
                "state " + std::to_string(state) +
                    ": covariance is singular even with the floor; raise min_covar or drop a "
                    "collinear feature");
  }
  return llt;
}

// The log densities of the patterns' rows under every state, written into the state-major
// K x T `out` (already sized; columns of rows in no pattern are left as they are).
void log_emission_state_major(const GaussianHmmParams& params, const std::vector<Pattern>& patterns,
                              Matrix& out) {
  const int K = params.n_states();
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  for (const auto& p : patterns) {
    if (p.observed.empty()) {  // nothing observed: density 1 under every state
      for (const Eigen::Index t : p.rows) out.col(t).setZero();
      continue;
    }
    const auto o = static_cast<Eigen::Index>(p.observed.size());
    // Mahalanobis distances ||L_k^{-1} (x - mu_k)||^2 for every state at once: stack the
    // inverse Cholesky factors (K o x o) so one matrix product serves all states, and subtract
    // the stacked L_k^{-1} mu_k afterwards.
    Matrix stacked(K * o, o);
    Vector offsets(K * o);
    Vector constants(K);
    for (int k = 0; k < K; ++k) {
      const Matrix sigma =
          select(params.covariances[static_cast<std::size_t>(k)], p.observed, p.observed);
      const auto llt = cholesky(sigma, k);
      const Matrix& L = llt.matrixL();
      double log_det = 0;
      for (Eigen::Index i = 0; i < o; ++i) log_det += 2.0 * std::log(L(i, i));
      Vector mu(o);
      for (Eigen::Index j = 0; j < o; ++j)
        mu(j) = params.means(k, p.observed[static_cast<std::size_t>(j)]);
      const Matrix inverse_l = llt.matrixL().solve(Matrix::Identity(o, o));
      stacked.middleRows(k * o, o) = inverse_l;
      offsets.segment(k * o, o) = inverse_l * mu;
      constants(k) = static_cast<double>(o) * log_2pi + log_det;
    }
    // Blocks of columns keep the product in cache (the whole K o x T result would not fit).
    const Eigen::Index n = p.observed_values_t.cols();
    constexpr Eigen::Index kBlock = 256;
    Matrix z(K * o, std::min(kBlock, n));
    for (Eigen::Index start = 0; start < n; start += kBlock) {
      const Eigen::Index width = std::min(kBlock, n - start);
      z.leftCols(width).noalias() = stacked * p.observed_values_t.middleCols(start, width);
      z.leftCols(width).colwise() -= offsets;
      for (int k = 0; k < K; ++k) {
        const RowVector maha = z.block(k * o, 0, o, width).colwise().squaredNorm();
        for (Eigen::Index i = 0; i < width; ++i) {
          out(k, p.rows[static_cast<std::size_t>(start + i)]) = -0.5 * (constants(k) + maha(i));
        }
      }
    }
  }
}

Matrix log_emission_with(const GaussianHmmParams& params, const Matrix& data,
                         const std::vector<Pattern>& patterns) {
  Matrix out(params.n_states(), data.rows());
  log_emission_state_major(params, patterns, out);
  return out.transpose();
}

// Column means over present values (for k-means initialisation and re-seeding).
Matrix impute_column_means(const Matrix& data) {
  Matrix out = data;
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    double sum = 0;
    double n = 0;
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      if (!std::isnan(data(t, d))) {
        sum += data(t, d);
        n += 1;
      }
    }
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      if (std::isnan(out(t, d))) out(t, d) = sum / n;
    }
  }
  return out;
}

Matrix sample_covariance(const Matrix& x) {
  const RowVector mean = x.colwise().mean();
  const Matrix c = x.rowwise() - mean;
  return (c.transpose() * c) / std::max<double>(1.0, static_cast<double>(x.rows()) - 1.0);
}

// Applies the covariance type to per-state scatter matrices S_k (sum of weighted outer
// products) with weights N_k, then adds the floor.
std::vector<Matrix> constrain(CovarianceType type, const std::vector<Matrix>& scatter,
                              const Vector& weight, double min_covar) {
  const std::size_t K = scatter.size();
  const Eigen::Index D = scatter.front().rows();
  const Matrix floor = min_covar * Matrix::Identity(D, D);
  std::vector<Matrix> out(K);
  if (type == CovarianceType::kTied) {
    Matrix pooled = Matrix::Zero(D, D);
    for (const auto& s : scatter) pooled += s;
    pooled /= weight.sum();
    for (auto& c : out) c = pooled + floor;
    return out;
  }
  for (std::size_t k = 0; k < K; ++k) {
    const Matrix full = scatter[k] / weight(static_cast<Eigen::Index>(k));
    switch (type) {
      case CovarianceType::kFull:
        out[k] = full;
        break;
      case CovarianceType::kDiag:
        out[k] = Matrix(full.diagonal().asDiagonal());
        break;
      case CovarianceType::kSpherical:
        out[k] = full.diagonal().mean() * Matrix::Identity(D, D);
        break;
      case CovarianceType::kTied:
        break;
    }
    out[k] += floor;
  }
  return out;
}

// Keeps every initial and transition probability >= kProbabilityFloor (then renormalises).
// EM can drive a probability to exactly 0, after which a state is unreachable; an observation
// that only that state explains then has zero probability under the scaled recursions (its
// density underflows relative to the others). The floor is far below anything estimable.
constexpr double kProbabilityFloor = 1e-12;

void floor_probabilities(GaussianHmmParams& p) {
  p.initial = p.initial.cwiseMax(kProbabilityFloor);
  p.initial /= p.initial.sum();
  p.transition = p.transition.cwiseMax(kProbabilityFloor);
  for (Eigen::Index i = 0; i < p.transition.rows(); ++i)
    p.transition.row(i) /= p.transition.row(i).sum();
}

// One start's EM (the public EmStart; its error fields are filled by the callers that catch).
using EmState = EmStart;

// The MAP-EM prior's term of the objective: the sum over states of the log prior density.
double log_prior_of(const std::optional<NormalInverseWishart>& prior,
                    const GaussianHmmParams& params) {
  if (!prior) return 0.0;
  double out = 0.0;
  for (int k = 0; k < params.n_states(); ++k) {
    out += log_prior_density(*prior, params.means.row(k).transpose(),
                             params.covariances[static_cast<std::size_t>(k)]);
  }
  return out;
}

void check_data(const Matrix& data, int n_states) {
  check_arg(n_states >= kMinStates && n_states <= kMaxStates, "n_states",
            "must be in [" + std::to_string(kMinStates) + ", " + std::to_string(kMaxStates) +
                "] (got " + std::to_string(n_states) + ")");
  check_arg(data.rows() >= 1 && data.cols() >= 1, "data",
            "must have at least one row and one column");
  for (Eigen::Index d = 0; d < data.cols(); ++d) {
    bool any = false;
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      const double v = data(t, d);
      if (std::isinf(v)) {
        throw Error(ErrorCode::kDataError, "column " + std::to_string(d) +
                                               ": non-finite value in row " + std::to_string(t));
      }
      any |= !std::isnan(v);
    }
    if (!any)
      throw Error(ErrorCode::kDataError,
                  "column " + std::to_string(d) + ": every value is missing");
  }
}

// Flushes subnormal results to zero and reads subnormal inputs as zero while in scope (x86 SSE
// control register; restored on exit). Posterior probabilities and shifted densities below
// 2.2e-308 are noise for EM, but arithmetic on subnormals costs about a hundred times more: on
// real indicators with well-separated states they made forward-backward and the M-step's
// products several times slower.
class FlushSubnormals {
 public:
#if defined(__SSE2__)
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
  ~FlushSubnormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

// The M-step's weighted first moment of one pattern's filled rows (D x n, column-major, centred):
// first += g_t x_t row after row, in row order, then each row scaled by sqrt(g_t) in place for
// the rank update. The same operations in the same order as one Eigen `first += g * x; x *=
// sqrt(g)` per row, so the same bits; DC > 0 fixes D at compile time so the sums stay in
// registers instead of a store and reload per row (bench/README).
template <int DC>
void weigh_rows(Eigen::Index dims, Eigen::Index n, const double* weights, double* rows,
                double* first) {
  if constexpr (DC > 0) {
    double sum[DC];
    for (int d = 0; d < DC; ++d) sum[d] = first[d];
    for (Eigen::Index r = 0; r < n; ++r) {
      const double g = weights[r];
      const double root = std::sqrt(g);
      double* x = rows + r * DC;
      for (int d = 0; d < DC; ++d) {
        sum[d] += g * x[d];
        x[d] *= root;
      }
    }
    for (int d = 0; d < DC; ++d) first[d] = sum[d];
  } else {
    for (Eigen::Index r = 0; r < n; ++r) {
      const double g = weights[r];
      const double root = std::sqrt(g);
      double* x = rows + r * dims;
      for (Eigen::Index d = 0; d < dims; ++d) {
        first[d] += g * x[d];
        x[d] *= root;
      }
    }
  }
}

void weigh_filled_rows(Eigen::Index dims, Eigen::Index n, const double* weights, double* rows,
                       double* first) {
  switch (dims) {  // the classifier's global (10) and MUNI (2) models, and small panels
    case 2:
      return weigh_rows<2>(dims, n, weights, rows, first);
    case 3:
      return weigh_rows<3>(dims, n, weights, rows, first);
    case 4:
      return weigh_rows<4>(dims, n, weights, rows, first);
    case 10:
      return weigh_rows<10>(dims, n, weights, rows, first);
    default:
      return weigh_rows<0>(dims, n, weights, rows, first);
  }
}

// SQUAREM's arithmetic on parameter sets: wa a + wb b + wc c, component by component.
GaussianHmmParams blend(const GaussianHmmParams& a, const GaussianHmmParams& b,
                        const GaussianHmmParams& c, double wa, double wb, double wc) {
  GaussianHmmParams out = a;
  out.initial = wa * a.initial + wb * b.initial + wc * c.initial;
  out.transition = wa * a.transition + wb * b.transition + wc * c.transition;
  out.means = wa * a.means + wb * b.means + wc * c.means;
  for (std::size_t k = 0; k < out.covariances.size(); ++k)
    out.covariances[k] = wa * a.covariances[k] + wb * b.covariances[k] + wc * c.covariances[k];
  return out;
}

double squared_norm(const GaussianHmmParams& p) {
  double sum = p.initial.squaredNorm() + p.transition.squaredNorm() + p.means.squaredNorm();
  for (const auto& c : p.covariances) sum += c.squaredNorm();
  return sum;
}

// An extrapolated parameter set EM can evaluate: finite, probabilities >= 0, every covariance
// positive definite.
bool admissible(const GaussianHmmParams& p) {
  if (!p.initial.allFinite() || !p.transition.allFinite() || !p.means.allFinite()) return false;
  if (p.initial.minCoeff() < 0 || p.transition.minCoeff() < 0) return false;
  for (const auto& c : p.covariances) {
    if (!c.allFinite()) return false;
    const Eigen::LLT<Matrix> llt(c);
    if (llt.info() != Eigen::Success) return false;
    const Matrix& L = llt.matrixL();
    if (!(L.diagonal().minCoeff() > 0)) return false;
  }
  return true;
}

// After an EM step from objective `from` to `to` (not one right after a re-seed, which may lower
// it): notes a decrease beyond rounding in `state.monotone`, and returns false (and sets
// `state.converged`) when the gain is below tol. Plain EM and SQUAREM judge EM steps alike.
bool em_step_continues(EmState& state, double from, double to, bool reseeded, double tol) {
  if (reseeded) return true;
  const double gain = to - from;
  if (gain < -1e-8 * std::max(1.0, std::abs(to))) state.monotone = false;
  if (gain < tol) {
    state.converged = true;
    return false;
  }
  return true;
}

// EmAcceleration::kSquarem over an EM map (run_em's em_map): see gaussian_hmm.h.
template <class Map>
EmState squarem(const Map& em_map, GaussianHmmParams params, const GaussianHmmConfig& config) {
  EmState state;
  int used = 0;
  const auto evaluate = [&](const GaussianHmmParams& p) {
    ++used;
    return em_map(p, used < config.n_iter);
  };
  // Records an accepted point's objective (the trace holds accepted points only; a rejected
  // extrapolation costs an evaluation but leaves no entry).
  const auto record = [&](double objective, double log_prior) {
    state.trace.push_back(objective);
    state.log_likelihood = objective;
    state.log_prior = log_prior;
    state.iterations = used;
  };
  auto s0 = evaluate(params);
  record(s0.objective, s0.log_prior);
  while (used < config.n_iter) {
    GaussianHmmParams theta1 = std::move(s0.next);
    const bool reseeded0 = s0.reseeded > 0;
    state.reseeded += s0.reseeded;
    auto s1 = evaluate(theta1);
    record(s1.objective, s1.log_prior);
    if (!em_step_continues(state, s0.objective, s1.objective, reseeded0, config.tol) ||
        used >= config.n_iter) {
      params = std::move(theta1);
      break;
    }
    GaussianHmmParams theta2 = std::move(s1.next);
    state.reseeded += s1.reseeded;
    // The step length (SqS3), moved towards -1 until the extrapolation is admissible.
    double alpha = -1;
    GaussianHmmParams extrapolated;
    if (!reseeded0 && s1.reseeded == 0) {
      const double r2 = squared_norm(blend(theta1, params, params, 1, -1, 0));
      const double v2 = squared_norm(blend(theta2, theta1, params, 1, -2, 1));
      if (v2 > 0 && r2 > 0) alpha = -std::sqrt(r2 / v2);
      if (!(alpha < -1)) alpha = -1;
      for (int tries = 0; alpha < -1; ++tries) {
        extrapolated = blend(params, theta1, theta2, (1 + alpha) * (1 + alpha),
                             -2 * alpha * (1 + alpha), alpha * alpha);
        if (admissible(extrapolated)) break;
        alpha = tries < 9 ? (alpha - 1) / 2 : -1;
      }
    }
    if (alpha < -1) {
      floor_probabilities(extrapolated);
      bool accepted = false;
      decltype(s1) se;
      try {
        se = evaluate(extrapolated);
        accepted = std::isfinite(se.objective) && se.objective >= s1.objective;
      } catch (const Error&) {  // a covariance the E-step cannot factor: not accepted
      }
      if (accepted) {
        params = std::move(extrapolated);
        s0 = std::move(se);
        record(s0.objective, s0.log_prior);
        continue;
      }
      if (used >= config.n_iter) {  // no evaluation left for theta2: theta1 is the fit
        params = std::move(theta1);
        break;
      }
    }
    // Plain EM's second step: theta2.
    params = std::move(theta2);
    s0 = evaluate(params);
    record(s0.objective, s0.log_prior);
    if (!em_step_continues(state, s1.objective, s0.objective, s1.reseeded > 0, config.tol)) break;
  }
  state.params = std::move(params);
  return state;
}

EmState run_em(const Matrix& data, const std::vector<Pattern>& patterns, GaussianHmmParams start,
               const GaussianHmmConfig& config, std::uint64_t seed) {
  const FlushSubnormals flush;
  const Eigen::Index T = data.rows();
  const Eigen::Index D = data.cols();
  const int K = start.n_states();
  const Matrix imputed = impute_column_means(data);
  const Matrix data_covariance = sample_covariance(imputed);
  std::optional<NormalInverseWishart> prior;
  if (config.covariance_prior == CovariancePrior::kFraleyRaftery)
    prior = fraley_raftery_prior(data, K);
  std::mt19937_64 rng(seed ^ 0x9E3779B97F4A7C15ULL);
  std::uniform_int_distribution<Eigen::Index> pick_row(0, T - 1);
  floor_probabilities(start);
  // Complete rows (every feature observed) take a fast path built on one design matrix formed
  // once per fit, F = [lower triangle of (x_t - x_bar)(x_t - x_bar)'; x_t - x_bar; 1] (pairs + D +
  // 1 rows, one column per complete row):
  //  - E-step: the log density of every state is linear in F. With c = x - x_bar, m = mu - x_bar
  //    and P = Sigma^-1, (c - m)' P (c - m) = c'Pc - 2 m'Pc + m'Pm, so log b = W F for a
  //    K x (pairs + D + 1) matrix W of the parameters: one matrix product for all states.
  //  - M-step: F gamma' gives every state's weight, first and second moments in one product.
  // Centring at x_bar bounds the cancellation in the expanded form: its rounding error is about
  // eps times the squared distance of the state's mean from x_bar in that state's standard
  // deviations, far below anything the likelihood resolves. Rows with missing values take the
  // exact path: densities with the missing dimensions marginalised (log_emission_with), and in
  // the M-step the missing values filled with their conditional means under each state plus
  // the conditional covariance (exact EM for Gaussian data missing at random).
  const Pattern* complete_pattern = nullptr;
  std::vector<Pattern> incomplete;
  for (const auto& p : patterns) {
    if (p.missing.empty()) {
      complete_pattern = &p;
    } else {
      incomplete.push_back(p);
    }
  }
  const bool all_complete = incomplete.empty();
  const Eigen::Index n_complete =
      complete_pattern ? static_cast<Eigen::Index>(complete_pattern->rows.size()) : 0;
  const Eigen::Index pairs = D * (D + 1) / 2;
  const Eigen::Index design_rows = pairs + D + 1;
  const Vector centre =
      imputed.colwise().mean().transpose();  // column means of the observed values
  Matrix design(design_rows, n_complete);
  for (Eigen::Index i = 0; i < n_complete; ++i) {
    const Eigen::Index t = complete_pattern->rows[static_cast<std::size_t>(i)];
    double* column = design.col(i).data();
    double* c = column + pairs;
    for (Eigen::Index d = 0; d < D; ++d) c[d] = data(t, d) - centre(d);
    Eigen::Index p = 0;
    for (Eigen::Index j = 0; j < D; ++j) {
      for (Eigen::Index r = j; r < D; ++r) column[p++] = c[r] * c[j];
    }
    column[design_rows - 1] = 1.0;
  }
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  // W for the current parameters (see above); row k: -1/2 [P_ij (2 if i != j); -2 P m; m'Pm + log|2
  // pi Sigma|].
  const auto emission_weights = [&](const GaussianHmmParams& p) {
    Matrix w(K, design_rows);
    for (int k = 0; k < K; ++k) {
      const auto llt = cholesky(p.covariances[static_cast<std::size_t>(k)], k);
      const Matrix& L = llt.matrixL();
      double log_det = 0;
      for (Eigen::Index i = 0; i < D; ++i) log_det += 2.0 * std::log(L(i, i));
      const Matrix precision = llt.solve(Matrix::Identity(D, D));
      const Vector m = p.means.row(k).transpose() - centre;
      const Vector pm = precision * m;
      Eigen::Index q = 0;
      for (Eigen::Index j = 0; j < D; ++j) {
        for (Eigen::Index i = j; i < D; ++i)
          w(k, q++) = -0.5 * (i == j ? 1.0 : 2.0) * precision(i, j);
      }
      for (Eigen::Index d = 0; d < D; ++d) w(k, pairs + d) = pm(d);  // -1/2 * -2 (Pm)_d
      w(k, design_rows - 1) = -0.5 * (m.dot(pm) + static_cast<double>(D) * log_2pi + log_det);
    }
    return w;
  };
  Matrix gamma_complete;  // K x n_complete (when some rows are incomplete)
  Eigen::Index n_incomplete = 0;
  for (const auto& p : incomplete) n_incomplete += static_cast<Eigen::Index>(p.rows.size());
  Matrix filled(D, n_incomplete);  // one state's filled incomplete rows, centred and weighted
  // Per incomplete pattern, once per fit: its observed values and the same centred at x_bar,
  // rows x observed (each column contiguous over the rows, so the M-step's fill below runs
  // along the rows). The same numbers the row-by-row loop read from `data` before (bench/README).
  std::vector<Matrix> observed_rows(incomplete.size());
  std::vector<Matrix> centred_rows(incomplete.size());
  for (std::size_t q = 0; q < incomplete.size(); ++q) {
    const auto& p = incomplete[q];
    const auto n = static_cast<Eigen::Index>(p.rows.size());
    const auto o = static_cast<Eigen::Index>(p.observed.size());
    observed_rows[q].resize(n, o);
    centred_rows[q].resize(n, o);
    for (Eigen::Index j = 0; j < o; ++j) {
      const Eigen::Index d = p.observed[static_cast<std::size_t>(j)];
      for (Eigen::Index r = 0; r < n; ++r) {
        const double v = data(p.rows[static_cast<std::size_t>(r)], d);
        observed_rows[q](r, j) = v;
        centred_rows[q](r, j) = v - centre(d);
      }
    }
  }
  Matrix deviations;   // rows x observed of one pattern: x - mu_k on the observed columns
  Matrix fills;        // rows x missing of one pattern: the conditional means' regression part
  Vector row_weights;  // one pattern's rows' responsibilities under one state
  // The EM map: the objective at `params` (E-step) and, when `with_next`, the parameters one
  // M-step later, with the number of states re-seeded in it.
  struct MapResult {
    double objective = 0;
    double log_prior = 0;
    GaussianHmmParams next;
    int reseeded = 0;
  };
  const auto em_map = [&](const GaussianHmmParams& params, bool with_next) {
    MapResult result;
    Matrix log_b;  // K x T
    if (all_complete) {
      weights_times_design(emission_weights(params), design, log_b);
    } else {
      log_b.resize(K, T);  // every column written: the incomplete rows here, the complete below
      log_emission_state_major(params, incomplete, log_b);
      if (n_complete > 0) {
        Matrix fast;
        weights_times_design(emission_weights(params), design, fast);
        for (Eigen::Index i = 0; i < n_complete; ++i)
          log_b.col(complete_pattern->rows[static_cast<std::size_t>(i)]) = fast.col(i);
      }
    }
    const StateMajorPosterior fb =
        forward_backward_state_major(std::move(log_b), params.transition, params.initial);
    // Under a prior, EM increases (and reports) the penalised log-likelihood.
    result.log_prior = log_prior_of(prior, params);
    result.objective = fb.log_likelihood + result.log_prior;
    if (!with_next) return result;
    // M-step.
    const Matrix& gamma_kt = fb.smoothed;  // K x T
    GaussianHmmParams next = params;
    next.initial = gamma_kt.col(0) / gamma_kt.col(0).sum();
    for (int i = 0; i < K; ++i) {
      const double row = fb.transition_counts.row(i).sum();
      next.transition.row(i) =
          row > 0 ? Matrix(fb.transition_counts.row(i) / row) : Matrix(params.transition.row(i));
    }
    floor_probabilities(next);
    const Vector weight = gamma_kt.rowwise().sum();
    // Weighted moments about x_bar per state: first (D x K) and second (D x D per state).
    Matrix moments;  // design_rows x K from the complete rows: second (packed), first, weight
    if (all_complete) {
      design_times_responsibilities(design, gamma_kt, moments);
    } else if (n_complete > 0) {
      gamma_complete.resize(K, n_complete);
      for (Eigen::Index i = 0; i < n_complete; ++i)
        gamma_complete.col(i) = gamma_kt.col(complete_pattern->rows[static_cast<std::size_t>(i)]);
      design_times_responsibilities(design, gamma_complete, moments);
    } else {
      moments = Matrix::Zero(design_rows, K);
    }
    std::vector<Matrix> scatter(static_cast<std::size_t>(K), Matrix::Zero(D, D));
    for (int k = 0; k < K; ++k) {
      const double nk = weight(k);
      if (nk < 1e-6) {  // a dead state: nothing explains it; re-seed at a random observation
        next.means.row(k) = imputed.row(pick_row(rng));
        scatter[static_cast<std::size_t>(k)] = data_covariance * std::max(nk, 1e-12);
        ++result.reseeded;
        continue;
      }
      Vector first = moments.col(k).segment(pairs, D);
      Matrix second(D, D);
      Eigen::Index q = 0;
      for (Eigen::Index j = 0; j < D; ++j) {
        for (Eigen::Index i = j; i < D; ++i) second(i, j) = second(j, i) = moments(q++, k);
      }
      // Incomplete rows: fill each row's missing dimensions with their conditional mean under
      // state k and add the conditional covariance of the missing block, weighted. The filled
      // rows (centred, times sqrt(weight)) are collected so one rank update adds them all.
      const Matrix& sigma = params.covariances[static_cast<std::size_t>(k)];
      Eigen::Index column = 0;
      for (std::size_t pattern = 0; pattern < incomplete.size(); ++pattern) {
        const auto& p = incomplete[pattern];
        const auto o = static_cast<Eigen::Index>(p.observed.size());
        const auto mcount = static_cast<Eigen::Index>(p.missing.size());
        double pattern_weight = 0;
        Matrix regression;   // missing x observed
        Matrix conditional;  // missing x missing
        if (o > 0) {
          const Matrix s_oo = select(sigma, p.observed, p.observed);
          const Matrix s_mo = select(sigma, p.missing, p.observed);
          const auto llt = cholesky(s_oo, k);
          regression = llt.solve(s_mo.transpose()).transpose();
          conditional = select(sigma, p.missing, p.missing) - regression * s_mo.transpose();
        } else {
          conditional = select(sigma, p.missing, p.missing);
        }
        // The conditional means' regression part, fill_t = R (x_t,o - mu_k,o), for all the
        // pattern's rows at once: each row's sum in the order of the row-by-row dot product it
        // replaces (products in observed order, added left to right; bench/README), so every bit
        // is as before, but the loops run along the rows.
        const auto n = static_cast<Eigen::Index>(p.rows.size());
        deviations.resize(n, o);
        for (Eigen::Index j = 0; j < o; ++j) {
          const double mu = params.means(k, p.observed[static_cast<std::size_t>(j)]);
          const double* in = observed_rows[pattern].col(j).data();
          double* out = deviations.col(j).data();
          for (Eigen::Index r = 0; r < n; ++r) out[r] = in[r] - mu;
        }
        fills.resize(n, mcount);
        for (Eigen::Index j = 0; j < mcount; ++j) {
          double* f = fills.col(j).data();
          if (o == 0) {
            for (Eigen::Index r = 0; r < n; ++r) f[r] = 0.0;
            continue;
          }
          const double r0 = regression(j, 0);
          const double* d0 = deviations.col(0).data();
          for (Eigen::Index r = 0; r < n; ++r) f[r] = r0 * d0[r];
          for (Eigen::Index i = 1; i < o; ++i) {
            const double ri = regression(j, i);
            const double* di = deviations.col(i).data();
            for (Eigen::Index r = 0; r < n; ++r) f[r] += ri * di[r];
          }
        }
        row_weights.resize(n);
        for (Eigen::Index r = 0; r < n; ++r) {
          const double g = gamma_kt(k, p.rows[static_cast<std::size_t>(r)]);
          row_weights(r) = g;
          pattern_weight += g;
          double* x = filled.col(column + r).data();
          for (Eigen::Index j = 0; j < o; ++j)
            x[p.observed[static_cast<std::size_t>(j)]] = centred_rows[pattern](r, j);
          for (Eigen::Index j = 0; j < mcount; ++j) {
            const Eigen::Index d = p.missing[static_cast<std::size_t>(j)];
            x[d] = params.means(k, d) + fills(r, j) - centre(d);
          }
        }
        weigh_filled_rows(D, n, row_weights.data(), filled.col(column).data(), first.data());
        column += n;
        for (Eigen::Index a = 0; a < mcount; ++a) {
          for (Eigen::Index c = 0; c < mcount; ++c) {
            second(p.missing[static_cast<std::size_t>(a)],
                   p.missing[static_cast<std::size_t>(c)]) += pattern_weight * conditional(a, c);
          }
        }
      }
      if (column > 0) second.selfadjointView<Eigen::Lower>().rankUpdate(filled);
      if (!all_complete) second = Matrix(second.selfadjointView<Eigen::Lower>());
      next.means.row(k) = (centre + first / nk).transpose();
      scatter[static_cast<std::size_t>(k)] = second - first * first.transpose() / nk;
    }
    next.covariances =
        constrain(config.covariance, scatter, weight.cwiseMax(1e-12), config.min_covar);
    if (prior) {
      // MAP-EM: the posterior mode replaces the maximum-likelihood mean and covariance of every
      // state EM estimated (a re-seeded dead state keeps its fresh start), then the floor.
      for (int k = 0; k < K; ++k) {
        if (weight(k) < 1e-6) continue;
        const auto map = map_estimate(*prior, weight(k), next.means.row(k).transpose(),
                                      scatter[static_cast<std::size_t>(k)]);
        next.means.row(k) = map.mean.transpose();
        next.covariances[static_cast<std::size_t>(k)] =
            map.covariance + config.min_covar * Matrix::Identity(D, D);
      }
    }
    result.next = std::move(next);
    return result;
  };
  if (config.acceleration == EmAcceleration::kSquarem)
    return squarem(em_map, std::move(start), config);
  // Plain EM: one M-step per evaluation.
  GaussianHmmParams params = std::move(start);
  EmState state;
  bool reseeded_last = false;
  for (int iteration = 1; iteration <= config.n_iter; ++iteration) {
    MapResult step = em_map(params, iteration < config.n_iter);
    state.log_prior = step.log_prior;
    const double objective = step.objective;
    state.trace.push_back(objective);
    state.iterations = iteration;
    state.log_likelihood = objective;
    if (iteration > 1 && !em_step_continues(state, state.trace[state.trace.size() - 2], objective,
                                            reseeded_last, config.tol))
      break;
    if (iteration == config.n_iter) break;
    state.reseeded += step.reseeded;
    reseeded_last = step.reseeded > 0;
    params = std::move(step.next);
  }
  state.params = std::move(params);
  return state;
}

GaussianHmmParams initial_params(const Matrix& data, const GaussianHmmConfig& config,
                                 std::uint64_t seed, bool random_start) {
  const Matrix imputed = impute_column_means(data);
  const int K = config.n_states;
  GaussianHmmParams p;
  p.covariance = config.covariance;
  p.initial = Vector::Constant(K, 1.0 / K);
  p.transition = Matrix::Constant(K, K, 1.0 / K);
  if (random_start) {
    // K distinct observations drawn uniformly (Forgy's initialisation).
    std::mt19937_64 rng(seed ^ 0xD1B54A32D192ED03ULL);
    std::vector<Eigen::Index> rows(static_cast<std::size_t>(imputed.rows()));
    for (Eigen::Index t = 0; t < imputed.rows(); ++t) rows[static_cast<std::size_t>(t)] = t;
    p.means.resize(K, imputed.cols());
    for (int k = 0; k < K; ++k) {
      std::uniform_int_distribution<std::size_t> pick(static_cast<std::size_t>(k), rows.size() - 1);
      std::swap(rows[static_cast<std::size_t>(k)], rows[pick(rng)]);
      p.means.row(k) = imputed.row(rows[static_cast<std::size_t>(k)]);
    }
  } else {
    const auto km = kmeans::fit(
        imputed, {.n_clusters = K, .n_init = 1, .max_iter = 300, .tol = 1e-4, .seed = seed});
    p.means = km.centers;
  }
  const Matrix cov = sample_covariance(imputed);
  const Vector weight = Vector::Ones(K);
  p.covariances =
      constrain(config.covariance, std::vector<Matrix>(static_cast<std::size_t>(K), cov), weight,
                config.min_covar);
  return p;
}

// Start 0 uses the configured seed itself (so n_init 1 is the single-start fit of that seed);
// start r > 0 a splitmix64 mix of (seed, r), so the starts of seeds s and s + 1 do not overlap
// (with seed + r they shared all but one start).
std::uint64_t start_seed(std::uint64_t seed, std::size_t run) {
  if (run == 0) return seed;
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(run);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

GaussianHmmFit finish(const EmState& best, int best_init, Eigen::Index T) {
  GaussianHmmFit fit;
  fit.params = best.params;
  fit.iterations = best.iterations;
  fit.converged = best.converged;
  fit.trace = best.trace;
  fit.monotone = best.monotone;
  fit.reseeded_states = best.reseeded;
  fit.best_init = best_init;
  fit.log_likelihood = best.log_likelihood;
  fit.log_prior = best.log_prior;
  const auto criteria = information_criteria(fit.params, fit.log_likelihood - fit.log_prior, T);
  fit.aic = criteria.aic;
  fit.bic = criteria.bic;
  return fit;
}

}  // namespace

std::string acceleration_name(EmAcceleration acceleration) {
  return acceleration == EmAcceleration::kSquarem ? "squarem" : "none";
}

EmAcceleration parse_acceleration(const std::string& name) {
  if (name == "none") return EmAcceleration::kNone;
  if (name == "squarem") return EmAcceleration::kSquarem;
  throw Error(ErrorCode::kInvalidArgument,
              "acceleration: expected none or squarem (got '" + name + "')");
}

std::string covariance_name(CovarianceType type) {
  switch (type) {
    case CovarianceType::kFull:
      return "full";
    case CovarianceType::kDiag:
      return "diag";
    case CovarianceType::kSpherical:
      return "spherical";
    case CovarianceType::kTied:
      return "tied";
  }
  return "full";
}

CovarianceType parse_covariance(const std::string& name) {
  if (name == "full") return CovarianceType::kFull;
  if (name == "diag") return CovarianceType::kDiag;
  if (name == "spherical") return CovarianceType::kSpherical;
  if (name == "tied") return CovarianceType::kTied;
  throw Error(ErrorCode::kInvalidArgument,
              "covariance: unknown type '" + name + "' (expected full, diag, spherical or tied)");
}

int GaussianHmmParams::n_free_parameters() const {
  const int K = n_states();
  const int D = n_features();
  int cov = 0;
  switch (covariance) {
    case CovarianceType::kFull:
      cov = K * D * (D + 1) / 2;
      break;
    case CovarianceType::kDiag:
      cov = K * D;
      break;
    case CovarianceType::kSpherical:
      cov = K;
      break;
    case CovarianceType::kTied:
      cov = D * (D + 1) / 2;
      break;
  }
  return (K - 1) + K * (K - 1) + K * D + cov;
}

InformationCriteria information_criteria(const GaussianHmmParams& params, double log_likelihood,
                                         Eigen::Index rows) {
  const double p = params.n_free_parameters();
  return {.aic = -2.0 * log_likelihood + 2.0 * p,
          .bic = -2.0 * log_likelihood + p * std::log(static_cast<double>(rows))};
}

Matrix log_emission(const GaussianHmmParams& params, const Matrix& data) {
  check_arg(data.cols() == params.n_features(), "data",
            "must have one column per model feature (" + std::to_string(params.n_features()) + ")");
  return log_emission_with(params, data, missing_patterns(data));
}

void validate(const GaussianHmmParams& params, int n_features) {
  const int K = params.n_states();
  check_arg(K >= 2, "n_states", "must be >= 2");
  check_arg(params.means.rows() == K && params.means.cols() == n_features, "means",
            "must be n_states x n_features (" + std::to_string(K) + " x " +
                std::to_string(n_features) + ")");
  check_arg(params.transition.rows() == K && params.transition.cols() == K, "transition",
            "must be n_states x n_states");
  check_arg(static_cast<int>(params.covariances.size()) == K, "covariances",
            "must have one matrix per state");
  for (const auto& c : params.covariances) {
    check_arg(c.rows() == n_features && c.cols() == n_features, "covariances",
              "must be n_features x n_features");
  }
  check_arg(std::abs(params.initial.sum() - 1.0) < 1e-6 && params.initial.minCoeff() >= 0,
            "initial", "must be a probability vector");
  for (int i = 0; i < K; ++i) {
    check_arg(std::abs(params.transition.row(i).sum() - 1.0) < 1e-6 &&
                  params.transition.row(i).minCoeff() >= 0,
              "transition", "rows must be probability vectors");
  }
}

GaussianHmmFit fit_from(const Matrix& data, const GaussianHmmParams& initial,
                        const GaussianHmmConfig& config) {
  check_data(data, initial.n_states());
  validate(initial, static_cast<int>(data.cols()));
  check_arg(config.n_iter >= 1, "n_iter", "must be >= 1");
  check_arg(config.covariance_prior == CovariancePrior::kNone ||
                initial.covariance == CovarianceType::kFull,
            "covariance_prior", "fraley_raftery needs covariance: full");
  const auto patterns = missing_patterns(data);
  EmState state = run_em(data, patterns, initial, config, config.seed);
  GaussianHmmFit out = finish(state, 0, data.rows());
  out.start_log_likelihoods = {out.log_likelihood};
  out.start_converged = {out.converged};
  return out;
}

void check_fit_inputs(const Matrix& data, const GaussianHmmConfig& config,
                      const std::vector<GaussianHmmParams>& extra_starts) {
  check_data(data, config.n_states);
  check_arg(config.n_init >= 1, "n_init", "must be >= 1");
  check_arg(config.n_iter >= 1, "n_iter", "must be >= 1");
  check_arg(config.tol >= 0, "tol", "must be >= 0");
  check_arg(config.min_covar >= 0, "min_covar", "must be >= 0");
  check_arg(config.screen_iterations >= 0, "screen_iterations", "must be >= 0");
  check_arg(config.covariance_prior == CovariancePrior::kNone ||
                config.covariance == CovarianceType::kFull,
            "covariance_prior", "fraley_raftery needs covariance: full");
  for (const auto& start : extra_starts) {
    check_arg(start.n_states() == config.n_states, "extra_starts", "must have n_states states");
    validate(start, static_cast<int>(data.cols()));
  }
  GaussianHmmParams shape;
  shape.covariance = config.covariance;
  shape.initial = Vector::Zero(config.n_states);
  shape.means = Matrix::Zero(config.n_states, data.cols());
  const int p = shape.n_free_parameters();
  if (data.rows() <= p) {
    throw Error(ErrorCode::kInvalidArgument,
                "fewer observations (" + std::to_string(data.rows()) + ") than parameters (" +
                    std::to_string(p) + "): use fewer states or features, or a simpler covariance");
  }
}

namespace {

bool screens(const GaussianHmmConfig& config) {
  return config.screen_iterations > 0 && config.screen_iterations < config.n_iter;
}

// Runs one start, keeping its error as a value: a failed start is skipped by the winner rule.
template <class Run>
EmStart guarded(const Run& run) {
  try {
    return run();
  } catch (const Error& e) {
    EmStart failed;
    failed.failed = true;
    failed.error_code = static_cast<int>(e.code());
    failed.error = e.what();
    return failed;
  } catch (const std::exception& e) {
    EmStart failed;
    failed.failed = true;
    failed.error_code = static_cast<int>(ErrorCode::kInternal);
    failed.error = e.what();
    return failed;
  }
}

// Fresh start `run` (< n_init): k-means++ (even) or random observations (odd), seeded by
// start_seed; under screening it runs screen_iterations only.
EmStart run_fresh_start(const Matrix& data, const GaussianHmmConfig& config, std::size_t run) {
  return guarded([&] {
    GaussianHmmConfig first_phase = config;
    if (screens(config)) first_phase.n_iter = config.screen_iterations;
    const std::uint64_t seed = start_seed(config.seed, run);
    return run_em(data, missing_patterns(data), initial_params(data, config, seed, run % 2 == 1),
                  first_phase, seed);
  });
}

// The highest final likelihood among starts [from, to) that did not fail and were not screened
// out (ties: the lowest); among the screened-out ones only when no other is left; `to` when none.
std::size_t best_of(const std::vector<EmStart>& starts, std::size_t from, std::size_t to) {
  for (const bool finished_only : {true, false}) {
    std::size_t best = to;
    for (std::size_t run = from; run < to; ++run) {
      if (starts[run].failed || (finished_only && starts[run].screened_out)) continue;
      if (best == to || starts[run].log_likelihood > starts[best].log_likelihood) best = run;
    }
    if (best != to) return best;
  }
  return to;
}

// One work item of run_starts: task, start index, and what to run.
struct StartItem {
  std::size_t task = 0;
  std::size_t start = 0;
  enum class Kind { kFresh, kExtra, kContinue } kind = Kind::kFresh;
};

}  // namespace

// em-EM's second phase: the screened leader continues from where its short run stopped. Its
// first iteration re-evaluates the parameters the short run stopped at (already the last entry
// of the short run's trace), so the two traces share that entry.
EmStart continue_leader(const Matrix& data, const GaussianHmmConfig& config,
                        const EmStart& screened, std::size_t index) {
  GaussianHmmConfig rest = config;
  rest.n_iter = config.n_iter - config.screen_iterations + 1;
  EmStart continued =
      run_em(data, missing_patterns(data), screened.params, rest, start_seed(config.seed, index));
  continued.iterations += screened.iterations - 1;
  continued.trace.insert(continued.trace.begin(), screened.trace.begin(), screened.trace.end() - 1);
  continued.reseeded += screened.reseeded;
  continued.monotone = continued.monotone && screened.monotone;
  return continued;
}

std::optional<std::size_t> leader_to_continue(const std::vector<EmStart>& starts,
                                              const GaussianHmmConfig& config) {
  if (!screens(config)) return std::nullopt;
  const auto n_init = std::min(starts.size(), static_cast<std::size_t>(config.n_init));
  const std::size_t leader = best_of(starts, 0, n_init);
  if (leader >= n_init || starts[leader].converged) return std::nullopt;
  return leader;
}

EmStart run_extra_start(const Matrix& data, const GaussianHmmConfig& config, std::size_t index,
                        const GaussianHmmParams& start) {
  // Under screening an extra start (a previous fit's parameters) is not screened: it begins at
  // an optimum, so after a few iterations it would lead every fresh start and win the screen
  // before any of them had a chance to climb; it runs to convergence and competes on its final
  // likelihood.
  return guarded([&] {
    return run_em(data, missing_patterns(data), start, config, start_seed(config.seed, index));
  });
}

std::vector<std::vector<EmStart>> run_starts(const std::vector<FitTask>& tasks,
                                             const WorkItems& items, const std::string& what,
                                             bool continue_leaders) {
  std::vector<std::vector<EmStart>> out(tasks.size());
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    check_arg(tasks[t].data != nullptr, "tasks", "every task needs data");
    check_fit_inputs(*tasks[t].data, tasks[t].config, tasks[t].extra_starts);
    out[t].resize(static_cast<std::size_t>(tasks[t].config.n_init) + tasks[t].extra_starts.size());
  }
  const auto run_round = [&](const std::vector<StartItem>& round) {
    if (round.empty()) return;
    const auto results = items.run(
        static_cast<std::int64_t>(round.size()),
        [&](std::int64_t i) {
          const StartItem& item = round[static_cast<std::size_t>(i)];
          const FitTask& task = tasks[item.task];
          const auto n_init = static_cast<std::size_t>(task.config.n_init);
          switch (item.kind) {
            case StartItem::Kind::kFresh:
              return pack_em_start(run_fresh_start(*task.data, task.config, item.start));
            case StartItem::Kind::kExtra:
              return pack_em_start(run_extra_start(*task.data, task.config, item.start,
                                                   task.extra_starts[item.start - n_init]));
            case StartItem::Kind::kContinue:
              break;
          }
          return pack_em_start(
              continue_leader(*task.data, task.config, out[item.task][item.start], item.start));
        },
        what);
    for (std::size_t i = 0; i < round.size(); ++i)
      out[round[i].task][round[i].start] = unpack_em_start(results[i]);
  };
  // Round 1: every fresh start; the extra starts too when they run in full anyway.
  std::vector<StartItem> first;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const auto n_init = static_cast<std::size_t>(tasks[t].config.n_init);
    for (std::size_t r = 0; r < n_init; ++r) first.push_back({t, r, StartItem::Kind::kFresh});
    if (!screens(tasks[t].config)) {
      for (std::size_t r = n_init; r < out[t].size(); ++r)
        first.push_back({t, r, StartItem::Kind::kExtra});
    }
  }
  run_round(first);
  // Round 2 (screening): each fresh leader continues, beside the extra starts.
  std::vector<StartItem> second;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    if (!screens(tasks[t].config)) continue;
    const auto n_init = static_cast<std::size_t>(tasks[t].config.n_init);
    const auto leader = leader_to_continue(out[t], tasks[t].config);
    if (continue_leaders && leader) second.push_back({t, *leader, StartItem::Kind::kContinue});
    for (std::size_t r = n_init; r < out[t].size(); ++r)
      second.push_back({t, r, StartItem::Kind::kExtra});
  }
  run_round(second);
  // The fresh starts the screen stopped are not fits: only the continued leader (and a start
  // that converged within the screen) may win.
  for (std::size_t t = 0; t < tasks.size() && continue_leaders; ++t) {
    if (!screens(tasks[t].config)) continue;
    const auto n_init = static_cast<std::size_t>(tasks[t].config.n_init);
    for (std::size_t r = 0; r < n_init; ++r) {
      auto& start = out[t][r];
      if (!start.failed && !start.converged &&
          start.iterations <= tasks[t].config.screen_iterations)
        start.screened_out = true;
    }
  }
  return out;
}

GaussianHmmFit best_start(const std::vector<EmStart>& starts, Eigen::Index rows) {
  check_arg(!starts.empty(), "starts", "must not be empty");
  const std::size_t n = starts.size();
  const std::size_t winner = best_of(starts, 0, n);
  if (winner == n)
    throw Error(static_cast<ErrorCode>(starts.front().error_code), starts.front().error);
  return chosen_start(starts, winner, rows);
}

GaussianHmmFit chosen_start(const std::vector<EmStart>& starts, std::size_t index,
                            Eigen::Index rows) {
  check_arg(index < starts.size() && !starts[index].failed, "index",
            "must name a start that did not fail");
  const std::size_t n = starts.size();
  GaussianHmmFit out = finish(starts[index], static_cast<int>(index), rows);
  const double best = starts[best_of(starts, 0, n)].log_likelihood;
  out.starts_at_best = 0;
  for (std::size_t run = 0; run < n; ++run) {
    const bool ok = !starts[run].failed;
    const double ll = ok ? starts[run].log_likelihood : std::numeric_limits<double>::quiet_NaN();
    out.start_log_likelihoods.push_back(ll);
    out.start_converged.push_back(ok && starts[run].converged);
    if (ok && best - ll <= std::max(1e-3, 1e-9 * std::abs(best))) ++out.starts_at_best;
  }
  return out;
}

std::vector<GaussianHmmFit> fit_many(const std::vector<FitTask>& tasks, const WorkItems& items,
                                     const std::string& what) {
  const auto starts = run_starts(tasks, items, what);
  std::vector<GaussianHmmFit> out;
  out.reserve(tasks.size());
  for (std::size_t t = 0; t < tasks.size(); ++t)
    out.push_back(best_start(starts[t], tasks[t].data->rows()));
  return out;
}

GaussianHmmFit fit(const Matrix& data, const GaussianHmmConfig& config,
                   const std::vector<GaussianHmmParams>& extra_starts) {
  check_fit_inputs(data, config, extra_starts);
  // Each start is independent and carries its own seed; the winner is chosen after all finish,
  // so the outcome is the same whatever runs the items.
  const ThreadWorkItems local(config.threads, /*report_progress=*/false);
  const WorkItems& items = config.work_items ? *config.work_items : local;
  return fit_many({{.data = &data, .config = config, .extra_starts = extra_starts}}, items,
                  "EM starts")
      .front();
}

std::string pack_em_start(const EmStart& start) {
  ResultWriter out;
  out.integer(start.failed ? 1 : 0).integer(start.error_code).text(start.error);
  if (start.failed) return out.take();
  const GaussianHmmParams& p = start.params;
  const auto K = static_cast<std::int64_t>(p.initial.size());
  const auto D = static_cast<std::int64_t>(p.means.cols());
  out.integer(static_cast<std::int64_t>(p.covariance)).integer(K).integer(D);
  const auto numbers = [&](const double* v, std::int64_t count) {
    for (std::int64_t i = 0; i < count; ++i) out.number(v[i]);
  };
  numbers(p.initial.data(), K);
  numbers(p.transition.data(), K * K);
  numbers(p.means.data(), K * D);
  for (const auto& c : p.covariances) numbers(c.data(), D * D);
  out.number(start.log_likelihood)
      .number(start.log_prior)
      .integer(start.iterations)
      .integer(start.converged ? 1 : 0)
      .integer(start.monotone ? 1 : 0)
      .integer(start.reseeded)
      .integer(static_cast<std::int64_t>(start.trace.size()));
  numbers(start.trace.data(), static_cast<std::int64_t>(start.trace.size()));
  return out.take();
}

EmStart unpack_em_start(const std::string& bytes) {
  ResultReader in(bytes);
  EmStart out;
  out.failed = in.integer() != 0;
  out.error_code = static_cast<int>(in.integer());
  out.error = in.text();
  if (out.failed) return out;
  GaussianHmmParams& p = out.params;
  p.covariance = static_cast<CovarianceType>(in.integer());
  const auto K = static_cast<Eigen::Index>(in.integer());
  const auto D = static_cast<Eigen::Index>(in.integer());
  const auto numbers = [&](double* v, Eigen::Index count) {
    for (Eigen::Index i = 0; i < count; ++i) v[i] = in.number();
  };
  p.initial.resize(K);
  numbers(p.initial.data(), K);
  p.transition.resize(K, K);
  numbers(p.transition.data(), K * K);
  p.means.resize(K, D);
  numbers(p.means.data(), K * D);
  p.covariances.assign(static_cast<std::size_t>(K), Matrix(D, D));
  for (auto& c : p.covariances) numbers(c.data(), D * D);
  out.log_likelihood = in.number();
  out.log_prior = in.number();
  out.iterations = static_cast<int>(in.integer());
  out.converged = in.integer() != 0;
  out.monotone = in.integer() != 0;
  out.reseeded = static_cast<int>(in.integer());
  out.trace.resize(static_cast<std::size_t>(in.integer()));
  for (auto& v : out.trace) v = in.number();
  return out;
}

PreparedEmission prepare_emission(const GaussianHmmParams& params) {
  PreparedEmission out;
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  const auto D = static_cast<double>(params.n_features());
  for (int k = 0; k < params.n_states(); ++k) {
    const auto llt = cholesky(params.covariances[static_cast<std::size_t>(k)], k);
    const Matrix& L = llt.matrixL();
    double log_det = 0;
    for (Eigen::Index i = 0; i < L.rows(); ++i) log_det += 2.0 * std::log(L(i, i));
    out.inverse_cholesky.push_back(llt.matrixL().solve(Matrix::Identity(L.rows(), L.cols())));
    out.log_normaliser.push_back(D * log_2pi + log_det);
  }
  return out;
}

RowVector log_emission_row(const GaussianHmmParams& params, const PreparedEmission& prepared,
                           const RowVector& observation) {
  check_arg(observation.size() == params.n_features(), "observation",
            "must have one value per feature");
  const int K = params.n_states();
  RowVector out(K);
  Vector centred(observation.size());
  for (int k = 0; k < K; ++k) {
    centred = (observation - params.means.row(k)).transpose();
    const double maha =
        (prepared.inverse_cholesky[static_cast<std::size_t>(k)].triangularView<Eigen::Lower>() *
         centred)
            .squaredNorm();
    out(k) = -0.5 * (prepared.log_normaliser[static_cast<std::size_t>(k)] + maha);
  }
  return out;
}

Vector expected_durations(const Matrix& transition) {
  Vector out(transition.rows());
  for (Eigen::Index k = 0; k < transition.rows(); ++k) {
    const double stay = transition(k, k);
    out(k) = stay < 1.0 ? 1.0 / (1.0 - stay) : std::numeric_limits<double>::infinity();
  }
  return out;
}

Vector predict_ahead(const Vector& filtered_last, const Matrix& transition, int h) {
  check_arg(h >= 0, "h", "must be >= 0");
  Vector p = filtered_last;
  for (int step = 0; step < h; ++step) p = transition.transpose() * p;
  return p;
}

Vector stationary_distribution(const Matrix& transition) {
  Eigen::EigenSolver<Matrix> solver(transition.transpose());
  Eigen::Index best = 0;
  (solver.eigenvalues().array() - 1.0).abs().minCoeff(&best);
  Vector v = solver.eigenvectors().col(best).real();
  return v / v.sum();
}

}  // namespace mre::regimes::hmm
