// The work-distribution seam (issue 28): "run these seeded work items, gather their results in
// item order". The heavy commands (bootstrap bands, scenario replicates, effects cells, penalty
// selection, historical classification) are bags of independent items; each item carries its own
// seed (it derives its randomness from its index alone), so a result never depends on how many
// threads or processes ran the items, and every reduction over the gathered results happens in
// item order, which makes the results bit-identical whatever the distribution.
//
// Two implementations: threads in one process (ThreadWorkItems, the default) and MPI ranks
// (mpi_work_items(), core/mpi_work_items.cc, the only translation unit that includes <mpi.h>).
// Under MPI every rank runs the whole command; at each run() the items are dealt round-robin
// (item i on rank i mod size, threads within a rank), and every rank receives every result, so
// the code after the gather runs identically everywhere. Only rank 0 writes the store
// (writer()); the front end gives the other ranks a private in-memory copy of their inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mre {

// One item's result, serialized (pack_doubles/unpack_doubles for numbers, bit-exact).
using WorkResult = std::string;
// Computes item `item` (0 <= item < n). Must only read shared state (it runs on several threads
// at once) and derive any randomness from `item` and a seed fixed before the run.
using WorkItemFn = std::function<WorkResult(std::int64_t item)>;

class WorkItems {
 public:
  virtual ~WorkItems() = default;
  // Runs fn over items [0, n) and returns their results indexed by item, on every process.
  // `what` names the work in errors and in progress reports ("bootstrap replicates"; items done
  // of n go to core/progress.h's reporter as they finish, under MPI rank 0's share). An item that
  // throws fails the run on every process with an Error (the first failing item's code) naming the
  // rank and the item; n == 0 returns nothing; more processes than items leave the extra processes
  // idle.
  virtual std::vector<WorkResult> run(std::int64_t n, const WorkItemFn& fn,
                                      const std::string& what) const = 0;
  virtual int rank() const { return 0; }
  virtual int processes() const { return 1; }
  // Whether this process writes the store (rank 0 only).
  bool writer() const { return rank() == 0; }
  // Collective check: every process passes "" (ok) or the reason it cannot go on; if any process
  // failed, every process throws the same Error (`code`) naming the first failing rank.
  virtual void agree(const std::string& failure, int code) const;
  // Called by the front end when a command failed on this process with `exit_code`. A failure
  // every process saw (a failed item, agree()) returns, and each process exits with the same
  // status; any other failure ends the whole job (MPI_Abort), so no process waits forever in a
  // gather. A no-op in one process.
  virtual void after_error(int /*exit_code*/) const {}
};

// Threads in one process (0: the hardware's); each thread takes the next item not yet started,
// so items of unequal cost spread evenly. Progress: report_progress(what, done, n) as items
// finish, unless `report_progress` is false (a kernel's own threads inside a larger task).
class ThreadWorkItems final : public WorkItems {
 public:
  explicit ThreadWorkItems(int threads = 0, bool report_progress = true);
  std::vector<WorkResult> run(std::int64_t n, const WorkItemFn& fn,
                              const std::string& what) const override;
  int threads() const { return threads_; }

 private:
  int threads_;
  bool report_;
};

// `items` when given, else threads in this process.
std::vector<WorkResult> run_work_items(const WorkItems* items, int threads, std::int64_t n,
                                       const WorkItemFn& fn, const std::string& what);

// Bit-exact serialization of doubles (native byte order: all ranks of one job share an ABI).
WorkResult pack_doubles(const std::vector<double>& values);
std::vector<double> unpack_doubles(const WorkResult& bytes);

// Building and reading a result of several fields (numbers bit-exact, strings with their length).
class ResultWriter {
 public:
  ResultWriter& number(double v);
  ResultWriter& integer(std::int64_t v);
  ResultWriter& text(const std::string& v);
  WorkResult take() { return std::move(out_); }

 private:
  WorkResult out_;
};
class ResultReader {
 public:
  explicit ResultReader(const WorkResult& in) : in_(in) {}
  double number();
  std::int64_t integer();
  std::string text();
  bool done() const { return at_ == in_.size(); }

 private:
  void need(std::size_t n) const;
  const WorkResult& in_;
  std::size_t at_ = 0;
};

// The MPI ranks of this job: initializes MPI when the process was started by mpirun (Open MPI's
// OMPI_COMM_WORLD_SIZE or PMIx's PMIX_RANK in the environment) and this build has MPI
// (MRE_MPI); otherwise nullptr, and the caller uses threads. `threads` per rank (0: hardware's /
// ranks on this host). The returned object finalizes MPI when destroyed; create it once.
std::unique_ptr<WorkItems> mpi_work_items(int* argc, char*** argv, int threads = 0);
// Whether this build has MPI.
bool mpi_available();

}  // namespace mre
