// Progress on stderr (issue 22, core/progress.h): the work-items seam reports every item as it
// finishes, in order; the stream reporter draws a bar on a terminal and prints plain lines (one
// per tenth at most) otherwise, and nothing for a task quicker than its interval.
#include "mre/core/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <vector>

#include "mre/core/work_items.h"

namespace mre {
namespace {

struct Capture final : ProgressReporter {
  std::mutex mutex;
  std::vector<std::int64_t> done;
  std::string what;
  void update(const std::string& w, std::int64_t d, std::int64_t total) override {
    const std::lock_guard lock(mutex);
    what = w;
    EXPECT_EQ(total, 50);
    done.push_back(d);
  }
};

// Installs a reporter for one test and removes it after.
struct Installed {
  explicit Installed(ProgressReporter* r) { set_progress_reporter(r); }
  ~Installed() { set_progress_reporter(nullptr); }
  Installed(const Installed&) = delete;
  Installed& operator=(const Installed&) = delete;
};

TEST(Progress, TheSeamReportsEveryItemInOrder) {
  for (const int threads : {1, 3}) {
    Capture capture;
    const Installed installed(&capture);
    ThreadWorkItems(threads).run(
        50, [](std::int64_t i) { return std::to_string(i); }, "test items");
    ASSERT_EQ(capture.done.size(), 51u) << threads << " threads";  // 0, then one per item
    for (std::size_t k = 0; k < capture.done.size(); ++k)
      EXPECT_EQ(capture.done[k], static_cast<std::int64_t>(k));
    EXPECT_EQ(capture.what, "test items");
  }
  // No reporter: silent (and nothing breaks).
  EXPECT_EQ(ThreadWorkItems(2)
                .run(
                    5, [](std::int64_t i) { return std::to_string(i); }, "quiet")
                .size(),
            5u);
}

TEST(Progress, PlainLinesAtMostOnePerTenth) {
  std::ostringstream out;
  StreamProgress p(out, false, std::chrono::milliseconds(0));
  for (int d = 0; d <= 200; ++d) p.update("effects cells", d, 200);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 10u) << out.str();  // 10%, 20%, ..., 100%
  EXPECT_EQ(lines.front().rfind("mre: effects cells: 20/200 (10%), ", 0), 0u) << lines.front();
  EXPECT_EQ(lines.back().rfind("mre: effects cells: 200/200 (100%), ", 0), 0u) << lines.back();
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  // A repeated or stale count adds nothing; a new task starts over.
  p.update("effects cells", 200, 200);
  p.update("surrogates", 5, 10);
  EXPECT_NE(out.str().find("mre: surrogates: 5/10 (50%)"), std::string::npos) << out.str();
}

TEST(Progress, ABarOnATerminalEndedByANewline) {
  std::ostringstream out;
  StreamProgress p(out, true, std::chrono::milliseconds(0));
  for (int d = 0; d <= 4; ++d) p.update("fits", d, 4);
  const std::string s = out.str();
  EXPECT_NE(s.find("\rmre: fits [" + std::string(15, '=') + std::string(15, ' ') + "] 2/4"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("\rmre: fits [" + std::string(30, '=') + "] 4/4"), std::string::npos) << s;
  EXPECT_EQ(s.back(), '\n');
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1);
}

TEST(Progress, QuickTasksPrintNothing) {
  std::ostringstream plain;
  std::ostringstream bar;
  StreamProgress p(plain, false, std::chrono::hours(1));
  StreamProgress b(bar, true, std::chrono::hours(1));
  for (int d = 0; d <= 100; ++d) {
    p.update("quick", d, 100);
    b.update("quick", d, 100);
  }
  EXPECT_EQ(plain.str(), "");
  EXPECT_EQ(bar.str(), "");
}

}  // namespace
}  // namespace mre
