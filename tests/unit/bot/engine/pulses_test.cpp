// The pulse after a click, as the Teams click path renders it into its HTTP response: pseudonyms
// and, on a store no other process writes answers to, each person's answers (their sheet) are kept
// in memory, so the card is made without a read.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <span>

#include "bot/domain/plain_text.hpp"
#include "bot/engine/answer_desk.hpp"
#include "bot/engine/pulses.hpp"
#include "bot/engine/views.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::engine {
namespace {

using namespace std::chrono;
using domain::member_key;
using domain::platform;

const domain::workspace_ref tenant{platform::teams, "tenant-1"};
const domain::time_point monday = sys_days{2026y / November / 23} + hours{11};
constexpr std::string_view pseudonym_key = "pulses-test-key-0123456789abcdef0123";

class pulses_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::open_store("sqlite:" + dir_.file("smrel.db"));
    store_->migrate();
    core_.emplace(*store_, pseudonyms_, clock_, options_from(config::settings{}));
    pulses_.emplace(*core_);
    desk_.emplace(*core_, *pulses_);
  }

  // How many answers the pulse shows as given.
  static int answers_shown(const domain::message& m) {
    const auto text = domain::plain_text(m);
    int n = 0;
    for (auto at = text.find("Your answer:"); at != std::string::npos; at = text.find("Your answer:", at + 1)) ++n;
    return n;
  }

  testing::temp_dir dir_;
  std::unique_ptr<storage::store> store_;
  const domain::pseudonymizer pseudonyms_{pseudonym_key};
  domain::manual_clock clock_{monday};
  std::optional<bot_core> core_;
  std::optional<pulses> pulses_;
  std::optional<answer_desk> desk_;
};

TEST_F(pulses_test, pseudonyms_are_the_pseudonymizers_and_no_two_members_share_one) {
  // Pairs that a plain concatenation of the ids would mix up, and one user on both platforms.
  const std::vector<member_key> keys{{{platform::teams, "a"}, "bc"}, {{platform::teams, "ab"}, "c"},
                                     {{platform::slack, "ab"}, "c"},  {{platform::teams, "a1"}, ":x"},
                                     {{platform::teams, "a"}, "1:x"}};
  for (int round = 0; round < 2; ++round) {  // worked out, then kept
    std::set<std::string> seen;
    for (const auto& who : keys) {
      const auto kept = pulses_->pseudonym(who);
      EXPECT_EQ(kept, pseudonyms_.pseudonym(who)) << who.workspace.id << "/" << who.user;
      seen.insert(kept);
    }
    EXPECT_EQ(seen.size(), keys.size());
  }
}

// The dispatcher's order: the decision, the commit (whose hook updates the sheets), the pulse.
TEST_F(pulses_test, the_pulse_after_a_click_comes_from_memory_with_the_committed_answer) {
  const member_key who{tenant, "user-1"};
  const auto view = pulses_->pulse_reply(who, scoring::locale::en);  // opens the pulse, reads the sheet
  std::vector<std::string> values;
  for (const auto& b : view.blocks) {
    if (!b.buttons.empty() && b.buttons.front().action == answer_action) values.push_back(b.buttons.front().value);
  }
  ASSERT_GE(values.size(), 2U);

  for (std::size_t i = 0; i < 2; ++i) {
    const auto decision = desk_->on_answer_click({who, std::string(answer_action), values[i], {}, "", "click-" + std::to_string(i)});
    ASSERT_TRUE(decision.answer);
    storage::write_batch batch;
    batch.answers.push_back(*decision.answer);
    store_->commit(batch, clock_.now());
    core_->sheets.committed(batch.answers, batch.follow_ups);

    const auto shown = pulses_->pulse_message_cached(who, decision.pulse_id, false);
    ASSERT_TRUE(shown) << "everything was read before: nothing should need storage";
    EXPECT_EQ(answers_shown(*shown), static_cast<int>(i + 1));
    // What storage says, read afresh by a process with nothing kept, is the same.
    bot_core fresh(*store_, pseudonyms_, clock_, options_from(config::settings{}));
    const auto read = pulses(fresh).pulse_message(who, decision.pulse_id, false);
    ASSERT_TRUE(read);
    EXPECT_EQ(domain::plain_text(*read), domain::plain_text(*shown));
    // As the weekly DM, both ways add the DM's footer, and nothing else changes.
    const auto dm_shown = pulses_->pulse_message_cached(who, decision.pulse_id, true);
    const auto dm_read = pulses(fresh).pulse_message(who, decision.pulse_id, true);
    ASSERT_TRUE(dm_shown && dm_read);
    EXPECT_EQ(domain::plain_text(*dm_read), domain::plain_text(*dm_shown));
    EXPECT_EQ(domain::plain_text(*dm_shown).rfind(domain::plain_text(*shown), 0), 0U);
    EXPECT_NE(domain::plain_text(*dm_shown).find("once a week"), std::string::npos);
    EXPECT_EQ(domain::plain_text(*shown).find("once a week"), std::string::npos);
  }
}

TEST_F(pulses_test, a_pulse_never_read_is_not_shown_from_memory_and_an_erased_persons_sheet_is_dropped) {
  const member_key who{tenant, "user-2"};
  const auto view = pulses_->pulse_reply(who, scoring::locale::en);
  std::optional<answer_button> first;
  for (const auto& b : view.blocks) {
    if (!first && !b.buttons.empty() && b.buttons.front().action == answer_action) first = parse_answer_button(b.buttons.front().value);
  }
  ASSERT_TRUE(first);
  EXPECT_FALSE(pulses_->pulse_message_cached({tenant, "someone-else"}, first->pulse_id, false));
  ASSERT_TRUE(pulses_->pulse_message(who, first->pulse_id, false));  // the member is read here, as a click does
  EXPECT_TRUE(pulses_->pulse_message_cached(who, first->pulse_id, false));
  core_->sheets.forget(pulses_->pseudonym(who));
  EXPECT_FALSE(pulses_->pulse_message_cached(who, first->pulse_id, false));
  EXPECT_TRUE(pulses_->pulse_message(who, first->pulse_id, false));  // read again, and kept
  EXPECT_TRUE(pulses_->pulse_message_cached(who, first->pulse_id, false));
}

// A week's pulse asks a follow-up or two beside its statements, so their clicks are decided from
// memory too, and exactly as storage would decide them.
TEST_F(pulses_test, a_follow_up_click_is_decided_from_memory_as_storage_would) {
  const member_key who{tenant, "user-3"};
  const auto week = core_->company_calendar.week_of(clock_.now());
  const auto asked = store_->record_nudge({0, tenant, "lead_sla", week - 4, "why", clock_.now(), week});
  const auto not_asked = store_->record_nudge({0, tenant, "win_loss_fields", week - 4, "why", clock_.now(), week + 1});
  const auto view = pulses_->pulse_reply(who, scoring::locale::en);
  std::optional<answer_button> statement;
  for (const auto& b : view.blocks) {
    if (!statement && !b.buttons.empty() && b.buttons.front().action == answer_action) {
      statement = parse_answer_button(b.buttons.front().value);
    }
  }
  ASSERT_TRUE(statement);
  const auto click_on = [&](std::int64_t nudge) {
    return domain::button_click{
        who, std::string(answer_action), follow_up_button_value(statement->pulse_id, nudge, 4), {}, "", "f"};
  };

  const auto read = desk_->on_answer_click(click_on(asked));  // from storage, and kept
  ASSERT_TRUE(read.follow_up);
  const auto cached = desk_->on_answer_click_cached(click_on(asked));
  ASSERT_TRUE(cached) << "everything was read before: the next click needs no storage";
  ASSERT_TRUE(cached->accepted());
  ASSERT_TRUE(cached->follow_up);
  EXPECT_FALSE(cached->answer);
  EXPECT_EQ(cached->follow_up->nudge, asked);
  EXPECT_EQ(cached->follow_up->value, 4);
  EXPECT_EQ(cached->follow_up->pseudonym, read.follow_up->pseudonym);

  // Another week's follow-up is not one this pulse asks: refused from memory as from storage.
  const auto refused = desk_->on_answer_click_cached(click_on(not_asked));
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->accepted());
  EXPECT_EQ(domain::plain_text(refused->refusal),
            domain::plain_text(desk_->on_answer_click(click_on(not_asked)).refusal));

  // Nudges issued since (a digest) drop the follow-ups kept: the next click goes to storage.
  core_->found.forget_follow_ups();
  EXPECT_FALSE(desk_->on_answer_click_cached(click_on(asked)));
}

}  // namespace
}  // namespace smrel::engine
