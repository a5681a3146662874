// The weekly rhythm in Teams against a fake Bot Connector: the pulse as proactive 1:1 cards (a 1:1
// conversation created for people known only from a team's roster), a blocked person forgotten,
// and the digest in the channel an admin named with `digest here`, once a week across restarts.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "bot/engine/views.hpp"
#include "tests/support/teams_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_teams;
using testing::teams_harness;

const scoring::iso_week week49 = *scoring::iso_week::parse("2026-W49");
constexpr std::string_view week49_in_words = "30 November – 6 December 2026";  // as the pulse's title says it
// Monday 30 November 2026, 09:58 in Amsterdam (CET): two minutes before the pulse.
const domain::time_point before_pulse = domain::time_point{sys_days{2026y / November / 30} + 8h + 58min};
const std::string leaders = "19:leaders@thread.tacv2";

teams_harness::setup amsterdam_schedule() {
  return [](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    s.survey.timezone = "Europe/Amsterdam";
    o.schedule_tick = 50ms;
    clock.set(before_pulse);
  };
}

// Lets the scheduler tick a few times and the outbox drain.
// The conversations that are `who`'s 1:1 chat with the bot: the one they wrote from, and any the
// bot created for them.
std::set<std::string> personal_chats(const fake_teams& fake, const std::string& who) {
  std::set<std::string> out{testing::personal_conversation(who)};
  if (const auto created = fake.created_conversation(testing::user_mri(who))) out.insert(*created);
  return out;
}

// Posts of a card into one of `who`'s 1:1 chats that are not replies to something they said.
std::vector<fake_teams::call> proactive_posts(const fake_teams& fake, const std::string& who) {
  const auto chats = personal_chats(fake, who);
  return fake.connector_calls([&](const fake_teams::call& c) {
    if (c.method != "POST") return false;
    for (const auto& chat : chats) {
      if (c.path == "/v3/conversations/" + chat + "/activities") return true;
    }
    return false;
  });
}

std::vector<fake_teams::call> creates_for(const fake_teams& fake, const std::string& who) {
  return fake.connector_calls([&](const fake_teams::call& c) {
    return c.method == "POST" && c.path == "/v3/conversations" && c.json.is_object() &&
           c.json.value("members", json::array()).size() == 1 && c.json["members"][0].value("id", "") == testing::user_mri(who);
  });
}

std::size_t index_of(const std::vector<fake_teams::call>& all, const fake_teams::call& one) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].path == one.path && all[i].body == one.body && all[i].method == one.method) return i;
  }
  return all.size();
}

TEST(teams_schedule, the_weekly_pulse_goes_out_as_a_proactive_card_once_per_person) {
  teams_harness h(amsterdam_schedule());
  h.say("1", "join sales");
  h.say("2", "join marketing");
  // 3 is known from the team's roster and joins by @mentioning the bot in a channel: no 1:1 chat
  // with the bot is known for them, only who they are.
  ASSERT_TRUE(testing::is_2xx_status(h.post(h.members_added({"3"})).status));
  h.send_and_wait_reply(h.channel_message("3", "join sales", true));
  h.say("4", "join sales");
  h.say("4", "optout");
  h.settle_schedule();
  const auto before = h.fake().connector_calls().size();
  EXPECT_TRUE(proactive_posts(h.fake(), "1").empty()) << "nothing is due before 10:00 in Amsterdam";

  h.clock().advance(3min);  // 10:01 in Amsterdam
  const auto pulses = [&](const fake_teams::call& c) {
    return c.method == "POST" && c.path.ends_with("/activities") && c.body.find(week49_in_words) != std::string::npos;
  };
  EXPECT_TRUE(h.fake().wait_for(pulses, 3, 15s)) << "1, 2, and 3 (known from a channel only) each get one";
  h.settle_schedule();
  EXPECT_GT(h.fake().connector_calls().size(), before);
  const auto weekly_pulses = [&](const std::string& who) {
    auto out = proactive_posts(h.fake(), who);
    std::erase_if(out, [](const fake_teams::call& c) { return c.body.find(week49_in_words) == std::string::npos; });
    return out;
  };
  for (const auto* who : {"1", "2", "3"}) {
    const auto posts = weekly_pulses(who);
    EXPECT_EQ(posts.size(), 1U) << who;
    if (posts.empty()) continue;
    EXPECT_EQ(posts[0].authorization, "Bearer teams-token-1");
    const auto card = testing::card_of(posts[0].json);
    EXPECT_GE(testing::buttons_named(card, "answer").size(), 20U) << who << ": " << posts[0].body;
  }
  EXPECT_TRUE(proactive_posts(h.fake(), "4").empty()) << "opted out";

  // Person 3 had no 1:1 chat yet: one was asked for (Teams gives the same one each time), with
  // the tenant and their 29: id, before the post (and before the private reply to their join).
  const auto creates = creates_for(h.fake(), "3");
  ASSERT_GE(creates.size(), 1U) << "a 1:1 chat for the member known from a channel only";
  const auto& create = creates[0].json;
  const auto tenant = create.value("tenantId", create.contains("channelData") ? create["channelData"]["tenant"].value("id", "") : "");
  EXPECT_EQ(tenant, testing::teams_tenant) << create.dump();
  const auto all = h.fake().connector_calls();
  ASSERT_EQ(weekly_pulses("3").size(), 1U);
  EXPECT_LT(index_of(all, creates[0]), index_of(all, weekly_pulses("3")[0]));

  // The card's own buttons work.
  const auto buttons = testing::buttons_named(testing::card_of(weekly_pulses("3")[0].json), "answer");
  const auto r = h.post(h.invoke_action("3", buttons[0].verb, buttons[0].data));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(h.store().answers(testing::teams_workspace(), week49, week49).size(), 1U);

  // Later ticks and a restart send nothing again.
  const auto created = creates_for(h.fake(), "3").size();
  h.restart();
  h.settle_schedule();
  EXPECT_EQ(h.fake().connector_calls(pulses).size(), 3U);
  EXPECT_EQ(creates_for(h.fake(), "3").size(), created);
}

TEST(teams_schedule, a_person_who_blocked_the_bot_is_dead_lettered_and_their_chat_forgotten) {
  teams_harness h(amsterdam_schedule());
  // Person 3 is known from a channel only: their 1:1 chat is created for the pulse.
  h.send_and_wait_reply(h.channel_message("3", "join sales", true));
  // Person 3 has blocked the bot in their 1:1 chat.
  const auto blocked = "/v3/conversations/" + fake_teams::personal_chat_id(testing::user_mri("3")) + "/activities";
  h.fake().script("POST", blocked,
                  {{403, testing::connector_error("ConversationBlockedByUser", "User blocked the conversation with the bot."), ""}});
  h.clock().advance(3min);
  ASSERT_TRUE(h.fake().wait_for_calls(fake_teams::to("POST", blocked), 1, 15s));
  int dead = 0;
  for (int i = 0; i < 100 && dead == 0; ++i) {
    for (std::int64_t id = 1; id < 20; ++id) {
      const auto m = h.store().find_outbox(id);
      if (m && m->status == storage::outbox_status::dead) {
        ++dead;
        EXPECT_NE(m->last_error.find("ConversationBlockedByUser"), std::string::npos) << m->last_error;
        EXPECT_EQ(m->kind, storage::outbox_kind::pulse_dm);
      }
    }
    if (dead == 0) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(dead, 1);
  EXPECT_FALSE(h.store().find_direct_conversation(testing::teams_member("3")));

  // Next week's pulse asks Teams for the 1:1 chat again.
  h.clock().advance(days{7});
  ASSERT_TRUE(h.fake().wait_for([](const fake_teams::call& c) { return c.method == "POST" && c.path == "/v3/conversations"; }, 2, 15s));
  EXPECT_EQ(creates_for(h.fake(), "3").size(), 2U);
}

TEST(teams_schedule, a_person_who_removed_the_app_is_not_asked_until_they_add_it_again) {
  teams_harness h(amsterdam_schedule());
  const auto one = testing::teams_member("1");
  h.say("1", "join sales");
  h.say("2", "join sales");
  const auto removal = h.installation_removed("1");
  ASSERT_EQ(h.post(removal).status, 200);
  ASSERT_EQ(h.post(removal).status, 200);  // the connector's retry: the same once more
  EXPECT_FALSE(h.store().find_direct_conversation(one)) << "the bot can no longer write there";
  ASSERT_TRUE(h.store().find_member(one)) << "removing the app erases nothing";
  EXPECT_TRUE(h.store().find_member(one)->unreachable);
  EXPECT_EQ(h.store().find_member(one)->group, scoring::group::sales);

  // The week's pulse: person 2's card shows it went out; person 1 gets none, nor a chat opened.
  h.clock().advance(3min);  // 10:01 in Amsterdam
  const auto week49_pulse = [&](const fake_teams::call& c) {
    return c.method == "POST" && c.path.ends_with("/activities") && c.body.find(week49_in_words) != std::string::npos;
  };
  ASSERT_TRUE(h.fake().wait_for(week49_pulse, 1, 15s));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  EXPECT_EQ(h.fake().connector_calls(week49_pulse).size(), 1U);
  EXPECT_EQ(proactive_posts(h.fake(), "2").size(), 1U);
  EXPECT_TRUE(proactive_posts(h.fake(), "1").empty());
  EXPECT_TRUE(creates_for(h.fake(), "1").empty());
  const auto status = h.say("2", "status").dump();
  EXPECT_NE(status.find("This week: 0 of 1"), std::string::npos) << "1 is not counted as asked: " << status;
  EXPECT_NE(status.find("1 person who cannot be reached"), std::string::npos) << status;

  // Adding the app again brings them back; the old removal, delivered once more, changes nothing.
  ASSERT_EQ(h.post(h.installation_added("1")).status, 200);
  EXPECT_FALSE(h.store().find_member(one)->unreachable);
  ASSERT_EQ(h.post(removal).status, 200);
  EXPECT_FALSE(h.store().find_member(one)->unreachable);
  const auto chat = h.store().find_direct_conversation(one);
  ASSERT_TRUE(chat);
  EXPECT_NE(chat->address.find(testing::personal_conversation("1")), std::string::npos) << chat->address;
  const auto back = h.say("1", "status").dump();
  EXPECT_EQ(back.find("cannot be reached"), std::string::npos) << back;

  // Next week's pulse asks them again, in their chat.
  const auto pulse_card_to_1 = [](const fake_teams::call& c) {
    return c.method == "POST" && c.path == "/v3/conversations/" + testing::personal_conversation("1") + "/activities" &&
           testing::buttons_named(testing::card_of(c.json), "answer").size() >= 20;
  };
  h.clock().advance(days{7});
  EXPECT_TRUE(h.fake().wait_for(pulse_card_to_1, 1, 15s));
}

TEST(teams_schedule, the_digest_goes_to_the_channel_an_admin_named_once_a_week_across_restarts) {
  teams_harness h(amsterdam_schedule());
  h.say("1", "join sales");
  std::set<std::string> command_replies;
  const auto digest_here = [&] {
    const auto command = h.channel_message("admin", "digest here", true, leaders);
    command_replies.insert(teams_harness::reply_path(command));
    h.send_and_wait_reply(command);
  };
  const auto digests = [&] {
    return h.fake()
        .connector_calls([&](const fake_teams::call& c) {
          return c.method == "POST" && c.path.starts_with("/v3/conversations/" + leaders) && !command_replies.contains(c.path) &&
                 c.answered < 300;
        })
        .size();
  };
  digest_here();  // Monday, week 49: this week's digest is posted now
  for (int i = 0; i < 500 && digests() == 0; ++i) std::this_thread::sleep_for(20ms);  // 10 s: CI under ASan is slow
  EXPECT_EQ(digests(), 1U);
  h.wait_until_no_send_in_flight();
  const auto installed = h.store().find_installation(testing::teams_workspace());
  ASSERT_TRUE(installed);
  EXPECT_NE(installed->digest_target.address.find(leaders), std::string::npos) << installed->digest_target.address;

  h.clock().advance(days{4} + 4min);  // Friday 09:02 in Amsterdam: this week's went out already
  h.settle_schedule();
  h.restart();
  h.settle_schedule();
  EXPECT_EQ(digests(), 1U);

  h.clock().advance(days{7});  // Friday of week 50, 09:02
  for (int i = 0; i < 200 && digests() < 2; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(digests(), 2U);
  h.wait_until_no_send_in_flight();
  h.restart();
  h.settle_schedule();
  EXPECT_EQ(digests(), 2U);
}

}  // namespace
}  // namespace smrel
