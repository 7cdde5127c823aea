// Run under `mpirun -n N`: the MPI side of core/work_items.h. Checks, on every rank, that the
// gathered results equal the single-process ones (in item order), that more ranks than items
// idle without error, that a failing item fails every rank with an error naming the rank that ran
// it and the item, and that agree() fails every rank when one rank reports a failure.
// Prints "ok rank R of N" and exits 0, or prints what failed and exits 1.
#include <cmath>
#include <iostream>
#include <string>

#include "mre/core/error.h"
#include "mre/core/work_items.h"

namespace {

mre::WorkResult item_value(std::int64_t i) {
  return mre::pack_doubles({std::sin(static_cast<double>(i) * 0.37), static_cast<double>(i * i)});
}

}  // namespace

int main(int argc, char** argv) {
  const auto mpi = mre::mpi_work_items(&argc, &argv, 1);
  if (!mpi) {
    std::cerr << "probe: not started by mpirun (or a build without MPI)\n";
    return 1;
  }
  const int rank = mpi->rank();
  const int size = mpi->processes();
  int failures = 0;
  const auto fail = [&](const std::string& what) {
    std::cerr << "rank " << rank << ": " << what << "\n";
    ++failures;
  };
  // 1. The same results as one process, in item order.
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{2}, std::int64_t{37}}) {
    if (mpi->run(n, item_value, "probe items") !=
        mre::ThreadWorkItems(1).run(n, item_value, "probe items")) {
      fail("results of " + std::to_string(n) + " items differ from one process");
    }
  }
  // 2. Zero items: nothing, on every rank.
  if (!mpi->run(0, item_value, "none").empty()) fail("zero items gave results");
  // 3. Item 1 (run by rank 1 when size >= 2) fails: every rank gets the same error naming it.
  try {
    mpi->run(
        5,
        [](std::int64_t i) -> mre::WorkResult {
          if (i == 1) throw mre::Error(mre::ErrorCode::kDataError, "planted failure");
          return "ok";
        },
        "probe items");
    fail("a failing item did not fail the run");
  } catch (const mre::Error& e) {
    const std::string expected = "probe items item 1 failed on MPI rank " +
                                 std::to_string(1 % size) + " of " + std::to_string(size) +
                                 ": planted failure";
    if (e.code() != mre::ErrorCode::kDataError || e.what() != expected)
      fail(std::string("wrong error: ") + e.what());
  }
  // 4. One rank (the last) cannot go on: every rank throws, naming it.
  try {
    mpi->agree(rank == size - 1 ? "cannot reach the store" : "",
               static_cast<int>(mre::ErrorCode::kStoreError));
    fail("agree() did not fail");
  } catch (const mre::Error& e) {
    if (e.code() != mre::ErrorCode::kStoreError ||
        std::string(e.what()).find("MPI rank " + std::to_string(size - 1)) == std::string::npos ||
        std::string(e.what()).find("cannot reach the store") == std::string::npos) {
      fail(std::string("wrong agree error: ") + e.what());
    }
  }
  mpi->agree("", 0);  // everyone fine: no error
  if (failures == 0) std::cout << "ok rank " << rank << " of " << size << "\n";
  return failures == 0 ? 0 : 1;
}
