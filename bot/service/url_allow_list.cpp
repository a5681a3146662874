#include "bot/service/url_allow_list.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace smrel::service {

bool allowed_url(std::string_view url, const std::vector<std::string>& allowed_hosts) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme();
  if (scheme != "https" && scheme != "http") return false;
  if (parsed->has_userinfo()) return false;
  std::string host = parsed->encoded_host().decode();
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (scheme == "https" ? "443" : "80");
  const std::string default_port = scheme == "https" ? "443" : "80";
  for (const auto& entry : allowed_hosts) {
    // "host", "host:port", "[v6]" or "[v6]:port".
    const auto colon = entry.rfind(':');
    const auto bracket = entry.rfind(']');
    const bool has_port = colon != std::string::npos && (entry.front() != '[' || (bracket != std::string::npos && bracket < colon));
    std::string entry_host = has_port ? entry.substr(0, colon) : entry;
    if (entry_host.size() > 2 && entry_host.front() == '[') entry_host = entry_host.substr(1, entry_host.size() - 2);
    const std::string entry_port = has_port ? entry.substr(colon + 1) : default_port;
    if (entry_host == host && entry_port == port) return true;
  }
  return false;
}

}  // namespace smrel::service
