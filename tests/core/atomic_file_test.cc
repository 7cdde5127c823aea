// AtomicFileWriter: the whole file or the old one, never half; non-files refused.
#include "mre/core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "mre/core/error.h"
#include "support/test_support.h"

namespace mre {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

TEST(AtomicFileWriter, ReplacesTheFileKeepingItsModeAndLeavesNoTemporary) {
  TempDir dir;
  const auto target = dir / "a.txt";
  write_file(target, "old\n");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  AtomicFileWriter writer(target);
  writer.write("new ");
  writer.write("text\n");
  EXPECT_EQ(read_file(target), "old\n");  // nothing visible before commit
  writer.commit();
  EXPECT_EQ(read_file(target), "new text\n");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFileWriter, AnUncommittedWriterLeavesTheOldFile) {
  TempDir dir;
  const auto target = dir / "a.txt";
  write_file(target, "old\n");
  {
    AtomicFileWriter writer(target);
    writer.write("half");
  }
  EXPECT_EQ(read_file(target), "old\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFileWriter, RefusesDirectoriesSymlinksDevicesAndMissingDirectories) {
  TempDir dir;
  const auto expect_refused = [](const fs::path& target, const std::string& what) {
    try {
      write_file_atomically(target, "x");
      ADD_FAILURE() << target << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_TRUE(testing::contains(e.what(), target.string())) << e.what();
      EXPECT_TRUE(testing::contains(e.what(), what)) << e.what();
    }
  };
  fs::create_directory(dir / "d");
  expect_refused(dir / "d", "is a directory");
  write_file(dir / "f", "keep");
  fs::create_symlink(dir / "f", dir / "l");
  expect_refused(dir / "l", "is a symbolic link");
  EXPECT_EQ(read_file(dir / "f"), "keep");
  expect_refused("/dev/null", "is a character device");
  expect_refused(dir / "missing" / "f", "does not exist");
}

}  // namespace
}  // namespace mre
