// The weekly rhythm against a fake Slack: pulses go out by DM at the company's pulse time (DM
// channels opened once per person), the digest lands in the leadership channel, and neither is
// sent twice, across restarts too. The clock is set to known moments; the scheduler ticks fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_slack;
using testing::slack_harness;

const domain::workspace_ref team{domain::platform::slack, "T0TEST"};
const scoring::iso_week week49 = *scoring::iso_week::parse("2026-W49");
// Monday 30 November 2026, 09:58 in Amsterdam (CET): two minutes before the pulse.
const domain::time_point before_pulse = domain::time_point{sys_days{2026y / November / 30} + 8h + 58min};

slack_harness::setup amsterdam_schedule() {
  return [](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    s.survey.timezone = "Europe/Amsterdam";
    s.slack.digest_channel = "C0LEADERS";
    o.schedule_tick = 50ms;
    clock.set(before_pulse);
  };
}

// A Slack that opens DM channels "D-<user>" and reports where each message landed.
void act_like_slack(fake_slack& fake) {
  fake.respond_with("/api/conversations.open", [](const fake_slack::call& c) {
    const auto user = json::parse(c.body).value("users", "");
    return fake_slack::scripted{200, json{{"ok", true}, {"channel", {{"id", "D-" + user}}}}.dump(), ""};
  });
  fake.respond_with("/api/chat.postMessage", [](const fake_slack::call& c) {
    static std::atomic<int> sequence{0};
    const auto channel = json::parse(c.body).value("channel", "");
    return fake_slack::scripted{
        200, json{{"ok", true}, {"channel", channel}, {"ts", "1764400000.00" + std::to_string(++sequence)}}.dump(), ""};
  });
}

std::multiset<std::string> field_of_calls(const fake_slack& fake, const std::string& path, const char* field) {
  std::multiset<std::string> out;
  for (const auto& c : fake.calls(path)) out.insert(json::parse(c.body).value(field, ""));
  return out;
}

void join(slack_harness& h, const std::string& user, const std::string& team_name) {
  ASSERT_EQ(h.command(user, "join " + team_name).status, 200);
}

// Lets the scheduler tick a few times and the outbox drain.
TEST(slack_schedule, the_weekly_pulse_goes_out_by_dm_once_per_person_at_pulse_time) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  join(h, "U4", "leadership");
  join(h, "U3", "sales");
  ASSERT_EQ(h.command("U3", "optout").status, 200);
  h.store().upsert_member({team, "U0DEMO001"}, scoring::locale::en, h.clock().now());  // `smrel demo`'s people get no DMs
  h.settle_schedule();
  EXPECT_TRUE(h.fake().calls("/api/").empty()) << "nothing is due before 10:00 in Amsterdam";
  // A status asked before the pulse is remembered; the pulse must make it stale.
  EXPECT_EQ(json::parse(h.command("U1", "status").body).dump().find("This week:"), std::string::npos);

  h.clock().advance(3min);  // 10:01 in Amsterdam
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 3));
  h.settle_schedule();
  EXPECT_EQ(field_of_calls(h.fake(), "/api/conversations.open", "users"), (std::multiset<std::string>{"U1", "U2", "U4"}));
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"), (std::multiset<std::string>{"D-U1", "D-U2", "D-U4"}));
  // The status sees the scheduler's deliveries at once: three people asked, none answered yet.
  const auto status = json::parse(h.command("U1", "status").body).dump();
  EXPECT_NE(status.find("This week: 0 of 3"), std::string::npos) << status;
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) {
    EXPECT_EQ(c.authorization, "Bearer xoxb-test");
    const auto message = json::parse(c.body);
    // In people's terms: 2026-W49 is the week of Monday 30 November.
    EXPECT_NE(message.value("text", "").find("30 November – 6 December 2026"), std::string::npos)
        << "a text fallback names the week";
    EXPECT_EQ(testing::buttons_of(message).size(), 24U);  // four statements, six buttons each
  }

  // The DM's own buttons work, and where the DM went is remembered.
  const auto pulse = h.store().find_pulse(team, week49);
  ASSERT_TRUE(pulse);
  const auto u1 = h.store().find_member(domain::member_key{team, "U1"});
  ASSERT_TRUE(u1);
  const auto delivery = h.store().find_delivery(pulse->id, u1->id);
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->sent.conversation.address, "D-U1");
  EXPECT_FALSE(delivery->sent.id.empty());
  json dm;
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) {
    if (json::parse(c.body).value("channel", "") == "D-U1") dm = json::parse(c.body);
  }
  const auto [action, value] = testing::buttons_of(dm).front();
  const std::string dm_footer = "You get this once a week";
  EXPECT_NE(dm.dump().find(dm_footer), std::string::npos);
  EXPECT_EQ(h.click_on_message("U1", "D-U1", delivery->sent.id, action, value, "dm").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/dm", 1));
  EXPECT_EQ(h.store().answers(team, week49, week49).size(), 1U);
  // The DM shown again after the click is still the DM: it keeps its footer.
  EXPECT_NE(h.fake().calls("/actions/T1/dm")[0].body.find(dm_footer), std::string::npos);
  // The same pulse asked for with the pulse command is not the weekly DM, and does not say so.
  const auto asked = json::parse(h.command("U1", "pulse").body);
  EXPECT_EQ(asked.dump().find(dm_footer), std::string::npos);
  const auto [asked_action, asked_value] = testing::buttons_of(asked).back();
  EXPECT_EQ(h.click("U1", asked_action, asked_value, "asked").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/asked", 1));
  EXPECT_EQ(h.fake().calls("/actions/T1/asked")[0].body.find(dm_footer), std::string::npos);

  // Later ticks and a restart send nothing again.
  h.restart();
  h.settle_schedule();
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 3U);
  EXPECT_EQ(h.fake().calls("/api/conversations.open").size(), 3U);

  // Next week: the DM channels are remembered, and whoever answered already is not asked again.
  h.clock().advance(days{7} - 2h);  // Monday 08:01 in Amsterdam, week 50
  for (const auto& [a, v] : testing::buttons_of(json::parse(h.command("U2", "pulse").body))) {
    if (v.back() == '3') {
      EXPECT_EQ(h.click("U2", a, v).status, 200);
    }
  }
  h.clock().advance(2h);  // 10:01
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 5));
  h.settle_schedule();
  EXPECT_EQ(h.fake().calls("/api/conversations.open").size(), 3U);
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"),
            (std::multiset<std::string>{"D-U1", "D-U2", "D-U4", "D-U1", "D-U4"}));
}

TEST(slack_schedule, the_digest_lands_in_the_leadership_channel_once_a_week) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  // A workspace of `smrel demo` people only (the README's quick start) gets no digest.
  h.store().upsert_member({{domain::platform::slack, "T0DEMO"}, "U0DEMO001"}, scoring::locale::en, h.clock().now());
  h.clock().advance(days{4} - 1h - 1min);  // Friday 08:57 in Amsterdam
  h.settle_schedule();
  const auto digests = [&] { return field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count("C0LEADERS"); };
  EXPECT_EQ(digests(), 0U);

  h.clock().advance(5min);  // 09:02
  for (int i = 0; i < 50 && digests() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(digests(), 1U);
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) {
    const auto body = json::parse(c.body);
    if (body.value("channel", "") == "C0LEADERS") {
      // The figures of the last closed week, 2026-W48.
      EXPECT_NE(body.dump().find("23–29 November 2026"), std::string::npos);
    }
  }

  // An admin posting it by hand in the same channel that week does not post it twice.
  ASSERT_EQ(h.command("UADMIN", "digest here", "C0LEADERS").status, 200);
  h.restart();
  h.settle_schedule();
  EXPECT_EQ(digests(), 1U);
}

// The scheduled digest used to die in a log line when the bot was not in its channel. The admin
// (SMREL_ADMINS here) now gets a DM saying which week, what happened and what to type, and
// /metrics counts it.
TEST(slack_schedule, a_scheduled_digest_that_cannot_be_posted_is_told_to_the_admins_by_dm) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  h.fake().respond_with("/api/chat.postMessage", [](const fake_slack::call& c) {
    const auto channel = json::parse(c.body).value("channel", "");
    if (channel == "C0LEADERS") return fake_slack::scripted{200, R"({"ok":false,"error":"not_in_channel"})", ""};
    return fake_slack::scripted{200, json{{"ok", true}, {"channel", channel}, {"ts", "1764400000.000100"}}.dump(), ""};
  });
  join(h, "U1", "sales");
  h.clock().advance(days{4} - 1h + 2min);  // Friday 09:00 in Amsterdam: the digest is due
  const auto to_admin = [&] { return field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count("D-UADMIN"); };
  for (const auto give_up = steady_clock::now() + 10s; to_admin() == 0 && steady_clock::now() < give_up;) {
    h.fake().wait_for_calls("/api/chat.postMessage", h.fake().calls("/api/chat.postMessage").size() + 1, 100ms);
  }
  ASSERT_EQ(to_admin(), 1U);
  EXPECT_EQ(field_of_calls(h.fake(), "/api/conversations.open", "users").count("UADMIN"), 1U);
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) {
    const auto body = json::parse(c.body);
    if (body.value("channel", "") != "D-UADMIN") continue;
    const auto text = body.value("text", "");
    EXPECT_NE(text.find("30 November – 6 December 2026"), std::string::npos) << text;
    EXPECT_NE(text.find("/invite @smrel"), std::string::npos) << text;
    EXPECT_NE(text.find("/smrel digest here"), std::string::npos) << text;
  }
  const auto metrics = testing::http_call(h.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("smrel_admin_alerts_total{about=\"digest_undelivered\"} 1\n"), std::string::npos);
  // The next ticks neither post the week's digest again nor tell the admin twice.
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  EXPECT_EQ(to_admin(), 1U);
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count("C0LEADERS"), 1U);
}

TEST(slack_schedule, digest_here_makes_the_channel_the_weekly_target_and_says_how_to_invite_the_bot) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  // The bot was never invited to the private channel: Slack answers not_in_channel.
  h.fake().script("/api/chat.postMessage", {{200, R"({"ok":false,"error":"not_in_channel"})", ""}});
  const auto reply = h.command("UADMIN", "digest here", "CPRIVATE");
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("from now on"), std::string::npos) << reply.body;
  // The admin is told at the command's response_url what to do.
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/cmd", 1));
  const auto told = h.fake().calls("/actions/T1/cmd").back().body;
  EXPECT_NE(told.find("/invite @smrel"), std::string::npos) << told;
  EXPECT_NE(told.find("/smrel digest here"), std::string::npos) << told;
  const auto installed = h.store().find_installation({domain::platform::slack, testing::test_team});
  ASSERT_TRUE(installed);
  EXPECT_EQ(installed->digest_target.address, "CPRIVATE");

  const auto posted_to = [&](const char* channel) {
    return field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count(channel);
  };
  // Invited now, the admin types it again, as told: this week's digest is posted after all.
  ASSERT_EQ(h.command("UADMIN", "digest here", "CPRIVATE").status, 200);
  ASSERT_TRUE(h.fake().wait_for_calls("/api/chat.postMessage", 2));
  EXPECT_EQ(posted_to("CPRIVATE"), 2U);

  // The scheduled digests go to the workspace's own channel, not the configured default; this
  // week's was posted by hand, so the first is next week's.
  h.clock().advance(days{11} + 5min);  // Friday 11 December, 09:03 in Amsterdam
  for (const auto give_up = steady_clock::now() + 10s; posted_to("CPRIVATE") < 3 && steady_clock::now() < give_up;) {
    h.fake().wait_for_calls("/api/chat.postMessage", h.fake().calls("/api/chat.postMessage").size() + 1, 100ms);
  }
  EXPECT_EQ(posted_to("CPRIVATE"), 3U);  // refused, posted by hand, next week's
  EXPECT_EQ(posted_to("C0LEADERS"), 0U);
}

TEST(slack_schedule, opening_the_messages_tab_names_the_dm_channel_and_publishes_nothing) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  const json opened{{"type", "event_callback"}, {"team_id", testing::test_team}, {"event_id", "Ev0MESSAGES1"},
                    {"event", {{"type", "app_home_opened"}, {"user", "U1"}, {"channel", "D0FROMHOME"}, {"tab", "messages"}}}};
  ASSERT_EQ(h.event(opened).status, 200);
  h.clock().advance(3min);
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1));
  h.settle_schedule();
  EXPECT_TRUE(h.fake().calls("/api/views.publish").empty());
  EXPECT_TRUE(h.fake().calls("/api/conversations.open").empty());
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"), (std::multiset<std::string>{"D0FROMHOME"}));
}

// Uninstalling the app used to change nothing: the pulse went on being sent (and failing) and the
// people stayed stored. Now the people are erased at once, nothing more is sent, and the
// pseudonymous answers wait for the retention; someone joining again brings the workspace back.
TEST(slack_schedule, uninstalling_the_app_stops_sending_and_erases_the_people_at_once) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  const domain::workspace_ref workspace{domain::platform::slack, testing::test_team};
  const json uninstalled{{"type", "event_callback"},
                         {"team_id", testing::test_team},
                         {"event_id", "Ev0UNINSTALL"},
                         {"event", {{"type", "app_uninstalled"}}}};
  ASSERT_EQ(h.event(uninstalled).status, 200);
  ASSERT_EQ(h.event(uninstalled).status, 200);  // Slack's retry: harmless
  EXPECT_TRUE(h.store().members(workspace).empty());
  const auto removed = h.store().find_installation(workspace);
  ASSERT_TRUE(removed && removed->removed_at);
  h.clock().advance(3min);  // the pulse time passes
  h.settle_schedule();
  EXPECT_TRUE(h.fake().calls("/api/conversations.open").empty());
  EXPECT_TRUE(h.fake().calls("/api/chat.postMessage").empty());

  join(h, "U1", "sales");  // reinstalled, and someone joins: installed again
  EXPECT_FALSE(h.store().find_installation(workspace)->removed_at);
}

// After the first DM nothing followed. Now whoever has not answered gets one reminder on
// Wednesday (two working days on), without buttons, and when the pulse closes each DM that went
// out is updated in place (chat.update on its channel and ts): no live buttons, and where the
// results are.
TEST(slack_schedule, a_reminder_goes_to_whoever_has_not_answered_and_the_closed_dms_lose_their_buttons) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  h.fake().respond_with("/api/chat.update", [](const fake_slack::call& c) {
    const auto body = json::parse(c.body);
    return fake_slack::scripted{
        200, json{{"ok", true}, {"channel", body.value("channel", "")}, {"ts", body.value("ts", "")}}.dump(), ""};
  });
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  h.clock().advance(3min);  // Monday 10:01: the pulse
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 2));
  h.wait_until_no_send_in_flight();
  // Where U1's pulse DM landed, as Slack answered it.
  const domain::member_key u1{{domain::platform::slack, testing::test_team}, "U1"};
  const auto pulse = h.store().find_pulse(u1.workspace, week49);
  ASSERT_TRUE(pulse);
  const auto delivered = h.store().find_delivery(pulse->id, h.store().find_member(u1)->id);
  ASSERT_TRUE(delivered && !delivered->sent.empty());
  ASSERT_EQ(h.command("U2", "optout").status, 200);  // U2 is asked no more

  h.clock().advance(days{2});  // Wednesday 10:01
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 3));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  const auto posts = h.fake().calls("/api/chat.postMessage");
  ASSERT_EQ(posts.size(), 3U) << "one reminder, to U1 only";
  const auto reminder = json::parse(posts[2].body);
  EXPECT_EQ(reminder.value("channel", ""), "D-U1");
  EXPECT_NE(reminder.value("text", "").find("A reminder: the pulse of 30 November – 6 December 2026 is open until "
                                            "Sunday 6 December 2026, 23:59 Amsterdam time"),
            std::string::npos)
      << reminder.dump();
  // In the message itself the closing time is a date token: each reader sees it in their own zone.
  EXPECT_NE(reminder.dump().find("<!date^1796597940^{date_long_pretty} at {time}|Sunday 6 December 2026, 23:59 "
                                 "Amsterdam time>"),
            std::string::npos)
      << reminder.dump();
  EXPECT_NE(reminder.value("text", "").find("0 of 4"), std::string::npos) << reminder.dump();
  EXPECT_EQ(reminder.dump().find("\"actions\""), std::string::npos) << "no buttons: the DM above stays the live one";

  h.clock().advance(days{5});  // Monday 10:01: the week's pulse closed at midnight
  ASSERT_TRUE(h.fake().wait_for("/api/chat.update", 1));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  const auto updates = h.fake().calls("/api/chat.update");
  ASSERT_EQ(updates.size(), 1U) << "U1's DM; U2 opted out";
  const auto closed = json::parse(updates[0].body);
  EXPECT_EQ(closed.value("channel", ""), "D-U1");
  EXPECT_EQ(closed.value("ts", ""), delivered->sent.id);
  EXPECT_EQ(closed.dump().find("\"actions\""), std::string::npos) << closed.dump();
  EXPECT_NE(closed.dump().find("this pulse is closed"), std::string::npos) << closed.dump();
  EXPECT_NE(closed.dump().find("Results: type /smrel status"), std::string::npos) << closed.dump();
}

// Choosing a language (or answering with /smrel pulse) keeps a member but enrols nobody in the
// weekly DM: that used to happen, unasked. The reply says how to get it; joining does, in the
// language chosen.
TEST(slack_schedule, only_joining_enrols_in_the_weekly_dm_and_it_speaks_the_members_language) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  const auto chosen = h.command("U5", "language nl");  // a member, but of no team
  ASSERT_EQ(chosen.status, 200);
  EXPECT_NE(chosen.body.find("Typ /smrel join sales|marketing|leadership om de pulse elke week te krijgen"),
            std::string::npos)
      << chosen.body;
  ASSERT_EQ(h.command("U6", "pulse").status, 200);  // answers now, is not enrolled either
  join(h, "U7", "sales");
  h.clock().advance(3min);
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"), (std::multiset<std::string>{"D-U7"}));

  join(h, "U5", "marketing");
  h.clock().advance(days{7});  // next Monday's pulse
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 3));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) {
    const auto body = json::parse(c.body);
    if (body.value("channel", "") == "D-U5") {
      EXPECT_NE(body.dump().find("Hoe eens ben je het ermee?"), std::string::npos);
    }
  }
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count("D-U5"), 1U);
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel").count("D-U6"), 0U);
}

// users.info as Slack answers it: U2 is a guest, U3 a bot, U5 deactivated, U6 from another
// organisation (Slack Connect). Every look-up is recorded by the fake.
void answer_users_info(fake_slack& fake) {
  fake.respond_with("/api/users.info", [](const fake_slack::call& c) {
    const auto user = c.body.substr(c.body.find("user=") + 5);
    json info{{"id", user},          {"team_id", user == "U6" ? "T0ELSEWHERE" : "T0TEST"},
              {"deleted", user == "U5"}, {"is_bot", user == "U3"},
              {"is_restricted", user == "U2"}, {"is_ultra_restricted", false},
              {"tz", "Europe/Amsterdam"}};
    return fake_slack::scripted{200, json{{"ok", true}, {"user", info}}.dump(), ""};
  });
}

std::size_t look_ups_of(const fake_slack& fake, const std::string& user) {
  const auto calls = fake.calls("/api/users.info");
  return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const fake_slack::call& c) {
    return c.body == "user=" + user;
  }));
}

// Guests were asked and counted like members; deactivated people stayed "asked". Now each person
// is looked up (users.info) when known and then at most once a day: guests and bots get no pulse
// and their answers do not count, a guest who joined is told why, and a deactivated person is left
// out.
TEST(slack_schedule, guests_and_bots_are_looked_up_once_a_day_and_neither_asked_nor_counted) {
  slack_harness h([](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    amsterdam_schedule()(s, o, clock);
    o.people_check_every = 50ms;
  });
  act_like_slack(h.fake());
  answer_users_info(h.fake());
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  join(h, "U3", "sales");
  join(h, "U4", "sales");
  join(h, "U5", "marketing");
  join(h, "U6", "sales");
  ASSERT_TRUE(h.fake().wait_for("/api/users.info", 6));
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 2)) << "the guest and the external are told";
  h.settle_people_check();
  h.wait_until_no_send_in_flight();
  EXPECT_EQ(h.fake().calls("/api/auth.test").size(), 1U) << "the organisation is asked once";
  std::map<std::string, std::string> notes;
  for (const auto& c : h.fake().calls("/api/chat.postMessage")) notes[json::parse(c.body).value("channel", "")] = c.body;
  ASSERT_EQ(notes.size(), 2U);
  EXPECT_NE(notes["D-U2"].find("You are a guest in this workspace"), std::string::npos) << notes["D-U2"];
  EXPECT_NE(notes["D-U6"].find("You are from another organisation"), std::string::npos) << notes["D-U6"];
  const auto again = h.command("U2", "join marketing").body;
  EXPECT_NE(again.find("guests are not asked"), std::string::npos) << again;

  h.clock().advance(3min);  // the pulse
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 4));
  h.settle_schedule();
  h.wait_until_no_send_in_flight();
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"),
            (std::multiset<std::string>{"D-U2", "D-U6", "D-U1", "D-U4"}));
  const auto status = h.command("U4", "status").body;
  EXPECT_NE(status.find("This week: 0 of 2 (0%)"), std::string::npos) << status;
  EXPECT_NE(status.find("1 person who cannot be reached"), std::string::npos) << status;
  EXPECT_NE(status.find("3 people who joined are guests, from other organisations or apps: not asked or counted"),
            std::string::npos)
      << status;

  // Nobody is looked up twice in a day; a day on, everyone reachable is looked up again.
  h.settle_people_check();
  for (const auto* user : {"U1", "U2", "U3", "U4", "U5", "U6"}) EXPECT_EQ(look_ups_of(h.fake(), user), 1U) << user;
  h.clock().advance(hours{24});
  ASSERT_TRUE(h.fake().wait_for("/api/users.info", 11));
  h.settle_people_check();
  for (const auto* user : {"U1", "U2", "U3", "U4", "U6"}) EXPECT_EQ(look_ups_of(h.fake(), user), 2U) << user;
  EXPECT_EQ(look_ups_of(h.fake(), "U5"), 1U) << "deactivated: not asked about until they act again";
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 4U) << "each is told once";
}

TEST(slack_schedule, without_a_bot_token_the_week_waits_for_one) {
  slack_harness h([](config::settings& s, service::server_options& o, testing::offset_clock& clock) {
    amsterdam_schedule()(s, o, clock);
    s.slack.bot_token.clear();
  });
  act_like_slack(h.fake());
  join(h, "U1", "sales");
  h.clock().advance(3min);
  h.settle_schedule();
  EXPECT_TRUE(h.fake().calls("/api/").empty());
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  EXPECT_FALSE(h.store().run_done(team, "pulse", week49));

  h.settings().slack.bot_token = "xoxb-test";
  h.restart();
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1));
  EXPECT_TRUE(h.store().run_done(team, "pulse", week49));
}

TEST(slack_schedule, dm_failures_are_retried_or_dead_lettered_per_person) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  h.fake().script("/api/conversations.open", {{429, R"({"ok":false,"error":"ratelimited"})", "1"},
                                              {200, R"({"ok":false,"error":"user_not_found"})", ""}});
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  h.clock().advance(3min);
  // Two opens are answered 429, then user_not_found (whoever came first gets each); the method
  // pauses for Retry-After, and the other person's DM still goes out.
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1, 10s));
  h.settle_schedule();
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 1U);
  EXPECT_EQ(h.fake().calls("/api/conversations.open").size(), 3U);
  int dead = 0;
  for (std::int64_t id = 1; id < 20; ++id) {
    const auto m = h.store().find_outbox(id);
    if (m && m->status == storage::outbox_status::dead) {
      ++dead;
      EXPECT_EQ(m->last_error, "user_not_found");
      EXPECT_EQ(m->kind, storage::outbox_kind::pulse_dm);
    }
  }
  EXPECT_EQ(dead, 1);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  // The person Slack does not know is left out of "asked" (it read "0 of 2" forever), and the
  // status says so.
  const auto status = h.command("U1", "status").body;
  EXPECT_NE(status.find("This week: 0 of 1 (0%)"), std::string::npos) << status;
  EXPECT_NE(status.find("1 person who cannot be reached"), std::string::npos) << status;
}

// A revoked token failed every DM of the week one by one, each dead-lettered. Now the sends are
// held (nothing dead, nothing lost), counted in /metrics, and go out once the token works again.
TEST(slack_schedule, a_refused_token_holds_the_weeks_dms_until_it_works_again) {
  slack_harness h(amsterdam_schedule());
  act_like_slack(h.fake());
  std::atomic<bool> revoked = true;
  h.fake().respond_with("/api/conversations.open", [&](const fake_slack::call& c) {
    if (revoked) return fake_slack::scripted{200, R"({"ok":false,"error":"token_revoked"})", ""};
    const auto user = json::parse(c.body).value("users", "");
    return fake_slack::scripted{200, json{{"ok", true}, {"channel", {{"id", "D-" + user}}}}.dump(), ""};
  });
  join(h, "U1", "sales");
  join(h, "U2", "marketing");
  h.clock().advance(3min);  // the pulse is due
  ASSERT_TRUE(h.fake().wait_for("/api/conversations.open", 1, 10s));
  const auto held = [&] {
    int n = 0;
    for (std::int64_t id = 1; id < 20; ++id) {
      const auto m = h.store().find_outbox(id);
      if (m && m->kind == storage::outbox_kind::pulse_dm && m->status == storage::outbox_status::pending &&
          m->next_attempt_at > h.clock().now() + 5min) {
        ++n;
      }
      EXPECT_FALSE(m && m->status == storage::outbox_status::dead) << m->last_error;
    }
    return n;
  };
  for (const auto give_up = steady_clock::now() + 10s; held() < 2 && steady_clock::now() < give_up;) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(held(), 2);
  EXPECT_LE(h.fake().calls("/api/conversations.open").size(), 2U) << "the second DM waits for the hold, or met it";
  const auto metrics = testing::http_call(h.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("smrel_admin_alerts_total{about=\"credentials_refused\"} 1\n"), std::string::npos);

  revoked = false;  // an admin reinstalled the app
  h.clock().advance(10min);
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 2, 10s));
  EXPECT_EQ(field_of_calls(h.fake(), "/api/chat.postMessage", "channel"), (std::multiset<std::string>{"D-U1", "D-U2"}));
}

}  // namespace
}  // namespace smrel
