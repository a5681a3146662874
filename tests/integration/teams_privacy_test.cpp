// Teams: what one person asks for in a channel stays theirs, and what the Bot Connector delivers
// twice takes effect once.
#include <gtest/gtest.h>

#include "bot/engine/views.hpp"
#include "tests/support/teams_harness.hpp"

namespace smrel {
namespace {

using json = nlohmann::json;
using testing::fake_teams;
using testing::teams_harness;

bool is_2xx(const testing::test_response& r) { return r.status >= 200 && r.status < 300; }

std::vector<fake_teams::call> posts_into(const fake_teams& fake, const std::string& conversation_prefix) {
  return fake.connector_calls([&](const fake_teams::call& c) {
    return c.path.starts_with("/v3/conversations/" + conversation_prefix);
  });
}

TEST(teams_privacy, a_pulse_asked_for_in_a_channel_arrives_in_the_askers_own_chat) {
  teams_harness h;
  h.say("1", "join sales");
  const auto asked = h.channel_message("1", "pulse", true);
  const auto reply = h.send_and_wait_reply(asked);
  // The card with the answer buttons is in person 1's 1:1 chat …
  const auto buttons = testing::buttons_named(testing::card_of(reply), std::string(engine::answer_action));
  EXPECT_GE(buttons.size(), 20U) << reply.dump();
  // … and nothing went into the channel, where anyone could press them or see which was pressed.
  EXPECT_TRUE(posts_into(h.fake(), "19:").empty());
  const auto created = h.fake().connector_calls(fake_teams::to("POST", "/v3/conversations"));
  ASSERT_EQ(created.size(), 1U);
  EXPECT_EQ(created[0].json["members"][0]["id"], testing::user_mri("1"));
}

TEST(teams_privacy, a_message_delivered_twice_is_answered_once) {
  teams_harness h;
  const auto activity = h.personal_message("1", "status");
  ASSERT_TRUE(is_2xx(h.post(activity)));
  ASSERT_TRUE(h.fake().wait_for(fake_teams::to("POST", teams_harness::reply_path(activity)), 1));
  ASSERT_TRUE(is_2xx(h.post(activity)));  // the connector's retry: same activity id
  // A later message's reply proves the outbox ran past the duplicate.
  h.say("1", "help");
  EXPECT_EQ(h.fake().connector_calls(fake_teams::to("POST", teams_harness::reply_path(activity))).size(), 1U);
}

TEST(teams_privacy, a_click_delivered_twice_is_stored_once) {
  teams_harness h;
  h.say("1", "join sales");
  const auto buttons = testing::buttons_named(testing::card_of(h.say("1", "pulse")), std::string(engine::answer_action));
  ASSERT_FALSE(buttons.empty());
  const auto click = h.invoke_action("1", buttons[0].verb, buttons[0].data);
  const auto first = h.post(click);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body).value("type", ""), testing::adaptive_card_type);
  const auto second = h.post(click);  // same activity id
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(json::parse(second.body).value("type", ""), testing::adaptive_card_type) << "no second card: " << second.body;
  const auto week = scoring::iso_week::containing(h.clock().now());
  EXPECT_EQ(h.store().answers(testing::teams_workspace(), week, week).size(), 1U);
  EXPECT_EQ(h.store().recent_events("click:teams:", h.clock().now() - std::chrono::hours{1}).size(), 1U);
}

TEST(teams_privacy, a_single_tenant_bot_refuses_other_tenants) {
  teams_harness h([](config::settings& s, service::server_options&, testing::offset_clock&) {
    s.teams.tenant_id = testing::teams_tenant;
  });
  auto foreign = h.personal_message("1", "join sales");
  foreign["conversation"]["tenantId"] = "another-tenant";
  EXPECT_EQ(h.post(foreign).status, 403);
  EXPECT_FALSE(h.store().find_member({{domain::platform::teams, "another-tenant"}, testing::aad_of("1")}));
  // Its own tenant is served.
  h.say("1", "join sales");
  EXPECT_TRUE(h.store().find_member(testing::teams_member("1")));
}

TEST(teams_privacy, after_forget_the_next_message_makes_the_person_reachable_again) {
  teams_harness h;
  h.say("1", "join sales");
  ASSERT_TRUE(h.store().find_direct_conversation(testing::teams_member("1")));
  const auto buttons = testing::buttons_named(testing::card_of(h.say("1", "forget")), std::string(engine::forget_action));
  ASSERT_EQ(buttons.size(), 1U);
  ASSERT_EQ(h.post(h.invoke_action("1", buttons[0].verb, buttons[0].data)).status, 200);
  EXPECT_FALSE(h.store().find_direct_conversation(testing::teams_member("1"))) << "erased with the rest";
  h.say("1", "join sales");  // same chat, same process
  EXPECT_TRUE(h.store().find_direct_conversation(testing::teams_member("1")));
}

}  // namespace
}  // namespace smrel
