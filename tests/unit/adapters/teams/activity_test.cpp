#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/teams/activity.hpp"

namespace smrel::adapters::teams {
namespace {

using kind = activity::kind;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SMREL_FIXTURES) + "/teams/activities/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

activity parsed(const std::string& name) {
  auto a = parse_activity(fixture(name));
  EXPECT_TRUE(a) << name;
  return a.value_or(activity{});
}

constexpr std::string_view bot = "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c";
constexpr std::string_view tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr std::string_view megan = "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw";

TEST(teams_activity, a_personal_message_is_a_command_with_its_words_and_locale) {
  const auto a = parsed("personal_message.json");
  EXPECT_EQ(a.what, kind::command);
  EXPECT_EQ(a.text, "Status");
  EXPECT_EQ(a.locale, "nl-NL");
  EXPECT_EQ(a.tenant, tenant);
  EXPECT_EQ(a.service_url, "https://smba.trafficmanager.net/emea/");
  EXPECT_EQ(a.channel_id, "msteams");
  EXPECT_EQ(a.conversation_type, "personal");
  EXPECT_EQ(a.conversation_id.substr(0, 2), "a:");
  EXPECT_EQ(a.from.id, megan);
  EXPECT_EQ(a.from.aad_object_id, "7faf080b-d4ea-4c5b-a1f6-2f0d3c1e9b11");
  EXPECT_EQ(a.from.name, "Megan Bowen");
  EXPECT_EQ(a.recipient.id, bot);
  EXPECT_EQ(a.id, "1485983408511");
}

TEST(teams_activity, a_channel_message_counts_only_when_it_mentions_the_bot_which_is_stripped) {
  const auto a = parsed("channel_message_mention.json");
  EXPECT_EQ(a.what, kind::command);
  EXPECT_EQ(a.text, "digest here");
  EXPECT_EQ(a.team_id, "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2");
  EXPECT_EQ(a.conversation_type, "channel");
  EXPECT_EQ(a.conversation_id, "19:5a2b9a0c1f8e4c7d9e3f2a1b0c9d8e7f@thread.tacv2;messageid=1700000000001");

  const auto other = parsed("channel_message_other_mention.json");
  EXPECT_EQ(other.what, kind::ignored);
  EXPECT_EQ(other.text, "");
}

TEST(teams_activity, a_group_chat_mention_with_the_apps_name_typed_too) {
  const auto a = parsed("group_chat_mention.json");
  EXPECT_EQ(a.what, kind::command);
  EXPECT_EQ(a.text, "join sales");
  EXPECT_EQ(a.conversation_type, "groupChat");
  EXPECT_EQ(a.locale, "en-GB");
}

TEST(teams_activity, the_agents_playground_message_strips_a_slash_command) {
  const auto a = parsed("agents_playground_message.json");
  EXPECT_EQ(a.what, kind::command);
  EXPECT_EQ(a.text, "help");
  EXPECT_EQ(a.service_url, "http://localhost:56150/_connector");
}

TEST(teams_activity, a_universal_action_carries_verb_and_our_data) {
  const auto a = parsed("invoke_card_action.json");
  EXPECT_EQ(a.what, kind::card_action);
  EXPECT_EQ(a.name, "adaptiveCard/action");
  EXPECT_EQ(a.verb, "answer");
  EXPECT_EQ(a.action, "answer");
  EXPECT_EQ(a.value, "p12.q03.4");
  EXPECT_EQ(a.text, "");

  const auto foreign = parsed("invoke_string_data.json");
  EXPECT_EQ(foreign.what, kind::card_action);  // answered with a card that says it is not ours
  EXPECT_EQ(foreign.verb, "approve");
  EXPECT_EQ(foreign.action, "");
  EXPECT_EQ(foreign.value, "");
  EXPECT_EQ(foreign.tenant, tenant);  // from channelData when the conversation does not say
}

TEST(teams_activity, a_submit_fallback_is_a_message_with_our_value_and_the_cards_id) {
  const auto a = parsed("submit_message.json");
  EXPECT_EQ(a.what, kind::card_submit);
  EXPECT_EQ(a.action, "forget_confirm");
  EXPECT_EQ(a.value, "me");
  EXPECT_EQ(a.reply_to_id, "1485983408600");
  EXPECT_EQ(a.locale, "nl-NL");
}

TEST(teams_activity, installs_and_uninstalls) {
  const auto team = parsed("conversation_update_team.json");
  EXPECT_EQ(team.what, kind::installed);
  EXPECT_TRUE(team.bot_added);
  EXPECT_EQ(team.team_id, "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2");
  ASSERT_EQ(team.members_added.size(), 1U);

  const auto personal = parsed("conversation_update_personal.json");
  EXPECT_EQ(personal.what, kind::installed);
  EXPECT_TRUE(personal.bot_added);
  ASSERT_EQ(personal.members_added.size(), 2U);
  EXPECT_EQ(personal.members_added[0].id, megan);
  EXPECT_EQ(personal.members_added[0].aad_object_id, "7faf080b-d4ea-4c5b-a1f6-2f0d3c1e9b11");

  const auto add = parsed("installation_update_add.json");
  EXPECT_EQ(add.what, kind::installed);
  EXPECT_TRUE(add.bot_added);
  const auto remove = parsed("installation_update_remove.json");
  EXPECT_EQ(remove.what, kind::uninstalled);
  EXPECT_FALSE(remove.bot_added);

  EXPECT_EQ(parsed("message_reaction.json").what, kind::ignored);
}

TEST(teams_activity, members_added_without_the_bot_and_the_bot_removed) {
  const auto others = parse_activity(R"({"type":"conversationUpdate","recipient":{"id":"28:b"},
    "membersAdded":[{"id":"29:new","aadObjectId":"aad-new"}]})");
  ASSERT_TRUE(others);
  EXPECT_EQ(others->what, kind::installed);
  EXPECT_FALSE(others->bot_added);
  const auto removed = parse_activity(R"({"type":"conversationUpdate","recipient":{"id":"28:b"},"membersRemoved":[{"id":"28:b"}]})");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->what, kind::uninstalled);
  const auto renamed = parse_activity(R"({"type":"conversationUpdate","recipient":{"id":"28:b"},"channelData":{"eventType":"teamRenamed"}})");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->what, kind::ignored);
}

std::string message(std::string_view conversation_type, std::string_view text, std::string_view entities) {
  return R"({"type":"message","recipient":{"id":"28:bot","name":"smrel"},"conversation":{"id":"c","conversationType":")" +
         std::string(conversation_type) + R"("},"text":)" + std::string(text) + R"(,"entities":)" + std::string(entities) + "}";
}

TEST(teams_activity, mentions_are_stripped_by_their_entity_and_only_the_bots) {
  const auto bot_mention = R"([{"type":"mention","mentioned":{"id":"28:bot","name":"smrel"},"text":"<at>smrel</at>"}])";
  // Personal: every message is a command, a mention of the bot removed all the same.
  auto a = parse_activity(message("personal", R"("<at>smrel</at>   JOIN\tmarketing ")", bot_mention));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::command);
  EXPECT_EQ(a->text, "JOIN marketing");
  // Someone else's mention stays in the words; the bot's name elsewhere in the text stays too.
  a = parse_activity(message("channel", R"("<at>smrel</at> status <at>Adele</at> smrel")",
                             R"([{"type":"mention","mentioned":{"id":"29:adele","name":"Adele"},"text":"<at>Adele</at>"},)"
                             R"({"type":"mention","mentioned":{"id":"28:bot","name":"smrel"},"text":"<at>smrel</at>"}])"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::command);
  EXPECT_EQ(a->text, "status <at>Adele</at> smrel");
  // A mention entity naming another id, with text that looks like the bot's, is not the bot's.
  a = parse_activity(message("channel", R"("<at>smrel</at> status")",
                             R"([{"type":"mention","mentioned":{"id":"28:other","name":"smrel"},"text":"<at>smrel</at>"}])"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::ignored);
  // A channel message with <at>smrel</at> typed but no entity is not a mention.
  a = parse_activity(message("groupChat", R"("<at>smrel</at> status")", "[]"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::ignored);
  // An unknown conversation type is treated as a group: a mention is needed.
  a = parse_activity(message("meetingSpace", R"("status")", "[]"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::ignored);
  // Only a mention: an empty command (the engine answers with help).
  a = parse_activity(message("channel", R"("<at>smrel</at>")", bot_mention));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::command);
  EXPECT_EQ(a->text, "");
  // "smrel" alone is not a prefix to remove; "smrelx status" neither.
  a = parse_activity(message("personal", R"("smrelx status")", "[]"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->text, "smrelx status");
  a = parse_activity(message("personal", R"("SMREL status")", "[]"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->text, "status");
}

TEST(teams_activity, submits_that_are_not_ours_are_ignored) {
  for (const auto* value : {R"("answer")", "42", "[1,2]", R"({"action":"x"})", R"({"smrel":7,"value":"v"})", R"({"msteams":{"type":"messageBack"}})"}) {
    const auto a = parse_activity(R"({"type":"message","conversation":{"conversationType":"personal"},"text":"","value":)" +
                                  std::string(value) + "}");
    ASSERT_TRUE(a) << value;
    EXPECT_EQ(a->what, kind::ignored) << value;
    EXPECT_EQ(a->action, "") << value;
  }
  // A Submit merged with inputs, value not a string: our action, empty value.
  const auto a = parse_activity(R"({"type":"message","value":{"smrel":"answer","value":3,"comment":"hi"},"replyToId":"9"})");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->what, kind::card_submit);
  EXPECT_EQ(a->action, "answer");
  EXPECT_EQ(a->value, "");
  EXPECT_EQ(a->reply_to_id, "9");
}

TEST(teams_activity, other_invokes_and_types_are_ignored) {
  for (const auto* body : {R"({"type":"invoke","name":"task/fetch","value":{"data":{"smrel":"answer"}}})",
                           R"({"type":"invoke","name":"composeExtension/query"})", R"({"type":"typing"})",
                           R"({"type":"event","name":"application/vnd.microsoft.meetingStart"})", R"({"type":"endOfConversation"})",
                           R"({"type":"installationUpdate","action":"upgrade"})"}) {
    const auto a = parse_activity(body);
    ASSERT_TRUE(a) << body;
    EXPECT_EQ(a->what, kind::ignored) << body;
  }
  const auto no_data = parse_activity(R"({"type":"invoke","name":"adaptiveCard/action","value":{"action":{"verb":"x"}}})");
  ASSERT_TRUE(no_data);
  EXPECT_EQ(no_data->what, kind::card_action);
  EXPECT_EQ(no_data->action, "");
}

TEST(teams_activity, odd_shapes_are_refused_not_thrown) {
  for (const auto* body :
       {"", "not json", "[]", "\"message\"", "{}", R"({"type":""})", R"({"type":7})", R"({"type":"message","text":5})",
        R"({"type":"message","from":"29:x"})", R"({"type":"message","conversation":[]})", R"({"type":"message","recipient":{"id":28}})",
        R"({"type":"message","channelData":{"tenant":"t"}})", R"({"type":"message","channelData":{"team":{"id":{}}}})",
        R"({"type":"message","entities":{"type":"mention"}})", R"({"type":"message","conversation":{"conversationType":"channel"},"entities":[{"type":"mention","mentioned":"28:b"}]})",
        R"({"type":"invoke","name":"adaptiveCard/action","value":"x"})", R"({"type":"invoke","name":"adaptiveCard/action","value":{"action":{"verb":1}}})",
        R"({"type":"conversationUpdate","membersAdded":{"id":"29:x"}})", R"({"type":"conversationUpdate","membersAdded":["29:x"]})",
        R"({"type":"installationUpdate","action":1})", R"({"type":"message","locale":["nl"]})", "{\"type\":\"message\",\"text\":\"\xff\"}"}) {
    EXPECT_FALSE(parse_activity(body)) << body;
  }
  // JSON null is absence, not a wrong type.
  const auto nulls = parse_activity(R"({"type":"message","text":null,"from":null,"conversation":{"conversationType":"personal","tenantId":null},"value":null})");
  ASSERT_TRUE(nulls);
  EXPECT_EQ(nulls->what, kind::command);
  // Odd entities (not objects) are skipped rather than fatal: entities are extensible.
  const auto odd_entities = parse_activity(R"({"type":"message","conversation":{"conversationType":"personal"},"text":"help","entities":[1,"x",null]})");
  ASSERT_TRUE(odd_entities);
  EXPECT_EQ(odd_entities->text, "help");
}

TEST(teams_activity, huge_input_is_refused_unread) {
  std::string body = R"({"type":"message","conversation":{"conversationType":"personal"},"text":")";
  body += std::string(max_activity_bytes, 'a');
  body += "\"}";
  EXPECT_FALSE(parse_activity(body));
  // Just under the bound is fine.
  std::string fits = R"({"type":"message","conversation":{"conversationType":"personal"},"text":")";
  fits += std::string(max_activity_bytes - fits.size() - 2, 'a') + "\"}";
  ASSERT_EQ(fits.size(), max_activity_bytes);
  EXPECT_TRUE(parse_activity(fits));
  // Nesting in an ignored field is read up to a depth no activity reaches; deeper is refused, not
  // followed (the parser recurses per level: 250,000 levels would exhaust the stack).
  const auto nested = [](std::size_t depth) {
    return std::string(R"({"type":"message","attachments":)") + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  EXPECT_TRUE(parse_activity(nested(90)));
  EXPECT_FALSE(parse_activity(nested(101)));
  EXPECT_FALSE(parse_activity(nested(max_activity_bytes / 2 - 40)));
}

}  // namespace
}  // namespace smrel::adapters::teams
