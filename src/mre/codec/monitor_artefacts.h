// Monitoring's stored artefacts and JSON (issue 27): the schema entries and row codecs of
// `monitor_run` (one version per `mre monitor` run: its checks) and `effect_stability` (one
// version per effects version, same tag: every effect's rolling estimates and break test), and
// the JSON of a monitor report, its history and a version's stability results.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mre/core/date.h"
#include "mre/monitor/check_result.h"
#include "mre/store/artefact.h"

namespace mre::codec {

// A monitor run: when, on which data date, the settings, every check.
struct MonitorReport {
  std::string version{};  // the stored tag (M_<yyyymmddThhmmss><micros>); empty when not stored
  Date as_of{};           // the date the checks are made at (staleness, model ages)
  Date today{};           // the calendar date of the run (future dates are after it)
  Timestamp created_at{};
  std::string settings{};  // canonical "key: value" lines: the thresholds and windows used
  std::vector<monitor::CheckResult> checks{};
  std::vector<std::string> notes{};  // the rules stated (PSI bins and floor, thresholds, ...)
  monitor::Status status() const;    // the worst check's
  std::size_t count(monitor::Status status) const;
};

const store::ArtefactKind& monitor_run_kind();  // "monitor_run": tables run, checks
store::ArtefactHeader monitor_run_header(const MonitorReport& report);
std::vector<store::ArtefactTable> monitor_run_tables(const MonitorReport& report);
// The report back from its header and tables (notes are not stored).
MonitorReport monitor_run_from(const store::ArtefactHeader& header, const store::ArtefactTable& run,
                               const store::ArtefactTable& checks);

std::string monitor_report_to_json(const MonitorReport& report);
// The same as a document (keys sorted): monitor_report_to_json is its dump(2).
nlohmann::json monitor_report_document(const MonitorReport& report);
// The report as text: a summary line, then one line per check, red first.
std::string monitor_report_to_text(const MonitorReport& report, bool only_failing);

// One line of `mre monitor history`: a stored run's counts.
struct MonitorRunSummary {
  std::string version{};
  Date as_of{};
  Timestamp created_at{};
  monitor::Status status = monitor::Status::kGreen;
  std::size_t red = 0;
  std::size_t amber = 0;
  std::size_t green = 0;
};
std::string monitor_history_to_json(const std::vector<MonitorRunSummary>& runs);

// One effect's stability, as stored with its effects version.
struct StabilityWindow {
  Date from{};
  Date to{};
  double effect = 0.0;
  double se = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
};
struct StabilityCell {
  std::string treatment{};
  std::string outcome{};
  int horizon = 0;
  std::int64_t observations = 0;
  StabilityWindow full{};
  StabilityWindow recent{};
  bool recent_excludes_full = false;
  double sup_wald = 0.0;
  Date sup_wald_peak{};
  Date break_date{};   // least-squares break date
  Date search_from{};  // the trimmed range of break dates searched
  Date search_to{};
  double critical_10 = 0.0;
  double critical_5 = 0.0;
  double critical_1 = 0.0;
  int hac_lag = 0;
  std::vector<StabilityWindow> rolling{};
};
const store::ArtefactKind& effect_stability_kind();  // "effect_stability": tables cells, windows
std::vector<store::ArtefactTable> effect_stability_tables(const std::vector<StabilityCell>& cells);
std::vector<StabilityCell> effect_stability_from(const store::ArtefactTable& cells,
                                                 const store::ArtefactTable& windows);
std::string effect_stability_to_json(const std::string& version,
                                     const std::vector<StabilityCell>& cells);

}  // namespace mre::codec
