// See fake_services.h.
#include "support/fake_services.h"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mre::testing {

FakeServices::FakeServices(const std::filesystem::path& fixtures, const std::string& script_json) {
  const std::filesystem::path source = MRE_SOURCE_DIR;
  std::string cmd = "/usr/bin/python3 " + (source / "tests/live/fake_services.py").string() +
                    " --today 2026-11-22 --log " + (dir_ / "requests.log").string();
  cmd += " --fixtures " + (fixtures.empty() ? source / "tests/data/live" : fixtures).string();
  if (!script_json.empty()) {
    write_file(dir_ / "script.json", script_json);
    cmd += " --script " + (dir_ / "script.json").string();
  }
  const auto started =
      run_shell("(" + cmd + " > " + (dir_ / "port").string() + " 2> " +
                (dir_ / "server.err").string() + " & echo $! > " + (dir_ / "pid").string() + ")");
  if (started.exit_code != 0) throw std::runtime_error("cannot start fake_services.py");
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(dir_ / "port");
    std::string word;
    if (in >> word && word == "PORT") in >> port_;
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::ifstream(dir_ / "pid") >> pid_;
  if (port_ == 0) {
    std::ifstream err(dir_ / "server.err");
    std::stringstream text;
    text << err.rdbuf();
    throw std::runtime_error("fake_services.py did not start: " + text.str());
  }
}

FakeServices::~FakeServices() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

std::vector<std::string> FakeServices::env() const {
  return {"MRE_FRED_URL=" + root() + "/fred",
          "MRE_YAHOO_URL=" + root(),
          "MRE_WORLDBANK_URL=" + root(),
          std::string("FRED_API_KEY=") + kFakeFredKey,
          "MRE_FRED_PER_MINUTE=0",
          "MRE_YAHOO_PER_MINUTE=0",
          "MRE_WORLDBANK_PER_MINUTE=0",
          "MRE_HTTP_BACKOFF=0.01",
          "MRE_HTTP_ATTEMPTS=3",
          "MRE_HTTP_TIMEOUT=1"};
}

void FakeServices::script(const std::string& json) {
  write_file(dir_ / "next_script.json", json);
  const auto r = run_shell(
      "/usr/bin/python3 -c \"import sys, urllib.request; "
      "urllib.request.urlopen(urllib.request.Request(sys.argv[2], "
      "data=open(sys.argv[1], 'rb').read(), method='POST'))\" " +
      (dir_ / "next_script.json").string() + " " + root() + "/__script");
  if (r.exit_code != 0) throw std::runtime_error("cannot post the fault script");
}

std::string FakeServices::log() const {
  std::ifstream in(dir_ / "requests.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mre::testing
