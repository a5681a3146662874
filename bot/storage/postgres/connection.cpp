#include "bot/storage/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cstdlib>

namespace smrel::storage::postgres {
namespace {

// Defaults that the URL may override (libpq: keywords before the expanded dbname lose to it).
// A dead host must fail a request in seconds, not TCP's minutes.
constexpr const char* default_connect_timeout_s = "3";
constexpr const char* application_name = "smrel";

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

// SQLSTATE classes (PostgreSQL appendix A) mapped as the SQLite backend maps its result codes:
// busy or locked → transient; cannot reach or write the database → unavailable; damaged →
// corrupt; the data broke a rule → conflict.
store_failure failure_of(std::string_view sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014") {
    return store_failure::transient;  // serialization failure, deadlock, lock timeout, statement timeout
  }
  if (sqlstate == "XX001" || sqlstate == "XX002") return store_failure::corrupt;  // data or index corrupted
  if (sqlstate.size() != 5) return store_failure::other;
  const auto cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58" || sqlstate == "25006") {
    // Connection lost, disk full or out of resources, server shutting down, I/O error, a
    // read-only (standby) server.
    return store_failure::unavailable;
  }
  if (cls == "23" || cls == "22") return store_failure::conflict;  // constraint violated, value out of range
  return store_failure::other;
}

result::~result() { PQclear(res_); }

int result::rows() const { return PQntuples(res_); }

std::int64_t result::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(res_, row, column), nullptr, 10);
}

std::string result::text(int row, int column) const {
  return std::string(PQgetvalue(res_, row, column), static_cast<std::size_t>(PQgetlength(res_, row, column)));
}

bool result::is_null(int row, int column) const { return PQgetisnull(res_, row, column) != 0; }

std::int64_t result::affected() const {
  const char* count = PQcmdTuples(res_);
  return count && *count ? std::strtoll(count, nullptr, 10) : 0;
}

connection::connection(const connect_settings& settings) {
  // A URL libpq cannot parse is reported without libpq's message: that message may quote the
  // part it choked on, which can be the password.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(settings.url.c_str(), &parse_error);
  PQfreemem(parse_error);
  if (!parsed) throw store_error("the PostgreSQL URL is not a valid libpq connection URI", store_failure::other);
  PQconninfoFree(parsed);

  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {default_connect_timeout_s, application_name, settings.url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw store_error("cannot connect to PostgreSQL: " + why, store_failure::unavailable);
  }
  // Notices ("already exists, skipping") are not errors; libpq would print them to stderr.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  try {
    exec("SET lock_timeout = " + std::to_string(settings.lock_timeout_ms));
    // Acknowledged means durable: a server configured with synchronous_commit off would lose
    // acknowledged answers in a crash, so this session turns it back on. Stronger settings
    // (remote_write, remote_apply for a synchronous standby) are left as they are.
    auto mode = run("SELECT current_setting('synchronous_commit')");
    if (mode.text(0, 0) == "off") exec("SET synchronous_commit = on");
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

connection::~connection() { PQfinish(conn_); }

void connection::fail(pg_result* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  // Only the primary message: the detail line may quote row values (a pseudonym, a key).
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? trimmed(primary) : trimmed(PQerrorMessage(conn_));
  auto kind = failure_of(state ? std::string_view(state) : std::string_view());
  PQclear(res);
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    kind = store_failure::unavailable;  // whatever the statement was, the server is gone
    if (message.empty()) message = "connection lost";
  }
  throw store_error("PostgreSQL " + std::string(what) + ": " + message, kind);
}

const std::string& connection::prepared_name(const char* sql) {
  auto [it, fresh] = prepared_.try_emplace(sql);
  if (fresh) {
    it->second = "smrel_" + std::to_string(prepared_.size());
    pg_result* res = PQprepare(conn_, it->second.c_str(), sql, 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      prepared_.erase(it);
      fail(res, "prepare");
    }
    PQclear(res);
  }
  return it->second;
}

namespace {

using value_pointers = std::array<const char*, 32>;

value_pointers pointers_to(std::span<const param> values) {
  value_pointers pointers{};
  if (values.size() > pointers.size()) throw store_error("too many parameters", store_failure::other);
  for (std::size_t i = 0; i < values.size(); ++i) pointers[i] = values[i] ? values[i]->c_str() : nullptr;
  return pointers;
}

}  // namespace

result connection::run_prepared(const char* sql, std::span<const param> values) {
  const auto& name = prepared_name(sql);
  const auto pointers = pointers_to(values);
  pg_result* res =
      PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), pointers.data(), nullptr, nullptr, 0);
  const auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(res, "statement");
  return result(res);
}

void connection::exec(std::string_view sql) {
  pg_result* res = PQexec(conn_, std::string(sql).c_str());
  const auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(res, "statement");
  PQclear(res);
}

bool connection::broken() const {
  return broken_ || !conn_ || PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

bool connection::reusable() {
  if (broken()) return false;
  // An idle connection has nothing to read. If it has, the server said goodbye (a restart, an
  // administrator's pg_terminate_backend) or closed the socket: reading it tells which.
  pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  if (fd.fd < 0) return false;
  if (::poll(&fd, 1, 0) == 0) return true;
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) return false;
  // A notice or a notification, not a goodbye: drain it and keep the connection.
  while (PGnotify* note = PQnotifies(conn_)) PQfreemem(note);
  return !PQisBusy(conn_) && PQstatus(conn_) == CONNECTION_OK;
}

void pipeline::run() {
  results_.clear();
  auto statements = std::exchange(queued_, {});
  if (statements.empty()) return;
  // Statements are prepared before the pipeline starts (PQprepare is synchronous): only on a
  // connection's first use of each, so the round trips saved stay saved.
  std::vector<const std::string*> names(statements.size(), nullptr);
  std::vector<value_pointers> pointers;
  pointers.reserve(statements.size());
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (statements[i].prepared) names[i] = &db_.prepared_name(statements[i].sql);
    pointers.push_back(pointers_to(statements[i].values));
  }
  pg_conn* conn = db_.conn_;
  // Whatever goes wrong from here on, a connection left mid-pipeline is not lent out again.
  const auto lost = [&](std::string_view what) -> store_error {
    db_.broken_ = true;
    return store_error("PostgreSQL pipeline: " + std::string(what) + ": " + trimmed(PQerrorMessage(conn)),
                       store_failure::unavailable);
  };
  if (PQenterPipelineMode(conn) != 1) throw lost("cannot start");
  // Blocking sends are safe here: the server answers each statement with a few bytes, far less
  // than the socket buffers hold, so it never waits on us while we wait on it.
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const int n = static_cast<int>(statements[i].values.size());
    const int sent = names[i] ? PQsendQueryPrepared(conn, names[i]->c_str(), n, pointers[i].data(), nullptr, nullptr, 0)
                              : PQsendQueryParams(conn, statements[i].sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
    if (sent != 1) throw lost("cannot send");
  }
  if (PQpipelineSync(conn) != 1) throw lost("cannot send");
  // One result per statement (then a null that ends it), and the sync's result last. The first
  // error is kept; the statements after it come back as "aborted", not run.
  pg_result* first_error = nullptr;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    pg_result* res = PQgetResult(conn);
    if (!res) {
      PQclear(first_error);
      throw lost("connection lost");
    }
    const auto status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      results_.emplace_back(res);
    } else if (status == PGRES_FATAL_ERROR && !first_error) {
      first_error = res;
    } else {
      PQclear(res);
    }
    while (pg_result* extra = PQgetResult(conn)) PQclear(extra);
  }
  pg_result* sync = PQgetResult(conn);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQexitPipelineMode(conn) != 1) {
    PQclear(first_error);
    throw lost("no end of pipeline");
  }
  if (first_error) {
    results_.clear();
    db_.fail(first_error, "statement");
  }
}

transaction::transaction(connection& db) : db_(db) { db_.exec("BEGIN"); }

transaction::transaction(connection& db, pipeline& statements) : db_(db) { statements.add_unprepared("BEGIN"); }

transaction::~transaction() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const store_error&) {
    db_.mark_broken();  // the pool drops it rather than lend out a connection in a transaction
  }
}

void transaction::commit() {
  done_ = true;  // a failed COMMIT leaves nothing to roll back (or a broken connection)
  db_.exec("COMMIT");
}

}  // namespace smrel::storage::postgres
