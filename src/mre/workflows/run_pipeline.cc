// `mre run`'s pipeline (moved from cli/ingest_command.cc unchanged, plus the store's run lock).
#include "mre/workflows/run_pipeline.h"

#include <fmt/format.h>

#include <chrono>

#include "mre/core/error.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/effect_studies.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/monitor.h"
#include "mre/workflows/scm.h"

namespace mre::workflows {

std::string ingest_summary(const IngestReport& report, double seconds) {
  return fmt::format(
      "{} series from {} file(s), {} observations read: {} new rows, {} revisions, {} unchanged "
      "({:.2f} s, ingest time {})",
      report.write.series.size(), report.files, report.observations_read, report.write.inserted(),
      report.write.revised(), report.write.unchanged(), seconds, report.write.ingested_at.iso());
}

void run_pipeline(store::Store& store, const RunOptions& options, const Progress& say_view) {
  const auto say = [&](const std::string& line) {
    if (say_view) say_view(line);
  };
  const std::string& db = options.db_hint;
  IngestOptions ingest_options;
  ingest_options.universe_path = options.universe_path;
  // One run at a time per store: two at once would both train the same classifier tag and the
  // second be refused. The second waits here, then finds every stage up to date.
  const auto lease = store.hold_lock("run", [&] {
    say("run: another `mre run` is using " + store.describe() + "; waiting for it to finish");
  });
  say("run: store " + store.describe() + ", universe " + options.universe_path.string());
  const auto start = std::chrono::steady_clock::now();
  const auto report = ingest(store, ingest_options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  say("[1/6] ingest: " + ingest_summary(report, seconds));
  const auto config = options.universe_path.parent_path() / "features";
  for (const char* name : {"indicators", "macro_ltv", "cross_asset", "effects"}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto built = build_features(store, {.spec_path = config / (std::string(name) + ".yml"),
                                              .version = "auto",
                                              .universe_path = options.universe_path});
    say(fmt::format("[2/6] features {}: {} ({:.2f} s)", name,
                    built.written ? "built " + built.version : built.version + " up to date",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  }
  const auto regimes_dir = options.universe_path.parent_path() / "regimes";
  std::string
      macro_regimes;  // the month-end macro HMM's version: the regime-dependent SCM's regimes
  for (const char* name : {"rules", "hmm_macro", "hmm_indicators"}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto fitted = detect_regimes(
        store, {.spec_path = regimes_dir / (std::string(name) + ".yml"), .version = "auto"});
    if (std::string(name) == "hmm_macro") macro_regimes = fitted.version;
    say(fmt::format("[3/6] regimes {}: {} ({:.2f} s)", name,
                    fitted.written ? "fitted " + fitted.version : fitted.version + " up to date",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
    if (fitted.latest) {
      say(fmt::format("      latest {}: {} (score {:.3f})", fitted.latest->date.iso(),
                      fitted.latest->regime, fitted.latest->score));
    }
  }
  {
    const auto t0 = std::chrono::steady_clock::now();
    const auto spec = options.universe_path.parent_path() / "classifier" / "gmr.yml";
    const auto trained = train_classifier(store, {.version = "auto", .spec_path = spec});
    say(fmt::format("[4/6] classify gmr: {} ({:.2f} s)",
                    trained.written ? "trained " + trained.record.version
                                    : trained.record.version + " up to date",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
    const auto current = current_classification(store, trained.record.version);
    say("      current: " +
        explain_classification(current.timestamp, current.model, current.result, true));
    const bool approved = !store.list_approvals(trained.record.version).empty();
    if (!approved) {
      say("      (mapping not yet signed off: `mre classify mapping-report " +
          trained.record.version + " --db " + db + "`, then `mre classify approve " +
          trained.record.version + " --by NAME --db " + db + "`)");
    }
  }
  {
    const auto t0 = std::chrono::steady_clock::now();
    const auto spec = options.universe_path.parent_path() / "effects.yml";
    // The grid's cells on all cores (the rows do not depend on the threads).
    const auto effects = run_effects(store, {.spec_path = spec, .version = "auto", .threads = 0});
    say(fmt::format(
        "[5/6] effects: {} {} ({} estimates{}, {:.1f} s); `mre effects show {} --db {}`",
        effects.version, effects.written ? "estimated" : "up to date", effects.rows,
        effects.skipped.empty() ? "" : fmt::format(", {} skipped", effects.skipped.size()),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
        effects.version, db));
    // The identified shock's announcement-day event study and local projection on the S&P 500
    // (issue 17), stored so the dashboard and the API can draw them.
    const auto studies = store_default_studies(store, load_effects_spec(spec));
    say(fmt::format(
        "      studies: event study {} {}, impulse response {} {}; `mre effects study TAG --db {}`",
        studies.event.version, studies.event.written ? "stored" : "up to date",
        studies.impulse.version, studies.impulse.written ? "stored" : "up to date", db));
  }
  {
    const auto t0 = std::chrono::steady_clock::now();
    const auto spec = options.universe_path.parent_path() / "scm" / "policy_transmission.yml";
    const auto fitted = fit_scm(
        store, {.spec_path = spec, .universe_path = options.universe_path, .version = "auto"});
    say(fmt::format("[6/6] scm: {} ({:.2f} s); `mre scm show {} --db {}`",
                    fitted.written ? "fitted " + fitted.version : fitted.version + " up to date",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                    fitted.version, db));
    const auto cf = counterfactual(fitted.model, {parse_do("EFFR=+0.50@2022-03-01..2022-06-30")});
    for (const auto& w : cf.warnings) say("      warning: " + w);
    for (const auto& b : cf.bands) {
      if (b.node != cf.terminal) continue;
      say(
          fmt::format("      counterfactual do(EFFR +50 bp, 2022-03-01..2022-06-30): {} {:+.2f}% "
                      "by {} (90% [{:+.2f}, {:+.2f}], "
                      "95% [{:+.2f}, {:+.2f}]: parameter uncertainty, {})",
                      cf.terminal, 100 * cf.terminal_gap_window, cf.window_end.iso(),
                      100 * b.window_end.lo90, 100 * b.window_end.hi90, 100 * b.window_end.lo95,
                      100 * b.window_end.hi95, cf.uncertainty));
    }
    // Regime-dependent transmission (issue 20): the same graph per regime of the macro HMM, and
    // the same counterfactual under each regime's coefficients.
    if (!macro_regimes.empty()) try {
        const auto by_regime = fit_scm(store, {.spec_path = spec,
                                               .universe_path = options.universe_path,
                                               .version = "auto",
                                               .regime_version = macro_regimes});
        const auto rcf =
            counterfactual(by_regime.model, {parse_do("EFFR=+0.50@2022-03-01..2022-06-30")});
        for (const auto& e : rcf.regime_effects) {
          if (e.window_days < 0) continue;
          for (const auto& b : e.bands) {
            if (b.node != rcf.terminal) continue;
            say(fmt::format(
                "      per regime of {} ({}): with regime {}'s coefficients {} {:+.2f}% (90% "
                "[{:+.2f}, {:+.2f}], 95% [{:+.2f}, "
                "{:+.2f}]; {} of the window's days in it)",
                macro_regimes, by_regime.version, e.regime, b.node, 100 * b.window_end.estimate,
                100 * b.window_end.lo90, 100 * b.window_end.hi90, 100 * b.window_end.lo95,
                100 * b.window_end.hi95, e.window_days));
          }
        }
      } catch (const Error& e) {
        // Bad data for the regime-dependent fit (a regime version that stops covering the SCM's
        // dates): the pooled results above stand; say why the per-regime ones are missing.
        if (e.code() != ErrorCode::kDataError) throw;
        say(fmt::format("      per regime of {}: not fitted ({})", macro_regimes, e.what()));
      }
    const auto loaded = load_scm_spec(spec);
    const char* generators[] = {"student-t", "block-bootstrap", "regime-bootstrap"};
    std::size_t i = 0;
    for (const auto& named : loaded.scenarios) {
      ScenarioOptions scenario;
      scenario.name = named.name;
      for (const auto& d : named.interventions) scenario.interventions.push_back(parse_do(d));
      scenario.config = {.horizon = 250,
                         .paths = 5000,
                         .seed = 42,
                         .shocks = scm::parse_shock_kind(generators[i++ % 3]),
                         .mean_block = loaded.mean_block};
      const auto r = run_scenario(store, fitted.version, fitted.model, scenario);
      for (const auto& e : r.effects) {
        if (e.node != cf.terminal) continue;
        say(
            fmt::format("      scenario {} {} ({}, {} shocks, {} paths x {} days from {}): {} "
                        "{:+.2f}% at the horizon "
                        "(90% [{:+.2f}, {:+.2f}], 95% [{:+.2f}, {:+.2f}]: parameters and shocks); "
                        "`mre scm scenarios {} --db {}`",
                        r.run.id, named.name, r.run.interventions, r.run.shocks, r.run.paths,
                        r.run.horizon, r.run.start.iso(), e.node, e.mean, e.band.lo90, e.band.hi90,
                        e.band.lo95, e.band.hi95, r.run.id, db));
      }
    }
  }
  const auto series = store.list_series();
  std::size_t rows = 0;
  for (const auto& s : series) rows += s.rows;
  say(fmt::format(
      "done: the store holds {} series ({} rows), {} feature versions and {} regime versions. "
      "Next: `mre regimes list --db {}`, `mre regimes show VERSION --db {}`",
      series.size(), rows, store.list_feature_versions().size(), store.list_regime_models().size(),
      db, db));
  try {
    // Issue 27: the health of what was just built (stored as a monitor run). A check that cannot
    // run is said, not fatal: every stage before it is stored.
    const auto health = run_monitor(store, {.universe_path = options.universe_path});
    say(monitor_summary_line(health) + fmt::format("; `mre monitor --db {}`", db));
  } catch (const Error& e) {
    say(std::string("monitor: not run (") + e.what() + "); `mre monitor --db " + db +
        "` says more");
  }
  say(
      fmt::format("serve it: `mre serve --db {}`, then open http://127.0.0.1:8080/ (the JSON API "
                  "is under /api/)",
                  db));
}

}  // namespace mre::workflows
