#pragma once
// Secrets that hide inside ordinary-looking settings: the password in a database URL's userinfo
// or query (`postgres://user:PASSWORD@host/db?password=…`), or credentials in an API base.
#include <string>
#include <string_view>

namespace smrel::config {

/// The URL with any userinfo password and any `password=`/`sslpassword=`-style query value
/// replaced by "***". Text that is not a URL comes back unchanged.
std::string redact_url(std::string_view url);

}  // namespace smrel::config
