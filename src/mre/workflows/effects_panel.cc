// The effects panel (seed 001): the store's feature set and regime probabilities on the monthly
// grid, one treatment, outcome and horizon assembled into (t, y, X, regimes); a user's CSV read
// as one; every cell's panel exported. See effects.h.
#include <algorithm>
#include <cmath>

#include "mre/codec/classifier_json.h"
#include "mre/core/atomic_file.h"
#include "mre/core/csv.h"
#include "mre/core/error.h"
#include "mre/workflows/detail/feature_lookup.h"
#include "mre/workflows/effects.h"

namespace mre::workflows {
namespace {

// Fewest non-zero treatment values (months) an effect is estimated from (issue 17's bad input).
constexpr long kMinNonZeroTreatment = 30;

store::FeatureVersion newest_features(const store::Store& store, const std::string& set) {
  return detail::resolve_feature_version(store, "", set,
                                         "run 'mre features build --spec config/features/" + set +
                                             ".yml --version auto' or 'mre run' first");
}

const std::vector<double>& column(const Panel& panel, const std::string& name,
                                  const std::string& what) {
  const auto& names = panel.names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                what + ": '" + name + "' is not a column of the feature set");
  }
  return panel.column(name);
}

// The source from the given feature version and the regime version (newest of the spec's regime
// spec when `regime_version` is empty and `pinned` is false).
EffectsSource load_source(const store::Store& store, const EffectsSpec& spec,
                          const std::string& feature_version, const std::string& regime_version,
                          bool pinned) {
  EffectsSource source;
  source.feature_version = feature_version;
  source.panel = store.read_features(source.feature_version, std::nullopt, std::nullopt);
  // Every cell reads the controls: a misspelled one was named only when the first cell failed,
  // minutes into a grid (QA 2026-12-08).
  for (const auto& c : spec.controls) column(source.panel, c, "control");
  const auto& dates = source.panel.dates();
  source.regime_at.resize(dates.size());
  if (!spec.regimes.empty() && !(pinned && regime_version.empty())) {
    std::optional<store::RegimeModel> model;
    for (const auto& m : store.list_regime_models()) {
      if (pinned ? m.version == regime_version : m.spec_name == spec.regimes) model = m;
    }
    if (!model && pinned)
      throw Error(ErrorCode::kNotFound,
                  "regime version '" + regime_version + "' is not in the store");
    if (!model) {
      throw Error(ErrorCode::kNotFound,
                  "no regime version of spec '" + spec.regimes +
                      "' (run 'mre run' or 'mre regimes fit --spec config/regimes/" + spec.regimes +
                      ".yml --version auto')");
    }
    source.regime_version = model->version;
    source.regime_names = model->labels;
    // Regime probabilities on the grid, as of each date (the newest row on or before it).
    const auto rows = store.read_regimes(model->version, std::nullopt, std::nullopt);
    std::size_t j = 0;
    for (std::size_t i = 0; i < dates.size(); ++i) {
      while (j < rows.size() && rows[j].date <= dates[i]) ++j;
      if (j > 0) source.regime_at[i] = rows[j - 1].probabilities;
    }
  }
  // The built treatments the spec names (identified shocks and real-time surprises).
  for (const auto& name : spec.treatments) {
    if (treatment_info(name).built) source.built[name] = build_treatment(store, name, dates);
  }
  return source;
}

}  // namespace

EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec) {
  return load_source(store, spec, newest_features(store, spec.feature_set).version, "", false);
}

EffectsSource load_effects_source(const store::Store& store, const EffectsSpec& spec,
                                  const std::string& feature_version,
                                  const std::string& regime_version) {
  if (!store.find_feature_version(feature_version)) {
    throw Error(ErrorCode::kNotFound,
                "feature version '" + feature_version + "' is not in the store");
  }
  return load_source(store, spec, feature_version, regime_version, true);
}

EffectsPanel assemble_panel(const store::Store& store, const EffectsSpec& spec,
                            const std::string& treatment, const std::string& outcome, int horizon) {
  auto source = load_effects_source(store, spec);
  if (treatment_info(treatment).built && !source.built.count(treatment)) {
    source.built[treatment] = build_treatment(store, treatment, source.panel.dates());
  }
  return assemble_panel(source, spec, treatment, outcome, horizon);
}

EffectsPanel assemble_panel(const EffectsSource& source, const EffectsSpec& spec,
                            const std::string& treatment, const std::string& outcome, int horizon) {
  if (horizon < 1)
    throw Error(ErrorCode::kInvalidArgument,
                "horizon: must be >= 1 month (got " + std::to_string(horizon) + ")");
  const auto found = spec.outcomes.find(outcome);
  if (found == spec.outcomes.end()) {
    std::string known;
    for (const auto& [name, o] : spec.outcomes) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kInvalidArgument,
                "outcome: unknown '" + outcome + "' (known: " + known + ")");
  }
  const Panel& panel = source.panel;
  const auto& dates = panel.dates();
  const auto n = static_cast<Eigen::Index>(panel.rows());
  for (const int l : spec.lags) {
    // Checked by load_effects_spec for a file; a spec built in code is checked here, before any
    // index arithmetic (a negative lag would read future months, a large one out of range).
    if (l < 1 || l > 60)
      throw Error(ErrorCode::kInvalidArgument,
                  "lags: must be in [1, 60] (got " + std::to_string(l) + ")");
  }
  const auto built = source.built.find(treatment);
  const auto& t_col =
      built != source.built.end() ? built->second : column(panel, treatment, "treatment");
  const auto& level = column(panel, found->second.feature, "outcome");
  std::vector<const std::vector<double>*> controls;
  for (const auto& c : spec.controls) controls.push_back(&column(panel, c, "control"));
  EffectsPanel out;
  out.feature_version = source.feature_version;
  out.regime_version = source.regime_version;
  out.regime_names = source.regime_names;
  const auto& regime_at = source.regime_at;
  const std::size_t R = out.regime_names.size();
  int max_lag = 0;
  for (int l : spec.lags) max_lag = std::max(max_lag, l);
  // Columns: each control and each regime probability at each lag.
  for (const auto& c : spec.controls) {
    for (int l : spec.lags) out.control_names.push_back(c + "_lag" + std::to_string(l));
  }
  // Regime probabilities sum to one: the last regime's column is left out (it is the
  // intercept minus the others).
  for (std::size_t r = 0; r + 1 < out.regime_names.size(); ++r) {
    for (int l : spec.lags)
      out.control_names.push_back("p_" + out.regime_names[r] + "_lag" + std::to_string(l));
  }
  std::vector<double> t_values;
  std::vector<double> y_values;
  std::vector<std::vector<double>> x_rows;
  std::vector<std::vector<double>> z_rows;
  // The controls of month u (each control and regime probability at each lag); false when one
  // is missing. REQUIRES: u >= max_lag.
  const auto controls_at = [&](std::size_t u, std::vector<double>& x) {
    bool ok = true;
    for (const auto* c : controls) {
      for (int l : spec.lags) {
        const double v = (*c)[u - static_cast<std::size_t>(l)];
        ok &= std::isfinite(v);
        x.push_back(v);
      }
    }
    if (R > 0) {
      for (std::size_t r = 0; r + 1 < R; ++r) {
        for (int l : spec.lags) {
          const auto& p = regime_at[u - static_cast<std::size_t>(l)];
          ok &= p.size() == R;
          x.push_back(p.size() == R ? p[r] : 0.0);
        }
      }
      ok &= regime_at[u].size() == R;
    }
    return ok;
  };
  for (Eigen::Index i = max_lag; i + horizon < n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const double t = t_col[u];
    const double a = level[u];
    const double b = level[u + static_cast<std::size_t>(horizon)];
    const double y = found->second.change ? b - a : b / a - 1.0;
    if (!std::isfinite(t) || !std::isfinite(y)) continue;
    std::vector<double> x;
    if (!controls_at(u, x)) continue;
    out.dates.push_back(dates[u]);
    t_values.push_back(t);
    y_values.push_back(y);
    x_rows.push_back(std::move(x));
    if (R > 0) z_rows.push_back(regime_at[u]);
  }
  const auto rows = static_cast<Eigen::Index>(t_values.size());
  if (rows == 0) {
    throw Error(ErrorCode::kDataError, "no month has the treatment '" + treatment +
                                           "', the outcome '" + outcome + "' at horizon " +
                                           std::to_string(horizon) + " and every control");
  }
  const auto nonzero =
      std::count_if(t_values.begin(), t_values.end(), [](double v) { return v != 0.0; });
  if (nonzero < kMinNonZeroTreatment) {
    throw Error(ErrorCode::kDataError, "treatment: '" + treatment + "' has " +
                                           std::to_string(nonzero) +
                                           " non-zero values in the usable months (fewer than " +
                                           std::to_string(kMinNonZeroTreatment) + ")");
  }
  out.t = Eigen::Map<const Vector>(t_values.data(), rows);
  out.y = Eigen::Map<const Vector>(y_values.data(), rows);
  out.X.resize(rows, static_cast<Eigen::Index>(out.control_names.size()));
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < out.X.cols(); ++j)
      out.X(i, j) = x_rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  }
  if (R > 0) {
    Matrix Z(rows, static_cast<Eigen::Index>(R));
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (std::size_t r = 0; r < R; ++r)
        Z(i, static_cast<Eigen::Index>(r)) = z_rows[static_cast<std::size_t>(i)][r];
    }
    out.regimes = Z;
  }
  // "Current": the newest grid date with a treatment value (and regime probabilities).
  for (Eigen::Index i = n - 1; i >= 0; --i) {
    const auto u = static_cast<std::size_t>(i);
    if (std::isfinite(t_col[u]) && (R == 0 || regime_at[u].size() == R)) {
      out.latest = dates[u];
      out.latest_regime_probabilities = regime_at[u];
      out.latest_regime_names = out.regime_names;
      break;
    }
  }
  // The newest month whose controls are all known (the query's controls for an interval about
  // what comes next; its treatment and outcome need not be known).
  for (Eigen::Index i = n - 1; i >= max_lag; --i) {
    std::vector<double> x;
    if (controls_at(static_cast<std::size_t>(i), x)) {
      out.latest_controls = std::move(x);
      out.latest_controls_date = dates[static_cast<std::size_t>(i)];
      break;
    }
  }
  return out;
}

EffectsPanel panel_from_csv(const std::filesystem::path& path, const std::string& outcome_column,
                            const std::string& treatment_column,
                            const std::vector<std::string>& controls) {
  auto reader = CsvReader::open(path);
  const auto index = [&](const std::string& name, const char* option) {
    const auto c = reader.find_column(name);
    if (!c)
      throw Error(ErrorCode::kDataError,
                  reader.name() + ":1: no column '" + name + "' (" + option + ")");
    return *c;
  };
  const std::size_t yc = index(outcome_column, "--outcome-col");
  const std::size_t tc = index(treatment_column, "--treatment-col");
  std::vector<std::size_t> xc;
  for (const auto& c : controls) xc.push_back(index(c, "--controls"));
  EffectsPanel out;
  out.control_names = controls;
  std::vector<double> t_values;
  std::vector<double> y_values;
  std::vector<double> x_values;
  CsvRow row;
  while (reader.next(row)) {
    const std::string where = reader.name() + ":" + std::to_string(row.line) + ": ";
    if (row.fields.size() != reader.header().size())
      throw Error(ErrorCode::kDataError, where + "wrong number of fields");
    const auto date = Date::parse(row.fields[0]);
    if (!date)
      throw Error(ErrorCode::kDataError, where + "first column: " + quote_field(row.fields[0]) +
                                             " is not a YYYY-MM-DD date");
    const auto number = [&](std::size_t c) {
      const auto v = parse_double(row.fields[c]);
      if (!v) {
        throw Error(ErrorCode::kDataError, where + "column " + reader.header()[c] + ": " +
                                               quote_field(row.fields[c]) +
                                               " is not a finite number");
      }
      return *v;
    };
    out.dates.push_back(*date);
    y_values.push_back(number(yc));
    t_values.push_back(number(tc));
    for (const auto c : xc) x_values.push_back(number(c));
  }
  const auto n = static_cast<Eigen::Index>(t_values.size());
  out.t = Eigen::Map<const Vector>(t_values.data(), n);
  out.y = Eigen::Map<const Vector>(y_values.data(), n);
  out.X = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      x_values.data(), n, static_cast<Eigen::Index>(xc.size()));
  if (n > 0) out.latest = out.dates.back();
  return out;
}

std::size_t export_panels(const store::Store& store, const std::filesystem::path& spec_path,
                          const std::filesystem::path& directory) {
  const auto spec = load_effects_spec(spec_path);
  const EffectsSource source = load_effects_source(store, spec);
  std::error_code status_error;
  const auto status = std::filesystem::symlink_status(directory, status_error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    throw Error(ErrorCode::kInvalidArgument, "--out: " + directory.string() +
                                                 " exists and is not a directory (export-panels "
                                                 "writes one CSV per cell into a directory)");
  }
  std::error_code create_error;
  std::filesystem::create_directories(directory, create_error);
  if (create_error) {
    throw Error(ErrorCode::kIoError, "--out: cannot create the directory " + directory.string() +
                                         ": " + create_error.message());
  }
  std::size_t files = 0;
  for (const auto& treatment : spec.treatments) {
    for (const auto& [outcome, o] : spec.outcomes) {
      for (const int h : spec.horizons) {
        const auto panel = assemble_panel(source, spec, treatment, outcome, h);
        std::string text = "date,y,t";
        for (const auto& c : panel.control_names) text += "," + c;
        text += "\n";
        for (Eigen::Index i = 0; i < panel.t.size(); ++i) {
          text += panel.dates[static_cast<std::size_t>(i)].iso() + ",";
          codec::append_number(text, panel.y(i));
          text += ",";
          codec::append_number(text, panel.t(i));
          for (Eigen::Index j = 0; j < panel.X.cols(); ++j) {
            text += ",";
            codec::append_number(text, panel.X(i, j));
          }
          text += "\n";
        }
        const auto path =
            directory / (treatment + "__" + outcome + "__" + std::to_string(h) + ".csv");
        write_file_atomically(path, text);  // checked, fsynced, renamed: never half a file
        ++files;
      }
    }
  }
  return files;
}

}  // namespace mre::workflows
