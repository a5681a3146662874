#pragma once
// The bot's access token for the Bot Connector (client credentials), cached until five minutes
// before it expires. One fetch at a time: callers that need a token while one is being fetched
// wait for that fetch. Safe to use from several io threads at once. Neither the secret nor the
// token is ever logged.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bot/domain/clock.hpp"
#include "bot/net/http_client.hpp"
#include "config/settings.hpp"

namespace smrel::service::teams {

struct access_token_options {
  /// A token this close to its expiry is replaced (as the Bot Framework SDKs do).
  std::chrono::seconds refresh_margin{5 * 60};
  /// After a failed fetch, callers get no token for this long instead of hammering the endpoint;
  /// the outbox retries later anyway.
  std::chrono::seconds failure_pause{10};
};

class access_token_cache {
 public:
  /// Reads app id, password and effective_token_url() from `settings` once. `client` and
  /// `clock` must outlive every get().
  access_token_cache(boost::asio::io_context& io, net::http_client& client, const config::teams_settings& settings,
                     const domain::clock& clock, access_token_options options = {});
  ~access_token_cache();
  access_token_cache(const access_token_cache&) = delete;
  access_token_cache& operator=(const access_token_cache&) = delete;

  /// A token to send as "Authorization: Bearer …", or nothing when none can be had (no app id,
  /// the endpoint failed, or it failed moments ago).
  boost::asio::awaitable<std::optional<std::string>> get();

  /// The connector refused `rejected` (401): the next get() fetches a new token. Several
  /// requests refused with the same old token cause one fetch, not one each; an empty
  /// `rejected` drops whatever token is cached.
  void invalidate(std::string_view rejected = {});

  /// Fetches sent to the token endpoint; callers waiting on the fetch in flight (both for tests).
  std::size_t fetches() const;
  std::size_t waiting() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace smrel::service::teams
