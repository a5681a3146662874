#pragma once
// What the engine is told when it starts: the survey, who may use admin commands, and for each
// platform how commands are typed there and whether pulses go out as direct messages. Nothing
// secret: tokens and signing keys stay with the service, which alone talks to the platforms.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bot/domain/ids.hpp"
#include "bot/domain/phrasing.hpp"
#include "config/settings.hpp"

namespace smrel::engine {

struct platform_options {
  /// How people type commands there; null: the words alone (domain::bare_words_phrasing).
  std::shared_ptr<const domain::command_phrasing> phrasing;
  /// The weekly pulse arrives as a direct message (the service can send there); without it,
  /// people answer through the pulse command and are not promised a DM.
  bool pulses_sent_by_dm = false;
};

struct options {
  config::survey_settings survey;
  /// User ids allowed admin commands in every workspace (SMREL_ADMINS).
  std::vector<std::string> admins;
  std::array<platform_options, 2> platforms;  // by domain::platform: slack, teams

  const platform_options& on(domain::platform p) const { return platforms.at(static_cast<std::size_t>(p)); }
  platform_options& on(domain::platform p) { return platforms.at(static_cast<std::size_t>(p)); }
  /// How commands are typed on `p`: its phrasing, or the words alone.
  const domain::command_phrasing& phrasing(domain::platform p) const;
  /// Sets how commands are typed on `p`; returns *this, so it chains after options_from.
  options& phrase_commands(domain::platform p, std::shared_ptr<const domain::command_phrasing> phrasing);
};

/// The engine's part of the settings, secrets left behind. Which platforms send pulses by DM and
/// how each phrases commands is the service's to say (service/platforms.hpp): until then no
/// platform sends DMs and commands read as the words alone.
options options_from(const config::settings& settings);

}  // namespace smrel::engine
