// `mre regimes evaluate` (issue 18): what a stored regime version says about named windows
// (config/regimes/evaluation_windows.yml: crises, calm years, NBER recessions from USREC), its
// agreement with USREC, durations and switches, and, for a classifier backfill, how much its
// labels depend on the EM seed (the backfill recomputed with other seeds) and on each retrain
// (the stored label churn). A report: nothing is stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/store/store.h"
#include "mre/workflows/classify.h"

namespace mre::workflows {

struct EvaluationWindow {
  std::string name{};
  Date from{};
  Date to{};
  bool recession = false;  // derived from USREC
};

struct EvaluationWindows {
  std::vector<EvaluationWindow> windows{};
  std::string recessions{};  // the USREC ticker, or empty
  std::vector<std::string> stress_labels{};
};
// InvalidArgument "PATH:LINE: ..." for unknown keys, bad dates, from after to.
EvaluationWindows load_evaluation_windows(const std::filesystem::path& path);

struct EvaluateOptions {
  std::string version{};
  std::filesystem::path windows_path = "config/regimes/evaluation_windows.yml";
  int seeds =
      5;  // classifier backfills: recompute with this many seeds (the stored one first); 1 = skip
  std::filesystem::path spec_path = "config/classifier/gmr.yml";  // the backfill's classifier spec
  int threads = 0;
};

struct WindowResult {
  EvaluationWindow window{};
  std::size_t dates = 0;         // the version's dates in the window
  std::vector<double> shares{};  // per label (the version's label order)
  double stress_share = 0.0;     // NaN when the version has none of the stress labels
};

struct SeedRun {
  std::uint64_t seed = 0;
  double agreement_with_first =
      0.0;  // share of common dates with the same label as the stored seed
  // Per retrain, the global HMM's best log-likelihood minus the stored seed's (why seeds differ:
  // another optimum, higher or lower).
  std::vector<double> log_likelihood_gaps{};
  // Whether the two seeds split the dates alike, whatever the names: within each retrain's
  // period the most-likely global states of the two are matched one-to-one (the Hungarian method
  // on their co-occurrence counts), and this is the share of dates whose states are matched.
  double state_agreement_with_first = 0.0;
  // Of those dates, the share with the same label: below 1 where matched states were given other
  // names (the mapping, not the fit, is what differs).
  double label_agreement_where_states_match = 0.0;
};

struct RegimeEvaluation {
  std::string version{};
  std::string kind{};
  std::vector<std::string> labels{};
  Date first{};
  Date last{};
  std::size_t dates = 0;
  std::vector<WindowResult> windows{};
  std::vector<std::string> skipped{};  // recession windows outside the version's dates
  std::vector<double> label_shares{};  // over all dates
  // The windows file's stress labels this version carries (in its label order), those it lacks
  // (a windows file serves versions of every kind: a jump model's labels are not the
  // classifier's), and the stress share over all dates (NaN when it carries none).
  std::vector<std::string> stress_labels{};
  std::vector<std::string> stress_labels_absent{};
  double all_stress_share = 0.0;
  // USREC (monthly, each date takes its month's value): per label, the share of its dates in a
  // recession; and, when stress labels exist, the share of dates where "a stress label" equals
  // "in a recession".
  std::string recession_series{};  // the windows file's `recessions:` ticker (USREC by default)
  std::size_t usrec_dates = 0;
  std::vector<double> recession_share_by_label{};
  std::optional<double> usrec_agreement{};
  std::vector<double> mean_duration{};  // per label: mean run length in dates (business days)
  double overall_mean_duration = 0.0;
  double switches_per_year = 0.0;
  // Classifier backfills only.
  std::vector<SeedRun> seed_runs{};
  std::optional<double>
      all_seeds_agree{};  // share of common dates where every seed gives the same label
  // The stored seed recomputed by today's code: the share of stored dates it labels as stored
  // (below 1: the stored version came from other code, and the seed figures compare the two).
  std::optional<double> stored_seed_reproduced{};
  std::vector<double> churn{};  // per retrain after the first
  // Per retrain after the first: whether the mapping gave some aligned state another label than
  // the previous retrain did (a relabelling, as opposed to moved parameters).
  std::vector<bool> relabelled{};
  std::vector<std::string> churn_dates{};
  std::size_t refits = 0;
  std::size_t refits_at_limit = 0;
  // Retrains whose mapping kept the previous assignment within the margin (remap_states).
  std::size_t kept_mapping = 0;
};

// NotFound for an unknown version; InvalidArgument for a window outside the version's dates
// (naming it), seeds < 1, or a backfill spec that is not the one the version was computed with.
RegimeEvaluation evaluate_regimes(const store::Store& store, const EvaluateOptions& options);

// The options a stored classifier backfill was computed with (to recompute it with other seeds),
// from its stored canonical text and options.spec_path. DataError when the stored text lacks a
// backfill setting (a version stored before that setting existed: it names the setting and says
// to re-run the backfill); InvalidArgument when the spec file is not the one it was computed with.
BackfillOptions stored_backfill_options(const store::RegimeModel& model,
                                        const EvaluateOptions& options);

}  // namespace mre::workflows
