// AtomicFileWriter: temporary file in the target's directory, checked writes, fsync, rename.
#include "mre/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "mre/core/error.h"

namespace mre {
namespace {

std::string quoted(const std::filesystem::path& p) { return p.string(); }

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::filesystem::path directory_of(const std::filesystem::path& target) {
  const auto parent = target.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

void check_output_target(const std::filesystem::path& target, std::string_view option) {
  const std::string prefix = option.empty() ? std::string() : std::string(option) + ": ";
  if (target.empty())
    throw Error(ErrorCode::kInvalidArgument, prefix + "an output path is required");
  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      throw Error(
          ErrorCode::kInvalidArgument,
          prefix + quoted(target) + " is " + kind_of(st.st_mode) +
              ", not a regular file: refusing to replace it (give a file path, or '-' for stdout)");
    }
    return;
  }
  if (errno != ENOENT) {
    throw Error(ErrorCode::kIoError, prefix + quoted(target) + ": " + std::strerror(errno));
  }
  const auto dir = directory_of(target);
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    throw Error(ErrorCode::kInvalidArgument,
                prefix + quoted(target) + ": the directory " + quoted(dir) + " does not exist");
  }
}

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target) : target_(std::move(target)) {
  check_output_target(target_);
  struct stat st {};
  const bool exists = ::lstat(target_.c_str(), &st) == 0;
  // A name no other writer uses: pid, a process counter and a random suffix; O_EXCL settles races.
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  const auto dir = directory_of(target_);
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temporary_ = dir / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                        "-" + std::to_string(counter++) + "-" + std::to_string(random() % 1000000));
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) {
      const int e = errno;
      temporary_.clear();
      throw Error(ErrorCode::kIoError, quoted(target_) + ": cannot create a temporary file in " +
                                           quoted(dir) + ": " + std::strerror(e));
    }
  }
  if (fd_ < 0) {
    temporary_.clear();
    throw Error(ErrorCode::kIoError,
                quoted(target_) + ": cannot create a temporary file in " + quoted(dir));
  }
  if (exists && ::fchmod(fd_, st.st_mode & 07777) != 0) fail("cannot set the file mode", errno);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
  temporary_.clear();
}

void AtomicFileWriter::fail(const std::string& what, int error_number) {
  discard();
  throw Error(ErrorCode::kIoError, quoted(target_) + ": " + what + ": " +
                                       std::strerror(error_number) +
                                       " (the previous file, if any, is unchanged)");
}

void AtomicFileWriter::write(std::string_view data) {
  if (fd_ < 0)
    throw Error(ErrorCode::kInternal, quoted(target_) + ": write after commit or failure");
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    if (n == 0) fail("write failed", EIO);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0)
    throw Error(ErrorCode::kInternal, quoted(target_) + ": commit after commit or failure");
  if (::fsync(fd_) != 0) fail("cannot flush to disk (fsync)", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed", errno);
  // The target may have been replaced by a non-file since the check: look once more.
  check_output_target(target_);
  if (::rename(temporary_.c_str(), target_.c_str()) != 0)
    fail("cannot rename the finished file", errno);
  temporary_.clear();
  committed_ = true;
  // Make the rename itself durable; a failure here leaves the new file in place, so it is reported.
  const int dir = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    const int rc = ::fsync(dir);
    const int e = errno;
    ::close(dir);
    if (rc != 0 && e != EINVAL) {
      throw Error(
          ErrorCode::kIoError,
          quoted(target_) + ": written, but the directory sync failed: " + std::strerror(e));
    }
  }
}

void write_file_atomically(const std::filesystem::path& target, std::string_view data) {
  AtomicFileWriter writer(target);
  writer.write(data);
  writer.commit();
}

}  // namespace mre
