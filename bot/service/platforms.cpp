#include "bot/service/platforms.hpp"

#include <memory>

#include "adapters/slack/phrasing.hpp"
#include "adapters/teams/phrasing.hpp"

namespace smrel::service {
namespace {

const std::shared_ptr<const domain::command_phrasing>& slack_phrasing() {
  static const std::shared_ptr<const domain::command_phrasing> phrasing = std::make_shared<adapters::slack::phrasing>();
  return phrasing;
}

const std::shared_ptr<const domain::command_phrasing>& teams_phrasing() {
  static const std::shared_ptr<const domain::command_phrasing> phrasing = std::make_shared<adapters::teams::phrasing>();
  return phrasing;
}

}  // namespace

const domain::command_phrasing& phrasing_for(domain::platform p) {
  return p == domain::platform::slack ? *slack_phrasing() : *teams_phrasing();
}

engine::options engine_options(const config::settings& settings) {
  auto out = engine::options_from(settings);
  out.phrase_commands(domain::platform::slack, slack_phrasing());
  out.on(domain::platform::slack).pulses_sent_by_dm = !settings.slack.bot_token.empty();
  out.phrase_commands(domain::platform::teams, teams_phrasing());
  // Teams always can: with the app's credentials, or in local mode to a loopback serviceUrl.
  out.on(domain::platform::teams).pulses_sent_by_dm = true;
  return out;
}

}  // namespace smrel::service
