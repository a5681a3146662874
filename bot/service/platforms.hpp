#pragma once
// The chat platforms this build speaks, in one place: how each phrases its commands and whether
// it can send DMs with the settings given. The server and the CLI ask here, so no other file
// outside a platform's own folders names one.
#include "bot/domain/ids.hpp"
#include "bot/domain/phrasing.hpp"
#include "bot/engine/options.hpp"
#include "config/settings.hpp"

namespace smrel::service {

/// How commands are typed on `p`.
const domain::command_phrasing& phrasing_for(domain::platform p);

/// The engine's options: the settings it needs (no secrets), each platform's phrasing, and
/// whether pulses go out by DM there (a platform with credentials to send them).
engine::options engine_options(const config::settings& settings);

}  // namespace smrel::service
