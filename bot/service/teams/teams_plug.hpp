#pragma once
// Microsoft Teams as a channel plug: the Bot Framework's `POST /api/messages` in (a verified
// token → the activity → the dispatcher → an answer in the HTTP response for card actions, or
// through the outbox for messages), and the Bot Connector out. Teams' rules and formats are in
// adapters/teams; this file set holds what needs I/O: the key and token caches and the sender.
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <string>

#include "adapters/teams/activity.hpp"
#include "adapters/teams/address.hpp"
#include "adapters/teams/phrasing.hpp"
#include "bot/domain/clock.hpp"
#include "bot/net/http_client.hpp"
#include "bot/service/channel_plug.hpp"
#include "bot/service/dispatcher.hpp"
#include "bot/service/log_throttle.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/teams/access_token.hpp"
#include "bot/service/teams/openid_keys.hpp"
#include "config/settings.hpp"

namespace smrel::service {

class teams_plug final : public channel_plug {
 public:
  teams_plug(const config::teams_settings& settings, boost::asio::io_context& io, dispatcher& flow,
             storage::store& store, boost::asio::thread_pool& pool, const domain::clock& clock, metrics& stats);

  domain::platform platform() const override { return domain::platform::teams; }
  std::optional<std::string> cannot_send() const override;
  const domain::command_phrasing& phrasing() const override { return phrasing_; }

  std::vector<route> routes() override;
  /// Fetches the signing keys in the background, so the first request need not wait for them.
  void at_start() override;

  void set_rate_rules(rate_limiter& limiter) const override;
  send_buckets buckets(send_action action, std::string_view address) const override;
  boost::asio::awaitable<domain::delivery_outcome> send(send_action action, std::string address,
                                                        domain::message message) override;
  boost::asio::awaitable<domain::delivery_outcome> open_direct(domain::member_key who) override;
  std::optional<std::string> reach_after_gone(std::string_view direct) const override;
  std::optional<std::string> update_address(const domain::message_ref& sent) const override;

 private:
  // Inbound (teams_routes.cpp).
  boost::asio::awaitable<net::http_response> messages(net::http_request& request);
  /// On the head: a request that can never be authenticated gets 401 unread.
  std::optional<int> screen(const net::http_request& head);
  /// Why this request may not come in unauthenticated (local mode only); nullopt when it may.
  std::optional<std::string_view> local_mode_refusal(const net::http_request& request) const;
  bool serves_tenant(std::string_view tenant) const;
  boost::asio::awaitable<net::http_response> command(const adapters::teams::activity& a);
  boost::asio::awaitable<net::http_response> card_action(const adapters::teams::activity& a);
  boost::asio::awaitable<net::http_response> card_submit(const adapters::teams::activity& a);
  boost::asio::awaitable<net::http_response> installed(const adapters::teams::activity& a);
  boost::asio::awaitable<net::http_response> uninstalled(const adapters::teams::activity& a);
  /// Keeps how to reach the person in a 1:1: their personal conversation when this is it, else
  /// who they are (the conversation is opened when the first pulse goes).
  boost::asio::awaitable<void> remember_reach(const adapters::teams::activity& a);
  /// Remembers `address` for `who`; a contact only when nothing better is known of them.
  boost::asio::awaitable<void> remember_reach(domain::member_key who, std::string address, bool contact_only);
  net::http_response refuse(const net::http_request& request, int status, std::string_view kind, std::string_view reason);

  // Outbound (teams_sender.cpp).
  bool may_call(std::string_view service_url) const;
  boost::asio::awaitable<std::pair<domain::delivery_outcome, std::string>> call(std::string_view service_url,
                                                                                 std::string method, std::string url,
                                                                                 std::string body);
  boost::asio::awaitable<domain::delivery_outcome> post_to_person(const adapters::teams::contact& person,
                                                                  std::string activity);
  boost::asio::awaitable<domain::delivery_outcome> post_to_conversation(const adapters::teams::conversation_address& where,
                                                                        std::string activity);
  /// A reply to one activity, or (`replace`) the activity replaced.
  boost::asio::awaitable<domain::delivery_outcome> answer(const adapters::teams::reply_address& reply, bool replace,
                                                          std::string activity);

  const config::teams_settings& settings_;
  boost::asio::io_context& io_;
  dispatcher& flow_;
  storage::store& store_;
  boost::asio::thread_pool& pool_;
  const domain::clock& clock_;
  metrics& stats_;
  adapters::teams::phrasing phrasing_;
  net::http_client client_;
  std::unique_ptr<teams::openid_keys> keys_;      // null in local mode
  std::unique_ptr<teams::token_verifier> tokens_;  // null in local mode
  std::unique_ptr<teams::access_token_cache> access_;  // null in local mode
  log_throttle refusal_logs_{10.0, 20.0};
};

}  // namespace smrel::service
