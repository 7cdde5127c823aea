// See ingest_live.h.
#include "mre/workflows/ingest_live.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "mre/core/error.h"
#include "mre/sources/http.h"
#include "mre/sources/live.h"
#include "mre/sources/live_sources.h"
#include "mre/sources/universe.h"

namespace mre::workflows {
namespace {

double env_number(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stod(v);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("$") + name + ": '" + v + "' is not a number");
  }
}

// The retry policy and rate limit of a source, from the environment where set:
// MRE_HTTP_TIMEOUT (seconds per request, 30), MRE_HTTP_ATTEMPTS (5), MRE_HTTP_BACKOFF (first
// wait, 0.5 s), and the source's own rate variable (live_sources.cc: MRE_FRED_PER_MINUTE, 120,
// FRED's documented limit; MRE_YAHOO_PER_MINUTE, 60; MRE_WORLDBANK_PER_MINUTE, 120).
std::unique_ptr<sources::HttpClient> client_for(
    const std::shared_ptr<sources::HttpTransport>& transport, const sources::LiveSource& source,
    const std::filesystem::path& cache, const std::filesystem::path& replay) {
  sources::RetryPolicy policy;
  policy.max_attempts = static_cast<int>(env_number("MRE_HTTP_ATTEMPTS", 5));
  policy.base_delay = env_number("MRE_HTTP_BACKOFF", 0.5);
  const double per_minute =
      env_number(std::string(source.rate_variable).c_str(), source.requests_per_minute);
  policy.min_interval = per_minute > 0 ? 60.0 / per_minute : 0.0;
  const std::string name(source.name);
  return std::make_unique<sources::HttpClient>(transport, policy,
                                               cache.empty() ? cache : cache / name,
                                               replay.empty() ? replay : replay / name);
}

}  // namespace

std::size_t LiveIngestReport::failed() const {
  return static_cast<std::size_t>(
      std::count_if(series.begin(), series.end(), [](const auto& s) { return !s.error.empty(); }));
}

int overlap_days(const std::string& frequency) {
  if (frequency == "daily") return 14;
  if (frequency == "weekly") return 56;
  if (frequency == "monthly") return 396;
  if (frequency == "quarterly") return 731;
  return 1096;
}

LiveIngestReport ingest_live(
    store::Store& store, const LiveIngestOptions& options,
    const std::function<void(std::size_t, std::size_t, const std::string&)>& progress) {
  const auto universe = sources::load_universe(
      options.universe_path.empty() ? sources::default_universe_path() : options.universe_path);
  std::set<std::string> wanted(options.sources.begin(), options.sources.end());
  if (wanted.empty() || wanted.count("all")) {
    wanted.clear();
    for (const auto& s : sources::live_sources()) wanted.insert(std::string(s.name));
  }
  for (const auto& s : wanted) {
    if (!sources::find_live_source(s)) {
      throw Error(ErrorCode::kInvalidArgument, "--source: unknown live source '" + s + "' (" +
                                                   sources::live_source_names() + " or all)");
    }
  }
  std::vector<const sources::SeriesSpec*> todo;
  if (options.tickers.empty()) {
    for (const auto& s : universe.series) {
      if (wanted.count(s.source)) todo.push_back(&s);
    }
  } else {
    for (const auto& t : options.tickers) {
      const auto* s = universe.find(t);
      if (!s)
        throw Error(ErrorCode::kNotFound,
                    "--tickers: '" + t + "' is not in " + universe.path.string());
      if (!wanted.count(s->source)) {
        throw Error(ErrorCode::kInvalidArgument, "--tickers: '" + t + "' comes from " + s->source +
                                                     ", not from the requested source(s)");
      }
      todo.push_back(s);
    }
  }
  const auto endpoints = sources::endpoints_from_environment();
  const std::shared_ptr<sources::HttpTransport> transport =
      sources::make_curl_transport(env_number("MRE_HTTP_TIMEOUT", 30.0));
  std::map<std::string, std::unique_ptr<sources::HttpClient>> clients;
  std::map<std::string, Date> last_stored;
  for (const auto& s : store.list_series()) last_stored[s.ticker] = s.last;
  LiveIngestReport report;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const auto& spec = *todo[i];
    if (progress) progress(i, todo.size(), spec.ticker);
    LiveSeriesReport r{.ticker = spec.ticker, .source = spec.source, .id = spec.id};
    if (options.since) {
      r.start = options.since;
    } else if (const auto it = last_stored.find(spec.ticker); it != last_stored.end()) {
      r.start = it->second + (-overlap_days(std::string(sources::frequency_name(spec.frequency))));
    }
    if (const auto it = last_stored.find(spec.ticker);
        !options.since && it != last_stored.end() &&
        it->second.days_since_epoch() > std::time(nullptr) / 86400 + sources::kMaxDaysInFuture) {
      // An earlier bad ingest stored a future date: fetching from there would return nothing
      // and look like success.
      r.error = "the store's last date for " + spec.ticker + " is " + it->second.iso() +
                ", in the future (a corrupt earlier ingest?): nothing fetched; see 'mre series "
                "list', and ingest "
                "with --since to refetch";
      report.series.push_back(r);
      continue;
    }
    const sources::LiveSource& source =
        *sources::find_live_source(spec.source);  // in `wanted`: registered
    auto& client = clients[spec.source];
    if (!client) client = client_for(transport, source, options.cache_dir, options.replay_dir);
    try {
      store::SeriesWrite write{.ticker = spec.ticker,
                               .asset_class = spec.asset_class,
                               .source = spec.source + ":" + spec.id,
                               .data = {}};
      const bool vintages = options.vintages && source.has_vintages;
      auto fetched = source.fetch(*client, endpoints, spec, r.start, vintages);
      if (vintages) {
        std::vector<store::VintageRow> rows;
        for (const auto& v : fetched.vintages) {
          rows.push_back(
              {v.date, v.value,
               Timestamp::from_micros(static_cast<std::int64_t>(v.published.days_since_epoch()) *
                                      86'400'000'000LL)});
        }
        r.fetched = rows.size();
        const auto summary = store.write_vintages(write, rows, Timestamp::now());
        r.inserted = summary.inserted;
        r.revised = summary.revised;
        r.unchanged = summary.unchanged;
        report.series.push_back(r);
        continue;
      }
      write.data = std::move(fetched.current);
      r.fetched = write.data.size();
      write.data = TimeSeries(spec.ticker, write.data.dates(), write.data.values());
      const auto result = store.write_raw(std::vector<store::SeriesWrite>{write}, Timestamp::now());
      r.inserted = result.series[0].inserted;
      r.revised = result.series[0].revised;
      r.unchanged = result.series[0].unchanged;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kStoreError) throw;  // the store itself failed: stop
      r.error = e.what();
    }
    report.series.push_back(r);
  }
  if (progress) progress(todo.size(), todo.size(), "");
  return report;
}

}  // namespace mre::workflows
