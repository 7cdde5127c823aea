// Walk-forward classification "as known then" (issue 18): every date is labelled by the
// hierarchical classifier retrained on the data strictly before its retrain date (MR-AI-04's
// semi-annual schedule), each retrain's states aligned to the previous retrain's (Hungarian on
// the state means) and re-mapped to labels (MR-AI-05). Nothing at a date depends on later data.
#pragma once

#include <cstddef>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/regimes/hierarchical/classifier.h"
#include "mre/regimes/hmm/gaussian_hmm.h"

namespace mre::regimes::hierarchical {

struct BackfillConfig {
  hmm::GaussianHmmConfig hmm{};  // both HMMs' settings (n_states is set per model: 6 and 3)
  int retrain_every_months = 6;  // MR-AI-04
  int min_train_rows = 504;      // rows before the first retrain (two years of business days)
  // ... and every indicator needs this many present values before it (an HMM cannot be fitted
  // on a column it has never seen).
  int min_column_observations = 60;
  int min_indicators = 5;  // rows with fewer present indicators are not labelled (state carried)
  // The previous retrain's parameters join each retrain's starts (they compete on likelihood).
  // Every retrain's fresh starts run at once as work items; the warm starts then form a chain,
  // one retrain after the other (its two HMMs at once). Without it only the fresh starts run.
  bool warm_start = true;
  int threads = 0;  // 0: the machine's cores; the result does not depend on it (bit for bit)
  // The work items the starts run on (core/work_items.h: MPI ranks); null: `threads` threads
  // here, with progress reports. The result does not depend on it (bit for bit).
  const WorkItems* work_items = nullptr;
  // Mapping hysteresis (remap_states): a retrain keeps the previous retrain's assignment of its
  // aligned states unless the new optimum is cheaper by more than this many RMS z-units per
  // state: a tenth of the 1-sd step between the profiles' targets (docs/classifier.md).
  double mapping_margin = 0.1;
  // Continuity of the fit (issue 18, docs/classifier.md "Fourth pass"): at a warm retrain, a fresh
  // start whose likelihood is higher than the previous retrain's optimum continued on the new
  // rows replaces it only when Vuong's test of the two on the training rows (HAC variance,
  // hmm/model_comparison.h) prefers it at this one-sided level; otherwise the continued optimum
  // is kept, and with it the labels of the past. 1 (the default) takes the highest likelihood
  // always. Not the default: with 0.05 the seeds agree far more often, but the first retrain's
  // mapping is carried to the end and calm years are served as stress (docs/classifier.md).
  double switch_level = 1.0;
  // The first retrain (no warm start to carry) runs every fresh start to convergence instead of
  // screening them: the chain's anchor gets the full multi-start search.
  bool full_first_fit = false;
};

// One retrain: the model serving [date, next retrain's date).
struct BackfillRetrain {
  Date date{};           // first date it serves
  std::size_t rows = 0;  // training rows (all dated before `date`)
  Date trained_from{};
  Date trained_to{};
  HierarchicalModel model{};
  double log_likelihood = 0.0;                  // global HMM
  std::vector<double> start_log_likelihoods{};  // global HMM, every start (the warm start last)
  int starts_at_best = 0;
  int best_start = 0;
  int iterations = 0;  // global HMM EM iterations of the winning start
  // The continuity test at this retrain (global HMM; switch_level): the best fresh start against
  // the continued previous optimum. tested = false when the continued optimum had the higher
  // likelihood (or at the first retrain, or cold); switched = the fresh start replaced it.
  bool switch_tested = false;
  bool switched = false;
  double switch_statistic = 0.0;   // Vuong's z (fresh against continued)
  double switch_difference = 0.0;  // their log-likelihood difference
  bool converged = false;          // global HMM
  bool muni_converged = false;
  // Label churn (issue 18): over the rows before `date` (with enough indicators), the share whose
  // global label filtered by this model differs from the previous model's, both filtering the
  // same rows from their initial distributions. NaN for the first retrain.
  double churn = 0.0;
  std::size_t churn_rows = 0;
};

struct BackfillRow {
  std::size_t row = 0;  // index into the input rows
  std::size_t retrain = 0;
  Classification result{};
};

struct BackfillResult {
  std::vector<BackfillRow> rows;  // the labelled rows in date order (from the first retrain date)
  std::vector<BackfillRetrain> retrains;
};

// The retrain dates: the first date d with min_train_rows rows before it and every indicator
// present min_column_observations times before it, then d + k * retrain_every_months months
// while on or before the last date. DataError when no such first date exists (the training
// window would be empty or lack an indicator), naming what is short.
std::vector<Date> backfill_schedule(const std::vector<Date>& dates, const Matrix& values,
                                    const BackfillConfig& config);

// REQUIRES: dates strictly increasing, one per row of `values` (T x 10, MR-DS-01 order, NaN =
// missing). The labels and probabilities of rows up to any date D are the same, bit for bit,
// whatever rows follow D (tested).
BackfillResult backfill(const std::vector<Date>& dates, const Matrix& values,
                        const BackfillConfig& config);

// How alike two backfills of the same rows and schedule are (other seeds, issue 18): within each
// retrain's period the most-likely global states of the two are matched one-to-one (the Hungarian
// method on their co-occurrence counts); `states` is the share of rows whose states are matched,
// whatever the labels; `labels_where_states_match` the share of those rows with the same label
// (below 1 where the mapping named matched states differently). DataError when the two label other
// rows.
struct StateAgreement {
  double states = 0.0;
  double labels_where_states_match = 0.0;
};
StateAgreement state_agreement(const BackfillResult& a, const BackfillResult& b);

// Trains one component (an HMM on the definition's indicators, its training statistics and
// its mapping); with `previous`, the states are first put in the previous component's order
// (align_states). `extra_starts` join the multi-start EM.
struct TrainedComponent {
  Component component;
  hmm::GaussianHmmFit fit;
};
TrainedComponent train_component(const Matrix& all, const ModelDefinition& definition,
                                 const hmm::GaussianHmmConfig& config, const Component* previous,
                                 const std::vector<hmm::GaussianHmmParams>& extra_starts = {});

}  // namespace mre::regimes::hierarchical
