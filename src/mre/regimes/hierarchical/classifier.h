// The hierarchical classifier (seed 003): a global macro Gaussian HMM over the ten MR-DS-01
// indicators and a MUNI HMM over two of them, each with its state-to-label mapping, applied
// one observation at a time by the HMM forward step (MR-IMPL-05). Real-time and historical
// classification both call Classifier::classify, so they agree bit for bit.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "mre/core/linalg.h"
#include "mre/regimes/hierarchical/mapping.h"
#include "mre/regimes/hierarchical/profiles.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::regimes::hierarchical {

struct Component {
  ModelDefinition definition{};
  hmm::GaussianHmmParams params{};
  GlobalStatistics stats{};  // of the training data, per indicator (MR-IMPL-03 step 1)
  StateMapping mapping{};
};

struct HierarchicalModel {
  Component global{};  // indicators = mr_ds_01_indicators()
  Component muni{};    // indicators = mmd_ust_ratio_10y, muni_fund_flows_net
  DistressCondition condition{};
};

// Filtered state probabilities P(s_t | y_1..t) of both HMMs after an observation: what is
// carried to the next one.
struct FilterState {
  Vector global;
  Vector muni;
};

inline constexpr int kMaxStates = 16;
inline constexpr int kMaxIndicators = 32;

struct ComponentOutput {
  std::array<double, kMaxStates> states{};  // filtered state probabilities (K used)
  std::array<double, kMaxStates> labels{};  // label probabilities in MR-DS-02 order (K used)
  int n = 0;
  int label = 0;            // argmax of `labels` (MR-MF-01)
  double confidence = 0.0;  // max of `labels` (MR-MF-01)
  int indicators_used = 0;  // of the component's indicators, those present (the rest marginalised)
};

struct Classification {
  ComponentOutput global{};
  ComponentOutput muni{};  // always computed, so the MUNI filter runs on every observation
  // MR-BR-03 on this observation's own z-scores (training statistics): when false, the
  // probability of the state mapped to Idiosyncratic_Distress counts toward that state's
  // next-best label instead.
  bool distress_condition_met = false;
  double vix = 0.0;
  std::string_view volatility_regime{};  // MR-BR-07
};

class Classifier {
 public:
  // Validates shapes (K = number of labels, indicator lists) and prepares the emission
  // densities (inverse Cholesky factors) once.
  explicit Classifier(const HierarchicalModel& model);

  // `values`: the ten MR-DS-01 indicators in mr_ds_01_indicators() order; NaN marks a missing
  // indicator, which is marginalised: the emission density is the Gaussian marginal of the
  // present ones (a component with none present only propagates its state by the transition).
  // Complete rows take the unchanged fast path.
  // `previous`: the filtered state after the previous observation, or nullptr to start from
  // each HMM's initial distribution. Writes the new filtered state to `next` (may alias
  // `previous`).
  Classification classify(const double* values, const FilterState* previous,
                          FilterState& next) const;

  // The labels of given filtered state probabilities (e.g. the state carried at the end of
  // training); `values` as above, NaN allowed (a NaN fails the MR-BR-03 check; VIX NaN gives
  // no volatility bucket).
  Classification labels_of(const FilterState& state, const double* values) const;

  const HierarchicalModel& model() const { return model_; }

  // The per-model constants of the forward step (public for the step kernel in the .cc).
  struct Prepared {
    int K = 0;
    int D = 0;
    std::vector<int> columns;         // positions of the component's indicators in `values`
    std::vector<double> inverse_l;    // K blocks of D x D, column-major, lower triangular
    std::vector<double> means;        // K x D
    std::vector<double> normaliser;   // K: -(D log 2 pi + log det Sigma_k) / 2
    std::vector<Matrix> covariances;  // K of D x D, for rows with a missing indicator
    std::vector<double> transition;   // K x K row-major, A(i, j) = P(j | i)
    std::vector<double> initial;      // K
    std::vector<int> serving;         // label of each state
    std::vector<int> fallback;        // next-best label of each state
    int distress_state = -1;          // the state serving Idiosyncratic_Distress, or -1
  };

 private:
  static Prepared prepare(const Component& component,
                          const std::vector<std::string>& all_indicators);
  static void step(const Prepared& p, const double* values, const Vector* previous, Vector& next,
                   ComponentOutput& out);
  void finish(const double* values, Classification& out) const;

  HierarchicalModel model_;
  Prepared global_;
  Prepared muni_;
  int vix_column_ = 0;
  int ratio_column_ = 0;
  int flows_column_ = 0;
  int high_yield_column_ = 0;
};

}  // namespace mre::regimes::hierarchical
