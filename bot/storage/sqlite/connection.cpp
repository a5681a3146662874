#include "bot/storage/sqlite/connection.hpp"

#include <sqlite3.h>

#include "bot/storage/store.hpp"

namespace smrel::storage::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int result_code, std::string_view what) {
  throw store_error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"), failure_of(result_code));
}

}  // namespace

store_failure failure_of(int result_code) {
  switch (result_code & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return store_failure::transient;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return store_failure::unavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return store_failure::corrupt;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return store_failure::conflict;
    default:
      return store_failure::other;
  }
}

statement::~statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

statement& statement::bind(int index, std::int64_t value) {
  if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view value) {
  if (const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      rc != SQLITE_OK) {
    fail(db_, rc, "bind");
  }
  return *this;
}

statement& statement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

void statement::run() {
  while (step()) {
  }
}

std::int64_t statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  return bytes ? std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
               : std::string();
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

connection::connection(const std::string& path, const connection_options& options) {
  // Each connection is serialised by its own mutex in the store: SQLite's would be redundant.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw store_error("cannot open SQLite database \"" + path + "\": " + message, failure_of(rc));
  }
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
  try {
    // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable (fsync
    // of the WAL) before it returns, which is what "stored before acknowledged" needs.
    exec("PRAGMA journal_mode=WAL");
    exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    if (options.query_only) exec("PRAGMA query_only=ON");
  } catch (...) {
    // Not a database after all (or unreadable): the destructor will not run, so close it here.
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

connection::~connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void connection::exec(std::string_view sql) {
  char* error = nullptr;
  if (const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw store_error("SQLite: " + message, failure_of(rc));
  }
}

statement connection::prepare(const char* sql) {
  auto& cached = cache_[sql];
  if (!cached) {
    if (const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &cached, nullptr); rc != SQLITE_OK) {
      cache_.erase(sql);
      fail(db_, rc, "prepare");
    }
  }
  return statement(db_, cached);
}

std::int64_t connection::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int connection::changes() const { return sqlite3_changes(db_); }

transaction::transaction(connection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const store_error&) {
      // The connection already rolled back (e.g. after SQLITE_FULL); nothing left to undo.
    }
  }
}

void transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace smrel::storage::sqlite
