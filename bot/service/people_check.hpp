#pragma once
// Asks each platform that can say (Slack's users.info) who the people smrel knows are: a guest or
// a bot is neither asked nor counted, a deactivated person is not asked, and a person's language
// is taken up once. Everyone is looked up when first known and then at most once a day; the
// store hands each person to one replica at a time, and the platform's pace is shared by all.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/service/channel_plug.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

struct people_check_options {
  /// Nobody is looked up again sooner (the "at most once a day").
  std::chrono::hours again_after{24};
  /// A look-up that failed (network, 5xx) is tried again after this.
  std::chrono::minutes retry_after_failure{15};
  /// The platform refused the app as a whole (its token, or a scope it was not granted): nobody
  /// there is looked up for this long.
  std::chrono::minutes rest_after_refusal{60};
  /// How often to look for people due; people who act in between wait at most this long.
  std::chrono::milliseconds every{std::chrono::seconds{60}};
  /// People taken per platform per pass; their turns come at the platform's pace.
  std::size_t at_most_per_pass = 30;
};

class people_check {
 public:
  people_check(boost::asio::io_context& io, boost::asio::thread_pool& pool, storage::store& store,
               engine::chat_bot& bot, std::vector<channel_plug*> plugs, const domain::clock& clock,
               people_check_options options, std::function<void()> on_queued);
  ~people_check();

  /// A pass now, then one every options.every.
  void start();
  void stop();
  /// One pass: each platform's people due, looked up at its pace. Returns how many the platforms
  /// answered about. What every tick does; tests co_await it on a manual clock.
  boost::asio::awaitable<std::size_t> pass();
  /// Passes completed since start().
  std::size_t passes() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace smrel::service
