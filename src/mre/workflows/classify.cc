// The hierarchical classifier's use cases; see classify.h.
#include "mre/workflows/classify.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "mre/codec/classification_csv.h"
#include "mre/codec/classifier_json.h"
#include "mre/core/atomic_file.h"
#include "mre/core/check.h"
#include "mre/core/csv.h"
#include "mre/core/date.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/narrative/classification_sentence.h"
#include "mre/narrative/mapping_report.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/walk_forward.h"
#include "mre/sources/universe.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/detail/hmm_settings.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

namespace hier = regimes::hierarchical;
namespace hmm = regimes::hmm;
using detail::fail;
using detail::only_keys;
using detail::scalar;

constexpr const char* kModels[] = {"global_macro", "muni"};

std::string canonical(const ClassifierSpec& s) {
  std::ostringstream out;
  out.precision(17);
  out << "name=" << s.name << "\nfeature_set=" << s.feature_set
      << "\ncovariance=" << hmm::covariance_name(s.hmm.covariance) << "\nn_iter=" << s.hmm.n_iter
      << "\ntol=" << s.hmm.tol << "\nn_init=" << s.hmm.n_init << "\nseed=" << s.hmm.seed
      << "\nmin_covar=" << s.hmm.min_covar
      << (s.hmm.screen_iterations ? "\nscreen_iterations=" + std::to_string(s.hmm.screen_iterations)
                                  : std::string())
      << (s.hmm.covariance_prior != hmm::CovariancePrior::kNone
              ? "\ncovariance_prior=" + hmm::covariance_prior_name(s.hmm.covariance_prior)
              : std::string())
      << (s.hmm.acceleration != hmm::EmAcceleration::kNone
              ? "\nacceleration=" + hmm::acceleration_name(s.hmm.acceleration)
              : std::string())
      << "\nretrain_every_months=" << s.retrain_every_months
      << "\nmin_indicators=" << s.min_indicators
      << "\ninstrument_types=" << store::join_names(s.instrument_types) << "\n";
  return out.str();
}

std::string iso_date(Date d) { return d.iso(); }

// The UTC day of a timestamp key (timestamp_key: microseconds since the epoch).
Date utc_day(std::int64_t key) {
  constexpr std::int64_t kDay = 86'400'000'000LL;
  const std::int64_t days = key >= 0 ? key / kDay : -((-key + kDay - 1) / kDay);
  return Date::from_days(static_cast<std::int32_t>(days));
}

// The columns of the MR-DS-01 indicators in a header, by name (or as `mre features export`
// names a proxy column, NAME[proxy]: issue 22); names the first one missing.
std::vector<std::size_t> indicator_columns(const CsvReader& reader) {
  std::vector<std::size_t> out;
  for (const auto& name : hier::mr_ds_01_indicators()) {
    auto c = reader.find_column(name);
    if (!c) c = reader.find_column(name + "[proxy]");
    if (!c)
      throw Error(ErrorCode::kDataError,
                  reader.name() + ":1: missing indicator column '" + name + "'");
    out.push_back(*c);
  }
  return out;
}

std::size_t timestamp_column(const CsvReader& reader) {
  // MR-IMPL-01 names it `timestamp`; every CSV mre writes calls it `date` (issue 22): both read.
  auto c = reader.find_column("timestamp");
  if (!c) c = reader.find_column("date");
  if (!c) {
    throw Error(ErrorCode::kDataError,
                reader.name() +
                    ":1: no 'timestamp' (or 'date') column (MR-IMPL-01: a timestamp column, "
                    "then the indicators)");
  }
  return *c;
}

struct TrainingData {
  std::vector<std::string> timestamps;
  Matrix values;  // rows x 10
  std::string source;
};

TrainingData training_from_csv(const std::filesystem::path& path, const TrainOptions& options) {
  auto reader = CsvReader::open(path);
  const std::size_t ts = timestamp_column(reader);
  const auto columns = indicator_columns(reader);
  std::vector<std::string> stamps;
  std::vector<double> flat;
  std::optional<std::int64_t> last;
  const auto from = options.from ? timestamp_key(*options.from) : std::nullopt;
  const auto to = options.to ? timestamp_key(*options.to) : std::nullopt;
  CsvRow row;
  while (reader.next(row)) {
    const std::string where = reader.name() + ":" + std::to_string(row.line) + ": ";
    if (row.fields.size() != reader.header().size()) {
      throw Error(ErrorCode::kDataError, where + "expected " +
                                             std::to_string(reader.header().size()) +
                                             " fields, found " + std::to_string(row.fields.size()));
    }
    const std::string stamp(row.fields[ts]);
    const auto key = timestamp_key(stamp);
    if (!key)
      throw Error(ErrorCode::kDataError,
                  where + "timestamp '" + stamp + "' is not an ISO date or time");
    if (last && *key <= *last) {
      throw Error(ErrorCode::kDataError,
                  where + "timestamp " + stamp +
                      (*key == *last ? " repeats the previous row's"
                                     : " is earlier than the previous row's") +
                      " (MR-IMPL-01: training data must be chronologically sorted)");
    }
    last = key;
    if ((from && *key < *from) || (to && *key > *to)) continue;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto field = row.fields[columns[i]];
      if (is_missing_token(field)) {
        flat.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      const auto v = parse_double(field);
      if (!v) {
        throw Error(ErrorCode::kDataError, where + "column " + hier::mr_ds_01_indicators()[i] +
                                               ": " + quote_field(field) +
                                               " is not a finite number");
      }
      flat.push_back(*v);
    }
    stamps.push_back(stamp);
  }
  TrainingData out;
  out.timestamps = std::move(stamps);
  const auto n = static_cast<Eigen::Index>(out.timestamps.size());
  const auto D = static_cast<Eigen::Index>(hier::mr_ds_01_indicators().size());
  out.values =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          flat.data(), n, D);
  out.source = "csv:" + path.filename().string();
  return out;
}

TrainingData training_from_store(const store::Store& store, const ClassifierSpec& spec,
                                 const TrainOptions& options) {
  const auto features = detail::resolve_feature_version(
      store, options.features_version, spec.feature_set,
      "run 'mre features build --spec config/features/indicators.yml --version auto' first, or "
      "train on a CSV with --data");
  std::optional<Date> from;
  std::optional<Date> to;
  if (options.from) {
    from = Date::parse(*options.from);
    if (!from)
      throw Error(ErrorCode::kInvalidArgument,
                  "--from: expected YYYY-MM-DD (got '" + *options.from + "')");
  }
  if (options.to) {
    to = Date::parse(*options.to);
    if (!to)
      throw Error(ErrorCode::kInvalidArgument,
                  "--to: expected YYYY-MM-DD (got '" + *options.to + "')");
  }
  const Panel panel = store.read_features(features.version, from, to);
  TrainingData out;
  const auto& names = hier::mr_ds_01_indicators();
  out.values.resize(static_cast<Eigen::Index>(panel.rows()),
                    static_cast<Eigen::Index>(names.size()));
  for (std::size_t c = 0; c < names.size(); ++c) {
    const auto found =
        std::find_if(features.columns.begin(), features.columns.end(),
                     [&](const store::FeatureColumn& fc) { return fc.name == names[c]; });
    if (found == features.columns.end()) {
      throw Error(ErrorCode::kInvalidArgument, "feature version " + features.version +
                                                   " has no column '" + names[c] +
                                                   "' (MR-DS-01 needs all ten indicators)");
    }
    const auto& values = panel.column(names[c]);
    for (std::size_t t = 0; t < panel.rows(); ++t) {
      out.values(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(c)) = values[t];
    }
  }
  for (std::size_t t = 0; t < panel.rows(); ++t)
    out.timestamps.push_back(iso_date(panel.dates()[t]));
  out.source = features.version;
  return out;
}

struct FittedComponent {
  hier::Component component;
  hmm::GaussianHmmFit fit;
  Vector filtered_last;
};

FittedComponent fit_component(const Matrix& all, const hier::ModelDefinition& definition,
                              const ClassifierSpec& spec, const hier::Component* previous) {
  const auto& names = hier::mr_ds_01_indicators();
  Matrix data(all.rows(), static_cast<Eigen::Index>(definition.indicators.size()));
  for (std::size_t i = 0; i < definition.indicators.size(); ++i) {
    const auto at = std::find(names.begin(), names.end(), definition.indicators[i]) - names.begin();
    data.col(static_cast<Eigen::Index>(i)) = all.col(at);
  }
  FittedComponent out;
  out.component.definition = definition;
  auto config = spec.hmm;
  config.n_states = definition.n_states();
  try {
    out.fit = hmm::fit(data, config);
  } catch (const Error& e) {
    throw Error(e.code(), definition.name + " HMM: " + e.what());
  }
  out.component.stats = hier::global_statistics(data);
  if (previous) {
    // Issue 18: the new states in the previous model's order (Hungarian on the distance between
    // state means in units of this training data's standard deviations) before the mapping.
    Vector scale = out.component.stats.std;
    for (Eigen::Index d = 0; d < scale.size(); ++d) {
      if (!(scale(d) > 0) || !std::isfinite(scale(d))) scale(d) = 1.0;
    }
    out.fit.params = regimes::permute_states(
        out.fit.params, regimes::align_states(previous->params, out.fit.params, scale));
  }
  out.component.params = out.fit.params;
  out.component.mapping = hier::map_states(out.fit.params.means, out.component.stats, definition);
  const auto filter = hmm::forward_filter(hmm::log_emission(out.fit.params, data),
                                          out.fit.params.transition, out.fit.params.initial);
  out.filtered_last = filter.filtered.row(filter.filtered.rows() - 1).transpose();
  return out;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

hier::HierarchicalModel load_model(const store::Store& store, const std::string& version,
                                   store::ClassifierModel* record) {
  const auto found = store.find_classifier(version);
  if (!found) {
    throw Error(ErrorCode::kNotFound,
                "no classifier version '" + version + "' in " + store.describe() +
                    " (see 'mre classify list'; train one with 'mre classify train')");
  }
  if (record) *record = *found;
  return codec::classifier_model_from_json(found->model_json, "classifier " + version);
}

ClassifierSpec spec_from_record(const store::ClassifierModel& record) {
  // The stored canonical text holds the instrument types and the retraining period.
  ClassifierSpec spec;
  std::istringstream in(record.spec_text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "instrument_types") spec.instrument_types = store::split_names(value);
    if (key == "retrain_every_months") spec.retrain_every_months = std::stoi(value);
    if (key == "min_indicators") spec.min_indicators = std::stoi(value);
  }
  return spec;
}

void check_instrument(const std::vector<std::string>& allowed, const std::string& type,
                      const std::string& where) {
  if (type.empty()) return;
  if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
    throw Error(ErrorCode::kDataError, where + "unknown instrument_type '" + type +
                                           "' (known: " + store::join_names(allowed) + ")");
  }
}

// MR-AI-04: the model is due for retraining `months` after its last training timestamp.
std::optional<Date> retrain_due(const store::ClassifierModel& record, int months) {
  const auto key = timestamp_key(record.trained_to);
  if (!key) return std::nullopt;
  const Date last = Date::from_days(static_cast<std::int32_t>(*key / 86'400'000'000LL));
  return last.add_months(months);
}

// A matrix as its rows (the narrative's facts hold no Eigen types).
std::vector<std::vector<double>> rows_of(const Matrix& m) {
  std::vector<std::vector<double>> out(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    out[static_cast<std::size_t>(r)].assign(m.row(r).begin(), m.row(r).end());
  return out;
}

// Refuses an observation with fewer present indicators than the spec's minimum, naming them.
void check_coverage(const double* values, int min_indicators, const std::string& where) {
  const auto& names = hier::mr_ds_01_indicators();
  int present = 0;
  std::string missing;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (std::isnan(values[i])) {
      missing += (missing.empty() ? "" : ", ") + names[i];
    } else {
      ++present;
    }
  }
  if (present < min_indicators) {
    throw Error(ErrorCode::kDataError,
                where + std::to_string(present) + " of " + std::to_string(names.size()) +
                    " indicators present (missing: " + missing +
                    "); the classifier needs at "
                    "least " +
                    std::to_string(min_indicators) +
                    " (min_indicators in the spec) to classify an observation");
  }
}

}  // namespace

ClassifierSpec load_classifier_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "classifier spec");
  only_keys(path, root,
            {"name", "description", "feature_set", "hmm", "retrain_every_months",
             "instrument_types", "min_indicators", "backfill_screen_iterations",
             "backfill_switch_level", "backfill_full_first_fit"},
            "");
  ClassifierSpec spec;
  if (!root["name"] || root["name"].Scalar().empty()) fail(path, root, "missing field 'name'");
  spec.name = root["name"].Scalar();
  if (root["feature_set"])
    spec.feature_set = scalar<std::string>(path, root["feature_set"], "feature_set");
  // n_states is not a setting here: MR-IMPL-02 fixes 6 (global) and 3 (MUNI).
  if (const YAML::Node h = root["hmm"]) detail::parse_hmm_settings(path, h, spec.hmm, false);
  if (root["retrain_every_months"]) {
    spec.retrain_every_months =
        scalar<int>(path, root["retrain_every_months"], "retrain_every_months");
    if (spec.retrain_every_months < 1)
      fail(path, root["retrain_every_months"], "'retrain_every_months' must be >= 1");
  }
  if (root["min_indicators"]) {
    spec.min_indicators = scalar<int>(path, root["min_indicators"], "min_indicators");
    const int n = static_cast<int>(hier::mr_ds_01_indicators().size());
    if (spec.min_indicators < 1 || spec.min_indicators > n) {
      fail(path, root["min_indicators"],
           "'min_indicators' must be between 1 and " + std::to_string(n));
    }
  }
  if (root["backfill_screen_iterations"]) {
    spec.backfill_screen_iterations = detail::count_in_range(
        path, root["backfill_screen_iterations"], "backfill_screen_iterations", 0, 1'000'000);
  }
  if (root["backfill_switch_level"]) {
    spec.backfill_switch_level =
        scalar<double>(path, root["backfill_switch_level"], "backfill_switch_level");
    if (!(spec.backfill_switch_level > 0 && spec.backfill_switch_level <= 1))
      fail(path, root["backfill_switch_level"], "'backfill_switch_level' must be in (0, 1]");
  }
  if (root["backfill_full_first_fit"]) {
    spec.backfill_full_first_fit =
        scalar<bool>(path, root["backfill_full_first_fit"], "backfill_full_first_fit");
  }
  if (root["instrument_types"]) {
    spec.instrument_types =
        scalar<std::vector<std::string>>(path, root["instrument_types"], "instrument_types");
  }
  if (std::find(spec.instrument_types.begin(), spec.instrument_types.end(), "MUNI") ==
      spec.instrument_types.end()) {
    spec.instrument_types.insert(spec.instrument_types.begin(), "MUNI");
  }
  spec.canonical_text = canonical(spec);
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "classifier spec");
}

std::optional<std::int64_t> timestamp_key(std::string_view text) {
  if (const auto d = Date::parse(text))
    return static_cast<std::int64_t>(d->days_since_epoch()) * 86'400'000'000LL;
  if (text.size() <= 10) return std::nullopt;
  if (const auto t = Timestamp::parse(text)) return t->micros();
  return std::nullopt;
}

TrainReport train_classifier(store::Store& store, const TrainOptions& options) {
  const ClassifierSpec spec = load_classifier_spec(options.spec_path);
  const TrainingData data = options.data_csv ? training_from_csv(*options.data_csv, options)
                                             : training_from_store(store, spec, options);
  if (data.timestamps.empty())
    throw Error(ErrorCode::kDataError, "no training rows in the requested range");
  const std::string version = options.version == "auto"
                                  ? "C_" + spec.name + "_" +
                                        fnv1a_hex(spec.hash + data.source +
                                                  data.timestamps.front() + data.timestamps.back())
                                            .substr(0, 8)
                                  : options.version;
  store::validate_version_tag(version);
  if (const auto existing = store.find_classifier(version)) {
    if (options.version == "auto") {  // the same spec and data: nothing to do
      TrainReport report;
      report.written = false;
      report.record = *existing;
      const auto current = current_classification(store, version);
      report.model = current.model;
      report.latest = current.result;
      report.rows = data.timestamps.size();
      return report;
    }
    throw Error(ErrorCode::kInvalidArgument,
                "classifier version '" + version +
                    "' already exists; versions are never overwritten (choose a new tag)");
  }
  std::optional<hier::HierarchicalModel> previous;
  if (!options.align_to.empty()) previous = load_model(store, options.align_to, nullptr);
  // Each model is fitted on its own indicators only (MR-BR-05, MR-NFR-01).
  FittedComponent global = fit_component(data.values, hier::global_macro_definition(), spec,
                                         previous ? &previous->global : nullptr);
  FittedComponent muni = fit_component(data.values, hier::muni_definition(), spec,
                                       previous ? &previous->muni : nullptr);
  TrainReport report;
  report.model.global = global.component;
  report.model.muni = muni.component;
  report.rows = data.timestamps.size();
  report.global_iterations = global.fit.iterations;
  report.global_converged = global.fit.converged;
  report.muni_iterations = muni.fit.iterations;
  report.muni_converged = muni.fit.converged;
  report.global_start_log_likelihoods = global.fit.start_log_likelihoods;
  report.global_starts_at_best = global.fit.starts_at_best;
  report.muni_start_log_likelihoods = muni.fit.start_log_likelihoods;
  report.muni_starts_at_best = muni.fit.starts_at_best;
  const hier::FilterState carried{global.filtered_last, muni.filtered_last};
  const hier::Classifier classifier(report.model);
  const Eigen::Index last = data.values.rows() - 1;
  std::vector<double> row(static_cast<std::size_t>(data.values.cols()));
  for (Eigen::Index d = 0; d < data.values.cols(); ++d)
    row[static_cast<std::size_t>(d)] = data.values(last, d);
  report.latest = classifier.labels_of(carried, row.data());
  if (previous) {
    // Label churn (issue 18): over the training rows, the share whose global label under the new
    // model differs from the previous model's, each filtering the same data from its initial
    // distribution; rows below min_indicators are skipped by both.
    const hier::Classifier old_classifier(*previous);
    hier::FilterState old_state;
    hier::FilterState new_state;
    bool started = false;
    std::size_t compared = 0;
    std::size_t changed = 0;
    std::vector<double> values(static_cast<std::size_t>(data.values.cols()));
    for (Eigen::Index t = 0; t < data.values.rows(); ++t) {
      int present = 0;
      for (Eigen::Index d = 0; d < data.values.cols(); ++d) {
        values[static_cast<std::size_t>(d)] = data.values(t, d);
        present += std::isnan(data.values(t, d)) ? 0 : 1;
      }
      if (present < spec.min_indicators) continue;
      const auto a =
          old_classifier.classify(values.data(), started ? &old_state : nullptr, old_state);
      const auto b = classifier.classify(values.data(), started ? &new_state : nullptr, new_state);
      started = true;
      ++compared;
      changed += a.global.label != b.global.label ? 1 : 0;
    }
    report.aligned_to = options.align_to;
    report.label_churn =
        compared ? static_cast<double>(changed) / static_cast<double>(compared) : 0.0;
    report.churn_rows = compared;
  }

  auto& record = report.record;
  record.version = version;
  record.spec_name = spec.name;
  record.spec_hash = spec.hash;
  record.spec_text = spec.canonical_text;
  record.source = data.source;
  record.model_json = codec::classifier_model_to_json(report.model);
  record.trained_from = data.timestamps.front();
  record.trained_to = data.timestamps.back();
  record.created_at = Timestamp::now();
  store::ClassifierState state;
  state.sequence = 0;
  state.timestamp = data.timestamps.back();
  state.key = *timestamp_key(data.timestamps.back());
  state.state_json = codec::filter_state_to_json(carried, row);
  state.origin = "train";
  state.written_at = record.created_at;
  store.write_classifier(record, state);
  return report;
}

hier::HierarchicalModel load_classifier(const store::Store& store, const std::string& version) {
  return load_model(store, version, nullptr);
}

CurrentClassification current_classification(const store::Store& store,
                                             const std::string& version) {
  return current_classification(store, version, load_model(store, version, nullptr));
}

CurrentClassification current_classification(const store::Store& store, const std::string& version,
                                             const hier::HierarchicalModel& model) {
  CurrentClassification out;
  out.model = model;
  const auto newest = store.read_classifier_states(version, 1).front();
  const auto state = codec::filter_state_from_json(newest.state_json, "classifier state");
  std::vector<double> values =
      codec::filter_state_values_from_json(newest.state_json, "classifier state");
  values.resize(hier::mr_ds_01_indicators().size(), std::numeric_limits<double>::quiet_NaN());
  out.timestamp = newest.timestamp;
  out.result = hier::Classifier(out.model).labels_of(state, values.data());
  out.values = std::move(values);
  return out;
}

std::string mapping_report(const store::Store& store, const std::string& version) {
  if (!store.find_classifier(version)) {
    if (const auto regime = store.find_regime_model(version);
        regime && regime->kind == "classifier_backfill") {
      return backfill_mapping_report(store, version);
    }
  }
  store::ClassifierModel record;
  const auto model = load_model(store, version, &record);
  const auto spec = spec_from_record(record);
  narrative::MappingReportFacts facts{.version = version,
                                      .spec_name = record.spec_name,
                                      .source = record.source,
                                      .trained_from = record.trained_from,
                                      .trained_to = record.trained_to,
                                      .retrain_due = retrain_due(record, spec.retrain_every_months),
                                      .retrain_every_months = spec.retrain_every_months};
  for (const auto* c : {&model.global, &model.muni}) {
    const auto& def = c->definition;
    const auto& m = c->mapping;
    const auto diagnostics = hier::diagnose(m, def, model.condition);
    narrative::MappingReportModel r{.name = def.name,
                                    .indicators = def.indicators,
                                    .state_z = rows_of(m.state_z),
                                    .distance = rows_of(m.distance),
                                    .assigned = m.assigned,
                                    .serving = m.serving,
                                    .fallback = m.fallback,
                                    .cost = m.cost,
                                    .distress_state = m.distress_state,
                                    .distress_state_qualifies = m.distress_state_qualifies,
                                    .stress_state = diagnostics.stress_state,
                                    .stress_score = diagnostics.stress_score,
                                    .stress_inversion = diagnostics.stress_inversion,
                                    .unserved = diagnostics.unserved};
    for (const auto& p : def.profiles) r.labels.push_back(p.label);
    facts.models.push_back(std::move(r));
  }
  for (const auto& m : store.list_regime_models()) {
    if (m.kind == "classifier_backfill" && m.spec_name == record.spec_name)
      facts.backfills.push_back(m.version);
  }
  for (const auto& a : store.list_approvals(version))
    facts.sign_offs.push_back({a.model, a.approved_by, a.approved_at.iso()});
  return narrative::classifier_mapping_report(facts);
}

void approve_classifier(store::Store& store, const std::string& version, const std::string& model,
                        const std::string& by) {
  if (by.empty()) throw Error(ErrorCode::kInvalidArgument, "--by: the approver's name is required");
  // The name is printed in the mapping report's sign-off lines: a newline or other control
  // character in it could write a sign-off line of its own.
  if (by.size() > 200)
    throw Error(ErrorCode::kInvalidArgument,
                "--by: at most 200 characters (got " + std::to_string(by.size()) + ")");
  for (const char c : by) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      throw Error(ErrorCode::kInvalidArgument,
                  "--by: the approver's name contains a control character (newline, tab, ...)");
  }
  if (model != "all" && model != "global_macro" && model != "muni") {
    throw Error(ErrorCode::kInvalidArgument,
                "--model: expected global_macro, muni or all (got '" + model + "')");
  }
  if (!store.find_classifier(version)) {
    throw Error(ErrorCode::kNotFound,
                "no classifier version '" + version + "' (see 'mre classify list')");
  }
  for (const char* m : kModels) {
    if (model == "all" || model == m) store.approve_classifier({version, m, by, Timestamp::now()});
  }
}

void check_instrument_type(const store::Store& store, const std::string& version,
                           const std::string& type) {
  const auto found = store.find_classifier(version);
  if (!found) throw Error(ErrorCode::kNotFound, "no classifier version '" + version + "'");
  check_instrument(spec_from_record(*found).instrument_types, type, "");
}

void require_approved(const store::Store& store, const std::string& version,
                      bool allow_unapproved) {
  if (allow_unapproved) return;
  const auto approvals = store.list_approvals(version);
  for (const char* m : kModels) {
    const bool signed_off =
        std::any_of(approvals.begin(), approvals.end(),
                    [&](const store::ClassifierApproval& a) { return a.model == m; });
    if (!signed_off) {
      throw Error(ErrorCode::kInvalidArgument,
                  "classifier " + version + ": the " + std::string(m) +
                      " mapping has no sign-off (MR-BR-10); review 'mre classify mapping-report " +
                      version + "', then 'mre classify approve " + version +
                      " --by NAME', or pass --allow-unapproved");
    }
  }
}

Observation parse_observation_json(const std::string& text, const std::string& source,
                                   const std::string& instrument_type) {
  auto parsed = codec::observation_from_json(text, source, hier::mr_ds_01_indicators());
  Observation obs;
  obs.timestamp = std::move(parsed.timestamp);
  const auto key = timestamp_key(obs.timestamp);
  if (!key)
    throw Error(ErrorCode::kDataError,
                source + ": timestamp '" + obs.timestamp + "' is not an ISO date or time");
  obs.key = *key;
  obs.values = std::move(parsed.values);
  obs.instrument_type = instrument_type.empty() ? parsed.instrument_type : instrument_type;
  return obs;
}

std::string explain_classification(const std::string& timestamp,
                                   const hier::HierarchicalModel& model,
                                   const hier::Classification& result, bool muni) {
  narrative::ClassificationFacts facts;
  facts.timestamp = timestamp;
  const auto& g = result.global;
  const auto& labels = model.global.definition.profiles;
  facts.global = {labels[static_cast<std::size_t>(g.label)].label, g.confidence};
  int runner = g.label == 0 ? 1 : 0;
  for (int r = 0; r < g.n; ++r) {
    if (r != g.label &&
        g.labels[static_cast<std::size_t>(r)] > g.labels[static_cast<std::size_t>(runner)])
      runner = r;
  }
  facts.runner_up = {labels[static_cast<std::size_t>(runner)].label,
                     g.labels[static_cast<std::size_t>(runner)]};
  facts.volatility_regime = std::string(result.volatility_regime);
  facts.vix = result.vix;
  if (muni) {
    facts.muni = narrative::LabelledProbability{
        model.muni.definition.profiles[static_cast<std::size_t>(result.muni.label)].label,
        result.muni.confidence};
  }
  return narrative::classification_sentence(facts);
}

std::string classify_realtime(store::Store& store, const RealtimeOptions& options,
                              const Observation& observation, const ClassifyLog& log,
                              const hier::HierarchicalModel* parsed) {
  return codec::classification_text(
      classify_realtime_document(store, options, observation, log, parsed));
}

nlohmann::ordered_json classify_realtime_document(store::Store& store,
                                                  const RealtimeOptions& options,
                                                  const Observation& observation,
                                                  const ClassifyLog& log,
                                                  const hier::HierarchicalModel* parsed) {
  store::ClassifierModel record;
  hier::HierarchicalModel model;
  if (parsed) {
    const auto found = store.find_classifier(options.version);
    if (!found)
      throw Error(ErrorCode::kNotFound, "no classifier version '" + options.version + "'");
    record = *found;
    model = *parsed;
  } else {
    model = load_model(store, options.version, &record);
  }
  require_approved(store, options.version, options.allow_unapproved);
  const auto spec = spec_from_record(record);
  check_instrument(spec.instrument_types, observation.instrument_type, "");
  check_arg(observation.values.size() == hier::mr_ds_01_indicators().size(), "observation",
            "must hold the ten MR-DS-01 indicators");
  // The newest state; for a timestamp equal to it (a correction or a second instrument of the
  // same time), the newest state strictly before it.
  const auto states = store.read_classifier_states(options.version, 1000);
  const auto& newest = states.front();
  if (observation.key < newest.key) {
    throw Error(ErrorCode::kDataError,
                "timestamp " + observation.timestamp + " is older than classifier " +
                    options.version + "'s last state (" + newest.timestamp +
                    "); real-time classification moves forward only (use 'mre classify "
                    "historical' for the past)");
  }
  const store::ClassifierState* from = &newest;
  if (observation.key == newest.key) {
    from = nullptr;
    for (const auto& s : states) {
      if (s.key < observation.key) {
        from = &s;
        break;
      }
    }
    if (!from) {
      throw Error(ErrorCode::kDataError,
                  "timestamp " + observation.timestamp + " is not after the end of classifier " +
                      options.version + "'s training data (" + newest.timestamp + ")");
    }
  }
  if (log) {
    if (const auto due = retrain_due(record, spec.retrain_every_months)) {
      if (observation.key >=
          static_cast<std::int64_t>(due->days_since_epoch()) * 86'400'000'000LL) {
        log("warning: classifier " + options.version + " was trained to " + record.trained_to +
            " and is due for retraining since " + due->iso() + " (MR-AI-04)");
      }
    }
  }
  check_coverage(observation.values.data(), spec.min_indicators, observation.timestamp + ": ");
  const hier::Classifier classifier(model);
  const hier::FilterState previous =
      codec::filter_state_from_json(from->state_json, "classifier state");
  hier::FilterState next;
  const auto result = classifier.classify(observation.values.data(), &previous, next);
  const auto coverage = indicator_ages(
      load_indicator_age_source(
          store, options.version,
          options.universe.empty() ? sources::default_universe_path() : options.universe),
      utc_day(observation.key), observation.values.data());
  store::ClassifierState state;
  state.sequence = newest.sequence + 1;
  state.timestamp = observation.timestamp;
  state.key = observation.key;
  state.state_json = codec::filter_state_to_json(next, observation.values);
  state.origin = "classify";
  state.written_at = Timestamp::now();
  if (options.persist) store.append_classifier_state(options.version, state);
  const bool muni = observation.instrument_type == "MUNI";
  const std::string explanation =
      options.explain ? explain_classification(observation.timestamp, model, result, muni)
                      : std::string();
  return codec::classification_document(observation.timestamp, model, result, muni, explanation,
                                        coverage);
}

HistoricalContext load_historical_context(const store::Store& store, const std::string& version,
                                          bool allow_unapproved,
                                          const std::filesystem::path& universe) {
  store::ClassifierModel record;
  HistoricalContext c;
  c.version = version;
  c.model = load_model(store, version, &record);
  require_approved(store, version, allow_unapproved);
  const auto spec = spec_from_record(record);
  c.instrument_types = spec.instrument_types;
  c.min_indicators = spec.min_indicators;
  const auto newest = store.read_classifier_states(version, 1).front();
  c.carried = codec::filter_state_from_json(newest.state_json, "classifier state");
  c.carried_key = newest.key;
  c.carried_timestamp = newest.timestamp;
  c.trained_from = record.trained_from;
  c.trained_to = record.trained_to;
  c.ages = load_indicator_age_source(
      store, version, universe.empty() ? sources::default_universe_path() : universe);
  return c;
}

HistoricalReport classify_historical(const store::Store& store, const HistoricalOptions& options,
                                     const ClassifyLog& log) {
  return classify_historical(
      load_historical_context(store, options.version, options.allow_unapproved, options.universe),
      options, log);
}

HistoricalReport classify_historical(const HistoricalContext& context,
                                     const HistoricalOptions& options, const ClassifyLog& log) {
  // The output is written whole, then renamed over its path: onto the input it would replace
  // the user's file with its classification.
  if (std::error_code ec; std::filesystem::equivalent(options.input, options.output, ec)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--out: '" + options.output.string() + "' is the input itself; write elsewhere");
  }
  // Peek at the first timestamp to choose the starting state.
  std::optional<std::int64_t> first_key;
  {
    auto peek = CsvReader::stream(options.input, 1 << 16);
    const std::size_t ts = timestamp_column(peek);
    CsvRow row;
    if (peek.next(row) && ts < row.fields.size()) first_key = timestamp_key(row.fields[ts]);
  }
  const bool from_carried = first_key && *first_key > context.carried_key;
  const auto trained_to = timestamp_key(context.trained_to);
  const bool overlaps = first_key && trained_to && *first_key <= *trained_to;
  if (log && overlaps) {
    log("warning: the file begins on or before the end of classifier " + context.version +
        "'s training data (" + context.trained_from + " to " + context.trained_to +
        "): labels for dates in the training period are in-sample (the model was fitted on those "
        "dates); labels "
        "as known then need a model trained before them");
  }
  if (log) {
    log(from_carried ? "starting from classifier " + context.version + "'s carried state at " +
                           context.carried_timestamp + " (the file begins after it)"
                     : "starting from the models' initial distributions (the file does not begin "
                       "after the carried "
                       "state at " +
                           context.carried_timestamp + ")");
  }
  auto report = classify_csv(context.model, context.instrument_types, options.input, options.output,
                             from_carried ? &context.carried : nullptr, options.explain,
                             context.min_indicators, &context.ages);
  report.started_from_carried_state = from_carried;
  report.overlaps_training = overlaps;
  if (log && report.unclassified_rows > 0) {
    log("warning: " + std::to_string(report.unclassified_rows) + " row(s) have fewer than " +
        std::to_string(context.min_indicators) +
        " indicators (min_indicators in the spec) and are left unclassified "
        "(empty result cells; the filter state carries over them); the first: " +
        report.first_unclassified);
  }
  report.carried_timestamp = context.carried_timestamp;
  return report;
}

HistoricalReport classify_csv(const hier::HierarchicalModel& model,
                              const std::vector<std::string>& instrument_types,
                              const std::filesystem::path& input,
                              const std::filesystem::path& output, const hier::FilterState* start,
                              bool explain, int min_indicators, const IndicatorAgeSource* ages) {
  auto reader = CsvReader::stream(input);
  const std::size_t ts = timestamp_column(reader);
  const auto columns = indicator_columns(reader);
  const auto instrument_column = reader.find_column("instrument_type");
  const hier::Classifier classifier(model);
  // Written through AtomicFileWriter (a temporary file beside the output, fsync, rename): an error
  // leaves no partial output and an existing file at `output` untouched. "-" streams to stdout.
  std::optional<AtomicFileWriter> writer;
  if (!is_stdout_target(output.string())) writer.emplace(output);
  std::string buffer;
  buffer.reserve(1 << 20);
  const auto flush = [&] {
    if (writer) {
      writer->write(buffer);
    } else if (std::fwrite(buffer.data(), 1, buffer.size(), stdout) != buffer.size()) {
      throw Error(ErrorCode::kIoError, "standard output: write failed");
    }
    buffer.clear();
  };
  codec::append_classification_csv_header(buffer, reader.header(), explain);

  // `before`: the state before the current timestamp (rows sharing a timestamp all step from
  // it); `current`: the state after the latest row.
  hier::FilterState before;
  hier::FilterState current;
  bool have_before = start != nullptr;
  bool have_current = start != nullptr;
  if (start) current = *start;
  std::optional<std::int64_t> last_key;
  double values[hier::kMaxIndicators];
  CsvRow row;
  HistoricalReport report;
  while (reader.next(row)) {
    const auto where = [&] { return reader.name() + ":" + std::to_string(row.line) + ": "; };
    if (row.fields.size() != reader.header().size()) {
      throw Error(ErrorCode::kDataError, where() + "expected " +
                                             std::to_string(reader.header().size()) +
                                             " fields, found " + std::to_string(row.fields.size()));
    }
    const auto key = timestamp_key(row.fields[ts]);
    if (!key) {
      throw Error(ErrorCode::kDataError, where() + "timestamp " + quote_field(row.fields[ts]) +
                                             " is not an ISO date or time");
    }
    if (last_key && *key < *last_key) {
      throw Error(ErrorCode::kDataError,
                  where() + "timestamp " + quote_field(row.fields[ts]) +
                      " is earlier than the previous row's: the file must be sorted by time "
                      "(MR-IMPL-06)");
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (is_missing_token(row.fields[columns[i]])) {  // marginalised (issue 18)
        values[i] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      const auto v = parse_double(row.fields[columns[i]]);
      if (!v) {
        throw Error(ErrorCode::kDataError,
                    where() + "column " + hier::mr_ds_01_indicators()[i] + ": " +
                        quote_field(row.fields[columns[i]]) +
                        " is not a finite number (leave the cell empty for a missing value)");
      }
      values[i] = *v;
    }
    int present = 0;
    for (std::size_t i = 0; i < columns.size(); ++i) present += std::isnan(values[i]) ? 0 : 1;
    std::string_view instrument;
    if (instrument_column) {
      instrument = row.fields[*instrument_column];
      if (!instrument.empty() && std::find(instrument_types.begin(), instrument_types.end(),
                                           instrument) == instrument_types.end()) {
        throw Error(ErrorCode::kDataError,
                    where() + "unknown instrument_type " + quote_field(instrument) +
                        " (known: " + store::join_names(instrument_types) + ")");
      }
    }
    const bool same_time = last_key && *key == *last_key;
    // Issue 18: the indicators' ages on the row's UTC date (from what was published by then).
    std::vector<hier::IndicatorCoverage> row_ages;
    if (ages) row_ages = indicator_ages(*ages, utc_day(*key), values);
    if (present < min_indicators) {
      // Too few indicators to classify: the row is written with empty result cells and its
      // count, the filter state is not advanced (issue 18), and the report counts it.
      if (report.unclassified_rows++ == 0)
        report.first_unclassified = where() + std::to_string(present) + " of 10 indicators";
      codec::append_unclassified_csv_row(buffer, row.text, present, explain, row_ages);
      ++report.rows;
      last_key = key;
      if (!same_time) {
        before = current;
        have_before = have_current;
      }
      if (buffer.size() >= (1 << 20) - 4096) flush();
      continue;
    }
    if (!same_time) {
      before = current;
      have_before = have_current;
    }
    const auto result = [&] {
      try {
        return classifier.classify(values, have_before ? &before : nullptr, current);
      } catch (const Error& e) {  // "an observation is too far from every state": which one
        throw Error(e.code(), where() + e.what());
      }
    }();
    have_current = true;
    last_key = key;
    const bool muni = instrument == "MUNI";
    codec::append_classification_csv_row(
        buffer, row.text, model, result, muni, explain,
        explain ? explain_classification(std::string(row.fields[ts]), model, result, muni)
                : std::string(),
        row_ages);
    ++report.rows;
    if (buffer.size() >= (1 << 20) - 4096) flush();
  }
  flush();
  if (writer) {
    writer->commit();
  } else if (std::fflush(stdout) != 0) {
    throw Error(ErrorCode::kIoError, "standard output: write failed");
  }
  return report;
}

namespace {

struct BackfillSettings {
  ClassifierSpec spec;
  hier::BackfillConfig config;
  std::string canonical_text;
};

BackfillSettings backfill_settings(const BackfillOptions& options) {
  BackfillSettings out;
  ClassifierSpec& spec = out.spec;
  spec = load_classifier_spec(options.spec_path);
  if (options.seed) spec.hmm.seed = *options.seed;
  if (options.n_init) {
    if (*options.n_init < 1)
      throw Error(ErrorCode::kInvalidArgument,
                  "--n-init: must be >= 1 (got " + std::to_string(*options.n_init) + ")");
    spec.hmm.n_init = *options.n_init;
  }
  if (options.min_train_rows < 1) {
    throw Error(ErrorCode::kInvalidArgument, "--min-train-rows: must be >= 1 (got " +
                                                 std::to_string(options.min_train_rows) + ")");
  }
  if (options.to && !Date::parse(*options.to)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--to: expected YYYY-MM-DD (got '" + *options.to + "')");
  }
  auto& config = out.config;
  config.hmm = spec.hmm;
  config.retrain_every_months = spec.retrain_every_months;
  config.min_train_rows = options.min_train_rows;
  config.min_indicators = spec.min_indicators;
  config.warm_start = options.warm_start;
  config.threads = options.threads;
  config.hmm.threads = options.threads;
  config.work_items = options.work_items;
  config.hmm.screen_iterations =
      options.screen_iterations ? *options.screen_iterations : spec.backfill_screen_iterations;
  if (config.hmm.screen_iterations < 0) {
    throw Error(ErrorCode::kInvalidArgument, "--screen-iterations: must be >= 0 (got " +
                                                 std::to_string(config.hmm.screen_iterations) +
                                                 ")");
  }
  config.switch_level = options.switch_level ? *options.switch_level : spec.backfill_switch_level;
  if (!(config.switch_level > 0 && config.switch_level <= 1)) {
    throw Error(ErrorCode::kInvalidArgument, "--switch-level: must be in (0, 1] (got " +
                                                 std::to_string(config.switch_level) + ")");
  }
  config.full_first_fit = spec.backfill_full_first_fit;
  std::ostringstream canonical_text;
  canonical_text << canonical(spec) << "backfill=" << config.min_train_rows << ","
                 << config.min_column_observations << "," << (config.warm_start ? "warm" : "cold")
                 << (options.to ? "," + *options.to : std::string()) << "\n"
                 << "backfill_screen_iterations=" << config.hmm.screen_iterations << "\n"
                 << "backfill_mapping_margin=" << config.mapping_margin << "\n"
                 << "backfill_continuity=" << config.switch_level << ","
                 << (config.full_first_fit ? "full_first" : "screened_first") << "\n";
  out.canonical_text = canonical_text.str();
  return out;
}

}  // namespace

std::string backfill_canonical_text(const BackfillOptions& options) {
  return backfill_settings(options).canonical_text;
}

BackfillRun run_backfill(const store::Store& store, const BackfillOptions& options) {
  const auto settings = backfill_settings(options);
  const auto& spec = settings.spec;
  const auto& config = settings.config;
  TrainOptions train;
  train.features_version = options.features_version;
  train.to = options.to;
  const TrainingData data = training_from_store(store, spec, train);
  if (data.timestamps.empty())
    throw Error(ErrorCode::kDataError, "backfill: no feature rows in the requested range");
  BackfillRun run;
  run.feature_version = data.source;
  run.retrain_every_months = config.retrain_every_months;
  for (const auto& stamp : data.timestamps) run.dates.push_back(*Date::parse(stamp));
  run.canonical_text = settings.canonical_text;
  run.result = hier::backfill(run.dates, data.values, config);
  for (const auto& p : hier::global_macro_definition().profiles) run.labels.push_back(p.label);
  for (const auto& r : run.result.rows) {
    store::RegimeRow row;
    row.date = run.dates[r.row];
    row.regime = run.labels[static_cast<std::size_t>(r.result.global.label)];
    row.score = r.result.global.confidence;
    row.probabilities.assign(r.result.global.labels.begin(),
                             r.result.global.labels.begin() + r.result.global.n);
    run.rows.push_back(std::move(row));
  }
  return run;
}

BackfillReport backfill_classifier(store::Store& store, const BackfillOptions& options) {
  if (options.version.empty()) throw Error(ErrorCode::kInvalidArgument, "--version: required");
  if (options.version != "auto") store::validate_version_tag(options.version);
  BackfillReport report;
  report.run = run_backfill(store, options);
  const auto& run = report.run;
  if (run.rows.empty()) throw Error(ErrorCode::kDataError, "backfill: no date could be labelled");
  store::RegimeModel model;
  model.spec_hash = fnv1a_hex(run.canonical_text);
  model.version = options.version == "auto"
                      ? "B_" + load_classifier_spec(options.spec_path).name + "_" +
                            fnv1a_hex(model.spec_hash + run.feature_version).substr(0, 8)
                      : options.version;
  store::validate_version_tag(model.version);
  model.kind = "classifier_backfill";
  model.spec_name = load_classifier_spec(options.spec_path).name;
  model.spec_text = run.canonical_text;
  model.feature_version = run.feature_version;
  model.columns = hier::mr_ds_01_indicators();
  model.labels = run.labels;
  model.params_json = codec::classifier_model_to_json(run.result.retrains.back().model);
  model.diagnostics_json = codec::backfill_diagnostics_to_json(run.result);
  model.trained_from = run.dates.front();
  model.trained_to = run.result.retrains.back().trained_to;
  model.created_at = Timestamp::now();
  report.version = model.version;
  report.written = store.write_regimes(model, run.rows) == store::FeatureWriteOutcome::kWritten;
  return report;
}

std::string backfill_mapping_report(const store::Store& store, const std::string& version) {
  const auto model = store.find_regime_model(version);
  if (!model)
    throw Error(ErrorCode::kNotFound,
                "no classifier or backfill version '" + version + "' in " + store.describe());
  if (model->kind != "classifier_backfill") {
    throw Error(ErrorCode::kInvalidArgument, "'" + version + "' is a regime version of kind " +
                                                 model->kind +
                                                 ", not a classifier or a classifier backfill");
  }
  const auto retrains =
      codec::backfill_retrains_from_json(model->diagnostics_json, "backfill " + version);
  std::ostringstream out;
  out << "classifier backfill " << version << " (spec " << model->spec_name << ", features "
      << model->feature_version << "): " << retrains.size() << " retrains\n"
      << "RESEARCH OUTPUT, UNAPPROVED: these mappings label the past as known then; they are never "
         "served and carry "
         "no MR-BR-10 sign-off (that stays with the served classifier version)\n";
  out << "\n(best/starts: starts within 1e-3 of the best; with screening "
         "(backfill_screen_iterations) the other starts "
         "stopped early; the last start is the previous retrain's parameters, run to convergence "
         "beside the fresh leader; "
         "'kept' marks a retrain that kept the previous mapping within the margin; 'fit carried' "
         "a retrain where a fresh start had the higher likelihood but Vuong's test did not "
         "prefer it at backfill_switch_level, so the previous optimum continued; 'fit moved' one "
         "where it did)\n"
      << "retrain     rows  log-likelihood  best/starts  iter conv  churn   label of each state "
         "S0..S5 (served)\n";
  const auto& def = hier::global_macro_definition();
  for (const auto& r : retrains) {
    const auto& m = r.model.global.mapping;
    out << r.date.iso() << pad(std::to_string(r.rows), 7) << pad(fixed(r.log_likelihood, 1), 16)
        << pad(std::to_string(r.starts_at_best) + "/" +
                   std::to_string(r.start_log_likelihoods.size()),
               13)
        << pad(std::to_string(r.iterations), 6) << (r.converged ? "  yes" : "   NO")
        << pad(std::isfinite(r.churn) ? fixed(100 * r.churn, 1) + "%" : "-", 7) << "  ";
    for (std::size_t s = 0; s < m.serving.size(); ++s) {
      out << (s ? " " : "") << def.profiles[static_cast<std::size_t>(m.serving[s])].label;
    }
    if (m.kept_previous) out << "  (kept)";
    if (r.switch_tested) {
      out << (r.switched ? "  (fit moved: z " : "  (fit carried: z ")
          << fixed(r.switch_statistic, 2) << ", fresh +" << fixed(r.switch_difference, 1) << ")";
    }
    const auto diagnostics = hier::diagnose(m, def, r.model.condition);
    if (diagnostics.stress_inversion)
      out << "  STRESS INVERSION (S" << *diagnostics.stress_state << ")";
    out << "\n";
  }
  if (!retrains.empty()) {
    out << "\nthe last retrain's full mapping (" << retrains.back().date.iso() << "):\n";
    const auto diagnostics =
        hier::diagnose(retrains.back().model.global.mapping, def, retrains.back().model.condition);
    for (const auto& line : diagnostics.unserved) out << "never served: " << line << "\n";
  }
  return out.str();
}

}  // namespace mre::workflows

namespace mre::workflows {

ClassifierHistory classifier_history(const store::Store& store, const std::string& version,
                                     std::optional<Date> from, std::optional<Date> to,
                                     const hier::HierarchicalModel* parsed) {
  store::ClassifierModel record;
  std::optional<hier::HierarchicalModel> loaded;
  if (!parsed) {
    loaded = load_model(store, version, &record);
    parsed = &*loaded;
  } else {
    const auto found = store.find_classifier(version);
    if (!found)
      throw Error(ErrorCode::kNotFound,
                  "no classifier version '" + version + "' in " + store.describe());
    record = *found;
  }
  if (from && to && *to < *from) {
    throw Error(ErrorCode::kInvalidArgument,
                "'to' " + to->iso() + " is before 'from' " + from->iso());
  }
  const ClassifierSpec spec = spec_from_record(record);
  TrainOptions read;
  if (record.source.rfind("csv:", 0) != 0) read.features_version = record.source;
  if (to) read.to = to->iso();
  // Every feature date up to `to`, from the first: the filter's start never moves with `from`.
  const TrainingData data = training_from_store(store, spec, read);
  ClassifierHistory out;
  auto& m = out.model;
  m.version = version;
  m.kind = "classifier_history";
  m.spec_name = record.spec_name;
  m.spec_hash = record.spec_hash;
  m.feature_version = data.source;
  for (const auto& p : parsed->global.definition.profiles) m.labels.push_back(p.label);
  m.trained_from = Date::parse(record.trained_from.substr(0, 10));
  m.trained_to = Date::parse(record.trained_to.substr(0, 10));
  m.created_at = record.created_at;
  for (const auto& a : store.list_approvals(version))
    out.approved = out.approved || a.model == "global_macro";
  const hier::Classifier classifier(*parsed);
  hier::FilterState state;
  bool started = false;
  std::vector<double> values(static_cast<std::size_t>(data.values.cols()));
  for (Eigen::Index t = 0; t < data.values.rows(); ++t) {
    int present = 0;
    for (Eigen::Index d = 0; d < data.values.cols(); ++d) {
      values[static_cast<std::size_t>(d)] = data.values(t, d);
      present += std::isnan(data.values(t, d)) ? 0 : 1;
    }
    if (present < spec.min_indicators) {  // as classify_csv: left out, the state carried over it
      ++out.unclassified_rows;
      continue;
    }
    const auto c = classifier.classify(values.data(), started ? &state : nullptr, state);
    started = true;
    const Date date = *Date::parse(data.timestamps[static_cast<std::size_t>(t)]);
    if (from && date < *from) continue;
    store::RegimeRow row;
    row.date = date;
    row.regime = m.labels[static_cast<std::size_t>(c.global.label)];
    row.score = c.global.confidence;
    row.probabilities.assign(c.global.labels.begin(), c.global.labels.begin() + c.global.n);
    out.rows.push_back(std::move(row));
  }
  m.rows = out.rows.size();
  if (!out.rows.empty()) {
    m.first = out.rows.front().date;
    m.last = out.rows.back().date;
  }
  return out;
}

}  // namespace mre::workflows
