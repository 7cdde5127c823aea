// See shock_regimes.h.
#include "mre/scm/shock_regimes.h"

#include <algorithm>
#include <cmath>

#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/regimes/hmm/viterbi.h"

namespace mre::scm {

Matrix standardize_shocks(const Matrix& shocks) {
  Matrix z = shocks;
  for (Eigen::Index e = 0; e < z.cols(); ++e) {
    const double sd = std::sqrt((z.col(e).array() - z.col(e).mean()).square().mean());
    z.col(e) /= sd > 0 ? sd : 1.0;
  }
  return z;
}

ShockRegimes fit_shock_regimes(const Matrix& shocks, const ShockRegimeConfig& config) {
  const Matrix z = standardize_shocks(shocks);
  regimes::hmm::GaussianHmmConfig hc{.n_states = config.regimes,
                                     .covariance = regimes::hmm::CovarianceType::kDiag,
                                     .n_iter = 300,
                                     .tol = 1e-4,
                                     .n_init = 2,
                                     .seed = config.seed};
  const auto hmm = regimes::hmm::fit(z, hc);
  const auto path = regimes::hmm::viterbi(regimes::hmm::log_emission(hmm.params, z),
                                          hmm.params.transition, hmm.params.initial)
                        .path;
  const int k = config.regimes;
  std::vector<double> energy(static_cast<std::size_t>(k), 0.0);
  std::vector<int> count(static_cast<std::size_t>(k), 0);
  for (Eigen::Index t = 0; t < z.rows(); ++t) {
    energy[static_cast<std::size_t>(path[static_cast<std::size_t>(t)])] += z.row(t).squaredNorm();
    ++count[static_cast<std::size_t>(path[static_cast<std::size_t>(t)])];
  }
  std::vector<int> order(static_cast<std::size_t>(k));
  for (int s = 0; s < k; ++s) order[static_cast<std::size_t>(s)] = s;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const auto mean = [&](int s) {
      return count[static_cast<std::size_t>(s)]
                 ? energy[static_cast<std::size_t>(s)] / count[static_cast<std::size_t>(s)]
                 : 1e300;
    };
    return mean(a) < mean(b);
  });
  std::vector<int> rank(static_cast<std::size_t>(k));
  for (int r = 0; r < k; ++r)
    rank[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] = r;
  ShockRegimes out;
  out.path.resize(path.size());
  for (std::size_t t = 0; t < path.size(); ++t)
    out.path[t] = rank[static_cast<std::size_t>(path[t])];
  out.transition.resize(k, k);
  for (int a = 0; a < k; ++a) {
    for (int b = 0; b < k; ++b)
      out.transition(a, b) = hmm.params.transition(order[static_cast<std::size_t>(a)],
                                                   order[static_cast<std::size_t>(b)]);
  }
  for (int r = 0; r < k; ++r)
    out.names.push_back(k == 2 ? (r == 0 ? "calm" : "stressed") : "vol" + std::to_string(r + 1));
  return out;
}

}  // namespace mre::scm
