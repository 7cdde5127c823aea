// The throwaway test server: Debian's binaries in /usr/lib/postgresql/<major>/bin (or
// $MRE_PG_BINDIR, or pg_ctl on PATH), a cluster with fsync off, trust for every role but one.
#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace mre::testing {
namespace {

std::filesystem::path find_server_binaries() {
  if (const char* env = std::getenv("MRE_PG_BINDIR"); env && *env) {
    if (std::filesystem::exists(std::filesystem::path(env) / "pg_ctl")) return env;
    throw std::runtime_error(std::string("MRE_PG_BINDIR=") + env + " holds no pg_ctl");
  }
  // Debian installs the server outside PATH, one directory per major version: take the newest.
  std::filesystem::path best;
  int best_major = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto bin = entry.path() / "bin";
    const int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && std::filesystem::exists(bin / "pg_ctl") &&
        std::filesystem::exists(bin / "initdb")) {
      best = bin;
      best_major = major;
    }
  }
  if (!best.empty()) return best;
  const auto found = run_shell("command -v pg_ctl");
  if (found.exit_code == 0 && !found.out.empty()) {
    return std::filesystem::path(found.out.substr(0, found.out.find('\n'))).parent_path();
  }
  throw std::runtime_error(
      "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's postgresql package "
      "(`make test` does), or set MRE_PG_BINDIR");
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free TCP port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

void check(const CommandResult& result, const std::string& what) {
  if (result.exit_code != 0) {
    throw std::runtime_error("test PostgreSQL server: " + what + " failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.err + result.out);
  }
}

}  // namespace

PostgresServer::PostgresServer() : bin_(find_server_binaries()) {
  as_postgres_ = ::geteuid() == 0;
  if (as_postgres_) {
    const passwd* user = ::getpwnam("postgres");
    if (!user)
      throw std::runtime_error(
          "running as root, but there is no `postgres` user to run the server as");
    if (::chown(dir_.path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir_.path().string() + " to the postgres user");
    }
  }
  check(
      run_shell(as_server_user(
          shell_quote((bin_ / "initdb").string()) + " -D " + shell_quote((dir_ / "data").string()) +
          " -U postgres --auth=trust -E UTF8 --locale=C --no-sync --no-instructions")),
      "initdb");
  // Trust for every role over TCP but kPasswordRole, which must give its password.
  std::string hba = "local all all trust\n";
  hba += std::string("host all ") + kPasswordRole + " 127.0.0.1/32 scram-sha-256\n";
  hba += "host all all 127.0.0.1/32 trust\n";
  check(run_shell(as_server_user("printf %s " + shell_quote(hba) + " > " +
                                 shell_quote((dir_ / "data" / "pg_hba.conf").string()))),
        "writing pg_hba.conf");
  // A watchdog stops the server and removes the directory if this process dies without its
  // destructors (a crash, a timeout's SIGKILL): no server outlives the tests.
  const std::string watchdog =
      "while kill -0 " + std::to_string(::getpid()) + " 2>/dev/null; do sleep 1; done; " +
      as_server_user(shell_quote((bin_ / "pg_ctl").string()) + " -D " +
                     shell_quote((dir_ / "data").string()) + " -m immediate stop") +
      "; rm -rf " + shell_quote(dir_.path().string());
  const int backgrounded = std::system(("(" + watchdog + ") >/dev/null 2>&1 </dev/null &").c_str());
  if (backgrounded != 0) throw std::runtime_error("cannot start the test server's watchdog");
  port_ = free_port();
  start();
}

PostgresServer::~PostgresServer() { run_shell(pg_ctl("-m immediate stop")); }

PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

std::string PostgresServer::as_server_user(const std::string& command) const {
  return as_postgres_ ? "runuser -u postgres -- sh -c " + shell_quote(command) : command;
}

std::string PostgresServer::pg_ctl(const std::string& action) const {
  // fsync off: only an OS crash could lose data, never the server crash the tests provoke. Not
  // synchronous_commit off, which may lose commits acknowledged just before such a crash.
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.path().string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                              " -c max_connections=50";
  return as_server_user(shell_quote((bin_ / "pg_ctl").string()) + " -D " +
                        shell_quote((dir_ / "data").string()) + " -l " +
                        shell_quote((dir_ / "server.log").string()) + " -w -t 60 -o " +
                        shell_quote(options) + " " + action);
}

void PostgresServer::start() {
  check(run_shell(pg_ctl("start")), "pg_ctl start (see " + (dir_ / "server.log").string() + ")");
}

void PostgresServer::crash() { check(run_shell(pg_ctl("-m immediate stop")), "pg_ctl stop"); }

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database() {
  const std::string name = "mre_test_" + std::to_string(++databases_);
  sql("CREATE DATABASE " + name);
  return url(name);
}

std::string PostgresServer::sql(const std::string& statement, const std::string& database) const {
  PGconn* conn = PQconnectdb(url(database).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test server: cannot connect: " + message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn, statement.c_str());
  const auto status = PQresultStatus(result);
  std::string value;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) value = PQgetvalue(result, 0, 0);
  const std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error("test server: " + statement + ": " + message);
  }
  return value;
}

}  // namespace mre::testing
