// The work-distribution seam in one process (core/work_items.h): results come back in item order
// whatever the thread count, the first failing item in item order is the one reported, and the
// result codecs are bit-exact. The MPI side: tests/core/work_items_mpi_probe.cc under mpirun.
#include "mre/core/work_items.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "mre/core/error.h"

namespace mre {
namespace {

// A seeded item: its value depends on its index alone (a splitmix-style hash to a double).
WorkResult seeded_item(std::int64_t i) {
  std::uint64_t z = static_cast<std::uint64_t>(i) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return pack_doubles(
      {static_cast<double>(z >> 11) * 0x1.0p-53, std::sqrt(static_cast<double>(i))});
}

TEST(WorkItems, ResultsAreInItemOrderWhateverTheThreads) {
  const auto one = ThreadWorkItems(1).run(101, seeded_item, "test items");
  ASSERT_EQ(one.size(), 101u);
  for (const int threads : {2, 3, 7, 200}) {
    EXPECT_EQ(ThreadWorkItems(threads).run(101, seeded_item, "test items"), one)
        << threads << " threads";
  }
  // Item 49's result is item 49's (sqrt(49) = 7 exactly), not another thread's.
  EXPECT_EQ(unpack_doubles(one[49])[1], 7.0);
  EXPECT_TRUE(ThreadWorkItems(4).run(0, seeded_item, "none").empty());
}

TEST(WorkItems, TheFirstFailingItemIsReportedWithItsCode) {
  const auto failing = [](std::int64_t i) -> WorkResult {
    if (i == 13 || i == 40) throw Error(ErrorCode::kDataError, "item says no");
    return "x";
  };
  for (const int threads : {1, 4}) {
    try {
      ThreadWorkItems(threads).run(50, failing, "toy replicates");
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kDataError);
      EXPECT_EQ(std::string(e.what()), "toy replicates item 13: item says no") << threads;
    }
  }
}

TEST(WorkItems, ResultCodecsAreBitExact) {
  const std::vector<double> v{0.1, -0.0, std::numeric_limits<double>::denorm_min(), 1e308,
                              std::nan("")};
  const auto back = unpack_doubles(pack_doubles(v));
  ASSERT_EQ(back.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    EXPECT_EQ(std::memcmp(&back[i], &v[i], sizeof(double)), 0) << i;
  ResultWriter w;
  w.integer(-3).text("a,b\n").number(0.1).text("");
  const WorkResult bytes = w.take();
  ResultReader r(bytes);
  EXPECT_EQ(r.integer(), -3);
  EXPECT_EQ(r.text(), "a,b\n");
  EXPECT_EQ(r.number(), 0.1);
  EXPECT_EQ(r.text(), "");
  EXPECT_TRUE(r.done());
  EXPECT_THROW(r.number(), Error);  // reading past the end is a broken invariant, not garbage
  EXPECT_THROW(unpack_doubles("abc"), Error);
}

TEST(WorkItems, WithoutMpirunThereIsNoMpiDistribution) {
  // ctest does not start this under mpirun: the factory leaves the caller on threads.
  int argc = 0;
  char** argv = nullptr;
  EXPECT_EQ(mpi_work_items(&argc, &argv), nullptr);
}

}  // namespace
}  // namespace mre
