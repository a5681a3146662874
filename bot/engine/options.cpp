#include "bot/engine/options.hpp"

namespace smrel::engine {

const domain::command_phrasing& options::phrasing(domain::platform p) const {
  static const domain::bare_words_phrasing bare;
  const auto& chosen = on(p).phrasing;
  return chosen ? *chosen : bare;
}

options& options::phrase_commands(domain::platform p, std::shared_ptr<const domain::command_phrasing> phrasing) {
  on(p).phrasing = std::move(phrasing);
  return *this;
}

options options_from(const config::settings& settings) {
  options out;
  out.survey = settings.survey;
  out.admins = settings.admins;
  return out;  // how each platform phrases commands and whether it sends DMs: the service says
}

}  // namespace smrel::engine
