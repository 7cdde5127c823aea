// See effects_calibration.h.
#include "mre/workflows/effects_calibration.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "mre/causal/surrogates.h"
#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/core/work_items.h"
#include "mre/store/revisions.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

constexpr double kLevel = 0.05;

// One cell of the stored grid, ready for its surrogate fits.
struct PreparedCell {
  EffectsPanel panel{};
  EffectQuery query{};
  bool event = false;
  // Event treatments: the announcements inside the panel's months, their row and surprise, in
  // date order (the order build_treatment sums them in).
  std::vector<Eigen::Index> announcement_row{};
  std::vector<double> announcement_value{};
};

// The surprises permuted across the announcement dates, summed within each month.
Vector permuted_event_treatment(const PreparedCell& c, std::uint64_t seed) {
  std::vector<double> values = c.announcement_value;
  std::mt19937_64 rng(seed);
  std::shuffle(values.begin(), values.end(), rng);
  Vector t = Vector::Zero(c.panel.t.size());
  for (std::size_t k = 0; k < values.size(); ++k) t(c.announcement_row[k]) += values[k];
  return t;
}

codec::CalibrationDraw run_item(const PreparedCell& c, const EffectsSpec& spec, std::size_t cell,
                                int surrogate, std::uint64_t seed, double mean_block) {
  codec::CalibrationDraw d{.cell = cell, .surrogate = surrogate, .seed = seed};
  EffectsPanel panel = c.panel;
  panel.t = c.event ? permuted_event_treatment(c, seed)
                    : causal::stationary_block_bootstrap(c.panel.t, mean_block, seed);
  try {
    const auto e = estimate_effect(panel, c.query, spec);
    d.effect = e.dml.theta;
    d.se = e.dml.se;
    d.p_value = e.dml.p_value;
  } catch (const Error& error) {
    // A surrogate the data cannot support (e.g. a constant resample) is counted as failed.
    if (error.code() != ErrorCode::kDataError) throw;
  }
  return d;
}

// The stored placebos' p-values by kind.
std::map<std::string, double> placebo_p_values(const std::string& json) {
  std::map<std::string, double> out;
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& p : parsed) {
    if (p.is_object() && p.contains("kind") && p["kind"].is_string() && p.contains("p_value") &&
        p["p_value"].is_number()) {
      out[p["kind"].get<std::string>()] = p["p_value"].get<double>();
    }
  }
  return out;
}

std::string settings_text(const CalibrationOptions& o, const store::EffectVersion& v) {
  std::string out = "kind=effects_calibration\neffects_version=" + v.version +
                    "\neffects_spec_hash=" + v.spec_hash +
                    "\nsurrogates=" + std::to_string(o.surrogates) +
                    "\nseed=" + std::to_string(o.seed) + "\nmean_block=";
  codec::append_number(out, o.mean_block);
  out += "\nlevel=";
  codec::append_number(out, kLevel);
  return out + "\nsurrogate=stationary_block_bootstrap|event_permutation\n";
}

}  // namespace

std::uint64_t item_seed(std::uint64_t seed, std::uint64_t item) {
  std::uint64_t z = seed + (item + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

CalibrationRun calibrate_effects(store::Store& store, const CalibrationOptions& options,
                                 const CalibrationProgress& progress) {
  if (options.surrogates < 20) {
    throw Error(ErrorCode::kInvalidArgument,
                "surrogates: at least 20 per cell are needed for a surrogate p-value (got " +
                    std::to_string(options.surrogates) + ")");
  }
  if (!(options.mean_block >= 1.0) || !std::isfinite(options.mean_block)) {
    throw Error(ErrorCode::kInvalidArgument,
                "block: the mean block length must be a number of months >= 1");
  }
  if (options.threads < 0 || options.threads > 1024) {
    throw Error(ErrorCode::kInvalidArgument, "threads: must be in [0, 1024] (0: all cores; got " +
                                                 std::to_string(options.threads) + ")");
  }
  std::optional<store::EffectVersion> version;
  for (const auto& v : store.list_effect_versions()) {
    if (v.version == options.effects_version) version = v;
  }
  if (!version) {
    throw Error(ErrorCode::kNotFound, "effects version '" + options.effects_version +
                                          "' is not in the store ('mre effects list')");
  }
  store::ArtefactHeader header;
  header.spec_text = settings_text(options, *version);
  header.spec_hash = fnv1a_hex(header.spec_text);
  header.spec_name = version->spec_name;
  header.inputs = {{"effects_version", version->version}};
  header.version = options.tag == "auto"
                       ? "C_" + version->version + "_" + header.spec_hash.substr(0, 8)
                       : options.tag;
  store::validate_version_tag(header.version);
  if (const auto stored = store.find_artefact(codec::calibration_kind().name, header.version)) {
    if (stored->spec_hash == header.spec_hash && stored->inputs == header.inputs) {
      return {read_calibration(store, header.version),
              false};  // the same calibration: nothing to do
    }
    throw Error(ErrorCode::kInvalidArgument,
                "tag: calibration '" + header.version +
                    "' is stored with other settings (versions are never overwritten; "
                    "choose another --tag)");
  }

  const EffectsSpec spec = spec_from_canonical(version->spec_text);
  const auto rows = store.read_effects(version->version);
  const EffectsSource source =
      load_effects_source(store, spec, version->feature_version, version->regime_version);
  codec::CalibrationReport report;
  report.effects_version = version->version;
  report.spec_name = version->spec_name;
  report.surrogates = options.surrogates;
  report.seed = options.seed;
  report.mean_block = options.mean_block;
  report.level = kLevel;
  std::vector<PreparedCell> cells;
  std::map<std::string, TimeSeries> event_series;
  for (const auto& row : rows) {
    PreparedCell c;
    c.panel = assemble_panel(source, spec, row.treatment, row.outcome, row.horizon);
    c.query.treatment = row.treatment;
    c.query.outcome = row.outcome;
    c.query.horizon = row.horizon;
    c.query.placebos = false;
    const TreatmentInfo info = treatment_info(row.treatment);
    c.event = !info.event_series.empty();
    if (c.event) {
      if (!event_series.count(info.event_series)) {
        auto s = store.read_raw({.ticker = info.event_series,
                                 .from = std::nullopt,
                                 .to = std::nullopt,
                                 .as_of = std::nullopt});
        if (!s)
          throw Error(ErrorCode::kNotFound,
                      "treatment: the event series " + info.event_series + " is not in the store");
        event_series.emplace(info.event_series, std::move(*s));
      }
      const TimeSeries& s = event_series.at(info.event_series);
      std::map<std::pair<int, int>, Eigen::Index> row_of_month;
      for (std::size_t i = 0; i < c.panel.dates.size(); ++i) {
        row_of_month[{c.panel.dates[i].year(), c.panel.dates[i].month()}] =
            static_cast<Eigen::Index>(i);
      }
      for (std::size_t k = 0; k < s.size(); ++k) {
        const auto it = row_of_month.find({s.dates()[k].year(), s.dates()[k].month()});
        if (it == row_of_month.end() || !std::isfinite(s.values()[k])) continue;
        c.announcement_row.push_back(it->second);
        c.announcement_value.push_back(s.values()[k]);
      }
    }
    codec::CalibrationCell cell;
    cell.treatment = row.treatment;
    cell.outcome = row.outcome;
    cell.horizon = row.horizon;
    cell.surrogate = c.event ? "event_permutation" : "stationary_block_bootstrap";
    cell.observations = row.observations;
    cell.effect = row.effect;
    cell.p_value = row.p_value;
    const auto placebos = placebo_p_values(row.placebo_json);
    if (const auto it = placebos.find("permuted_treatment"); it != placebos.end())
      cell.permuted_placebo_p = it->second;
    if (const auto it = placebos.find("pre_treatment_outcome"); it != placebos.end())
      cell.pre_treatment_placebo_p = it->second;
    report.cells.push_back(std::move(cell));
    cells.push_back(std::move(c));
  }

  // The items, each with its own seed (core/work_items.h): threads here, or MPI ranks; the
  // results come back in item order on every process and are reduced in that order.
  const auto per_cell = static_cast<std::size_t>(options.surrogates);
  const std::size_t items = cells.size() * per_cell;
  std::atomic<std::size_t> done{0};
  std::mutex mutex;
  const auto results = run_work_items(
      options.work_items, options.threads, static_cast<std::int64_t>(items),
      [&](std::int64_t item) -> WorkResult {
        if (options.stop.stop_requested()) return {};  // cancelled: refused after the run
        const auto i = static_cast<std::size_t>(item);
        const std::size_t cell = i / per_cell;
        const int surrogate = static_cast<int>(i % per_cell);
        const auto d = run_item(cells[cell], spec, cell, surrogate, item_seed(options.seed, i),
                                options.mean_block);
        const std::size_t finished = done.fetch_add(1) + 1;
        if (progress && finished % per_cell == 0) {
          const std::lock_guard lock(mutex);
          progress(std::to_string(finished / per_cell) + " of " + std::to_string(cells.size()) +
                   " cells' worth of surrogates");
        }
        return pack_doubles({d.effect, d.se, d.p_value});
      },
      "effects calibration surrogate fits");
  if (options.stop.stop_requested())
    throw Error(ErrorCode::kIoError, "calibration cancelled: nothing stored");
  std::vector<codec::CalibrationDraw> draws(items);
  for (std::size_t i = 0; i < items; ++i) {
    const auto v = unpack_doubles(results[i]);
    if (v.size() != 3)
      throw Error(ErrorCode::kInternal,
                  "effects calibration: item " + std::to_string(i) + " has no result");
    draws[i] = {.cell = i / per_cell,
                .surrogate = static_cast<int>(i % per_cell),
                .seed = item_seed(options.seed, i),
                .effect = v[0],
                .se = v[1],
                .p_value = v[2]};
  }

  for (std::size_t c = 0; c < cells.size(); ++c) {
    auto& cell = report.cells[c];
    std::vector<double> statistics;
    for (std::size_t s = 0; s < per_cell; ++s) {
      const auto& d = draws[c * per_cell + s];
      if (!std::isfinite(d.p_value)) {
        ++cell.failed;
        continue;
      }
      ++cell.surrogates;
      cell.rejections += d.p_value < kLevel;
      statistics.push_back(d.se > 0 ? d.effect / d.se : 0.0);
    }
    const auto& row = rows[c];
    if (statistics.size() >= 20 && row.se > 0)
      cell.surrogate_p_value = causal::surrogate_p_value(row.effect / row.se, statistics);
  }
  report.draws = std::move(draws);
  header.created_at = Timestamp::now();
  report.version = header.version;
  const auto outcome =
      store.write_artefact(codec::calibration_kind(), header, codec::calibration_tables(report));
  return {std::move(report), outcome == store::ArtefactWriteOutcome::kWritten};
}

codec::CalibrationReport read_calibration(const store::Store& store, const std::string& version) {
  const auto& kind = codec::calibration_kind().name;
  const auto header = store.find_artefact(kind, version);
  if (!header)
    throw Error(ErrorCode::kNotFound,
                "calibration '" + version + "' is not in the store ('mre effects calibrations')");
  return codec::calibration_from_tables(*header,
                                        store.read_artefact_table(kind, version, "settings"),
                                        store.read_artefact_table(kind, version, "cells"),
                                        store.read_artefact_table(kind, version, "draws"));
}

}  // namespace mre::workflows
