#pragma once
// What every store backend must do, run against each of them: the interface's contract, with no
// SQL and no file in sight. Backend-specific behaviour (files, locks, migrations from older
// schemas, reconnecting, claims between replicas) is tested beside each backend
// (sqlite_store_test.cpp, postgres_store_test.cpp).
//
// The suite's fixture and what its tests share; the tests are in store_conformance_*_test.cpp by
// area. Adding a backend: a `database` that opens stores on one fresh database, and one
// INSTANTIATE_TEST_SUITE_P line at the end of store_conformance_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "bot/storage/store.hpp"

namespace smrel::storage {

inline const domain::workspace_ref acme{domain::platform::slack, "T0ACME"};
inline const domain::workspace_ref other_workspace{domain::platform::slack, "T0OTHER"};
inline const domain::workspace_ref acme_on_teams{domain::platform::teams, "teams:acme-tenant"};
inline const time_point t0 = std::chrono::sys_days{std::chrono::year{2026} / std::chrono::November / 23} + std::chrono::hours{10};
inline const scoring::iso_week week48 = *scoring::iso_week::parse("2026-W48");

// One fresh database for one test. open() may be called any number of times: each store it
// returns is another process on the same database (a restart, a second replica).
class database {
 public:
  virtual ~database() = default;
  virtual std::unique_ptr<store> open() = 0;
};

struct backend {
  std::string name;
  std::function<std::unique_ptr<database>()> make;
  bool single_process = false;  // what store::single_process() must say
};

// Test names and failure messages show the backend's name, not its bytes.
inline void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

class store_conformance : public ::testing::TestWithParam<backend> {
 protected:
  void SetUp() override {
    db_ = GetParam().make();
    store_ = db_->open();
    ASSERT_EQ(store_->migrate(), store_->latest_schema_version());
  }
  void reopen() {
    store_.reset();
    store_ = db_->open();
  }
  /// Another process on the same database.
  std::unique_ptr<store> second() { return db_->open(); }

  std::unique_ptr<database> db_;
  std::unique_ptr<store> store_;
};

inline outbox_message message(std::string address, time_point due, std::string dedupe_key = "") {
  outbox_message m;
  m.kind = outbox_kind::post;
  m.address = std::move(address);
  m.content = R"({"text":"hi"})";
  m.dedupe_key = std::move(dedupe_key);
  m.next_attempt_at = due;
  return m;
}

inline write_batch one_answer(std::int64_t pulse_id, const std::string& pseudonym, time_point at) {
  write_batch batch;
  batch.answers.push_back({acme, pulse_id, pseudonym, week48, 0, 3, at});
  return batch;
}

}  // namespace smrel::storage
