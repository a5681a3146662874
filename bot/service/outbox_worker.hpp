#pragma once
// Delivers the outbox for every platform: claims due messages, renders what is rendered late,
// spaces them with the platform's rate-limit buckets, honours 429 Retry-After, retries 5xx and
// network failures with exponential backoff and jitter, and moves permanent failures to the
// dead-letter state with their reason. Direct conversations are opened once, remembered, and
// forgotten when the platform says they are gone.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "bot/domain/clock.hpp"
#include "bot/domain/conversation.hpp"
#include "bot/net/http_client.hpp"
#include "bot/service/channel_plug.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/outbox_content.hpp"
#include "bot/service/rate_limiter.hpp"
#include "bot/storage/store.hpp"

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
  /// How long sends are held when the platform refuses the app as a whole (its credentials, or
  /// its direct messages), before one is tried again.
  std::chrono::seconds hold_after_refusal{10 * 60};
  /// Refusals of the app as a whole for this long on end (a process's memory of them) dead-letter
  /// what they hold.
  std::chrono::hours longest_hold{24};
};

/// What is rendered when a message is sent, so it shows the state at that moment. Called on the
/// blocking pool.
class late_content {
 public:
  virtual ~late_content() = default;
  /// A person's pulse as it stands, to replace the message they clicked; nullopt when there is
  /// nothing to show.
  virtual std::optional<domain::message> pulse_update(const pulse_ref& ref) = 0;
  /// A person's pulse to send by DM now; nullopt when there is nothing left to ask.
  virtual std::optional<domain::message> pulse_dm(const pulse_ref& ref) = 0;
  /// The reminder to send now about a person's pulse DM; nullopt when there is nothing to remind of.
  virtual std::optional<domain::message> pulse_reminder(const pulse_ref& ref) = 0;
  /// A pulse DM landed as `sent`.
  virtual void pulse_dm_sent(const pulse_ref& ref, const domain::message_ref& sent) = 0;
  /// The app was removed from the workspace: nothing unasked is sent there any more.
  virtual bool removed_from(const domain::workspace_ref& workspace) = 0;
  /// The platform cannot reach the person of a pulse DM (deactivated, gone).
  virtual void person_unreachable(const pulse_ref& ref) = 0;
  /// The platform refuses the app's direct messages in a workspace: what to post where its
  /// admins read (nullopt when there is no such place), with the key that posts it once.
  struct keyed_post {
    domain::conversation_ref where;
    domain::message message;
    std::string dedupe_key;
  };
  virtual std::optional<keyed_post> direct_messages_off(const domain::workspace_ref& workspace) = 0;
  virtual domain::message home_view(const domain::member_key& who) = 0;
  /// A scheduled digest did not land in `where`: a note for each of the workspace's admins, each
  /// with the key that has it sent once.
  struct keyed_note {
    direct_note note;
    std::string dedupe_key;
  };
  /// `bot_absent`: the worker's verdict that the bot is not in the conversation (someone must
  /// invite it); `reason`: what the platform said.
  virtual std::vector<keyed_note> digest_undelivered(const domain::workspace_ref& workspace,
                                                     const domain::conversation_ref& where, std::string_view week,
                                                     bool bot_absent, std::string_view reason) = 0;
};

class outbox_worker {
 public:
  /// `plugs`: one per platform, each outliving the worker.
  outbox_worker(boost::asio::io_context& io, storage::store& store, boost::asio::thread_pool& pool,
                std::vector<channel_plug*> plugs, const domain::clock& clock, metrics& stats, late_content& content,
                outbox_options options = {});
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
