#include "adapters/slack/phrasing.hpp"

#include <gtest/gtest.h>

namespace smrel::adapters::slack {
namespace {

TEST(phrasing, names_a_command_through_the_slash_command) {
  const phrasing slack;
  const domain::command_phrasing& any = slack;  // as the engine sees it
  EXPECT_EQ(any.command("pulse"), "/smrel pulse");
  EXPECT_EQ(any.command("join sales|marketing|leadership"), "/smrel join sales|marketing|leadership");
  EXPECT_EQ(any.command(""), "/smrel");  // the command alone, which shows the help
  EXPECT_EQ(any.invite(), "/invite @smrel");
}

TEST(phrasing, the_neutral_default_is_the_words_alone) {
  const domain::bare_words_phrasing bare;
  EXPECT_EQ(bare.command("digest here"), "digest here");
  EXPECT_EQ(bare.invite(), "");  // done in the platform's own screens
}

}  // namespace
}  // namespace smrel::adapters::slack
