#pragma once
// The running bot: HTTP server, routes, store, group committer, worker threads and a graceful
// stop. `smrel serve` runs one; integration tests run one in-process on port 0.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "bot/domain/clock.hpp"
#include "config/settings.hpp"

namespace smrel::service {

struct server_options {
  /// How often the scheduler looks for a due pulse or digest; none: no scheduler (tests that
  /// drive the clock themselves).
  std::optional<std::chrono::milliseconds> schedule_tick{std::chrono::seconds{30}};
  /// How often people due a look-up are looked for (see people_check.hpp); none: never.
  std::optional<std::chrono::milliseconds> people_check_every{std::chrono::seconds{60}};
};

class server_app {
 public:
  server_app(config::settings settings, const domain::clock& clock, server_options options = {});
  ~server_app();  // stops and joins if still running
  server_app(const server_app&) = delete;
  server_app& operator=(const server_app&) = delete;

  /// Binds SMREL_LISTEN and starts serving; returns the bound port. Throws on bind/TLS errors.
  unsigned short start();
  /// Begins the graceful stop: no new connections, in-flight requests finish.
  void request_stop();
  /// Blocks until the server has drained and every thread has finished.
  void wait();
  /// Stops on SIGINT/SIGTERM (for `smrel serve`).
  void stop_on_signals();
  /// Scheduler ticks completed (for tests that must know a tick looked and found nothing due).
  std::size_t schedule_passes() const;
  /// Passes of the people check completed (for tests).
  std::size_t people_check_passes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smrel::service
