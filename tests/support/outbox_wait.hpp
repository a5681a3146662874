#pragma once
// For tests that move a manual clock: wait until no outbox message is in a sender's hands first.
// Moving the clock past the send lease while a call is in flight would see the message claimed
// again and sent twice, which a real clock, moving far less than a lease per call, never does.
#include <chrono>
#include <cstdint>
#include <thread>

#include <gtest/gtest.h>

#include "bot/storage/store.hpp"

namespace smrel::testing {

/// Looks at outbox ids 1…`highest_id` (tests queue far fewer).
inline void wait_until_no_send_in_flight(storage::store& store, std::int64_t highest_id = 1024) {
  const auto in_flight = [&] {
    for (std::int64_t id = 1; id <= highest_id; ++id) {
      const auto m = store.find_outbox(id);
      if (m && m->status == storage::outbox_status::sending) return true;
    }
    return false;
  };
  for (int i = 0; i < 1000 && in_flight(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_FALSE(in_flight()) << "a send stayed in flight for 10 s";
}

}  // namespace smrel::testing
