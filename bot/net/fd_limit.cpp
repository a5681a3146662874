#include "bot/net/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace smrel::net {

std::optional<std::size_t> raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Some kernels refuse RLIM_INFINITY for descriptors; then the old soft limit stays.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t clamp_connections(std::size_t wanted, std::optional<std::size_t> fd_limit, std::size_t reserve) {
  if (!fd_limit) return wanted;
  const std::size_t room = *fd_limit > reserve ? *fd_limit - reserve : 1;
  return std::max<std::size_t>(1, std::min(wanted, room));
}

}  // namespace smrel::net
