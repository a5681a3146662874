// The pulse after a click, as the Teams click path renders it into its HTTP response: the
// pseudonyms it works with are kept in memory, the answers are not (another process may store one
// at any time, and the card must show it).
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

TEST_F(pulses_test, the_pulse_after_a_click_shows_answers_stored_elsewhere_meanwhile) {
  const member_key who{tenant, "user-1"};
  const auto view = pulses_->pulse_reply(who, scoring::locale::en);  // opens the pulse, delivers it
  std::vector<std::string> values;
  for (const auto& b : view.blocks) {
    if (!b.buttons.empty() && b.buttons.front().action == answer_action) values.push_back(b.buttons.front().value);
  }
  ASSERT_GE(values.size(), 2U);

  // A click here, committed as the dispatcher does.
  const auto decision = desk_->on_answer_click({who, std::string(answer_action), values[0], {}, "", "click-1"});
  ASSERT_TRUE(decision.answer);
  store_->store_answers(std::span(&*decision.answer, 1));
  auto shown = pulses_->pulse_message(who, decision.pulse_id);
  ASSERT_TRUE(shown);
  EXPECT_EQ(answers_shown(*shown), 1);

  // Another process (a replica, the CLI) stores the member's answer to the next statement.
  const auto other = parse_answer_button(values[1]);
  ASSERT_TRUE(other);
  const storage::new_answer elsewhere{tenant, decision.pulse_id, domain::pseudonymizer{pseudonym_key}.pseudonym(who),
                                      decision.answer->week, other->item, 4, monday + minutes{1},
                                      decision.answer->instrument};
  store_->store_answers(std::span(&elsewhere, 1));
  shown = pulses_->pulse_message(who, decision.pulse_id);
  ASSERT_TRUE(shown);
  EXPECT_EQ(answers_shown(*shown), 2);
}

}  // namespace
}  // namespace smrel::engine
