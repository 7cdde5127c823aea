// Progress of long work on stderr (issue 22): "what is being done, how far". The work-items seam
// (core/work_items.h) reports every run of items (done / total) here, so every command on the
// seam shows progress without code of its own; other long loops call report_progress too.
//
// The process has at most one reporter, installed by the front end (cli/main.cc): none by
// default, so libraries, tests and the HTTP server stay silent; `--quiet` leaves it out, and
// under MPI only rank 0 has one. Reports never change results: they only read counters.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace mre {

class ProgressReporter {
 public:
  virtual ~ProgressReporter() = default;
  // `done` of `total` units of the task `what` are finished. Called from any thread; a new
  // `what` (or a smaller `done`) starts a new task.
  virtual void update(const std::string& what, std::int64_t done, std::int64_t total) = 0;
};

// The process's reporter (nullptr: silent).
void set_progress_reporter(ProgressReporter* reporter);
ProgressReporter* progress_reporter();
// Forwards to the process's reporter, when there is one.
void report_progress(const std::string& what, std::int64_t done, std::int64_t total);

// Progress written to a stream (stderr). On a terminal, one line redrawn in place (a bar, the
// count, the elapsed time), at most every `interval`, ended by a newline when the task is done.
// Otherwise (a log, a pipe) plain lines "mre: WHAT: DONE/TOTAL (P%), Ns", at most one per tenth
// of the task and at most one per `interval`; a task quicker than `interval` prints nothing, a
// longer one ends with its 100% line.
class StreamProgress final : public ProgressReporter {
 public:
  StreamProgress(std::ostream& out, bool terminal,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  void update(const std::string& what, std::int64_t done, std::int64_t total) override;

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mutex_;
  std::ostream& out_;
  bool terminal_;
  std::chrono::milliseconds interval_;
  std::string what_;
  std::int64_t total_ = -1;
  std::int64_t last_done_ = -1;
  int last_tenth_ = 0;
  bool printed_ = false;
  Clock::time_point started_{};
  Clock::time_point last_print_{};
};

}  // namespace mre
