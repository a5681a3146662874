#include "bot/storage/sqlite/sqlite_store.hpp"

namespace smrel::storage {

std::unique_ptr<store> open_store(std::string_view url) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix) && url.size() > sqlite_prefix.size()) {
    return open_sqlite_store(std::string(url.substr(sqlite_prefix.size())));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    throw store_error("the PostgreSQL backend is not built into this version yet; use sqlite:PATH");
  }
  throw store_error("database must be sqlite:PATH or a postgres:// URL");
}

}  // namespace smrel::storage
