#include "mre/core/work_items.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "mre/core/error.h"
#include "mre/core/progress.h"

namespace mre {

void WorkItems::agree(const std::string& failure, int code) const {
  if (!failure.empty()) throw Error(static_cast<ErrorCode>(code), failure);
}

ThreadWorkItems::ThreadWorkItems(int threads, bool report_progress)
    : threads_(threads > 0 ? threads
                           : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()))),
      report_(report_progress) {}

std::vector<WorkResult> ThreadWorkItems::run(std::int64_t n, const WorkItemFn& fn,
                                             const std::string& what) const {
  std::vector<WorkResult> out(static_cast<std::size_t>(std::max<std::int64_t>(0, n)));
  if (n <= 0) return out;
  const int t = static_cast<int>(std::min<std::int64_t>(threads_, n));
  // The first failing item in item order wins, so the error does not depend on the threads.
  std::int64_t failed_item = -1;
  std::exception_ptr failure;
  std::mutex mutex;
  std::int64_t done = 0;
  std::mutex progress_mutex;  // reports leave in order: done counts up
  if (report_) report_progress(what, 0, n);
  std::atomic<std::int64_t> next{0};
  const auto worker = [&](int) {
    for (std::int64_t i = next++; i < n; i = next++) {
      try {
        out[static_cast<std::size_t>(i)] = fn(i);
        const std::lock_guard<std::mutex> lock(progress_mutex);
        ++done;
        if (report_) report_progress(what, done, n);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (failed_item < 0 || i < failed_item) {
          failed_item = i;
          failure = std::current_exception();
        }
        return;
      }
    }
  };
  if (t == 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    for (int w = 0; w < t; ++w) pool.emplace_back(worker, w);
    for (auto& th : pool) th.join();
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error& e) {
      throw Error(e.code(), what + " item " + std::to_string(failed_item) + ": " + e.what());
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kInternal,
                  what + " item " + std::to_string(failed_item) + ": " + e.what());
    }
  }
  return out;
}

std::vector<WorkResult> run_work_items(const WorkItems* items, int threads, std::int64_t n,
                                       const WorkItemFn& fn, const std::string& what) {
  if (items != nullptr) return items->run(n, fn, what);
  return ThreadWorkItems(threads).run(n, fn, what);
}

WorkResult pack_doubles(const std::vector<double>& values) {
  WorkResult out(values.size() * sizeof(double), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<double> unpack_doubles(const WorkResult& bytes) {
  if (bytes.size() % sizeof(double) != 0)
    throw Error(ErrorCode::kInternal,
                "unpack_doubles: a result of " + std::to_string(bytes.size()) + " bytes");
  std::vector<double> out(bytes.size() / sizeof(double));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

ResultWriter& ResultWriter::number(double v) {
  out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  return *this;
}
ResultWriter& ResultWriter::integer(std::int64_t v) {
  out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  return *this;
}
ResultWriter& ResultWriter::text(const std::string& v) {
  integer(static_cast<std::int64_t>(v.size()));
  out_ += v;
  return *this;
}

void ResultReader::need(std::size_t n) const {
  if (in_.size() - at_ < n)
    throw Error(ErrorCode::kInternal, "ResultReader: a work result is shorter than its fields");
}
double ResultReader::number() {
  need(sizeof(double));
  double v = 0;
  std::memcpy(&v, in_.data() + at_, sizeof v);
  at_ += sizeof v;
  return v;
}
std::int64_t ResultReader::integer() {
  need(sizeof(std::int64_t));
  std::int64_t v = 0;
  std::memcpy(&v, in_.data() + at_, sizeof v);
  at_ += sizeof v;
  return v;
}
std::string ResultReader::text() {
  const auto n = integer();
  if (n < 0) throw Error(ErrorCode::kInternal, "ResultReader: a negative text length");
  need(static_cast<std::size_t>(n));
  std::string v = in_.substr(at_, static_cast<std::size_t>(n));
  at_ += static_cast<std::size_t>(n);
  return v;
}

}  // namespace mre
