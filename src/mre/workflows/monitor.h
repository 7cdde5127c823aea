// `mre monitor` (issue 27): whether a store can still be trusted. Small pure checks
// (monitor/series_checks.h, monitor/drift.h, sources::is_stale) over every stored series, every
// served model (the classifier and the newest version of each regime spec) and the newest
// effects version's stored stability; the run is stored (artefact kind monitor_run, appended,
// never overwritten) so `mre monitor history` and the dashboard can say when a check first
// failed. Reads the data it checks and writes nothing but its own run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mre/codec/monitor_artefacts.h"
#include "mre/monitor/series_checks.h"
#include "mre/store/store.h"

namespace mre::workflows {

struct MonitorOptions {
  std::filesystem::path universe_path{};  // config/universe.yml (features/ beside it names model
                                          // inputs); empty: sources::default_universe_path()
  std::optional<Date>
      as_of{};  // default: the data's last date (the newest last date of the universe's
                // series in the store, ignoring ended series and future dates)
  std::optional<Date> today{};  // default: today's UTC date (future dates are after it)
  int drift_window = 63;  // rows of a model's feature panel in the current window, in [10, 2520]
  monitor::RangeConfig
      range{};  // robust range on period-to-period changes (range.recent is set from range_days)
  int range_days =
      92;  // the changes dated within this many days of as_of are checked, in [1, 36500]
  int gap_lookback_days = 365;  // gaps that ended within this many days of as_of, in [1, 36500]
  double revision_threshold = 0.05;  // relative size of a large revision, in (0, 10]
  int revision_lookback_days = 31;  // revisions ingested within this many days of the newest ingest
  double psi_amber = 0.10;          // PSI thresholds, 0 < amber < red <= 10
  double psi_red = 0.25;
  int retrain_warning_days = 30;  // amber this many days before MR-AI-04's due date
  std::string
      classifier_version{};  // empty: the newest classifier (NotFound when named and absent)
  bool persist = true;       // store the run (false: the read-only API)
};

// Throws InvalidArgument naming the option when a setting is out of range.
void validate(const MonitorOptions& options);

// Runs every check; stores the run when options.persist. NotFound for an empty store or a
// named classifier version that does not exist; InvalidArgument for a drift window longer than a
// model's data (naming both).
codec::MonitorReport run_monitor(store::Store& store, const MonitorOptions& options);
// The same, never writing (options.persist ignored): for read-only stores and the API.
codec::MonitorReport check_store(const store::Store& store, const MonitorOptions& options);

// One line for `mre run`'s summary: status, counts, the stale series, the classifier's age.
std::string monitor_summary_line(const codec::MonitorReport& report);

// Stored runs, oldest first.
std::vector<codec::MonitorRunSummary> monitor_history(const store::Store& store);
// A stored run (the newest when `version` is empty); nullopt when none is stored.
std::optional<codec::MonitorReport> stored_monitor_run(const store::Store& store,
                                                       const std::string& version = {});

}  // namespace mre::workflows
