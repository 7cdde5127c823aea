// See shock_generators.h.
#include "mre/workflows/shock_generators.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

#include "mre/core/error.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/hmm/viterbi.h"
#include "mre/scm/garch.h"
#include "mre/scm/simulate.h"
#include "mre/scm/student_t.h"
#include "mre/sources/csv_files.h"
#include "mre/sources/universe.h"

namespace mre::workflows {

namespace {

// One of the simulator's generators (scm/simulate.h) fitted on the training shocks: the very
// draws `scm simulate --shocks NAME` makes.
TrainedGenerator pool_sampler(scm::ShockKind kind, const TrainingShocks& t) {
  auto pool = std::make_shared<scm::ShockPool>();
  TrainedGenerator out;
  pool->residuals = t.residuals;
  if (kind == scm::ShockKind::kStudentT) pool->copula = scm::fit_t_copula(t.residuals);
  if (kind == scm::ShockKind::kGarch) {
    pool->garch = scm::fit_garch_shocks(t.residuals);
    for (std::size_t j = 0; j < pool->garch->margins.size(); ++j) {
      const auto& m = pool->garch->margins[j];
      const double persistence = m.params.alpha + m.params.beta;
      if (persistence > 0.999 || !m.converged) {
        out.notes.push_back(fmt::format(
            "{}: alpha {:.3f}, beta {:.3f}{}{}",
            j < t.series.size() ? t.series[j] : std::to_string(j), m.params.alpha, m.params.beta,
            persistence > 0.999
                ? " (alpha + beta at its bound 1: integrated, no variance to revert to)"
                : "",
            m.converged ? "" : " (the optimiser did not converge)"));
      }
    }
  }
  if (kind == scm::ShockKind::kQuantGan) {
    const auto model = neural::train_quant_gan(t.residuals, t.regime,
                                               static_cast<int>(t.transition.rows()), t.quantgan);
    pool->quantgan = std::make_shared<const neural::QuantGanGenerator>(model);
    pool->regime = t.regime;
    pool->transition = t.transition;
    pool->start_regime = t.last_regime;
    out.notes.push_back(fmt::format(
        "quantgan: hidden {}, receptive field {}, {} steps in {:.1f} s, last critic loss {:.4f}",
        t.quantgan.hidden, neural::receptive_field(t.quantgan), t.quantgan.steps, model.seconds,
        model.critic_loss.empty() ? 0.0 : model.critic_loss.back()));
  }
  if (kind == scm::ShockKind::kRegimeBootstrap) {
    pool->regime = t.regime;
    pool->transition = t.transition;
    pool->start_regime = t.last_regime;
  }
  const double mean_block = t.mean_block;
  out.sample = [pool, kind, mean_block](std::uint64_t seed, std::uint64_t path, int days) {
    const scm::SimulationConfig c{.seed = seed, .shocks = kind, .mean_block = mean_block};
    return scm::draw_shocks(scm::Fitted{}, *pool, c, path, days);
  };
  return out;
}

template <scm::ShockKind kKind>
TrainedGenerator train_pool(const TrainingShocks& t) {
  return pool_sampler(kKind, t);
}

// Regimes of a shock sample as `mre scm fit` finds them: a diagonal Gaussian HMM on the
// standardised vectors, Viterbi path, states ordered by mean squared shock (calm first).
void hmm_regimes(TrainingShocks& t, std::uint64_t seed) {
  Matrix z = t.residuals;
  for (Eigen::Index e = 0; e < z.cols(); ++e) {
    const double sd = std::sqrt((z.col(e).array() - z.col(e).mean()).square().mean());
    z.col(e) /= sd > 0 ? sd : 1.0;
  }
  constexpr int k = 2;
  const regimes::hmm::GaussianHmmConfig hc{.n_states = k,
                                           .covariance = regimes::hmm::CovarianceType::kDiag,
                                           .n_iter = 300,
                                           .tol = 1e-4,
                                           .n_init = 2,
                                           .seed = seed};
  const auto hmm = regimes::hmm::fit(z, hc);
  const auto path = regimes::hmm::viterbi(regimes::hmm::log_emission(hmm.params, z),
                                          hmm.params.transition, hmm.params.initial)
                        .path;
  std::array<double, k> energy{};
  std::array<int, k> count{};
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    energy[static_cast<std::size_t>(path[static_cast<std::size_t>(r)])] += z.row(r).squaredNorm();
    ++count[static_cast<std::size_t>(path[static_cast<std::size_t>(r)])];
  }
  const auto mean = [&](int s) {
    return count[static_cast<std::size_t>(s)]
               ? energy[static_cast<std::size_t>(s)] / count[static_cast<std::size_t>(s)]
               : 1e300;
  };
  const bool swap = mean(0) > mean(1);
  const auto rank = [&](int s) { return swap ? 1 - s : s; };
  t.regime.clear();
  for (const int s : path) t.regime.push_back(rank(s));
  t.transition.resize(k, k);
  for (int a = 0; a < k; ++a) {
    for (int b = 0; b < k; ++b) t.transition(rank(a), rank(b)) = hmm.params.transition(a, b);
  }
  t.last_regime = t.regime.back();
}

scm::GeneratorScores mean_scores(const std::vector<scm::GeneratorScores>& v) {
  scm::GeneratorScores m = v.front();
  const auto n = static_cast<double>(v.size());
  const auto average = [&](auto member) {
    double sum = 0;
    for (const auto& s : v) sum += s.*member;
    m.*member = sum / n;
  };
  const auto average_list = [&](auto member) {
    for (std::size_t i = 0; i < (m.*member).size(); ++i) {
      double sum = 0;
      for (const auto& s : v) sum += (s.*member)[i];
      (m.*member)[i] = sum / n;
    }
  };
  average(&scm::GeneratorScores::acf_r);
  average(&scm::GeneratorScores::acf_abs);
  average(&scm::GeneratorScores::acf_squared);
  average(&scm::GeneratorScores::leverage);
  average(&scm::GeneratorScores::kurtosis_real);
  average(&scm::GeneratorScores::kurtosis_generated);
  average_list(&scm::GeneratorScores::emd);
  average_list(&scm::GeneratorScores::dy);
  average_list(&scm::GeneratorScores::quantiles_real);
  average_list(&scm::GeneratorScores::quantiles_generated);
  return m;
}

void check_options(const GeneratorEvaluationOptions& o) {
  if (!(o.train_fraction > 0 && o.train_fraction < 1)) {
    throw Error(ErrorCode::kInvalidArgument, "--train-fraction must be in (0, 1) (got " +
                                                 std::to_string(o.train_fraction) + ")");
  }
  if (o.paths < 1 || o.paths > 10'000)
    throw Error(ErrorCode::kInvalidArgument,
                "--paths must be in [1, 10000] (got " + std::to_string(o.paths) + ")");
  for (const auto& name : o.generators) {
    const auto& all = shock_generators();
    if (std::none_of(all.begin(), all.end(), [&](const auto& g) { return g.name == name; })) {
      std::string names;
      for (const auto& g : all) names += (names.empty() ? "" : ", ") + g.name;
      throw Error(ErrorCode::kInvalidArgument,
                  "--generator: unknown generator '" + name + "' (" + names + ")");
    }
  }
}

// The common part: split, train every generator, draw, score. `scale` divides each column
// (real and generated alike); `regimes` fills the training regimes when the caller has none.
GeneratorEvaluation evaluate(GeneratorEvaluation out, const std::vector<Date>& dates,
                             const Matrix& shocks, const RowVector* scale,
                             TrainingShocks training_template, bool fit_regimes,
                             const GeneratorEvaluationOptions& o) {
  check_options(o);
  const auto n = shocks.rows();
  for (Eigen::Index t = 0; t < n; ++t) {
    for (Eigen::Index j = 0; j < shocks.cols(); ++j) {
      if (!std::isfinite(shocks(t, j))) {
        throw Error(ErrorCode::kDataError, "generators evaluate: the shock of '" +
                                               out.series[static_cast<std::size_t>(j)] + "' on " +
                                               dates[static_cast<std::size_t>(t)].iso() +
                                               " is not finite");
      }
    }
  }
  const auto train =
      static_cast<Eigen::Index>(std::floor(o.train_fraction * static_cast<double>(n)));
  if (train < kMinTrainingDays) {
    throw Error(ErrorCode::kDataError, "generators evaluate: the training window has " +
                                           std::to_string(train) + " days (" + std::to_string(n) +
                                           " x train fraction " + std::to_string(o.train_fraction) +
                                           "); the generators need at least " +
                                           std::to_string(kMinTrainingDays));
  }
  const auto test = n - train;
  if (test < 2)
    throw Error(ErrorCode::kDataError,
                "generators evaluate: no held-out days after the training window");
  out.train_days = static_cast<int>(train);
  out.test_days = static_cast<int>(test);
  out.train_first = dates.front();
  out.train_last = dates[static_cast<std::size_t>(train - 1)];
  out.test_first = dates[static_cast<std::size_t>(train)];
  out.test_last = dates.back();
  out.paths = o.paths;
  out.seed = o.seed;
  out.scores = o.scores;

  TrainingShocks t = std::move(training_template);
  t.series = out.series;
  t.quantgan = o.quantgan;
  t.quantgan.seed = o.seed;
  t.residuals = shocks.topRows(train);
  if (fit_regimes) {
    hmm_regimes(t, o.seed);
  } else {
    t.regime.resize(static_cast<std::size_t>(train));
    t.last_regime = t.regime.back();
  }
  const auto column = [&](const Matrix& m, Eigen::Index j) -> Vector {
    return scale ? Vector(m.col(j) / (*scale)(j)) : Vector(m.col(j));
  };
  // Horizons and lags are checked on the held-out days before any generator trains.
  {
    const Vector real = column(shocks.bottomRows(test), 0);
    scm::score_generator(real, {real}, o.scores);
  }
  for (const auto& g : shock_generators()) {
    if (!o.generators.empty() &&
        std::find(o.generators.begin(), o.generators.end(), g.name) == o.generators.end())
      continue;
    const TrainedGenerator trained = g.train(t);
    std::vector<Matrix> drawn;
    drawn.reserve(static_cast<std::size_t>(o.paths));
    for (int p = 0; p < o.paths; ++p)
      drawn.push_back(
          trained.sample(o.seed, static_cast<std::uint64_t>(p), static_cast<int>(test)));
    GeneratorEvaluation::Row row{.generator = g.name, .notes = trained.notes};
    for (Eigen::Index j = 0; j < shocks.cols(); ++j) {
      std::vector<Vector> paths;
      paths.reserve(drawn.size());
      for (const auto& d : drawn) paths.push_back(column(d, j));
      row.per_series.push_back(
          scm::score_generator(column(shocks.bottomRows(test), j), paths, o.scores));
    }
    row.mean = mean_scores(row.per_series);
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace

const std::vector<ShockGeneratorEntry>& shock_generators() {
  static const std::vector<ShockGeneratorEntry> registry = {
      {"gaussian", train_pool<scm::ShockKind::kGaussian>},
      {"student-t", train_pool<scm::ShockKind::kStudentT>},
      {"bootstrap", train_pool<scm::ShockKind::kBootstrap>},
      {"block-bootstrap", train_pool<scm::ShockKind::kBlockBootstrap>},
      {"regime-bootstrap", train_pool<scm::ShockKind::kRegimeBootstrap>},
      {"garch", train_pool<scm::ShockKind::kGarch>},
  };
  // quantgan only in a build with LibTorch (neural/quant_gan.h).
  static const std::vector<ShockGeneratorEntry> with_quantgan = [] {
    auto all = registry;
    if (neural::torch_available())
      all.push_back({"quantgan", train_pool<scm::ShockKind::kQuantGan>});
    return all;
  }();
  return with_quantgan;
}

GeneratorEvaluation evaluate_scm_generators(const std::string& version, const scm::FittedScm& m,
                                            const GeneratorEvaluationOptions& options) {
  const auto& g = m.fitted.graph;
  const Matrix u = scm::abduct(m.fitted, m.changes);
  const auto rows = u.rows();
  const auto e_count = static_cast<Eigen::Index>(g.equations.size());
  Matrix shocks(rows - 1, e_count);
  GeneratorEvaluation out;
  out.data = "scm version " + version + ": the abducted shocks of its " + std::to_string(e_count) +
             " equations";
  out.units = "each node's shocks divided by their standard deviation on the training days";
  for (Eigen::Index e = 0; e < e_count; ++e) {
    const auto& node = g.equations[static_cast<std::size_t>(e)].node;
    shocks.col(e) = u.col(scm::node_index(g, node)).tail(rows - 1);
    out.series.push_back(node);
  }
  const std::vector<Date> dates(m.dates.begin() + 1, m.dates.end());
  TrainingShocks t;
  t.transition = m.transition;
  // The version's regime of each shock row (row 0 of the data has no shock).
  const auto train =
      static_cast<Eigen::Index>(std::floor(options.train_fraction * static_cast<double>(rows - 1)));
  for (Eigen::Index r = 0; r < std::max<Eigen::Index>(train, 0); ++r)
    t.regime.push_back(m.regime[static_cast<std::size_t>(r + 1)]);
  check_options(options);
  RowVector scale(e_count);
  const auto train_rows = std::max<Eigen::Index>(train, 2);
  for (Eigen::Index e = 0; e < e_count; ++e) {
    const auto col = shocks.col(e).head(std::min(train_rows, shocks.rows()));
    const double sd = std::sqrt((col.array() - col.mean()).square().mean());
    scale(e) = sd > 0 && std::isfinite(sd) ? sd : 1.0;
  }
  return evaluate(std::move(out), dates, shocks, &scale, std::move(t), false, options);
}

std::filesystem::path default_sp500_path() {
  return sources::default_universe_path().parent_path().parent_path() / "data" / "snapshot" /
         "yahoo" / "GSPC.csv";
}

GeneratorEvaluation evaluate_series_generators(const std::filesystem::path& path, Date first,
                                               Date last,
                                               const GeneratorEvaluationOptions& options) {
  const TimeSeries prices = sources::load_series_file(path, "GSPC", "close");
  std::vector<Date> dates;
  std::vector<double> returns;
  const auto& d = prices.dates();
  const auto& v = prices.values();
  for (std::size_t i = 1; i < d.size(); ++i) {
    if (d[i - 1] < first || d[i] > last) continue;
    dates.push_back(d[i]);
    returns.push_back(std::log(v[i] / v[i - 1]));
  }
  if (dates.empty()) {
    throw Error(ErrorCode::kDataError,
                path.string() + ": no closes between " + first.iso() + " and " + last.iso());
  }
  Matrix shocks(static_cast<Eigen::Index>(returns.size()), 1);
  for (std::size_t i = 0; i < returns.size(); ++i)
    shocks(static_cast<Eigen::Index>(i), 0) = returns[i];
  GeneratorEvaluation out;
  out.data = "S&P 500 daily log returns (close of " + path.filename().string() + "), " +
             dates.front().iso() + ".." + dates.back().iso();
  out.units = "log returns (not rescaled)";
  out.series = {"SP500"};
  return evaluate(std::move(out), dates, shocks, nullptr, TrainingShocks{}, true, options);
}

}  // namespace mre::workflows
