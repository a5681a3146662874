#include "adapters/teams/app_token.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace smrel::adapters::teams {

using json = nlohmann::json;

namespace {

// A year: any longer lifetime is nonsense from a broken endpoint, not a reason to never refresh.
constexpr std::int64_t max_lifetime_seconds = 365LL * 24 * 3600;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_encoded(std::string& out, std::string_view value) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (unreserved(byte)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0x0F]);
    }
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::int64_t> seconds_of(const json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const auto seconds = value.get<double>();
    if (!(seconds >= 0 && seconds < static_cast<double>(max_lifetime_seconds) * 2)) return std::nullopt;
    return static_cast<std::int64_t>(seconds);
  }
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return seconds;
}

// Goes into "Authorization: Bearer …" verbatim, so nothing that could split or end a header line.
bool header_safe(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7F;
  });
}

}  // namespace

std::string token_request_form(std::string_view app_id, std::string_view app_password) {
  std::string out = "grant_type=client_credentials&client_id=";
  append_encoded(out, app_id);
  out += "&client_secret=";
  append_encoded(out, app_password);
  out += "&scope=";
  append_encoded(out, connector_scope);
  return out;
}

std::optional<access_grant> parse_token_answer(std::string_view body) {
  const auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto type = doc.find("token_type");
  const auto token = doc.find("access_token");
  const auto expires = doc.find("expires_in");
  if (type == doc.end() || !type->is_string() || !iequals(type->get_ref<const std::string&>(), "Bearer")) {
    return std::nullopt;
  }
  if (token == doc.end() || !token->is_string() || !header_safe(token->get_ref<const std::string&>())) {
    return std::nullopt;
  }
  if (expires == doc.end()) return std::nullopt;
  const auto seconds = seconds_of(*expires);
  if (!seconds || *seconds <= 0) return std::nullopt;
  return access_grant{token->get<std::string>(), std::chrono::seconds{std::min(*seconds, max_lifetime_seconds)}};
}

}  // namespace smrel::adapters::teams
