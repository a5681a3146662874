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
#include <vector>

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

class pipeline;

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
  friend class pipeline;
  /// The name `sql` is prepared under on this connection, preparing it on first use.
  const std::string& prepared_name(const char* sql);
  result run_prepared(const char* sql, std::span<const param> values);
  [[noreturn]] void fail(pg_result* res, std::string_view what);

  pg_conn* conn_ = nullptr;
  bool broken_ = false;
  std::unordered_map<const char*, std::string> prepared_;  // SQL text address → statement name
};

/// Statements sent together and answered together (libpq's pipeline mode): one round trip to the
/// server for all of them instead of one each, which is most of what a small write costs when
/// the server is on another machine, or busy. They run in order; after the first that fails, the
/// rest are skipped by the server, and run() throws that first failure. Without a transaction
/// around them, each commits on its own; the writes of a batch are queued inside one.
class pipeline {
 public:
  explicit pipeline(connection& db) : db_(db) {}
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// Queues `sql` (a string literal, prepared once per connection as by connection::run) with
  /// `args` bound as $1, $2, …; returns its index among the results.
  template <class... Args>
  std::size_t add(const char* sql, const Args&... args) {
    queued_.push_back({sql, {to_param(args)...}, true});
    return queued_.size() - 1;
  }
  /// Queues a statement without parameters, not prepared (BEGIN).
  void add_unprepared(const char* sql) { queued_.push_back({sql, {}, false}); }
  bool empty() const { return queued_.empty(); }

  /// Sends what is queued and waits for every answer; the queue is then empty again.
  void run();
  /// The answer to the statement add() numbered `index` in the last run().
  const result& operator[](std::size_t index) const { return results_.at(index); }

 private:
  struct statement {
    const char* sql;
    std::vector<param> values;
    bool prepared;
  };
  connection& db_;
  std::vector<statement> queued_;
  std::vector<result> results_;
};

/// BEGIN … COMMIT, rolled back if not committed (exceptions included). Read committed: the
/// statements that must see each other's writers lock rows (FOR SHARE, ON CONFLICT) themselves.
class transaction {
 public:
  explicit transaction(connection& db);
  /// BEGIN goes first in `statements`, in their round trip rather than one of its own.
  transaction(connection& db, pipeline& statements);
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
