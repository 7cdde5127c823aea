// What every fuzz target shares: the contract a target checks (bad input may only end in an
// mre::Error that is not Internal; anything else - another exception, a crash, a sanitizer
// report - is a finding) and a scratch file for loaders that take a path.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "mre/core/error.h"

namespace mre::fuzz {

// MRE_FUZZ_VERBOSE=1 in the environment: the message of each refused input on stderr (to see
// whether seeds get past the first checks).
inline void note_refusal(const char* what, const Error& e) {
  static const bool verbose = std::getenv("MRE_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s refused the input: %s\n", what, e.what());
}

// Runs f(). An mre::Error with a code other than Internal is the expected answer to bad input;
// any other exception is reported on stderr and aborts, so libFuzzer records the input.
template <typename F>
void expect_only_mre_errors(const char* what, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) {
      std::fprintf(stderr, "fuzz finding in %s: internal error: %s\n", what, e.what());
      std::abort();
    }
    note_refusal(what, e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz finding in %s: exception that is not an mre::Error: %s\n", what,
                 e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz finding in %s: non-standard exception\n", what);
    std::abort();
  }
}

// A file of this process (one per name, rewritten by every input) in $TMPDIR, or /dev/shm when
// it exists (no disk writes per execution).
inline std::filesystem::path scratch_file(std::string_view data, const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto d = base / ("mre-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    static const std::filesystem::path kept = d;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(kept, ignored);
    });
    return d;
  }();
  const auto path = dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// The input as text (the harnesses take bytes as they come: any byte, including NUL).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mre::fuzz
