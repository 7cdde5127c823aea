// Scores of probabilistic class forecasts and the two baselines the attention model is judged
// against (issue 24): the persistence forecast and the Markov transition-matrix forecast. Plain
// C++, no torch.
//
// For N forecasts p_i (C probabilities) of outcomes y_i:
//   log loss    = -(1/N) sum_i log max(p_i,y_i, clip)          (clip 1e-15, as scikit-learn's)
//   Brier score = (1/N) sum_i sum_c (p_i,c - [y_i = c])^2      (Brier 1950, the multi-class form)
//   accuracy    = share of i with argmax_c p_i,c = y_i         (ties: the lowest class)
// Calibration (reliability table, one-vs-rest over every class and forecast, Murphy and Winkler
// 1977): the N*C probabilities in `bins` equal-width bins of [0, 1], each with its count, mean
// forecast probability and observed frequency of the event.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::neural {

struct CalibrationBin {
  double lower = 0.0;
  double upper = 0.0;
  std::size_t count = 0;
  double mean_forecast = 0.0;  // NaN when empty
  double observed = 0.0;       // NaN when empty
};

struct ForecastScores {
  std::string name{};
  std::size_t forecasts = 0;
  double log_loss = 0.0;
  double brier = 0.0;
  double accuracy = 0.0;
  std::vector<CalibrationBin> calibration{};
};

// REQUIRES: p.rows() == outcomes.size() >= 1, outcomes in [0, p.cols()), rows probability vectors
// (InvalidArgument otherwise).
ForecastScores score_forecasts(const std::string& name, const Matrix& p,
                               const std::vector<int>& outcomes, int bins = 10,
                               double clip = 1e-15);

// The maximum-likelihood transition matrix of an observed class path with add-one (Laplace)
// smoothing: counts of (path[j-1], path[j]) over j in [1, end) where both are known (>= 0), plus
// one in every cell, each row normalised. transition(i, j) = P(s_t = j | s_{t-1} = i), as
// core/linalg.h. It is the transition matrix of an HMM whose states are observed.
Matrix observed_transition_matrix(const std::vector<int>& path, int classes, std::size_t end);

// Row `from` of transition^steps (steps >= 1): the Markov forecast of the class `steps` ahead.
Vector markov_forecast(const Matrix& transition, int from, int steps);

}  // namespace mre::neural
