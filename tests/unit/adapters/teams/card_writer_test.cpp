// The card is written straight into a string (no JSON tree): these pin down that the text is the
// same card the tree gave, element for element, and escaped exactly as nlohmann/json dumps it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "adapters/teams/cards.hpp"

namespace smrel::adapters::teams {
namespace {

using json = nlohmann::json;
using domain::button;

json text_block(const std::string& text, json extra = json::object()) {
  json block{{"type", "TextBlock"}, {"text", text}, {"wrap", true}};
  block.update(extra);
  return block;
}

json action(const std::string& title, const std::string& value) {
  const json data{{"smrel", "answer"}, {"value", value}};
  return {{"type", "Action.Execute"},
          {"title", title},
          {"verb", "answer"},
          {"data", data},
          {"fallback", {{"type", "Action.Submit"}, {"title", title}, {"data", data}}}};
}

domain::message every_block_kind() {
  domain::message m;
  m.fallback_text = "the \"pulse\"";
  m.header("Title\n\nSecond");
  m.text("a\nb");
  m.divider();
  m.text("  \n");  // renders nothing: the separator goes to the next element
  std::vector<button> row;
  for (int v = 1; v <= 5; ++v) {
    row.push_back({std::to_string(v), "answer", "p1.q01." + std::to_string(v), v == 2 ? button::style::primary : button::style::plain});
  }
  row.push_back({"Weet ik niet", "answer", "p1.q01.9", button::style::danger});
  m.buttons(std::move(row), "p1.q01");
  m.context({"small one", "small\ntwo"});
  m.divider().fields({"A\n1", "B\n2\n3", "C", "D\nx"});
  m.divider();
  return m;
}

json expected_card() {
  const json bolder_medium{{"weight", "Bolder"}, {"size", "Medium"}};
  const json small{{"size", "Small"}, {"isSubtle", true}};
  const json label{{"weight", "Bolder"}};
  const json none{{"spacing", "None"}};
  json first_set{{"type", "ActionSet"}, {"id", "p1.q01"}, {"separator", true}, {"spacing", "Medium"}};
  first_set["actions"] = json::array({action("1", "p1.q01.1"), action("✓ 2", "p1.q01.2"), action("3", "p1.q01.3"),
                                      action("4", "p1.q01.4"), action("5", "p1.q01.5")});
  const json second_set{{"type", "ActionSet"}, {"spacing", "Small"}, {"actions", json::array({action("Weet ik niet", "p1.q01.9")})}};
  const auto column = [](json items) { return json{{"type", "Column"}, {"width", "stretch"}, {"items", std::move(items)}}; };
  json first_row{{"type", "ColumnSet"}, {"separator", true}, {"spacing", "Medium"}};
  first_row["columns"] = json::array({column(json::array({text_block("A", label), text_block("1")})),
                                      column(json::array({text_block("B", label), text_block("2"), text_block("3", none)})),
                                      column(json::array({text_block("C", label)}))});
  const json second_row{{"type", "ColumnSet"}, {"columns", json::array({column(json::array({text_block("D", label), text_block("x")}))})}};
  json body = json::array({text_block("Title", bolder_medium), text_block("Second", bolder_medium), text_block("a"),
                           text_block("b", none), first_set, second_set, text_block("small one", small),
                           text_block("small", small)});
  auto two = text_block("two", small);
  two.update(none);
  body.push_back(two);
  body.push_back(first_row);
  body.push_back(second_row);
  return {{"type", "AdaptiveCard"},
          {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
          {"version", "1.5"},
          {"msteams", {{"width", "Full"}}},
          {"body", body}};
}

TEST(teams_card_writer, writes_the_same_card_the_json_tree_gave_for_every_block_kind) {
  const auto m = every_block_kind();
  const auto card = json::parse(card_json(m));
  EXPECT_EQ(card, expected_card()) << card.dump(2);

  const json invoke{{"statusCode", 200}, {"type", "application/vnd.microsoft.card.adaptive"}, {"value", expected_card()}};
  EXPECT_EQ(json::parse(invoke_card_response(m)), invoke);

  const json activity{{"type", "message"},
                      {"summary", "the \"pulse\""},
                      {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                                    {"content", expected_card()}}})}};
  EXPECT_EQ(json::parse(message_activity(m)), activity);
}

TEST(teams_card_writer, an_empty_message_is_an_empty_card) {
  const auto card = json::parse(card_json(domain::message{}));
  EXPECT_EQ(card["body"], json::array());
  EXPECT_EQ(card["type"], "AdaptiveCard");
}

// How nlohmann/json wrote a string (with invalid UTF-8 replaced), which the card must keep doing.
std::string dumped(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

// A button's value is written whole (texts are split into lines), so its escaping shows as is.
std::string written_value(const std::string& s) {
  domain::message m;
  m.buttons({{"b", "answer", s, button::style::plain}});
  const auto card = card_json(m);
  const std::string key = R"("value":)";
  const auto at = card.find(key);
  if (at == std::string::npos) return "(no value)";
  const auto start = at + key.size();
  // The value is the last member of the data object: up to its closing brace.
  return card.substr(start, card.find("},", start) - start);
}

TEST(teams_card_writer, escapes_like_nlohmann_json) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  const std::vector<std::string> cases{
      "plain",       "quote \" and backslash \\ and slash /", controls, "del \x7f",
      "é ü € 𝄞 ✓",   "lone continuation \x80 byte",          "invalid lead \xff\xfe \xc0\xaf \xc1",
      "cut at end \xe2\x82", "cut 4-byte \xf0\x9d\x84",      "overlong \xe0\x80\xaf",
      "surrogate \xed\xa0\x80", "past U+10FFFF \xf4\x90\x80\x80", "too high lead \xf5\x80",
      "restart \xe2\x28\xa1",   "\xc3",                      ""};
  for (const auto& s : cases) EXPECT_EQ(written_value(s), dumped(s)) << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
  EXPECT_EQ(written_value("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(written_value("x\xffy"), "\"x\xEF\xBF\xBDy\"");
  // The label (a title written twice) and text blocks go through the same escaping.
  domain::message m;
  m.text("say \"hi\"\t\\ \xff");
  m.buttons({{"\"q\" \xe2\x82", "answer", "v", button::style::primary}});
  const auto card = json::parse(card_json(m));
  EXPECT_EQ(card["body"][0]["text"], "say \"hi\"\t\\ \xEF\xBF\xBD");
  EXPECT_EQ(card["body"][1]["actions"][0]["title"], "✓ \"q\" \xEF\xBF\xBD");
  EXPECT_EQ(card["body"][1]["actions"][0]["fallback"]["title"], "✓ \"q\" \xEF\xBF\xBD");
}

TEST(teams_card_writer, escapes_random_bytes_like_nlohmann_json) {
  // Bytes weighted towards what UTF-8 decoding decides on: leads, continuations, boundaries.
  const std::vector<unsigned char> alphabet{0x00, 0x0a, 0x1f, 0x20, '"', '\\', 'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                                            0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
                                            0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  std::mt19937 random(20261128);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(0, 10);
  for (int round = 0; round < 20'000; ++round) {
    std::string s;
    for (int n = length(random); n > 0; --n) s.push_back(static_cast<char>(alphabet[pick(random)]));
    ASSERT_EQ(written_value(s), dumped(s)) << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

}  // namespace
}  // namespace smrel::adapters::teams
