// See effect_studies_json.h.
#include "mre/codec/effect_studies_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"

namespace mre::codec {
namespace {

using ojson = nlohmann::ordered_json;

// A float as the text has it: not finite as null (append_spaced_json does the same).
ojson number(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

}  // namespace

std::string study_text(const nlohmann::ordered_json& document) {
  std::string out;
  append_spaced_json(out, document);
  return out;
}

std::string event_study_to_json(const EventStudyReport& r) {
  return study_text(event_study_document(r));
}

nlohmann::ordered_json event_study_document(const EventStudyReport& r) {
  ojson study;
  study["treatment"] = r.treatment;
  study["identified"] = r.identified;
  study["identification"] = r.identification;
  study["outcome"] = r.outcome;
  study["event_series"] = r.event_series;
  study["outcome_ticker"] = r.outcome_ticker;
  study["window_days"] = r.window;
  study["response"] = r.change ? "level change from the close before the announcement day"
                               : "return from the close before the announcement day (fraction)";
  study["effect"] = number(r.fit.effect);
  study["intercept"] = number(r.fit.intercept);
  study["se_hc1"] = number(r.fit.se_hc1);
  study["se_hac"] = number(r.fit.se_hac);
  study["hac_lag"] = r.fit.hac_lag;
  study["confidence_interval"] = {number(r.fit.ci_low), number(r.fit.ci_high)};
  study["p_value_hc1"] = number(r.fit.p_value_hc1);
  study["p_value_hac"] = number(r.fit.p_value_hac);
  study["r2"] = number(r.fit.r2);
  study["events"] = r.fit.events;
  study["announcement_days"] = r.announcements;
  study["announcement_days_without_response"] = r.without_response;
  study["per_unit"] = r.narrative_unit.empty() ? "1 unit" : r.narrative_unit;
  study["effect_per_unit"] = number(r.fit.effect * r.narrative_scale);
  study["confidence_interval_per_unit"] = {number(r.fit.ci_low * r.narrative_scale),
                                           number(r.fit.ci_high * r.narrative_scale)};
  ojson scatter = ojson::array();
  for (const auto& e : r.events)
    scatter.push_back({e.date.iso(), number(e.surprise), number(e.response)});
  study["scatter"] = std::move(scatter);
  ojson out;
  out["event_study"] = std::move(study);
  out["explanation"] = r.explanation;
  out["methodology"] =
      "Event study: OLS of the outcome's response over the announcement day (close-to-close; "
      "plus `window` trading days) on the surprise, with an intercept; HC1 and Newey-West "
      "(Bartlett, "
      "over the event index) standard errors. Two announcements on one day are summed.";
  return out;
}

std::string impulse_to_json(const ImpulseReport& r) { return study_text(impulse_document(r)); }

nlohmann::ordered_json impulse_document(const ImpulseReport& r) {
  ojson study;
  study["treatment"] = r.treatment;
  study["identified"] = r.identified;
  study["identification"] = r.identification;
  study["outcome"] = r.outcome;
  study["response"] =
      r.change ? "level change from the month before the shock to month h"
               : "log change (about a return) from the month before the shock to month h";
  study["inference"] = r.fit.inference;
  study["lags"] = r.fit.lags;
  study["per_unit"] = r.narrative_unit.empty() ? "1 unit" : r.narrative_unit;
  study["feature_version"] = r.feature_version;
  study["controls"] = r.controls;
  ojson horizons = ojson::array();
  for (const auto& p : r.fit.points) {
    ojson h;
    h["horizon_months"] = p.horizon;
    h["effect"] = number(p.effect);
    h["se"] = number(p.se);
    h["confidence_interval"] = {number(p.ci_low), number(p.ci_high)};
    h["p_value"] = number(p.p_value);
    h["observations"] = p.observations;
    if (p.hac_lag > 0) h["hac_lag"] = p.hac_lag;
    h["dropped_redundant_regressors"] = p.dropped_columns;
    h["effect_per_unit"] = number(p.effect * r.narrative_scale);
    horizons.push_back(std::move(h));
  }
  study["horizons"] = std::move(horizons);
  ojson out;
  out["impulse_response"] = std::move(study);
  out["explanation"] = r.explanation;
  out["methodology"] =
      r.fit.inference == "lag_augmented_hc1"
          ? "Local projections (Jorda 2005): one OLS per horizon of the outcome's change from the "
            "month before the shock on the shock, with lags of the shock, the outcome's monthly "
            "change and the controls; lag-augmented (Montiel Olea and Plagborg-Moller 2021), so "
            "HC1 errors are valid"
          : "Local projections (Jorda 2005) with Newey-West errors, bandwidth max(h + 1, "
            "floor(4 (n/100)^(2/9)))";
  return out;
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
