// The loopback stand-in for FRED, Yahoo and the World Bank (tests/live/fake_services.py),
// started for a test and stopped at its end: fixtures from tests/data/live (or a copy), an
// optional fault script, and the request log for asserting what was fetched.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace mre::testing {

class FakeServices {
 public:
  explicit FakeServices(const std::filesystem::path& fixtures = {},
                        const std::string& script_json = "");
  ~FakeServices();
  FakeServices(const FakeServices&) = delete;
  FakeServices& operator=(const FakeServices&) = delete;

  int port() const { return port_; }
  std::string root() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The environment for `mre`: the three API roots, a well-formed FRED key, no rate limit and
  // quick retries.
  std::vector<std::string> env() const;
  // Replaces the fault script (JSON text).
  void script(const std::string& json);
  // The request log (JSON lines), one entry per request since the start.
  std::string log() const;

 private:
  TempDir dir_;
  int port_ = 0;
  int pid_ = 0;
};

inline constexpr const char* kFakeFredKey = "abcdefghijklmnopqrstuvwxyz012345";

}  // namespace mre::testing
