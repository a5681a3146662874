#pragma once
// The weekly rhythm, for every workspace on every platform with a plug that can send: each week's
// pulse goes out by DM at survey.pulse_day/pulse_time, and the digest is posted to the
// workspace's digest target (set by an admin's digest command, else the platform's configured
// default) at digest_day/digest_time, on the company calendar (survey.timezone). A week's run is
// claimed in the store before it is worked on and marked done with the messages it queues, in one
// transaction, so neither a restart nor a second replica repeats or skips a week.
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

/// A pulse sent later than this before it closes is not worth a DM; the pulse command still works.
inline constexpr auto least_time_to_answer = std::chrono::hours{24};

struct schedule_options {
  scoring::locale digest_locale = scoring::locale::en;
  /// Where a workspace's digest goes until an admin chose a channel, per platform (may be empty).
  std::vector<domain::conversation_ref> default_digest_targets;
  /// How long a claimed week stays this replica's before another may take it over.
  std::chrono::seconds run_lease{5 * 60};
};

/// Where a workspace's digest goes: the conversation its admins chose, else the platform's
/// default; empty when neither.
domain::conversation_ref digest_target_of(storage::store& store, const domain::workspace_ref& workspace,
                                          const std::vector<domain::conversation_ref>& defaults);

class scheduler {
 public:
  scheduler(boost::asio::io_context& io, boost::asio::thread_pool& pool, storage::store& store, engine::chat_bot& bot,
            std::vector<channel_plug*> plugs, schedule_options options, const domain::clock& clock,
            std::function<void()> on_queued, std::chrono::milliseconds tick);
  ~scheduler();

  /// Looks for due work now, then every tick.
  void start();
  void stop();
  /// One pass now, on the calling thread (blocking): queues whatever is due and not done; true
  /// when it queued. What every tick does; tests call it on a manual clock.
  bool run_once();
  /// Ticks completed since start(), queued or not: what tests wait on before they say nothing
  /// was due.
  std::size_t passes() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace smrel::service
