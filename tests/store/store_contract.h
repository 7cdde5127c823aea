// The store contract suite's fixture: each backend instance gives a name and a way to open a
// fresh, empty store (tests/store/store_contract_test.cc holds the tests).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "mre/store/store.h"
#include "support/test_support.h"

namespace mre::store {

struct Backend {
  std::string name;
  // A fresh, empty store; `dir` is a temporary directory the test owns.
  std::function<std::unique_ptr<Store>(const mre::testing::TempDir& dir)> open;
};

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Store> open() { return GetParam().open(dir_); }
  mre::testing::TempDir dir_;
};

// gtest prints a parameter with this instead of its bytes.
inline void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace mre::store
