// How close generated return (or shock) series are to a real one: the evaluation metrics of
// Wiese, Knobloch, Korn & Kretschmer (2020), "Quant GANs: deep generation of financial time
// series", Quantitative Finance 20(9), section 6 (numerical results): the earth mover's distance
// of t-day returns, the Dragulescu-Yakovenko (DY) metric, the ACF score of r, |r| and r^2 and the
// leverage-effect score; plus the excess kurtosis and tail quantiles. Pure kernels on vectors.
//
// Conventions written once here (the paper's prose leaves them open; docs/scm.md says so):
// - t-day returns are sums of t consecutive values over OVERLAPPING windows (n - t + 1 values);
// - several generated paths are POOLED for the distributional metrics (EMD, DY, kurtosis,
//   quantiles) and AVERAGED for the dependence metrics (ACF, leverage), as in the paper's
//   "mean over the generated paths" of the correlation vectors;
// - a lagged correlation is the Pearson correlation of the pairs (x_{t+tau}, y_t), t = 1..n-tau,
//   each side centred on its own mean over those pairs; 0 when either side is constant.
#pragma once

#include <vector>

#include "mre/core/linalg.h"

namespace mre::scm {

// t-day returns: out_k = x_k + ... + x_{k+t-1}, k = 0..n-t.
// InvalidArgument naming 'horizon' when t < 1 or t > n.
Vector lag_returns(const Vector& x, int horizon);

// Wasserstein-1 (earth mover's) distance of two empirical distributions on the line:
// W1(P, Q) = integral |F_P(x) - F_Q(x)| dx (Villani 2009, remark 2.19; what
// scipy.stats.wasserstein_distance computes). REQUIRES: both non-empty.
double wasserstein1(const Vector& a, const Vector& b);

// The DY metric (Wiese et al. 2020 section 6, after Dragulescu & Yakovenko 2002, who fit the
// Heston model by the distance of log densities): DY = sum over bins B of
// |log h_real(x) - log h_gen(x)|, h the histogram densities (count / (n * width)) of the samples,
// each standardised by its own mean and standard deviation. Bins: `bins` equal widths over the
// standardised real sample's [min, max] (a value on the top edge falls in the last bin; generated
// values outside it fall in no bin); bins where either density is 0 are skipped (log 0). REQUIRES:
// bins >= 1, both samples with at least 2 distinct values.
double dy_metric(const Vector& real, const Vector& generated, int bins);

// rho(tau) = Corr(x_{t+tau}, y_t), tau = 1..max_lag (see the conventions above).
// InvalidArgument naming 'max_lag' when it is < 1 or >= n - 1.
Vector lagged_correlation(const Vector& x, const Vector& y, int max_lag);

enum class AcfTransform { kIdentity, kAbsolute, kSquare };
// The ACF score (Wiese et al. 2020 section 6): || C(f(r)) - mean_m C(f(r_m)) ||_2 with
// C(z) = (Corr(z_{t+tau}, z_t))_{tau=1..S}, f the identity, |.| or (.)^2, S = max_lag.
double acf_score(const Vector& real, const std::vector<Vector>& generated, int max_lag,
                 AcfTransform f);
// The leverage-effect score: the same with L(r) = (Corr(r_{t+tau}^2, r_t))_{tau=1..S}.
double leverage_score(const Vector& real, const std::vector<Vector>& generated, int max_lag);

// Excess kurtosis m4 / m2^2 - 3 with population moments (scipy.stats.kurtosis's default).
double excess_kurtosis(const Vector& x);
// Quantile p by linear interpolation between order statistics (type 7, numpy's default).
double sample_quantile(const Vector& x, double p);

struct GeneratorScoreConfig {
  std::vector<int> horizons{1, 5, 20,
                            100};  // EMD and DY of t-day returns (the paper's 1, 5, 20, 100)
  int max_lag = 250;               // S of the ACF and leverage scores (the paper's 250)
  int dy_bins = 50;                // histogram bins of DY
  std::vector<double> tail_probabilities{0.01, 0.05, 0.95, 0.99};
};

struct GeneratorScores {
  std::vector<double> emd{};  // per horizon
  std::vector<double> dy{};   // per horizon
  double acf_r = 0.0;
  double acf_abs = 0.0;
  double acf_squared = 0.0;
  double leverage = 0.0;
  double kurtosis_real = 0.0;
  double kurtosis_generated = 0.0;       // of the pooled generated values
  std::vector<double> quantiles_real{};  // per tail probability
  std::vector<double> quantiles_generated{};
};

// Every metric of `generated` (paths, any lengths) against `real`.
// DataError naming the sample and position for a non-finite value; InvalidArgument naming
// 'horizon' for a horizon that leaves fewer than two t-day returns in the real sample or a
// generated path, 'max_lag' for a lag
// the shortest series cannot hold, 'generated' for no paths.
GeneratorScores score_generator(const Vector& real, const std::vector<Vector>& generated,
                                const GeneratorScoreConfig& config);

}  // namespace mre::scm
