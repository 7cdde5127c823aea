// A throwaway PostgreSQL server for tests: initdb into a temporary directory, pg_ctl start on a
// free loopback port with its socket in that directory, stopped and removed when the object
// goes away - and by a watchdog process if the test process dies first. When the tests run as
// root the server runs as the `postgres` system user (initdb refuses root).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/test_support.h"

namespace mre::testing {

class PostgresServer {
 public:
  // The role that must give a password (scram-sha-256) over TCP; every other role is trusted.
  static constexpr const char* kPasswordRole = "mre_password";

  // Starts a server. Throws std::runtime_error naming what is missing when no server binaries
  // are found: PostgreSQL tests then fail rather than skip (make test and CI install them).
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The server of this test process, started on first use and stopped at exit.
  static PostgresServer& shared();

  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:PORT/database
  std::string url(const std::string& database) const;
  // Creates a fresh empty database and returns its URL.
  std::string create_database();
  // Runs SQL as the superuser; returns the first column of the first row ("" when none).
  // Throws std::runtime_error with the server's message on failure.
  std::string sql(const std::string& statement, const std::string& database = "postgres") const;

  // Stops the server as a crash would (immediate mode: no shutdown checkpoint, every backend
  // killed) and starts it again on the same port and data.
  void crash();
  void start();

 private:
  std::string as_server_user(const std::string& command) const;
  std::string pg_ctl(const std::string& action) const;

  TempDir dir_;
  std::filesystem::path bin_;
  int port_ = 0;
  bool as_postgres_ = false;
  int databases_ = 0;
};

}  // namespace mre::testing
