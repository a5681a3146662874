#pragma once
// application/x-www-form-urlencoded bodies, as Slack sends commands and interaction payloads.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smrel::adapters::slack {

using form_fields = std::vector<std::pair<std::string, std::string>>;

/// Decodes the fields of "a=1&b=x%20y" named in `wanted` (names as sent, unencoded); the others are
/// skipped undecoded, since a Slack body carries many fields and a few matter. Nullopt on a bad
/// percent escape in a wanted field.
std::optional<form_fields> parse_form_fields(std::string_view body, std::initializer_list<std::string_view> wanted);
std::string_view form_value(const form_fields& fields, std::string_view name);
std::string form_encode(std::string_view value);

}  // namespace smrel::adapters::slack
