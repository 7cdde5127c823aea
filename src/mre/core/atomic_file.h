// Output files that cannot lie: written to a temporary file beside the target, every write and
// the close checked, flushed to disk, then renamed over the target. A failure reports the error,
// removes the temporary file and leaves any previous file untouched.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace mre {

// Writes one file atomically. Usage: construct, write() any number of times, commit(). Destroying
// an uncommitted writer (an exception on the way) removes the temporary file; the target is then
// exactly as it was.
//
// The target must be a regular file or not exist, in an existing directory: a directory, a
// symlink, a device, a FIFO or a socket is refused with InvalidArgument naming the path (a caller
// that wants a stream handles "-" itself, see is_stdout_target). Write, flush, fsync, close and
// rename failures (a full disk, a file size limit) are IoError naming the target and the
// system's reason. A new file gets mode 0666 minus the umask; a replaced file keeps its mode.
// Not thread-safe; one writer per target at a time.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends `data`; throws IoError (the temporary file is removed) when the system refuses.
  void write(std::string_view data);
  // Flushes, fsyncs, closes and renames onto the target, then fsyncs the directory. After a
  // throw nothing is left behind and the target is untouched.
  void commit();

  const std::filesystem::path& target() const { return target_; }

 private:
  [[noreturn]] void fail(const std::string& what, int error_number);
  void discard() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `data` into `target` through an AtomicFileWriter.
void write_file_atomically(const std::filesystem::path& target, std::string_view data);

// Refuses (InvalidArgument naming `option` and the path) a target that exists and is not a
// regular file, or whose directory does not exist. Called by AtomicFileWriter; front ends call
// it early to fail before any work is done.
void check_output_target(const std::filesystem::path& target, std::string_view option = {});

// True for "-", the conventional name of standard output.
inline bool is_stdout_target(std::string_view path) { return path == "-"; }

}  // namespace mre
