// Outbox content round-trips exactly (rows written by one version are read by the next), refuses
// malformed rows instead of guessing, and Slack's rows from before neutral rows are understood.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bot/service/outbox_content.hpp"
#include "bot/service/slack/legacy_rows.hpp"

namespace smrel::service {
namespace {

domain::message sample_message() {
  domain::message m;
  m.fallback_text = "Status: Defined";
  m.visible_to_channel = true;
  m.header("Where we stand").text("Sales and Marketing \"agree\" — mostly.").fields({"Stage", "Defined"});
  m.context({"as of 2026-W47"}).divider();
  m.text("Open until Sunday 6 December 2026, 23:59 Amsterdam time.",
         {{1796597940, "Sunday 6 December 2026, 23:59 Amsterdam time", true, "en"}});
  m.buttons({{"4", "answer", "p7.q03.4", domain::button::style::primary, "4 — Agree"},
             {"Erase", "forget_confirm", "me", domain::button::style::danger},
             {"Cancel", "forget_cancel", "me", domain::button::style::plain}},
            "row-1");
  return m;
}

void expect_same(const domain::message& a, const domain::message& b) {
  EXPECT_EQ(a.fallback_text, b.fallback_text);
  EXPECT_EQ(a.visible_to_channel, b.visible_to_channel);
  ASSERT_EQ(a.blocks.size(), b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    EXPECT_EQ(a.blocks[i].type, b.blocks[i].type) << i;
    EXPECT_EQ(a.blocks[i].text, b.blocks[i].text) << i;
    EXPECT_EQ(a.blocks[i].items, b.blocks[i].items) << i;
    EXPECT_EQ(a.blocks[i].id, b.blocks[i].id) << i;
    ASSERT_EQ(a.blocks[i].moments.size(), b.blocks[i].moments.size()) << i;
    for (std::size_t j = 0; j < a.blocks[i].moments.size(); ++j) {
      const auto& x = a.blocks[i].moments[j];
      const auto& y = b.blocks[i].moments[j];
      EXPECT_EQ(x.unix_seconds, y.unix_seconds);
      EXPECT_EQ(x.in_words, y.in_words);
      EXPECT_EQ(x.with_time, y.with_time);
      EXPECT_EQ(x.language, y.language);
    }
    ASSERT_EQ(a.blocks[i].buttons.size(), b.blocks[i].buttons.size()) << i;
    for (std::size_t j = 0; j < a.blocks[i].buttons.size(); ++j) {
      const auto& x = a.blocks[i].buttons[j];
      const auto& y = b.blocks[i].buttons[j];
      EXPECT_EQ(x.label, y.label);
      EXPECT_EQ(x.action, y.action);
      EXPECT_EQ(x.value, y.value);
      EXPECT_EQ(x.look, y.look);
      EXPECT_EQ(x.spoken, y.spoken);
    }
  }
}

TEST(outbox_content, a_message_round_trips_exactly) {
  const auto decoded = decode_content(encode_content(sample_message()));
  ASSERT_TRUE(decoded);
  ASSERT_TRUE(std::holds_alternative<domain::message>(*decoded));
  expect_same(std::get<domain::message>(*decoded), sample_message());
}

TEST(outbox_content, references_round_trip_with_their_platform) {
  const domain::member_key who{{domain::platform::teams, "tenant-1"}, "aad-7"};
  const auto pulse = decode_content(encode_content(pulse_ref{who, 42}));
  ASSERT_TRUE(pulse && std::holds_alternative<pulse_ref>(*pulse));
  EXPECT_EQ(std::get<pulse_ref>(*pulse).who, who);
  EXPECT_EQ(std::get<pulse_ref>(*pulse).pulse_id, 42);
  EXPECT_FALSE(std::get<pulse_ref>(*pulse).weekly_dm);
  const auto dm = decode_content(encode_content(pulse_ref{who, 42, true}));
  ASSERT_TRUE(dm && std::holds_alternative<pulse_ref>(*dm));
  EXPECT_TRUE(std::get<pulse_ref>(*dm).weekly_dm);
  // A row queued before the flag existed reads as not the DM; a flag that is not a boolean is refused.
  const auto older = encode_content(pulse_ref{who, 42});
  EXPECT_EQ(older.find("\"dm\""), std::string::npos);
  auto odd = nlohmann::json::parse(encode_content(pulse_ref{who, 42, true}));
  odd["pulse"]["dm"] = "yes";
  EXPECT_FALSE(decode_content(odd.dump()));
  const auto reminder = decode_content(encode_content(pulse_ref{who, 42, true, true}));
  ASSERT_TRUE(reminder && std::holds_alternative<pulse_ref>(*reminder));
  EXPECT_TRUE(std::get<pulse_ref>(*reminder).reminder);
  EXPECT_FALSE(std::get<pulse_ref>(*dm).reminder);
  const auto home = decode_content(encode_content(home_ref{who}));
  ASSERT_TRUE(home && std::holds_alternative<home_ref>(*home));
  EXPECT_EQ(std::get<home_ref>(*home).who, who);
}

TEST(outbox_content, a_post_with_its_notice_round_trips) {
  domain::message notice;
  notice.fallback_text = "Invite me";
  notice.text("Invite me");
  const auto decoded = decode_content(encode_content(post_with_notice{sample_message(), "https://hooks/1", notice}));
  ASSERT_TRUE(decoded && std::holds_alternative<post_with_notice>(*decoded));
  const auto& post = std::get<post_with_notice>(*decoded);
  expect_same(post.message, sample_message());
  expect_same(post.notice, notice);
  EXPECT_EQ(post.notice_to, "https://hooks/1");
}

TEST(outbox_content, an_unattended_post_and_a_direct_note_round_trip) {
  const domain::workspace_ref workspace{domain::platform::teams, "tenant-1"};
  const auto post = decode_content(encode_content(unattended_post{sample_message(), workspace, "2026-W49"}));
  ASSERT_TRUE(post && std::holds_alternative<unattended_post>(*post));
  expect_same(std::get<unattended_post>(*post).message, sample_message());
  EXPECT_EQ(std::get<unattended_post>(*post).workspace, workspace);
  EXPECT_EQ(std::get<unattended_post>(*post).week, "2026-W49");
  const domain::member_key admin{workspace, "aad-1"};
  const auto note = decode_content(encode_content(direct_note{admin, sample_message()}));
  ASSERT_TRUE(note && std::holds_alternative<direct_note>(*note));
  EXPECT_EQ(std::get<direct_note>(*note).who, admin);
  expect_same(std::get<direct_note>(*note).message, sample_message());
}

// How a removed workspace's rows are found: every content that names it holds its marker, and
// no other workspace's (not even one whose id starts the same) does.
TEST(outbox_content, every_content_naming_a_workspace_holds_its_marker) {
  const domain::workspace_ref t1{domain::platform::slack, "T1"};
  const domain::workspace_ref t10{domain::platform::slack, "T10"};
  const auto marker = workspace_marker(t1);
  for (const auto& content :
       {outbox_content{pulse_ref{{t1, "U1"}, 7, true, true}}, outbox_content{home_ref{{t1, "U1"}}},
        outbox_content{direct_note{{t1, "UADMIN"}, sample_message()}},
        outbox_content{unattended_post{sample_message(), t1, "2026-W49"}}}) {
    const auto text = encode_content(content);
    EXPECT_NE(text.find(marker), std::string::npos) << text;
    EXPECT_EQ(text.find(workspace_marker(t10)), std::string::npos) << text;
  }
  EXPECT_EQ(encode_content(pulse_ref{{t10, "U1"}, 7}).find(marker), std::string::npos);
}

TEST(outbox_content, malformed_content_is_refused_not_guessed) {
  for (const auto* text :
       {"", "null", "[]", "{}", R"({"message":{}})", R"({"message":{"blocks":[{"kind":"marquee"}]}})",
        R"({"message":{"blocks":[{"kind":"buttons","buttons":[{"style":"blink"}]}]}})",
        R"({"pulse":{"platform":"irc","workspace":"T","user":"U","pulse":1}})",
        R"({"pulse":{"platform":"slack","workspace":"T","user":"U","pulse":"1"}})",
        R"({"home":{"platform":"slack","workspace":"T"}})", R"({"pulse":{},"home":{}})",
        R"({"post":{"message":{"blocks":[]},"notice":{"blocks":[]}}})",
        R"({"unattended":{"message":{"blocks":[]},"platform":"slack","workspace":"T","week":"W49"}})",
        R"({"unattended":{"message":{"blocks":[]},"platform":"slack","week":"2026-W49"}})",
        R"({"direct":{"platform":"slack","workspace":"T","user":"U"}})"}) {
    EXPECT_FALSE(decode_content(text)) << text;
  }
}

TEST(legacy_rows, late_rendered_slack_rows_become_neutral_and_the_rest_stay_verbatim) {
  storage::outbox_message dm;
  dm.id = 9;
  dm.claim = 77;
  dm.kind = storage::outbox_kind::verbatim;
  dm.address = R"({"method":"dm.pulse","target":"U1"})";
  dm.content = R"({"workspace":"T1","user":"U1","pulse":5})";
  const auto modern = modernise_legacy_row(dm);
  ASSERT_TRUE(modern);
  EXPECT_EQ(modern->kind, storage::outbox_kind::pulse_dm);
  EXPECT_EQ(modern->address, "U1");
  EXPECT_EQ(modern->id, 9);
  EXPECT_EQ(modern->claim, 77);
  const auto content = decode_content(modern->content);
  ASSERT_TRUE(content && std::holds_alternative<pulse_ref>(*content));
  const auto& ref = std::get<pulse_ref>(*content);
  EXPECT_EQ(ref.who, (domain::member_key{{domain::platform::slack, "T1"}, "U1"}));
  EXPECT_EQ(ref.pulse_id, 5);

  auto update = dm;
  update.address = R"({"method":"response_url.pulse","target":"https://hooks.slack.com/actions/T1/1/x"})";
  ASSERT_TRUE(modernise_legacy_row(update));
  EXPECT_EQ(modernise_legacy_row(update)->kind, storage::outbox_kind::pulse_update);
  EXPECT_EQ(modernise_legacy_row(update)->address, "https://hooks.slack.com/actions/T1/1/x");

  auto post = dm;
  post.address = R"({"method":"chat.postMessage","target":"C1"})";
  post.content = R"({"channel":"C1","text":"hi"})";
  EXPECT_FALSE(modernise_legacy_row(post));  // sent as stored
  ASSERT_TRUE(parse_legacy_address(post.address));
  EXPECT_EQ(parse_legacy_address(post.address)->method, "chat.postMessage");

  auto broken = dm;
  broken.content = R"({"workspace":"T1","user":"U1"})";
  EXPECT_FALSE(modernise_legacy_row(broken));
  EXPECT_FALSE(parse_legacy_address("not json"));
}

}  // namespace
}  // namespace smrel::service
