#include "bot/storage/postgres/postgres_store.hpp"
#include "bot/storage/sqlite/sqlite_store.hpp"

namespace smrel::storage {

std::unique_ptr<store> open_store(std::string_view url, const open_options& options) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (url.starts_with(sqlite_prefix) && url.size() > sqlite_prefix.size()) {
    return open_sqlite_store(std::string(url.substr(sqlite_prefix.size())));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return open_postgres_store(std::string(url), {.pool_size = options.pool_size});
  }
  throw store_error("database must be sqlite:PATH or a postgres:// URL");
}

}  // namespace smrel::storage
