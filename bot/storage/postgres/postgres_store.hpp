#pragma once
// The shared backend: PostgreSQL through libpq, for several replicas on one database.
#include <cstddef>
#include <memory>
#include <string>

#include "bot/storage/store.hpp"

namespace smrel::storage {

struct postgres_options {
  /// Connections kept open to the server, at most; each blocking store call holds one. One more
  /// is kept for readiness probes.
  std::size_t pool_size = 4;
};

/// `url` is any libpq connection URI (postgres://user@host:port/db?sslmode=verify-full). Connects
/// once to fail fast; throws store_error (unavailable) when the server cannot be reached. The URL
/// never appears in a message: it may hold a password.
std::unique_ptr<store> open_postgres_store(const std::string& url, const postgres_options& options = {});

}  // namespace smrel::storage
