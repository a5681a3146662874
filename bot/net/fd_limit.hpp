#pragma once
// File descriptors bound how many connections a process can hold: the connection cap must leave
// room below RLIMIT_NOFILE, or accept() fails with EMFILE and no 503 can be sent.
#include <cstddef>
#include <optional>

namespace smrel::net {

/// Raises the soft RLIMIT_NOFILE to the hard limit. Returns the soft limit in force afterwards,
/// or nothing when it is unlimited or cannot be read.
std::optional<std::size_t> raise_fd_limit();

/// `wanted`, lowered so that `reserve` descriptors stay free below `fd_limit` (at least 1).
std::size_t clamp_connections(std::size_t wanted, std::optional<std::size_t> fd_limit, std::size_t reserve);

}  // namespace smrel::net
