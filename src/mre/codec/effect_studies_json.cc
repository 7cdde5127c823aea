// See effect_studies_json.h.
#include "mre/codec/effect_studies_json.h"

#include <cmath>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

void number(std::string& out, double v) {
  if (std::isfinite(v)) {
    append_number(out, v);
  } else {
    out += "null";
  }
}

void key(std::string& out, const char* name) {
  out += ", \"";
  out += name;
  out += "\": ";
}

}  // namespace

std::string event_study_to_json(const EventStudyReport& r) {
  std::string out = "{\"event_study\": {\"treatment\": ";
  append_json_string(out, r.treatment);
  key(out, "identified");
  out += r.identified ? "true" : "false";
  key(out, "identification");
  append_json_string(out, r.identification);
  key(out, "outcome");
  append_json_string(out, r.outcome);
  key(out, "event_series");
  append_json_string(out, r.event_series);
  key(out, "outcome_ticker");
  append_json_string(out, r.outcome_ticker);
  key(out, "window_days");
  out += std::to_string(r.window);
  key(out, "response");
  append_json_string(out, r.change
                              ? "level change from the close before the announcement day"
                              : "return from the close before the announcement day (fraction)");
  key(out, "effect");
  number(out, r.fit.effect);
  key(out, "intercept");
  number(out, r.fit.intercept);
  key(out, "se_hc1");
  number(out, r.fit.se_hc1);
  key(out, "se_hac");
  number(out, r.fit.se_hac);
  key(out, "hac_lag");
  out += std::to_string(r.fit.hac_lag);
  key(out, "confidence_interval");
  out += "[";
  number(out, r.fit.ci_low);
  out += ", ";
  number(out, r.fit.ci_high);
  out += "]";
  key(out, "p_value_hc1");
  number(out, r.fit.p_value_hc1);
  key(out, "p_value_hac");
  number(out, r.fit.p_value_hac);
  key(out, "r2");
  number(out, r.fit.r2);
  key(out, "events");
  out += std::to_string(r.fit.events);
  key(out, "announcement_days");
  out += std::to_string(r.announcements);
  key(out, "announcement_days_without_response");
  out += std::to_string(r.without_response);
  key(out, "per_unit");
  append_json_string(out, r.narrative_unit.empty() ? "1 unit" : r.narrative_unit);
  key(out, "effect_per_unit");
  number(out, r.fit.effect * r.narrative_scale);
  key(out, "confidence_interval_per_unit");
  out += "[";
  number(out, r.fit.ci_low * r.narrative_scale);
  out += ", ";
  number(out, r.fit.ci_high * r.narrative_scale);
  out += "]";
  key(out, "scatter");
  out += "[";
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (i) out += ", ";
    out += "[\"" + r.events[i].date.iso() + "\", ";
    number(out, r.events[i].surprise);
    out += ", ";
    number(out, r.events[i].response);
    out += "]";
  }
  out += "]}, \"explanation\": ";
  append_json_string(out, r.explanation);
  out += ", \"methodology\": ";
  append_json_string(
      out,
      "Event study: OLS of the outcome's response over the announcement day (close-to-close; "
      "plus `window` trading days) on the surprise, with an intercept; HC1 and Newey-West "
      "(Bartlett, "
      "over the event index) standard errors. Two announcements on one day are summed.");
  return out + "}";
}

std::string impulse_to_json(const ImpulseReport& r) {
  std::string out = "{\"impulse_response\": {\"treatment\": ";
  append_json_string(out, r.treatment);
  key(out, "identified");
  out += r.identified ? "true" : "false";
  key(out, "identification");
  append_json_string(out, r.identification);
  key(out, "outcome");
  append_json_string(out, r.outcome);
  key(out, "response");
  append_json_string(
      out, r.change ? "level change from the month before the shock to month h"
                    : "log change (about a return) from the month before the shock to month h");
  key(out, "inference");
  append_json_string(out, r.fit.inference);
  key(out, "lags");
  out += std::to_string(r.fit.lags);
  key(out, "per_unit");
  append_json_string(out, r.narrative_unit.empty() ? "1 unit" : r.narrative_unit);
  key(out, "feature_version");
  append_json_string(out, r.feature_version);
  key(out, "controls");
  out += "[";
  for (std::size_t i = 0; i < r.controls.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, r.controls[i]);
  }
  out += "]";
  key(out, "horizons");
  out += "[";
  for (std::size_t i = 0; i < r.fit.points.size(); ++i) {
    const auto& p = r.fit.points[i];
    if (i) out += ", ";
    out += "{\"horizon_months\": " + std::to_string(p.horizon) + ", \"effect\": ";
    number(out, p.effect);
    out += ", \"se\": ";
    number(out, p.se);
    out += ", \"confidence_interval\": [";
    number(out, p.ci_low);
    out += ", ";
    number(out, p.ci_high);
    out += "], \"p_value\": ";
    number(out, p.p_value);
    out += ", \"observations\": " + std::to_string(p.observations);
    if (p.hac_lag > 0) out += ", \"hac_lag\": " + std::to_string(p.hac_lag);
    out += ", \"dropped_redundant_regressors\": " + std::to_string(p.dropped_columns);
    out += ", \"effect_per_unit\": ";
    number(out, p.effect * r.narrative_scale);
    out += "}";
  }
  out += "]}, \"explanation\": ";
  append_json_string(out, r.explanation);
  out += ", \"methodology\": ";
  append_json_string(
      out,
      r.fit.inference == "lag_augmented_hc1"
          ? "Local projections (Jorda 2005): one OLS per horizon of the outcome's change from the "
            "month before the shock on the shock, with lags of the shock, the outcome's monthly "
            "change and the controls; lag-augmented (Montiel Olea and Plagborg-Moller 2021), so "
            "HC1 errors are valid"
          : "Local projections (Jorda 2005) with Newey-West errors, bandwidth max(h + 1, "
            "floor(4 (n/100)^(2/9)))");
  return out + "}";
}

}  // namespace mre::codec

namespace mre::codec {
namespace {

using store::Cell;
using store::ColumnType;

// Typed reads of one cell, naming the kind and column on a mismatch.
struct Reader {
  const store::Row& row;
  const char* kind;
  [[noreturn]] void bad(std::size_t i, const char* what) const {
    throw Error(ErrorCode::kDataError,
                std::string(kind) + ": column " + std::to_string(i) + " is not " + what);
  }
  double real(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<double>(&row[i])) return *v;
      if (std::holds_alternative<std::monostate>(row[i])) return std::nan("");
    }
    bad(i, "a real number");
  }
  std::int64_t integer(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<std::int64_t>(&row[i])) return *v;
    }
    bad(i, "an integer");
  }
  std::string text(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<std::string>(&row[i])) return *v;
    }
    bad(i, "text");
  }
  Date date(std::size_t i) const {
    if (i < row.size()) {
      if (const auto* v = std::get_if<Date>(&row[i])) return *v;
    }
    bad(i, "a date");
  }
};

const store::Row& single_row(const store::ArtefactTable& t, const char* kind) {
  if (t.rows.size() != 1)
    throw Error(ErrorCode::kDataError, std::string(kind) + ": the summary must hold one row");
  return t.rows.front();
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : text) {
    if (c == ',') {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!text.empty()) out.push_back(current);
  return out;
}

}  // namespace

const store::ArtefactKind& event_study_kind() {
  static const store::ArtefactKind kKind{"effects_event_study",
                                         {{"summary",
                                           {{"treatment", ColumnType::kText},
                                            {"outcome", ColumnType::kText},
                                            {"event_series", ColumnType::kText},
                                            {"outcome_ticker", ColumnType::kText},
                                            {"window_days", ColumnType::kInteger},
                                            {"change", ColumnType::kInteger},
                                            {"identified", ColumnType::kInteger},
                                            {"identification", ColumnType::kText},
                                            {"narrative_scale", ColumnType::kReal},
                                            {"narrative_unit", ColumnType::kText},
                                            {"intercept", ColumnType::kReal},
                                            {"effect", ColumnType::kReal},
                                            {"se_hc1", ColumnType::kReal},
                                            {"se_hac", ColumnType::kReal},
                                            {"hac_lag", ColumnType::kInteger},
                                            {"p_value_hc1", ColumnType::kReal},
                                            {"p_value_hac", ColumnType::kReal},
                                            {"ci_low", ColumnType::kReal},
                                            {"ci_high", ColumnType::kReal},
                                            {"r2", ColumnType::kReal},
                                            {"events", ColumnType::kInteger},
                                            {"announcements", ColumnType::kInteger},
                                            {"without_response", ColumnType::kInteger},
                                            {"explanation", ColumnType::kText}}},
                                          {"events",
                                           {{"dt", ColumnType::kDate, true},
                                            {"surprise", ColumnType::kReal},
                                            {"response", ColumnType::kReal}}}}};
  return kKind;
}

std::vector<store::ArtefactTable> event_study_tables(const EventStudyReport& r) {
  const auto i64 = [](auto v) { return Cell{static_cast<std::int64_t>(v)}; };
  store::ArtefactTable summary{"summary", {}};
  summary.rows.push_back({Cell{r.treatment},       Cell{r.outcome},         Cell{r.event_series},
                          Cell{r.outcome_ticker},  i64(r.window),           i64(r.change),
                          i64(r.identified),       Cell{r.identification},  Cell{r.narrative_scale},
                          Cell{r.narrative_unit},  Cell{r.fit.intercept},   Cell{r.fit.effect},
                          Cell{r.fit.se_hc1},      Cell{r.fit.se_hac},      i64(r.fit.hac_lag),
                          Cell{r.fit.p_value_hc1}, Cell{r.fit.p_value_hac}, Cell{r.fit.ci_low},
                          Cell{r.fit.ci_high},     Cell{r.fit.r2},          i64(r.fit.events),
                          i64(r.announcements),    i64(r.without_response), Cell{r.explanation}});
  store::ArtefactTable events{"events", {}};
  for (const auto& e : r.events)
    events.rows.push_back({Cell{e.date}, Cell{e.surprise}, Cell{e.response}});
  return {summary, events};
}

EventStudyReport event_study_from_tables(const store::ArtefactTable& summary,
                                         const store::ArtefactTable& events) {
  const Reader s{single_row(summary, "effects_event_study"), "effects_event_study"};
  EventStudyReport r;
  r.treatment = s.text(0);
  r.outcome = s.text(1);
  r.event_series = s.text(2);
  r.outcome_ticker = s.text(3);
  r.window = static_cast<int>(s.integer(4));
  r.change = s.integer(5) != 0;
  r.identified = s.integer(6) != 0;
  r.identification = s.text(7);
  r.narrative_scale = s.real(8);
  r.narrative_unit = s.text(9);
  r.fit.intercept = s.real(10);
  r.fit.effect = s.real(11);
  r.fit.se_hc1 = s.real(12);
  r.fit.se_hac = s.real(13);
  r.fit.hac_lag = static_cast<int>(s.integer(14));
  r.fit.p_value_hc1 = s.real(15);
  r.fit.p_value_hac = s.real(16);
  r.fit.ci_low = s.real(17);
  r.fit.ci_high = s.real(18);
  r.fit.r2 = s.real(19);
  r.fit.events = static_cast<Eigen::Index>(s.integer(20));
  r.announcements = static_cast<std::size_t>(s.integer(21));
  r.without_response = static_cast<std::size_t>(s.integer(22));
  r.explanation = s.text(23);
  for (const auto& row : events.rows) {
    const Reader e{row, "effects_event_study"};
    r.events.push_back({e.date(0), e.real(1), e.real(2)});
  }
  return r;
}

const store::ArtefactKind& impulse_kind() {
  static const store::ArtefactKind kKind{"effects_impulse",
                                         {{"summary",
                                           {{"treatment", ColumnType::kText},
                                            {"outcome", ColumnType::kText},
                                            {"change", ColumnType::kInteger},
                                            {"identified", ColumnType::kInteger},
                                            {"identification", ColumnType::kText},
                                            {"narrative_scale", ColumnType::kReal},
                                            {"narrative_unit", ColumnType::kText},
                                            {"feature_version", ColumnType::kText},
                                            {"controls", ColumnType::kText},
                                            {"inference", ColumnType::kText},
                                            {"lags", ColumnType::kInteger},
                                            {"cumulative", ColumnType::kInteger},
                                            {"explanation", ColumnType::kText}}},
                                          {"points",
                                           {{"horizon", ColumnType::kInteger, true},
                                            {"effect", ColumnType::kReal},
                                            {"se", ColumnType::kReal},
                                            {"ci_low", ColumnType::kReal},
                                            {"ci_high", ColumnType::kReal},
                                            {"p_value", ColumnType::kReal},
                                            {"observations", ColumnType::kInteger},
                                            {"hac_lag", ColumnType::kInteger},
                                            {"dropped_columns", ColumnType::kInteger}}}}};
  return kKind;
}

std::vector<store::ArtefactTable> impulse_tables(const ImpulseReport& r) {
  const auto i64 = [](auto v) { return Cell{static_cast<std::int64_t>(v)}; };
  store::ArtefactTable summary{"summary", {}};
  summary.rows.push_back({Cell{r.treatment}, Cell{r.outcome}, i64(r.change), i64(r.identified),
                          Cell{r.identification}, Cell{r.narrative_scale}, Cell{r.narrative_unit},
                          Cell{r.feature_version}, Cell{join(r.controls)}, Cell{r.fit.inference},
                          i64(r.fit.lags), i64(r.fit.cumulative), Cell{r.explanation}});
  store::ArtefactTable points{"points", {}};
  for (const auto& p : r.fit.points) {
    points.rows.push_back({i64(p.horizon), Cell{p.effect}, Cell{p.se}, Cell{p.ci_low},
                           Cell{p.ci_high}, Cell{p.p_value}, i64(p.observations), i64(p.hac_lag),
                           i64(p.dropped_columns)});
  }
  return {summary, points};
}

ImpulseReport impulse_from_tables(const store::ArtefactTable& summary,
                                  const store::ArtefactTable& points) {
  const Reader s{single_row(summary, "effects_impulse"), "effects_impulse"};
  ImpulseReport r;
  r.treatment = s.text(0);
  r.outcome = s.text(1);
  r.change = s.integer(2) != 0;
  r.identified = s.integer(3) != 0;
  r.identification = s.text(4);
  r.narrative_scale = s.real(5);
  r.narrative_unit = s.text(6);
  r.feature_version = s.text(7);
  r.controls = split(s.text(8));
  r.fit.inference = s.text(9);
  r.fit.lags = static_cast<int>(s.integer(10));
  r.fit.cumulative = s.integer(11) != 0;
  r.explanation = s.text(12);
  for (const auto& row : points.rows) {
    const Reader p{row, "effects_impulse"};
    r.fit.points.push_back({.horizon = static_cast<int>(p.integer(0)),
                            .effect = p.real(1),
                            .se = p.real(2),
                            .ci_low = p.real(3),
                            .ci_high = p.real(4),
                            .p_value = p.real(5),
                            .observations = static_cast<Eigen::Index>(p.integer(6)),
                            .hac_lag = static_cast<int>(p.integer(7)),
                            .dropped_columns = static_cast<int>(p.integer(8))});
  }
  return r;
}

}  // namespace mre::codec
