// `mre serve`: the JSON API (and the dashboard's files when built) over HTTP.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>

#include "cli/commands.h"
#include "mre/core/error.h"
#include "mre/store/store.h"
#include "server/api.h"

namespace mre::cli {
namespace {

struct ServeArgs {
  CommonOptions common;
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string token_file;
  std::string static_dir;
  double time_limit = 60.0;
  int max_heavy = 0;
  double request_timeout = 10.0;
  double read_timeout = 5.0;
  std::string cors;
  bool allow_unapproved = false;
};

// --cors: "*" or an origin http(s)://host[:port] (no path); anything else is refused, naming it.
void check_cors_origin(const std::string& origin) {
  if (origin.empty() || origin == "*") return;
  const auto scheme_end = origin.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : origin.substr(0, scheme_end);
  const std::string rest = scheme_end == std::string::npos ? "" : origin.substr(scheme_end + 3);
  const bool host_ok = !rest.empty() && rest.find_first_of("/?#@ \t") == std::string::npos &&
                       rest.front() != ':' && rest.back() != ':';
  if ((scheme != "http" && scheme != "https") || !host_ok) {
    throw Error(ErrorCode::kInvalidArgument,
                "--cors: '" + origin +
                    "' is not an origin; expected http(s)://host[:port] with no path "
                    "(e.g. https://dash.example.org), or *");
  }
}

server::Api* running = nullptr;

int serve(const ServeArgs& args) {
  check_cors_origin(args.cors);
  server::ServeOptions o;
  o.db = args.common.db;
  o.cors_origin = args.cors;
  o.bind = args.bind;
  o.port = args.port;
  o.time_limit = args.time_limit;
  o.max_heavy = args.max_heavy;
  o.request_timeout = args.request_timeout;
  o.read_timeout = args.read_timeout;
  o.effects_spec = std::filesystem::path(args.common.universe).parent_path() / "effects.yml";
  o.universe = args.common.universe;
  o.allow_unapproved = args.allow_unapproved;
  const bool loopback = args.bind == "127.0.0.1" || args.bind == "localhost" || args.bind == "::1";
  if (!args.token_file.empty()) {
    std::ifstream in(args.token_file);
    if (!in) throw Error(ErrorCode::kIoError, "--token-file " + args.token_file + ": cannot read");
    std::getline(in, o.token);
    if (o.token.size() < 16)
      throw Error(ErrorCode::kInvalidArgument,
                  "--token-file " + args.token_file + ": the token must be at least 16 characters");
  }
  if (!loopback) {
    if (o.token.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--bind " + args.bind + " is reachable from other machines: give --token-file");
    }
    say("warning: serving on " + args.bind +
        ", not loopback; every /api request must carry the bearer token");
  }
  const std::filesystem::path dist = args.static_dir.empty()
                                         ? std::filesystem::path(MRE_SOURCE_DIR) / "web" / "dist"
                                         : std::filesystem::path(args.static_dir);
  if (std::filesystem::exists(dist / "index.html")) o.static_dir = dist;
  server::Api api(o);
  const int port = api.bind();
  running = &api;
  std::signal(SIGINT, [](int) {
    if (running) running->stop();
  });
  std::signal(SIGTERM, [](int) {
    if (running) running->stop();
  });
  say(fmt::format("serving {} on http://{}:{}/ (API under /api/; Ctrl-C stops)",
                  store::printable_target(o.db), args.bind, port));
  std::fprintf(stdout, "PORT %d\n", port);
  std::fflush(stdout);
  api.serve();
  running = nullptr;
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Action& action) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the JSON API (and the dashboard when web/dist is built) over HTTP. Read-only: every\n"
      "request opens the store read-only. Binds to loopback; another address needs --token-file.\n"
      "Endpoints: GET /api/health, /api/series, /api/series/TICKER?from&to&as_of, /api/regimes,\n"
      "/api/regimes/VERSION?from&to, /api/classification/current?version&instrument_type,\n"
      "/api/regimes/compare?a&b, /api/effects, /api/effects/VERSION, /api/scm, "
      "/api/narrative?version,\n"
      "/api/freshness?as_of (every series' last date, age and stale flag by the universe's rule);\n"
      "POST /api/classify (one observation, MR-DS-02; the carried state is not advanced),\n"
      "/api/causal-analysis {macro_variable, asset, magnitude, horizon, query_text} (seed 001),\n"
      "/api/counterfactual {version, interventions, start, horizon, paths, shocks, seed}.\n"
      "Table-like answers (lists, a series, a regime history) as CSV with ?format=csv.\n"
      "Errors: {\"error\": {\"code\", \"message\"}} with 400/401/403/404/408/411/413/422/429/503.\n"
      "Limits: bodies up to 1 MiB, chunked or not (413); JSON nested at most 64 deep and valid\n"
      "UTF-8 (400); paths 1..100000 and horizon 1..2520 (422 beyond); a whole request (headers\n"
      "and body) within --request-timeout s, any one read within --read-timeout s (408); at most "
      "32\n"
      "open connections per client address (503 beyond); at most --max-heavy simulations and\n"
      "estimates at once (429 beyond); one past --time-limit gets 503 and is cancelled.\n"
      "Narratives are rewritten by an OpenAI-compatible endpoint when MRE_LLM_URL is set.\n"
      "Example:\n"
      "  mre serve --port 8080");
  add_common_options(*cmd, args->common);
  cmd->add_option("--bind", args->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "Port, 0 to 65535 (0: any free port, printed)")
      ->check(whole_number_in(0, 65535))
      ->capture_default_str();
  cmd->add_flag("--allow-unapproved", args->allow_unapproved,
                "Let POST /api/classify use a classifier whose mappings have no sign-off "
                "(MR-BR-10; 403 otherwise, as 'mre classify' refuses without the flag)");
  cmd->add_option("--token-file", args->token_file,
                  "A file whose first line is the bearer token /api requests must carry");
  cmd->add_option("--time-limit", args->time_limit,
                  "Seconds a simulation or estimate may take (503 beyond)")
      ->capture_default_str();
  cmd->add_option("--max-heavy", args->max_heavy,
                  "Simulations and estimates running at once (0: the cores, at least 2)")
      ->capture_default_str()
      ->check(whole_number_in(0, 1024));
  cmd->add_option("--request-timeout", args->request_timeout,
                  "Seconds a client may take to send one whole request")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--read-timeout", args->read_timeout,
                  "Seconds any one read of a request may wait")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option(
      "--cors", args->cors,
      "Let this origin (http(s)://host[:port], or *) read the API from a browser: CORS headers "
      "and preflight answers");
  cmd->add_option("--static", args->static_dir,
                  "The dashboard's built files (default: web/dist of the source tree)");
  cmd->callback([args, &action] { action = [args] { return serve(*args); }; });
}

}  // namespace mre::cli
