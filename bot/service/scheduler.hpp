#pragma once
// The weekly rhythm: each week's pulse goes out by DM at survey.pulse_day/pulse_time, and the
// digest is posted to slack.digest_channel at digest_day/digest_time, on the company calendar
// (survey.timezone). A run that is done is recorded in the store, so a restart neither repeats nor
// skips a week; the fan-out itself is idempotent (outbox dedupe keys), so a run cut short by a crash
// is finished by the next tick without sending anything twice.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "bot/domain/clock.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/storage/store.hpp"
#include "config/settings.hpp"

namespace smrel::service {

/// A pulse sent later than this before it closes is not worth a DM; /smrel pulse still works.
inline constexpr auto least_time_to_answer = std::chrono::hours{24};

class scheduler {
 public:
  scheduler(boost::asio::io_context& io, boost::asio::thread_pool& pool, storage::store& store, engine::chat_bot& bot,
            const config::settings& settings, const domain::clock& clock, std::function<void()> on_queued,
            std::chrono::milliseconds tick);
  ~scheduler();

  /// Looks for due work now, then every tick.
  void start();
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace smrel::service
