#include "config/redact.hpp"

#include <gtest/gtest.h>

namespace smrel::config {
namespace {

TEST(redact_url, hides_the_password_in_userinfo_and_keeps_the_rest) {
  EXPECT_EQ(redact_url("postgres://smrel:hunter2@db.internal:5432/smrel"), "postgres://smrel:***@db.internal:5432/smrel");
  EXPECT_EQ(redact_url("postgresql://smrel:p%40ss@w@db/x"), "postgresql://smrel:***@db/x");
  EXPECT_EQ(redact_url("https://user:pw@slack.example/api"), "https://user:***@slack.example/api");
  EXPECT_EQ(redact_url("postgres://smrel@db/smrel"), "postgres://smrel@db/smrel");  // no password: nothing to hide
}

TEST(redact_url, hides_secret_query_parameters) {
  EXPECT_EQ(redact_url("postgres://db/smrel?sslmode=require&password=hunter2&application_name=smrel"),
            "postgres://db/smrel?sslmode=require&password=***&application_name=smrel");
  EXPECT_EQ(redact_url("https://api.example/x?token=abc#frag"), "https://api.example/x?token=***#frag");
}

TEST(redact_url, leaves_plain_settings_alone) {
  EXPECT_EQ(redact_url("sqlite:./smrel.db"), "sqlite:./smrel.db");
  EXPECT_EQ(redact_url("https://slack.com/api"), "https://slack.com/api");
  EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace smrel::config
