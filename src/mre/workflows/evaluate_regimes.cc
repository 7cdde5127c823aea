// `mre regimes evaluate`; see evaluate_regimes.h.
#include "mre/workflows/evaluate_regimes.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "mre/codec/classifier_json.h"
#include "mre/core/error.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/detail/yaml_file.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

Date date_field(const std::filesystem::path& path, const YAML::Node& node,
                const std::string& what) {
  const auto text = scalar<std::string>(path, node, what);
  const auto d = Date::parse(text);
  if (!d) fail(path, node, "'" + what + "': expected YYYY-MM-DD (got '" + text + "')");
  return *d;
}

// The month key of a date (year * 12 + month - 1).
int month_of(Date d) { return d.year() * 12 + d.month() - 1; }

// Parses "key=value" lines of a stored canonical spec text.
std::map<std::string, std::string> canonical_fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace

BackfillOptions stored_backfill_options(const store::RegimeModel& model,
                                        const EvaluateOptions& options) {
  const auto fields = canonical_fields(model.spec_text);
  // A version stored before a backfill setting existed cannot be recomputed as it was: say
  // which setting its stored text lacks (not "spec differs", which it may not).
  const std::pair<const char*, const char*> settings[] = {
      {"backfill_screen_iterations", "the em-EM screening of the starts"},
      {"backfill_mapping_margin", "the mapping margin (hysteresis, added 2026-12-06)"},
      {"backfill_continuity", "the continuity rule (Vuong's test, added 2026-12-07)"}};
  for (const auto& [key, what] : settings) {
    if (!fields.count(key)) {
      throw Error(ErrorCode::kDataError,
                  "backfill " + model.version + " was stored before " + what +
                      " existed: its stored settings lack '" + key +
                      "', so its other seeds cannot be recomputed with the settings it was "
                      "computed with; re-run the backfill under a new tag ('mre classify "
                      "backfill --version NEW') and evaluate that, or pass --seeds 1");
    }
  }
  BackfillOptions out;
  out.spec_path = options.spec_path;
  out.features_version = model.feature_version;
  out.threads = options.threads;
  try {
    out.seed = std::stoull(fields.at("seed"));
    out.n_init = std::stoi(fields.at("n_init"));
    std::vector<std::string> parts;
    std::istringstream in(fields.at("backfill"));
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    out.min_train_rows = std::stoi(parts.at(0));
    out.warm_start = parts.at(2) == "warm";
    if (parts.size() > 3) out.to = parts[3];
    out.screen_iterations = std::stoi(fields.at("backfill_screen_iterations"));
    const auto& continuity = fields.at("backfill_continuity");
    out.switch_level = std::stod(continuity.substr(0, continuity.find(',')));
  } catch (const std::exception&) {
    throw Error(ErrorCode::kDataError,
                "backfill " + model.version + ": its stored settings are unreadable");
  }
  if (backfill_canonical_text(out) != model.spec_text) {
    throw Error(ErrorCode::kInvalidArgument,
                "--spec " + options.spec_path.string() + " is not the classifier spec backfill " +
                    model.version + " was computed with (spec " + model.spec_name +
                    "); pass the same spec to recompute it with other seeds");
  }
  return out;
}

EvaluationWindows load_evaluation_windows(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "evaluation windows");
  only_keys(path, root, {"windows", "recessions", "stress_labels"}, "");
  EvaluationWindows out;
  if (const YAML::Node w = root["windows"]) {
    detail::require_sequence(path, w, "windows");
    for (const auto& item : w) {
      only_keys(path, item, {"name", "from", "to"}, "windows: ");
      if (!item["name"] || !item["from"] || !item["to"])
        fail(path, item, "a window needs 'name', 'from' and 'to'");
      EvaluationWindow window;
      window.name = scalar<std::string>(path, item["name"], "name");
      window.from = date_field(path, item["from"], "from");
      window.to = date_field(path, item["to"], "to");
      if (window.to < window.from)
        fail(path, item, "window '" + window.name + "': 'to' is before 'from'");
      // Two windows of one name would print two rows no reader could tell apart.
      for (const auto& earlier : out.windows) {
        if (earlier.name == window.name)
          fail(path, item["name"], "window name '" + window.name + "' is used twice");
      }
      out.windows.push_back(window);
    }
  }
  if (root["recessions"])
    out.recessions = scalar<std::string>(path, root["recessions"], "recessions");
  if (root["stress_labels"])
    out.stress_labels =
        scalar<std::vector<std::string>>(path, root["stress_labels"], "stress_labels");
  return out;
} catch (const YAML::Exception& e) {
  detail::rethrow_yaml_error(path, e, "evaluation windows");
}

RegimeEvaluation evaluate_regimes(const store::Store& store, const EvaluateOptions& options) {
  if (options.seeds < 1)
    throw Error(ErrorCode::kInvalidArgument,
                "--seeds: must be >= 1 (got " + std::to_string(options.seeds) + ")");
  const auto model = store.find_regime_model(options.version);
  if (!model)
    throw Error(ErrorCode::kNotFound,
                "no regime version '" + options.version + "' (see 'mre regimes list')");
  const auto spec = load_evaluation_windows(options.windows_path);
  const auto rows = store.read_regimes(options.version, std::nullopt, std::nullopt);
  if (rows.empty())
    throw Error(ErrorCode::kDataError, "regime version " + options.version + " holds no dates");
  RegimeEvaluation out;
  out.version = model->version;
  out.kind = model->kind;
  out.labels = model->labels;
  out.first = rows.front().date;
  out.last = rows.back().date;
  out.dates = rows.size();
  const std::size_t L = out.labels.size();
  std::map<std::string, std::size_t> label_index;
  for (std::size_t i = 0; i < L; ++i) label_index[out.labels[i]] = i;
  std::vector<std::size_t> label_of(rows.size());
  for (std::size_t t = 0; t < rows.size(); ++t) {
    const auto it = label_index.find(rows[t].regime);
    if (it == label_index.end()) {
      throw Error(ErrorCode::kDataError,
                  "regime version " + options.version + ": " + rows[t].date.iso() +
                      " carries a label not in its list ('" + rows[t].regime + "')");
    }
    label_of[t] = it->second;
  }
  std::vector<bool> stress(L, false);
  bool any_stress = false;
  for (const auto& s : spec.stress_labels) {
    if (const auto it = label_index.find(s); it != label_index.end()) {
      stress[it->second] = true;
      any_stress = true;
    } else {
      out.stress_labels_absent.push_back(s);
    }
  }
  for (std::size_t i = 0; i < L; ++i) {
    if (stress[i]) out.stress_labels.push_back(out.labels[i]);
  }
  // Windows: the named ones must overlap the version's dates; recessions from USREC.
  std::vector<EvaluationWindow> windows;
  for (const auto& w : spec.windows) {
    if (w.to < out.first || w.from > out.last) {
      throw Error(ErrorCode::kInvalidArgument,
                  options.windows_path.string() + ": window '" + w.name + "' (" + w.from.iso() +
                      " to " + w.to.iso() + ") lies outside regime version " + options.version +
                      "'s dates (" + out.first.iso() + " to " + out.last.iso() + ")");
    }
    windows.push_back(w);
  }
  std::map<int, double> usrec;  // month -> value
  if (!spec.recessions.empty()) {
    const auto series = store.read_raw({.ticker = spec.recessions});
    if (!series) {
      throw Error(ErrorCode::kNotFound,
                  options.windows_path.string() + ": recessions: no series '" + spec.recessions +
                      "' in the store (ingest it: 'mre ingest --tickers " + spec.recessions + "')");
    }
    for (std::size_t i = 0; i < series->size(); ++i) {
      const double v = series->values()[i];
      if (std::isnan(v)) continue;
      // A recession indicator is 0 or 1 (QA 2026-12-07: DGS10 was taken, every month above 0.5
      // a "recession", and printed as USREC).
      if (v != 0.0 && v != 1.0) {
        throw Error(ErrorCode::kDataError,
                    options.windows_path.string() + ": recessions: '" + spec.recessions +
                        "' is not a 0/1 recession indicator such as USREC (" +
                        series->dates()[i].iso() + ": " + fmt::format("{}", v) + ")");
      }
      usrec[month_of(series->dates()[i])] = v;
    }
    out.recession_series = spec.recessions;
    // Runs of months at 1.
    int start = -1;  // the first month of the open run, or -1
    int previous = 0;
    const auto close = [&](int first_month, int last_month) {
      const Date from = Date::from_ymd(first_month / 12, first_month % 12 + 1, 1);
      const Date to = Date::from_ymd(last_month / 12, last_month % 12 + 1, 1).end_of_month();
      EvaluationWindow w{"recession_" + from.iso().substr(0, 7), from, to, true};
      if (to < out.first || from > out.last) {
        out.skipped.push_back(w.name + " (" + from.iso() + " to " + to.iso() + ")");
      } else {
        windows.push_back(w);
      }
    };
    for (const auto& [month, value] : usrec) {
      if (value > 0.5 && start < 0) start = month;
      if (value <= 0.5 && start >= 0) {
        close(start, previous);
        start = -1;
      }
      previous = month;
    }
    if (start >= 0) close(start, previous);
  }
  for (const auto& w : windows) {
    WindowResult r;
    r.window = w;
    r.shares.assign(L, 0.0);
    for (std::size_t t = 0; t < rows.size(); ++t) {
      if (rows[t].date < w.from || w.to < rows[t].date) continue;
      ++r.dates;
      r.shares[label_of[t]] += 1.0;
    }
    double s = 0;
    for (std::size_t i = 0; i < L; ++i) {
      if (r.dates) r.shares[i] /= static_cast<double>(r.dates);
      if (stress[i]) s += r.shares[i];
    }
    r.stress_share = any_stress ? s : std::numeric_limits<double>::quiet_NaN();
    out.windows.push_back(r);
  }
  // Shares, durations, switches.
  out.label_shares.assign(L, 0.0);
  std::vector<double> runs(L, 0.0);
  std::size_t switches = 0;
  for (std::size_t t = 0; t < rows.size(); ++t) {
    out.label_shares[label_of[t]] += 1.0 / static_cast<double>(rows.size());
    if (t == 0 || label_of[t] != label_of[t - 1]) {
      runs[label_of[t]] += 1.0;
      if (t > 0) ++switches;
    }
  }
  out.all_stress_share = any_stress ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < L; ++i) {
    if (stress[i]) out.all_stress_share += out.label_shares[i];
  }
  out.mean_duration.assign(L, 0.0);
  double total_runs = 0;
  for (std::size_t i = 0; i < L; ++i) {
    out.mean_duration[i] =
        runs[i] > 0 ? out.label_shares[i] * static_cast<double>(rows.size()) / runs[i] : 0.0;
    total_runs += runs[i];
  }
  out.overall_mean_duration = static_cast<double>(rows.size()) / total_runs;
  const double years = std::max(1.0, static_cast<double>(out.last.days_since_epoch() -
                                                         out.first.days_since_epoch() + 1)) /
                       365.25;
  out.switches_per_year = static_cast<double>(switches) / years;
  // USREC agreement.
  if (!usrec.empty()) {
    std::vector<double> in_recession(L, 0.0);
    std::vector<double> counted(L, 0.0);
    std::size_t agree = 0;
    for (std::size_t t = 0; t < rows.size(); ++t) {
      const auto it = usrec.find(month_of(rows[t].date));
      if (it == usrec.end()) continue;
      ++out.usrec_dates;
      const bool recession = it->second > 0.5;
      counted[label_of[t]] += 1.0;
      in_recession[label_of[t]] += recession ? 1.0 : 0.0;
      agree += stress[label_of[t]] == recession ? 1 : 0;
    }
    out.recession_share_by_label.assign(L, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < L; ++i) {
      if (counted[i] > 0) out.recession_share_by_label[i] = in_recession[i] / counted[i];
    }
    if (any_stress && out.usrec_dates > 0) {
      out.usrec_agreement = static_cast<double>(agree) / static_cast<double>(out.usrec_dates);
    }
  }
  // Classifier backfills: retrains and seeds.
  if (model->kind == "classifier_backfill") {
    const auto retrains =
        codec::backfill_retrains_from_json(model->diagnostics_json, "backfill " + model->version);
    out.refits = retrains.size();
    for (std::size_t r = 0; r < retrains.size(); ++r) {
      out.refits_at_limit += retrains[r].converged ? 0 : 1;
      out.kept_mapping += retrains[r].model.global.mapping.kept_previous ? 1 : 0;
      if (r > 0 && std::isfinite(retrains[r].churn)) {
        out.churn.push_back(retrains[r].churn);
        out.churn_dates.push_back(retrains[r].date.iso());
        out.relabelled.push_back(retrains[r].model.global.mapping.serving !=
                                 retrains[r - 1].model.global.mapping.serving);
      }
    }
    if (options.seeds > 1) {
      auto rerun = stored_backfill_options(*model, options);
      const std::uint64_t first_seed = *rerun.seed;
      out.seed_runs.push_back({first_seed, 1.0, {}, 1.0, 1.0});
      std::map<Date, std::vector<std::string>> by_date;
      for (const auto& r : rows) by_date[r.date].push_back(r.regime);
      // The stored seed again: its states (the stored rows keep only labels) and whether the
      // stored labels reproduce.
      const auto first = run_backfill(store, rerun);
      std::size_t reproduced = 0;
      for (const auto& r : first.rows) {
        const auto it = by_date.find(r.date);
        reproduced += it != by_date.end() && it->second.front() == r.regime ? 1 : 0;
      }
      out.stored_seed_reproduced =
          rows.empty() ? 0.0 : static_cast<double>(reproduced) / static_cast<double>(rows.size());
      for (int k = 1; k < options.seeds; ++k) {
        rerun.seed = first_seed + static_cast<std::uint64_t>(k);
        const auto run = run_backfill(store, rerun);
        std::size_t common = 0;
        std::size_t same = 0;
        for (const auto& r : run.rows) {
          const auto it = by_date.find(r.date);
          if (it == by_date.end() || it->second.size() != static_cast<std::size_t>(k)) continue;
          ++common;
          same += r.regime == it->second.front() ? 1 : 0;
          it->second.push_back(r.regime);
        }
        SeedRun seed_run{*rerun.seed,
                         common ? static_cast<double>(same) / static_cast<double>(common) : 0.0,
                         {}};
        const auto states = regimes::hierarchical::state_agreement(first.result, run.result);
        seed_run.state_agreement_with_first = states.states;
        seed_run.label_agreement_where_states_match = states.labels_where_states_match;
        for (std::size_t r = 0; r < run.result.retrains.size() && r < retrains.size(); ++r) {
          seed_run.log_likelihood_gaps.push_back(run.result.retrains[r].log_likelihood -
                                                 retrains[r].log_likelihood);
        }
        out.seed_runs.push_back(std::move(seed_run));
      }
      std::size_t complete = 0;
      std::size_t unanimous = 0;
      for (const auto& [date, labels] : by_date) {
        if (labels.size() != static_cast<std::size_t>(options.seeds)) continue;
        ++complete;
        unanimous += std::all_of(labels.begin(), labels.end(),
                                 [&](const std::string& l) { return l == labels.front(); })
                         ? 1
                         : 0;
      }
      out.all_seeds_agree =
          complete ? static_cast<double>(unanimous) / static_cast<double>(complete) : 0.0;
    }
  }
  return out;
}

}  // namespace mre::workflows
