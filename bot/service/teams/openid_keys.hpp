#pragma once
// The Bot Framework's signing keys, cached (openid_keys), and the inbound token check built on
// them (token_verifier). Keys come from the OpenID metadata's jwks_uri; they are refreshed at
// least daily, and when a token names a kid we lack — at most once per cooldown, with concurrent
// requests sharing the one refresh in flight. A failed refresh keeps the old keys.
// Both classes are safe to use from several io threads at once.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "adapters/teams/jwks.hpp"
#include "adapters/teams/jwt.hpp"
#include "bot/domain/clock.hpp"
#include "bot/net/http_client.hpp"

namespace smrel::service::teams {

struct key_cache_options {
  /// Keys older than this are refreshed (the Bot Framework asks for at least daily).
  std::chrono::seconds refresh_interval{24 * 3600};
  /// The least time between two refreshes caused by unknown kids: a stream of forged tokens
  /// with random kids costs one fetch per cooldown, not one per request.
  std::chrono::seconds unknown_kid_cooldown{5 * 60};
  /// While no keys were ever loaded, the least time between two attempts.
  std::chrono::seconds retry_interval{10};
};

class openid_keys {
 public:
  using key_set_ptr = std::shared_ptr<const adapters::teams::key_set>;

  /// `metadata_url`: the OpenID metadata document (SMREL_TEAMS_OPENID_URL). `client` and `clock`
  /// must outlive every operation, including a background refresh.
  openid_keys(boost::asio::io_context& io, net::http_client& client, std::string metadata_url,
              const domain::clock& clock, key_cache_options options = {});
  ~openid_keys();
  openid_keys(const openid_keys&) = delete;
  openid_keys& operator=(const openid_keys&) = delete;

  /// Loads the keys now (at start-up, so the first request need not wait); true when keys are
  /// loaded afterwards (fresh or from before).
  boost::asio::awaitable<bool> prefetch();

  /// The keys to verify with. Without any yet, waits for a load; when they are older than the
  /// refresh interval, starts a refresh in the background and returns the current ones.
  /// Null when no keys could be loaded.
  boost::asio::awaitable<key_set_ptr> current();

  /// A token named `kid`, which the keys in hand lack: refreshes (or joins the refresh in
  /// flight) unless the cooldown since the last attempt is still running. Returns the keys
  /// afterwards, which may still lack the kid.
  boost::asio::awaitable<key_set_ptr> after_unknown_kid(std::string kid);

  /// Keys are loaded (for /readyz).
  bool ready() const;
  /// Completed fetches of the key set (metadata and JWKS both answered and usable).
  std::size_t loads() const;
  /// Callers waiting on a refresh in flight (for tests that line up concurrent callers).
  std::size_t waiting() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

/// The inbound check: "Bearer <token>" → a verified token, with verified tokens cached by their
/// exact text until exp + skew, so RS256 is paid once per token. The endorsement and serviceUrl
/// checks need the activity: the caller runs adapters::teams::check_activity on the result.
class token_verifier {
 public:
  static constexpr std::size_t default_cache_entries = 10'000;

  token_verifier(openid_keys& keys, adapters::teams::token_rules rules, const domain::clock& clock,
                 std::size_t max_cached = default_cache_entries);
  ~token_verifier();
  token_verifier(const token_verifier&) = delete;
  token_verifier& operator=(const token_verifier&) = delete;

  boost::asio::awaitable<adapters::teams::token_verification> verify(std::string authorization_header);

  /// Tokens checked in full (signature included), i.e. not answered from the cache.
  std::size_t full_checks() const;
  std::size_t cached_tokens() const;

 private:
  struct cache;
  openid_keys& keys_;
  adapters::teams::token_rules rules_;
  const domain::clock& clock_;
  std::unique_ptr<cache> cache_;
};

}  // namespace smrel::service::teams
