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
#include "bot/net/http_client.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/rate_limiter.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::service {

struct outbox_options {
  int senders = 4;  // messages in flight at once
  int max_attempts = 8;
  std::chrono::milliseconds idle_poll{250};
  std::chrono::seconds lease{60};
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{10 * 60 * 1000};
};

/// Renders a message whose body is made at delivery time (see slack_pulse_update); nullopt when
/// there is nothing left to show. Runs on the blocking pool.
using payload_renderer = std::function<std::optional<std::string>(const storage::outbox_message&)>;

class outbox_worker {
 public:
  outbox_worker(boost::asio::io_context& io, storage::store& store, boost::asio::thread_pool& pool,
                const config::settings& settings, const domain::clock& clock, metrics& stats,
                payload_renderer render_late, outbox_options options = {});
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
