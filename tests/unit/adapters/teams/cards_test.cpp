#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/teams/cards.hpp"

namespace smrel::adapters::teams {
namespace {

using json = nlohmann::json;
using domain::button;

domain::message pulse_like() {
  domain::message m;
  m.fallback_text = "Jouw Sales × Marketing-pulse, 2026-W48\n• Marketing weet wat Sales nodig heeft.";
  m.header("Jouw Sales × Marketing-pulse, 2026-W48").text("Hoe eens ben je het ermee?\nJe antwoorden zijn anoniem.");
  m.text("Marketing weet wat Sales nodig heeft.");
  std::vector<button> row;
  for (int v = 1; v <= 5; ++v) {
    row.push_back({std::to_string(v), "answer", "p12.q03." + std::to_string(v), v == 4 ? button::style::primary : button::style::plain});
  }
  row.push_back({"Weet ik niet", "answer", "p12.q03.9", button::style::plain});
  m.buttons(std::move(row), "p12.q03");
  m.context({"Jouw antwoord: 4 · Eens"});
  m.divider().fields({"Sales\n52 (47–57)", "Marketing\n48", "Leiderschap\nte weinig mensen", "Extra\nx"});
  m.divider();  // trailing: nothing to separate
  return m;
}

// Every action in the card, wherever it sits.
void collect_actions(const json& node, std::vector<json>& out) {
  if (node.is_object()) {
    if (node.contains("type") && node["type"].is_string() && node["type"].get<std::string>().rfind("Action.", 0) == 0) out.push_back(node);
    for (const auto& [key, child] : node.items()) {
      if (key != "fallback") collect_actions(child, out);
    }
  } else if (node.is_array()) {
    for (const auto& child : node) collect_actions(child, out);
  }
}

TEST(teams_cards, an_adaptive_card_1_5_full_width_with_every_block_kind) {
  const auto card = json::parse(card_json(pulse_like()));
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.5");
  EXPECT_EQ(card["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
  EXPECT_EQ(card["msteams"]["width"], "Full");
  const auto& body = card["body"];
  ASSERT_GE(body.size(), 9U);
  EXPECT_EQ(body[0]["type"], "TextBlock");
  EXPECT_EQ(body[0]["weight"], "Bolder");
  EXPECT_EQ(body[0]["size"], "Medium");
  EXPECT_EQ(body[0]["text"], "Jouw Sales × Marketing-pulse, 2026-W48");
  // A text's lines are separate blocks, without spacing between them.
  EXPECT_EQ(body[1]["text"], "Hoe eens ben je het ermee?");
  EXPECT_EQ(body[2]["text"], "Je antwoorden zijn anoniem.");
  EXPECT_EQ(body[2]["spacing"], "None");
  EXPECT_TRUE(body[2]["wrap"]);
  EXPECT_EQ(body[3]["text"], "Marketing weet wat Sales nodig heeft.");
  EXPECT_EQ(body[4]["type"], "ActionSet");
  EXPECT_EQ(body[4]["id"], "p12.q03");
  EXPECT_EQ(body[4]["actions"].size(), 5U);  // the validator's (and the default host's) maxActions
  EXPECT_EQ(body[5]["type"], "ActionSet");    // the row goes on: "can't judge"
  EXPECT_EQ(body[5]["actions"].size(), 1U);
  EXPECT_FALSE(body[5].contains("id"));
  EXPECT_EQ(body[6]["size"], "Small");
  EXPECT_EQ(body[6]["isSubtle"], true);
  // The divider separates the fields; four fields wrap after three columns.
  EXPECT_EQ(body[7]["type"], "ColumnSet");
  EXPECT_EQ(body[7]["separator"], true);
  ASSERT_EQ(body[7]["columns"].size(), 3U);
  EXPECT_EQ(body[7]["columns"][0]["items"][0]["text"], "Sales");
  EXPECT_EQ(body[7]["columns"][0]["items"][0]["weight"], "Bolder");
  EXPECT_EQ(body[7]["columns"][0]["items"][1]["text"], "52 (47–57)");
  EXPECT_EQ(body[8]["type"], "ColumnSet");
  EXPECT_EQ(body[8]["columns"].size(), 1U);
  EXPECT_EQ(body.size(), 9U);  // the trailing divider adds nothing
}

TEST(teams_cards, buttons_are_execute_actions_with_a_submit_fallback_carrying_the_same_data_object) {
  std::vector<json> actions;
  collect_actions(json::parse(card_json(pulse_like())), actions);
  ASSERT_EQ(actions.size(), 6U);
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const auto& a = actions[i];
    EXPECT_EQ(a["type"], "Action.Execute");
    EXPECT_EQ(a["verb"], "answer");
    ASSERT_TRUE(a["data"].is_object());
    EXPECT_EQ(a["data"]["smrel"], "answer");
    EXPECT_FALSE(a.contains("style"));  // Teams renders no positive/destructive styles
    const auto& fallback = a["fallback"];
    EXPECT_EQ(fallback["type"], "Action.Submit");
    EXPECT_EQ(fallback["data"], a["data"]);
    EXPECT_EQ(fallback["title"], a["title"]);
  }
  EXPECT_EQ(actions[0]["title"], "1");
  EXPECT_EQ(actions[0]["data"]["value"], "p12.q03.1");
  EXPECT_EQ(actions[3]["title"], "✓ 4");  // the chosen answer
  EXPECT_EQ(actions[5]["title"], "Weet ik niet");
  EXPECT_EQ(actions[5]["data"]["value"], "p12.q03.9");
}

TEST(teams_cards, the_message_activity_and_invoke_answers) {
  const auto m = pulse_like();
  const auto activity = json::parse(message_activity(m));
  EXPECT_EQ(activity["type"], "message");
  EXPECT_EQ(activity["summary"], m.fallback_text);
  EXPECT_FALSE(activity.contains("text"));  // the card shows the words; text would repeat them above it
  ASSERT_EQ(activity["attachments"].size(), 1U);
  EXPECT_EQ(activity["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(activity["attachments"][0]["content"], json::parse(card_json(m)));

  const auto answer = json::parse(invoke_card_response(m));
  EXPECT_EQ(answer["statusCode"], 200);
  EXPECT_EQ(answer["type"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(answer["value"], json::parse(card_json(m)));

  const auto refused = json::parse(invoke_error_response(400, "NotSupported", "That card is not one of ours."));
  EXPECT_EQ(refused, json::parse(R"({"statusCode":400,"type":"application/vnd.microsoft.error",
                                     "value":{"code":"NotSupported","message":"That card is not one of ours."}})"));

  // Without a fallback text the summary is the plain text of the blocks.
  domain::message bare;
  bare.header("Title").text("Body");
  EXPECT_EQ(json::parse(message_activity(bare))["summary"], "Title\n\nBody");
}

TEST(teams_cards, an_oversized_message_keeps_what_fits_and_says_more_was_left_out) {
  domain::message m;
  m.fallback_text = std::string(50'000, 's');
  m.header("Big");
  for (int i = 0; i < 400; ++i) m.text("Statement " + std::to_string(i) + ": " + std::string(400, 'x'));
  for (const auto& out : {card_json(m), message_activity(m), invoke_card_response(m)}) {
    EXPECT_LE(out.size(), max_card_bytes);
    EXPECT_GT(out.size(), max_card_bytes / 2);  // not emptied
    EXPECT_NE(out.find("Statement 0:"), std::string::npos);
    EXPECT_EQ(out.find("Statement 399:"), std::string::npos);
    EXPECT_NE(out.find(R"("text":"…")"), std::string::npos);
  }
  EXPECT_LE(json::parse(message_activity(m))["summary"].get<std::string>().size(), 1000U * 3);
  // One block alone too big: dropped, the card still valid and small.
  domain::message huge;
  huge.text(std::string(200'000, 'y'));
  const auto card = json::parse(card_json(huge));
  ASSERT_EQ(card["body"].size(), 1U);
  EXPECT_EQ(card["body"][0]["text"], "…");
  // A message that fits is never cut.
  EXPECT_EQ(card_json(pulse_like()).find("…\""), std::string::npos);
}

// An instant the text says in words is shown in each reader's own time zone and language (Dutch
// too); the fallback text keeps the words.
TEST(teams_cards, instants_become_date_and_time_functions_the_reader_sees_in_their_own_terms) {
  domain::message m;
  m.fallback_text = "Open tot zondag 6 december 2026 om 23:59, tijd in Amsterdam.";
  m.text(m.fallback_text, {{1796597940, "zondag 6 december 2026 om 23:59, tijd in Amsterdam", true, "nl"}});
  m.text("Week of Monday 30 November 2026.", {{1795993200, "Monday 30 November 2026", false, "en"},
                                              {1, "not in the text", true, "en"}});
  const auto card = json::parse(card_json(m));
  EXPECT_EQ(card["body"][0]["text"], "Open tot {{DATE(2026-12-06T22:59:00Z, LONG)}} {{TIME(2026-12-06T22:59:00Z)}}.");
  EXPECT_EQ(card["body"][1]["text"], "Week of {{DATE(2026-11-29T23:00:00Z, LONG)}}.");
}

TEST(teams_cards, invalid_utf8_is_replaced_not_thrown) {
  domain::message m;
  m.header("bad \xff byte").buttons({{"ok", "x", "\xc3", button::style::danger}});
  const auto card = json::parse(card_json(m));
  EXPECT_EQ(card["body"][0]["text"], "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace smrel::adapters::teams
