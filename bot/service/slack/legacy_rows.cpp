#include "bot/service/slack/legacy_rows.hpp"

#include <nlohmann/json.hpp>

#include "bot/service/outbox_content.hpp"

namespace smrel::service {
namespace {

// Their late-rendered payload named a Slack workspace, a user and a pulse.
std::optional<pulse_ref> parse_legacy_pulse(std::string_view payload) {
  const auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("workspace") || !j.contains("user") || !j.contains("pulse") ||
      !j["workspace"].is_string() || !j["user"].is_string() || !j["pulse"].is_number_integer()) {
    return std::nullopt;
  }
  return pulse_ref{{{domain::platform::slack, j["workspace"].get<std::string>()}, j["user"].get<std::string>()},
                   j["pulse"].get<std::int64_t>()};
}

}  // namespace

std::optional<legacy_address> parse_legacy_address(std::string_view address) {
  const auto j = nlohmann::json::parse(address, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("method") || !j.contains("target") || !j["method"].is_string() ||
      !j["target"].is_string()) {
    return std::nullopt;
  }
  return legacy_address{j["method"].get<std::string>(), j["target"].get<std::string>()};
}

std::optional<storage::outbox_message> modernise_legacy_row(const storage::outbox_message& verbatim) {
  if (verbatim.kind != storage::outbox_kind::verbatim) return std::nullopt;
  const auto legacy = parse_legacy_address(verbatim.address);
  if (!legacy || (legacy->method != legacy_pulse_dm && legacy->method != legacy_pulse_update)) return std::nullopt;
  const auto pulse = parse_legacy_pulse(verbatim.content);
  if (!pulse) return std::nullopt;
  auto out = verbatim;
  out.kind = legacy->method == legacy_pulse_dm ? storage::outbox_kind::pulse_dm : storage::outbox_kind::pulse_update;
  out.address = legacy->target;
  out.content = encode_content(*pulse);
  return out;
}

}  // namespace smrel::service
