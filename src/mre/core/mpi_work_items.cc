// MPI ranks behind the work-distribution seam (core/work_items.h). The only translation unit that
// includes <mpi.h>; without MRE_MPI (CMake found no MPI, or -DMRE_MPI=OFF) mpi_work_items()
// returns nullptr and every command runs on threads.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <thread>

#include "mre/core/error.h"
#include "mre/core/work_items.h"

#ifdef MRE_MPI
#include <mpi.h>
#include <unistd.h>
#endif

namespace mre {

#ifdef MRE_MPI
namespace {

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_RANK") != nullptr;
}

void append_i64(std::string& out, std::int64_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
std::int64_t read_i64(const char*& p) {
  std::int64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return v;
}

int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(ErrorCode::kInternal, "MPI gather: a rank's results exceed 2 GiB");
  }
  return static_cast<int>(n);
}

// Every rank's bytes, on every rank (MPI_Allgather of the sizes, then MPI_Allgatherv).
std::vector<std::string> all_gather(const std::string& mine, int size) {
  const int count = checked_count(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> displs(static_cast<std::size_t>(size));
  std::size_t total = 0;
  for (int r = 0; r < size; ++r) {
    displs[static_cast<std::size_t>(r)] = checked_count(total);
    total += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
  }
  std::string all(total, '\0');
  MPI_Allgatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                 MPI_COMM_WORLD);
  std::vector<std::string> out(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r) {
    out[static_cast<std::size_t>(r)] =
        all.substr(static_cast<std::size_t>(displs[static_cast<std::size_t>(r)]),
                   static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]));
  }
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

class MpiWorkItems final : public WorkItems {
 public:
  MpiWorkItems(int rank, int size, int threads) : rank_(rank), size_(size), threads_(threads) {}
  ~MpiWorkItems() override { MPI_Finalize(); }
  MpiWorkItems(const MpiWorkItems&) = delete;
  MpiWorkItems& operator=(const MpiWorkItems&) = delete;

  int rank() const override { return rank_; }
  int processes() const override { return size_; }

  std::vector<WorkResult> run(std::int64_t n, const WorkItemFn& fn,
                              const std::string& what) const override {
    std::vector<WorkResult> out(static_cast<std::size_t>(std::max<std::int64_t>(0, n)));
    if (n <= 0) return out;
    // This rank's items: rank, rank + size, ... (none when rank >= n: the rank idles).
    const std::int64_t mine = n > rank_ ? (n - 1 - rank_) / size_ + 1 : 0;
    std::vector<std::string> failures(static_cast<std::size_t>(mine));
    std::vector<int> codes(static_cast<std::size_t>(mine), -1);
    const auto local = [&](std::int64_t j) -> WorkResult {
      const std::int64_t item = rank_ + j * size_;
      try {
        return fn(item);
      } catch (const Error& e) {
        codes[static_cast<std::size_t>(j)] = static_cast<int>(e.code());
        failures[static_cast<std::size_t>(j)] = e.what();
      } catch (const std::exception& e) {
        codes[static_cast<std::size_t>(j)] = static_cast<int>(ErrorCode::kInternal);
        failures[static_cast<std::size_t>(j)] = e.what();
      }
      return {};
    };
    // Progress (rank 0 alone has a reporter): this rank's share of the items.
    const std::vector<WorkResult> results = ThreadWorkItems(threads_).run(
        mine, local,
        what + " (rank " + std::to_string(rank_) + "'s share of " + std::to_string(n) + ")");
    // The message: status (the first failing local item, or -1), then every result with its length.
    std::string message;
    std::int64_t failed = -1;
    for (std::int64_t j = 0; j < mine && failed < 0; ++j) {
      if (codes[static_cast<std::size_t>(j)] >= 0) failed = j;
    }
    append_i64(message, failed < 0 ? -1 : rank_ + failed * size_);
    if (failed >= 0) {
      append_i64(message, codes[static_cast<std::size_t>(failed)]);
      append_i64(message,
                 static_cast<std::int64_t>(failures[static_cast<std::size_t>(failed)].size()));
      message += failures[static_cast<std::size_t>(failed)];
    } else {
      for (const auto& r : results) {
        append_i64(message, static_cast<std::int64_t>(r.size()));
        message += r;
      }
    }
    const std::vector<std::string> all = all_gather(message, size_);
    // The first failing item in item order, whichever rank ran it: the same error on every rank.
    std::int64_t first_item = -1;
    int first_rank = -1;
    for (int r = 0; r < size_; ++r) {
      const char* p = all[static_cast<std::size_t>(r)].data();
      const std::int64_t item = read_i64(p);
      if (item >= 0 && (first_item < 0 || item < first_item)) {
        first_item = item;
        first_rank = r;
      }
    }
    if (first_rank >= 0) {
      const char* p = all[static_cast<std::size_t>(first_rank)].data();
      read_i64(p);
      const auto code = static_cast<ErrorCode>(read_i64(p));
      const auto len = static_cast<std::size_t>(read_i64(p));
      collective_failure_ = true;
      throw Error(code, what + " item " + std::to_string(first_item) + " failed on MPI rank " +
                            std::to_string(first_rank) + " of " + std::to_string(size_) + ": " +
                            std::string(p, len));
    }
    for (int r = 0; r < size_; ++r) {
      const std::string& m = all[static_cast<std::size_t>(r)];
      const char* p = m.data();
      read_i64(p);
      for (std::int64_t item = r; item < n; item += size_) {
        const auto len = static_cast<std::size_t>(read_i64(p));
        out[static_cast<std::size_t>(item)].assign(p, len);
        p += len;
      }
      if (p != m.data() + m.size())
        throw Error(ErrorCode::kInternal,
                    what + ": a malformed result message from MPI rank " + std::to_string(r));
    }
    return out;
  }

  void agree(const std::string& failure, int code) const override {
    std::string message;
    append_i64(message, code);
    message += failure.empty() ? std::string()
                               : "MPI rank " + std::to_string(rank_) + " (host " + host_name() +
                                     "): " + failure;
    const std::vector<std::string> all = all_gather(message, size_);
    for (int r = 0; r < size_; ++r) {
      const std::string& m = all[static_cast<std::size_t>(r)];
      if (m.size() > sizeof(std::int64_t)) {
        const char* p = m.data();
        const auto c = static_cast<ErrorCode>(read_i64(p));
        collective_failure_ = true;
        throw Error(c, m.substr(sizeof(std::int64_t)));
      }
    }
  }

  void after_error(int exit_code) const override {
    if (collective_failure_ || size_ == 1) return;
    MPI_Abort(MPI_COMM_WORLD, exit_code);
  }

 private:
  int rank_;
  int size_;
  int threads_;
  mutable bool collective_failure_ = false;
};

}  // namespace

bool mpi_available() { return true; }

std::unique_ptr<WorkItems> mpi_work_items(int* argc, char*** argv, int threads) {
  if (!launched_by_mpirun()) return nullptr;
  int provided = 0;
  // Items run on threads within a rank, but only the main thread calls MPI.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (threads <= 0) {
    int local = 1;
    if (const char* s = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
      local = std::max(1, std::atoi(s));
    threads =
        std::max(1, static_cast<int>(std::max(1U, std::thread::hardware_concurrency())) / local);
  }
  return std::make_unique<MpiWorkItems>(rank, size, threads);
}

#else

bool mpi_available() { return false; }

std::unique_ptr<WorkItems> mpi_work_items(int*, char***, int) { return nullptr; }

#endif

}  // namespace mre
