#pragma once
// Where outbound calls to addresses a platform hands us (Slack response URLs, Teams service
// URLs) may go: only to hosts on an allow list, so a forged address cannot aim the bot anywhere.
#include <string>
#include <string_view>
#include <vector>

namespace smrel::service {

/// Is `url` an http(s) URL whose host (and port) is on the allow list? Entries are "host" (the
/// scheme's default port) or "host:port". Anything else is refused: no SSRF via response_url.
bool allowed_url(std::string_view url, const std::vector<std::string>& allowed_hosts);

}  // namespace smrel::service
