// HTTP API throughput (issue 9): a load client on loopback against a running `mre serve`,
// keep-alive connections from N threads for a fixed time, on GET /api/classification/current
// and POST /api/classify. Prints requests/s and latency percentiles per endpoint:
//   server_bench endpoint=... threads=T seconds=S requests=N rps=X p50_ms=... p99_ms=... errors=E
// Usage: server_bench PORT [SECONDS] [THREADS]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Stats {
  std::vector<double> latencies_ms;
  long errors = 0;
};

void run(int port, const std::string& name, double seconds, int threads, bool post) {
  const std::string body =
      R"({"timestamp": "2026-09-01", "instrument_type": "MUNI", "yield_curve_slope_10y2y": 0.6,
    "mmd_ust_ratio_10y": 0.72, "vix_index": 16.5, "move_index": 95.0, "investment_grade_credit_spread": 0.85,
    "high_yield_credit_spread": 3.1, "tips_breakeven_5y": 2.3, "swap_spread_10y": -0.3, "muni_fund_flows_net": 0.5,
    "us_cpi_yoy": 2.8})";
  std::vector<Stats> stats(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      auto& s = stats[static_cast<std::size_t>(t)];
      while (std::chrono::steady_clock::now() < end) {
        const auto t0 = std::chrono::steady_clock::now();
        auto res = post ? cli.Post("/api/classify", body, "application/json")
                        : cli.Get("/api/classification/current");
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        if (!res || res->status != 200) ++s.errors;
        s.latencies_ms.push_back(ms);
      }
    });
  }
  for (auto& th : pool) th.join();
  std::vector<double> all;
  long errors = 0;
  for (const auto& s : stats) {
    all.insert(all.end(), s.latencies_ms.begin(), s.latencies_ms.end());
    errors += s.errors;
  }
  std::sort(all.begin(), all.end());
  const auto pct = [&](double p) {
    return all.empty() ? 0.0
                       : all[static_cast<std::size_t>(p * static_cast<double>(all.size() - 1))];
  };
  std::printf(
      "server_bench endpoint=%s threads=%d seconds=%.1f requests=%zu rps=%.0f p50_ms=%.3f "
      "p99_ms=%.3f errors=%ld\n",
      name.c_str(), threads, seconds, all.size(), static_cast<double>(all.size()) / seconds,
      pct(0.5), pct(0.99), errors);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: server_bench PORT [SECONDS] [THREADS]\n");
    return 1;
  }
  const int port = std::stoi(argv[1]);
  const double seconds = argc > 2 ? std::stod(argv[2]) : 5.0;
  const int threads = argc > 3 ? std::stoi(argv[3]) : 4;
  run(port, "GET /api/classification/current", seconds, threads, false);
  run(port, "POST /api/classify", seconds, threads, true);
  return 0;
}
