#include "bot/service/log_throttle.hpp"

#include <gtest/gtest.h>

namespace smrel::service {
namespace {

using namespace std::chrono_literals;

TEST(log_throttle, a_flood_is_cut_to_the_budget_and_the_next_line_says_how_many_were_dropped) {
  log_throttle throttle(10.0, 20.0);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  int written = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (throttle.admit("timeout", t0)) ++written;
  }
  EXPECT_EQ(written, 20);  // the burst, then nothing within the same instant
  const auto next = throttle.admit("timeout", t0 + 1s);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, 10'000U - 20U);  // the line that is written reports the dropped ones
  EXPECT_EQ(throttle.admit("timeout", t0 + 1s), std::optional<std::uint64_t>{0});
}

TEST(log_throttle, kinds_have_their_own_budget) {
  log_throttle throttle(1.0, 1.0);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_TRUE(throttle.admit("timeout", t0));
  EXPECT_FALSE(throttle.admit("timeout", t0));
  EXPECT_TRUE(throttle.admit("bad_signature", t0));  // a slow-client flood hides no forgery attempt
  EXPECT_FALSE(throttle.admit("timeout", t0 + 500ms));
  EXPECT_TRUE(throttle.admit("timeout", t0 + 1500ms));
}

}  // namespace
}  // namespace smrel::service
