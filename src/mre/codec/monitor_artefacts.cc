// Monitoring's artefact rows and JSON (monitor_artefacts.h).
#include "mre/codec/monitor_artefacts.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mre/core/error.h"

namespace mre::codec {
namespace {

using store::Cell;
using store::ColumnType;
using json = nlohmann::json;

Cell optional_date(const std::optional<Date>& d) { return d ? Cell{*d} : Cell{}; }
std::optional<Date> date_of(const Cell& c) {
  if (std::holds_alternative<Date>(c)) return std::get<Date>(c);
  return std::nullopt;
}
std::string text_of(const Cell& c) {
  return std::holds_alternative<std::string>(c) ? std::get<std::string>(c) : "";
}
double real_of(const Cell& c) {
  return std::holds_alternative<double>(c) ? std::get<double>(c)
                                           : std::numeric_limits<double>::quiet_NaN();
}
std::int64_t int_of(const Cell& c) {
  return std::holds_alternative<std::int64_t>(c) ? std::get<std::int64_t>(c) : 0;
}
Date required_date(const Cell& c, const char* what) {
  const auto d = date_of(c);
  if (!d)
    throw Error(ErrorCode::kDataError,
                std::string("stored monitoring row: '") + what + "' is not a date");
  return *d;
}

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json date_json(const std::optional<Date>& d) { return d ? json(d->iso()) : json(nullptr); }

json check_json(const monitor::CheckResult& c) {
  return {{"subject", c.subject},
          {"check", c.check},
          {"status", monitor::status_name(c.status)},
          {"value", number(c.value)},
          {"figure", c.figure},
          {"detail", c.detail},
          {"failing_since", date_json(c.failing_since)},
          {"first_failed", date_json(c.first_failed)}};
}

}  // namespace

monitor::Status MonitorReport::status() const {
  monitor::Status s = monitor::Status::kGreen;
  for (const auto& c : checks) s = monitor::worst(s, c.status);
  return s;
}

std::size_t MonitorReport::count(monitor::Status status) const {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(),
                    [&](const monitor::CheckResult& c) { return c.status == status; }));
}

const store::ArtefactKind& monitor_run_kind() {
  static const store::ArtefactKind kind{"monitor_run",
                                        {{"run",
                                          {{"as_of", ColumnType::kDate},
                                           {"today", ColumnType::kDate},
                                           {"status", ColumnType::kText},
                                           {"red", ColumnType::kInteger},
                                           {"amber", ColumnType::kInteger},
                                           {"green", ColumnType::kInteger}}},
                                         {"checks",
                                          {{"subject", ColumnType::kText, true},
                                           {"check_name", ColumnType::kText, true},
                                           {"status", ColumnType::kText},
                                           {"value", ColumnType::kReal},
                                           {"figure", ColumnType::kText},
                                           {"detail", ColumnType::kText},
                                           {"failing_since", ColumnType::kDate},
                                           {"first_failed", ColumnType::kDate}}}}};
  return kind;
}

store::ArtefactHeader monitor_run_header(const MonitorReport& report) {
  store::ArtefactHeader h;
  h.version = report.version;
  h.spec_name = "monitor";
  h.spec_text = report.settings;
  // A run is its own version: the hash binds the tag to this run's settings and time.
  std::uint64_t hash = 1469598103934665603ULL;
  for (const char c : report.settings + report.created_at.iso()) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  std::ostringstream hex;
  hex << std::hex << hash;
  h.spec_hash = hex.str();
  h.created_at = report.created_at;
  return h;
}

std::vector<store::ArtefactTable> monitor_run_tables(const MonitorReport& report) {
  store::ArtefactTable run{"run", {}};
  run.rows.push_back({report.as_of, report.today,
                      std::string(monitor::status_name(report.status())),
                      static_cast<std::int64_t>(report.count(monitor::Status::kRed)),
                      static_cast<std::int64_t>(report.count(monitor::Status::kAmber)),
                      static_cast<std::int64_t>(report.count(monitor::Status::kGreen))});
  store::ArtefactTable checks{"checks", {}};
  for (const auto& c : report.checks) {
    checks.rows.push_back({c.subject, c.check, std::string(monitor::status_name(c.status)),
                           std::isfinite(c.value) ? Cell{c.value} : Cell{}, c.figure, c.detail,
                           optional_date(c.failing_since), optional_date(c.first_failed)});
  }
  return {run, checks};
}

MonitorReport monitor_run_from(const store::ArtefactHeader& header, const store::ArtefactTable& run,
                               const store::ArtefactTable& checks) {
  MonitorReport out;
  out.version = header.version;
  out.created_at = header.created_at;
  out.settings = header.spec_text;
  if (run.rows.size() != 1 || run.rows[0].size() != 6) {
    throw Error(ErrorCode::kDataError,
                "monitor run " + header.version + ": expected one row in its run table");
  }
  out.as_of = required_date(run.rows[0][0], "as_of");
  out.today = required_date(run.rows[0][1], "today");
  for (const auto& row : checks.rows) {
    if (row.size() != 8)
      throw Error(ErrorCode::kDataError,
                  "monitor run " + header.version + ": a checks row of the wrong width");
    monitor::CheckResult c;
    c.subject = text_of(row[0]);
    c.check = text_of(row[1]);
    c.status = monitor::parse_status(text_of(row[2]));
    c.value = real_of(row[3]);
    c.figure = text_of(row[4]);
    c.detail = text_of(row[5]);
    c.failing_since = date_of(row[6]);
    c.first_failed = date_of(row[7]);
    out.checks.push_back(std::move(c));
  }
  return out;
}

std::string monitor_report_to_json(const MonitorReport& report) {
  return monitor_report_document(report).dump(2);
}

json monitor_report_document(const MonitorReport& report) {
  json checks = json::array();
  for (const auto& c : report.checks) checks.push_back(check_json(c));
  json out{{"status", monitor::status_name(report.status())},
           {"version", report.version.empty() ? json(nullptr) : json(report.version)},
           {"as_of", report.as_of.iso()},
           {"today", report.today.iso()},
           {"created_at", report.created_at.iso()},
           {"counts",
            {{"red", report.count(monitor::Status::kRed)},
             {"amber", report.count(monitor::Status::kAmber)},
             {"green", report.count(monitor::Status::kGreen)}}},
           {"settings", report.settings},
           {"notes", report.notes},
           {"checks", checks}};
  return out;
}

std::string monitor_report_to_text(const MonitorReport& report, bool only_failing) {
  std::ostringstream out;
  out << "monitor: " << monitor::status_name(report.status()) << " as of " << report.as_of.iso()
      << " (" << report.count(monitor::Status::kRed) << " red, "
      << report.count(monitor::Status::kAmber) << " amber, "
      << report.count(monitor::Status::kGreen) << " green"
      << (report.version.empty() ? std::string(", not stored") : ", stored as " + report.version)
      << ")\n";
  std::vector<const monitor::CheckResult*> order;
  for (const auto& c : report.checks) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->status) > static_cast<int>(b->status);
  });
  std::size_t hidden = 0;
  for (const auto* c : order) {
    if (only_failing && c->status == monitor::Status::kGreen) {
      ++hidden;
      continue;
    }
    std::string status(monitor::status_name(c->status));
    for (auto& ch : status) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out << status << std::string(6 - status.size(), ' ') << c->subject << "  " << c->check << ": "
        << c->figure;
    if (c->first_failed) out << " (failing since " << c->first_failed->iso() << ")";
    out << "\n";
  }
  if (hidden) out << "(" << hidden << " green checks not shown; --all lists them)\n";
  for (const auto& n : report.notes) out << "note: " << n << "\n";
  return out.str();
}

std::string monitor_history_to_json(const std::vector<MonitorRunSummary>& runs) {
  json out = json::array();
  for (const auto& r : runs) {
    out.push_back({{"version", r.version},
                   {"as_of", r.as_of.iso()},
                   {"created_at", r.created_at.iso()},
                   {"status", monitor::status_name(r.status)},
                   {"red", r.red},
                   {"amber", r.amber},
                   {"green", r.green}});
  }
  return out.dump(2);
}

const store::ArtefactKind& effect_stability_kind() {
  static const store::ArtefactKind kind{"effect_stability",
                                        {{"cells",
                                          {{"treatment", ColumnType::kText, true},
                                           {"outcome", ColumnType::kText, true},
                                           {"horizon", ColumnType::kInteger, true},
                                           {"observations", ColumnType::kInteger},
                                           {"full_from", ColumnType::kDate},
                                           {"full_to", ColumnType::kDate},
                                           {"full_effect", ColumnType::kReal},
                                           {"full_se", ColumnType::kReal},
                                           {"recent_from", ColumnType::kDate},
                                           {"recent_to", ColumnType::kDate},
                                           {"recent_effect", ColumnType::kReal},
                                           {"recent_se", ColumnType::kReal},
                                           {"recent_ci_low", ColumnType::kReal},
                                           {"recent_ci_high", ColumnType::kReal},
                                           {"recent_excludes_full", ColumnType::kInteger},
                                           {"sup_wald", ColumnType::kReal},
                                           {"sup_wald_peak", ColumnType::kDate},
                                           {"break_date", ColumnType::kDate},
                                           {"search_from", ColumnType::kDate},
                                           {"search_to", ColumnType::kDate},
                                           {"critical_10", ColumnType::kReal},
                                           {"critical_5", ColumnType::kReal},
                                           {"critical_1", ColumnType::kReal},
                                           {"hac_lag", ColumnType::kInteger}}},
                                         {"windows",
                                          {{"treatment", ColumnType::kText, true},
                                           {"outcome", ColumnType::kText, true},
                                           {"horizon", ColumnType::kInteger, true},
                                           {"window_to", ColumnType::kDate, true},
                                           {"window_from", ColumnType::kDate},
                                           {"effect", ColumnType::kReal},
                                           {"se", ColumnType::kReal},
                                           {"ci_low", ColumnType::kReal},
                                           {"ci_high", ColumnType::kReal}}}}};
  return kind;
}

std::vector<store::ArtefactTable> effect_stability_tables(const std::vector<StabilityCell>& cells) {
  store::ArtefactTable c{"cells", {}};
  store::ArtefactTable w{"windows", {}};
  for (const auto& s : cells) {
    c.rows.push_back({s.treatment,
                      s.outcome,
                      static_cast<std::int64_t>(s.horizon),
                      s.observations,
                      s.full.from,
                      s.full.to,
                      s.full.effect,
                      s.full.se,
                      s.recent.from,
                      s.recent.to,
                      s.recent.effect,
                      s.recent.se,
                      s.recent.ci_low,
                      s.recent.ci_high,
                      static_cast<std::int64_t>(s.recent_excludes_full ? 1 : 0),
                      s.sup_wald,
                      s.sup_wald_peak,
                      s.break_date,
                      s.search_from,
                      s.search_to,
                      s.critical_10,
                      s.critical_5,
                      s.critical_1,
                      static_cast<std::int64_t>(s.hac_lag)});
    for (const auto& r : s.rolling) {
      w.rows.push_back({s.treatment, s.outcome, static_cast<std::int64_t>(s.horizon), r.to, r.from,
                        r.effect, r.se, r.ci_low, r.ci_high});
    }
  }
  return {c, w};
}

std::vector<StabilityCell> effect_stability_from(const store::ArtefactTable& cells,
                                                 const store::ArtefactTable& windows) {
  std::vector<StabilityCell> out;
  std::map<std::string, std::size_t> index;
  for (const auto& row : cells.rows) {
    if (row.size() != 24)
      throw Error(ErrorCode::kDataError, "effect_stability.cells: a row of the wrong width");
    StabilityCell s;
    s.treatment = text_of(row[0]);
    s.outcome = text_of(row[1]);
    s.horizon = static_cast<int>(int_of(row[2]));
    s.observations = int_of(row[3]);
    s.full = {required_date(row[4], "full_from"),
              required_date(row[5], "full_to"),
              real_of(row[6]),
              real_of(row[7]),
              0,
              0};
    s.full.ci_low = s.full.effect - 1.959963984540054 * s.full.se;
    s.full.ci_high = s.full.effect + 1.959963984540054 * s.full.se;
    s.recent = {required_date(row[8], "recent_from"),
                required_date(row[9], "recent_to"),
                real_of(row[10]),
                real_of(row[11]),
                real_of(row[12]),
                real_of(row[13])};
    s.recent_excludes_full = int_of(row[14]) != 0;
    s.sup_wald = real_of(row[15]);
    s.sup_wald_peak = required_date(row[16], "sup_wald_peak");
    s.break_date = required_date(row[17], "break_date");
    s.search_from = required_date(row[18], "search_from");
    s.search_to = required_date(row[19], "search_to");
    s.critical_10 = real_of(row[20]);
    s.critical_5 = real_of(row[21]);
    s.critical_1 = real_of(row[22]);
    s.hac_lag = static_cast<int>(int_of(row[23]));
    index[s.treatment + "/" + s.outcome + "/" + std::to_string(s.horizon)] = out.size();
    out.push_back(std::move(s));
  }
  for (const auto& row : windows.rows) {
    if (row.size() != 9)
      throw Error(ErrorCode::kDataError, "effect_stability.windows: a row of the wrong width");
    const auto found =
        index.find(text_of(row[0]) + "/" + text_of(row[1]) + "/" + std::to_string(int_of(row[2])));
    if (found == index.end()) continue;
    out[found->second].rolling.push_back({required_date(row[4], "window_from"),
                                          required_date(row[3], "window_to"), real_of(row[5]),
                                          real_of(row[6]), real_of(row[7]), real_of(row[8])});
  }
  return out;
}

std::string effect_stability_to_json(const std::string& version,
                                     const std::vector<StabilityCell>& cells) {
  const auto window = [](const StabilityWindow& w) {
    return json{{"from", w.from.iso()},       {"to", w.to.iso()},
                {"effect", number(w.effect)}, {"se", number(w.se)},
                {"ci_low", number(w.ci_low)}, {"ci_high", number(w.ci_high)}};
  };
  json out = json::array();
  for (const auto& s : cells) {
    json rolling = json::array();
    for (const auto& r : s.rolling) rolling.push_back(window(r));
    out.push_back({{"treatment", s.treatment},
                   {"outcome", s.outcome},
                   {"horizon", s.horizon},
                   {"observations", s.observations},
                   {"full", window(s.full)},
                   {"recent", window(s.recent)},
                   {"recent_excludes_full", s.recent_excludes_full},
                   {"break_test",
                    {{"test", "sup-Wald (Andrews 1993), 15% trimming, HAC"},
                     {"statistic", number(s.sup_wald)},
                     {"peak", s.sup_wald_peak.iso()},
                     {"break_date", s.break_date.iso()},
                     {"searched", {s.search_from.iso(), s.search_to.iso()}},
                     {"critical_values",
                      {{"10%", s.critical_10}, {"5%", s.critical_5}, {"1%", s.critical_1}}},
                     {"hac_lag", s.hac_lag}}},
                   {"rolling", rolling}});
  }
  return json{{"effects_version", version}, {"effects", out}}.dump(2);
}

}  // namespace mre::codec
