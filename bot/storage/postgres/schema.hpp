#pragma once
// The PostgreSQL backend's schema, with the SQLite backend's version numbers (a store reports the
// same schema_version() on either). Append only, like SQLite's migrations.
#include <span>
#include <string_view>

namespace smrel::storage::postgres {

/// One step of the schema: applying `sql` to a database at version `from` brings it to `to`.
struct migration {
  int from = 0;
  int to = 0;
  std::string_view sql;
};

std::span<const migration> migrations();
/// The version the last migration reaches.
int latest_version();

}  // namespace smrel::storage::postgres
