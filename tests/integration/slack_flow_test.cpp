// Every /smrel subcommand, the answer flow, events and the outbox, end to end against a fake Slack.
#include <gtest/gtest.h>

#include "bot/engine/views.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::slack_harness;

const domain::workspace_ref team{domain::platform::slack, "T0TEST"};

json reply_json(const testing::test_response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

std::string all_text(const json& message) { return message.dump(); }

TEST(slack_commands, help_and_unknown_input_show_the_commands) {
  slack_harness h;
  for (const auto& text : {std::string(), std::string("help"), std::string("frobnicate now"), std::string(5000, 'x')}) {
    const auto reply = reply_json(h.command("U1", text));
    EXPECT_EQ(reply["response_type"], "ephemeral");
    EXPECT_NE(reply["text"].get<std::string>().find("/smrel status"), std::string::npos) << text.substr(0, 40);
    EXPECT_EQ(reply["text"].get<std::string>().find("digest"), std::string::npos);  // not an admin
  }
  EXPECT_NE(reply_json(h.command("UADMIN", "help"))["text"].get<std::string>().find("/smrel digest"), std::string::npos);
}

void answer_pulse(slack_harness& h, const std::string& user, const std::string& team_name, int value);

TEST(slack_commands, status_is_suppressed_until_enough_people_answered) {
  slack_harness h;
  auto reply = reply_json(h.command("U1", "status"));
  EXPECT_NE(reply["text"].get<std::string>().find("No results yet"), std::string::npos) << reply.dump();
  ASSERT_TRUE(reply["blocks"].is_array());
  EXPECT_EQ(reply["blocks"][0]["type"], "header");

  answer_pulse(h, "US0", "sales", 4);
  answer_pulse(h, "US1", "sales", 4);
  h.clock().advance(std::chrono::days{8});
  reply = reply_json(h.command("U1", "status"));
  EXPECT_NE(reply["text"].get<std::string>().find("Not enough answers yet to show a score: 1 more person needed"), std::string::npos)
      << reply.dump();
}

TEST(slack_commands, join_language_optout_optin) {
  slack_harness h;
  const domain::member_key u1{team, "U1"};
  const auto joined = reply_json(h.command("U1", "join marketing"))["text"].get<std::string>();
  EXPECT_NE(joined.find("Marketing"), std::string::npos);
  EXPECT_NE(joined.find("every Monday 10:00 UTC"), std::string::npos) << joined;
  EXPECT_EQ(h.store().find_member(u1)->group, scoring::group::marketing);
  EXPECT_NE(reply_json(h.command("U1", "join finance"))["text"].get<std::string>().find("Which team"), std::string::npos);
  EXPECT_EQ(h.store().find_member(u1)->group, scoring::group::marketing);

  reply_json(h.command("U1", "language nl"));
  EXPECT_EQ(h.store().find_member(u1)->locale, scoring::locale::nl);
  EXPECT_NE(reply_json(h.command("U1", "help"))["text"].get<std::string>().find("hoe Sales en Marketing"), std::string::npos);

  reply_json(h.command("U1", "optout"));
  EXPECT_TRUE(h.store().find_member(u1)->opted_out);
  EXPECT_NE(reply_json(h.command("U1", "pulse"))["text"].get<std::string>().find("afgemeld"), std::string::npos);
  reply_json(h.command("U1", "optin"));
  EXPECT_FALSE(h.store().find_member(u1)->opted_out);
}

// Everyone answers all four statements of their pulse with `value`.
void answer_pulse(slack_harness& h, const std::string& user, const std::string& team_name, int value) {
  reply_json(h.command(user, "join " + team_name));
  const auto pulse = reply_json(h.command(user, "pulse"));
  for (const auto& [action, button_value] : testing::buttons_of(pulse)) {
    if (button_value.back() == static_cast<char>('0' + value)) {
      EXPECT_EQ(h.click(user, action, button_value).status, 200);
    }
  }
}

TEST(slack_answers, pulse_click_store_and_message_update) {
  slack_harness h;
  const auto pulse = reply_json(h.command("U1", "pulse"));
  const auto buttons = testing::buttons_of(pulse);
  ASSERT_EQ(buttons.size(), 24U);  // four statements × (five values and "can't judge")
  EXPECT_EQ(buttons[3].first.rfind("answer/", 0), 0U);
  // A screen reader says what "4" means.
  std::vector<std::string> spoken;
  for (const auto& b : pulse["blocks"]) {
    if (b["type"] != "actions") continue;
    for (const auto& e : b["elements"]) spoken.push_back(e.value("accessibility_label", ""));
    break;
  }
  ASSERT_EQ(spoken.size(), 6U);
  EXPECT_EQ(spoken[0], "1 — Strongly disagree");
  EXPECT_EQ(spoken[3], "4 — Agree");
  EXPECT_EQ(spoken[5], "");  // "Can't judge" says it already

  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first").status, 200);
  // Acknowledged means stored.
  auto stored = h.store().answers(team, scoring::iso_week::containing(h.clock().now()), scoring::iso_week::containing(h.clock().now()));
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].value, 4);
  // The message is then updated through response_url with what is answered and what is left.
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/first", 1));
  const auto update = json::parse(h.fake().calls("/actions/T1/first").front().body);
  EXPECT_TRUE(update["replace_original"].get<bool>());
  EXPECT_NE(update["text"].get<std::string>().find("1 of 4 answered"), std::string::npos) << update.dump();
  EXPECT_NE(update.dump().find("\"style\":\"primary\""), std::string::npos);
  // The row that changed has a fresh block id (Slack redraws it); the rows that did not keep theirs.
  const auto row_ids = [](const json& message) {
    std::vector<std::string> ids;
    for (const auto& b : message["blocks"]) {
      if (b["type"] == "actions") ids.push_back(b["block_id"].get<std::string>());
    }
    return ids;
  };
  const auto before = row_ids(pulse);
  const auto after = row_ids(update);
  ASSERT_EQ(before.size(), 4U);
  ASSERT_EQ(after.size(), 4U);
  EXPECT_NE(before[0], after[0]);
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(before[i], after[i]) << i;

  // A second click changes the answer.
  EXPECT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "second").status, 200);
  stored = h.store().answers(team, scoring::iso_week::containing(h.clock().now()), scoring::iso_week::containing(h.clock().now()));
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].value, 2);
  EXPECT_NE(reply_json(h.command("U1", "pulse")).dump().find("Your answer: 2"), std::string::npos);
}

TEST(slack_answers, cant_judge_is_stored_with_the_wording_and_shown_as_the_answer) {
  slack_harness h;
  const auto buttons = testing::buttons_of(reply_json(h.command("U1", "pulse")));
  ASSERT_EQ(buttons.size(), 24U);
  // The sixth button of the first statement.
  EXPECT_EQ(buttons[5].second.substr(buttons[5].second.size() - 2), ".6");
  EXPECT_EQ(h.click("U1", buttons[5].first, buttons[5].second, "unsure").status, 200);
  const auto week = scoring::iso_week::containing(h.clock().now());
  const auto stored = h.store().answers(team, week, week);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].value, scoring::dont_know);
  EXPECT_EQ(stored[0].instrument, scoring::instrument_version);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/unsure", 1));
  const auto update = h.fake().calls("/actions/T1/unsure").front().body;
  EXPECT_NE(update.find("Your answer: Don't know / can't judge"), std::string::npos) << update;
  EXPECT_NE(update.find("1 of 4 answered"), std::string::npos) << "counted as answered";
}

TEST(slack_answers, foreign_forged_and_closed_clicks_change_nothing_and_say_why) {
  slack_harness h;
  const auto mine = testing::buttons_of(reply_json(h.command("U1", "pulse")));
  const auto theirs = testing::buttons_of(reply_json(h.command("U2", "pulse")));
  // U2 clicks a statement that is only in U1's pulse.
  std::string foreign;
  for (const auto& [action, value] : mine) {
    const auto item = value.substr(value.find('.') + 1, 3);
    bool shared = false;
    for (const auto& t : theirs) shared |= t.second.find("." + item + ".") != std::string::npos;
    if (!shared) foreign = value;
  }
  ASSERT_FALSE(foreign.empty());
  EXPECT_EQ(h.click("U2", "answer/x", foreign, "foreign").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/foreign", 1));
  EXPECT_NE(h.fake().calls("/actions/T1/foreign")[0].body.find("not sent to you"), std::string::npos);

  const auto forged = mine[0].second.substr(0, mine[0].second.size() - 1) + "9";
  EXPECT_EQ(h.click("U1", "answer/x", forged, "forged").status, 200);
  EXPECT_EQ(h.click("U1", "answer/x", "p999.q01.3", "nopulse").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/forged", 1));
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/nopulse", 1));
  EXPECT_NE(h.fake().calls("/actions/T1/forged")[0].body.find("not one of ours"), std::string::npos);
  // A refusal is a note beside the pulse, never its replacement: the pulse stays clickable.
  for (const auto* path : {"/actions/T1/foreign", "/actions/T1/forged", "/actions/T1/nopulse"}) {
    const auto body = nlohmann::json::parse(h.fake().calls(path)[0].body);
    EXPECT_EQ(body["replace_original"], false) << path;
    EXPECT_EQ(body["response_type"], "ephemeral") << path;
  }
  // So is the answer to a button that is not ours at all (an old message, another app's id).
  EXPECT_EQ(h.click("U1", "bogus/1", "1", "unknown").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/unknown", 1));
  const auto unknown = nlohmann::json::parse(h.fake().calls("/actions/T1/unknown")[0].body);
  EXPECT_EQ(unknown["replace_original"], false);
  EXPECT_EQ(unknown["response_type"], "ephemeral");
  EXPECT_NE(unknown["text"].get<std::string>().find("not one of ours"), std::string::npos);

  h.clock().advance(std::chrono::days{8});
  EXPECT_EQ(h.click("U1", mine[0].first, mine[0].second, "closed").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/closed", 1));
  EXPECT_NE(h.fake().calls("/actions/T1/closed")[0].body.find("closed"), std::string::npos);
  EXPECT_EQ(h.store().answer_count(), 0U);
}

TEST(slack_answers, response_urls_outside_the_allow_list_are_never_called) {
  slack_harness h;
  const auto buttons = testing::buttons_of(reply_json(h.command("U1", "pulse")));
  nlohmann::json payload{{"type", "block_actions"},
                         {"team", {{"id", "T0TEST"}}},
                         {"user", {{"id", "U1"}, {"team_id", "T0TEST"}}},
                         {"response_url", "http://127.0.0.2:1/steal"},
                         {"actions", {{{"action_id", buttons[0].first}, {"value", buttons[0].second}}}}};
  EXPECT_EQ(h.signed_post("/slack/interactivity", "payload=" + adapters::slack::form_encode(payload.dump()),
                          "application/x-www-form-urlencoded").status,
            200);
  EXPECT_EQ(h.store().answer_count(), 1U);  // the answer still counts
  EXPECT_EQ(h.store().outbox_depth(), 0U);  // but nothing was queued for that host
}

TEST(slack_commands, status_nudges_and_digest_with_enough_answers) {
  slack_harness h;
  // Enough people a side that a two-point gap is clear across seven dimensions.
  for (int i = 0; i < 10; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 4);
  for (int i = 0; i < 10; ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", 2);
  // Nothing of an open pulse is published: each click would otherwise be readable in the score.
  const auto open = reply_json(h.command("U1", "status"))["text"].get<std::string>();
  EXPECT_EQ(open.find("Sales 80"), std::string::npos) << open;
  EXPECT_NE(open.find("No results yet"), std::string::npos) << open;
  EXPECT_NE(open.find("20 of 20"), std::string::npos) << open;

  h.clock().advance(std::chrono::days{8});  // the pulse has closed: its week is released
  const auto status = reply_json(h.command("U1", "status"));
  const auto text = status["text"].get<std::string>();
  EXPECT_NE(text.find("Stage: "), std::string::npos) << text;
  EXPECT_NE(text.find("Sales 80"), std::string::npos) << text;
  EXPECT_NE(text.find("Marketing 40"), std::string::npos) << text;
  EXPECT_NE(text.find("Largest gap"), std::string::npos) << text;
  EXPECT_NE(all_text(status).find("\"type\":\"header\""), std::string::npos);

  const auto nudges = reply_json(h.command("U1", "nudges"));
  EXPECT_NE(nudges.dump().find("Start: "), std::string::npos);

  EXPECT_NE(reply_json(h.command("U1", "digest preview"))["text"].get<std::string>().find("Only admins"), std::string::npos);
  const auto preview = reply_json(h.command("UADMIN", "digest preview"));
  EXPECT_EQ(preview["response_type"], "ephemeral");
  EXPECT_NE(preview["text"].get<std::string>().find("What to do next"), std::string::npos);

  reply_json(h.command("UADMIN", "digest here", "C0LEAD"));
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1));
  const auto post = h.fake().calls("/api/chat.postMessage")[0];
  EXPECT_EQ(post.authorization, "Bearer xoxb-test");
  EXPECT_EQ(json::parse(post.body)["channel"], "C0LEAD");
  EXPECT_FALSE(h.store().nudges_since(team, scoring::iso_week::containing(h.clock().now())).empty());
  // The same week's digest goes to a channel once, and a second "digest here" says so (it used to
  // say "Posting this week's digest here." and post nothing).
  const auto again = reply_json(h.command("UADMIN", "digest here", "C0LEAD"))["text"].get<std::string>();
  EXPECT_NE(again.find("already posted here"), std::string::npos) << again;
  EXPECT_NE(again.find("/smrel digest preview"), std::string::npos) << again;
  EXPECT_EQ(again.find("Posting"), std::string::npos) << again;
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 1U);
}

TEST(slack_commands, nudges_are_followed_up_in_the_pulse_four_weeks_later) {
  slack_harness h;
  for (int i = 0; i < 4; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 4);
  for (int i = 0; i < 4; ++i) answer_pulse(h, "UM" + std::to_string(i), "marketing", 2);
  h.clock().advance(std::chrono::days{8});  // the week is released
  reply_json(h.command("UADMIN", "digest here", "C0LEAD"));  // issues this week's nudges
  const auto issued_week = scoring::iso_week::containing(h.clock().now());
  const auto issued = h.store().nudges_since(team, issued_week);
  ASSERT_FALSE(issued.empty());
  EXPECT_EQ(issued.front().follow_up_week, issued_week + 4);

  h.clock().advance(std::chrono::days{28});
  std::int64_t pulse_id = 0;
  for (const auto* user : {"US0", "US1", "UM0"}) {
    int follow_up_buttons = 0;
    for (const auto& [action, value] : testing::buttons_of(reply_json(h.command(user, "pulse")))) {
      const auto parsed = engine::parse_answer_button(value);
      ASSERT_TRUE(parsed) << value;
      pulse_id = parsed->pulse_id;
      if (parsed->follow_up == 0) continue;
      ++follow_up_buttons;
      if (parsed->value == 4) {
        EXPECT_EQ(h.click(user, action, value).status, 200);
      }
    }
    EXPECT_EQ(follow_up_buttons, 6 * static_cast<int>(issued.size())) << user;  // 1…5 and "can't judge"
  }
  for (const auto& n : issued) EXPECT_EQ(h.store().follow_up_values(n.id), (std::vector<std::uint8_t>{4, 4, 4})) << n.nudge_id;

  // A follow-up this workspace never asked changes nothing.
  EXPECT_EQ(h.click("US2", "answer", engine::follow_up_button_value(pulse_id, 999999, 1), "forged").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/forged", 1));
  EXPECT_NE(h.fake().calls("/actions/T1/forged")[0].body.find("not stored"), std::string::npos);
  for (const auto& n : issued) EXPECT_EQ(h.store().follow_up_values(n.id).size(), 3U);

  // Follow-up results are published once, when the pulse that asked them has closed.
  EXPECT_EQ(reply_json(h.command("UADMIN", "digest preview")).dump().find("4.0 (3 people)"), std::string::npos);
  h.clock().advance(std::chrono::days{7});
  const auto preview = reply_json(h.command("UADMIN", "digest preview")).dump();
  EXPECT_NE(preview.find("How earlier suggestions landed"), std::string::npos) << preview;
  EXPECT_NE(preview.find("4.0 (3 people)"), std::string::npos) << preview;

  // Forgetting someone takes their follow-up answers too.
  const auto forget = testing::buttons_of(reply_json(h.command("US0", "forget")));
  ASSERT_EQ(h.click("US0", forget[0].first, forget[0].second, "erase").status, 200);
  for (const auto& n : issued) EXPECT_EQ(h.store().follow_up_values(n.id).size(), 2U);
}

TEST(slack_commands, forget_erases_after_confirmation) {
  slack_harness h;
  answer_pulse(h, "U1", "sales", 3);
  EXPECT_EQ(h.store().answer_count(), 4U);
  const auto prompt = reply_json(h.command("U1", "forget"));
  const auto buttons = testing::buttons_of(prompt);
  ASSERT_EQ(buttons.size(), 2U);
  EXPECT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "cancel").status, 200);
  EXPECT_EQ(h.store().answer_count(), 4U);
  EXPECT_EQ(h.click("U1", buttons[0].first, buttons[0].second, "erase").status, 200);
  EXPECT_EQ(h.store().answer_count(), 0U);
  EXPECT_FALSE(h.store().find_member({team, "U1"}));
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/erase", 1));
  EXPECT_NE(h.fake().calls("/actions/T1/erase")[0].body.find("erased"), std::string::npos);
  // The question is answered in its place, so its buttons cannot be clicked again.
  EXPECT_EQ(nlohmann::json::parse(h.fake().calls("/actions/T1/erase")[0].body)["replace_original"], true);
}

TEST(slack_events, url_verification_home_tab_and_deduplication_across_restarts) {
  slack_harness h;
  const auto challenge = h.event({{"type", "url_verification"}, {"token", "x"}, {"challenge", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}});
  EXPECT_EQ(json::parse(challenge.body)["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");

  const json opened{{"type", "event_callback"}, {"team_id", "T0TEST"}, {"event_id", "Ev0HOME1"},
                    {"event", {{"type", "app_home_opened"}, {"user", "U1"}, {"tab", "home"}}}};
  EXPECT_EQ(h.event(opened).status, 200);
  EXPECT_EQ(h.event(opened).status, 200);  // Slack's retry
  ASSERT_TRUE(h.fake().wait_for("/api/views.publish", 1));
  h.restart();
  EXPECT_EQ(h.event(opened).status, 200);  // a retry after we restarted
  std::this_thread::sleep_for(300ms);
  const auto calls = h.fake().calls("/api/views.publish");
  ASSERT_EQ(calls.size(), 1U);
  const auto view = json::parse(calls[0].body);
  EXPECT_EQ(view["user_id"], "U1");
  EXPECT_EQ(view["view"]["type"], "home");

  EXPECT_EQ(h.event({{"type", "event_callback"}, {"team_id", "T0TEST"}, {"event_id", "Ev0OTHER"},
                     {"event", {{"type", "member_joined_channel"}}}}).status,
            200);

  // Slack's notice that it drops this app's events for a minute is acknowledged (Slack's sample).
  EXPECT_EQ(h.event({{"token", "Jhj5dZrVaK7ZwHHjRyZWjbDl"}, {"type", "app_rate_limited"}, {"team_id", "T123456"},
                     {"minute_rate_limited", 1518467820}, {"api_app_id", "A123456"}}).status,
            200);
  // A signed envelope that can never be read gets 400 and asks Slack not to retry it.
  const auto unreadable = h.event({{"type", "event_callback_v9"}, {"team_id", "T0TEST"}});
  EXPECT_EQ(unreadable.status, 400);
  bool no_retry = false;
  for (const auto& [name, value] : unreadable.headers) no_retry |= name == "X-Slack-No-Retry" && value == "1";
  EXPECT_TRUE(no_retry);
}

// A click in the Home tab comes with no response_url: the answer is shown by publishing the Home
// view again, once the answer is stored, as the DM would show it.
TEST(slack_answers, a_home_tab_click_is_answered_by_publishing_the_home_view_again) {
  slack_harness h;
  ASSERT_EQ(h.command("U1", "join sales").status, 200);
  const auto buttons = testing::buttons_of(reply_json(h.command("U1", "pulse")));
  ASSERT_EQ(buttons.size(), 24U);
  const auto home_click = [&](std::size_t button, const std::string& ts) {
    const json payload{{"type", "block_actions"},
                       {"team", {{"id", "T0TEST"}}},
                       {"user", {{"id", "U1"}, {"team_id", "T0TEST"}}},
                       {"container", {{"type", "view"}, {"view_id", "V0HOME"}}},
                       {"view", {{"id", "V0HOME"}, {"type", "home"}, {"hash", "1700000000.abc"}}},
                       {"actions", {{{"action_id", buttons[button].first}, {"value", buttons[button].second},
                                     {"type", "button"}, {"action_ts", ts}}}}};
    return h.signed_post("/slack/interactivity", "payload=" + adapters::slack::form_encode(payload.dump()),
                         "application/x-www-form-urlencoded");
  };
  EXPECT_EQ(home_click(3, "1700000001.000001").status, 200);
  EXPECT_EQ(h.store().answer_count(), 1U);  // acknowledged means stored
  ASSERT_TRUE(h.fake().wait_for("/api/views.publish", 1));
  const auto first = json::parse(h.fake().calls("/api/views.publish")[0].body);
  EXPECT_EQ(first["user_id"], "U1");
  EXPECT_EQ(first["view"]["type"], "home");
  EXPECT_NE(first.dump().find("Your answer: 4"), std::string::npos) << first.dump();
  EXPECT_NE(first.dump().find("1 of 4 answered"), std::string::npos);

  // A second click changes the answer, and the view published after it shows the change.
  EXPECT_EQ(home_click(1, "1700000001.000002").status, 200);
  ASSERT_TRUE(h.fake().wait_for("/api/views.publish", 2));
  const auto second = json::parse(h.fake().calls("/api/views.publish").back().body);
  EXPECT_NE(second.dump().find("Your answer: 2"), std::string::npos) << second.dump();
  EXPECT_TRUE(h.fake().calls("/actions/").empty());  // nothing went to a response_url
}

TEST(slack_outbox, honours_retry_after_retries_5xx_and_dead_letters_permanent_errors) {
  slack_harness h;
  h.fake().script("/api/chat.postMessage", {{429, R"({"ok":false,"error":"ratelimited"})", "1"},
                                            {500, "oops", ""},
                                            {200, R"({"ok":true,"channel":"C0LEAD","ts":"1.2"})", ""},
                                            {200, R"({"ok":false,"error":"channel_not_found"})", ""}});
  for (int i = 0; i < 3; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 4);
  const auto started = std::chrono::steady_clock::now();
  reply_json(h.command("UADMIN", "digest here", "C0LEAD"));
  ASSERT_TRUE(h.fake().wait_for("/api/chat.postMessage", 1, 20s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);  // waited out Retry-After
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 3U);

  reply_json(h.command("UADMIN", "digest here", "C0GONE"));
  for (int i = 0; i < 100 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  EXPECT_EQ(h.fake().calls("/api/chat.postMessage").size(), 4U);  // channel_not_found: not retried
  const auto metrics = testing::http_call(h.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("smrel_deliveries_total{outcome=\"dead\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("smrel_deliveries_total{outcome=\"rate_limited\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("smrel_deliveries_total{outcome=\"retry\"} 1"), std::string::npos);
}

TEST(slack_outbox, queued_messages_survive_a_restart_and_are_sent_once) {
  slack_harness h;
  for (int i = 0; i < 3; ++i) answer_pulse(h, "US" + std::to_string(i), "sales", 4);
  // Slack is down: every call fails, so the messages stay queued across the restart.
  std::vector<testing::fake_slack::scripted> down(6, {503, "down", ""});
  h.fake().script("/api/chat.postMessage", down);
  for (const auto* channel : {"C1", "C2", "C3"}) reply_json(h.command("UADMIN", "digest here", channel));
  h.restart();
  for (int i = 0; i < 400 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  std::map<std::string, int> delivered;
  const auto calls = h.fake().calls("/api/chat.postMessage");
  // Exactly one successful delivery per channel, whatever failed before.
  for (std::size_t i = 6; i < calls.size(); ++i) ++delivered[json::parse(calls[i].body)["channel"].get<std::string>()];
  EXPECT_EQ(delivered, (std::map<std::string, int>{{"C1", 1}, {"C2", 1}, {"C3", 1}}));
}

}  // namespace
}  // namespace smrel
