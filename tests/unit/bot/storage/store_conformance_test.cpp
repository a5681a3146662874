// The store conformance suite (store_conformance.hpp) over every backend: the backends, what each
// says about itself, and the one instantiation of the suite.
//
// Adding a backend: a `database` that opens stores on one fresh database, and one
// INSTANTIATE_TEST_SUITE_P line at the end of this file.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/postgres_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/bot/storage/store_conformance.hpp"

namespace smrel::storage {
namespace {

class sqlite_database final : public database {
 public:
  std::unique_ptr<store> open() override { return open_store("sqlite:" + dir_.file("smrel.db")); }

 private:
  testing::temp_dir dir_;
};

backend sqlite_backend() {
  return {.name = "sqlite", .make = [] { return std::make_unique<sqlite_database>(); }, .single_process = true};
}

// A fresh database on the test process's throwaway server (tests/support/postgres_server.hpp).
class postgres_database final : public database {
 public:
  std::unique_ptr<store> open() override { return open_store(url_); }

 private:
  std::string url_ = testing::postgres_server::shared().create_database();
};

backend postgres_backend() {
  return {.name = "postgres", .make = [] { return std::make_unique<postgres_database>(); }, .single_process = false};
}

// Schema and health.

TEST_P(store_conformance, migrates_once_and_answers_a_ping) {
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  reopen();
  EXPECT_EQ(store_->schema_version(), store_->latest_schema_version());
  EXPECT_EQ(store_->migrate(), 0);
  EXPECT_TRUE(store_->ping());
}

TEST_P(store_conformance, ready_when_a_write_can_be_committed) {
  const auto r = store_->check_ready();
  EXPECT_TRUE(r.ready) << r.reason;
  EXPECT_TRUE(r.reason.empty());
}

TEST_P(store_conformance, says_whether_one_process_alone_uses_the_database) {
  EXPECT_EQ(store_->single_process(), GetParam().single_process);
}

// Error kinds, the same for every backend.

TEST(store_error, only_a_transient_failure_is_worth_retrying_and_the_databases_are_told_apart) {
  struct expectation {
    store_failure kind;
    bool about_the_database;
    bool retryable;
  };
  for (const auto& e : {expectation{store_failure::transient, true, true},
                        expectation{store_failure::unavailable, true, false},
                        expectation{store_failure::corrupt, true, false},
                        expectation{store_failure::conflict, false, false},
                        expectation{store_failure::other, false, false}}) {
    const store_error error("why it failed", e.kind);
    EXPECT_EQ(error.kind(), e.kind);
    EXPECT_EQ(error.about_the_database(), e.about_the_database) << static_cast<int>(e.kind);
    EXPECT_EQ(error.retryable(), e.retryable) << static_cast<int>(e.kind);
    EXPECT_STREQ(error.what(), "why it failed");
  }
  EXPECT_EQ(store_error("no kind").kind(), store_failure::other);
}

std::string backend_name(const ::testing::TestParamInfo<backend>& info) { return info.param.name; }

// One line per backend.
INSTANTIATE_TEST_SUITE_P(sqlite, store_conformance, ::testing::Values(sqlite_backend()), backend_name);
INSTANTIATE_TEST_SUITE_P(postgres, store_conformance, ::testing::Values(postgres_backend()), backend_name);

}  // namespace
}  // namespace smrel::storage
