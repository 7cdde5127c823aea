// `mre classify historical` over many files (issue 28): each file is one work item
// (core/work_items.h) classified from the same stored classifier, read once; the items run on
// threads or MPI ranks and their outputs come back in file order. Outputs are written only after
// every file has been classified (an error in one writes none), by the writing process alone
// (rank 0 under MPI), each atomically (a temporary file, then a rename).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "mre/core/work_items.h"
#include "mre/workflows/classify.h"

namespace mre::workflows {

struct HistoricalFilesOptions {
  std::string version{};
  std::vector<std::filesystem::path> inputs{};
  std::filesystem::path output_dir{};  // each output: output_dir / the input's file name
  bool allow_unapproved = false;
  bool explain = false;
  int threads = 0;                        // 0: all cores; the outputs do not depend on it
  const WorkItems* work_items = nullptr;  // MPI ranks, or null for `threads` here
  bool write = true;                 // false: classify, but write no file (MPI ranks other than 0)
  std::filesystem::path universe{};  // issue 18's ages (empty: sources::default_universe_path())
};

struct HistoricalFile {
  std::filesystem::path input{};
  std::filesystem::path output{};
  HistoricalReport report{};
  std::vector<std::string> log{};  // what classify_historical said about this file
};

// InvalidArgument (before any work) for no input, a missing output directory, two inputs with
// the same file name, or an output that would replace its input; otherwise classify_historical's
// errors, naming the file (and the work item). Returns the files in input order.
std::vector<HistoricalFile> classify_historical_files(const store::Store& store,
                                                      const HistoricalFilesOptions& options);

}  // namespace mre::workflows
