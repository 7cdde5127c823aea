// See progress.h.
#include "mre/core/progress.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace mre {
namespace {

std::atomic<ProgressReporter*> g_reporter{nullptr};

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0fs", s);
  return buf;
}

}  // namespace

void set_progress_reporter(ProgressReporter* reporter) { g_reporter.store(reporter); }
ProgressReporter* progress_reporter() { return g_reporter.load(); }

void report_progress(const std::string& what, std::int64_t done, std::int64_t total) {
  if (ProgressReporter* r = g_reporter.load()) r->update(what, done, total);
}

StreamProgress::StreamProgress(std::ostream& out, bool terminal, std::chrono::milliseconds interval)
    : out_(out), terminal_(terminal), interval_(interval) {}

void StreamProgress::update(const std::string& what, std::int64_t done, std::int64_t total) {
  if (total <= 0) return;
  done = std::clamp<std::int64_t>(done, 0, total);
  const std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (what != what_ || total != total_ || (last_done_ == total_ && done < total)) {
    // A new task (the previous one's bar, if unfinished, is ended by a newline).
    if (terminal_ && printed_ && last_done_ < total_) out_ << "\n";
    what_ = what;
    total_ = total;
    last_tenth_ = 0;
    printed_ = false;
    started_ = now;
    last_print_ = now;
    last_done_ = -1;
  }
  if (done <= last_done_) return;  // nothing new (callers report in order)
  last_done_ = done;
  const bool finished = done == total;
  const bool due = now - last_print_ >= interval_;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const int percent = static_cast<int>(100 * done / total);
  if (terminal_) {
    if (!(due || (finished && printed_) || (finished && now - started_ >= interval_))) return;
    constexpr int kWidth = 30;
    const auto filled = static_cast<std::size_t>(kWidth * done / total);
    out_ << "\rmre: " << what << " [" << std::string(filled, '=')
         << std::string(kWidth - filled, ' ') << "] " << done << "/" << total << " "
         << seconds_text(elapsed) << (finished ? "\n" : "") << std::flush;
  } else {
    const int tenth = static_cast<int>(10 * done / total);
    const bool step = tenth > last_tenth_;
    if (!((step && due) || (finished && (printed_ || now - started_ >= interval_)))) return;
    last_tenth_ = tenth;
    out_ << "mre: " << what << ": " << done << "/" << total << " (" << percent << "%), "
         << seconds_text(elapsed) << "\n"
         << std::flush;
  }
  printed_ = true;
  last_print_ = now;
}

}  // namespace mre
