#pragma once
// Thin RAII over libpq: one connection, its statements prepared once each, results, and
// transactions. Internal to the PostgreSQL backend; libpq's own header stays in the .cpp files.
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bot/storage/store.hpp"

struct pg_conn;
struct pg_result;

namespace smrel::storage::postgres {

/// One parameter in libpq's text format; nullopt is SQL NULL. Values are always bound, never
/// spliced into SQL text.
using param = std::optional<std::string>;

template <std::integral T>
param to_param(T value) {
  return std::to_string(value);
}
inline param to_param(std::string_view text) { return std::string(text); }
inline param to_param(const std::string& text) { return text; }
inline param to_param(const char* text) { return std::string(text); }
inline param to_param(const param& value) { return value; }
inline param to_param(std::nullopt_t) { return std::nullopt; }

/// A statement's rows (or its count of rows changed). Values are read in text format.
class result {
 public:
  explicit result(pg_result* res) : res_(res) {}
  result(result&& other) noexcept : res_(std::exchange(other.res_, nullptr)) {}
  result& operator=(result&&) = delete;
  result(const result&) = delete;
  ~result();

  int rows() const;
  bool empty() const { return rows() == 0; }
  std::int64_t integer(int row, int column) const;
  std::string text(int row, int column) const;
  bool is_null(int row, int column) const;
  /// Rows inserted, updated or deleted by the statement.
  std::int64_t affected() const;

 private:
  pg_result* res_;
};

/// The store_failure a SQLSTATE stands for (see connection.cpp for the classes).
store_failure failure_of(std::string_view sqlstate);

struct connect_settings {
  /// A libpq connection URI (postgres://…) or keyword string; never logged or put in a message.
  std::string url;
  /// How long a statement waits for a row lock another transaction holds before failing as
  /// transient: the same bound the SQLite backend puts on a foreign write lock.
  int lock_timeout_ms = 1500;
};

class connection {
 public:
  /// Connects, or throws store_error (unavailable) with libpq's reason, which names the server
  /// but never the password.
  explicit connection(const connect_settings& settings);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs `sql` (a string literal: statements are prepared once per connection, keyed by its
  /// address) with `args` bound as $1, $2, …
  template <class... Args>
  result run(const char* sql, const Args&... args) {
    const std::array<param, sizeof...(Args)> values{to_param(args)...};
    return run_prepared(sql, values);
  }
  /// A statement without parameters, not prepared (BEGIN, COMMIT, SET LOCAL, DDL).
  void exec(std::string_view sql);

  /// Still worth lending out: connected, outside any transaction, and the server has not closed
  /// it while it sat idle (a restarted server's goodbye is already waiting on the socket).
  bool reusable();
  /// Lost or in an unknown state: drop it, a new one is made on the next use.
  bool broken() const;
  void mark_broken() { broken_ = true; }

 private:
  result run_prepared(const char* sql, std::span<const param> values);
  [[noreturn]] void fail(pg_result* res, std::string_view what);

  pg_conn* conn_ = nullptr;
  bool broken_ = false;
  std::unordered_map<const char*, std::string> prepared_;  // SQL text address → statement name
};

/// BEGIN … COMMIT, rolled back if not committed (exceptions included). Read committed: the
/// statements that must see each other's writers lock rows (FOR SHARE, ON CONFLICT) themselves.
class transaction {
 public:
  explicit transaction(connection& db);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  /// Returns once the commit is durable (synchronous_commit stays at the server's default, on).
  void commit();

 private:
  connection& db_;
  bool done_ = false;
};

}  // namespace smrel::storage::postgres
