// Outputs that cannot lie (issue 26, cases 3 and 4): every --out goes through a temporary file
// beside the target, checked, fsynced and renamed. A full disk or a file size limit fails with
// the path named and the previous file byte for byte unchanged; a device, symlink, FIFO or
// directory as target is refused and left as it was; '-' streams to stdout.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include "mre/core/date.h"
#include "support/test_support.h"

namespace mre::testing {
namespace {

namespace fs = std::filesystem;

// 600 days of two features, two regimes (as in regimes_cli_test): a model to predict with.
std::string two_regime_csv() {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z;
  std::ostringstream out;
  out.precision(17);
  out << "date,spread,vol\n";
  Date day = *Date::parse("2020-01-01");
  for (int t = 0; t < 600; ++t, day = day + 1) {
    const bool stressed = t >= 300;
    out << day.iso() << ',' << (stressed ? 4.0 : 0.0) + (stressed ? 1.5 : 0.5) * z(rng) << ','
        << (stressed ? 30.0 : 12.0) + 2.0 * z(rng) << '\n';
  }
  return out.str();
}

// A fitted model and data in `dir`, plus a good previous output `good.csv` (the predictions).
struct Fixture {
  TempDir dir;
  std::string model;
  std::string data;
  std::string good;
  std::string good_text;

  Fixture() {
    data = (dir / "x.csv").string();
    model = (dir / "m.json").string();
    write_file(data, two_regime_csv());
    const auto fit = run_mre({"regimes", "fit", "--data", data, "--states", "2", "--out", model});
    EXPECT_EQ(fit.exit_code, 0) << fit.err;
    good = (dir / "good.csv").string();
    const auto predict =
        run_mre({"regimes", "predict", "--model", model, "--data", data, "--out", good});
    EXPECT_EQ(predict.exit_code, 0) << predict.err;
    good_text = read_file(good);
    EXPECT_GT(good_text.size(), 4096u);  // larger than the size limits below
  }
  std::vector<std::string> predict_to(const std::string& out) const {
    return {"regimes", "predict", "--model", model, "--data", data, "--out", out};
  }
};

// Names in `dir` other than the ones given: temporary files left behind.
std::vector<std::string> leftovers(const fs::path& dir, const std::vector<std::string>& expected) {
  std::vector<std::string> extra;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto name = entry.path().filename().string();
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) extra.push_back(name);
  }
  return extra;
}

TEST(OutputsCli, DevFullIsRefusedAndTheDeviceIsUntouched) {
  Fixture f;
  struct stat before {};
  ASSERT_EQ(::stat("/dev/full", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  const auto r = run_mre(f.predict_to("/dev/full"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "--out: /dev/full is a character device, not a regular file"))
      << r.err;
  struct stat after {};
  ASSERT_EQ(::stat("/dev/full", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  // features export refuses it too, before opening the store.
  const auto e = run_mre({"features", "export", "--db", (f.dir / "none.db").string(), "--version",
                          "X", "--out", "/dev/full"});
  EXPECT_EQ(e.exit_code, 1) << e.err;
  EXPECT_TRUE(contains(e.err, "/dev/full is a character device")) << e.err;
}

// Standard output that cannot be written (a full disk: /dev/full) is exit 3 with a message for
// every command, not an exit 0 with the report lost (QA found it for monitor, monitor history,
// features list and backtest list, which printed without checking).
TEST(OutputsCli, AnUnwritableStandardOutputIsAFileErrorForEveryCommand) {
  TempDir dir;
  const auto db = (dir / "s.db").string();
  write_file(dir / "p.csv", "date,DGS10\n2024-01-02,3.9\n2024-01-03,3.95\n");
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--source", "csv", "--path", (dir / "p.csv").string()})
                .exit_code,
            0);
  for (const std::string command : {"series list", "features list", "backtest list",
                                    "monitor history", "monitor --no-store --all"}) {
    SCOPED_TRACE(command);
    const auto listed = run_shell(shell_quote(mre_binary()) + " " + command + " --db " +
                                  shell_quote(db) + " >/dev/null");
    ASSERT_NE(listed.exit_code, 3) << listed.err;  // it prints when stdout can be written
    const auto r = run_shell(shell_quote(mre_binary()) + " " + command + " --db " +
                             shell_quote(db) + " >/dev/full");
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(contains(r.err, "cannot write to standard output")) << r.err;
  }
}

TEST(OutputsCli, SymlinkFifoAndDirectoryTargetsAreRefusedAndLeftAsTheyWere) {
  Fixture f;
  // A symlink to the good file: neither the link nor the file it points to changes.
  const auto link = f.dir / "link.csv";
  fs::create_symlink(f.good, link);
  auto r = run_mre(f.predict_to(link.string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, link.string() + " is a symbolic link, not a regular file")) << r.err;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(read_file(f.good), f.good_text);

  // A FIFO: refused without opening it (opening a FIFO with no reader would block).
  const auto fifo = f.dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  r = run_mre(f.predict_to(fifo.string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, fifo.string() + " is a FIFO")) << r.err;
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));

  // A directory, for each command with a file --out.
  const auto directory = f.dir / "sub";
  fs::create_directory(directory);
  r = run_mre(f.predict_to(directory.string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "--out: " + directory.string() + " is a directory")) << r.err;
  r = run_mre({"regimes", "fit", "--data", f.data, "--states", "2", "--out", directory.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "is a directory")) << r.err;
  r = run_mre({"classify", "historical", "--db", (f.dir / "none.db").string(), "--version", "X",
               "--in", f.data, "--out", directory.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "is a directory")) << r.err;
  EXPECT_TRUE(fs::is_directory(directory));
  EXPECT_TRUE(fs::is_empty(directory));

  // A missing directory is named, not an internal error.
  r = run_mre(f.predict_to((f.dir / "no" / "such.csv").string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "does not exist")) << r.err;
  EXPECT_TRUE(
      leftovers(f.dir.path(), {"x.csv", "m.json", "good.csv", "link.csv", "pipe", "sub"}).empty());
}

TEST(OutputsCli, AFailedWriteKeepsThePreviousFileAndSaysSo) {
  // A file size limit makes write() fail part-way (EFBIG), as a full disk does (ENOSPC); it
  // needs no privileges. SIGXFSZ is ignored so the write returns an error instead of killing.
  Fixture f;
  const std::string command = "cd " + shell_quote(source_dir().string()) +
                              " && trap '' XFSZ && ulimit -f 2 && exec " +
                              shell_quote(mre::testing::mre_binary());
  std::string args;
  for (const auto& a : f.predict_to(f.good)) args += " " + shell_quote(a);
  const auto r = run_shell(command + args);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(
      r.err, f.good + ": write failed: File too large (the previous file, if any, is unchanged)"))
      << r.err;
  EXPECT_EQ(read_file(f.good), f.good_text);
  EXPECT_TRUE(leftovers(f.dir.path(), {"x.csv", "m.json", "good.csv"}).empty());
  // stdout is checked too: '-' onto a full device fails instead of claiming success.
  const auto to_full =
      run_shell("cd " + shell_quote(source_dir().string()) + " && " +
                shell_quote(mre::testing::mre_binary()) + " regimes predict --model " +
                shell_quote(f.model) + " --data " + shell_quote(f.data) + " --out - > /dev/full");
  EXPECT_EQ(to_full.exit_code, 3) << to_full.err;
  EXPECT_TRUE(contains(to_full.err, "cannot write to standard output")) << to_full.err;
  // And '-' streams to stdout.
  const auto to_stdout = run_mre(f.predict_to("-"));
  EXPECT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, f.good_text);
}

// A real full disk: a 64 KiB tmpfs (needs root and mount permission; skipped otherwise, the
// file size limit above covers the same code path).
class TmpfsMount {
 public:
  explicit TmpfsMount(const fs::path& where) : where_(where) {
    fs::create_directories(where_);
    mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, "size=64k") == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path where_;
  bool mounted_ = false;
};

TEST(OutputsCli, FullDiskKeepsThePreviousFileForFeaturesExportAndRegimesPredict) {
  Fixture f;
  TmpfsMount disk(f.dir / "disk");
  if (!disk.mounted())
    GTEST_SKIP() << "cannot mount a tmpfs here (not root?): " << std::strerror(errno);
  const auto target = (f.dir / "disk" / "out.csv").string();
  write_file(target, f.good_text);
  // Fill the rest of the disk.
  run_shell("dd if=/dev/zero of=" + shell_quote((f.dir / "disk" / "filler").string()) +
            " bs=4k 2>/dev/null");
  auto r = run_mre(f.predict_to(target));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, target + ": write failed: No space left on device")) << r.err;
  EXPECT_EQ(read_file(target), f.good_text);

  // features export from a small store.
  const auto db = (f.dir / "f.db").string();
  ASSERT_EQ(run_mre({"ingest", "--db", db, "--tickers", "DGS10,DGS3MO"}).exit_code, 0);
  write_file(f.dir / "spec.yml",
             "name: small\nfrequency: month_end\nstart: 2000-01-31\nfeatures:\n"
             "  - {name: term, inputs: [DGS10, DGS3MO], ops: [{op: spread}]}\n");
  ASSERT_EQ(run_mre({"features", "build", "--db", db, "--spec", (f.dir / "spec.yml").string(),
                     "--version", "F1"})
                .exit_code,
            0);
  r = run_mre({"features", "export", "--db", db, "--version", "F1", "--out", target});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(contains(r.err, target + ": write failed: No space left on device")) << r.err;
  EXPECT_FALSE(contains(r.err, "wrote")) << r.err;
  EXPECT_EQ(read_file(target), f.good_text);
  EXPECT_TRUE(leftovers(f.dir / "disk", {"out.csv", "filler"}).empty());
}

}  // namespace
}  // namespace mre::testing
