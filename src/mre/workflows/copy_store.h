// Moving a whole store to another backend (`mre db copy`), and per-table row counts and
// checksums that show two stores hold the same data whatever the backend.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mre/store/store.h"

namespace mre::workflows {

// One logical table: its rows and a checksum (FNV-1a 64 over a canonical text of every row, in
// the store's canonical order), equal across backends for equal contents.
struct TableSummary {
  std::string table{};
  std::size_t rows = 0;
  std::string checksum{};
};

// Every table of the store: series, raw_series, series_ingests, ingests, feature_versions,
// feature_columns, features, regime_models, regimes_global, classifier_models,
// classifier_approvals, classifier_states, effect_versions, causal_effects, scm_models,
// scenario_runs, scenarios, artefact_versions (the generic artefacts' headers, inputs included),
// then one entry per generic artefact table (<kind>_<table>), kinds by name.
std::vector<TableSummary> summarize_store(const store::Store& store);

// Two stores' summaries side by side, paired by table name (a table in one store only has no
// summary on the other side); source order, then the target's own tables.
struct TableComparison {
  std::string table{};
  std::optional<TableSummary> source{};
  std::optional<TableSummary> target{};
  bool same() const;
};
std::vector<TableComparison> compare_tables(const std::vector<TableSummary>& source,
                                            const std::vector<TableSummary>& target);

struct CopyReport {
  std::vector<TableSummary> source{};
  std::vector<TableSummary> target{};
  std::size_t versions_copied =
      0;  // feature, regime, classifier, effects, SCM, generic versions and scenarios written
  std::size_t versions_present = 0;  // already in the target, identical
  bool raw_copied = false;           // false when the target already held the same raw history
  bool equal() const;
};

// Copies everything `from` holds into `to`: the raw history verbatim (ingest times included),
// then every version with its rows. Each piece is one transaction in the target; a piece the
// target already holds identically is skipped, so an interrupted copy can be run again.
// Throws InvalidArgument, before writing anything, when the target holds different raw series
// or a version the source does not hold (the target must be empty or a partial copy of the
// source); and when it holds a different version under the same tag (nothing of that piece is
// written).
CopyReport copy_store(const store::Store& from, store::Store& to);

}  // namespace mre::workflows
