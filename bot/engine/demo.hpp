#pragma once
// A synthetic but believable company for `smrel demo`: about forty people in Sales, Marketing and
// leadership, twelve weeks of rotating pulses with drift, and a real Sales-vs-Marketing gap. It is
// written through the real store, exactly as the bot would write it.
#include <cstdint>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::engine {

struct demo_options {
  domain::workspace_ref workspace{domain::platform::slack, "T0DEMO"};
  scoring::iso_week current_week;  // the last simulated week
  int weeks = 12;
  std::uint64_t seed = 20061;
};

struct demo_result {
  int members = 0;
  int pulses = 0;
  std::size_t answers = 0;
  int nudges = 0;
};

/// Is this one of the demo's synthetic people? They count in the figures but get no DMs: Slack
/// has no such users.
bool is_demo_member(const domain::member_key& key);

/// Idempotent for the same options: re-running rewrites the same members, pulses and answers.
demo_result seed_demo(storage::store& store, const domain::pseudonymizer& pseudonyms,
                      const config::survey_settings& survey, const demo_options& options);

}  // namespace smrel::engine
