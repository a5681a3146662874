#pragma once
// An invariant a fuzz target asserts: on failure, say which and abort, so libFuzzer saves the input.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace smrel::fuzz {

inline void check(bool condition, std::string_view what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant failed: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace smrel::fuzz
