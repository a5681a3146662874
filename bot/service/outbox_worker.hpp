#pragma once
// Delivers the outbox: claims due messages, spaces them with rate-limit buckets (per method and
// per channel), honours 429 Retry-After, retries 5xx and network failures with exponential
// backoff and jitter, and moves permanent failures to the dead-letter state with their reason.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <optional>
#include <memory>
#include <random>

#include "bot/domain/clock.hpp"
#include "bot/domain/conversation.hpp"
#include "bot/net/http_client.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/outbound.hpp"
#include "bot/service/rate_limiter.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::service {

struct outbox_options {
  // Messages in flight at once. A hung platform call holds its sender for the client timeout
  // (10 s), so with only a few senders a handful of hangs halved delivery (soak benchmark).
  int senders = 16;
  int max_attempts = 8;
  std::chrono::milliseconds idle_poll{250};
  std::chrono::seconds lease{60};
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{10 * 60 * 1000};
};

/// Message bodies made when they are sent, so they show the person's pulse as it stands then.
/// Called on the blocking pool.
class late_content {
 public:
  virtual ~late_content() = default;
  /// The response_url body that replaces a pulse message; nullopt when there is nothing to show.
  virtual std::optional<std::string> pulse_update(const pulse_ref& ref) = 0;
  /// The chat.postMessage body for a pulse DM into `channel`; nullopt when there is nothing to ask.
  virtual std::optional<std::string> pulse_dm(const pulse_ref& ref, std::string_view channel) = 0;
  /// A pulse DM landed as message `ts` in `channel`.
  virtual void pulse_dm_sent(const pulse_ref& ref, const domain::message_ref& sent) = 0;
};

class outbox_worker {
 public:
  outbox_worker(boost::asio::io_context& io, storage::store& store, boost::asio::thread_pool& pool,
                const config::settings& settings, const domain::clock& clock, metrics& stats,
                late_content& content, outbox_options options = {});
  ~outbox_worker();

  void start();
  /// Senders finish the message in hand, then stop; `done` runs when the last one has.
  void stop(std::function<void()> done);
  /// New messages were queued: look now rather than at the next poll.
  void wake();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace smrel::service
