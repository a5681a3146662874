#include "config/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace smrel::config {
namespace {

constexpr std::string_view mask = "***";

bool names_a_secret(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 5> secret_words{"password", "passwd", "pwd", "secret", "token"};
  return std::any_of(secret_words.begin(), secret_words.end(), [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

// Masks the values of secret-named parameters in "a=1&password=x&b=2".
std::string redact_query(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const auto end = std::min(query.find('&', start), query.size());
    const auto pair = query.substr(start, end - start);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && names_a_secret(pair.substr(0, equals))) {
      out.append(pair.substr(0, equals + 1)).append(mask);
    } else {
      out.append(pair);
    }
    if (end == query.size()) break;
    out += '&';
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  std::string out(url.substr(0, authority_start));
  const auto authority = url.substr(authority_start, authority_end - authority_start);
  // The last '@' ends the userinfo: a password may itself contain an unescaped '@'.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    const auto colon = userinfo.find(':');
    out.append(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.append(":").append(mask);
    out.append(authority.substr(at));
  } else {
    out.append(authority);
  }
  auto rest = url.substr(authority_end);
  if (const auto question = rest.find('?'); question != std::string_view::npos) {
    const auto fragment = rest.find('#', question);
    const auto query_end = fragment == std::string_view::npos ? rest.size() : fragment;
    out.append(rest.substr(0, question + 1));
    out.append(redact_query(rest.substr(question + 1, query_end - question - 1)));
    out.append(rest.substr(query_end));
  } else {
    out.append(rest);
  }
  return out;
}

}  // namespace smrel::config
