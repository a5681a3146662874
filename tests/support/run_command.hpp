#pragma once
// Runs a shell command and captures its exit code, standard output and standard error.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace smrel::testing {

struct command_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline command_result run_command(const std::string& command) {
  temp_dir dir;
  const auto err_path = dir.file("stderr");
  command_result result;
  FILE* pipe = ::popen((command + " 2>" + err_path).c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream content;
  content << err.rdbuf();
  result.err = content.str();
  return result;
}

}  // namespace smrel::testing
