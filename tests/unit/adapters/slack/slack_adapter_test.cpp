#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/form.hpp"
#include "adapters/slack/inbound.hpp"
#include "adapters/slack/people.hpp"
#include "adapters/slack/web_api.hpp"

namespace smrel::adapters::slack {
namespace {

using json = nlohmann::json;

TEST(form, decodes_percent_escapes_and_plus) {
  const auto fields = parse_form_fields("a=1&text=join+sales%20now&empty=&url=https%3A%2F%2Fhooks.slack.com%2Fx&flag&skip=%ZZ",
                                        {"text", "empty", "url", "flag", "missing"});
  ASSERT_TRUE(fields);
  EXPECT_EQ(form_value(*fields, "text"), "join sales now");
  EXPECT_EQ(form_value(*fields, "url"), "https://hooks.slack.com/x");
  EXPECT_EQ(form_value(*fields, "empty"), "");
  EXPECT_EQ(form_value(*fields, "missing"), "");
  EXPECT_EQ(form_value(*fields, "a"), "");  // not asked for
  EXPECT_FALSE(parse_form_fields("a=%G1", {"a"}));
  EXPECT_FALSE(parse_form_fields("a=%4", {"a"}));
  EXPECT_EQ(form_encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
  EXPECT_EQ(form_value(*parse_form_fields("x=" + form_encode("a b&c/é"), {"x"}), "x"), "a b&c/é");
}

TEST(inbound, parses_the_documented_slash_command) {
  // Slack's documented sample payload for slash commands.
  const auto parsed = parse_command(
      "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc"
      "&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=/weather&text=94070"
      "&response_url=https://hooks.slack.com/commands/1234/5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456");
  ASSERT_EQ(parsed.index(), 0U);
  const auto& command = std::get<domain::chat_command>(std::get<0>(parsed));
  EXPECT_EQ(command.who.workspace.id, "T0001");
  EXPECT_EQ(command.who.user, "U2147483697");
  EXPECT_EQ(command.where.address, "C2147483705");
  EXPECT_EQ(command.text, "94070");
  EXPECT_EQ(command.reply_to, "https://hooks.slack.com/commands/1234/5678");
}

TEST(inbound, refuses_commands_without_ids_and_accepts_ssl_checks) {
  EXPECT_EQ(parse_command("text=status").index(), 1U);
  EXPECT_EQ(parse_command("team_id=T1&user_id=U1%00&text=x").index(), 1U);
  // Text longer than any command is parsed as no command (the help), not refused.
  const auto long_text = parse_command("team_id=T1&user_id=U1&text=" + std::string(3000, 'a'));
  ASSERT_EQ(long_text.index(), 0U);
  EXPECT_EQ(std::get<domain::chat_command>(std::get<0>(long_text)).text, "");
  const auto probe = parse_command("ssl_check=1&token=x");
  ASSERT_EQ(probe.index(), 0U);
  EXPECT_TRUE(std::holds_alternative<ssl_check>(std::get<0>(probe)));
}

TEST(inbound, parses_block_actions_and_ignores_other_interactions) {
  const json payload{{"type", "block_actions"},
                     {"team", nullptr},
                     {"user", {{"id", "UA8RXUSPL"}, {"username", "jtorrance"}, {"team_id", "T9TK3CUKW"}}},
                     {"container", {{"type", "message"}, {"message_ts", "1548261231.000200"}, {"channel_id", "CBR2V3XEX"}}},
                     {"response_url", "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209"},
                     {"actions", {{{"action_id", "answer/p1.q01.4"}, {"block_id", "b"}, {"value", "p1.q01.4"}, {"type", "button"}}}}};
  const auto parsed = parse_interaction("payload=" + form_encode(payload.dump()));
  ASSERT_EQ(parsed.index(), 0U);
  const auto& click = std::get<domain::button_click>(std::get<0>(parsed));
  EXPECT_EQ(click.who.workspace.id, "T9TK3CUKW");  // org-wide install: the user's team
  EXPECT_EQ(click.action, "answer");
  EXPECT_EQ(click.value, "p1.q01.4");
  EXPECT_EQ(click.message.conversation.address, "CBR2V3XEX");
  EXPECT_EQ(click.message.id, "1548261231.000200");
  EXPECT_FALSE(click.from_elsewhere);

  // A Slack Connect external: their own team is not the workspace the click happened in (not so
  // in an Enterprise Grid org, where it is a colleague from another of its workspaces).
  auto shared = payload;
  shared["team"] = {{"id", "T0OURS"}};
  EXPECT_TRUE(std::get<domain::button_click>(std::get<0>(parse_interaction("payload=" + form_encode(shared.dump()))))
                  .from_elsewhere);
  shared["enterprise"] = {{"id", "E0GRID"}};
  EXPECT_FALSE(std::get<domain::button_click>(std::get<0>(parse_interaction("payload=" + form_encode(shared.dump()))))
                   .from_elsewhere);

  const auto other = parse_interaction("payload=" + form_encode(R"({"type":"view_closed"})"));
  ASSERT_EQ(other.index(), 0U);
  EXPECT_EQ(std::get<ignored_interaction>(std::get<0>(other)).type, "view_closed");
  EXPECT_EQ(parse_interaction("payload=" + form_encode(R"({"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"}})")).index(), 1U);
  EXPECT_EQ(parse_interaction("nopayload=1").index(), 1U);
}

// Uninstalling the app, or revoking its bot token, removes the app from the workspace; revoking
// only user tokens (smrel holds none) does not.
TEST(inbound, app_uninstalled_and_a_revoked_bot_token_remove_the_app) {
  const auto removal = [](const std::string& event) -> std::optional<domain::app_removed> {
    const auto parsed = parse_event(
        R"({"type":"event_callback","team_id":"T123ABC456","event_id":"Ev123ABC456","event":)" + event + "}");
    if (parsed.index() != 0) return std::nullopt;
    const auto& happened = std::get<event_callback>(std::get<0>(parsed)).event;
    if (const auto* removed = std::get_if<domain::app_removed>(&happened)) return *removed;
    return std::nullopt;
  };
  const auto uninstalled = removal(R"({"type":"app_uninstalled"})");
  ASSERT_TRUE(uninstalled);
  EXPECT_EQ(uninstalled->workspace, (domain::workspace_ref{domain::platform::slack, "T123ABC456"}));
  EXPECT_EQ(uninstalled->why, "app_uninstalled");
  EXPECT_TRUE(removal(R"({"type":"tokens_revoked","tokens":{"oauth":["U1"],"bot":["B123"]}})"));
  EXPECT_FALSE(removal(R"({"type":"tokens_revoked","tokens":{"oauth":["U1"]}})"));
  EXPECT_FALSE(removal(R"({"type":"tokens_revoked","tokens":{"bot":[]}})"));
  EXPECT_FALSE(removal(R"({"type":"tokens_revoked","tokens":["bot"]})"));
  EXPECT_FALSE(removal(R"({"type":"tokens_revoked"})"));
  EXPECT_EQ(
      parse_event(
          R"({"type":"event_callback","team_id":"T 1","event_id":"Ev123ABC456","event":{"type":"app_uninstalled"}})")
          .index(),
      1U);
}

TEST(inbound, parses_events_api_envelopes) {
  auto parsed = parse_event(R"({"token":"x","challenge":"abc","type":"url_verification"})");
  ASSERT_EQ(parsed.index(), 0U);
  EXPECT_EQ(std::get<url_verification>(std::get<0>(parsed)).challenge, "abc");
  parsed = parse_event(R"({"type":"event_callback","team_id":"T123ABC456","event_id":"Ev123ABC456",
                          "event":{"type":"app_home_opened","user":"U123ABC456","tab":"home"}})");
  ASSERT_EQ(parsed.index(), 0U);
  const auto& callback = std::get<event_callback>(std::get<0>(parsed));
  EXPECT_EQ(callback.event_id, "Ev123ABC456");
  EXPECT_EQ(std::get<domain::home_opened>(callback.event).who.user, "U123ABC456");
  EXPECT_TRUE(std::get<domain::home_opened>(callback.event).home_tab);
  EXPECT_EQ(std::get<domain::home_opened>(callback.event).direct.address, "");
  parsed = parse_event(R"({"type":"event_callback","team_id":"T123ABC456","event_id":"Ev123ABC457",
                          "event":{"type":"app_home_opened","user":"U123ABC456","channel":"D123ABC456","tab":"messages"}})");
  ASSERT_EQ(parsed.index(), 0U);
  const auto& messages = std::get<domain::home_opened>(std::get<event_callback>(std::get<0>(parsed)).event);
  EXPECT_FALSE(messages.home_tab);
  EXPECT_EQ(messages.direct.address, "D123ABC456");
  parsed = parse_event(R"({"type":"event_callback","team_id":"T123ABC456","event_id":"Ev123ABC458",
                          "event":{"type":"app_home_opened","user":"U123ABC456","channel":"C0NOTADM","tab":"home"}})");
  EXPECT_EQ(std::get<domain::home_opened>(std::get<event_callback>(std::get<0>(parsed)).event).direct.address, "");
  EXPECT_EQ(parse_event(R"({"type":"event_callback","event":{"type":"x"}})").index(), 1U);
  EXPECT_EQ(parse_event(R"([1,2])").index(), 1U);
  EXPECT_EQ(parse_event(R"({"type":"app_rate_limited"})").index(), 1U);  // without its team: not Slack's
  const auto limited = parse_event(R"({"token":"x","type":"app_rate_limited","team_id":"T123ADS","minute_rate_limited":1518467820,"api_app_id":"A0KRD7HC3"})");
  ASSERT_EQ(limited.index(), 0U);
  ASSERT_TRUE(std::holds_alternative<app_rate_limited>(std::get<0>(limited)));
  EXPECT_EQ(std::get<app_rate_limited>(std::get<0>(limited)).team_id, "T123ADS");
  EXPECT_EQ(std::get<app_rate_limited>(std::get<0>(limited)).minute_rate_limited, 1518467820);
}

TEST(blocks, renders_every_block_kind_within_slack_limits) {
  domain::message m;
  m.fallback_text = "fallback <b> & co";
  m.header(std::string(200, 'h'))
      .text("a < b & c")
      .fields(std::vector<std::string>(12, "f"))
      .context({"small"})
      .buttons({{std::string(100, 'x'), "answer", "p1.q01.1", domain::button::style::primary},
                {"No", "forget_cancel", "me", domain::button::style::danger}},
               "row")
      .divider();
  const auto body = json::parse(command_reply_json(m));
  EXPECT_EQ(body["response_type"], "ephemeral");
  EXPECT_EQ(body["text"], "fallback &lt;b&gt; &amp; co");
  const auto& blocks = body["blocks"];
  ASSERT_EQ(blocks.size(), 6U);
  EXPECT_EQ(blocks[0]["text"]["text"].get<std::string>().size(), 149U + 3U);  // 149 chars + "…"
  EXPECT_EQ(blocks[1]["text"]["text"], "a &lt; b &amp; c");
  EXPECT_EQ(blocks[2]["fields"].size(), 10U);
  EXPECT_EQ(blocks[4]["block_id"], "row");
  EXPECT_EQ(blocks[4]["elements"][0]["action_id"], "answer/p1.q01.1");
  EXPECT_EQ(blocks[4]["elements"][0]["style"], "primary");
  EXPECT_FALSE(blocks[4]["elements"][0].contains("accessibility_label"));  // only where a button says more
  EXPECT_EQ(blocks[4]["elements"][1]["style"], "danger");
  EXPECT_EQ(blocks[5]["type"], "divider");

  domain::message many;
  for (int i = 0; i < 120; ++i) many.text("t");
  EXPECT_EQ(json::parse(post_message_json("C1", many))["blocks"].size(), 50U);
  EXPECT_EQ(json::parse(publish_home_json("U1", many))["view"]["blocks"].size(), 100U);
  EXPECT_TRUE(json::parse(replace_original_json(many))["replace_original"].get<bool>());
}

// Slack's length as its stricter validators count it: UTF-16 units.
std::size_t utf16_units(const std::string& text) {
  std::size_t units = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) units += (byte & 0xF8) == 0xF0 ? 2 : 1;
  }
  return units;
}

TEST(blocks, cuts_before_escaping_so_no_entity_is_split_and_counts_as_slack_does) {
  domain::message m;
  m.fallback_text = std::string(5000, '&');
  m.text(std::string(2999, 'a') + "&")  // 3,004 characters once escaped: cut, and not inside "&amp;"
      .text(std::string(1000, '<'))
      .header(std::string(100, 'x') + "\U0001F600\U0001F600\U0001F600" + std::string(100, 'y'));
  const auto body = json::parse(post_message_json("C1", m));
  const auto fallback = body["text"].get<std::string>();
  EXPECT_LE(utf16_units(fallback), 4000U);
  EXPECT_EQ(fallback, [] {
    std::string expected;
    for (int i = 0; i < 799; ++i) expected += "&amp;";  // 3,995 characters, then "…": 3,996
    return expected + "…";
  }());
  const auto first = body["blocks"][0]["text"]["text"].get<std::string>();
  EXPECT_EQ(first, std::string(2999, 'a') + "…");
  const auto second = body["blocks"][1]["text"]["text"].get<std::string>();
  EXPECT_LE(utf16_units(second), 3000U);
  EXPECT_EQ(second.substr(second.size() - std::string("&lt;…").size()), "&lt;…");
  // The header: 100 x, then emoji worth two units each, cut at 150 with room for "…".
  const auto header = body["blocks"][2]["text"]["text"].get<std::string>();
  EXPECT_EQ(utf16_units(header), 150U);
  EXPECT_EQ(header, std::string(100, 'x') + "\U0001F600\U0001F600\U0001F600" + std::string(43, 'y') + "…");
}

TEST(blocks, long_identifiers_stay_within_255_distinct_and_keep_their_action) {
  const std::string shared(300, 'v');
  domain::message m;
  m.buttons({{"A", "answer", shared + "1"}, {"B", "answer", shared + "2"}, {"C", "answer", "same"}, {"D", "answer", "same"}},
            std::string(300, 'b') + "1")
      .buttons({{"E", "answer", "e"}}, std::string(300, 'b') + "2")
      .buttons({{"F", "answer", "f"}}, "row")
      .buttons({{"G", "answer", "g"}}, "row");
  const auto blocks = json::parse(post_message_json("C1", m))["blocks"];
  ASSERT_EQ(blocks.size(), 4U);
  std::set<std::string> block_ids;
  std::set<std::string> action_ids;
  for (const auto& block : blocks) {
    const auto id = block["block_id"].get<std::string>();
    EXPECT_LE(id.size(), 255U);
    EXPECT_TRUE(block_ids.insert(id).second) << id;
    for (const auto& element : block["elements"]) {
      const auto action = element["action_id"].get<std::string>();
      EXPECT_LE(action.size(), 255U);
      EXPECT_EQ(action.substr(0, action.find('/')), "answer");  // what a click is read back as
      EXPECT_TRUE(action_ids.insert(action).second) << action;
    }
  }
  EXPECT_EQ(blocks[0]["elements"][0]["value"], shared + "1");  // the value itself is not cut
}

// A field's first line is its label, bold as in Teams; its text is still escaped, and a label
// with mrkdwn's own marks, a field without a label, or one too long to fit whole stays plain.
TEST(blocks, field_labels_are_bold_and_their_text_still_escaped) {
  domain::message m;
  m.fields({"Sales\n52 (47–57)", "R&D <team>\n48", "no label", "*starred*\n1", "\nvalue",
            std::string(1999, 'l') + "\nv"});
  const auto fields = json::parse(post_message_json("C1", m))["blocks"][0]["fields"];
  ASSERT_EQ(fields.size(), 6U);
  EXPECT_EQ(fields[0]["text"], "*Sales*\n52 (47–57)");
  EXPECT_EQ(fields[1]["text"], "*R&amp;D &lt;team&gt;*\n48");
  EXPECT_EQ(fields[2]["text"], "no label");
  EXPECT_EQ(fields[3]["text"], "*starred*\n1");  // as given: not made bold around its own marks
  EXPECT_EQ(fields[4]["text"], "\nvalue");
  EXPECT_EQ(fields[5]["text"].get<std::string>().front(), 'l');
  for (const auto& f : fields) EXPECT_EQ(f["type"], "mrkdwn");
}

// An instant the text says in words becomes a date token, which Slack shows in each reader's own
// time zone, with the words (escaped) as its fallback. Slack's clients show no Dutch, so a Dutch
// sentence keeps the company's words; so does a text too long for the tokens.
TEST(blocks, instants_in_english_become_date_tokens_with_the_words_as_fallback) {
  domain::message m;
  m.text("Open until Sunday 6 December 2026, 23:59 Amsterdam time <soon>.",
         {{1796597940, "Sunday 6 December 2026, 23:59 Amsterdam time <soon>", true, "en"}});
  m.text("Open tot zondag 6 december 2026 om 23:59, tijd in Amsterdam.",
         {{1796597940, "zondag 6 december 2026 om 23:59, tijd in Amsterdam", true, "nl"}});
  m.text("From Monday 30 November 2026 & on.", {{1795993200, "Monday 30 November 2026", false, "en"}});
  m.text(std::string(2990, 'x') + " until Monday 30 November 2026",
         {{1795993200, "Monday 30 November 2026", true, "en"}});
  const auto blocks = json::parse(post_message_json("C1", m))["blocks"];
  ASSERT_EQ(blocks.size(), 4U);
  EXPECT_EQ(blocks[0]["text"]["text"],
            "Open until <!date^1796597940^{date_long_pretty} at {time}|Sunday 6 December 2026, 23:59 Amsterdam time "
            "&lt;soon&gt;>.");
  EXPECT_EQ(blocks[1]["text"]["text"], "Open tot zondag 6 december 2026 om 23:59, tijd in Amsterdam.");
  EXPECT_EQ(blocks[2]["text"]["text"], "From <!date^1795993200^{date_long_pretty}|Monday 30 November 2026> &amp; on.");
  const auto long_one = blocks[3]["text"]["text"].get<std::string>();
  EXPECT_EQ(long_one.find("<!date"), std::string::npos);
  EXPECT_TRUE(long_one.ends_with("…")) << "clipped as any text is";
}

TEST(blocks, leaves_out_blocks_slack_would_refuse_as_empty) {
  domain::message m;
  m.header("").text("").fields({"", ""}).context({""}).buttons({}).text("kept").fields({"", "one"}).divider();
  const auto blocks = json::parse(post_message_json("C1", m))["blocks"];
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0]["text"]["text"], "kept");
  EXPECT_EQ(blocks[1]["fields"].size(), 1U);
  EXPECT_EQ(blocks[2]["type"], "divider");
}

TEST(web_api, classifies_slack_answers) {
  auto o = classify_response(200, "", R"({"ok":true,"channel":"C1","ts":"1.2"})", false);
  EXPECT_EQ(o.verdict, delivery_verdict::sent);
  EXPECT_EQ(o.landed.id, "1.2");
  o = classify_response(429, "30", R"({"ok":false,"error":"ratelimited"})", false);
  EXPECT_EQ(o.verdict, delivery_verdict::rate_limited);
  EXPECT_EQ(o.retry_after, std::chrono::seconds{30});
  EXPECT_EQ(classify_response(429, "soon", "", false).retry_after, std::chrono::seconds{30});
  EXPECT_EQ(classify_response(503, "", "", false).verdict, delivery_verdict::retry);
  EXPECT_EQ(classify_response(200, "", "<html>", false).verdict, delivery_verdict::retry);
  o = classify_response(200, "", R"({"ok":false,"error":"channel_not_found"})", false);
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "channel_not_found");
  EXPECT_EQ(classify_response(200, "", R"({"ok":false,"error":"account_inactive"})", false).verdict, delivery_verdict::permanent);
  EXPECT_EQ(classify_response(200, "", R"({"ok":false,"error":"internal_error"})", false).verdict, delivery_verdict::retry);
  EXPECT_EQ(classify_response(200, "", "ok", true).verdict, delivery_verdict::sent);
  EXPECT_EQ(classify_response(404, "", "expired_url", true).verdict, delivery_verdict::permanent);
  EXPECT_EQ(opened_channel(R"({"ok":true,"channel":{"id":"D069C7QFK"}})"), "D069C7QFK");
  EXPECT_FALSE(opened_channel(R"({"ok":false,"error":"user_not_found"})"));
}

// What each error means beyond the one message: a person who cannot be reached, the app's direct
// messages off, or the token refused (these hold sends instead of failing each).
TEST(web_api, errors_about_a_person_the_app_or_the_token_say_so) {
  using domain::delivery_problem;
  const auto problem = [](const char* error) {
    return classify_response(200, "", std::string(R"({"ok":false,"error":")") + error + "\"}", false).problem;
  };
  EXPECT_EQ(problem("user_not_found"), delivery_problem::person_unreachable);
  EXPECT_EQ(problem("user_disabled"), delivery_problem::person_unreachable);
  EXPECT_EQ(problem("messages_tab_disabled"), delivery_problem::direct_messages_off);
  for (const auto* token : {"token_revoked", "token_expired", "invalid_auth", "not_authed", "account_inactive"}) {
    EXPECT_EQ(problem(token), delivery_problem::credentials_refused) << token;
  }
  EXPECT_EQ(problem("not_in_channel"), delivery_problem::not_in_conversation);
  EXPECT_EQ(problem("channel_not_found"), delivery_problem::conversation_gone);
  EXPECT_EQ(problem("msg_too_long"), delivery_problem::none);
}

// users.info, shaped as Slack's documentation shows it (https://api.slack.com/methods/users.info):
// guests (multi- and single-channel), bots (Slackbot too) and deactivated people.
TEST(users_info, says_who_is_a_guest_an_external_a_bot_or_deactivated) {
  const auto answer = [](const json& user, const organisation& own = {"T012AB3C4", ""}) {
    json full{{"id", "W012A3CDE"}, {"team_id", "T012AB3C4"}, {"name", "spengler"}, {"deleted", false},
              {"tz", "America/Los_Angeles"}, {"is_admin", true}, {"is_owner", false}, {"is_bot", false},
              {"is_restricted", false}, {"is_ultra_restricted", false}, {"is_app_user", true},
              {"updated", 1502138686}, {"locale", "en-US"}};
    if (!user.is_null()) full.update(user);
    return person_facts_of(json{{"ok", true}, {"user", full}}.dump(), own);
  };
  const auto member = answer({});
  ASSERT_TRUE(member);
  EXPECT_EQ(member->kind, domain::person_kind::person) << "is_app_user means they authorised the app";
  EXPECT_FALSE(member->deactivated);
  EXPECT_EQ(answer({{"is_restricted", true}})->kind, domain::person_kind::guest);
  EXPECT_EQ(answer({{"is_restricted", true}, {"is_ultra_restricted", true}})->kind, domain::person_kind::guest);
  EXPECT_EQ(answer({{"is_bot", true}})->kind, domain::person_kind::bot);
  EXPECT_EQ(answer({{"id", "USLACKBOT"}})->kind, domain::person_kind::bot);
  EXPECT_TRUE(answer({{"deleted", true}})->deactivated);
  EXPECT_FALSE(person_facts_of(R"({"ok":false,"error":"user_not_found"})", {}));
  EXPECT_FALSE(person_facts_of(R"({"ok":true,"user":"U1"})", {}));
  EXPECT_FALSE(person_facts_of("not json", {}));
  EXPECT_EQ(user_info_form("U012AB3CD"), "user=U012AB3CD");

  // Slack Connect: someone whose own workspace is another organisation's. In an Enterprise Grid
  // organisation, colleagues from its other workspaces count; people from elsewhere do not.
  EXPECT_EQ(answer({{"team_id", "T0OTHERORG"}})->kind, domain::person_kind::external);
  EXPECT_EQ(answer({{"team_id", "T0OTHERORG"}, {"is_restricted", true}})->kind, domain::person_kind::external);
  const organisation grid{"T012AB3C4", "E0GRID"};
  EXPECT_EQ(answer({{"team_id", "T0SISTER"}, {"enterprise_user", {{"enterprise_id", "E0GRID"}}}}, grid)->kind,
            domain::person_kind::person);
  EXPECT_EQ(answer({{"team_id", "T0OTHERORG"}, {"enterprise_user", {{"enterprise_id", "E0ELSE"}}}}, grid)->kind,
            domain::person_kind::external);
  EXPECT_EQ(answer({{"team_id", "T0OTHERORG"}}, grid)->kind, domain::person_kind::external);
  EXPECT_EQ(answer({}, grid)->kind, domain::person_kind::person);
  EXPECT_EQ(enterprise_of(R"({"ok":true,"team_id":"T1","enterprise_id":"E0GRID"})"), "E0GRID");
  EXPECT_EQ(enterprise_of(R"({"ok":true,"team_id":"T1","enterprise_id":null})"), "");
  EXPECT_FALSE(enterprise_of(R"({"ok":false,"error":"invalid_auth"})"));
  EXPECT_EQ(user_info_form("U1&x=1"), "user=U1%26x%3D1");
}

TEST(web_api, odd_shapes_are_classified_not_thrown) {
  // conversations.open answers with a channel object, not a string.
  const auto opened = classify_response(200, "", R"({"ok":true,"channel":{"id":"D069C7QFK"}})", false);
  EXPECT_EQ(opened.verdict, delivery_verdict::sent);
  EXPECT_EQ(opened.landed.conversation.address, "");
  EXPECT_EQ(classify_response(200, "", R"({"ok":"yes"})", false).verdict, delivery_verdict::permanent);
  EXPECT_EQ(classify_response(200, "", R"({"ok":false,"error":42})", false).reason, "unknown_error");
  EXPECT_EQ(classify_response(200, "", R"([1,2])", false).verdict, delivery_verdict::retry);
  EXPECT_FALSE(opened_channel(R"({"ok":true,"channel":{"id":7}})"));
  EXPECT_FALSE(opened_channel(R"({"ok":1,"channel":{"id":"D1"}})"));
  EXPECT_FALSE(opened_channel("[]"));
}

}  // namespace
}  // namespace smrel::adapters::slack
