#pragma once
// Thin RAII over the SQLite C API: a connection, cached prepared statements, and transactions.
// Internal to the SQLite backend; nothing outside bot/storage includes it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bot/storage/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace smrel::storage::sqlite {

class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();  // resets and clears bindings so the cached statement can be reused

  statement& bind(int index, std::int64_t value);
  statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  statement& bind(int index, std::string_view value);
  statement& bind_null(int index);

  /// Steps once; true while a row is available.
  bool step();
  /// Steps to completion (for statements without rows).
  void run();

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

/// The store_failure a SQLite result code stands for.
store_failure failure_of(int result_code);

struct connection_options {
  /// Every commit is fsynced before it returns (synchronous=FULL). Otherwise commits survive a
  /// crash of the process but not of the machine (synchronous=NORMAL in WAL mode).
  bool durable = true;
  /// How long a write waits for another connection's write lock before failing as busy.
  int busy_timeout_ms = 5000;
  /// Refuses writes: a connection that only reads.
  bool query_only = false;
};

class connection {
 public:
  connection(const std::string& path, const connection_options& options);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void exec(std::string_view sql);
  /// A cached prepared statement; `sql` must be a string literal (the cache keys by address).
  statement prepare(const char* sql);
  std::int64_t last_insert_id() const;
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

/// BEGIN IMMEDIATE … COMMIT, rolled back if not committed (exceptions included).
class transaction {
 public:
  explicit transaction(connection& db);
  ~transaction();
  void commit();

 private:
  connection& db_;
  bool done_ = false;
};

}  // namespace smrel::storage::sqlite
