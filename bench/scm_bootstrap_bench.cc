// Parameter uncertainty of the default SCM on the bundled data (issue 20): one fit of every
// equation, then the residual block bootstrap of the whole fit with the counterfactual
// do(EFFR +50 bp, 2022-03-01..2022-06-30) evaluated on each replicate (workflows::counterfactual,
// as `mre scm counterfactual` runs it). With a third argument `regimes`: the regime-dependent
// version (two regimes, a regime version split at 2022-01-31), whose counterfactual adds the
// regime bootstrap (two weighted refits and three counterfactuals per replicate). Prints:
//   scm_bootstrap_bench rows=T fit_ms=F replicates=R threads=H seconds=S
// Usage: scm_bootstrap_bench [replicates] [threads] [regimes]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mre/scm/scm.h"
#include "mre/store/memory/memory_store.h"
#include "mre/workflows/ingest.h"
#include "mre/workflows/scm.h"

int main(int argc, char** argv) {
  using namespace mre;
  using clock = std::chrono::steady_clock;
  const int replicates = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const std::filesystem::path root = MRE_SOURCE_DIR;
  store::MemoryStore store;
  workflows::ingest(store, {.universe_path = root / "config/universe.yml",
                            .tickers = {"DCOILWTICO", "MORTGAGE30US", "ZQ=F", "ZQ=F.open", "EFFR",
                                        "DGS3MO", "TLT", "DBC", "DX-Y.NYB", "^GSPC"}});
  const bool regimes = argc > 3 && std::string(argv[3]) == "regimes";
  if (regimes) {
    store::RegimeModel rm{.version = "R_SPLIT",
                          .kind = "rules",
                          .spec_name = "split",
                          .spec_hash = "h",
                          .feature_version = "F",
                          .labels = {"early", "late"},
                          .created_at = Timestamp::now()};
    std::vector<store::RegimeRow> rows;
    for (Date d = Date::from_ymd(2014, 8, 31); d <= Date::from_ymd(2025, 8, 31);
         d = (d + 1).end_of_month()) {
      const bool late = d >= Date::from_ymd(2022, 1, 31);
      rows.push_back({d, late ? "late" : "early", 1.0,
                      late ? std::vector<double>{0.0, 1.0} : std::vector<double>{1.0, 0.0}});
    }
    store.write_regimes(rm, rows);
  }
  const auto fitted =
      workflows::fit_scm(store, {.spec_path = root / "config/scm/policy_transmission.yml",
                                 .universe_path = root / "config/universe.yml",
                                 .version = "B1",
                                 .regime_version = regimes ? "R_SPLIT" : ""});
  const auto& m = fitted.model;
  // One fit of every equation (HAC covariances included), best of 20.
  double fit_ms = 1e300;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = clock::now();
    const auto f = scm::fit(m.fitted.graph, m.changes, m.fitted.hac_lag);
    fit_ms = std::min(fit_ms, std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    if (f.equations.empty()) return 1;
  }
  const auto doit = std::vector<workflows::DoExpression>{
      workflows::parse_do("EFFR=+0.50@2022-03-01..2022-06-30")};
  workflows::ScmUncertainty u{
      .bootstrap = {.replicates = replicates, .block_length = 20, .seed = 20, .threads = threads}};
  const auto t0 = clock::now();
  const auto r = workflows::counterfactual(m, doit, u);
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  double stock_lo = 0, stock_hi = 0, stock = 0;
  for (const auto& b : r.bands) {
    if (b.node == "STOCK")
      stock = b.window_end.estimate, stock_lo = b.window_end.lo95, stock_hi = b.window_end.hi95;
  }
  std::printf(
      "scm_bootstrap_bench rows=%ld fit_ms=%.2f replicates=%d threads=%d regimes=%d seconds=%.2f  "
      "(STOCK %+.3f%% 95%% [%+.3f, %+.3f])\n",
      static_cast<long>(m.changes.rows()), fit_ms, replicates, threads, regimes ? 1 : 0, seconds,
      100 * stock, 100 * stock_lo, 100 * stock_hi);
  return 0;
}
