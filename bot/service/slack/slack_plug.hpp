#pragma once
// Slack as a channel plug: the three signed webhooks in (verify the signature on the raw body →
// translate → the dispatcher → Slack's answer), and the Web API and response URLs out. Slack's
// rules and formats are in adapters/slack; this file set holds what needs I/O.
#include <boost/asio/io_context.hpp>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "adapters/slack/phrasing.hpp"
#include "adapters/slack/signature.hpp"
#include "bot/domain/clock.hpp"
#include "bot/domain/hmac.hpp"
#include "bot/net/http_client.hpp"
#include "bot/service/channel_plug.hpp"
#include "bot/service/dispatcher.hpp"
#include "bot/service/log_throttle.hpp"
#include "bot/service/metrics.hpp"
#include "config/settings.hpp"

namespace smrel::service {

class slack_plug final : public channel_plug {
 public:
  slack_plug(const config::slack_settings& settings, boost::asio::io_context& io, dispatcher& flow,
             const domain::clock& clock, metrics& stats);

  domain::platform platform() const override { return domain::platform::slack; }
  std::optional<std::string> cannot_send() const override;
  const domain::command_phrasing& phrasing() const override { return phrasing_; }

  std::vector<route> routes() override;
  void at_start() override { flow_.remember_recent_clicks(); }
  std::size_t prune() override { return flow_.prune_clicks(); }

  void set_rate_rules(rate_limiter& limiter) const override;
  send_buckets buckets(send_action action, std::string_view address) const override;
  boost::asio::awaitable<domain::delivery_outcome> send(send_action action, std::string address,
                                                        domain::message message) override;
  boost::asio::awaitable<domain::delivery_outcome> open_direct(domain::member_key who) override;
  std::optional<std::string> update_address(const domain::message_ref& sent) const override;
  std::optional<storage::send_pace> look_up_pace() const override;
  boost::asio::awaitable<person_look_up> look_up(domain::member_key who) override;
  std::optional<storage::outbox_message> modernise(const storage::outbox_message& verbatim) const override;
  send_buckets verbatim_buckets(const storage::outbox_message& verbatim) const override;
  boost::asio::awaitable<domain::delivery_outcome> send_verbatim(storage::outbox_message verbatim) override;

 private:
  // Inbound (slack_routes.cpp).
  boost::asio::awaitable<net::http_response> commands(net::http_request& request);
  boost::asio::awaitable<net::http_response> interactivity(net::http_request& request);
  boost::asio::awaitable<net::http_response> events(net::http_request& request);
  /// On the head: a request that can never pass the signature check (headers missing or
  /// malformed, timestamp outside the window, no secret configured) gets 401 unread.
  std::optional<int> screen_unsigned(const net::http_request& head, std::string_view route);
  /// 401 (and a log line) unless the request carries a valid, fresh Slack signature.
  std::optional<net::http_response> refuse_unsigned(const net::http_request& request, std::string_view route);
  bool refused_signature(const net::http_request& request, std::string_view route,
                         adapters::slack::signature_check result);
  net::http_response bad_request(const net::http_request& request, std::string_view route, std::string_view reason);
  void log_refusal(const net::http_request& request, std::string_view route, int status, std::string_view kind,
                   std::string_view reason);
  /// The status reply rendered once per cached view and language.
  std::shared_ptr<const std::string> rendered_status(const domain::chat_command& command,
                                                     const std::shared_ptr<const domain::message>& view);

  // Outbound (slack_sender.cpp).
  boost::asio::awaitable<domain::delivery_outcome> call_web_api(std::string_view method, std::string body);
  boost::asio::awaitable<domain::delivery_outcome> post_to_response_url(std::string url, std::string body);
  /// The Grid organisation of the bot's token (auth.test, asked once; empty outside Grid); nullopt
  /// when Slack could not say, with why in `failed`.
  boost::asio::awaitable<std::optional<std::string>> own_enterprise(domain::delivery_outcome& failed);
  /// `content_type`: JSON unless the method takes form bodies only.
  boost::asio::awaitable<std::pair<domain::delivery_outcome, std::string>> send_request(
      net::client_request request, bool response_url, std::string_view content_type = "application/json; charset=utf-8");

  const config::slack_settings& settings_;
  dispatcher& flow_;
  const domain::clock& clock_;
  metrics& stats_;
  adapters::slack::phrasing phrasing_;
  net::http_client client_;
  std::optional<domain::hmac_sha256> signing_key_;
  log_throttle refusal_logs_{10.0, 20.0};
  // Rendered status replies, pinned to the cached view they were rendered from.
  struct rendered {
    std::shared_ptr<const domain::message> view;
    std::shared_ptr<const std::string> json;  // sent as is, never copied
  };
  std::mutex rendered_mutex_;
  std::map<std::string, std::array<rendered, 2>> rendered_;  // per workspace, the last two views
  std::mutex enterprise_mutex_;
  std::optional<std::string> enterprise_;  // own_enterprise's answer, once known
};

}  // namespace smrel::service
