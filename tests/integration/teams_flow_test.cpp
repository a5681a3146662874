// Teams end to end against a fake Microsoft: every command as a message, cards and clicks,
// token verification, the allowed serviceUrl hosts, the access token and connector retries.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "bot/engine/views.hpp"
#include "tests/support/teams_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::fake_teams;
using testing::teams_harness;

bool is_2xx(const testing::test_response& r) { return r.status >= 200 && r.status < 300; }

// The reply's card and text, for content checks.
std::string shown(const json& reply) { return reply.dump(); }

void expect_card_reply(const json& reply, const std::string& what) {
  ASSERT_TRUE(reply.is_object()) << what;
  EXPECT_EQ(reply.value("type", ""), "message") << what;
  EXPECT_TRUE(testing::card_of(reply).is_object()) << what << ": " << reply.dump();
}

// `who` joins `team_name` and answers every statement of this week's pulse with `value`.
void answer_pulse(teams_harness& h, const std::string& who, const std::string& team_name, int value) {
  h.say(who, "join " + team_name);
  const auto card = testing::card_of(h.say(who, "pulse"));
  const auto buttons = testing::buttons_named(card, std::string(engine::answer_action));
  ASSERT_FALSE(buttons.empty()) << card.dump();
  for (const auto& b : buttons) {
    const auto parsed = engine::parse_answer_button(b.data.value("value", ""));
    ASSERT_TRUE(parsed) << b.data.dump();
    if (parsed->value == value) {
      EXPECT_EQ(h.post(h.invoke_action(who, b.verb, b.data)).status, 200);
    }
  }
}

TEST(teams_commands, every_command_is_answered_with_a_card_reply_to_the_message) {
  teams_harness h;
  const auto started = std::chrono::steady_clock::now();
  const auto activity = h.personal_message("1", "help");
  const auto r = h.post(activity);
  EXPECT_TRUE(is_2xx(r)) << r.status;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "answered before the reply is sent";
  ASSERT_TRUE(h.fake().wait_for(fake_teams::to("POST", teams_harness::reply_path(activity)), 1));
  const auto call = h.fake().connector_calls(fake_teams::to("POST", teams_harness::reply_path(activity))).front();
  EXPECT_EQ(call.authorization, "Bearer " + h.fake().last_token());
  EXPECT_EQ(call.authorization, "Bearer teams-token-1");
  expect_card_reply(call.json, "help");
  const auto help = shown(call.json);
  EXPECT_NE(help.find("status"), std::string::npos) << help;
  EXPECT_EQ(help.find("/smrel status"), std::string::npos) << "Teams people type the bare words: " << help;
  EXPECT_EQ(help.find("digest preview"), std::string::npos) << "not an admin";

  for (const auto* text : {"frobnicate now", "smrel help", "/smrel help", "", "HELP"}) {
    const auto reply = h.say("1", text);
    expect_card_reply(reply, text);
    EXPECT_NE(shown(reply).find("join sales|marketing|leadership"), std::string::npos) << text << ": " << shown(reply);
  }
  EXPECT_NE(shown(h.say("admin", "help")).find("digest preview"), std::string::npos);

  const auto joined = shown(h.say("1", "join marketing"));
  EXPECT_NE(joined.find("Marketing"), std::string::npos) << joined;
  ASSERT_TRUE(h.store().find_member(testing::teams_member("1")));
  EXPECT_EQ(h.store().find_member(testing::teams_member("1"))->group, scoring::group::marketing);
  h.say("1", "smrel join sales");
  EXPECT_EQ(h.store().find_member(testing::teams_member("1"))->group, scoring::group::sales);
  h.say("1", "/smrel join leadership");
  EXPECT_EQ(h.store().find_member(testing::teams_member("1"))->group, scoring::group::leadership);

  EXPECT_NE(shown(h.say("1", "status")).find("No results yet"), std::string::npos);
  expect_card_reply(h.say("1", "nudges"), "nudges");
  EXPECT_NE(shown(h.say("1", "digest preview")).find("Only admins"), std::string::npos);
  EXPECT_NE(shown(h.say("1", "digest here")).find("Only admins"), std::string::npos);
  EXPECT_FALSE(h.store().find_installation(testing::teams_workspace()) &&
               !h.store().find_installation(testing::teams_workspace())->digest_target.address.empty());

  const auto pulse = h.say("1", "pulse");
  expect_card_reply(pulse, "pulse");
  EXPECT_GE(testing::buttons_named(testing::card_of(pulse), "answer").size(), 20U) << "four statements, five answers each";

  h.say("1", "language nl");
  EXPECT_EQ(h.store().find_member(testing::teams_member("1"))->locale, scoring::locale::nl);
  EXPECT_NE(shown(h.say("1", "help")).find("hoe Sales en Marketing"), std::string::npos);
  h.say("1", "optout");
  EXPECT_TRUE(h.store().find_member(testing::teams_member("1"))->opted_out);
  EXPECT_NE(shown(h.say("1", "pulse")).find("afgemeld"), std::string::npos);
  h.say("1", "optin");
  EXPECT_FALSE(h.store().find_member(testing::teams_member("1"))->opted_out);

  const auto forget = testing::card_of(h.say("1", "forget"));
  EXPECT_EQ(testing::buttons_named(forget, std::string(engine::forget_action)).size(), 1U) << forget.dump();

  // Every reply went out with the one token.
  for (const auto& c : h.fake().connector_calls()) EXPECT_EQ(c.authorization, "Bearer teams-token-1") << c.path;
  EXPECT_EQ(h.fake().token_requests(), 1U);
}

TEST(teams_commands, the_token_is_fetched_once_for_many_calls) {
  teams_harness h;
  for (int i = 0; i < 10; ++i) h.say(std::to_string(i), "status");
  EXPECT_EQ(h.fake().token_requests(), 1U);
  EXPECT_EQ(h.fake().connector_calls().size(), 10U);
}

TEST(teams_commands, channel_messages_count_only_when_the_bot_is_mentioned) {
  teams_harness h;
  const auto unmentioned = h.channel_message("1", "join sales", false);
  EXPECT_TRUE(is_2xx(h.post(unmentioned)));
  const auto mentioned = h.channel_message("2", "join marketing", true);
  const auto reply = h.send_and_wait_reply(mentioned);
  expect_card_reply(reply, "mentioned");
  EXPECT_NE(shown(reply).find("Marketing"), std::string::npos) << "the mention is stripped: " << shown(reply);
  EXPECT_EQ(h.store().find_member(testing::teams_member("2"))->group, scoring::group::marketing);
  // The mentioned command's reply, in the person's 1:1 chat (opened on the way), is all that was
  // sent: the unmentioned one did nothing.
  const auto calls = h.fake().connector_calls();
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[0].path, "/v3/conversations");
  EXPECT_EQ(calls[0].json["members"][0]["id"], "29:user-2");
  EXPECT_EQ(calls[1].path, teams_harness::reply_path(mentioned));
  EXPECT_FALSE(h.store().find_member(testing::teams_member("1")) &&
               h.store().find_member(testing::teams_member("1"))->group == scoring::group::sales);
}

TEST(teams_commands, installing_the_app_in_personal_scope_welcomes_and_remembers_the_chat) {
  teams_harness h;
  EXPECT_TRUE(is_2xx(h.post(h.installation_added("5"))));
  const auto welcome = fake_teams::under("POST", "/v3/conversations/" + testing::personal_conversation("5") + "/activities");
  if (!h.fake().wait_for(welcome, 1)) {
    for (const auto& c : h.fake().all_calls()) ADD_FAILURE() << "instead: " << c.method << " " << c.path << " " << c.answered;
    FAIL() << "no welcome in the new personal chat";
  }
  const auto call = h.fake().connector_calls(welcome).front();
  expect_card_reply(call.json, "welcome");
  EXPECT_NE(shown(call.json).find("join sales|marketing|leadership"), std::string::npos) << call.body;
  const auto chat = h.store().find_direct_conversation(testing::teams_member("5"));
  ASSERT_TRUE(chat);
  EXPECT_NE(chat->address.find(testing::personal_conversation("5")), std::string::npos) << chat->address;
}

TEST(teams_answers, a_click_is_stored_before_its_card_answer) {
  teams_harness h;
  const auto buttons = testing::buttons_named(testing::card_of(h.say("1", "pulse")), "answer");
  ASSERT_GE(buttons.size(), 20U);
  const auto& four = *std::find_if(buttons.begin(), buttons.end(), [](const auto& b) {
    return engine::parse_answer_button(b.data.value("value", "")) && engine::parse_answer_button(b.data.value("value", ""))->value == 4;
  });
  const auto r = h.post(h.invoke_action("1", four.verb, four.data));
  ASSERT_EQ(r.status, 200) << r.body;
  // Acknowledged means stored.
  const auto week = scoring::iso_week::containing(h.clock().now());
  const auto stored = h.store().answers(testing::teams_workspace(), week, week);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].value, 4);
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["statusCode"], 200);
  EXPECT_EQ(body["type"], testing::adaptive_card_type);
  ASSERT_TRUE(body["value"].is_object());
  EXPECT_EQ(body["value"].value("type", ""), "AdaptiveCard");
  EXPECT_NE(body["value"].dump().find("1 of 4 answered"), std::string::npos) << body.dump();

  // The Action.Submit fallback: stored, and the card replaced where it is.
  const auto other = std::find_if(buttons.begin(), buttons.end(), [&](const auto& b) {
    const auto p = engine::parse_answer_button(b.data.value("value", ""));
    return p && p->value == 2 && p->item != engine::parse_answer_button(four.data.value("value", ""))->item;
  });
  ASSERT_NE(other, buttons.end());
  const auto submitted = h.post(h.submit_action("1", other->data, "1700000555"));
  EXPECT_TRUE(is_2xx(submitted)) << submitted.status;
  EXPECT_EQ(h.store().answers(testing::teams_workspace(), week, week).size(), 2U);
  const auto put = fake_teams::to("PUT", "/v3/conversations/" + testing::personal_conversation("1") + "/activities/1700000555");
  ASSERT_TRUE(h.fake().wait_for(put, 1));
  const auto replaced = h.fake().connector_calls(put).front();
  EXPECT_EQ(replaced.authorization, "Bearer teams-token-1");
  EXPECT_NE(testing::card_of(replaced.json).dump().find("2 of 4 answered"), std::string::npos) << replaced.body;
}

TEST(teams_answers, forged_foreign_and_stale_clicks_store_nothing_and_say_why) {
  teams_harness h;
  const auto mine = testing::buttons_named(testing::card_of(h.say("1", "pulse")), "answer");
  const auto theirs = testing::buttons_named(testing::card_of(h.say("2", "pulse")), "answer");
  ASSERT_FALSE(mine.empty());
  ASSERT_FALSE(theirs.empty());
  const auto refused = [&](const json& activity, const std::string& says) {
    const auto r = h.post(activity);
    ASSERT_EQ(r.status, 200) << says;
    const auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("type", ""), testing::adaptive_card_type) << r.body;
    EXPECT_NE(body["value"].dump().find(says), std::string::npos) << r.body;
  };
  // A statement only in person 1's pulse, clicked by person 2.
  std::string foreign;
  for (const auto& b : mine) {
    const auto item = engine::parse_answer_button(b.data.value("value", ""))->item;
    bool shared = false;
    for (const auto& t : theirs) shared |= engine::parse_answer_button(t.data.value("value", ""))->item == item;
    if (!shared) foreign = b.data.value("value", "");
  }
  if (!foreign.empty()) refused(h.invoke_smrel("2", "answer", foreign), "not sent to you");
  const auto value = mine[0].data.value("value", "");
  refused(h.invoke_smrel("1", "answer", value.substr(0, value.size() - 1) + "9"), "not one of ours");
  refused(h.invoke_smrel("1", "answer", "p999.q01.3"), "");
  refused(h.invoke_smrel("1", "frobnicate", "x"), "");
  refused(h.invoke_action("1", "someone-elses-verb", json{{"foo", "bar"}}), "");
  h.clock().advance(std::chrono::days{8});
  refused(h.invoke_action("1", mine[0].verb, mine[0].data), "closed");
  EXPECT_EQ(h.store().answer_count(), 0U);
}

TEST(teams_answers, forget_erases_after_the_confirming_click) {
  teams_harness h;
  answer_pulse(h, "1", "sales", 3);
  EXPECT_EQ(h.store().answer_count(), 4U);
  const auto card = testing::card_of(h.say("1", "forget"));
  const auto cancel = testing::buttons_named(card, std::string(engine::forget_cancel_action));
  const auto erase = testing::buttons_named(card, std::string(engine::forget_action));
  ASSERT_EQ(cancel.size(), 1U);
  ASSERT_EQ(erase.size(), 1U);
  EXPECT_EQ(h.post(h.invoke_action("1", cancel[0].verb, cancel[0].data)).status, 200);
  EXPECT_EQ(h.store().answer_count(), 4U);
  const auto r = h.post(h.invoke_action("1", erase[0].verb, erase[0].data));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("erased"), std::string::npos) << r.body;
  EXPECT_EQ(h.store().answer_count(), 0U);
  EXPECT_FALSE(h.store().find_member(testing::teams_member("1")));
}

TEST(teams_commands, digest_here_by_an_admin_in_a_channel_posts_the_digest_there) {
  teams_harness h;
  for (int i = 0; i < 3; ++i) answer_pulse(h, "s" + std::to_string(i), "sales", 4);
  for (int i = 0; i < 3; ++i) answer_pulse(h, "m" + std::to_string(i), "marketing", 2);
  h.clock().advance(std::chrono::days{8});
  EXPECT_NE(shown(h.say("admin", "digest preview")).find("What to do next"), std::string::npos);
  const auto command = h.channel_message("admin", "digest here", true);
  h.send_and_wait_reply(command);
  const auto digest = [](const fake_teams::call& c) {
    return c.method == "POST" && c.path.starts_with("/v3/conversations/19:leaders@thread.tacv2") &&
           c.body.find("What to do next") != std::string::npos;
  };
  ASSERT_TRUE(h.fake().wait_for(digest, 1));
  // A week later than the replies above: the token was fetched again (it lives an hour).
  EXPECT_EQ(h.fake().connector_calls(digest).front().authorization, "Bearer " + h.fake().last_token());
  const auto installed = h.store().find_installation(testing::teams_workspace());
  ASSERT_TRUE(installed);
  EXPECT_NE(installed->digest_target.address.find("19:leaders@thread.tacv2"), std::string::npos) << installed->digest_target.address;
  // The same week's digest is posted once: a second digest here is answered, nothing more.
  h.send_and_wait_reply(h.channel_message("admin", "digest here", true));
  EXPECT_EQ(h.fake().connector_calls(digest).size(), 1U);
}

// Removing the bot from a team or a group chat is taken (2xx, once) and changes no one's data. The
// digest target stays, so the next digest there fails and the admins are told by DM what to do
// (scheduler and outbox tests); cleared, the digest would stop without a word.
TEST(teams_commands, removing_the_bot_from_a_team_or_group_chat_is_taken_and_keeps_the_digest_target) {
  teams_harness h;
  const auto target = [&] {
    const auto installed = h.store().find_installation(testing::teams_workspace());
    return installed ? installed->digest_target.address : std::string();
  };
  // A team's general channel has the team's id.
  const std::string team = "19:team@thread.tacv2";
  h.send_and_wait_reply(h.channel_message("admin", "digest here", true, team));
  ASSERT_NE(target().find(team), std::string::npos) << target();
  EXPECT_TRUE(is_2xx(h.post(h.bot_removed_from_team("19:other-team@thread.tacv2"))));
  const auto removed = h.bot_removed_from_team(team);
  EXPECT_TRUE(is_2xx(h.post(removed)));
  EXPECT_TRUE(is_2xx(h.post(removed))) << "delivered again: taken once";
  EXPECT_NE(target().find(team), std::string::npos) << target();

  const std::string chat = "19:group-chat@thread.v2";
  h.send_and_wait_reply(h.group_chat_message("admin", "digest here", chat));
  ASSERT_NE(target().find(chat), std::string::npos) << target();
  EXPECT_TRUE(is_2xx(h.post(h.bot_removed_from_group_chat(chat))));
  EXPECT_NE(target().find(chat), std::string::npos) << target();
}

TEST(teams_outbox, replies_are_retried_after_429_412_and_503_and_delivered_once) {
  teams_harness h;
  const auto activity = h.personal_message("1", "status");
  const auto path = teams_harness::reply_path(activity);
  h.fake().script("POST", path, {{429, testing::connector_error("TooManyRequests"), "1"},
                                 {412, testing::connector_error("PreconditionFailed"), ""},
                                 {503, testing::connector_error("ServiceUnavailable"), ""}});
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(is_2xx(h.post(activity)));
  ASSERT_TRUE(h.fake().wait_for(fake_teams::to("POST", path), 1, 30s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s) << "waited out Retry-After";
  EXPECT_EQ(h.fake().connector_calls(fake_teams::to("POST", path)).size(), 4U);
  for (int i = 0; i < 100 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  // A 413 is never retried.
  const auto big = h.personal_message("2", "status");
  h.fake().script("POST", teams_harness::reply_path(big), {{413, testing::connector_error("MessageSizeTooBig"), ""}});
  ASSERT_TRUE(is_2xx(h.post(big)));
  ASSERT_TRUE(h.fake().wait_for_calls(fake_teams::to("POST", teams_harness::reply_path(big)), 1));
  h.say("3", "status");  // later work is done, so the 413 had its chance to be retried
  for (int i = 0; i < 100 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.store().outbox_depth(), 0U) << "dead-lettered, not waiting for a retry";
  EXPECT_EQ(h.fake().connector_calls(fake_teams::to("POST", teams_harness::reply_path(big))).size(), 1U);
}

// ---- who may talk to the bot ----

// Each refused request: 401 with an empty body, nothing stored, nothing sent, no token asked for.
void expect_refused(teams_harness& h, const json& activity, const std::string& authorization, const std::string& why) {
  const auto r = h.post_with(activity, authorization);
  EXPECT_EQ(r.status, 401) << why;
  EXPECT_TRUE(r.body.empty()) << why << ": " << r.body;
}
void expect_nothing_happened(teams_harness& h, const std::string& who) {
  EXPECT_FALSE(h.store().find_member(testing::teams_member(who)));
  EXPECT_EQ(h.store().answer_count(), 0U);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  // A good request after the bad ones: its reply is the first and only connector call.
  const auto good = h.personal_message("good", "status");
  h.send_and_wait_reply(good);
  const auto calls = h.fake().connector_calls();
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].path, teams_harness::reply_path(good));
}

testing::token_spec valid_spec(teams_harness& h, const json& activity) {
  testing::token_spec spec;
  spec.aud = testing::teams_app_id;
  spec.serviceurl = activity["serviceUrl"].get<std::string>();
  spec.now = h.clock().now();
  return spec;
}

TEST(teams_auth, bad_tokens_are_refused_with_401_and_change_nothing) {
  teams_harness h;
  const auto& minter = testing::token_minter::instance();
  const auto activity = h.personal_message("x", "join sales");
  const auto with = [&](const std::function<void(testing::token_spec&)>& change) {
    auto spec = valid_spec(h, activity);
    change(spec);
    return "Bearer " + minter.token(spec);
  };
  using signing = testing::token_spec::signing;
  expect_refused(h, activity, "", "no Authorization");
  expect_refused(h, activity, "Basic " + h.token_for(activity["serviceUrl"]), "wrong scheme");
  expect_refused(h, activity, "bearer" + h.token_for(activity["serviceUrl"]), "no space");
  expect_refused(h, activity, "Bearer not.a.jwt", "garbage");
  expect_refused(h, activity, with([&](auto& s) { s.how = signing::other_key; s.kid = minter.main().kid(); }), "bad signature");
  expect_refused(h, activity, with([](auto& s) { s.aud = "11111111-2222-3333-4444-555555555555"; }), "wrong aud");
  expect_refused(h, activity, with([](auto& s) { s.iss = "https://sts.windows.net/evil/"; }), "wrong iss");
  expect_refused(h, activity, with([](auto& s) { s.exp_offset = -6min; s.nbf_offset = -70min; }), "expired");
  expect_refused(h, activity, with([](auto& s) { s.nbf_offset = 10min; }), "not yet valid");
  expect_refused(h, activity, with([](auto& s) { s.with_exp = false; }), "no exp");
  expect_refused(h, activity, with([](auto& s) { s.how = signing::none; }), "alg none");
  expect_refused(h, activity, with([](auto& s) { s.how = signing::hs256; }), "HS256");
  expect_refused(h, activity, with([&](auto& s) { s.serviceurl = h.fake().service_url() + "other/"; }), "serviceurl mismatch");
  expect_refused(h, activity, with([](auto& s) { s.serviceurl.reset(); }), "no serviceurl");
  // The token names the allowed host, but the activity points elsewhere.
  auto moved = activity;
  moved["serviceUrl"] = "http://127.0.0.1:1/";
  expect_refused(h, moved, "Bearer " + h.token_for(activity["serviceUrl"]), "activity serviceUrl differs from the claim");
  expect_nothing_happened(h, "x");
}

TEST(teams_auth, five_minutes_of_clock_skew_are_forgiven) {
  teams_harness h;
  const auto activity = h.personal_message("skew", "status");
  auto spec = valid_spec(h, activity);
  spec.exp_offset = -4min;
  spec.nbf_offset = -60min;
  EXPECT_TRUE(is_2xx(h.post_with(activity, "Bearer " + testing::token_minter::instance().token(spec))));
  ASSERT_TRUE(h.fake().wait_for(fake_teams::to("POST", teams_harness::reply_path(activity)), 1));
}

TEST(teams_auth, keys_endorsed_for_other_channels_only_are_refused) {
  teams_harness h({}, [](fake_teams& fake) { fake.set_endorsements(std::vector<std::string>{"webchat", "directline"}); });
  const auto activity = h.personal_message("x", "join sales");
  expect_refused(h, activity, "Bearer " + h.token_for(activity["serviceUrl"]), "endorsements without msteams");
  EXPECT_FALSE(h.store().find_member(testing::teams_member("x")));
  EXPECT_TRUE(h.fake().connector_calls().empty());
  EXPECT_EQ(h.fake().token_requests(), 0U);
}

TEST(teams_auth, a_key_without_endorsements_is_accepted) {
  teams_harness h({}, [](fake_teams& fake) { fake.set_endorsements(std::nullopt); });
  expect_card_reply(h.say("1", "status"), "no endorsements");
}

TEST(teams_auth, an_unknown_kid_refetches_the_keys_at_most_once) {
  teams_harness h;
  expect_card_reply(h.say("1", "status"), "first");
  const auto fetched = h.fake().jwks_fetches();
  EXPECT_GE(fetched, 1U);
  const auto activity = h.personal_message("x", "status");
  for (int i = 0; i < 5; ++i) {
    auto spec = valid_spec(h, activity);
    spec.how = testing::token_spec::signing::other_key;  // kid "smrel-test-key-other", in no JWKS
    expect_refused(h, activity, "Bearer " + testing::token_minter::instance().token(spec), "unknown kid");
  }
  EXPECT_LE(h.fake().jwks_fetches(), fetched + 1);
  expect_card_reply(h.say("2", "status"), "the known key still works");
  EXPECT_LE(h.fake().jwks_fetches(), fetched + 1);
}

TEST(teams_auth, a_service_url_outside_the_allowed_hosts_gets_nothing) {
  teams_harness h;
  // A second connector on loopback, on a port not on the allow list: it must hear nothing.
  fake_teams elsewhere;
  auto activity = h.personal_message("x", "status");
  activity["serviceUrl"] = elsewhere.service_url();
  EXPECT_EQ(h.post(activity).status, 403);  // signed correctly, naming that serviceUrl
  auto evil = h.personal_message("x", "status");
  evil["serviceUrl"] = "https://evil.example/";
  EXPECT_EQ(h.post(evil).status, 403);
  auto plain_http = h.personal_message("y", "status");
  plain_http["serviceUrl"] = "http://smba.trafficmanager.net/emea/";  // allowed host names need https
  EXPECT_EQ(h.post(plain_http).status, 403);
  EXPECT_FALSE(h.store().find_member({{domain::platform::teams, testing::teams_tenant}, testing::aad_of("x")}));
  // Nothing went anywhere: the next good command's reply is the only connector call.
  const auto good = h.personal_message("good", "status");
  h.send_and_wait_reply(good);
  ASSERT_EQ(h.fake().connector_calls().size(), 1U);
  EXPECT_EQ(h.fake().connector_calls()[0].path, teams_harness::reply_path(good));
  EXPECT_EQ(h.fake().token_requests(), 1U);
  for (int i = 0; i < 50 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  EXPECT_TRUE(elsewhere.all_calls().empty());
}

TEST(teams_local_mode, without_an_app_id_only_loopback_is_answered_and_without_a_token) {
  teams_harness h([](config::settings& s, service::server_options&, testing::offset_clock&) {
    s.teams.app_id.clear();
    s.teams.app_password.clear();
  });
  const auto activity = h.personal_message("1", "help");
  const auto r = h.post_unsigned(activity);
  EXPECT_TRUE(is_2xx(r)) << r.status;
  ASSERT_TRUE(h.fake().wait_for(fake_teams::to("POST", teams_harness::reply_path(activity)), 1));
  const auto reply = h.fake().connector_calls(fake_teams::to("POST", teams_harness::reply_path(activity))).front();
  EXPECT_TRUE(reply.authorization.empty()) << reply.authorization;
  expect_card_reply(reply.json, "local");
  EXPECT_EQ(h.fake().token_requests(), 0U);

  auto remote = h.personal_message("2", "help");
  remote["serviceUrl"] = "https://smba.trafficmanager.net/emea/";
  expect_refused(h, remote, "", "a serviceUrl off loopback in local mode");
  EXPECT_FALSE(h.store().find_member(testing::teams_member("2")));
}

// ---- the fakes themselves: a test of the plug is only as good as they are ----

std::string base64url_decode(const std::string& in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : in) {
    const auto at = std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").find(c);
    if (at == std::string_view::npos) break;
    buffer = (buffer << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// Verifies an RS256 JWS with the RSA key of a JWK, as a verifier that trusts only the JWKS would.
bool verifies(const std::string& token, const json& jwk) {
  const auto n = base64url_decode(jwk["n"].get<std::string>());
  const auto e = base64url_decode(jwk["e"].get<std::string>());
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n);
  OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(from);
  EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params);
  const auto last_dot = token.rfind('.');
  const auto input = token.substr(0, last_dot);
  const auto signature = base64url_decode(token.substr(last_dot + 1));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = key && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(from);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  BN_free(bn_n);
  BN_free(bn_e);
  return ok;
}

TEST(teams_fakes, minted_tokens_verify_with_the_published_keys_and_only_with_them) {
  fake_teams fake;
  const auto metadata = json::parse(testing::http_call(fake.port(), "GET", "/openid").body);
  EXPECT_EQ(metadata["issuer"], "https://api.botframework.com");
  const auto jwks_uri = metadata["jwks_uri"].get<std::string>();
  ASSERT_EQ(jwks_uri, "http://" + fake.host() + "/keys");
  const auto jwks = json::parse(testing::http_call(fake.port(), "GET", "/keys").body);
  ASSERT_EQ(jwks["keys"].size(), 1U);
  const auto& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk["endorsements"], json::array({"msteams"}));
  EXPECT_EQ(fake.openid_fetches(), 1U);
  EXPECT_EQ(fake.jwks_fetches(), 1U);

  const auto& minter = testing::token_minter::instance();
  testing::token_spec spec;
  spec.aud = testing::teams_app_id;
  spec.serviceurl = fake.service_url();
  const auto good = minter.token(spec);
  EXPECT_TRUE(verifies(good, jwk));
  const auto header = json::parse(base64url_decode(good.substr(0, good.find('.'))));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["kid"], jwk["kid"]);
  const auto claims = json::parse(base64url_decode(good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1)));
  EXPECT_EQ(claims["serviceurl"], fake.service_url());
  EXPECT_EQ(claims["aud"], testing::teams_app_id);
  EXPECT_GT(claims["exp"].get<long long>(), claims["nbf"].get<long long>());
  spec.how = testing::token_spec::signing::other_key;
  EXPECT_FALSE(verifies(minter.token(spec), jwk));
  spec.how = testing::token_spec::signing::hs256;
  EXPECT_FALSE(verifies(minter.token(spec), jwk));
}

TEST(teams_fakes, the_token_endpoint_checks_the_client_and_the_connector_answers_like_teams) {
  fake_teams fake;
  fake.expect_credentials(testing::teams_app_id, testing::teams_app_password);
  const auto form = std::string("grant_type=client_credentials&client_id=") + testing::teams_app_id +
                    "&client_secret=" + testing::teams_app_password + "&scope=https%3A%2F%2Fapi.botframework.com%2F.default";
  const auto ok = testing::http_call(fake.port(), "POST", "/token", form, {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["access_token"], "teams-token-1");
  EXPECT_EQ(testing::http_call(fake.port(), "POST", "/token", form + "x").status, 400);
  EXPECT_EQ(fake.token_requests(), 2U);

  const json create{{"isGroup", false}, {"members", {{{"id", "29:user-7"}}}}, {"tenantId", testing::teams_tenant}};
  const auto first = testing::http_call(fake.port(), "POST", "/v3/conversations", create.dump());
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(first.body, testing::http_call(fake.port(), "POST", "/v3/conversations", create.dump()).body);
  fake.script("POST", "/v3/conversations/a:x", {{429, "{}", "1"}});
  const auto limited = testing::http_call(fake.port(), "POST", "/v3/conversations/a%3Ax/activities/5", "{}");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(testing::http_call(fake.port(), "POST", "/v3/conversations/a%3Ax/activities/5", "{}").status, 201);
  EXPECT_EQ(testing::http_call(fake.port(), "PUT", "/v3/conversations/a%3Ax/activities/5", "{}").body, R"({"id":"5"})");
  const auto calls = fake.connector_calls(fake_teams::under("POST", "/v3/conversations/a:x/"));
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[0].raw_path, "/v3/conversations/a%3Ax/activities/5");
  EXPECT_TRUE(fake.wait_for(fake_teams::under("PUT", "/v3/"), 1, std::chrono::milliseconds{100}));
}

}  // namespace
}  // namespace smrel
