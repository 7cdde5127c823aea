// The ingest use case: read the series of the universe (bundled snapshot or a user's CSV),
// validate all of it, then write it to the store in one transaction.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mre/store/store.h"

namespace mre::workflows {

enum class IngestSource { kSnapshot, kCsv };

struct IngestOptions {
  std::filesystem::path universe_path{};  // the universe config
  std::vector<std::string> tickers{};     // empty: every available ticker (snapshot) / column (csv)
  IngestSource source = IngestSource::kSnapshot;
  std::filesystem::path csv_path{};  // REQUIRES with kCsv: a plain CSV (date + ticker columns)
};

struct IngestReport {
  std::size_t files = 0;
  std::size_t observations_read = 0;
  store::WriteResult write;
};

// Progress messages for people ("read fred/DGS10.csv: 16123 observations"); may be empty.
using Progress = std::function<void(std::string_view)>;

// Throws NotFound for a ticker outside the universe (or unavailable in the snapshot),
// InvalidArgument for bad options, DataError/IoError for bad files (naming file and line),
// StoreError from the store. Nothing is written unless every file parsed.
IngestReport ingest(store::Store& store, const IngestOptions& options,
                    const Progress& progress = {});

}  // namespace mre::workflows
