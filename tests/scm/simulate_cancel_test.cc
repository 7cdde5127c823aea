// Cooperative cancellation of the simulator (issue 26 case 9): a stop requested before or during
// a run ends it with IoError "cancelled"; a token never stopped changes nothing, bit for bit.
#include <gtest/gtest.h>

#include <chrono>
#include <stop_token>
#include <thread>

#include "mre/core/error.h"
#include "mre/scm/random.h"
#include "mre/scm/simulate.h"

namespace mre::scm {
namespace {

// A -> B, both AR(1) in changes (as in simulate_test.cc).
Fitted chain() {
  Fitted m;
  m.graph.nodes = {"A", "B"};
  m.graph.equations = {{"A", {}, true}, {"B", {"A"}, true}};
  FittedEquation a;
  a.node = "A";
  a.phi = 0.3;
  FittedEquation b;
  b.node = "B";
  b.parents = {"A"};
  b.phi = 0.1;
  b.beta = {0.5};
  m.equations = {a, b};
  return m;
}

ShockPool pool() {
  PathRandom rng(1, 0);
  ShockPool p;
  p.residuals.resize(300, 2);
  for (int t = 0; t < 300; ++t) p.residuals.row(t) << rng.normal(), 0.5 * rng.normal();
  return p;
}

const Levels kLevels{.transform = {Transform::kDiff, Transform::kLogReturn},
                     .start = (RowVector(2) << 1.0, 100.0).finished()};
const SimulationStart kStart{.changes = RowVector::Zero(2),
                             .levels = (RowVector(2) << 1.0, 100.0).finished()};
const std::vector<Intervention> kHike = {
    {.node = "A", .from = 5, .to = 30, .value = 0.25, .shift = true}};

TEST(SimulateCancel, ATokenNeverStoppedChangesNothing) {
  const auto p = pool();
  const SimulationConfig plain{.horizon = 30, .paths = 999, .seed = 42, .threads = 2};
  std::stop_source source;
  SimulationConfig with_token = plain;
  with_token.stop = source.get_token();
  const auto a = simulate(chain(), kLevels, kStart, p, kHike, plain);
  const auto b = simulate(chain(), kLevels, kStart, p, kHike, with_token);
  EXPECT_EQ(a.fan[0], b.fan[0]);
  EXPECT_EQ(a.fan[1], b.fan[1]);
  EXPECT_EQ(a.effect, b.effect);
}

TEST(SimulateCancel, AStopBeforeTheRunThrowsCancelled) {
  std::stop_source source;
  source.request_stop();
  SimulationConfig c{.horizon = 30, .paths = 999, .seed = 42, .threads = 2};
  c.stop = source.get_token();
  try {
    simulate(chain(), kLevels, kStart, pool(), kHike, c);
    FAIL() << "a stopped simulation returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
}

// A run of 100,000 paths x 2,520 days (tens of CPU-seconds) stopped after it has started: it
// throws instead of finishing (were the token ignored, it would return a result).
TEST(SimulateCancel, AStopDuringTheRunEndsIt) {
  std::stop_source source;
  SimulationConfig c{.horizon = 2520, .paths = 100000, .seed = 42, .threads = 2};
  c.stop = source.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    source.request_stop();
  });
  EXPECT_THROW(simulate(chain(), kLevels, kStart, pool(), kHike, c), Error);
  stopper.join();
}

}  // namespace
}  // namespace mre::scm
