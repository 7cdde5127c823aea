// Shared by every backend: which incoming observations must be appended, given the current
// values. Keeps "re-ingesting an unchanged value writes nothing" in one place.
#pragma once

#include <span>
#include <vector>

#include "mre/core/date.h"
#include "mre/store/store.h"

namespace mre::store {

struct PendingRow {
  Date date;
  double value;
};

struct RevisionDiff {
  std::vector<PendingRow> rows;  // to append, ascending by date
  SeriesWriteSummary summary;
};

// current_dates/current_values: the latest value per date, ascending. incoming: present
// observations, ascending. A value is "unchanged" when bit-for-bit equal.
RevisionDiff diff_against_current(std::span<const Date> current_dates,
                                  std::span<const double> current_values,
                                  const TimeSeries& incoming);

// Throws DataError when the batch repeats a ticker, has an empty ticker, or a non-finite value.
void validate_batch(std::span<const SeriesWrite> batch);

// Latest value per date from rows ordered by (date, ingested_at), keeping rows with
// ingested_at <= as_of when given.
TimeSeries current_view(const std::string& ticker, std::span<const RawRow> rows,
                        std::optional<Timestamp> as_of);

// The vintage rows to append given a series' stored rows (ordered by date, then time): each
// incoming row unless the view as of its published_at (stored rows and rows accepted before
// it) already holds its value; a row whose (date, time) is taken is moved 1 us later. Counts:
// inserted (a date first known), revised (a new value for a known date), unchanged. DataError
// for a non-finite value.
struct VintagePlan {
  std::vector<RawRow> rows{};  // to insert, ordered by date then time
  SeriesWriteSummary summary{};
};
VintagePlan plan_vintages(const std::string& ticker, std::span<const RawRow> stored,
                          std::span<const VintageRow> incoming);

// Throws InvalidArgument unless the tag is 1-64 characters of [A-Za-z0-9_.-].
void validate_version_tag(const std::string& tag);

// Checks a feature write against an existing version with the same tag: nullopt when there is
// none, true when it is the same spec and data (nothing to write), InvalidArgument otherwise.
bool same_feature_version(const FeatureVersion& existing, const FeatureVersion& incoming);

// Same binding rule for regime versions (spec hash and feature version).
bool same_regime_model(const RegimeModel& existing, const RegimeModel& incoming);
// Same binding rule for effects versions (spec hash, feature and regime versions).
bool same_effect_version(const EffectVersion& existing, const EffectVersion& incoming);
// Same binding rule for SCM versions (spec hash and data watermark).
bool same_scm_model(const ScmModel& existing, const ScmModel& incoming);
// What every store checks before it writes a regime version (InvalidArgument, nothing stored):
// at least one label; labels and columns usable as names (core/format.h's name_problem: a comma
// would split one when read back); every row with one finite probability per label and a
// regime that is one of the labels.
void check_regime_write(const RegimeModel& model, const std::vector<RegimeRow>& rows);
// "a,b,c" <-> vector, for the label and column lists the stores keep as text.
std::string join_names(const std::vector<std::string>& names);
std::vector<std::string> split_names(const std::string& text);
// "[0.25,0.75]" <-> vector, shortest round-trip numbers.
std::string format_probabilities(const std::vector<double>& p);
std::vector<double> parse_probabilities(const std::string& text);

// The wide panel from long rows (date, column index, value), ordered by date.
struct FeatureValue {
  Date date;
  std::size_t column;
  double value;
};
Panel panel_from_long(const std::vector<std::string>& names, std::vector<FeatureValue> rows);

}  // namespace mre::store
