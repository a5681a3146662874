#pragma once
// The embedded default backend: one SQLite file in WAL mode, durable commits.
#include <cstdint>
#include <memory>
#include <string>

#include "bot/storage/store.hpp"

namespace smrel::storage {

struct sqlite_options {
  /// Below this much free space on the database's file system the store reports not ready: the
  /// WAL must be able to grow for the next commits (and a checkpoint) to succeed.
  std::uint64_t min_free_bytes = std::uint64_t{8} << 20;
};

std::unique_ptr<store> open_sqlite_store(const std::string& path, const sqlite_options& options = {});

}  // namespace smrel::storage
