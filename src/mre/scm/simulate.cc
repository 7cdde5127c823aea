// See simulate.h.
#include "mre/scm/simulate.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <thread>

#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/scm/random.h"

namespace mre::scm {

ShockKind parse_shock_kind(const std::string& name) {
  if (name == "gaussian") return ShockKind::kGaussian;
  if (name == "student-t") return ShockKind::kStudentT;
  if (name == "bootstrap") return ShockKind::kBootstrap;
  if (name == "block-bootstrap") return ShockKind::kBlockBootstrap;
  if (name == "regime-bootstrap") return ShockKind::kRegimeBootstrap;
  if (name == "garch") return ShockKind::kGarch;
  if (name == "quantgan") return ShockKind::kQuantGan;
  throw Error(ErrorCode::kInvalidArgument,
              "--shocks: unknown generator '" + name +
                  "' (gaussian, student-t, bootstrap, block-bootstrap, regime-bootstrap, garch, "
                  "quantgan)");
}

std::string shock_kind_name(ShockKind kind) {
  switch (kind) {
    case ShockKind::kGaussian:
      return "gaussian";
    case ShockKind::kStudentT:
      return "student-t";
    case ShockKind::kBootstrap:
      return "bootstrap";
    case ShockKind::kBlockBootstrap:
      return "block-bootstrap";
    case ShockKind::kRegimeBootstrap:
      return "regime-bootstrap";
    case ShockKind::kGarch:
      return "garch";
    case ShockKind::kQuantGan:
      return "quantgan";
  }
  return "?";
}

double quantile_in_place(std::vector<double>& v, double p) {
  check_arg(!v.empty(), "quantile", "needs at least one value");
  const double h = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return a + (h - static_cast<double>(lo)) * (b - a);
}

namespace {

// The type-7 quantiles of v[0..n) at increasing probabilities, exactly, by bucket selection:
// one pass for the range, one to count the values per bucket (the bucket of x is monotone in
// x, so the value of rank r lies in the bucket where the running count passes r), one to
// gather the few buckets holding the ranks needed, and a selection within each of those.
// About three cheap passes instead of the branchy partitions of std::nth_element, which
// mispredict on every other element.
}  // namespace

void quantiles_of(const float* v, std::size_t n, std::span<const double> probs, double* out) {
  float lo = v[0];
  float hi = v[0];
  for (std::size_t i = 1; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (!(hi > lo)) {  // all equal
    for (std::size_t i = 0; i < probs.size(); ++i) out[i] = lo;
    return;
  }
  constexpr std::size_t kBuckets = 4096;
  const double scale =
      static_cast<double>(kBuckets - 1) / (static_cast<double>(hi) - static_cast<double>(lo));
  const auto bucket = [&](float x) {
    return static_cast<std::size_t>((static_cast<double>(x) - lo) * scale);
  };
  std::vector<std::uint32_t> count(kBuckets, 0);
  for (std::size_t i = 0; i < n; ++i) ++count[bucket(v[i])];
  // The ranks needed: floor(h) and the next one for each probability.
  std::vector<std::size_t> ranks;
  for (const double p : probs) {
    const auto k = static_cast<std::size_t>(std::floor(p * static_cast<double>(n - 1)));
    ranks.push_back(k);
    ranks.push_back(std::min(k + 1, n - 1));
  }
  // The bucket of each rank, and the rank's position within its bucket.
  std::vector<std::size_t> bucket_of(ranks.size());
  std::vector<std::size_t> offset(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    std::size_t seen = 0;
    std::size_t b = 0;
    while (seen + count[b] <= ranks[r]) seen += count[b++];
    bucket_of[r] = b;
    offset[r] = ranks[r] - seen;
  }
  std::vector<std::size_t> wanted(bucket_of);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<int> slot(kBuckets, -1);
  for (std::size_t w = 0; w < wanted.size(); ++w) slot[wanted[w]] = static_cast<int>(w);
  std::vector<std::vector<float>> gathered(wanted.size());
  for (std::size_t w = 0; w < wanted.size(); ++w) gathered[w].reserve(count[wanted[w]]);
  for (std::size_t i = 0; i < n; ++i) {
    const int s = slot[bucket(v[i])];
    if (s >= 0) gathered[static_cast<std::size_t>(s)].push_back(v[i]);
  }
  for (auto& g : gathered) std::sort(g.begin(), g.end());  // small: n / 4096 values on average
  const auto value = [&](std::size_t r) {
    return static_cast<double>(gathered[static_cast<std::size_t>(slot[bucket_of[r]])][offset[r]]);
  };
  for (std::size_t i = 0; i < probs.size(); ++i) {
    const double h = probs[i] * static_cast<double>(n - 1);
    const double a = value(2 * i);
    const double b = value(2 * i + 1);
    out[i] = a + (h - std::floor(h)) * (b - a);
  }
}

namespace {

// One path's generator state.
struct DrawState {
  PathRandom rng;
  std::int64_t row = -1;  // block bootstrap: the current row
  int regime = -1;        // regime bootstrap: today's regime
  std::vector<double>
      variance{};     // garch: each equation's conditional variance today (empty: the start day's)
  Matrix sequence{};  // quantgan: the path's generated shocks, days x E
  Eigen::Index next_day = 0;  // quantgan: the next row of `sequence` to hand out
};

// The shock generators, built once per run; draw_block() writes one day's E shocks for a block of
// paths.
class Drawer {
 public:
  Drawer(const ShockPool& pool, const SimulationConfig& config)
      : pool_(pool), kind_(config.shocks), horizon_(std::max(1, config.horizon)) {
    const Matrix& r = pool.residuals;
    e_ = r.cols();
    t_ = r.rows();
    if (t_ < 2 || e_ < 1)
      throw Error(ErrorCode::kInvalidArgument, "shocks: the pool of historical shocks is empty");
    if (e_ > kMaxInline)
      throw Error(ErrorCode::kInvalidArgument, "shocks: the simulator takes at most 32 equations");
    restart_ = 1.0 / std::max(1.0, config.mean_block);
    if (kind_ == ShockKind::kGaussian) {
      const RowVector mean = r.colwise().mean();
      const Matrix c = r.rowwise() - mean;
      chol_ = Eigen::LLT<Matrix>(c.transpose() * c / static_cast<double>(t_ - 1)).matrixL();
    } else if (kind_ == ShockKind::kStudentT) {
      if (!pool.copula)
        throw Error(ErrorCode::kInvalidArgument, "shocks: student-t needs a fitted t copula");
      const auto& cop = *pool.copula;
      chol_ = Eigen::LLT<Matrix>(cop.correlation).matrixL();
      nu_ = cop.nu;
      // g_j(x) = s_j F^{-1}_{nu_j}(F_{nu_c}(x)) on x in [0, kGridMax], odd in x.
      table_.resize(static_cast<std::size_t>(e_));
      for (Eigen::Index j = 0; j < e_; ++j) {
        auto& tab = table_[static_cast<std::size_t>(j)];
        tab.resize(kGridPoints + 1);
        for (int k = 0; k <= kGridPoints; ++k)
          tab[static_cast<std::size_t>(k)] = margin(j, k * kGridStep);
      }
    } else if (kind_ == ShockKind::kGarch) {
      if (!pool.garch || static_cast<Eigen::Index>(pool.garch->margins.size()) != e_) {
        throw Error(ErrorCode::kInvalidArgument,
                    "shocks: garch needs a GARCH(1,1) fit per equation");
      }
      chol_ = Eigen::LLT<Matrix>(pool.garch->correlation).matrixL();
    } else if (kind_ == ShockKind::kQuantGan) {
      const auto k = pool.transition.rows();
      if (!pool.quantgan || pool.quantgan->series() != e_ || pool.quantgan->regimes() != k ||
          pool.transition.cols() != k || pool.start_regime < 0 || pool.start_regime >= k) {
        throw Error(ErrorCode::kInvalidArgument,
                    "shocks: quantgan needs a trained generator with one output per equation and "
                    "one condition per regime of the transition matrix");
      }
      cumulative_ = pool.transition;
      for (Eigen::Index i = 0; i < k; ++i) {
        for (Eigen::Index j = 1; j < k; ++j) cumulative_(i, j) += cumulative_(i, j - 1);
      }
    } else if (kind_ == ShockKind::kRegimeBootstrap) {
      const auto k = pool.transition.rows();
      if (k < 1 || pool.transition.cols() != k ||
          static_cast<Eigen::Index>(pool.regime.size()) != t_) {
        throw Error(
            ErrorCode::kInvalidArgument,
            "shocks: regime-bootstrap needs a regime per historical day and a transition matrix");
      }
      rows_of_.assign(static_cast<std::size_t>(k), {});
      for (Eigen::Index t = 0; t < t_; ++t)
        rows_of_[static_cast<std::size_t>(pool.regime[static_cast<std::size_t>(t)])].push_back(t);
      for (Eigen::Index s = 0; s < k; ++s) {
        if (rows_of_[static_cast<std::size_t>(s)].empty()) {
          throw Error(ErrorCode::kInvalidArgument, "shocks: regime " + std::to_string(s) +
                                                       " has no historical day before the start");
        }
      }
      cumulative_ = pool.transition;
      for (Eigen::Index i = 0; i < k; ++i) {
        for (Eigen::Index j = 1; j < k; ++j) cumulative_(i, j) += cumulative_(i, j - 1);
      }
    }
  }

  Eigen::Index size() const { return e_; }

  // One day's shocks for m paths of a block at once (the only way shocks are drawn): u is
  // [equation][stride], states[l] is lane l's generator, scale holds m scratch values. The
  // Gaussian and t generators' correlation step runs across the lanes (vectorised).
  void draw_block(DrawState* states, int m, double* u, int stride, double* scale) const {
    if (kind_ != ShockKind::kGaussian && kind_ != ShockKind::kStudentT &&
        kind_ != ShockKind::kGarch) {
      for (int l = 0; l < m; ++l) draw_row(states[l], u + l, stride);
      return;
    }
    // z into u's rows from the bottom up, so u_i = sum_{j<=i} L_ij z_j can overwrite in place
    // from the last row to the first.
    for (int l = 0; l < m; ++l) {
      for (Eigen::Index j = 0; j < e_; ++j) u[j * stride + l] = states[l].rng.normal();
      if (kind_ == ShockKind::kStudentT) scale[l] = std::sqrt(nu_ / states[l].rng.chi_square(nu_));
    }
    for (Eigen::Index i = e_ - 1; i >= 0; --i) {
      double* ui = u + i * stride;
      const double lii = chol_(i, i);
      for (int l = 0; l < m; ++l) ui[l] *= lii;
      for (Eigen::Index j = 0; j < i; ++j) {
        const double lij = chol_(i, j);
        const double* zj = u + j * stride;
        for (int l = 0; l < m; ++l) ui[l] += lij * zj[l];
      }
    }
    if (kind_ == ShockKind::kStudentT) {
      for (Eigen::Index i = 0; i < e_; ++i) {
        for (int l = 0; l < m; ++l) u[i * stride + l] = lookup(i, u[i * stride + l] * scale[l]);
      }
    }
    if (kind_ == ShockKind::kGarch) {
      // u = mu + sqrt(h) z with the correlated standard normals z; then tomorrow's h.
      const auto& g = *pool_.garch;
      for (int l = 0; l < m; ++l) {
        auto& h = states[l].variance;
        if (h.empty()) h.assign(g.next_variance.data(), g.next_variance.data() + e_);
        for (Eigen::Index i = 0; i < e_; ++i) {
          const auto& p = g.margins[static_cast<std::size_t>(i)].params;
          double& hi = h[static_cast<std::size_t>(i)];
          const double shock = std::sqrt(hi) * u[i * stride + l];
          u[i * stride + l] = p.mu + shock;
          hi = p.omega + p.alpha * shock * shock + p.beta * hi;
        }
      }
    }
  }

  // One day's vector of a bootstrap generator for one path, written to u[k * stride].
  void draw_row(DrawState& s, double* u, int stride) const {
    switch (kind_) {
      case ShockKind::kGaussian:
      case ShockKind::kStudentT:
      case ShockKind::kGarch:
        return;  // drawn a block at a time by draw_block
      case ShockKind::kQuantGan:
        if (s.next_day >= s.sequence.rows()) generate_sequence(s);
        for (Eigen::Index j = 0; j < e_; ++j) u[j * stride] = s.sequence(s.next_day, j);
        ++s.next_day;
        return;
      case ShockKind::kBootstrap:
        copy_row(static_cast<Eigen::Index>(s.rng.below(static_cast<std::uint64_t>(t_))), u, stride);
        return;
      case ShockKind::kBlockBootstrap:
        if (s.row < 0 || s.rng.uniform() < restart_) {
          s.row = static_cast<std::int64_t>(s.rng.below(static_cast<std::uint64_t>(t_)));
        } else {
          s.row = (s.row + 1) % t_;
        }
        copy_row(s.row, u, stride);
        return;
      case ShockKind::kRegimeBootstrap: {
        const int next = next_regime(s);
        const auto& rows = rows_of_[static_cast<std::size_t>(next)];
        copy_row(rows[static_cast<std::size_t>(s.rng.below(rows.size()))], u, stride);
        return;
      }
    }
  }

 private:
  static constexpr int kMaxInline = 32;
  static constexpr double kGridMax = 12.0;
  static constexpr int kGridPoints = 4800;
  static constexpr double kGridStep = kGridMax / kGridPoints;

  // Tomorrow's regime of a path's chain (from the start regime on its first day).
  int next_regime(DrawState& s) const {
    const int from = s.regime < 0 ? pool_.start_regime : s.regime;
    const double p = s.rng.uniform();
    int next = 0;
    const auto k = cumulative_.cols();
    while (next + 1 < k && p >= cumulative_(from, next)) ++next;
    s.regime = next;
    return next;
  }

  // quantgan: the path's next `horizon_` days at once. The generator's warm-up rows are
  // conditioned on the last historical regimes (on a later call: the path's current regime), the
  // horizon's on the path's regime chain; the noise comes from the path's own stream.
  void generate_sequence(DrawState& s) const {
    const auto& g = *pool_.quantgan;
    const int warm = g.warmup();
    std::vector<int> regime(static_cast<std::size_t>(warm + horizon_), pool_.start_regime);
    if (s.regime < 0) {
      const auto have = std::min<std::size_t>(pool_.regime.size(), static_cast<std::size_t>(warm));
      std::copy(
          pool_.regime.end() - static_cast<std::ptrdiff_t>(have), pool_.regime.end(),
          regime.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(warm) - have));
    } else {
      std::fill(regime.begin(), regime.begin() + warm, s.regime);
    }
    for (int d = 0; d < horizon_; ++d)
      regime[static_cast<std::size_t>(warm) + static_cast<std::size_t>(d)] = next_regime(s);
    Matrix noise(warm + horizon_, g.noise_channels());
    for (Eigen::Index t = 0; t < noise.rows(); ++t) {
      for (Eigen::Index c = 0; c < noise.cols(); ++c) noise(t, c) = s.rng.normal();
    }
    s.sequence = g.generate(noise, regime);
    s.next_day = 0;
  }

  void copy_row(Eigen::Index row, double* u, int stride) const {
    for (Eigen::Index j = 0; j < e_; ++j) u[j * stride] = pool_.residuals(row, j);
  }
  double margin(Eigen::Index j, double x) const {
    // Reached only for student-t shocks, whose constructor branch refuses a pool without a t
    // copula ("shocks: student-t needs a fitted t copula").
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access)
    const auto& m = pool_.copula->margins[static_cast<std::size_t>(j)];
    if (x == 0.0) return 0.0;
    // Through the lower tail, where the distribution function keeps its precision.
    const double p = student_t_cdf(-std::abs(x), nu_);
    const double q = -student_t_quantile(p, m.nu) * m.scale;
    return x > 0 ? q : -q;
  }
  double lookup(Eigen::Index j, double x) const {
    const double a = std::abs(x);
    if (a >= kGridMax) return margin(j, x);  // rare: computed exactly
    const double pos = a * (1.0 / kGridStep);
    const auto k = static_cast<std::size_t>(pos);
    const auto& tab = table_[static_cast<std::size_t>(j)];
    const double v = tab[k] + (pos - static_cast<double>(k)) * (tab[k + 1] - tab[k]);
    return x < 0 ? -v : v;
  }

  const ShockPool& pool_;
  ShockKind kind_;
  int horizon_ = 1;  // quantgan: days generated per call
  Eigen::Index e_ = 0;
  Eigen::Index t_ = 0;
  double restart_ = 0.05;
  Matrix chol_;
  double nu_ = 0;
  std::vector<std::vector<double>> table_{};
  std::vector<std::vector<Eigen::Index>> rows_of_{};
  Matrix cumulative_;
};

// The fitted model flattened for the inner loop: nodes in topological order.
struct Program {
  struct Step {
    int node = 0;
    bool identity = false;
    double a = 0;
    double phi = 0;
    int first = 0;  // into parents/betas
    int count = 0;
    int shock = -1;  // equation index
    const PreparedIntervention* intervention = nullptr;
  };
  std::vector<Step> steps{};
  std::vector<int> parents{};
  std::vector<double> betas{};
};

Program compile(const Fitted& model, const std::vector<PreparedIntervention>& interventions) {
  const auto& g = model.graph;
  Program p;
  for (const int node : topological_order(g)) {
    Program::Step s;
    s.node = node;
    s.first = static_cast<int>(p.parents.size());
    const auto& name = g.nodes[static_cast<std::size_t>(node)];
    for (std::size_t e = 0; e < model.equations.size(); ++e) {
      const auto& f = model.equations[e];
      if (f.node != name) continue;
      s.a = f.intercept;
      s.phi = f.phi;
      s.shock = static_cast<int>(e);
      for (std::size_t k = 0; k < f.parents.size(); ++k) {
        p.parents.push_back(node_index(g, f.parents[k]));
        p.betas.push_back(f.beta[k]);
      }
    }
    for (const auto& id : g.identities) {
      if (id.node != name) continue;
      s.identity = true;
      for (const auto& term : id.terms) {
        p.parents.push_back(node_index(g, term));
        p.betas.push_back(1.0);
      }
    }
    s.count = static_cast<int>(p.parents.size()) - s.first;
    for (const auto& iv : interventions) {
      if (iv.node == node) s.intervention = &iv;
    }
    p.steps.push_back(s);
  }
  return p;
}

// Paths are simulated in blocks of kBlock, each quantity of a block stored contiguously
// ([node][lane]), so that one node's equation is one loop over the block's paths (vectorised)
// instead of a pass through the program per path. A path's arithmetic is the same whichever
// block or thread it falls in.
constexpr int kBlock = 32;

// One day of one world for the m paths of a block: x = today's changes (written), prev =
// yesterday's, level updated; `baseline_level` (the baseline world's levels after today)
// drives intervened nodes. Arrays are [node][kBlock], u is [equation][kBlock].
void step_block(const Program& p, const double* u, const double* prev, double* x, double* level,
                const double* baseline_level, Eigen::Index day, int m) {
  for (const auto& s : p.steps) {
    double* xo = x + static_cast<std::ptrdiff_t>(s.node) * kBlock;
    double* lv = level + static_cast<std::ptrdiff_t>(s.node) * kBlock;
    if (s.intervention && baseline_level && day >= s.intervention->from) {
      const PreparedIntervention::Window* active = nullptr;
      for (const auto& w : s.intervention->windows) {
        if (day >= w.from && day <= w.to) active = &w;
      }
      const double* bl = baseline_level + static_cast<std::ptrdiff_t>(s.node) * kBlock;
      const double shift = active && active->shift ? active->value : 0.0;
      for (int l = 0; l < m; ++l) {
        const double target = active && !active->shift ? active->value : bl[l] + shift;
        xo[l] = target - lv[l];
        lv[l] = target;
      }
      continue;
    }
    if (s.identity) {
      for (int l = 0; l < m; ++l) xo[l] = 0.0;
    } else {
      const double* pv = prev + static_cast<std::ptrdiff_t>(s.node) * kBlock;
      const double* us = u + static_cast<std::ptrdiff_t>(s.shock) * kBlock;
      for (int l = 0; l < m; ++l) xo[l] = s.a + s.phi * pv[l] + us[l];
    }
    for (int k = 0; k < s.count; ++k) {
      const auto at = static_cast<std::size_t>(s.first) + static_cast<std::size_t>(k);
      const double beta = p.betas[at];
      const double* xp = x + static_cast<std::ptrdiff_t>(p.parents[at]) * kBlock;
      for (int l = 0; l < m; ++l) xo[l] += beta * xp[l];
    }
    for (int l = 0; l < m; ++l) lv[l] += xo[l];
  }
}

void parallel_for(int threads, std::int64_t n,
                  const std::function<void(std::int64_t, std::int64_t)>& body) {
  const int t = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(threads, n)));
  if (t == 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i) {
    const std::int64_t lo = n * i / t;
    const std::int64_t hi = n * (i + 1) / t;
    pool.emplace_back([&body, lo, hi] { body(lo, hi); });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

Matrix draw_shocks(const Fitted&, const ShockPool& pool, const SimulationConfig& config,
                   std::uint64_t path, int days) {
  SimulationConfig c = config;
  c.horizon = days;  // quantgan: the whole sequence in one draw
  const Drawer drawer(pool, c);
  DrawState s{.rng = PathRandom(config.seed, path)};
  Matrix out(days, drawer.size());
  std::vector<double> u(static_cast<std::size_t>(drawer.size()));
  double scale = 0;
  for (int d = 0; d < days; ++d) {
    drawer.draw_block(&s, 1, u.data(), 1, &scale);
    for (Eigen::Index j = 0; j < drawer.size(); ++j) out(d, j) = u[static_cast<std::size_t>(j)];
  }
  return out;
}

SimulationResult simulate(const Fitted& model, const Levels& transforms,
                          const SimulationStart& start, const ShockPool& pool,
                          const std::vector<Intervention>& interventions,
                          const SimulationConfig& config) {
  if (config.horizon <= 0)
    throw Error(ErrorCode::kInvalidArgument,
                "--horizon must be positive (got " + std::to_string(config.horizon) + ")");
  if (config.paths <= 0)
    throw Error(ErrorCode::kInvalidArgument,
                "--paths must be positive (got " + std::to_string(config.paths) + ")");
  if (config.paths > kMaxPaths || config.horizon > kMaxHorizon || config.threads < 0 ||
      config.threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument,
                "paths <= " + std::to_string(kMaxPaths) +
                    ", horizon <= " + std::to_string(kMaxHorizon) + " and threads in [0, " +
                    std::to_string(kMaxThreads) + "] (got " + std::to_string(config.paths) + ", " +
                    std::to_string(config.horizon) + ", " + std::to_string(config.threads) + ")");
  }
  const auto& g = model.graph;
  const int n = static_cast<int>(g.nodes.size());
  check_arg(start.changes.size() == n && start.levels.size() == n, "start",
            "needs one change and one level per node");
  check_arg(static_cast<int>(transforms.transform.size()) == n, "levels",
            "needs one transform per node");
  check_arg(pool.residuals.cols() == static_cast<Eigen::Index>(model.equations.size()), "shocks",
            "the pool needs one column per equation");
  const auto prepared = prepare_interventions(g, interventions, transforms, config.horizon);
  const Program program = compile(model, prepared);
  const Drawer drawer(pool, config);
  const int threads = config.threads > 0
                          ? config.threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));

  std::vector<double> start_level(static_cast<std::size_t>(n));
  std::vector<bool> is_log(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    is_log[static_cast<std::size_t>(j)] =
        transforms.transform[static_cast<std::size_t>(j)] == Transform::kLogReturn;
    const double lv = start.levels(j);
    if (is_log[static_cast<std::size_t>(j)] && !(lv > 0)) {
      throw Error(
          ErrorCode::kInvalidArgument,
          "start: node '" + g.nodes[static_cast<std::size_t>(j)] + "' needs a positive level");
    }
    start_level[static_cast<std::size_t>(j)] =
        is_log[static_cast<std::size_t>(j)] ? std::log(lv) : lv;
  }

  const auto paths = static_cast<std::int64_t>(config.paths);
  const auto nn = static_cast<std::size_t>(n);
  const std::int64_t blocks = (paths + kBlock - 1) / kBlock;
  // Per block: prev_b, prev_i, level_b, level_i, each [node][lane]; per path the generator state.
  const std::size_t block_size = 4 * nn * kBlock;
  std::vector<double> state(static_cast<std::size_t>(blocks) * block_size);
  for (std::int64_t b = 0; b < blocks; ++b) {
    double* s = &state[static_cast<std::size_t>(b) * block_size];
    for (std::size_t j = 0; j < nn; ++j) {
      for (std::size_t l = 0; l < kBlock; ++l) {
        s[j * kBlock + l] = s[(nn + j) * kBlock + l] = start.changes(static_cast<Eigen::Index>(j));
        s[(2 * nn + j) * kBlock + l] = s[(3 * nn + j) * kBlock + l] = start_level[j];
      }
    }
  }
  std::vector<DrawState> draws;
  draws.reserve(static_cast<std::size_t>(paths));
  for (std::int64_t p = 0; p < paths; ++p)
    draws.push_back({.rng = PathRandom(config.seed, static_cast<std::uint64_t>(p))});

  SimulationResult out;
  out.horizon = config.horizon;
  out.paths = config.paths;
  out.nodes = n;
  constexpr std::size_t nq = kFanQuantiles.size();
  if (config.fans) {
    for (auto& f : out.fan) f.assign(static_cast<std::size_t>(config.horizon) * nn * nq, 0.0);
  }
  // Days in chunks so that the levels of every path for a few days fit in memory at once.
  const int chunk =
      config.fans ? static_cast<int>(std::clamp<std::int64_t>(4'000'000 / (paths * 2 * n), 1, 16))
                  : config.horizon;
  std::vector<float> buffer;
  for (int day0 = 1; day0 <= config.horizon; day0 += chunk) {
    const int days = std::min(chunk, config.horizon - day0 + 1);
    if (config.fans)
      buffer.assign(static_cast<std::size_t>(days) * nn * 2 * static_cast<std::size_t>(paths),
                    0.0F);
    parallel_for(threads, blocks, [&](std::int64_t lo, std::int64_t hi) {
      const auto e = static_cast<std::size_t>(drawer.size());
      std::vector<double> u(e * kBlock);
      std::vector<double> scale(kBlock);
      std::vector<double> xb(nn * kBlock);
      std::vector<double> xi(nn * kBlock);
      for (std::int64_t b = lo; b < hi; ++b) {
        if (config.stop.stop_requested()) return;
        const std::int64_t p0 = b * kBlock;
        const int m = static_cast<int>(std::min<std::int64_t>(kBlock, paths - p0));
        double* s = &state[static_cast<std::size_t>(b) * block_size];
        double* prev_b = s;
        double* prev_i = s + nn * kBlock;
        double* level_b = s + 2 * nn * kBlock;
        double* level_i = s + 3 * nn * kBlock;
        for (int d = 0; d < days; ++d) {
          const int day = day0 + d;
          drawer.draw_block(&draws[static_cast<std::size_t>(p0)], m, u.data(), kBlock,
                            scale.data());
          step_block(program, u.data(), prev_b, xb.data(), level_b, nullptr, day, m);
          step_block(program, u.data(), prev_i, xi.data(), level_i, level_b, day, m);
          std::copy(xb.begin(), xb.end(), prev_b);
          std::copy(xi.begin(), xi.end(), prev_i);
          if (config.fans) {
            for (std::size_t j = 0; j < nn; ++j) {
              float* to_b = &buffer[((static_cast<std::size_t>(d) * nn + j) * 2) *
                                        static_cast<std::size_t>(paths) +
                                    static_cast<std::size_t>(p0)];
              float* to_i = to_b + paths;
              for (int l = 0; l < m; ++l) {
                to_b[l] = static_cast<float>(level_b[j * kBlock + static_cast<std::size_t>(l)]);
                to_i[l] = static_cast<float>(level_i[j * kBlock + static_cast<std::size_t>(l)]);
              }
            }
          }
        }
      }
    });
    if (config.stop.stop_requested())
      throw Error(ErrorCode::kIoError, "simulation cancelled (time limit)");
    if (!config.fans) continue;
    const auto groups = static_cast<std::int64_t>(days) * n * 2;
    parallel_for(threads, groups, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t gi = lo; gi < hi; ++gi) {
        const auto d = static_cast<std::size_t>(gi / (2 * static_cast<std::int64_t>(n)));
        const auto j = static_cast<std::size_t>((gi / 2) % n);
        const auto sc = static_cast<std::size_t>(gi % 2);
        float* values = &buffer[((d * nn + j) * 2 + sc) * static_cast<std::size_t>(paths)];
        std::array<double, nq> q{};
        quantiles_of(values, static_cast<std::size_t>(paths), kFanQuantiles, q.data());
        auto& fan = out.fan[sc];
        const std::size_t at = ((static_cast<std::size_t>(day0 - 1) + d) * nn + j) * nq;
        for (std::size_t i = 0; i < nq; ++i) fan[at + i] = is_log[j] ? std::exp(q[i]) : q[i];
      }
    });
  }
  out.effect.resize(paths, n);
  for (std::int64_t p = 0; p < paths; ++p) {
    const double* s = &state[static_cast<std::size_t>(p / kBlock) * block_size];
    const auto l = static_cast<std::size_t>(p % kBlock);
    for (std::size_t j = 0; j < nn; ++j) {
      out.effect(p, static_cast<Eigen::Index>(j)) =
          s[(3 * nn + j) * kBlock + l] - s[(2 * nn + j) * kBlock + l];
    }
  }
  return out;
}

std::vector<EffectSummary> summarize_effects(const SimulationResult& result, const Graph& graph,
                                             const Levels& transforms) {
  std::vector<EffectSummary> out;
  for (int j = 0; j < result.nodes; ++j) {
    const bool log = transforms.transform[static_cast<std::size_t>(j)] == Transform::kLogReturn;
    std::vector<double> v(static_cast<std::size_t>(result.effect.rows()));
    for (Eigen::Index p = 0; p < result.effect.rows(); ++p) {
      const double e = result.effect(p, j);
      v[static_cast<std::size_t>(p)] = log ? 100.0 * std::expm1(e) : e;
    }
    EffectSummary s{.node = graph.nodes[static_cast<std::size_t>(j)],
                    .unit = log ? "percent" : "points"};
    double sum = 0;
    for (const double x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    for (std::size_t q = 0; q < kFanQuantiles.size(); ++q)
      s.quantiles[q] = quantile_in_place(v, kFanQuantiles[q]);
    out.push_back(s);
  }
  return out;
}

}  // namespace mre::scm
