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

/// Decodes "a=1&b=x%20y"; nullopt on a bad percent escape.
std::optional<form_fields> parse_form(std::string_view body);
/// Decodes only the fields named in `wanted` (names as sent, unencoded): cheaper when a body
/// carries many fields and a few matter. Nullopt on a bad escape in a wanted field.
std::optional<form_fields> parse_form_fields(std::string_view body, std::initializer_list<std::string_view> wanted);
std::string_view form_value(const form_fields& fields, std::string_view name);
std::string form_encode(std::string_view value);

}  // namespace smrel::adapters::slack
