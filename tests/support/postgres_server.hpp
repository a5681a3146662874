#pragma once
// A throwaway PostgreSQL for tests, from Debian's postgresql-15 package: one server per test
// process, a fresh database per test. The cluster is made once per build (initdb is the slow
// part) and copied for each process; the copy listens on 127.0.0.1 and a socket in its own temp
// folder, with fsync on, and runs as `nobody` when the tests run as root (PostgreSQL refuses
// root). A missing server fails the test with what to install: it is never skipped.
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef SMREL_POSTGRES_BIN
#define SMREL_POSTGRES_BIN "/usr/lib/postgresql/15/bin"
#endif
#ifndef SMREL_POSTGRES_TEMPLATE_DIR
#define SMREL_POSTGRES_TEMPLATE_DIR "/tmp/smrel-postgres-template"
#endif

namespace smrel::testing {

class postgres_server {
 public:
  /// The process's server, started on first use and stopped (its files removed) at exit.
  static postgres_server& shared() {
    static postgres_server server;
    return server;
  }

  /// A new, empty database; returns its libpq URL.
  std::string create_database() {
    const std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    admin("CREATE DATABASE " + name);
    return url(name);
  }

  std::string url(const std::string& database) const {
    return "postgresql://smrel@127.0.0.1:" + std::to_string(port_) + "/" + database + "?connect_timeout=2";
  }
  int port() const { return port_; }

  /// Runs one SQL statement as the superuser on the `postgres` database.
  void admin(const std::string& sql) {
    PGconn* conn = PQconnectdb(url("postgres").c_str());
    const std::string why = PQstatus(conn) == CONNECTION_OK ? "" : PQerrorMessage(conn);
    PGresult* res = why.empty() ? PQexec(conn, sql.c_str()) : nullptr;
    const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    const std::string error = res ? PQresultErrorMessage(res) : why;
    PQclear(res);
    PQfinish(conn);
    if (!ok) throw std::runtime_error("test PostgreSQL: " + sql + ": " + error);
  }

  /// The server dies at once (kill -9), as in a crash; its clients' connections break.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// Starts it again on the same data and port, and waits until it takes connections.
  void restart() {
    kill();
    start(false);
  }

  ~postgres_server() {
    if (pid_ > 0) {
      // Immediate shutdown: no final checkpoint (its fsyncs took seconds), the files go anyway.
      ::kill(pid_, SIGQUIT);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;

 private:
  postgres_server() {
    const std::string bin = SMREL_POSTGRES_BIN;
    if (!std::filesystem::exists(bin + "/postgres") || !std::filesystem::exists(bin + "/initdb")) {
      throw std::runtime_error("PostgreSQL server not found in " + bin +
                               ": install postgresql-15 (scripts/install-deps.sh)");
    }
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      if (!nobody) throw std::runtime_error("running as root, but there is no user nobody to run PostgreSQL as");
      uid_ = nobody->pw_uid;
      gid_ = nobody->pw_gid;
      as_nobody_ = true;
    }
    std::random_device entropy;
    dir_ = std::filesystem::temp_directory_path() / ("smrel-pg-" + std::to_string(entropy()) + std::to_string(entropy()));
    std::filesystem::create_directories(dir_);
    give_away(dir_);
    const auto tmpl = template_cluster(bin);
    run_and_wait({"/bin/cp", "-a", tmpl.string(), (dir_ / "data").string()}, false);
    port_ = free_port();
    start(true);
  }

  // initdb once per build: into a fresh folder, then renamed into place, so processes racing
  // to make it never see a half-made one.
  std::filesystem::path template_cluster(const std::string& bin) {
    const std::filesystem::path tmpl = SMREL_POSTGRES_TEMPLATE_DIR;
    if (std::filesystem::exists(tmpl / "PG_VERSION")) return tmpl;
    // Made beside the template (a rename does not cross file systems), in a folder of its own
    // that the server's user may write.
    std::filesystem::create_directories(tmpl.parent_path());
    std::random_device entropy;
    const auto staging = tmpl.parent_path() / ("postgres-initdb-" + std::to_string(entropy()));
    std::filesystem::create_directories(staging);
    give_away(staging);
    const auto making = staging / "data";
    run_and_wait({bin + "/initdb", "-D", making.string(), "-U", "smrel", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions"},
                 as_nobody_, dir_ / "initdb.log");
    std::error_code lost_the_race;
    std::filesystem::rename(making, tmpl, lost_the_race);
    std::filesystem::remove_all(staging);
    if (!std::filesystem::exists(tmpl / "PG_VERSION")) throw std::runtime_error("test PostgreSQL: no template cluster");
    return tmpl;
  }

  // `may_move`: another process took the port between free_port() and the server's bind (tests
  // run in parallel), so a server that exits may try another. A restart keeps its port.
  void start(bool may_move) {
    const auto log = dir_ / "postgres.log";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    // After a kill -9 the old server's processes may hold its shared memory for a moment, and
    // the new one exits: try again until it stays up.
    while (std::chrono::steady_clock::now() < deadline) {
      const std::vector<std::string> args{SMREL_POSTGRES_BIN "/postgres", "-D", (dir_ / "data").string(),
                                          "-p", std::to_string(port_),
                                          "-c", "listen_addresses=127.0.0.1",
                                          "-c", "unix_socket_directories=" + dir_.string(),
                                          "-c", "fsync=on", "-c", "synchronous_commit=on",
                                          "-c", "max_connections=200"};
      pid_ = spawn(args, as_nobody_, log);
      // Through the socket in our own folder: a server that answers there is ours, and it made
      // its TCP socket first (another process's server on the same port would answer on TCP).
      const std::string probe = "host=" + dir_.string() + " port=" + std::to_string(port_) + " dbname=postgres user=smrel";
      while (std::chrono::steady_clock::now() < deadline) {
        if (PQping(probe.c_str()) == PQPING_OK) return;
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          if (may_move) port_ = free_port();
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    throw std::runtime_error("test PostgreSQL did not start:\n" + text.str());
  }

  void give_away(const std::filesystem::path& path) const {
    if (as_nobody_ && ::chown(path.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown " + path.string());
  }

  // fork + exec, dropping to `nobody` when asked; the child dies with this process, so a test
  // that crashes leaves no server behind. Only async-signal-safe calls between fork and exec.
  pid_t spawn(const std::vector<std::string>& args, bool drop, const std::filesystem::path& log) const {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      if (drop) {
        if (fd >= 0) (void)::fchown(fd, uid_, gid_);
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) ::_exit(126);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }

  void run_and_wait(const std::vector<std::string>& args, bool drop, const std::filesystem::path& log = "/dev/null") const {
    const pid_t pid = spawn(args, drop, log);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("test PostgreSQL: " + args[0] + " failed (see " + log.string() + ")");
    }
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool as_nobody_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int databases_ = 0;
};

}  // namespace smrel::testing
