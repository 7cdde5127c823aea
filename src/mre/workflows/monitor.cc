// `mre monitor`: the checks over a store, their history, and the stored runs (monitor.h).
#include "mre/workflows/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

#include "mre/core/error.h"
#include "mre/features/feature_set.h"
#include "mre/monitor/drift.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/sources/universe.h"
#include "mre/store/revisions.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/effect_stability.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace {

using monitor::CheckResult;
using monitor::Status;

Date today_utc() { return Date::from_days(static_cast<std::int32_t>(std::time(nullptr) / 86400)); }

std::string fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// The model's inputs: the ticker inputs of its feature spec (config/features/<spec>.yml beside
// the universe), empty when the spec file is not there.
std::vector<std::string> feature_inputs(const std::filesystem::path& universe_path,
                                        const std::string& spec_name) {
  const auto universe = universe_path.empty() ? sources::default_universe_path() : universe_path;
  const auto path = universe.parent_path() / "features" / (spec_name + ".yml");
  if (!std::filesystem::exists(path)) return {};
  try {
    return features::ticker_inputs(load_feature_spec(path).spec);
  } catch (const Error&) {
    return {};
  }
}

struct Context {
  const store::Store& store;
  const MonitorOptions& options;
  sources::Universe universe;
  Date as_of;
  Date today;
  std::map<std::string, Date> last_present;  // per ticker: the last date not in the future
  std::vector<CheckResult> checks;
  std::vector<std::string> notes;
};

void series_checks(Context& c, const std::vector<store::SeriesSummary>& list) {
  std::optional<Timestamp> newest_ingest;
  for (const auto& s : list) {
    if (!newest_ingest || s.last_ingested_at > *newest_ingest) newest_ingest = s.last_ingested_at;
  }
  const Timestamp revisions_since = Timestamp::from_micros(
      newest_ingest->micros() -
      static_cast<std::int64_t>(c.options.revision_lookback_days) * 86'400'000'000LL);
  for (const auto& s : list) {
    const std::string subject = "series " + s.ticker;
    const auto series = c.store.read_raw({.ticker = s.ticker});
    if (!series || series->empty()) continue;
    const auto& dates = series->dates();
    const auto& values = series->values();
    const sources::SeriesSpec* spec = c.universe.find(s.ticker);

    // Future dates (issue 26's year 8857).
    const auto future = monitor::check_future_dates(dates, c.today);
    CheckResult f{subject, "future_dates"};
    f.value = static_cast<double>(future.count);
    if (future.count) {
      f.status = Status::kRed;
      f.figure = fmt::format("{} date(s) after {} (first {}, last {})", future.count, c.today.iso(),
                             future.first->iso(), future.last->iso());
    } else {
      f.figure = "none after " + c.today.iso();
    }
    f.detail =
        "a stored date more than one day after today cannot have been observed (a corrupt ingest)";
    c.checks.push_back(f);

    // Duplicate or out-of-order dates (a store keeps one value per date: a broken invariant).
    const auto order = monitor::check_date_order(dates);
    CheckResult o{subject, "duplicate_dates"};
    o.value = static_cast<double>(order.duplicates + order.out_of_order);
    o.status = order.first ? Status::kRed : Status::kGreen;
    o.figure = order.first ? fmt::format("{} repeated, {} out of order (first {})",
                                         order.duplicates, order.out_of_order, order.first->iso())
                           : "dates strictly increasing";
    c.checks.push_back(o);

    // Staleness: the one rule (sources::is_stale), at the last date that is not in the future.
    // Every check below reads the dates up to the as-of date only (no look-ahead with --as-of).
    const Date cutoff_date = std::min(c.as_of, c.today + 1);
    std::size_t present = dates.size();
    while (present > 0 && dates[present - 1] > cutoff_date) --present;
    CheckResult st{subject, "staleness"};
    if (present == 0) {
      st.status = Status::kRed;
      st.figure = "no stored date on or before " + cutoff_date.iso();
    } else {
      const Date last = dates[present - 1];
      c.last_present[s.ticker] = last;
      const int age = c.as_of - last;
      st.value = age;
      if (!spec) {
        st.figure = fmt::format(
            "last {}, {} days before {}; not in the universe (no frequency: not judged)",
            last.iso(), age, c.as_of.iso());
      } else if (spec->ended) {
        st.figure =
            fmt::format("last {}; the series ended {} (exempt)", last.iso(), spec->ended->iso());
      } else {
        const int allowance = sources::staleness_allowance_days(*spec);
        const bool stale = sources::is_stale(*spec, last, c.as_of);
        st.status = stale ? Status::kRed : Status::kGreen;
        st.figure = fmt::format("last {}, {} days before {} (allowed {}: {} + lag {} + grace {})",
                                last.iso(), age, c.as_of.iso(), allowance,
                                sources::frequency_name(spec->frequency),
                                spec->publication_lag_days, spec->stale_grace_days);
        if (stale) st.failing_since = last + (allowance + 1);
      }
    }
    st.detail =
        "sources::is_stale: one period of the frequency + publication lag + grace "
        "(config/universe.yml)";
    c.checks.push_back(st);

    // Gaps longer than a period plus the grace, ending within the lookback.
    if (spec && !spec->ended && present > 1) {
      const int max_gap = sources::staleness_allowance_days(*spec) - spec->publication_lag_days;
      const auto gaps = monitor::check_gaps(std::span(dates).first(present), max_gap,
                                            c.as_of - c.options.gap_lookback_days);
      CheckResult g{subject, "gaps"};
      g.value = static_cast<double>(gaps.gaps);
      g.status = gaps.gaps ? Status::kAmber : Status::kGreen;
      g.figure =
          gaps.gaps
              ? fmt::format("{} gap(s) over {} days since {}; longest {} days ({} to {})",
                            gaps.gaps, max_gap, (c.as_of - c.options.gap_lookback_days).iso(),
                            gaps.longest_days, gaps.longest_from->iso(), gaps.longest_to->iso())
              : fmt::format("no gap over {} days since {}", max_gap,
                            (c.as_of - c.options.gap_lookback_days).iso());
      if (gaps.gaps) g.failing_since = *gaps.longest_from + (max_gap + 1);
      c.checks.push_back(g);
    }

    // Robust range of the period-to-period changes (a level trends; a corrupt value is a jump).
    if (present > 2) {
      std::vector<Date> change_dates;
      std::vector<double> changes;
      for (std::size_t i = 1; i < present; ++i) {
        change_dates.push_back(dates[i]);
        changes.push_back(values[i] - values[i - 1]);
      }
      // The incoming data: the changes dated within range_days of as_of.
      auto config = c.options.range;
      const Date cutoff = c.as_of - c.options.range_days;
      config.recent = static_cast<int>(
          change_dates.end() - std::upper_bound(change_dates.begin(), change_dates.end(), cutoff));
      if (config.recent == 0) config.recent = 1;  // at least the newest change
      const auto range = monitor::check_robust_range(change_dates, changes, config);
      CheckResult r{subject, "robust_range"};
      r.value = range.largest_score;
      r.status = range.outside ? Status::kAmber : Status::kGreen;
      r.figure = range.checked == 0
                     ? "too short to check"
                     : fmt::format(
                           "{} of {} changes since {} outside median +- {} x 1.4826 MAD (largest "
                           "{} robust deviations from the median, on {})",
                           range.outside, range.checked, cutoff.iso(), fixed(c.options.range.k, 1),
                           std::isinf(range.largest_score) ? std::string("inf")
                                                           : fixed(range.largest_score, 1),
                           range.largest_date ? range.largest_date->iso() : "-");
      if (range.first_outside) r.failing_since = range.first_outside;
      r.detail = fmt::format("trailing window of {} changes", c.options.range.window);
      c.checks.push_back(r);
    }

    // Revisions larger than the threshold, ingested recently.
    CheckResult v{subject, "revisions"};
    if (s.rows > s.observations) {
      const auto raw = c.store.read_revisions({.ticker = s.ticker});
      std::vector<monitor::StoredRow> rows;
      rows.reserve(raw.size());
      for (const auto& row : raw) rows.push_back({row.date, row.value, row.ingested_at});
      const auto rev =
          monitor::check_revisions(rows, c.options.revision_threshold, revisions_since);
      v.value = rev.largest;
      v.status = rev.large ? Status::kRed : Status::kGreen;
      v.figure =
          rev.revisions == 0
              ? "no revision ingested since " + revisions_since.iso().substr(0, 10)
              : fmt::format(
                    "{} revision(s) since {}, {} over {}% (largest {}% of the value, {} at {})",
                    rev.revisions, revisions_since.iso().substr(0, 10), rev.large,
                    fixed(100 * c.options.revision_threshold, 1), fixed(100 * rev.largest, 2),
                    rev.largest_date->iso(), rev.largest_at->iso());
      if (rev.first_large_at) {
        v.failing_since = Date::from_days(
            static_cast<std::int32_t>(rev.first_large_at->micros() / 86'400'000'000LL));
      }
    } else {
      v.value = 0.0;
      v.figure = "no revisions stored";
    }
    c.checks.push_back(v);
  }
}

// Inputs fresh: how many of a model's ticker inputs are not stale as of as_of.
void inputs_check(Context& c, const std::string& subject, const std::string& feature_spec) {
  const auto inputs = feature_inputs(c.options.universe_path, feature_spec);
  CheckResult r{subject, "inputs_fresh"};
  if (inputs.empty()) {
    r.status = Status::kAmber;
    r.figure = "inputs unknown (no config/features/" + feature_spec + ".yml beside the universe)";
    c.checks.push_back(r);
    return;
  }
  std::vector<std::string> stale;
  for (const auto& ticker : inputs) {
    const auto* spec = c.universe.find(ticker);
    const auto last = c.last_present.find(ticker);
    if (last == c.last_present.end()) {
      stale.push_back(ticker + " (not stored)");
    } else if (spec && sources::is_stale(*spec, last->second, c.as_of)) {
      stale.push_back(ticker + " (last " + last->second.iso() + ")");
    }
  }
  const std::size_t fresh = inputs.size() - stale.size();
  r.value = static_cast<double>(fresh) / static_cast<double>(inputs.size());
  r.status = stale.empty() ? Status::kGreen
                           : (2 * stale.size() > inputs.size() ? Status::kRed : Status::kAmber);
  r.figure = fmt::format("{} of {} inputs fresh", fresh, inputs.size());
  if (!stale.empty()) r.figure += "; stale: " + store::join_names(stale);
  r.detail = "the ticker inputs of feature set '" + feature_spec + "', by sources::is_stale";
  c.checks.push_back(r);
}

// The current window: the last `window` rows of the panel dated on or before as_of.
struct Windows {
  std::size_t end = 0;    // rows [0, end) are on or before as_of
  std::size_t begin = 0;  // the current window is [begin, end)
};

Windows current_window(Context& c, const Panel& panel, const std::string& what) {
  Windows w;
  w.end = static_cast<std::size_t>(
      std::upper_bound(panel.dates().begin(), panel.dates().end(), c.as_of) -
      panel.dates().begin());
  if (static_cast<std::size_t>(c.options.drift_window) > w.end) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--drift-window {} is longer than the data: {} has {} rows up to {}",
                            c.options.drift_window, what, w.end, c.as_of.iso()));
  }
  w.begin = w.end - static_cast<std::size_t>(c.options.drift_window);
  return w;
}

// Per-feature drift of a model against its training rows, and the share drifting.
void drift_checks(Context& c, const std::string& subject, const Panel& panel,
                  const std::vector<std::string>& columns, Date trained_from, Date trained_to,
                  const std::string& what) {
  const Windows w = current_window(c, panel, what);
  const bool overlaps = panel.dates()[w.begin] <= trained_to;
  std::size_t drifting = 0;
  std::size_t judged = 0;
  for (const auto& name : columns) {
    const auto& column = panel.column(name);
    std::vector<double> training;
    std::vector<double> current;
    for (std::size_t t = 0; t < w.end; ++t) {
      if (std::isnan(column[t])) continue;
      const Date d = panel.dates()[t];
      if (d >= trained_from && d <= trained_to) training.push_back(column[t]);
      if (t >= w.begin) current.push_back(column[t]);
    }
    CheckResult r{subject, "drift " + name};
    if (training.size() < 20 || current.size() < 10) {
      r.status = Status::kAmber;
      r.figure = current.empty()
                     ? fmt::format(
                           "not judged: no value in the current window ({} to {}): its inputs are "
                           "stale or missing there",
                           panel.dates()[w.begin].iso(), panel.dates()[w.end - 1].iso())
                     : fmt::format("not judged: {} training and {} current values (need 20 and 10)",
                                   training.size(), current.size());
      c.checks.push_back(r);
      continue;
    }
    ++judged;
    const auto psi = monitor::population_stability_index(training, current);
    const auto ks = monitor::ks_two_sample(training, current);
    double shift = std::numeric_limits<double>::quiet_NaN();
    try {
      shift = monitor::standardised_mean_shift(training, current);
    } catch (const Error&) {
    }
    r.value = psi.psi;
    r.status = psi.psi >= c.options.psi_red
                   ? Status::kRed
                   : (psi.psi >= c.options.psi_amber ? Status::kAmber : Status::kGreen);
    if (r.status == Status::kRed) ++drifting;
    const double floor = 9.0 * (1.0 / static_cast<double>(training.size()) +
                                1.0 / static_cast<double>(current.size()));
    r.figure = fmt::format(
        "PSI {} (no-drift sampling level ~{}), KS D {} (asymptotic p {}), mean shift {} sd",
        fixed(psi.psi, 3), fixed(floor, 3), fixed(ks.statistic, 3),
        ks.p_value < 1e-4 ? std::string("<1e-4") : fixed(ks.p_value, 4),
        std::isnan(shift) ? std::string("n/a") : fixed(shift, 2));
    r.detail = fmt::format(
        "current {} values ({} to {}) against {} training values ({} to {}){}", current.size(),
        panel.dates()[w.begin].iso(), panel.dates()[w.end - 1].iso(), training.size(),
        trained_from.iso(), trained_to.iso(),
        overlaps ? "; the current window overlaps training, which understates drift" : "");
    c.checks.push_back(r);
  }
  CheckResult share{subject, "drift_share"};
  share.value = judged ? static_cast<double>(drifting) / static_cast<double>(judged) : 0.0;
  share.status = 2 * drifting >= judged && drifting > 0
                     ? Status::kRed
                     : (drifting ? Status::kAmber : Status::kGreen);
  share.figure = fmt::format("{} of {} features drifting (PSI >= {})", drifting, judged,
                             fixed(c.options.psi_red, 2));
  share.detail = fmt::format("current window: the last {} rows up to {}", c.options.drift_window,
                             c.as_of.iso());
  c.checks.push_back(share);
}

void age_check(Context& c, const std::string& subject, Date trained_to, int months) {
  const Date due = trained_to.add_months(months);
  CheckResult r{subject, "retraining_age"};
  const int age = c.as_of - trained_to;
  r.value = age;
  r.detail = fmt::format("MR-AI-04: retrain every {} months (amber from {} days before)", months,
                         c.options.retrain_warning_days);
  if (age < 0) {  // --as-of before the training data end: the model did not exist then (QA)
    r.status = Status::kAmber;
    r.figure = fmt::format(
        "not judged: trained on data to {}, after the as-of date {}: this model did not exist "
        "then, and its other checks here use data it was fitted on",
        trained_to.iso(), c.as_of.iso());
    c.checks.push_back(r);
    return;
  }
  r.status = c.as_of >= due ? Status::kRed
                            : (due - c.as_of <= c.options.retrain_warning_days ? Status::kAmber
                                                                               : Status::kGreen);
  r.figure = fmt::format("trained to {}: {} days ({:.1f} months) old as of {}; retraining due {}",
                         trained_to.iso(), age, age / 30.4375, c.as_of.iso(), due.iso());
  if (r.status == Status::kRed) r.failing_since = due;
  c.checks.push_back(r);
}

std::optional<Date> date_of_timestamp(const std::string& text) {
  if (text.size() < 10) return std::nullopt;
  return Date::parse(std::string_view(text).substr(0, 10));
}

// The regime-model fit test on the classifier's global HMM: log p(y_t | y_1..t-1) per
// observation, the recent window against every window of the same length in training.
void fit_test(Context& c, const std::string& subject,
              const regimes::hierarchical::Component& component, const Panel& panel,
              Date trained_from, Date trained_to, const std::string& what) {
  const Windows w = current_window(c, panel, what);
  const auto& indicators = component.definition.indicators;
  std::size_t first = 0;
  while (first < w.end && panel.dates()[first] < trained_from) ++first;
  Matrix data(static_cast<Eigen::Index>(w.end - first),
              static_cast<Eigen::Index>(indicators.size()));
  for (std::size_t j = 0; j < indicators.size(); ++j) {
    const auto& column = panel.column(indicators[j]);
    for (std::size_t t = first; t < w.end; ++t) {
      data(static_cast<Eigen::Index>(t - first), static_cast<Eigen::Index>(j)) = column[t];
    }
  }
  const Matrix log_emission = regimes::hmm::log_emission(component.params, data);
  std::vector<double> training;
  std::vector<double> recent;
  Vector filtered;
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    const bool observed = !data.row(t).array().isNaN().all();
    double ll = 0.0;
    filtered = t == 0 ? regimes::hmm::first_step(component.params.initial, log_emission.row(t), &ll)
                      : regimes::hmm::forward_step(filtered, log_emission.row(t),
                                                   component.params.transition, &ll);
    if (!observed) continue;
    const std::size_t row = first + static_cast<std::size_t>(t);
    if (panel.dates()[row] <= trained_to) training.push_back(ll);
    if (row >= w.begin) recent.push_back(ll);
  }
  CheckResult r{subject, "fit_test"};
  if (recent.empty() || training.size() < recent.size()) {
    r.status = Status::kAmber;
    r.figure = fmt::format("not judged: {} training and {} recent observations", training.size(),
                           recent.size());
    c.checks.push_back(r);
    return;
  }
  const auto f = monitor::log_likelihood_fit_test(training, recent);
  r.value = f.recent_mean - f.training_mean;
  r.status = f.recent_mean < f.training_low
                 ? Status::kRed
                 : (f.share_below < 0.05 ? Status::kAmber : Status::kGreen);
  r.figure = fmt::format(
      "log-likelihood per observation {} over the last {} (training average {}, lowest training "
      "window {}; {:.0f}% of {} training windows lower)",
      fixed(f.recent_mean, 3), recent.size(), fixed(f.training_mean, 3), fixed(f.training_low, 3),
      100 * f.share_below, f.windows);
  r.detail =
      "global HMM, filtered one-step-ahead densities log p(y_t | y_1..t-1); amber below 95% of "
      "training "
      "windows of the same length, red below all of them";
  c.checks.push_back(r);
}

void classifier_checks(Context& c) {
  const auto classifiers = c.store.list_classifiers();
  if (classifiers.empty()) {
    if (!c.options.classifier_version.empty()) {
      throw Error(ErrorCode::kNotFound,
                  "classifier version '" + c.options.classifier_version +
                      "' does not exist (the store holds none; see 'mre classify list')");
    }
    c.notes.push_back("no classifier is stored: no classifier checks");
    return;
  }
  store::ClassifierModel record = classifiers.back();
  if (!c.options.classifier_version.empty()) {
    const auto found = c.store.find_classifier(c.options.classifier_version);
    if (!found) {
      throw Error(ErrorCode::kNotFound, "classifier version '" + c.options.classifier_version +
                                            "' does not exist (see 'mre classify list')");
    }
    record = *found;
  }
  const std::string subject = "classifier " + record.version;
  int months = 6;
  {
    std::istringstream in(record.spec_text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("retrain_every_months=", 0) == 0)
        months = std::max(1, std::atoi(line.c_str() + 21));
    }
  }
  const auto from = date_of_timestamp(record.trained_from);
  const auto to = date_of_timestamp(record.trained_to);
  CheckResult window{subject, "training_window"};
  window.figure = record.trained_from + " to " + record.trained_to + " (" + record.source + ")";
  c.checks.push_back(window);
  if (to) age_check(c, subject, *to, months);

  // MR-BR-10: both models' mappings signed off.
  const auto approvals = c.store.list_approvals(record.version);
  std::set<std::string> signed_off;
  std::string by;
  for (const auto& a : approvals) {
    signed_off.insert(a.model);
    by = a.approved_by + " at " + a.approved_at.iso();
  }
  std::vector<std::string> missing;
  for (const char* model : {"global_macro", "muni"}) {
    if (!signed_off.contains(model)) missing.push_back(model);
  }
  CheckResult sign{subject, "sign_off"};
  sign.status = missing.empty() ? Status::kGreen : Status::kRed;
  sign.value = static_cast<double>(2 - missing.size());
  sign.figure = missing.empty() ? "both mappings signed off (last by " + by + ")"
                                : "no sign-off for " + store::join_names(missing) +
                                      " (`mre classify mapping-report " + record.version +
                                      "`, then `mre classify approve`)";
  sign.detail =
      "MR-BR-10: the state-to-label mapping of both models signed off after every training";
  if (!missing.empty()) sign.failing_since = to;
  c.checks.push_back(sign);

  if (record.source.rfind("csv:", 0) == 0) {
    c.notes.push_back("classifier " + record.version + " was trained on " + record.source +
                      ": its inputs and drift are not in the store");
    return;
  }
  const auto features = c.store.find_feature_version(record.source);
  if (!features) {
    c.notes.push_back("classifier " + record.version + ": feature version " + record.source +
                      " is not stored");
    return;
  }
  inputs_check(c, subject, features->spec_name);
  if (!from || !to) return;
  const Panel panel = c.store.read_features(record.source, std::nullopt, c.as_of);
  const auto model = load_classifier(c.store, record.version);
  drift_checks(c, subject, panel, model.global.definition.indicators, *from, *to,
               "classifier " + record.version + "'s features " + record.source);
  fit_test(c, subject, model.global, panel, *from, *to,
           "classifier " + record.version + "'s features " + record.source);
}

void regime_checks(Context& c) {
  // The newest version of each regime spec: what the dashboard and the API serve.
  std::map<std::string, store::RegimeModel> newest;
  for (const auto& m : c.store.list_regime_models()) newest[m.spec_name] = m;
  for (const auto& [spec, m] : newest) {
    const std::string subject = "regimes " + m.version;
    CheckResult window{subject, "training_window"};
    window.figure = (m.trained_from ? m.trained_from->iso() : "?") + " to " +
                    (m.trained_to ? m.trained_to->iso() : "?") + " (" + m.kind + " on " +
                    m.feature_version + ")";
    c.checks.push_back(window);
    if (m.trained_to && m.kind != "rules") age_check(c, subject, *m.trained_to, 6);
    const auto features = c.store.find_feature_version(m.feature_version);
    if (!features) continue;
    inputs_check(c, subject, features->spec_name);
    if (m.kind == "rules" || !m.trained_from || !m.trained_to) continue;
    const Panel panel = c.store.read_features(m.feature_version, std::nullopt, c.as_of);
    drift_checks(c, subject, panel, m.columns, *m.trained_from, *m.trained_to,
                 "regime version " + m.version + "'s features " + m.feature_version);
  }
}

void effect_checks(Context& c) {
  const auto versions = c.store.list_effect_versions();
  if (versions.empty()) {
    c.notes.push_back("no effects version is stored: no effect-stability checks");
    return;
  }
  const auto& version = versions.back().version;
  const auto stability = read_effect_stability(c.store, version);
  if (!stability) {
    CheckResult r{"effects " + version, "effect_stability"};
    r.status = Status::kAmber;
    r.figure = "no stability results stored with " + version +
               " (estimated before they were computed, or every effect too short): re-estimate "
               "with `mre effects run`";
    c.checks.push_back(r);
    return;
  }
  for (const auto& s : *stability) {
    CheckResult r{fmt::format("effect {}/{}/{}", s.treatment, s.outcome, s.horizon),
                  "effect_stability"};
    const bool broken = s.sup_wald > s.critical_5;
    r.value = s.sup_wald;
    r.status = s.recent_excludes_full && broken
                   ? Status::kRed
                   : (s.recent_excludes_full || broken ? Status::kAmber : Status::kGreen);
    r.figure = fmt::format(
        "full sample {} ({} to {}); last {} to {}: {} [{}, {}]{}; sup-Wald {} (5% critical {}), "
        "break date {}",
        fixed(s.full.effect, 4), s.full.from.iso(), s.full.to.iso(), s.recent.from.iso(),
        s.recent.to.iso(), fixed(s.recent.effect, 4), fixed(s.recent.ci_low, 4),
        fixed(s.recent.ci_high, 4), s.recent_excludes_full ? " excludes it" : " includes it",
        fixed(s.sup_wald, 2), fixed(s.critical_5, 2), s.break_date.iso());
    r.detail = "stored with " + version +
               " when it was estimated (not re-estimated): Andrews (1993) sup-Wald, 15% "
               "trimming, critical values 7.12 / 8.68 / 12.16 at 10% / 5% / 1%";
    if (broken || s.recent_excludes_full) r.failing_since = s.recent.to;
    c.checks.push_back(r);
  }
}

// First failed: the earliest day of the current run of failures in the stored history (the
// calendar date of each run), or the check's own failing_since when that is earlier.
void add_first_failed(const store::Store& store, codec::MonitorReport& report) {
  std::map<std::string, CheckResult*> open;
  for (auto& c : report.checks) {
    if (c.status == Status::kGreen) continue;
    c.first_failed = report.today;
    if (c.failing_since && *c.failing_since < *c.first_failed) c.first_failed = c.failing_since;
    open[c.subject + "\n" + c.check] = &c;
  }
  const auto runs = store.list_artefacts(codec::monitor_run_kind().name);
  const auto& kind = codec::monitor_run_kind().name;
  std::size_t read = 0;
  for (auto it = runs.rbegin(); it != runs.rend() && !open.empty() && read < 400; ++it, ++read) {
    const auto run = store.read_artefact_table(kind, it->version, "run");
    const auto checks = store.read_artefact_table(kind, it->version, "checks");
    const auto past = codec::monitor_run_from(*it, run, checks);
    std::map<std::string, Status> status;
    for (const auto& c : past.checks) status[c.subject + "\n" + c.check] = c.status;
    for (auto o = open.begin(); o != open.end();) {
      const auto found = status.find(o->first);
      if (found == status.end() || found->second == Status::kGreen) {
        o = open.erase(o);  // the streak began after this run
        continue;
      }
      if (past.today < *o->second->first_failed) o->second->first_failed = past.today;
      ++o;
    }
  }
}

codec::MonitorReport run_checks(const store::Store& store, const MonitorOptions& options) {
  validate(options);
  const auto list = store.list_series();
  if (list.empty()) {
    throw Error(ErrorCode::kNotFound,
                "the store " + store.describe() +
                    " holds no series: nothing to monitor (run 'mre ingest' or 'mre run' first)");
  }
  Context c{store,
            options,
            sources::load_universe(options.universe_path.empty() ? sources::default_universe_path()
                                                                 : options.universe_path),
            Date{},
            options.today.value_or(today_utc()),
            {},
            {},
            {}};
  if (options.as_of) {
    c.as_of = *options.as_of;
  } else {
    // The data's last date: the newest last date (not in the future) of the universe's series
    // that have not ended; any stored series when none of them is in the universe.
    std::optional<Date> newest;
    std::optional<Date> any;
    const sources::SeriesSpec* newest_spec = nullptr;
    std::string newest_ticker;
    for (const auto& s : list) {
      const auto series = store.read_raw({.ticker = s.ticker, .to = c.today + 1});
      if (!series || series->empty()) continue;
      const Date last = series->dates().back();
      if (!any || last > *any) any = last;
      const auto* spec = c.universe.find(s.ticker);
      if (spec && !spec->ended && (!newest || last > *newest)) {
        newest = last;
        newest_spec = spec;
        newest_ticker = s.ticker;
      }
    }
    if (!any)
      throw Error(ErrorCode::kDataError,
                  "every stored date is in the future: no as-of date to check at");
    c.as_of = newest.value_or(*any);
    // The clock. Every other check is as of the data's own last date, so a store whose ingest
    // stopped (every series stale together) looked green for ever (QA): the newest series is
    // judged by the one staleness rule against today's date. Not with --as-of (a past view).
    if (newest_spec) {
      CheckResult age{"store", "data_age"};
      const int allowance = sources::staleness_allowance_days(*newest_spec);
      const bool stale = sources::is_stale(*newest_spec, c.as_of, c.today);
      age.value = c.today - c.as_of;
      age.status = stale ? Status::kRed : Status::kGreen;
      age.figure = fmt::format(
          "the newest data ({} on {}) are {} days old on {} (allowed {}){}", newest_ticker,
          c.as_of.iso(), c.today - c.as_of, c.today.iso(), allowance,
          stale
              ? fmt::format(": every series is stale; the other checks are as of {}", c.as_of.iso())
              : "");
      age.detail =
          "sources::is_stale of the series with the newest date, against today's date (the "
          "other checks judge each series against the data's last date); not run with --as-of";
      if (stale) age.failing_since = c.as_of + (allowance + 1);
      c.checks.push_back(age);
    }
  }
  series_checks(c, list);
  classifier_checks(c);
  regime_checks(c);
  effect_checks(c);
  codec::MonitorReport report;
  report.as_of = c.as_of;
  report.today = c.today;
  report.created_at = Timestamp::now();
  report.checks = std::move(c.checks);
  report.notes = std::move(c.notes);
  report.notes.insert(
      report.notes.begin(),
      {fmt::format("drift: PSI over 10 bins at the training window's deciles, an empty bin's share "
                   "floored at 1e-4 of the mass; amber at PSI >= {}, red (drifting) at >= {}; the "
                   "no-drift sampling level is about 9 (1/m + 1/n)",
                   fixed(options.psi_amber, 2), fixed(options.psi_red, 2)),
       "drift: the two-sample KS p-value is Kolmogorov's asymptotic one and assumes independent "
       "draws (daily features are autocorrelated: it overstates the evidence)"});
  std::ostringstream settings;
  settings << "as_of: " << c.as_of.iso() << "\ndrift_window: " << options.drift_window
           << "\nrange_window: " << options.range.window << "\nrange_days: " << options.range_days
           << "\nrange_k: " << options.range.k
           << "\ngap_lookback_days: " << options.gap_lookback_days
           << "\nrevision_threshold: " << options.revision_threshold
           << "\nrevision_lookback_days: " << options.revision_lookback_days
           << "\npsi_amber: " << options.psi_amber << "\npsi_red: " << options.psi_red
           << "\nretrain_warning_days: " << options.retrain_warning_days
           << "\nclassifier: " << options.classifier_version << "\n";
  report.settings = settings.str();
  add_first_failed(store, report);
  return report;
}

}  // namespace

void validate(const MonitorOptions& o) {
  const auto in = [](double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
  };
  if (!in(o.drift_window, 10, 2520)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--drift-window: expected 10 to 2520 rows (got {})", o.drift_window));
  }
  if (!(o.revision_threshold > 0 && o.revision_threshold <= 10)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--revision-threshold: expected a relative size in (0, 10] (got {})",
                            o.revision_threshold));
  }
  if (!in(o.revision_lookback_days, 1, 36500)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--revision-days: expected 1 to 36500 days (got {})",
                            o.revision_lookback_days));
  }
  if (!in(o.gap_lookback_days, 1, 36500)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--gap-days: expected 1 to 36500 days (got {})", o.gap_lookback_days));
  }
  if (!(o.psi_amber > 0 && o.psi_amber < o.psi_red && o.psi_red <= 10)) {
    throw Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--psi-amber / --psi-red: expected 0 < amber < red <= 10 (got {} and {})",
                    o.psi_amber, o.psi_red));
  }
  if (!in(o.retrain_warning_days, 0, 366)) {
    throw Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--retrain-warning-days: expected 0 to 366 (got {})", o.retrain_warning_days));
  }
  if (!in(o.range.k, 1e-9, 1000)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--range-k: expected a number in (0, 1000] (got {})", o.range.k));
  }
  if (!in(o.range.window, o.range.min_history, 100000)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--range-window: expected {} to 100000 values (got {})",
                            o.range.min_history, o.range.window));
  }
  if (!in(o.range_days, 1, 36500)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--range-days: expected 1 to 36500 days (got {})", o.range_days));
  }
}

codec::MonitorReport check_store(const store::Store& store, const MonitorOptions& options) {
  return run_checks(store, options);
}

codec::MonitorReport run_monitor(store::Store& store, const MonitorOptions& options) {
  auto report = run_checks(store, options);
  if (!options.persist) return report;
  const auto micros = report.created_at.micros();
  const auto seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
  report.version = fmt::format("M_{}{:06d}", stamp, micros % 1'000'000);
  store.write_artefact(codec::monitor_run_kind(), codec::monitor_run_header(report),
                       codec::monitor_run_tables(report));
  return report;
}

std::string monitor_summary_line(const codec::MonitorReport& report) {
  std::vector<std::string> stale;
  std::string ages;
  for (const auto& c : report.checks) {
    if (c.check == "staleness" && c.status == Status::kRed) stale.push_back(c.subject.substr(7));
    if (c.check == "retraining_age" && c.subject.rfind("classifier ", 0) == 0) {
      ages += fmt::format("; {} {:.0f} days since its training data ended ({})", c.subject, c.value,
                          monitor::status_name(c.status));
    }
  }
  return fmt::format(
      "monitor: {} as of {} ({} red, {} amber, {} green){}{}",
      monitor::status_name(report.status()), report.as_of.iso(), report.count(Status::kRed),
      report.count(Status::kAmber), report.count(Status::kGreen),
      stale.empty() ? std::string("; no stale series") : "; stale: " + store::join_names(stale),
      ages);
}

std::vector<codec::MonitorRunSummary> monitor_history(const store::Store& store) {
  std::vector<codec::MonitorRunSummary> out;
  const auto& kind = codec::monitor_run_kind().name;
  for (const auto& h : store.list_artefacts(kind)) {
    const auto run = store.read_artefact_table(kind, h.version, "run");
    const auto past = codec::monitor_run_from(h, run, store::ArtefactTable{"checks", {}});
    codec::MonitorRunSummary s;
    s.version = h.version;
    s.as_of = past.as_of;
    s.created_at = h.created_at;
    const auto& row = run.rows.front();
    s.status = monitor::parse_status(std::get<std::string>(row[2]));
    s.red = static_cast<std::size_t>(std::get<std::int64_t>(row[3]));
    s.amber = static_cast<std::size_t>(std::get<std::int64_t>(row[4]));
    s.green = static_cast<std::size_t>(std::get<std::int64_t>(row[5]));
    out.push_back(s);
  }
  return out;
}

std::optional<codec::MonitorReport> stored_monitor_run(const store::Store& store,
                                                       const std::string& version) {
  const auto& kind = codec::monitor_run_kind().name;
  std::optional<store::ArtefactHeader> header;
  if (version.empty()) {
    const auto runs = store.list_artefacts(kind);
    if (runs.empty()) return std::nullopt;
    header = runs.back();
  } else {
    header = store.find_artefact(kind, version);
    if (!header)
      throw Error(ErrorCode::kNotFound,
                  "no monitor run '" + version + "' (see 'mre monitor history')");
  }
  return codec::monitor_run_from(*header, store.read_artefact_table(kind, header->version, "run"),
                                 store.read_artefact_table(kind, header->version, "checks"));
}

}  // namespace mre::workflows
