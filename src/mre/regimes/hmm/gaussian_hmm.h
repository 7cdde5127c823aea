// Gaussian hidden Markov model: Baum-Welch (Baum et al. 1970; Rabiner 1989 section IV.C) with
// full, diagonal, spherical or tied covariances, k-means++ initialisation, restarts, a
// covariance floor, re-seeding of dead states, and rows with missing features handled by
// marginalising the missing dimensions (emission) and by their conditional expectations (M-step:
// the exact EM for incomplete Gaussian data, Little & Rubin 2002, section 11.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/regimes/hmm/covariance_prior.h"

namespace mre {
class WorkItems;  // core/work_items.h
}

namespace mre::regimes::hmm {

enum class CovarianceType { kFull, kDiag, kSpherical, kTied };

std::string covariance_name(CovarianceType type);  // full | diag | spherical | tied
// Throws InvalidArgument naming the parameter for anything else.
CovarianceType parse_covariance(const std::string& name);

// The range of n_states accepted from users (specs, the CLI): two at least, and the EM's
// K x K work and memory make more than 64 unreasonable for monthly macro data.
inline constexpr int kMinStates = 2;
inline constexpr int kMaxStates = 64;

// How EM steps are taken. kNone: Baum-Welch, one M-step per iteration. kSquarem: the squared
// iterative method of Varadhan & Roland (2008, Scand. J. Statist. 35, 335-353; scheme SqS3 with
// the monotone safeguard): two EM steps from theta0 give r = theta1 - theta0 and v = theta2 -
// 2 theta1 + theta0; the step theta0 - 2 a r + a^2 v with a = -|r| / |v| (at most -1; a = -1
// is theta2 itself) is taken when it is admissible (probabilities >= 0, covariances positive
// definite; otherwise a moves halfway to -1, at most 10 times) and its objective is at least
// theta1's; otherwise the cycle falls back to theta2. The fixed points are EM's; convergence is
// judged, as in plain EM, on the gain of an EM step (theta0 -> theta1) against tol, and every
// evaluation of the objective (an E-step, the cost of one EM iteration) counts towards n_iter.
enum class EmAcceleration { kNone, kSquarem };
std::string acceleration_name(EmAcceleration acceleration);  // none | squarem
// Throws InvalidArgument naming `acceleration` for anything else.
EmAcceleration parse_acceleration(const std::string& name);

struct GaussianHmmConfig {
  int n_states = 6;                                   // MR-BR-02: six global macro regimes
  CovarianceType covariance = CovarianceType::kFull;  // MR-IMPL-02: full covariance
  int n_iter = 1000;                                  // MR-IMPL-02: EM iteration limit
  double tol = 1e-4;                                  // MR-IMPL-02: stop when the gain < tol
  // Starts of EM: even-numbered starts from k-means++, odd-numbered from K distinct random
  // observations as means; start 0 uses `seed`, start r > 0 a splitmix64 mix of (seed, r), so
  // different seeds share no starts; the highest likelihood wins (ties: the lowest start).
  // Start 0 with seed s is the single-start fit of seed s.
  int n_init = 10;
  std::uint64_t seed = 42;  // MR-IMPL-02
  double min_covar = 1e-3;  // added to every covariance diagonal
  // Threads running the starts (0: the machine's cores). Each start is a pure function of the
  // data and its own seed, and the winner is chosen after all finish, so the result does not
  // depend on this setting (bit for bit).
  int threads = 0;
  // Short-run screening of the starts (the "em-EM" strategy of Biernacki, Celeux & Govaert 2003,
  // CSDA 41, section 3.2): 0 = every start runs EM to convergence; N > 0 = every start runs N
  // iterations, then only the start with the highest likelihood so far continues to
  // convergence (n_iter in all). Lets many starts be tried for the cost of a few full fits.
  int screen_iterations = 0;
  // MAP-EM under a conjugate prior on each state's mean and covariance (covariance_prior.h;
  // full covariance only): kFraleyRaftery shrinks every covariance towards the data covariance
  // / K^(2/d) with the weight of d + 2 pseudo-observations. The fit's log_likelihood is then the
  // penalised one (log-likelihood + log prior density), which EM increases and the starts are
  // compared on.
  CovariancePrior covariance_prior = CovariancePrior::kNone;
  EmAcceleration acceleration = EmAcceleration::kNone;  // see EmAcceleration
  // How the starts are distributed (core/work_items.h: threads with progress reports, or MPI
  // ranks); null: `threads` threads in this process, silently. Never changes the result.
  const WorkItems* work_items = nullptr;
};

// Parameters. Covariances are stored as full D x D matrices whatever the type (the type only
// constrains the M-step), so emission code has one path.
struct GaussianHmmParams {
  CovarianceType covariance = CovarianceType::kFull;
  Vector initial;                   // K
  Matrix transition;                // K x K, transition(i, j) = P(s_t = j | s_{t-1} = i)
  Matrix means;                     // K x D
  std::vector<Matrix> covariances;  // K of D x D

  int n_states() const { return static_cast<int>(initial.size()); }
  int n_features() const { return static_cast<int>(means.cols()); }
  // Free parameters: (K-1) + K(K-1) + K D + covariance terms.
  int n_free_parameters() const;
};

struct GaussianHmmFit {
  GaussianHmmParams params;
  double log_likelihood = 0.0;  // of the data under `params` (+ log_prior under a prior)
  double log_prior = 0.0;       // the log prior density in log_likelihood (0 without a prior)
  int iterations = 0;           // EM iterations (under SQUAREM: evaluations) of the best restart
  bool converged = false;       // the gain fell below tol before n_iter
  std::vector<double> trace;    // log-likelihood before each M-step of the best restart (under
                                // SQUAREM: of each accepted point)
  bool monotone = true;         // trace never decreased by more than rounding (with min_covar > 0
                                // the floor is not part of the likelihood, so small dips can occur)
  int reseeded_states = 0;      // dead or degenerate states re-seeded during EM
  int best_init = 0;            // which restart won
  // The multi-start spread: each start's final log-likelihood and whether it converged, in
  // start order (one entry for fit_from).
  std::vector<double> start_log_likelihoods;
  std::vector<bool> start_converged;
  // Starts whose final log-likelihood is within 1e-3 (relative 1e-9) of the best: how often the
  // optimum was found.
  int starts_at_best = 1;
  double aic = 0.0;  // -2 LL + 2 p, LL without the prior term
  double bic = 0.0;  // -2 LL + p ln(T), LL without the prior term
};

// AIC and BIC of a log-likelihood of T rows under params (the fit's aic and bic, and the
// Python binding's aic(X) and bic(X) on other data).
struct InformationCriteria {
  double aic = 0.0;
  double bic = 0.0;
};
InformationCriteria information_criteria(const GaussianHmmParams& params, double log_likelihood,
                                         Eigen::Index rows);

// Per-state log densities (T x K); rows' NaN dimensions are marginalised out; a row with no
// observed value has density 1 under every state (log 0).
Matrix log_emission(const GaussianHmmParams& params, const Matrix& data);

// Per-state Gaussian factors computed once, for scoring one observation at a time (the
// real-time filter): L^{-1} and log det of each covariance.
struct PreparedEmission {
  std::vector<Matrix> inverse_cholesky;  // K of D x D, lower triangular
  std::vector<double> log_normaliser;    // K: D log(2 pi) + log det(Sigma_k)
};
PreparedEmission prepare_emission(const GaussianHmmParams& params);
// Log densities of one complete observation (no NaN) under every state: the same values as
// log_emission gives for that row, up to rounding.
RowVector log_emission_row(const GaussianHmmParams& params, const PreparedEmission& prepared,
                           const RowVector& observation);

// Fits by EM. REQUIRES n_states >= 2, data T x D with T > free parameters, no column all NaN,
// no infinities (each checked: InvalidArgument or DataError naming the column).
// `extra_starts` (e.g. the previous walk-forward fit's parameters) join the n_init starts as
// starts n_init, n_init + 1, ...; they compete on final likelihood like any other start. Under
// screening they are not screened (they begin at an optimum and would lead every fresh start
// after a few iterations): they run to convergence, and the best of them and the fresh leader
// (continued to convergence) wins.
GaussianHmmFit fit(const Matrix& data, const GaussianHmmConfig& config,
                   const std::vector<GaussianHmmParams>& extra_starts = {});

// The multi-start EM in steps, for callers that schedule the starts of many fits together
// (walk-forward refits, the classifier backfill): every start of every fit is one seeded work
// item, so the result of each fit is fit()'s, bit for bit, however the items are distributed.
// fit(data, config, extra) is fit_many({{&data, config, extra}}, ...).front().

// One EM start's outcome.
struct EmStart {
  GaussianHmmParams params;
  double log_likelihood = -std::numeric_limits<double>::infinity();
  double log_prior = 0.0;  // MAP-EM: the prior's part of log_likelihood (0 without a prior)
  int iterations = 0;
  bool converged = false;
  bool monotone = true;
  int reseeded = 0;
  std::vector<double> trace;
  // em-EM: a fresh start stopped at the screen and not continued (not the leader). Its
  // likelihood is listed, but it is an unfinished fit and never the winner (a screened start
  // above the continued leader's final likelihood won the first retrain of every backfill with
  // 25 iterations).
  bool screened_out = false;
  // The start threw (a degenerate random start): the error's code (ErrorCode) and message.
  bool failed = false;
  int error_code = 0;
  std::string error;
};

// One fit: fit(*data, config, extra_starts). `data` must outlive the call.
struct FitTask {
  const Matrix* data = nullptr;
  GaussianHmmConfig config{};
  std::vector<GaussianHmmParams> extra_starts{};
};

// The checks fit() makes before any EM (the same errors).
void check_fit_inputs(const Matrix& data, const GaussianHmmConfig& config,
                      const std::vector<GaussianHmmParams>& extra_starts = {});

// Every start of every task on `items` (`what` names them in progress and errors), in two rounds
// of items: the fresh starts (and the extra starts when not screening), then under screening the
// continuation of each task's fresh leader and the extra starts. Returns, per task, its starts in
// start order (fresh 0..n_init-1, then the extras), the screened leader already continued unless
// `continue_leaders` is false (the caller then runs continue_leader itself; the backfill did, to
// overlap the continuations with its chain of warm starts, until running them here proved
// faster).
std::vector<std::vector<EmStart>> run_starts(const std::vector<FitTask>& tasks,
                                             const WorkItems& items, const std::string& what,
                                             bool continue_leaders = true);

// Under screening, the fresh start (index < n_init) that continues to convergence: the highest
// likelihood after the screen; none without screening, when every fresh start failed, or when
// the leader already converged within the screen.
std::optional<std::size_t> leader_to_continue(const std::vector<EmStart>& starts,
                                              const GaussianHmmConfig& config);
// em-EM's second phase: fresh start `index`, screened, continued to convergence.
EmStart continue_leader(const Matrix& data, const GaussianHmmConfig& config,
                        const EmStart& screened, std::size_t index);

// Extra start `index` (>= config.n_init) of fit(): EM to convergence from `start`.
EmStart run_extra_start(const Matrix& data, const GaussianHmmConfig& config, std::size_t index,
                        const GaussianHmmParams& start);

// fit()'s winner among `starts` (fresh then extra, as run_starts returns them; the highest
// final likelihood, ties to the lowest start) with the multi-start spread; when every start
// failed, throws the first start's error. `rows`: the data's rows (for AIC and BIC).
GaussianHmmFit best_start(const std::vector<EmStart>& starts, Eigen::Index rows);
// The same summary with start `index` (which must not have failed) as the fit, whatever its
// likelihood: starts_at_best still counts the starts within 1e-3 of the highest likelihood.
GaussianHmmFit chosen_start(const std::vector<EmStart>& starts, std::size_t index,
                            Eigen::Index rows);

// run_starts then best_start per task: result i is fit(*tasks[i].data, tasks[i].config,
// tasks[i].extra_starts), bit for bit.
std::vector<GaussianHmmFit> fit_many(const std::vector<FitTask>& tasks, const WorkItems& items,
                                     const std::string& what);

// An EmStart as bytes for the work-items seam (bit-exact), and back.
std::string pack_em_start(const EmStart& start);
EmStart unpack_em_start(const std::string& bytes);

// EM from given parameters (warm start; `--init`), same config otherwise (n_init ignored).
GaussianHmmFit fit_from(const Matrix& data, const GaussianHmmParams& initial,
                        const GaussianHmmConfig& config);

// Expected duration of each state in periods: 1 / (1 - p_ii) (infinite when p_ii = 1).
Vector expected_durations(const Matrix& transition);
// P(s_{T+h} | y_1..T) from the filtered distribution at T: filtered' A^h.
Vector predict_ahead(const Vector& filtered_last, const Matrix& transition, int h);
// The stationary distribution of the chain (left eigenvector for eigenvalue 1).
Vector stationary_distribution(const Matrix& transition);

// Checks shapes and probabilities of parameters (e.g. loaded from JSON) against D features.
void validate(const GaussianHmmParams& params, int n_features);

}  // namespace mre::regimes::hmm
