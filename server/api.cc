// See api.h.
#include "server/api.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stop_token>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>

#include "mre/codec/backtest_artefact.h"
#include "mre/codec/classifier_json.h"
#include "mre/codec/effect_studies_json.h"
#include "mre/codec/effects_json.h"
#include "mre/codec/monitor_artefacts.h"
#include "mre/codec/profile_json.h"
#include "mre/codec/regimes_json.h"
#include "mre/codec/scm_json.h"
#include "mre/codec/series_json.h"
#include "mre/core/check.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/workflows/backtest.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/compare_regimes.h"
#include "mre/workflows/effect_studies.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/freshness.h"
#include "mre/workflows/monitor.h"
#include "mre/workflows/narrate.h"
#include "mre/workflows/neural.h"
#include "mre/workflows/quantgan.h"
#include "mre/workflows/regime_profile.h"
#include "mre/workflows/scm.h"
#include "server/openapi.h"
#include "server/request_guard.h"
#include "server/table_csv.h"

// Last: it is large and its macros must not meet Eigen's headers.
#include "server/hardened_server.h"

namespace mre::server {
namespace {

using nlohmann::json;

std::string code_name(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 411:
      return "length_required";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 422:
      return "unprocessable";
    case 429:
      return "too_many_requests";
    case 431:
      return "headers_too_large";
    case 501:
      return "unsupported";
    case 503:
      return "unavailable";
    default:
      // A client error is never called internal, whatever its number.
      return status >= 400 && status < 500 ? "bad_request" : "internal";
  }
}

// A JSON text that never throws: bytes that are not UTF-8 (an echoed request value) become U+FFFD.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(dump(json{{"error", {{"code", code_name(status)}, {"message", message}}}}),
                  "application/json");
}

std::optional<Date> date_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  const auto d = Date::parse(req.get_param_value(name));
  if (!d)
    throw Error(ErrorCode::kInvalidArgument,
                std::string("'") + name + "' must be a date YYYY-MM-DD");
  return d;
}

bool contains_form(const httplib::Request& req) {
  return req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
}

constexpr int kMaxJsonDepth = 64;
constexpr int kMaxEffectHorizon = 60;  // months: POST /api/causal-analysis's horizon

// The body as JSON: its depth and UTF-8 checked over the bytes first (400), so a hostile body
// never builds a deep DOM; then parsed (400 naming the parse error). A key given twice in one
// object is refused (400 naming it): JSON leaves its meaning open, and taking the last one
// silently answered a question the client may not have asked.
// nlohmann's "[json.exception.type_error.302] type must be number, but is string" without the
// bracketed identifier, which names the library rather than the request.
std::string without_json_prefix(const std::string& what) {
  if (what.rfind("[json.exception.", 0) == 0) {
    if (const auto end = what.find("] "); end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

json parse_body(const httplib::Request& req) {
  check_json_body(req.body, kMaxJsonDepth);
  std::vector<std::set<std::string>> keys;  // one set per open object
  const json::parser_callback_t no_duplicate_keys =
      [&keys](int /*depth*/, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
          keys.emplace_back();
        } else if (event == json::parse_event_t::object_end) {
          if (!keys.empty()) keys.pop_back();
        } else if (event == json::parse_event_t::key && !keys.empty() &&
                   !keys.back().insert(parsed.get<std::string>()).second) {
          throw Error(ErrorCode::kInvalidArgument, "malformed JSON body: the key \"" +
                                                       parsed.get<std::string>() +
                                                       "\" appears twice in one object");
        }
        return true;
      };
  try {
    return json::parse(req.body, no_duplicate_keys);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("malformed JSON body: ") + e.what());
  } catch (const json::out_of_range& e) {
    // 1e400 or a 500,000-digit integer: "[json.exception.out_of_range.406] number overflow
    // parsing '1e400'" reached the client as "bad request field: [json.exception...]".
    throw Error(ErrorCode::kInvalidArgument,
                "request body: " + without_json_prefix(e.what()) +
                    " (a number must be within the range of a double, about 1.8e308)");
  }
}

json parse_object_body(const httplib::Request& req) {
  json body = parse_body(req);
  if (!body.is_object()) throw Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
  return body;
}

// A field the route does not read is refused (400 naming it and the route's fields): a
// misspelled "shock" or "generatorVersion" was silently answered with the defaults (QA).
void check_known_fields(const json& body, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string names;
    for (const auto name : known) names += (names.empty() ? "" : ", ") + std::string(name);
    std::string shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
    throw Error(ErrorCode::kInvalidArgument,
                "unknown field '" + shown + "' (this route reads: " + names + ")");
  }
}

const json* field(const json& body, const char* name) {
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

// An integer field checked on the JSON number itself, before any narrowing: absent -> fallback;
// not an integer (a string, a fraction, 1e400) -> 400; below `lo` -> 400; above `hi` -> 422
// (a server limit), each naming the field and the value.
std::int64_t integer_field(const json& body, const char* name, std::int64_t fallback,
                           std::int64_t lo, std::int64_t hi) {
  const json* v = field(body, name);
  if (!v) return fallback;
  const std::string what = std::string("'") + name + "'";
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) {
      throw Error(ErrorCode::kDataError, what + " must be at most " + std::to_string(hi) +
                                             " on this server (got " + std::to_string(u) + ")");
    }
  } else if (!v->is_number_integer()) {
    throw Error(ErrorCode::kInvalidArgument,
                what + " must be an integer (got " + dump(*v).substr(0, 40) + ")");
  }
  const auto i = v->get<std::int64_t>();
  if (i < lo)
    throw Error(ErrorCode::kInvalidArgument, what + " must be at least " + std::to_string(lo) +
                                                 " (got " + std::to_string(i) + ")");
  if (i > hi) {
    throw Error(ErrorCode::kDataError, what + " must be at most " + std::to_string(hi) +
                                           " on this server (got " + std::to_string(i) + ")");
  }
  return i;
}

std::string string_field(const json& body, const char* name, const std::string& fallback) {
  const json* v = field(body, name);
  if (!v) return fallback;
  if (!v->is_string())
    throw Error(ErrorCode::kInvalidArgument, std::string("'") + name + "' must be a string");
  return v->get<std::string>();
}

double number_field(const json& body, const char* name, double fallback) {
  const json* v = field(body, name);
  if (!v) return fallback;
  if (!v->is_number())
    throw Error(ErrorCode::kInvalidArgument, std::string("'") + name + "' must be a number");
  const double x = v->get<double>();
  if (!std::isfinite(x))
    throw Error(ErrorCode::kInvalidArgument, std::string("'") + name + "' must be finite");
  return x;
}

// A request whose body cannot be read as sent: status and message, or nothing. RFC 9112
// section 6: a POST without Content-Length or chunked coding has a zero-length body, which no
// POST route takes (411, at once, instead of a read that waits for the client); several
// Content-Length values that differ, or one that is not a decimal length, are malformed (400);
// a length over the limit is refused before a byte of the body is read (413).
struct FramingError {
  int status;
  std::string message;
};
std::optional<FramingError> body_framing_error(const httplib::Request& req, std::size_t max_body) {
  const bool takes_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  const std::size_t lengths = req.get_header_value_count("Content-Length");
  const bool chunked =
      req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
  std::string length;
  for (std::size_t i = 0; i < lengths; ++i) {
    const std::string v = req.get_header_value("Content-Length", i);
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
      return FramingError{400, "Content-Length '" + v.substr(0, 32) + "' is not a length in bytes"};
    if (i > 0 && v != length)
      return FramingError{400, "conflicting Content-Length headers (" + length + " and " + v + ")"};
    length = v;
  }
  if (lengths > 0 && chunked)
    return FramingError{400, "both Content-Length and Transfer-Encoding: chunked"};
  if (!takes_body) return std::nullopt;
  if (lengths == 0 && !chunked) {
    return FramingError{411, "a " + req.method +
                                 " needs a JSON body with its Content-Length (curl: -d '{...}' or "
                                 "--data-binary @file.json)"};
  }
  if (lengths > 0 && std::stoull(length) > max_body) {
    return FramingError{413, "request body of " + length + " bytes is over the " +
                                 std::to_string(max_body >> 10) + " KiB body limit"};
  }
  return std::nullopt;
}

// Thrown when the heavy requests running are at the cap: 429.
struct Busy : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown for a request the server's settings do not allow (an unapproved classifier): 403.
struct Forbidden : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The error shape for whatever a handler throws: mre::Error by CONVENTIONS.md's table, a JSON
// type error as 400, anything else a generic 500 whose text goes to the log, never to the client
// (and never into a header).
void send_exception(httplib::Response& res, std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const Busy& e) {
    send_error(res, 429, e.what());
  } catch (const Forbidden& e) {
    send_error(res, 403, e.what());
  } catch (const Error& e) {
    send_error(res, http_status(e.code()), user_message(e.what()));
  } catch (const json::exception& e) {
    send_error(res, 400, "bad request field: " + without_json_prefix(e.what()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mre serve: internal error: %s\n", e.what());
    send_error(res, 500, "internal error (the server's log has the details)");
  } catch (...) {
    std::fprintf(stderr, "mre serve: internal error (not a std::exception)\n");
    send_error(res, 500, "internal error (the server's log has the details)");
  }
}

// The day ages are counted to: ?as_of=YYYY-MM-DD, else today (UTC).
Date as_of_day(const httplib::Request& req) {
  return req.has_param("as_of")
             ? workflows::parse_as_of_day(req.get_param_value("as_of"), "'as_of'")
             : workflows::today_utc();
}

json optional_date(const std::optional<Date>& d) { return d ? json(d->iso()) : json(nullptr); }

// Issue 22's freshness fields, the same in /api/classification/current and /api/narrative.
json freshness_json(const workflows::ClassificationFreshness& f) {
  json indicators = json::array();
  for (const auto& i : f.indicators) {
    indicators.push_back({{"name", i.name},
                          {"inputs", i.inputs},
                          {"proxy", i.proxy},
                          {"last", optional_date(i.last)},
                          {"age_days", i.age_days ? json(*i.age_days) : json(nullptr)},
                          {"used", i.used},
                          {"stale", i.stale}});
  }
  json sign_offs = json::array();
  for (const auto& s : f.sign_offs) {
    sign_offs.push_back({{"model", s.model},
                         {"approved", s.approved},
                         {"approved_by", s.approved_by},
                         {"approved_at", s.approved_at}});
  }
  return {{"as_of", f.as_of.iso()},
          {"data_timestamp", f.data_timestamp},
          {"data_age_days", f.data_age_days ? json(*f.data_age_days) : json(nullptr)},
          {"indicators_used", f.used},
          {"indicators_total", f.indicators.size()},
          {"indicators_stale", f.stale},
          {"indicators", indicators},
          {"mapping", {{"approved", f.approved}, {"sign_offs", sign_offs}}}};
}

json series_freshness_json(const std::vector<workflows::SeriesFreshness>& list) {
  json out = json::array();
  for (const auto& s : list) {
    out.push_back({{"ticker", s.ticker},
                   {"asset_class", s.asset_class},
                   {"in_universe", s.in_universe},
                   {"frequency", s.frequency},
                   {"last", s.last.iso()},
                   {"age_days", s.age_days},
                   {"allowance_days", s.allowance_days},
                   {"ended", optional_date(s.ended)},
                   {"stale", s.stale}});
  }
  return out;
}

// cpp-httplib 0.11 answers "Accept-Encoding: br" with Brotli at its default quality 11: about
// 1.6 us of CPU a byte, forty times gzip's (the 2.2 MB classifier history took 3.5 s of CPU, 22 s
// on a loaded machine, where gzip took 0.1 s); every browser offers br. Only gzip (or nothing) is
// offered to httplib: the br tokens are dropped from the request's Accept-Encoding.
void drop_brotli(httplib::Request& req) {
  for (auto [it, end] = req.headers.equal_range("Accept-Encoding"); it != end; ++it) {
    std::string kept;
    for (std::size_t begin = 0; begin <= it->second.size();) {
      const auto comma = std::min(it->second.find(',', begin), it->second.size());
      std::string token = it->second.substr(begin, comma - begin);
      const auto first = token.find_first_not_of(' ');
      const auto name = first == std::string::npos
                            ? std::string()
                            : token.substr(first, token.find_first_of(" ;", first) - first);
      if (!name.empty() && name != "br") kept += (kept.empty() ? "" : ", ") + token.substr(first);
      begin = comma + 1;
    }
    it->second = kept;
  }
}

ConnectionLimits limits_of(const ServeOptions& o) {
  ConnectionLimits l;
  l.request_seconds = o.request_timeout;
  l.read_seconds = o.read_timeout;
  l.max_request_bytes = o.max_body + (64 << 10);
  l.max_per_peer = o.max_connections_per_peer;
  l.max_threads = o.max_threads;
  return l;
}

}  // namespace

struct Api::Impl {
  // What a handler answers: the document it built (from the domain objects, or a codec's
  // document), encoded once by handle() as JSON or, with ?format=csv, as CSV (table_csv.h);
  // never text read back.
  // `indent` and `newline` are the JSON layout: a route whose answer was a codec's text keeps
  // that text's bytes (the codec's text function is the same document dumped the same way), and
  // `layout`, when set, is a codec's hand-written layout of an ordered document.
  using Layout = std::string (*)(const nlohmann::ordered_json&);
  struct Reply {
    Reply(json d) : body(std::move(d)) {}                    // NOLINT: implicit by design
    Reply(nlohmann::ordered_json d) : body(std::move(d)) {}  // NOLINT
    std::variant<json, nlohmann::ordered_json> body;
    int indent = -1;
    bool newline = false;
    Layout layout = nullptr;
  };
  template <typename Document>
  static Reply laid_out(Document document, int indent, bool newline = false) {
    Reply r(std::move(document));
    r.indent = indent;
    r.newline = newline;
    return r;
  }
  static Reply laid_out(nlohmann::ordered_json document, Layout layout) {
    Reply r(std::move(document));
    r.layout = layout;
    return r;
  }

  explicit Impl(ServeOptions o) : options(std::move(o)), http(limits_of(options)) {}
  ServeOptions options;
  HardenedServer http;
  int port = 0;
  // Simulations and estimates running (including those past their time limit still stopping).
  std::shared_ptr<std::atomic<int>> heavy = std::make_shared<std::atomic<int>>(0);

  // One read-only connection per server thread, opened on first use and kept: opening a
  // store per request cost more than answering it. Connections see every committed write.
  // Parsed classifier models by version (never overwritten): parsing one was most of the time
  // of a classification.
  std::mutex models_mutex;
  std::map<std::string, std::shared_ptr<const regimes::hierarchical::HierarchicalModel>> models;
  std::shared_ptr<const regimes::hierarchical::HierarchicalModel> model_of(
      const store::Store& s, const std::string& version) {
    {
      const std::lock_guard<std::mutex> lock(models_mutex);
      if (const auto it = models.find(version); it != models.end()) return it->second;
    }
    auto m = std::make_shared<const regimes::hierarchical::HierarchicalModel>(
        workflows::load_classifier(s, version));
    const std::lock_guard<std::mutex> lock(models_mutex);
    return models.emplace(version, m).first->second;
  }
  // The newest classifier version, looked up at most once a second (listing reads every model).
  std::mutex newest_mutex;
  std::string newest_version;
  std::chrono::steady_clock::time_point newest_at{};
  std::string newest_classifier(const store::Store& s) {
    const std::lock_guard<std::mutex> lock(newest_mutex);
    if (newest_version.empty() ||
        std::chrono::steady_clock::now() - newest_at > std::chrono::seconds(1)) {
      const auto all = s.list_classifiers();
      if (all.empty()) throw Error(ErrorCode::kNotFound, "no classifier version in the store");
      newest_version = all.back().version;
      newest_at = std::chrono::steady_clock::now();
    }
    return newest_version;
  }

  // Runs a computation that needs no store on its own thread and waits at most time_limit:
  // beyond it the request gets a 503 and the computation is asked to stop (it checks its stop
  // token between blocks of paths or fits, so it ends soon after). At most max_heavy run at
  // once, counting those still stopping: beyond, 429.
  template <typename F>
  auto within_time_limit(F f) -> decltype(f(std::stop_token{})) {
    using R = decltype(f(std::stop_token{}));
    const int cap = options.max_heavy > 0
                        ? options.max_heavy
                        : static_cast<int>(std::max(2U, std::thread::hardware_concurrency()));
    int running = heavy->load();
    do {
      if (running >= cap) {
        throw Busy("too many simulations or estimates running (" + std::to_string(cap) +
                   " at most); retry later");
      }
    } while (!heavy->compare_exchange_weak(running, running + 1));
    std::shared_ptr<void> permit(nullptr, [counter = heavy](void*) { --*counter; });
    std::stop_source stop;
    auto task = std::make_shared<std::packaged_task<R()>>(
        [f = std::move(f), token = stop.get_token()] { return f(token); });
    auto result = task->get_future();
    std::thread([task, permit] {
      // Below the request threads (Linux: per thread, inherited by the simulator's workers), so
      // /api/health and the light endpoints stay quick while simulations use every core.
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
      (*task)();
    }).detach();
    if (result.wait_for(std::chrono::duration<double>(options.time_limit)) !=
        std::future_status::ready) {
      stop.request_stop();
      throw Error(ErrorCode::kStoreError,
                  "the request took longer than this server's time limit of " +
                      std::to_string(options.time_limit).substr(0, 5) +
                      " s; ask for fewer paths or a shorter horizon");
    }
    return result.get();
  }

  // The freshness of a classification, kept 5 s per (version, timestamp, day): it reads every
  // series' newest date and the universe, far more than the classification itself.
  std::mutex freshness_mutex;
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, json>> freshness_cache;
  // Loads LibTorch in the background (workflows::preload_networks) so that neither the start-up
  // line nor the first network request waits for it; joined before anything else is destroyed.
  std::jthread preloader;
  json classification_freshness(const store::Store& s, const std::string& version,
                                const workflows::CurrentClassification& c, Date as_of) {
    const std::string key = version + '\n' + c.timestamp + '\n' + as_of.iso();
    const auto now = std::chrono::steady_clock::now();
    {
      const std::lock_guard<std::mutex> lock(freshness_mutex);
      if (const auto it = freshness_cache.find(key);
          it != freshness_cache.end() && now - it->second.first < std::chrono::seconds(5)) {
        return it->second.second;
      }
    }
    json document = freshness_json(workflows::classification_freshness(
        s, version, c.timestamp, c.values, s.list_series(), options.universe, as_of));
    const std::lock_guard<std::mutex> lock(freshness_mutex);
    if (freshness_cache.size() > 64) freshness_cache.clear();
    freshness_cache[key] = {now, document};
    return document;
  }

  // Issue 22: a classifier version's named history (workflows::classifier_history), in the
  // shape of /api/regimes/{v} plus the sign-off and the in-sample period.
  Reply classification_history(const httplib::Request& req) {
    const auto s = open();
    const std::string version =
        req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
    const auto history = workflows::classifier_history(
        *s, version, date_param(req, "from"), date_param(req, "to"), model_of(*s, version).get());
    auto out = codec::regimes_document(history.model, history.rows);  // labels in model order
    out["approved"] = history.approved;
    out["trained_from"] = history.model.trained_from
                              ? nlohmann::ordered_json(history.model.trained_from->iso())
                              : nullptr;
    out["trained_to"] = history.model.trained_to
                            ? nlohmann::ordered_json(history.model.trained_to->iso())
                            : nullptr;
    out["unclassified_rows"] = history.unclassified_rows;
    return out;
  }

  // Issue 22: regime-conditional statistics of the named history (as /api/regimes/{v}/profile).
  Reply classification_profile(const httplib::Request& req) {
    const auto s = open();
    const std::string version =
        req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
    const auto history = workflows::classifier_history(*s, version, std::nullopt, std::nullopt,
                                                       model_of(*s, version).get());
    std::vector<std::string> assets;
    const std::string list = req.has_param("assets") ? req.get_param_value("assets") : "^GSPC";
    for (std::size_t begin = 0; begin <= list.size();) {
      const auto end = std::min(list.find(',', begin), list.size());
      if (end > begin) assets.push_back(list.substr(begin, end - begin));
      begin = end + 1;
    }
    const auto report = workflows::profile_regime_rows(*s, version, history.model.kind,
                                                       history.model.labels, history.rows, assets);
    return laid_out(codec::regime_profile_document(report.version, report.kind, report.first,
                                                   report.last, report.profile),
                    1);
  }

  static json scenario_run_json(const store::ScenarioRun& r) {
    return {{"id", r.id},           {"scm_version", r.scm_version},
            {"name", r.name},       {"interventions", r.interventions},
            {"shocks", r.shocks},   {"start", r.start.iso()},
            {"horizon", r.horizon}, {"paths", r.paths},
            {"seed", r.seed},       {"created_at", r.created_at.iso()}};
  }

  // Issue 22: the stored scenario runs (`mre scm scenarios`), newest first.
  Reply scenarios(const httplib::Request&) {
    auto runs = open()->list_scenarios();
    std::stable_sort(runs.begin(), runs.end(),
                     [](const auto& a, const auto& b) { return b.created_at < a.created_at; });
    json out = json::array();
    for (const auto& r : runs) out.push_back(scenario_run_json(r));
    return out;
  }

  // Issue 22: one stored run's fans with their dates (day k: the k-th business day after the
  // start) and its stored effect summary, in the shape of POST /api/counterfactual's answer.
  Reply scenario(const httplib::Request& req) {
    const std::string id = req.matches[1];
    const auto s = open();
    const auto runs = s->list_scenarios();
    const auto run =
        std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r.id == id; });
    if (run == runs.end())
      throw Error(ErrorCode::kNotFound, "no stored scenario '" + id + "' (see GET /api/scenarios)");
    json out = scenario_run_json(*run);
    json fans = {{"baseline", json::object()}, {"intervened", json::object()}};
    for (const auto& row : s->read_scenario(id))
      fans[row.scenario][row.node].push_back({row.q05, row.q25, row.q50, row.q75, row.q95});
    json dates = json::array();
    for (const auto& d : workflows::scenario_days(run->start, run->horizon))
      dates.push_back(d.iso());
    out["dates"] = dates;
    out["quantiles"] = {0.05, 0.25, 0.5, 0.75, 0.95};
    out["fans"] = fans;
    // The stored summary (store content, not this answer) read once to nest it in the answer.
    out["effects"] = run->summary_json.empty() ? json::array() : json::parse(run->summary_json);
    return out;
  }

  store::Store* open() const {
    thread_local std::map<std::string, std::unique_ptr<store::Store>> stores;
    auto& s = stores[options.db];
    if (!s) s = store::open_store(options.db, false);
    return s.get();
  }

  void routes() {
    http.set_payload_max_length(options.max_body);
    http.set_tcp_nodelay(
        true);  // headers and body go out as separate writes: no 40 ms delayed-ACK stalls
    // Anything thrown outside a handler's wrap (none expected): the error shape, no text in
    // headers.
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          res.headers.clear();
          send_exception(res, ep);
        });
    // --cors ORIGIN (issue 22): that origin may read the API from a browser; preflights answered.
    if (!options.cors_origin.empty()) {
      http.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
        res.set_header("Access-Control-Allow-Origin", options.cors_origin);
        res.set_header("Vary", "Origin");
      });
      http.Options(R"(/api/.*)", [this](const httplib::Request&, httplib::Response& res) {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization");
        res.set_header("Access-Control-Max-Age", "600");
      });
    }
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      drop_brotli(const_cast<httplib::Request&>(
          req));  // httplib's own, non-const request object; static files too
      if (req.method == "OPTIONS" && !options.cors_origin.empty())
        return httplib::Server::HandlerResponse::Unhandled;
      if (req.path.rfind("/api/", 0) == 0 && !options.token.empty() &&
          req.get_header_value("Authorization") != "Bearer " + options.token) {
        send_error(res, 401, "this server requires a bearer token (Authorization: Bearer ...)");
        return httplib::Server::HandlerResponse::Handled;
      }
      // Every route's ?from&to: a range that ends before it starts is refused (it read as an
      // empty answer on some routes, a 400 on others).
      if (req.has_param("from") && req.has_param("to")) {
        const auto from = Date::parse(req.get_param_value("from"));
        const auto to = Date::parse(req.get_param_value("to"));
        if (from && to && *to < *from) {
          send_error(res, 400, "'to' " + to->iso() + " is before 'from' " + from->iso());
          if (req.method != "GET" && req.method != "HEAD") HardenedServer::close_after_response();
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      // The body's framing, checked before cpp-httplib reads it (it would wait for the end of
      // a body with no length, and read a declared length past the limit before refusing it).
      if (const auto refused = body_framing_error(req, options.max_body)) {
        send_error(res, refused->status, refused->message);
        HardenedServer::close_after_response(refused->status == 413);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (HardenedServer::request_over_limit()) {
        send_error(res, 413,
                   "request over the " + std::to_string(options.max_body >> 10) +
                       " KiB body limit (chunked or not)");
        return;
      }
      if (HardenedServer::request_timed_out()) {
        const auto seconds = [](double x) {
          std::ostringstream out;
          out << x;  // %g-like: 10, 5, 2.5
          return out.str();
        };
        send_error(res, 408,
                   "request not received in time (a whole request within " +
                       seconds(options.request_timeout) + " s, each read within " +
                       seconds(options.read_timeout) + " s)");
        return;
      }
      if (!res.body.empty()) return;
      if (res.status == 413 && contains_form(req)) {
        // cpp-httplib parses form-encoded bodies and caps them at 8 KiB (curl -d sends that type).
        send_error(res, 413,
                   "form-encoded bodies are limited to 8 KiB: send JSON with Content-Type: "
                   "application/json");
      } else if (res.status == 413) {
        send_error(
            res, 413,
            "request body over the " + std::to_string(options.max_body >> 10) + " KiB body limit");
      } else if (res.status == 404) {
        send_error(res, 404, "no such endpoint or file");
      } else if (res.status == 414) {
        // cpp-httplib's limit on the request target (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH).
        send_error(res, 414, "request target too long (at most 8,192 bytes)");
        HardenedServer::close_after_response();
      } else if (res.status == 400) {
        // The request line or a header line could not be parsed (or headers were too long):
        // nothing after it on this connection can be trusted to start a request.
        send_error(res, 400, "malformed request line or headers");
        HardenedServer::close_after_response();
      } else {
        send_error(res, res.status, "request failed");
      }
    });
    // The route table: one line per route, in matching order (the OpenAPI test reads these
    // lines). A route is a pattern and a small handler below that parses the request, calls a
    // workflow and returns the encoded result; its operation goes in server/openapi.json and its
    // request/response pairs in tests/server/cases/ (docs: ARCHITECTURE.md, "How to add an API
    // route").
    http.Get("/api/health", handle(&Impl::health));
    http.Get("/api/health/details", handle(&Impl::health_details));
    http.Get("/api/series", handle(&Impl::series_list));
    http.Get("/api/openapi.json", handle(&Impl::openapi));
    http.Get("/api/freshness", handle(&Impl::freshness));
    http.Get(R"(/api/series/([^/]+))", handle(&Impl::series));
    http.Get("/api/regimes", handle(&Impl::regimes_list));
    http.Get(R"(/api/regimes/((?!compare$)[^/]+))", handle(&Impl::regimes));
    http.Get(R"(/api/regimes/([^/]+)/profile)", handle(&Impl::regime_profile));
    http.Get("/api/classification/current", handle(&Impl::classification_current));
    http.Get(R"(/api/effects/([^/]+))", handle(&Impl::effects));
    http.Post("/api/counterfactual", handle(&Impl::counterfactual, kNotATable));
    http.Get("/api/effects", handle(&Impl::effects_list));
    http.Get("/api/studies", handle(&Impl::studies_list));
    http.Get(R"(/api/studies/([^/]+))", handle(&Impl::study));
    http.Get("/api/backtests", handle(&Impl::backtests_list));
    http.Get(R"(/api/backtests/([^/]+))", handle(&Impl::backtest));
    http.Get("/api/scm", handle(&Impl::scm_list));
    http.Get("/api/narrative", handle(&Impl::narrative));
    http.Post("/api/classify", handle(&Impl::classify, kNotATable));
    http.Post("/api/causal-analysis", handle(&Impl::causal_analysis, kNotATable));
    http.Get("/api/regimes/compare", handle(&Impl::regimes_compare));
    http.Get("/api/classification/history", handle(&Impl::classification_history));
    http.Get("/api/classification/history/profile", handle(&Impl::classification_profile));
    http.Get("/api/scenarios", handle(&Impl::scenarios));
    http.Get(R"(/api/scenarios/([^/]+))", handle(&Impl::scenario, kNotATable));
    http.Get("/api/neural", handle(&Impl::neural_list));
    http.Get(R"(/api/neural/([^/]+)/latest)", handle(&Impl::neural_latest));
    if (!options.static_dir.empty()) http.set_mount_point("/", options.static_dir.string());
  }

  using Handler = Reply (Impl::*)(const httplib::Request&);
  // A route whose answer holds tables inside a document (a simulation's fan, an analysis): the
  // generic ?format=csv would tabulate one of its arrays and drop the rest (QA 2026-12-08), so it
  // is refused before the handler runs.
  static constexpr bool kNotATable = false;

  // A handler as a route: its answer served in the format asked for (?format=json|csv),
  // whatever it throws in the error shape.
  httplib::Server::Handler handle(Handler handler, bool table = true) {
    return [this, handler, table](const httplib::Request& req, httplib::Response& res) {
      try {
        const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
        if (format != "json" && format != "csv") {
          throw Error(ErrorCode::kInvalidArgument,
                      "'format' must be json or csv (got '" + format.substr(0, 40) + "')");
        }
        const bool csv = format == "csv";
        if (csv && !table) {
          throw Error(ErrorCode::kInvalidArgument,
                      "this endpoint's answer is not a table: ask for it without format=csv");
        }
        const Reply reply = (this->*handler)(req);
        const auto encode = [&](const auto& document) {
          if (csv) {
            res.set_content(table_to_csv(document), "text/csv; charset=utf-8");
            return;
          }
          if constexpr (std::is_same_v<std::decay_t<decltype(document)>, nlohmann::ordered_json>) {
            if (reply.layout) {
              res.set_content(reply.layout(document), "application/json");
              return;
            }
          }
          // Bytes that are not UTF-8 (stored or echoed text) become U+FFFD, never a 500.
          res.set_content(document.dump(reply.indent, ' ', false, json::error_handler_t::replace) +
                              (reply.newline ? "\n" : ""),
                          "application/json");
        };
        std::visit(encode, reply.body);
      } catch (...) {
        send_exception(res, std::current_exception());
      }
    };
  }

  // The handlers, in the table's order.
  Reply health(const httplib::Request&) {
    const auto s = open();
    return json{
        {"status", "ok"}, {"store", s->describe()}, {"schema_version", s->schema_version()}};
  }

  // Issue 27: every monitoring check, computed now on the read-only store (the run is not stored;
  // first-failed dates come from the runs `mre monitor` stored).
  Reply health_details(const httplib::Request& req) {
    workflows::MonitorOptions monitor;
    monitor.as_of = date_param(req, "as_of");
    monitor.persist = false;
    if (req.has_param("drift_window")) {
      const auto text = req.get_param_value("drift_window");
      if (text.empty() || text.size() > 5 ||
          text.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(ErrorCode::kInvalidArgument,
                    "'drift_window' must be a whole number of rows (10 to 2520)");
      }
      monitor.drift_window = std::stoi(text);
    }
    return laid_out(codec::monitor_report_document(workflows::check_store(*open(), monitor)), 2);
  }

  Reply series_list(const httplib::Request&) {
    return codec::series_list_document(open()->list_series());
  }

  // The compiled-in description, read into a document once; dumped as the file is laid out (two
  // spaces, a final newline), so the bytes served are the file's.
  Reply openapi(const httplib::Request&) {
    static const auto document = nlohmann::ordered_json::parse(openapi_json());
    return laid_out(document, 2, true);
  }

  Reply freshness(const httplib::Request& req) {
    return series_freshness_json(
        workflows::series_freshness(*open(), options.universe, as_of_day(req)));
  }

  Reply series(const httplib::Request& req) {
    std::optional<Timestamp> as_of;
    if (req.has_param("as_of")) {
      as_of = Timestamp::parse(req.get_param_value("as_of"));
      if (!as_of) throw Error(ErrorCode::kInvalidArgument, "'as_of' must be an ISO-8601 time");
    }
    const std::string ticker = req.matches[1];
    const auto s = open()->read_raw({.ticker = ticker,
                                     .from = date_param(req, "from"),
                                     .to = date_param(req, "to"),
                                     .as_of = as_of});
    if (!s) throw Error(ErrorCode::kNotFound, "no series '" + ticker + "'");
    return codec::series_document(*s, as_of);
  }

  Reply regimes_list(const httplib::Request&) {
    json out = json::array();
    for (const auto& m : open()->list_regime_models()) {
      out.push_back({{"version", m.version},
                     {"kind", m.kind},
                     {"spec", m.spec_name},
                     {"feature_version", m.feature_version},
                     {"labels", m.labels},
                     {"rows", m.rows},
                     {"first", m.first ? m.first->iso() : ""},
                     {"last", m.last ? m.last->iso() : ""},
                     {"created_at", m.created_at.iso()}});
    }
    return out;
  }

  Reply regimes(const httplib::Request& req) {
    const std::string version = req.matches[1];
    const auto s = open();
    const auto model = s->find_regime_model(version);
    if (!model) throw Error(ErrorCode::kNotFound, "no regime version '" + version + "'");
    return codec::regimes_document(
        *model, s->read_regimes(version, date_param(req, "from"), date_param(req, "to")));
  }

  // Regime-conditional statistics (issue 19): ?assets=^GSPC,TLT (default ^GSPC).
  Reply regime_profile(const httplib::Request& req) {
    workflows::RegimeProfileOptions wanted{.version = req.matches[1]};
    const std::string assets = req.has_param("assets") ? req.get_param_value("assets") : "^GSPC";
    for (std::size_t begin = 0; begin <= assets.size();) {
      const auto end = std::min(assets.find(',', begin), assets.size());
      if (end > begin) wanted.assets.push_back(assets.substr(begin, end - begin));
      begin = end + 1;
    }
    const auto report = workflows::profile_regime_version(*open(), wanted);
    return laid_out(codec::regime_profile_document(report.version, report.kind, report.first,
                                                   report.last, report.profile),
                    1);
  }

  Reply classification_current(const httplib::Request& req) {
    const auto s = open();
    const std::string version =
        req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
    const auto current = workflows::current_classification(*s, version, *model_of(*s, version));
    const std::string instrument =
        req.has_param("instrument_type") ? req.get_param_value("instrument_type") : "";
    workflows::check_instrument_type(*s, version, instrument);  // 422 naming an unknown type
    const bool muni = instrument == "MUNI";
    auto document =
        codec::classification_document(current.timestamp, current.model, current.result, muni);
    // Issue 22: the data's age, the indicators it rested on and the mapping's sign-off.
    document["classifier_version"] = version;
    document["freshness"] = classification_freshness(*s, version, current, as_of_day(req));
    return laid_out(std::move(document), &current_text);
  }

  // /api/classification/current's JSON: the MR-DS-02 object laid out as `mre classify` prints it
  // (codec::classification_text), then freshness (issue 22) as one compact JSON object.
  static std::string current_text(const nlohmann::ordered_json& document) {
    auto head = document;
    head.erase("freshness");
    std::string out = codec::classification_text(head);
    out.pop_back();
    return out + ", \"freshness\": " +
           document.at("freshness").dump(-1, ' ', false, json::error_handler_t::replace) + "}";
  }

  Reply effects(const httplib::Request& req) {
    return laid_out(codec::effect_rows_document(open()->read_effects(req.matches[1])),
                    &codec::effect_rows_text);
  }

  Reply counterfactual(const httplib::Request& req) {
    const json body = parse_object_body(req);
    check_known_fields(body,
                       {"version", "interventions", "start", "horizon", "paths", "shocks", "seed",
                        "replicates", "block_length", "bootstrap_seed", "generator_version"});
    workflows::ScenarioOptions o;
    if (const json* list = field(body, "interventions")) {
      if (!list->is_array())
        throw Error(ErrorCode::kInvalidArgument,
                    "'interventions' must be an array of strings such as \"TP=+0.25\"");
      for (const auto& d : *list) {
        if (!d.is_string())
          throw Error(ErrorCode::kInvalidArgument,
                      "'interventions' must be an array of strings such as \"TP=+0.25\"");
        o.interventions.push_back(workflows::parse_do(d.get_ref<const std::string&>()));
      }
    }
    if (const json* start = field(body, "start")) {
      o.start =
          start->is_string() ? Date::parse(start->get_ref<const std::string&>()) : std::nullopt;
      if (!o.start) throw Error(ErrorCode::kInvalidArgument, "'start' must be a date YYYY-MM-DD");
    }
    o.config.horizon =
        static_cast<int>(integer_field(body, "horizon", 250, 1, options.max_horizon));
    o.config.paths = static_cast<int>(integer_field(body, "paths", 2000, 1, options.max_paths));
    // 200 replicates by default: an interactive answer in about a second (the CLI's 1,000 on
    // request).
    o.uncertainty.bootstrap.replicates =
        static_cast<int>(integer_field(body, "replicates", 200, 1, 2000));
    o.uncertainty.bootstrap.block_length = static_cast<int>(
        integer_field(body, "block_length", o.uncertainty.bootstrap.block_length, 1, 100000));
    o.uncertainty.bootstrap.seed = static_cast<std::uint64_t>(integer_field(
        body, "bootstrap_seed", static_cast<std::int64_t>(o.uncertainty.bootstrap.seed), 0,
        std::numeric_limits<std::int64_t>::max()));
    if (const json* seed = field(body, "seed");
        seed && !(seed->is_number_unsigned() ||
                  (seed->is_number_integer() && seed->get<std::int64_t>() >= 0))) {
      throw Error(ErrorCode::kInvalidArgument, "'seed' must be a non-negative integer below 2^64");
    }
    o.config.seed = field(body, "seed") ? body.at("seed").get<std::uint64_t>() : 42;
    o.config.shocks = scm::parse_shock_kind(string_field(body, "shocks", "gaussian"));
    const auto s = open();
    const std::string version = string_field(body, "version", "");
    const std::string v = version.empty() ? workflows::newest_scm_version(*s) : version;
    const auto model = workflows::load_scm(*s, v);
    if (field(body, "generator_version") && o.config.shocks != scm::ShockKind::kQuantGan) {
      throw Error(ErrorCode::kInvalidArgument,
                  "'generator_version' is read only with \"shocks\": \"quantgan\"");
    }
    if (o.config.shocks == scm::ShockKind::kQuantGan) {
      o.generator_version = string_field(body, "generator_version", "");
      workflows::attach_quantgan(*s, v, model, o);
    }
    const auto r = within_time_limit([v, model, o](std::stop_token stop) {
      auto with_stop = o;
      with_stop.config.stop = stop;
      return workflows::compute_scenario(v, model, with_stop);
    });
    codec::ScenarioResponse response{.scm_version = v,
                                     .run = r.run,
                                     .dates = r.dates,
                                     .uncertainty = workflows::describe(o.uncertainty),
                                     .warnings = r.warnings,
                                     .rows = r.rows,
                                     .effects = r.effects,
                                     .narrative = workflows::scenario_narrative(model, r),
                                     .regime_version = r.regime_version};
    for (const auto& g : r.regime_effects)
      response.regime_effects.emplace_back(g.regime, g.effects);
    return codec::scenario_response_document(response);
  }

  Reply effects_list(const httplib::Request&) {
    json out = json::array();
    for (const auto& v : open()->list_effect_versions()) {
      out.push_back({{"version", v.version},
                     {"spec", v.spec_name},
                     {"feature_version", v.feature_version},
                     {"regime_version", v.regime_version},
                     {"rows", v.rows},
                     {"created_at", v.created_at.iso()}});
    }
    return out;
  }

  // Issue 17's stored event studies and impulse responses (`mre effects studies`).
  Reply studies_list(const httplib::Request&) {
    json out = json::array();
    for (const auto& st : workflows::list_effect_studies(*open())) {
      out.push_back({{"version", st.version},
                     {"kind", st.kind},
                     {"treatment", st.treatment},
                     {"outcome", st.outcome},
                     {"identified", st.identified},
                     {"spec", st.spec_name},
                     {"inputs", st.inputs},
                     {"created_at", st.created_at.iso()}});
    }
    return out;
  }

  // One stored study, the JSON `mre effects study TAG` prints (404 naming an unknown tag).
  Reply study(const httplib::Request& req) {
    return laid_out(workflows::effect_study_document(*open(), req.matches[1]), &codec::study_text);
  }

  Reply backtests_list(const httplib::Request&) {
    json out = json::array();
    for (const auto& h : workflows::list_backtests(*open())) {
      out.push_back({{"version", h.version},
                     {"spec", h.spec_name},
                     {"spec_hash", h.spec_hash},
                     {"inputs", h.inputs},
                     {"created_at", h.created_at.iso()}});
    }
    return out;
  }

  // A backtest version: metrics and years; ?daily=1 adds the daily paths and penalty choices.
  Reply backtest(const httplib::Request& req) {
    const bool daily = req.has_param("daily") && req.get_param_value("daily") != "0";
    const auto report = workflows::read_backtest(*open(), req.matches[1], daily);
    return laid_out(codec::backtest_document(report.header, report.result, daily), 2, true);
  }

  // Issue 24: the stored attention regime models, and the latest observation classified by one
  // (its last refit's weights, checksummed on load; 501 naming LibTorch in a build without it).
  Reply neural_list(const httplib::Request&) {
    json out = json::array();
    for (const auto& h : workflows::list_neural(*open())) {
      json inputs = json::object();
      for (const auto& [k, v] : h.inputs) inputs[k] = v;
      out.push_back({{"version", h.version},
                     {"spec", h.spec_name},
                     {"spec_hash", h.spec_hash},
                     {"created_at", h.created_at.iso()},
                     {"inputs", inputs}});
    }
    return out;
  }

  Reply neural_latest(const httplib::Request& req) {
    return laid_out(codec::attention_latest_document(
                        workflows::classify_latest_neural(*open(), req.matches[1])),
                    2, true);
  }

  Reply scm_list(const httplib::Request&) {
    const auto s = open();
    json out = json::array();
    for (const auto& m : s->list_scm_models()) {
      const auto model = workflows::load_scm(*s, m.version);
      out.push_back({{"version", m.version},
                     {"spec", m.spec_name},
                     {"first", m.first ? m.first->iso() : ""},
                     {"last", m.last ? m.last->iso() : ""},
                     {"nodes", model.fitted.graph.nodes},
                     {"terminal", model.fitted.graph.terminal},
                     {"created_at", m.created_at.iso()}});
    }
    return out;
  }

  Reply narrative(const httplib::Request& req) {
    const auto s = open();
    const std::string version = req.has_param("version") ? req.get_param_value("version") : "";
    const std::string instrument =
        req.has_param("instrument_type") ? req.get_param_value("instrument_type") : "";
    // An unknown type was answered as the default instrument (QA 2026-12-08); 422 as
    // /api/classification/current.
    if (!instrument.empty())
      workflows::check_instrument_type(*s, version.empty() ? newest_classifier(*s) : version,
                                       instrument);
    const auto n = workflows::regime_narrative(*s, version, instrument == "MUNI", options.universe,
                                               as_of_day(req));
    return json{{"text", n.narrative.text},
                {"source", n.narrative.source},
                {"note", n.narrative.note},
                {"data_timestamp", n.data_timestamp},
                {"global_label", n.global_label},
                {"confidence", n.confidence},
                {"classifier_version", n.classifier_version},
                {"freshness", freshness_json(n.freshness)}};
  }

  Reply classify(const httplib::Request& req) {
    parse_body(req);  // malformed JSON: 400 before anything else
    const auto s = open();
    const std::string version =
        req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
    // MR-BR-10: classifying a new observation is serving the mapping, which needs its sign-offs
    // (as `mre classify` does), unless the server was started with --allow-unapproved.
    const auto model = model_of(*s, version);  // 404 for an unknown version first
    if (!options.allow_unapproved) {
      try {
        workflows::require_approved(*s, version, false);
      } catch (const Error& e) {
        throw Forbidden(std::string(e.what()) +
                        " (for this server: start it with 'mre serve "
                        "--allow-unapproved')");
      }
    }
    const auto observation = workflows::parse_observation_json(
        req.body, "request body",
        req.has_param("instrument_type") ? req.get_param_value("instrument_type") : "");
    // Read-only: classified from the carried state, which is not advanced.
    return laid_out(
        workflows::classify_realtime_document(
            *s, {.version = version, .allow_unapproved = true, .explain = true, .persist = false},
            observation, {}, model.get()),
        &codec::classification_text);
  }

  Reply causal_analysis(const httplib::Request& req) {
    const json body = parse_object_body(req);
    check_known_fields(body, {"macro_variable", "asset", "magnitude", "horizon", "learner",
                              "query_text", "as_given"});
    // Seed 001's request: macro_variable (the Fed's rate is answered from mp_surprise unless
    // "as_given": true), asset ("sp500_returns" or "sp500"), magnitude, query_text.
    const json* asset = field(body, "asset");
    const json* treatment = field(body, "macro_variable");
    if (!asset || !asset->is_string())
      throw Error(ErrorCode::kInvalidArgument,
                  "'asset' must be a string such as \"sp500_returns\"");
    if (treatment && !treatment->is_string())
      throw Error(ErrorCode::kInvalidArgument, "'macro_variable' must be a string");
    const json* query_text = field(body, "query_text");
    if (query_text && !query_text->is_string())
      throw Error(ErrorCode::kInvalidArgument, "'query_text' must be a string");
    const json* as_given = field(body, "as_given");
    if (as_given && !as_given->is_boolean())
      throw Error(ErrorCode::kInvalidArgument, "'as_given' must be true or false");
    workflows::CausalQuery q;
    q.macro_variable = treatment ? treatment->get<std::string>() : "";
    q.asset = asset->get<std::string>();
    q.magnitude = number_field(body, "magnitude", 1.0);
    q.horizon = static_cast<int>(integer_field(body, "horizon", 1, 1, kMaxEffectHorizon));
    q.learner = string_field(body, "learner", "");
    q.query_text = query_text ? query_text->get<std::string>() : "";
    q.as_given = as_given && as_given->get<bool>();
    const auto spec = workflows::load_effects_spec(options.effects_spec);
    store::Store* s = open();
    return within_time_limit([s, q, spec](std::stop_token stop) {
      auto with_stop = q;
      with_stop.stop = stop;
      return codec::causal_answer_document(workflows::causal_answer(*s, spec, with_stop));
    });
  }

  Reply regimes_compare(const httplib::Request& req) {
    if (!req.has_param("a") || !req.has_param("b"))
      throw Error(ErrorCode::kInvalidArgument, "give two versions: ?a=V1&b=V2");
    return laid_out(codec::comparison_document(workflows::compare_regimes(
                        *open(), req.get_param_value("a"), req.get_param_value("b"))),
                    1);
  }
};

Api::Api(ServeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->routes();
  // LibTorch is loaded on first use (neural/torch_module.h); load it now, in the background, so
  // the first Quant GAN or neural request does not wait for it (0.5 s, seconds when its ~300
  // shared libraries are not in the page cache) and the start-up line does not either (a build
  // without LibTorch: nothing happens). A request that needs it meanwhile waits for the same load.
  impl_->preloader = std::jthread([] { workflows::preload_networks(); });
}

std::string Api::handle_raw(std::string_view request) { return impl_->http.process_raw(request); }

Api::~Api() { stop(); }

int Api::bind() {
  const auto& o = impl_->options;
  impl_->port = o.port == 0 ? impl_->http.bind_to_any_port(o.bind)
                            : (impl_->http.bind_to_port(o.bind, o.port) ? o.port : -1);
  if (impl_->port < 0)
    throw Error(ErrorCode::kIoError, "cannot listen on " + o.bind + ":" + std::to_string(o.port) +
                                         " (is another server using the port? --port 0 picks a "
                                         "free one)");
  impl_->http.widen_backlog(1024);
  return impl_->port;
}

void Api::serve() { impl_->http.listen_after_bind(); }

void Api::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace mre::server
