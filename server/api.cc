// See api.h.
#include "server/api.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <map>
#include <memory>
#include <mutex>

#include "mre/codec/classifier_json.h"
#include "mre/codec/regimes_json.h"
#include "mre/codec/scm_json.h"
#include "mre/codec/series_json.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "mre/narrative/result_narratives.h"
#include "mre/workflows/classify.h"
#include "mre/workflows/compare_regimes.h"
#include "mre/workflows/narrate.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/scm.h"

// Last: it is large and its macros must not meet Eigen's headers.
#include <httplib.h>

namespace mre::server {
namespace {

using nlohmann::json;

std::string code_name(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 413: return "payload_too_large";
    case 422: return "unprocessable";
    case 501: return "unsupported";
    case 503: return "unavailable";
    default: return "internal";
  }
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", {{"code", code_name(status)}, {"message", message}}}}.dump(), "application/json");
}

std::optional<Date> date_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  const auto d = Date::parse(req.get_param_value(name));
  if (!d) throw Error(ErrorCode::kInvalidArgument, std::string("'") + name + "' must be a date YYYY-MM-DD");
  return d;
}

json parse_body(const httplib::Request& req) {
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::kInvalidArgument, std::string("malformed JSON body: ") + e.what());
  }
}

}  // namespace

struct Api::Impl {
  ServeOptions options;
  httplib::Server http;
  int port = 0;

  // One read-only connection per server thread, opened on first use and kept: opening a
  // store per request cost more than answering it. Connections see every committed write.
  // Parsed classifier models by version (never overwritten): parsing one was most of the time
  // of a classification.
  std::mutex models_mutex;
  std::map<std::string, std::shared_ptr<const regimes::hierarchical::HierarchicalModel>> models;
  std::shared_ptr<const regimes::hierarchical::HierarchicalModel> model_of(const store::Store& s, const std::string& version) {
    {
      const std::lock_guard<std::mutex> lock(models_mutex);
      if (const auto it = models.find(version); it != models.end()) return it->second;
    }
    auto m = std::make_shared<const regimes::hierarchical::HierarchicalModel>(workflows::load_classifier(s, version));
    const std::lock_guard<std::mutex> lock(models_mutex);
    return models.emplace(version, m).first->second;
  }
  // The newest classifier version, looked up at most once a second (listing reads every model).
  std::mutex newest_mutex;
  std::string newest_version;
  std::chrono::steady_clock::time_point newest_at{};
  std::string newest_classifier(const store::Store& s) {
    const std::lock_guard<std::mutex> lock(newest_mutex);
    if (newest_version.empty() || std::chrono::steady_clock::now() - newest_at > std::chrono::seconds(1)) {
      const auto all = s.list_classifiers();
      if (all.empty()) throw Error(ErrorCode::kNotFound, "no classifier version in the store");
      newest_version = all.back().version;
      newest_at = std::chrono::steady_clock::now();
    }
    return newest_version;
  }

  // Runs a computation that needs no store on its own thread and waits at most time_limit:
  // beyond it the request gets a 503 (the computation finishes in the background and is
  // dropped; the Monte Carlo limits bound how long that can be).
  template <typename F>
  auto within_time_limit(F f) -> decltype(f()) {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    std::thread([task] { (*task)(); }).detach();
    if (result.wait_for(std::chrono::duration<double>(options.time_limit)) != std::future_status::ready) {
      throw Error(ErrorCode::kStoreError, "the request took longer than this server's time limit of " +
                                              std::to_string(options.time_limit).substr(0, 5) + " s; ask for fewer paths or a shorter horizon");
    }
    return result.get();
  }

  store::Store* open() const {
    thread_local std::map<std::string, std::unique_ptr<store::Store>> stores;
    auto& s = stores[options.db];
    if (!s) s = store::open_store(options.db, false);
    return s.get();
  }

  // Runs a handler, turning mre errors (and anything else) into the JSON error shape.
  template <typename F>
  httplib::Server::Handler wrap(F f) {
    return [f](const httplib::Request& req, httplib::Response& res) {
      try {
        f(req, res);
      } catch (const Error& e) {
        send_error(res, http_status(e.code()), e.what());
      } catch (const json::exception& e) {
        send_error(res, 400, std::string("bad request field: ") + e.what());
      } catch (const std::exception& e) {
        send_error(res, 500, e.what());
      }
    };
  }

  void routes() {
    http.set_payload_max_length(options.max_body);
    http.set_tcp_nodelay(true);  // headers and body go out as separate writes: no 40 ms delayed-ACK stalls
    http.set_read_timeout(30, 0);
    http.set_write_timeout(30, 0);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/api/", 0) == 0 && !options.token.empty() &&
          req.get_header_value("Authorization") != "Bearer " + options.token) {
        send_error(res, 401, "this server requires a bearer token (Authorization: Bearer ...)");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 413) {
        send_error(res, 413, "request body over the 1 MiB limit");
      } else if (res.status == 404) {
        send_error(res, 404, "no such endpoint or file");
      } else {
        send_error(res, res.status, "request failed");
      }
    });
    http.Get("/api/health", wrap([this](const httplib::Request&, httplib::Response& res) {
               const auto s = open();
               res.set_content(json{{"status", "ok"}, {"store", s->describe()}, {"schema_version", s->schema_version()}}.dump(),
                               "application/json");
             }));
    http.Get("/api/series", wrap([this](const httplib::Request&, httplib::Response& res) {
               const auto list = open()->list_series();
               res.set_content(codec::series_list_to_json(list), "application/json");
             }));
    http.Get(R"(/api/series/([^/]+))", wrap([this](const httplib::Request& req, httplib::Response& res) {
               std::optional<Timestamp> as_of;
               if (req.has_param("as_of")) {
                 as_of = Timestamp::parse(req.get_param_value("as_of"));
                 if (!as_of) throw Error(ErrorCode::kInvalidArgument, "'as_of' must be an ISO-8601 time");
               }
               const std::string ticker = req.matches[1];
               const auto s = open()->read_raw({.ticker = ticker, .from = date_param(req, "from"), .to = date_param(req, "to"), .as_of = as_of});
               if (!s) throw Error(ErrorCode::kNotFound, "no series '" + ticker + "'");
               res.set_content(codec::series_to_json(*s, as_of), "application/json");
             }));
    http.Get("/api/regimes", wrap([this](const httplib::Request&, httplib::Response& res) {
               json out = json::array();
               for (const auto& m : open()->list_regime_models()) {
                 out.push_back({{"version", m.version}, {"kind", m.kind}, {"spec", m.spec_name}, {"feature_version", m.feature_version},
                                {"labels", m.labels}, {"rows", m.rows}, {"first", m.first ? m.first->iso() : ""},
                                {"last", m.last ? m.last->iso() : ""}, {"created_at", m.created_at.iso()}});
               }
               res.set_content(out.dump(), "application/json");
             }));
    http.Get(R"(/api/regimes/((?!compare$)[^/]+))", wrap([this](const httplib::Request& req, httplib::Response& res) {
               const std::string version = req.matches[1];
               const auto s = open();
               const auto model = s->find_regime_model(version);
               if (!model) throw Error(ErrorCode::kNotFound, "no regime version '" + version + "'");
               res.set_content(codec::regimes_to_json(*model, s->read_regimes(version, date_param(req, "from"), date_param(req, "to"))),
                               "application/json");
             }));
    http.Get("/api/classification/current", wrap([this](const httplib::Request& req, httplib::Response& res) {
               const auto s = open();
               const std::string version = req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
               const auto current = workflows::current_classification(*s, version, *model_of(*s, version));
               const bool muni = req.has_param("instrument_type") && req.get_param_value("instrument_type") == "MUNI";
               res.set_content(codec::classification_to_json(current.timestamp, current.model, current.result, muni), "application/json");
             }));
    http.Get(R"(/api/effects/([^/]+))", wrap([this](const httplib::Request& req, httplib::Response& res) {
               res.set_content(workflows::effects_to_json(open()->read_effects(req.matches[1])), "application/json");
             }));
    http.Post("/api/counterfactual", wrap([this](const httplib::Request& req, httplib::Response& res) {
                const json body = parse_body(req);
                if (!body.is_object()) throw Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
                workflows::ScenarioOptions o;
                for (const auto& d : body.value("interventions", json::array())) o.interventions.push_back(workflows::parse_do(d.get<std::string>()));
                if (body.contains("start")) {
                  o.start = Date::parse(body["start"].get<std::string>());
                  if (!o.start) throw Error(ErrorCode::kInvalidArgument, "'start' must be a date YYYY-MM-DD");
                }
                o.config.horizon = body.value("horizon", 250);
                o.config.paths = body.value("paths", 2000);
                o.config.seed = body.value("seed", static_cast<std::uint64_t>(42));
                o.config.shocks = scm::parse_shock_kind(body.value("shocks", std::string("gaussian")));
                // 200 replicates by default: an interactive answer in about a second (the CLI's 1,000 on request).
                o.uncertainty.bootstrap.replicates = body.value("replicates", 200);
                o.uncertainty.bootstrap.block_length = body.value("block_length", o.uncertainty.bootstrap.block_length);
                o.uncertainty.bootstrap.seed = body.value("bootstrap_seed", o.uncertainty.bootstrap.seed);
                if (o.config.paths > options.max_paths || o.config.horizon > options.max_horizon) {
                  throw Error(ErrorCode::kDataError, "paths <= " + std::to_string(options.max_paths) + " and horizon <= " +
                                                         std::to_string(options.max_horizon) + " on this server");
                }
                const auto s = open();
                const std::string version = body.value("version", std::string());
                const std::string v = version.empty() ? workflows::newest_scm_version(*s) : version;
                const auto model = workflows::load_scm(*s, v);
                const auto r = within_time_limit([v, model, o] { return workflows::compute_scenario(v, model, o); });
                json fans = {{"baseline", json::object()}, {"intervened", json::object()}};
                std::string story;
                for (const auto& e : r.effects) {
                  if (e.node != (model.fitted.graph.terminal.empty() ? "" : model.fitted.graph.terminal.front())) continue;
                  story = narrative::scenario_paragraph({.intervention = r.run.interventions, .node = e.node, .unit = e.unit,
                                                         .horizon_days = r.run.horizon, .paths = r.run.paths, .shocks = r.run.shocks,
                                                         .median = e.quantiles[2], .q05 = e.quantiles[0], .q95 = e.quantiles[4]});
                }
                for (const auto& row : r.rows) {
                  fans[row.scenario][row.node].push_back({row.q05, row.q25, row.q50, row.q75, row.q95});
                }
                json dates = json::array();
                for (const auto& d : r.dates) dates.push_back(d.iso());
                res.set_content(json{{"scm_version", v}, {"id", r.run.id}, {"start", r.run.start.iso()}, {"horizon", r.run.horizon},
                                     {"dates", dates}, {"uncertainty", workflows::describe(o.uncertainty)}, {"warnings", r.warnings},
                                     {"paths", r.run.paths}, {"shocks", r.run.shocks}, {"interventions", r.run.interventions},
                                     {"quantiles", {0.05, 0.25, 0.5, 0.75, 0.95}}, {"fans", fans},
                                     {"effects", json::parse(codec::effect_summaries_to_json(r.effects))}, {"narrative", story}}
                                    .dump(),
                                "application/json");
              }));
    http.Get("/api/effects", wrap([this](const httplib::Request&, httplib::Response& res) {
               json out = json::array();
               for (const auto& v : open()->list_effect_versions()) {
                 out.push_back({{"version", v.version}, {"spec", v.spec_name}, {"feature_version", v.feature_version},
                                {"regime_version", v.regime_version}, {"rows", v.rows}, {"created_at", v.created_at.iso()}});
               }
               res.set_content(out.dump(), "application/json");
             }));
    http.Get("/api/scm", wrap([this](const httplib::Request&, httplib::Response& res) {
               const auto s = open();
               json out = json::array();
               for (const auto& m : s->list_scm_models()) {
                 const auto model = workflows::load_scm(*s, m.version);
                 out.push_back({{"version", m.version}, {"spec", m.spec_name}, {"first", m.first ? m.first->iso() : ""},
                                {"last", m.last ? m.last->iso() : ""}, {"nodes", model.fitted.graph.nodes},
                                {"terminal", model.fitted.graph.terminal}, {"created_at", m.created_at.iso()}});
               }
               res.set_content(out.dump(), "application/json");
             }));
    http.Get("/api/narrative", wrap([this](const httplib::Request& req, httplib::Response& res) {
               const bool muni = req.has_param("instrument_type") && req.get_param_value("instrument_type") == "MUNI";
               const auto n = workflows::regime_narrative(*open(), req.has_param("version") ? req.get_param_value("version") : "", muni);
               res.set_content(json{{"text", n.narrative.text}, {"source", n.narrative.source}, {"note", n.narrative.note},
                                    {"data_timestamp", n.data_timestamp}, {"global_label", n.global_label},
                                    {"confidence", n.confidence}, {"classifier_version", n.classifier_version}}
                                   .dump(),
                               "application/json");
             }));
    http.Post("/api/classify", wrap([this](const httplib::Request& req, httplib::Response& res) {
                parse_body(req);  // malformed JSON: 400 before anything else
                const auto s = open();
                const std::string version = req.has_param("version") ? req.get_param_value("version") : newest_classifier(*s);
                const auto observation = workflows::parse_observation_json(req.body, "request body",
                                                                            req.has_param("instrument_type") ? req.get_param_value("instrument_type") : "");
                // Read-only: classified from the carried state, which is not advanced.
                res.set_content(workflows::classify_realtime(*s, {.version = version, .allow_unapproved = true, .explain = true, .persist = false},
                                                             observation, {}, model_of(*s, version).get()),
                                "application/json");
              }));
    http.Post("/api/causal-analysis", wrap([this](const httplib::Request& req, httplib::Response& res) {
                const json body = parse_body(req);
                if (!body.is_object()) throw Error(ErrorCode::kInvalidArgument, "the body must be a JSON object");
                // Seed 001's request: macro_variable, asset ("sp500_returns" or "sp500"), magnitude, query_text.
                std::string outcome = body.at("asset").get<std::string>();
                if (const auto at = outcome.rfind("_returns"); at != std::string::npos && at + 8 == outcome.size()) outcome.resize(at);
                workflows::EffectQuery q;
                q.treatment = body.at("macro_variable").get<std::string>();
                q.outcome = outcome;
                q.magnitude = body.value("magnitude", 1.0);
                q.horizon = body.value("horizon", 1);
                q.learner = body.value("learner", std::string());
                const auto spec = workflows::load_effects_spec(options.effects_spec);
                const auto panel = workflows::assemble_panel(*open(), spec, q.treatment, q.outcome, q.horizon);
                const auto estimate = within_time_limit([panel, q, spec] { return workflows::estimate_effect(panel, q, spec); });
                json out = json::parse(workflows::effect_to_json(estimate));
                if (body.contains("query_text")) out["query_text"] = body["query_text"];
                if (estimate.method == "dml") {
                  const double m = estimate.magnitude;
                  narrative::EffectFacts facts{.treatment = estimate.treatment, .outcome = estimate.outcome, .horizon_months = estimate.horizon,
                                               .magnitude = m, .effect = estimate.dml.theta * m, .ci_low = estimate.dml.ci_low * m,
                                               .ci_high = estimate.dml.ci_high * m, .p_value = estimate.dml.p_value};
                  for (const auto& r : estimate.dml.regimes) {
                    facts.regimes.push_back({r.regime, r.effect * m, r.ci_low * m, r.ci_high * m, r.p_value});
                  }
                  for (const auto& p : estimate.placebos) facts.placebos.push_back({p.kind, p.effect, p.p_value});
                  out["narrative"] = narrative::effect_paragraph(facts);
                }
                res.set_content(out.dump(), "application/json");
              }));
    http.Get("/api/regimes/compare", wrap([this](const httplib::Request& req, httplib::Response& res) {
               if (!req.has_param("a") || !req.has_param("b")) throw Error(ErrorCode::kInvalidArgument, "give two versions: ?a=V1&b=V2");
               res.set_content(codec::comparison_to_json(workflows::compare_regimes(*open(), req.get_param_value("a"), req.get_param_value("b"))),
                               "application/json");
             }));
    if (!options.static_dir.empty()) http.set_mount_point("/", options.static_dir.string());
  }
};

Api::Api(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->routes();
}

Api::~Api() { stop(); }

int Api::bind() {
  const auto& o = impl_->options;
  impl_->port = o.port == 0 ? impl_->http.bind_to_any_port(o.bind) : (impl_->http.bind_to_port(o.bind, o.port) ? o.port : -1);
  if (impl_->port < 0) throw Error(ErrorCode::kIoError, "cannot listen on " + o.bind + ":" + std::to_string(o.port));
  return impl_->port;
}

void Api::serve() { impl_->http.listen_after_bind(); }

void Api::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace mre::server
