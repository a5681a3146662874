#include "bot/domain/plain_text.hpp"

#include <gtest/gtest.h>

namespace smrel::domain {
namespace {

TEST(plain_text, writes_each_block_as_a_paragraph) {
  message m;
  m.fallback_text = "ignored: the rendering reads the blocks";
  m.header("Sales × Marketing, week 2026-W48")
      .text("Stage: Aligned · score 60 (52–68) of 100\nTrend ▃▅")
      .fields({"Sales\n70 (60–80)", "Marketing\n50 (40–60)", "Leadership\ntoo few to show"})
      .divider()
      .context({"This week: 12 of 12 (100%)", "Anonymous: no figure about fewer than 5 people."});
  EXPECT_EQ(plain_text(m),
            "Sales × Marketing, week 2026-W48\n\n"
            "Stage: Aligned · score 60 (52–68) of 100\nTrend ▃▅\n\n"
            "Sales 70 (60–80) · Marketing 50 (40–60) · Leadership too few to show\n\n"
            "This week: 12 of 12 (100%)\nAnonymous: no figure about fewer than 5 people.");
}

TEST(plain_text, leaves_out_buttons_dividers_and_empty_blocks) {
  message m;
  m.text("Erase everything?")
      .buttons({{"Erase", "forget_confirm", "me", button::style::danger}, {"Cancel", "forget_cancel", "me", button::style::plain}})
      .divider()
      .context({"", ""})
      .text("");
  EXPECT_EQ(plain_text(m), "Erase everything?");
  EXPECT_EQ(plain_text(message{}), "");
}

}  // namespace
}  // namespace smrel::domain
