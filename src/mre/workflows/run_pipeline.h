// `mre run`: every stage in order on the bundled data (ingest, features, regimes, classifier,
// effects, SCM and its scenarios), a progress line per stage. The CLI and any other front end
// call this one pipeline.
#pragma once

#include <filesystem>
#include <string>

#include "mre/store/store.h"
#include "mre/workflows/ingest.h"

namespace mre::workflows {

struct RunOptions {
  std::filesystem::path universe_path{};  // config/universe.yml; the stage specs are beside it
  std::string db_hint{};  // the --db value as it may be printed (no password), for next-step hints
};

// Runs every stage; safe to repeat (unchanged data writes nothing and rebuilds nothing). Holds
// the store's "run" lock throughout: a second run on the same store waits for the first (saying
// so), then finds its work done. `say` gets one line per stage and the hints.
void run_pipeline(store::Store& store, const RunOptions& options, const Progress& say);

// "N series from F file(s), ...": one ingest's summary line.
std::string ingest_summary(const IngestReport& report, double seconds);

}  // namespace mre::workflows
