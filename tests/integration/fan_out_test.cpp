// The weekly fan-out at the platform's pace: 300 pulse DMs through a fake Slack that takes five
// posts a second (a bucket of five, refilled at five a second; 429 above) all go out, each person
// once, without one 429, and within 5% of the least time the platform's limit allows.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/paced_posts.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_slack;
using testing::paced_posts;
using testing::slack_harness;

constexpr int people = 300;

// Monday 30 November 2026, 09:58 in Amsterdam (CET): two minutes before the pulse.
const domain::time_point before_pulse = domain::time_point{sys_days{2026y / November / 30} + 8h + 58min};

TEST(fan_out, three_hundred_pulse_dms_go_out_at_the_platforms_pace_each_person_once) {
  slack_harness h([](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    s.survey.timezone = "Europe/Amsterdam";
    o.schedule_tick = 50ms;
    clock.set(before_pulse);
  });
  paced_posts slack;
  h.fake().respond_with("/api/chat.postMessage", [&](const fake_slack::call& c) { return slack.answer(c); });
  // Everyone opened the bot's Messages tab once, so their direct conversations are known and the
  // fan-out is all chat.postMessage (conversations.open has its own, slower tier).
  const domain::workspace_ref team{domain::platform::slack, testing::test_team};
  for (int i = 0; i < people; ++i) {
    const domain::member_key who{team, "U" + std::to_string(1000 + i)};
    h.store().upsert_member(who, scoring::locale::en, h.clock().now());
    h.store().set_group(who, "p-" + who.user, scoring::group::sales);  // joined: enrolled in the weekly pulse
    h.store().remember_direct_conversation(who, {domain::platform::slack, "D" + std::to_string(1000 + i)});
  }
  h.clock().advance(3min);  // the pulse is due

  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", people, 120s));
  const auto posts = slack.posts();
  EXPECT_EQ(posts.size(), static_cast<std::size_t>(people));
  for (const auto& [channel, count] : posts) EXPECT_EQ(count, 1) << channel;
  EXPECT_EQ(slack.limited(), 0);
  EXPECT_TRUE(h.fake().calls("/api/conversations.open").empty());
  const auto least = paced_posts::least_time(people);
  std::printf("fan-out: %d DMs in %.2f s; the least the limit allows is %.2f s (%.3fx)\n", people, slack.span().count(),
              least.count(), slack.span().count() / least.count());
  EXPECT_LE(slack.span().count(), 1.05 * least.count());
  EXPECT_GE(slack.span().count(), 0.95 * least.count());  // the limit held: not faster either
}

}  // namespace
}  // namespace smrel
