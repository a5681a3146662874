#pragma once
// The real `smrel serve` as a child process, for tests that kill it (-9) or run several on one
// database. SMREL_BINARY is defined by the test target.
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"

namespace smrel::testing {

class serve_process {
 public:
  /// Starts it and waits for "smrel listening on 127.0.0.1:PORT"; throws when it does not say so.
  explicit serve_process(const std::vector<std::string>& env, const std::string& log_path = "/dev/null")
      : child_(SMREL_BINARY, {"serve"}, env, log_path) {
    const auto line = child_.read_line();
    const auto colon = line.rfind(':');
    if (line.find("listening") == std::string::npos || colon == std::string::npos) throw std::runtime_error("no port: " + line);
    port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
  }
  unsigned short port() const { return port_; }
  /// Sends `signal` and returns the exit status (see child_process::kill).
  int kill(int signal) { return child_.kill(signal); }

 private:
  child_process child_;
  unsigned short port_ = 0;
};

}  // namespace smrel::testing
