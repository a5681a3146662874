#pragma once
// Starts a program with extra environment, reads the first line it prints, and can kill it.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace smrel::testing {

class child_process {
 public:
  /// Standard error goes to `stderr_path` (by default nowhere).
  child_process(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::string& stderr_path = "/dev/null") {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> all_env;
    for (char** e = environ; *e; ++e) all_env.emplace_back(*e);
    all_env.insert(all_env.end(), env.begin(), env.end());
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : all_env) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) {
      throw std::runtime_error("cannot start " + program);
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = ::fdopen(out[0], "r");
  }
  ~child_process() {
    if (pid_ > 0) kill(SIGKILL);
    if (stdout_) std::fclose(stdout_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  std::string read_line() {
    std::string line;
    for (int c = std::fgetc(stdout_); c != EOF && c != '\n'; c = std::fgetc(stdout_)) line += static_cast<char>(c);
    return line;
  }

  /// Sends `signal` and waits; returns the exit status as waitpid gives it.
  int kill(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

}  // namespace smrel::testing
