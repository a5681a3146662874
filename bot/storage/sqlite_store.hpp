#pragma once
// The embedded default backend: one SQLite file in WAL mode, durable commits.
#include <memory>
#include <string>

#include "bot/storage/store.hpp"

namespace smrel::storage {

std::unique_ptr<store> open_sqlite_store(const std::string& path);

}  // namespace smrel::storage
