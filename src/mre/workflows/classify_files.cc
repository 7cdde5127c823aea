// See classify_files.h.
#include "mre/workflows/classify_files.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>

#include "mre/core/atomic_file.h"
#include "mre/core/error.h"

namespace mre::workflows {
namespace {

// The whole of a file (a classified output, read back from its private temporary file).
std::string read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::kIoError, path.string() + ": cannot read the classified output back");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A temporary file of this process for item `item`, removed when it goes out of scope.
struct Scratch {
  std::filesystem::path path;
  explicit Scratch(std::int64_t item)
      : path(std::filesystem::temp_directory_path() /
             ("mre-historical-" + std::to_string(::getpid()) + "-" + std::to_string(item) +
              ".csv")) {}
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

}  // namespace

std::vector<HistoricalFile> classify_historical_files(const store::Store& store,
                                                      const HistoricalFilesOptions& options) {
  if (options.inputs.empty())
    throw Error(ErrorCode::kInvalidArgument, "--in: at least one input CSV is needed");
  if (options.threads < 0)
    throw Error(ErrorCode::kInvalidArgument, "--threads: must be >= 0 (0: all cores)");
  if (!std::filesystem::is_directory(options.output_dir)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--out-dir: '" + options.output_dir.string() + "' is not a directory");
  }
  std::vector<HistoricalFile> files;
  std::map<std::string, std::string> by_name;
  for (const auto& input : options.inputs) {
    const std::string name = input.filename().string();
    if (const auto [it, fresh] = by_name.emplace(name, input.string()); !fresh) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--in: '" + it->second + "' and '" + input.string() +
                      "' have the same file name '" + name +
                      "', so their outputs in --out-dir would collide");
    }
    HistoricalFile f;
    f.input = input;
    f.output = options.output_dir / name;
    std::error_code ec;
    if (std::filesystem::equivalent(f.input, f.output, ec)) {
      throw Error(ErrorCode::kInvalidArgument, "--out-dir: the output for '" + input.string() +
                                                   "' would replace the input itself");
    }
    if (!std::filesystem::is_regular_file(input)) {
      throw Error(ErrorCode::kNotFound, "--in: '" + input.string() + "' is not a readable file");
    }
    check_output_target(f.output.string(), "--out-dir");
    files.push_back(std::move(f));
  }
  // The store once, here; the items read only files.
  const HistoricalContext context =
      load_historical_context(store, options.version, options.allow_unapproved, options.universe);
  const auto results = run_work_items(
      options.work_items, options.threads, static_cast<std::int64_t>(files.size()),
      [&](std::int64_t item) -> WorkResult {
        const auto& f = files[static_cast<std::size_t>(item)];
        const Scratch scratch(item);
        std::vector<std::string> log;
        HistoricalReport r;
        try {
          r = classify_historical(context,
                                  {.version = options.version,
                                   .input = f.input,
                                   .output = scratch.path,
                                   .allow_unapproved = options.allow_unapproved,
                                   .explain = options.explain},
                                  [&](std::string_view line) { log.emplace_back(line); });
        } catch (const Error& e) {
          const std::string what = e.what();
          // Errors from the CSV reader name the file already; others get it here.
          throw Error(e.code(), what.find(f.input.string()) == std::string::npos
                                    ? f.input.string() + ": " + what
                                    : what);
        }
        ResultWriter w;
        w.integer(static_cast<std::int64_t>(r.rows))
            .integer(r.started_from_carried_state)
            .integer(r.overlaps_training)
            .integer(static_cast<std::int64_t>(r.unclassified_rows))
            .text(r.first_unclassified)
            .text(r.carried_timestamp)
            .integer(static_cast<std::int64_t>(log.size()));
        for (const auto& line : log) w.text(line);
        w.text(read_whole(scratch.path));
        return w.take();
      },
      "classify historical files");
  std::vector<std::string> contents;
  for (std::size_t i = 0; i < files.size(); ++i) {
    ResultReader in(results[i]);
    auto& r = files[i].report;
    r.rows = static_cast<std::size_t>(in.integer());
    r.started_from_carried_state = in.integer() != 0;
    r.overlaps_training = in.integer() != 0;
    r.unclassified_rows = static_cast<std::size_t>(in.integer());
    r.first_unclassified = in.text();
    r.carried_timestamp = in.text();
    const auto lines = in.integer();
    for (std::int64_t k = 0; k < lines; ++k) files[i].log.push_back(in.text());
    contents.push_back(in.text());
  }
  // Every file classified: now the outputs, in input order.
  if (options.write) {
    for (std::size_t i = 0; i < files.size(); ++i)
      write_file_atomically(files[i].output, contents[i]);
  }
  return files;
}

}  // namespace mre::workflows
