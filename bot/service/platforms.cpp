#include "bot/service/platforms.hpp"

#include <memory>

#include "adapters/slack/phrasing.hpp"

namespace smrel::service {
namespace {

const std::shared_ptr<const domain::command_phrasing>& slack_phrasing() {
  static const std::shared_ptr<const domain::command_phrasing> phrasing = std::make_shared<adapters::slack::phrasing>();
  return phrasing;
}

}  // namespace

const domain::command_phrasing& phrasing_for(domain::platform p) {
  static const domain::bare_words_phrasing bare;  // Teams: the words, written to the bot
  return p == domain::platform::slack ? *slack_phrasing() : static_cast<const domain::command_phrasing&>(bare);
}

engine::options engine_options(const config::settings& settings) {
  auto out = engine::options_from(settings);
  out.phrase_commands(domain::platform::slack, slack_phrasing());
  out.on(domain::platform::slack).pulses_sent_by_dm = !settings.slack.bot_token.empty();
  out.on(domain::platform::teams).pulses_sent_by_dm = false;  // no Teams plug yet
  return out;
}

}  // namespace smrel::service
