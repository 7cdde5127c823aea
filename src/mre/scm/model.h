// A fitted SCM together with what it was fitted on: the form an `mre scm fit` version is
// stored in (codec/scm_json.h), so counterfactuals and scenarios reproduce from the version
// alone, whatever has been ingested since.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/core/linalg.h"
#include "mre/scm/scm.h"
#include "mre/scm/student_t.h"

namespace mre::scm {

struct FittedScm {
  Fitted fitted{};
  Levels levels{};                     // per node: transform, level on dates[0]
  std::vector<std::string> mapping{};  // per node: where its data came from (text)
  std::vector<Date> dates{};           // one per row of `changes`
  Matrix changes;                      // T x N, graph.nodes order
  // Regimes of the shocks (the regime-conditional bootstrap): a Gaussian HMM on the
  // standardised shock vectors; one label per row (row 0: the label of row 1).
  std::vector<int> regime{};
  Matrix transition;
  std::vector<std::string> regime_names{};
  TCopula copula{};  // of the whole window's shocks, for display
  // The graph check at fit time (scm/check.h, Holm at 5%): one line per rejected implication or
  // residual correlation; counterfactuals and scenarios from this version carry a warning.
  std::vector<std::string> rejected{};
  // Edges the spec added to the graph, "FROM -> TO: justification".
  std::vector<std::string> added_edges{};
  // Regime-dependent transmission (spec `regime_dependent: true`): the regime version read, its
  // labels, each row's regime probabilities (the version's filtered probabilities as of the row's
  // date), the observed path (the most likely regime of each row), the transition matrix counted
  // on that path, and each regime's equations (weighted least squares: scm/regime_dependent.h).
  struct RegimeTransmission {
    std::string version{};
    std::vector<std::string> labels{};
    Matrix probabilities;
    std::vector<int> path{};
    Matrix transition;
    std::vector<Fitted> fits{};
    std::vector<std::string>
        dropped{};  // the version's regimes with too few days here (not estimated)
  };
  std::optional<RegimeTransmission> regime_dependent{};
  // Identified policy shocks (spec `identified_shock`): the node whose shock on announcement days
  // is abducted from the surprise series, and the surprise on each announcement row.
  struct IdentifiedShock {
    std::string node{};
    std::string series{};
    std::vector<int> rows{};         // rows of `changes` with an announcement (increasing)
    std::vector<double> surprise{};  // the surprise on each of them, in the node's units
  };
  std::optional<IdentifiedShock> identified{};
};

}  // namespace mre::scm
