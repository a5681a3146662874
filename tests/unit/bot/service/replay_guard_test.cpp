#include "bot/service/replay_guard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smrel::service {
namespace {

using namespace std::chrono_literals;

const domain::time_point t0 = domain::time_point{} + 1'000'000h;

TEST(replay_guard, a_click_counts_once_within_the_window) {
  replay_guard guard(10min, 1'000);
  EXPECT_TRUE(guard.first_sighting("T1/U1/1700000000.000100", t0));
  EXPECT_FALSE(guard.first_sighting("T1/U1/1700000000.000100", t0 + 4min));  // the replay
  EXPECT_TRUE(guard.first_sighting("T1/U2/1700000000.000100", t0 + 4min));   // someone else
  EXPECT_TRUE(guard.first_sighting("T1/U1/1700000000.000100", t0 + 10min));  // outside: the signature is stale by now anyway
}

TEST(replay_guard, a_failed_request_may_be_repeated) {
  replay_guard guard(10min, 1'000);
  EXPECT_TRUE(guard.first_sighting("k", t0));
  guard.forget("k");
  EXPECT_TRUE(guard.first_sighting("k", t0 + 1min));
  // The first sighting's expiry must not drop the second one early.
  EXPECT_FALSE(guard.first_sighting("k", t0 + 10min + 1s));
}

TEST(replay_guard, keys_from_before_a_restart_are_honoured) {
  replay_guard guard(10min, 1'000);
  guard.remember("k", t0);
  EXPECT_FALSE(guard.first_sighting("k", t0 + 1min));
}

TEST(replay_guard, memory_is_bounded_by_dropping_the_oldest) {
  replay_guard guard(10min, 1'000);
  for (int i = 0; i < 50'000; ++i) guard.first_sighting(std::to_string(i), t0);
  EXPECT_LE(guard.size(), 1'001U);
  EXPECT_FALSE(guard.first_sighting("49999", t0));  // the newest are still known
}

}  // namespace
}  // namespace smrel::service
