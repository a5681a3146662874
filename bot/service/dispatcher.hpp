#pragma once
// The one flow every chat platform calls once it has verified and translated a request:
// deduplicate → the engine → one write batch (answers, the messages they cause, the event's key)
// → group commit → acknowledge. A platform either has the outbox answer later (Slack: a reply
// address per click) or answers in its own HTTP response (Teams' invoke): the dispatcher returns
// what to show either way.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/domain/clock.hpp"
#include "bot/domain/inbound.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/service/group_committer.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/replay_guard.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

/// How a platform gets the answer to a click to the person.
enum class click_answer : std::uint8_t {
  queued,       // rows in the outbox, to the click's reply address (when it has one)
  in_response,  // returned, for the platform's own HTTP response
};

struct click_result {
  bool replayed = false;  // seen before: acknowledged, nothing done
  /// in_response only: what to show in place of the clicked message (the pulse as it stands, a
  /// refusal, a confirmation).
  std::optional<domain::message> shown;
};

class dispatcher {
 public:
  // A signed request is accepted up to five minutes either side of its timestamp, so a click must
  // be remembered for ten to recognise every replay of it.
  static constexpr std::chrono::seconds click_memory{10 * 60};

  dispatcher(engine::chat_bot& bot, storage::store& store, group_committer& committer, boost::asio::thread_pool& pool,
             const domain::clock& clock, metrics& stats, std::function<void()> on_queued);

  /// The reply to a command when it needs no storage (status with everything cached); null
  /// otherwise. Cheap enough for the network thread.
  std::shared_ptr<const domain::message> cached_reply(const domain::chat_command& command) const;
  /// Runs a command; the posts it asks for are committed before the reply is returned.
  boost::asio::awaitable<domain::message> command(domain::chat_command command);
  /// Runs a command whose reply the platform cannot take in its HTTP response (Teams): the reply
  /// goes to `command.reply_to` through the outbox, committed with the posts the command asks
  /// for before this returns. `dedupe_key` (the platform's id of the message), recorded as an
  /// event with them, keeps a redelivered message from being answered twice.
  boost::asio::awaitable<void> command_queued(domain::chat_command command, std::string dedupe_key);
  /// A click on one of our buttons; the answer it carries is durable when this returns.
  boost::asio::awaitable<click_result> click(domain::button_click click, click_answer how);
  /// A platform event, handled once per `event_id` (false: handled before, a retry).
  boost::asio::awaitable<bool> event(std::string event_id, domain::platform_event happened);

  /// Loads the clicks seen shortly before a restart, so their replays are recognised. Blocking.
  void remember_recent_clicks();
  /// Forgets stored click keys too old to matter; returns how many. Blocking.
  std::size_t prune_clicks();

 private:
  /// `fresh`: decide from storage, not from what is cached (after a stale decision).
  boost::asio::awaitable<click_result> handle_click(const domain::button_click& click, click_answer how,
                                                    const std::string& replay_key, bool fresh);
  /// Runs the engine on `command` and commits its posts, plus its reply to `command.reply_to` when
  /// a dedupe key for it is given.
  boost::asio::awaitable<domain::message> run_command(const domain::chat_command& command,
                                                      std::optional<std::string> reply_dedupe_key);
  // Platform events that change what the bot may do, after their id was recorded. Blocking.
  void on_person_removed_app(const domain::person_removed_app& gone);
  void on_person_added_app(const domain::person_added_app& back);
  void on_bot_left(const domain::bot_left_conversation& left);
  void queue_home_view(storage::write_batch& batch, const domain::button_click& click) const;
  void queue_reply(storage::write_batch& batch, const domain::button_click& click, storage::outbox_kind kind,
                   const domain::message& m) const;

  engine::chat_bot& bot_;
  storage::store& store_;
  group_committer& committer_;
  boost::asio::thread_pool& pool_;
  const domain::clock& clock_;
  metrics& stats_;
  std::function<void()> on_queued_;  // tells the outbox worker there is work
  replay_guard clicks_;
};

}  // namespace smrel::service
