// Distribution drift of a model's inputs (issue 27): the current window of a feature against
// the model's training data. Population stability index, two-sample Kolmogorov-Smirnov, the
// standardised mean shift, and a regime model's fit test (the recent window's log-likelihood
// per observation against windows of the same length in training). Pure; samples must be finite
// (the caller drops missing values), else DataError naming the argument.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace mre::monitor {

// The usual PSI reading (e.g. Siddiqi 2006, "Credit Risk Scorecards", ch. 8; Yurdakul 2018):
// below 0.1 no significant shift, 0.1-0.25 a moderate shift (amber), 0.25 or more a significant
// shift (red).
inline constexpr double kPsiAmber = 0.10;
inline constexpr double kPsiRed = 0.25;
// The mass given to an empty bin, on either side, so that the logarithm is finite.
inline constexpr double kPsiFloor = 1e-4;

// The nine cut points at the training sample's deciles q = 0.1, ..., 0.9, by numpy.quantile's
// default (linear, Hyndman & Fan 1996 type 7), computed as numpy does (virtual index n q - q;
// a + (b - a) t for t < 0.5, b - (b - a)(1 - t) otherwise). REQUIRES >= 2 values.
std::vector<double> decile_edges(std::span<const double> training);

// PSI = sum_b (a_b - e_b) ln(a_b / e_b) over ten bins: bin b holds the values with exactly b cut
// points below them ((-inf, q1], (q1, q2], ..., (q9, inf)); e_b and a_b are the training and
// current shares, an empty bin's share set to kPsiFloor (the others left as they are, so the
// shares may sum to slightly more than 1). REQUIRES >= 2 training values, >= 1 current value.
struct PsiResult {
  double psi = 0.0;
  std::vector<double> expected{};  // training shares per bin (floored)
  std::vector<double> actual{};    // current shares per bin (floored)
  std::size_t floored = 0;         // bins (either side) that were empty
};
PsiResult population_stability_index(std::span<const double> training,
                                     std::span<const double> current);

// Two-sample Kolmogorov-Smirnov: D = sup_x |F_a(x) - F_b(x)| over the empirical CDFs (the value
// scipy.stats.ks_2samp returns), and the asymptotic p-value Q_KS(sqrt(m n / (m + n)) D) with
// Kolmogorov's limit Q_KS(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2) (Kolmogorov 1933;
// scipy.stats.kstwobign.sf). It assumes independent draws: for autocorrelated daily features
// it overstates the evidence, so read D and the PSI rather than the p-value.
struct KsResult {
  double statistic = 0.0;
  double p_value = 1.0;
  double effective_n = 0.0;  // m n / (m + n)
};
KsResult ks_two_sample(std::span<const double> a, std::span<const double> b);
// Kolmogorov's survival function Q_KS(l) = P(K > l); 1 for l <= 0.
double kolmogorov_sf(double lambda);

// (mean(current) - mean(training)) / sd(training), sd with n - 1. REQUIRES >= 2 training values
// with a positive sd (else DataError), >= 1 current value.
double standardised_mean_shift(std::span<const double> training, std::span<const double> current);

// Regime-model fit test: the mean of `recent` per-observation log-likelihoods (log p(y_t |
// y_1..t-1) under the model) against the means of every window of the same length in
// `training`. A model that still describes the data gives a recent mean inside the training
// windows' range; one below all of them describes the recent data worse than any stretch it was
// fitted on. REQUIRES training.size() >= recent.size() >= 1.
struct FitTest {
  double recent_mean = 0.0;
  double training_mean = 0.0;  // over all training observations
  double training_low = 0.0;   // the lowest window mean in training
  double share_below = 0.0;    // share of training windows with a mean below the recent one
  std::size_t windows = 0;
};
FitTest log_likelihood_fit_test(std::span<const double> training, std::span<const double> recent);

}  // namespace mre::monitor
