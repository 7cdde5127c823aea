// Revision diffing: a merge of two sorted date lists, O(n + m).
#include "mre/store/revisions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/core/format.h"

namespace mre::store {

std::size_t WriteResult::inserted() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.inserted;
  return n;
}
std::size_t WriteResult::revised() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.revised;
  return n;
}
std::size_t WriteResult::unchanged() const {
  std::size_t n = 0;
  for (const auto& s : series) n += s.unchanged;
  return n;
}

RevisionDiff diff_against_current(std::span<const Date> current_dates,
                                  std::span<const double> current_values,
                                  const TimeSeries& incoming) {
  RevisionDiff diff;
  diff.summary.ticker = incoming.name();
  const auto& dates = incoming.dates();
  const auto& values = incoming.values();
  std::size_t j = 0;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    while (j < current_dates.size() && current_dates[j] < dates[i]) ++j;
    if (j < current_dates.size() && current_dates[j] == dates[i]) {
      if (current_values[j] == values[i]) {
        ++diff.summary.unchanged;
        continue;
      }
      ++diff.summary.revised;
    } else {
      ++diff.summary.inserted;
    }
    diff.rows.push_back({dates[i], values[i]});
  }
  return diff;
}

void validate_batch(std::span<const SeriesWrite> batch) {
  std::set<std::string> seen;
  for (const auto& write : batch) {
    if (write.ticker.empty()) throw Error(ErrorCode::kDataError, "write_raw: empty ticker");
    if (!seen.insert(write.ticker).second) {
      throw Error(ErrorCode::kDataError,
                  "write_raw: ticker '" + write.ticker + "' appears twice in one write");
    }
    const auto& values = write.data.values();
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) {
        throw Error(ErrorCode::kDataError, "write_raw: ticker '" + write.ticker +
                                               "' has a non-finite value on " +
                                               write.data.dates()[i].iso());
      }
    }
  }
}

TimeSeries current_view(const std::string& ticker, std::span<const RawRow> rows,
                        std::optional<Timestamp> as_of) {
  std::vector<Date> dates;
  std::vector<double> values;
  for (const auto& row : rows) {
    if (as_of && row.ingested_at > *as_of) continue;
    if (!dates.empty() && dates.back() == row.date) {
      values.back() = row.value;  // a later revision of the same date
    } else {
      dates.push_back(row.date);
      values.push_back(row.value);
    }
  }
  return TimeSeries(ticker, std::move(dates), std::move(values));
}

VintagePlan plan_vintages(const std::string& ticker, std::span<const RawRow> stored,
                          std::span<const VintageRow> incoming) {
  VintagePlan plan;
  plan.summary.ticker = ticker;
  for (const auto& v : incoming) {
    if (!std::isfinite(v.value)) {
      throw Error(ErrorCode::kDataError, "series '" + ticker + "': vintage of " + v.date.iso() +
                                             " is not a finite number");
    }
  }
  std::vector<VintageRow> sorted(incoming.begin(), incoming.end());
  std::sort(sorted.begin(), sorted.end(), [](const VintageRow& a, const VintageRow& b) {
    return std::tie(a.date, a.published_at) < std::tie(b.date, b.published_at);
  });
  // Every row of a date, stored and accepted, as (time, value), kept ordered by time.
  std::map<Date, std::vector<std::pair<Timestamp, double>>> known;
  for (const auto& r : stored) known[r.date].emplace_back(r.ingested_at, r.value);
  for (auto& [date, rows] : known) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  for (const auto& v : sorted) {
    auto& rows = known[v.date];
    const auto after =
        std::upper_bound(rows.begin(), rows.end(), v.published_at,
                         [](const Timestamp& t, const auto& row) { return t < row.first; });
    if (after != rows.begin() && std::prev(after)->second == v.value) {
      ++plan.summary.unchanged;
      continue;
    }
    Timestamp at = v.published_at;
    while (
        std::any_of(rows.begin(), rows.end(), [&](const auto& row) { return row.first == at; })) {
      at = Timestamp::from_micros(at.micros() + 1);
    }
    if (rows.empty())
      ++plan.summary.inserted;
    else
      ++plan.summary.revised;
    rows.insert(std::upper_bound(rows.begin(), rows.end(), at,
                                 [](const Timestamp& t, const auto& row) { return t < row.first; }),
                {at, v.value});
    plan.rows.push_back({v.date, v.value, at});
  }
  std::sort(plan.rows.begin(), plan.rows.end(), [](const RawRow& a, const RawRow& b) {
    return std::tie(a.date, a.ingested_at) < std::tie(b.date, b.ingested_at);
  });
  return plan;
}

void validate_version_tag(const std::string& tag) {
  const bool ok =
      !tag.empty() && tag.size() <= 64 && std::all_of(tag.begin(), tag.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument,
                "version tag '" + tag + "' must be 1-64 characters of letters, digits, _ . -");
  }
}

// What differs between a stored version's spec and an incoming one, in words: another spec, or
// (QA 2026-12-07: "a different spec (jump_equity)" for two jump_equity fits whose penalty
// differed) the same spec with other settings.
namespace {
std::string spec_difference(const std::string& stored_name, const std::string& stored_hash,
                            const std::string& incoming_name, const std::string& incoming_hash) {
  if (stored_name != incoming_name) return "a different spec (" + stored_name + ")";
  return "other settings of spec " + stored_name + " (stored hash " + stored_hash + ", now " +
         incoming_hash + ")";
}
}  // namespace

bool same_feature_version(const FeatureVersion& existing, const FeatureVersion& incoming) {
  if (existing.spec_hash != incoming.spec_hash) {
    throw Error(ErrorCode::kInvalidArgument,
                "feature version '" + incoming.version + "' already exists for " +
                    spec_difference(existing.spec_name, existing.spec_hash, incoming.spec_name,
                                    incoming.spec_hash) +
                    "; versions are never overwritten: build under a new tag");
  }
  if (existing.data_watermark != incoming.data_watermark) {
    throw Error(ErrorCode::kInvalidArgument,
                "feature version '" + incoming.version + "' was built from the data as of " +
                    existing.data_watermark + "; the data has changed since (now " +
                    incoming.data_watermark + "): build under a new tag");
  }
  return true;
}

bool same_regime_model(const RegimeModel& existing, const RegimeModel& incoming) {
  if (existing.spec_hash != incoming.spec_hash ||
      existing.feature_version != incoming.feature_version) {
    throw Error(ErrorCode::kInvalidArgument,
                "regime version '" + incoming.version + "' already exists for " +
                    (existing.spec_hash != incoming.spec_hash
                         ? spec_difference(existing.spec_name, existing.spec_hash,
                                           incoming.spec_name, incoming.spec_hash)
                         : "feature version " + existing.feature_version) +
                    "; versions are never overwritten: fit under a new tag");
  }
  return true;
}

bool same_scm_model(const ScmModel& existing, const ScmModel& incoming) {
  if (existing.spec_hash != incoming.spec_hash ||
      existing.data_watermark != incoming.data_watermark) {
    throw Error(ErrorCode::kInvalidArgument,
                "scm version '" + incoming.version + "' already exists for " +
                    (existing.spec_hash != incoming.spec_hash
                         ? spec_difference(existing.spec_name, existing.spec_hash,
                                           incoming.spec_name, incoming.spec_hash)
                         : "the data as of " + existing.data_watermark) +
                    "; versions are never overwritten: fit under a new tag");
  }
  return true;
}

bool same_effect_version(const EffectVersion& existing, const EffectVersion& incoming) {
  if (existing.spec_hash != incoming.spec_hash ||
      existing.feature_version != incoming.feature_version ||
      existing.regime_version != incoming.regime_version) {
    throw Error(ErrorCode::kInvalidArgument,
                "effects version '" + incoming.version + "' already exists for " +
                    (existing.spec_hash != incoming.spec_hash
                         ? spec_difference(existing.spec_name, existing.spec_hash,
                                           incoming.spec_name, incoming.spec_hash)
                         : "feature version " + existing.feature_version + " and regime version " +
                               existing.regime_version) +
                    "; versions are never overwritten: estimate under a new tag");
  }
  return true;
}

void check_regime_write(const RegimeModel& model, const std::vector<RegimeRow>& rows) {
  const std::string where = "regime version '" + model.version + "'";
  const auto refuse = [&](const std::string& what) {
    throw Error(ErrorCode::kInvalidArgument, where + ": " + what + "; nothing stored");
  };
  if (model.labels.empty()) refuse("no labels");
  for (const auto& label : model.labels) {
    if (const auto problem = name_problem(label)) refuse("the label '" + label + "' " + *problem);
  }
  for (const auto& column : model.columns) {
    if (const auto problem = name_problem(column))
      refuse("the column '" + column + "' " + *problem);
  }
  for (const auto& row : rows) {
    if (row.probabilities.size() != model.labels.size()) {
      refuse(row.date.iso() + " has " + std::to_string(row.probabilities.size()) +
             " probabilities for " + std::to_string(model.labels.size()) + " labels");
    }
    for (const double p : row.probabilities) {
      if (!std::isfinite(p)) refuse(row.date.iso() + " has a probability that is not a number");
    }
    if (std::find(model.labels.begin(), model.labels.end(), row.regime) == model.labels.end())
      refuse(row.date.iso() + "'s regime '" + row.regime + "' is not one of the labels");
  }
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
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

std::string format_probabilities(const std::vector<double>& p) {
  std::string out = "[";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) out += ',';
    out += format_double(p[i]);
  }
  return out + "]";
}

std::vector<double> parse_probabilities(const std::string& text) {
  std::vector<double> out;
  std::string_view rest(text);
  if (!rest.empty() && rest.front() == '[') rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == ']') rest.remove_suffix(1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto token = rest.substr(0, comma);
    const auto v = parse_double(token);
    out.push_back(v ? *v : std::numeric_limits<double>::quiet_NaN());
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

Panel panel_from_long(const std::vector<std::string>& names, std::vector<FeatureValue> rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const FeatureValue& a, const FeatureValue& b) { return a.date < b.date; });
  std::vector<Date> dates;
  std::vector<std::vector<double>> columns(names.size());
  for (const auto& row : rows) {
    if (dates.empty() || dates.back() != row.date) {
      dates.push_back(row.date);
      for (auto& c : columns) c.push_back(std::numeric_limits<double>::quiet_NaN());
    }
    columns[row.column].back() = row.value;
  }
  return Panel(std::move(dates), names, std::move(columns));
}

}  // namespace mre::store
