#pragma once
// The three Slack webhooks: verify the signature on the raw body → translate → deduplicate →
// handle off the network threads → store what must be durable → acknowledge.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "adapters/slack/signature.hpp"
#include "bot/domain/clock.hpp"
#include "bot/domain/hmac.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/net/http_message.hpp"
#include "bot/service/group_committer.hpp"
#include "bot/service/log_throttle.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/replay_guard.hpp"
#include "config/settings.hpp"

namespace smrel::service {

class slack_endpoints {
 public:
  slack_endpoints(const config::settings& settings, engine::chat_bot& bot, storage::store& store,
                  group_committer& committer, boost::asio::thread_pool& pool, const domain::clock& clock,
                  metrics& stats, std::function<void()> on_queued);

  boost::asio::awaitable<net::http_response> commands(net::http_request& request);
  boost::asio::awaitable<net::http_response> interactivity(net::http_request& request);
  boost::asio::awaitable<net::http_response> events(net::http_request& request);

  /// Run on the request head, before the body is read: a request that can never pass the
  /// signature check (headers missing or malformed, timestamp outside the window, no secret
  /// configured) gets 401 without smrel reading a megabyte of body for it.
  std::optional<int> screen_unsigned(const net::http_request& head, std::string_view route);

  /// Loads the clicks seen shortly before a restart, so their replays are recognised. Blocking.
  void remember_recent_clicks();
  /// Forgets stored click keys too old to matter; returns how many. Blocking.
  std::size_t prune_clicks();

 private:
  /// 401 (and a log line) unless the request carries a valid, fresh Slack signature.
  std::optional<net::http_response> refuse_unsigned(const net::http_request& request, std::string_view route);
  /// Counts and logs a failed signature check; false when it passed.
  bool refused_signature(const net::http_request& request, std::string_view route, adapters::slack::signature_check result);
  net::http_response bad_request(const net::http_request& request, std::string_view route, std::string_view reason);
  boost::asio::awaitable<net::http_response> handle_click(const domain::button_click& click, const std::string& replay_key);
  /// Counts a refusal and logs it within the refusal log budget.
  void log_refusal(const net::http_request& request, std::string_view route, int status, std::string_view kind,
                   std::string_view reason);
  /// Queues a response_url message if the URL is allowed; returns false (and logs) otherwise.
  bool queue_response(storage::write_batch& batch, std::string_view url, const domain::message& m, bool replace) const;
  bool response_allowed(std::string_view url) const;

  const config::settings& settings_;
  engine::chat_bot& bot_;
  storage::store& store_;
  group_committer& committer_;
  boost::asio::thread_pool& pool_;
  const domain::clock& clock_;
  metrics& stats_;
  std::function<void()> on_queued_;  // tells the outbox worker there is work
  // Rendered status replies, pinned to the cached view they were rendered from.
  struct rendered_status {
    std::shared_ptr<const domain::message> view;
    std::shared_ptr<const std::string> json;  // sent as is, never copied
  };
  std::mutex rendered_mutex_;
  std::map<std::string, std::array<rendered_status, 2>> rendered_;  // per workspace, one per language
  std::optional<domain::hmac_sha256> signing_key_;
  replay_guard clicks_;
  log_throttle refusal_logs_{10.0, 20.0};
};

}  // namespace smrel::service
