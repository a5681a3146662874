#include "bot/service/dispatcher.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "bot/engine/views.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/outbox_content.hpp"

namespace smrel::service {
namespace {

constexpr std::size_t max_remembered_clicks = 1'000'000;  // ten minutes at well over 1,000 clicks/s
constexpr std::string_view click_key_prefix = "click:";
constexpr int max_decision_rounds = 3;

// Slack's keep the form they had before other platforms, so a replay across the upgrade is
// still recognised.
std::string click_key(const domain::button_click& click) {
  const auto& w = click.who.workspace;
  const auto platform = w.on == domain::platform::slack ? std::string() : std::string(domain::platform_id(w.on)) + ":";
  return std::string(click_key_prefix) + platform + w.id + "/" + click.who.user + "/" + click.interaction_id;
}

}  // namespace

dispatcher::dispatcher(engine::chat_bot& bot, storage::store& store, group_committer& committer,
                       boost::asio::thread_pool& pool, const domain::clock& clock, metrics& stats,
                       std::function<void()> on_queued)
    : bot_(bot), store_(store), committer_(committer), pool_(pool), clock_(clock), stats_(stats),
      on_queued_(std::move(on_queued)), clicks_(click_memory, max_remembered_clicks) {}

void dispatcher::remember_recent_clicks() {
  const auto now = clock_.now();
  // Seen-at is not stored with the key; "now" keeps each for a full window, which errs safe.
  for (const auto& key : store_.recent_events(click_key_prefix, now - click_memory)) clicks_.remember(key, now);
}

std::size_t dispatcher::prune_clicks() { return store_.prune_events(click_key_prefix, clock_.now() - click_memory); }

std::shared_ptr<const domain::message> dispatcher::cached_reply(const domain::chat_command& command) const {
  return bot_.cached_status(command);
}

boost::asio::awaitable<domain::message> dispatcher::command(domain::chat_command command) {
  co_return co_await run_command(command, std::nullopt);
}

boost::asio::awaitable<void> dispatcher::command_queued(domain::chat_command command, std::string dedupe_key) {
  co_await run_command(command, std::move(dedupe_key));
}

boost::asio::awaitable<domain::message> dispatcher::run_command(const domain::chat_command& command,
                                                                std::optional<std::string> reply_dedupe_key) {
  auto result = co_await run_blocking(pool_, [&] { return bot_.on_command(command); });
  const bool reply_queued = reply_dedupe_key && !command.reply_to.empty();
  if (!result.posts.empty() || reply_queued) {
    storage::write_batch batch;
    const auto now = clock_.now();
    if (reply_queued) {
      // The message's key is recorded with the reply, as an event (pruned after a day), not as the
      // row's dedupe key, which would keep the reply, and who it went to, for good.
      batch.outbox.push_back(make_row(command.who.workspace.on, storage::outbox_kind::reply, command.reply_to, result.reply, now));
      batch.seen_events.push_back(std::move(*reply_dedupe_key));
    }
    for (auto& post : result.posts) {
      // Whoever asked hears about it should the bot not be in that conversation.
      auto out = post.if_bot_absent && !command.reply_to.empty()
                     ? make_row(post.where.on, storage::outbox_kind::post, post.where.address,
                                post_with_notice{post.message, command.reply_to, *post.if_bot_absent}, now)
                     : make_row(post.where.on, storage::outbox_kind::post, post.where.address, post.message, now);
      out.dedupe_key = std::move(post.dedupe_key);
      batch.outbox.push_back(std::move(out));
    }
    bool redelivered = false;
    try {
      co_await committer_.async_commit(std::move(batch), boost::asio::use_awaitable);  // throws on failure
    } catch (const storage::already_seen&) {
      redelivered = true;  // answered when it came the first time
    }
    if (redelivered) {
      stats_.refused("replayed");
    } else {
      on_queued_();
    }
  }
  co_return std::move(result.reply);
}

boost::asio::awaitable<click_result> dispatcher::click(domain::button_click click, click_answer how) {
  const auto replay_key = click.interaction_id.empty() ? std::string() : click_key(click);
  if (!replay_key.empty() && !clicks_.first_sighting(replay_key, clock_.now())) {
    // Acknowledged and otherwise ignored: the click was handled the first time (or is being
    // handled; should that commit fail, the copy is not tried again, but platforms never send a
    // click twice by themselves, so only a replay loses out).
    stats_.refused("replayed");
    co_return click_result{true, std::nullopt};
  }
  try {
    // A decision made on cached facts about people that changed in another process (an opt-out,
    // an erasure) is refused at commit; it is made again on fresh facts. Changes racing the
    // decision again and again are not worth more than a few rounds: then the click fails (503).
    for (int round = 1;; ++round) {
      bool stale = false;
      bool seen = false;
      try {
        co_return co_await handle_click(click, how, replay_key, round > 1);
      } catch (const storage::stale_decision&) {
        if (round == max_decision_rounds) {
          throw storage::store_error("the people a click was decided on kept changing", storage::store_failure::transient);
        }
        stale = true;
      } catch (const storage::already_seen&) {
        seen = true;  // handled before by another process: a replay
      }
      if (seen) {
        stats_.refused("replayed");
        co_return click_result{true, std::nullopt};
      }
      if (stale) bot_.forget_people(click.who.workspace);
    }
  } catch (...) {
    if (!replay_key.empty()) clicks_.forget(replay_key);  // nothing took effect: a retry is welcome
    throw;
  }
}

void dispatcher::queue_reply(storage::write_batch& batch, const domain::button_click& click, storage::outbox_kind kind,
                             const domain::message& m) const {
  if (click.reply_to.empty()) return;  // the platform gave no address (or the plug refused it)
  batch.outbox.push_back(make_row(click.who.workspace.on, kind, click.reply_to, m, clock_.now()));
}

void dispatcher::queue_home_view(storage::write_batch& batch, const domain::button_click& click) const {
  // Published again once the click is committed, so it shows the answer as the DM would (or,
  // after a refusal, the pulse as it now stands: closed, say). Rendered when it is sent, so quick
  // clicks share one publish.
  auto row = make_row(click.who.workspace.on, storage::outbox_kind::home, click.who.user, home_ref{click.who}, clock_.now());
  row.coalesce_key = "home:" + std::string(domain::platform_id(click.who.workspace.on)) + ":" + click.who.workspace.id + ":" +
                     click.who.user;
  batch.outbox.push_back(std::move(row));
}

boost::asio::awaitable<click_result> dispatcher::handle_click(const domain::button_click& click, click_answer how,
                                                              const std::string& replay_key, bool fresh) {
  storage::write_batch batch;
  // Stored with what the click changes, so a replay after a restart is recognised too.
  if (!replay_key.empty()) batch.seen_events.push_back(replay_key);
  std::optional<domain::message> shown;
  std::optional<std::int64_t> refreshed_pulse;
  bool in_weekly_dm = false;
  if (click.action == engine::answer_action) {
    // Usually everything the check needs is cached and it runs right here; otherwise off-thread.
    auto decision = fresh ? std::nullopt : bot_.on_answer_click_cached(click);
    if (!decision) decision = co_await run_blocking(pool_, [&] { return bot_.on_answer_click(click); });
    if (!decision->accepted() && !fresh) {
      // A refusal commits no answer, so no stale check would catch one made on cached facts
      // (say, an opt-in on another replica since): refusals are made again on fresh facts.
      bot_.forget_person(click.who);
      decision = co_await run_blocking(pool_, [&] { return bot_.on_answer_click(click); });
    }
    if (how == click_answer::queued && click.from_home) queue_home_view(batch, click);
    if (!decision->accepted()) {
      log_event(log_level::info, "answer_refused", {{"reason", decision->refusal.fallback_text}});
      if (how == click_answer::queued) queue_reply(batch, click, storage::outbox_kind::reply, decision->refusal);
      shown = std::move(decision->refusal);
    } else {
      // The message update is queued in the same transaction as the answer, so a crash can never
      // leave a stored answer without its confirmation on the way, or the other way round.
      batch.people_unchanged.push_back({click.who.workspace, decision->people_version});
      if (decision->answer) batch.answers.push_back(std::move(*decision->answer));
      if (decision->follow_up) batch.follow_ups.push_back(std::move(*decision->follow_up));
      refreshed_pulse = decision->pulse_id;
      in_weekly_dm = decision->in_weekly_dm;
      if (how == click_answer::queued && !click.reply_to.empty()) {
        auto update = make_row(click.who.workspace.on, storage::outbox_kind::pulse_update, click.reply_to,
                          pulse_ref{click.who, decision->pulse_id, decision->in_weekly_dm}, clock_.now());
        // Rendered when it is sent, so one queued update already shows every click made before it
        // goes: quick clicks on the same message share one row. A platform may give each click its
        // own reply address, all good for the same message, so the message names the row.
        update.coalesce_key = "pulse_update:" + std::string(domain::platform_id(click.who.workspace.on)) + ":" +
                              click.who.workspace.id + ":" + click.who.user + ":" + std::to_string(decision->pulse_id) +
                              ":" + (click.message.empty() ? click.reply_to : click.message.id);
        batch.outbox.push_back(std::move(update));
      }
    }
  } else {
    auto reply = co_await run_blocking(pool_, [&] { return bot_.on_click(click); });
    const auto kind = engine::answers_in_place(click.action) ? storage::outbox_kind::replace : storage::outbox_kind::reply;
    if (how == click_answer::queued) queue_reply(batch, click, kind, reply);
    shown = std::move(reply);
  }
  const auto answers = batch.answers.size() + batch.follow_ups.size();
  const bool queued = !batch.outbox.empty();
  co_await committer_.async_commit(std::move(batch), boost::asio::use_awaitable);  // throws on failure
  if (queued) on_queued_();
  if (answers > 0) {
    stats_.answers_stored(answers);
    bot_.invalidate(click.who.workspace);
  }
  if (how == click_answer::queued) co_return click_result{false, std::nullopt};
  if (refreshed_pulse) {
    // Only now is the answer durable: the pulse shown includes it. Usually all of it is in memory
    // (the committer put the answer in the person's sheet); otherwise it is read off-thread.
    shown = bot_.pulse_message_cached(click.who, *refreshed_pulse, in_weekly_dm);
    if (!shown) {
      shown = co_await run_blocking(pool_, [&] { return bot_.pulse_message(click.who, *refreshed_pulse, in_weekly_dm); });
    }
  }
  co_return click_result{false, std::move(shown)};
}

void dispatcher::on_person_removed_app(const domain::person_removed_app& gone) {
  // Their queued rows stay: rows are found by their content only, which would take the sent ones
  // too, whose keys keep this week's DMs from going twice after a re-install. With the
  // conversation forgotten, a pending DM fails on its first attempt without being sent.
  bot_.person_removed_app(gone.who);
  log_event(log_level::info, "person_removed_app", {{"workspace", gone.who.workspace.id}, {"event", gone.why}});
}

void dispatcher::on_person_added_app(const domain::person_added_app& back) {
  if (bot_.person_added_app(back.who)) {
    log_event(log_level::info, "person_reachable_again", {{"workspace", back.who.workspace.id}});
  }
}

void dispatcher::on_bot_left(const domain::bot_left_conversation& left) {
  if (!bot_.bot_left(left.workspace, left.conversations)) return;
  log_event(log_level::warn, "digest_target_left",
            {{"workspace", left.workspace.id},
             {"event", left.why},
             {"reason", "the bot was removed from the conversation the weekly digest goes to; the admins are told "
                        "by DM when the next digest cannot be posted there"}});
}

boost::asio::awaitable<bool> dispatcher::event(std::string event_id, domain::platform_event happened) {
  const auto* opened = std::get_if<domain::home_opened>(&happened);
  const bool fresh = co_await run_blocking(pool_, [&]() -> bool {
    const auto now = clock_.now();
    if (const auto* removed = std::get_if<domain::app_removed>(&happened)) {
      // Handled before it is remembered: removing twice is harmless, and a crash in between must
      // not leave the people of a workspace that removed the app.
      bot_.app_removed(removed->workspace);
      // Queued and kept rows name its people too (pulse DMs, notes): they go with them.
      const auto dropped = store_.drop_outbox_rows(removed->workspace.on, workspace_marker(removed->workspace));
      log_event(log_level::warn, "app_removed",
                {{"workspace", removed->workspace.id},
                 {"event", removed->why},
                 {"outbox_rows_dropped", static_cast<long long>(dropped)}});
      return store_.record_event(event_id, now);
    }
    // Remembered before it is handled: a retry after a crash in between loses at most one Home
    // view refresh, which the next visit repeats; handling twice is what must not happen (a
    // removal redelivered after the person came back would stop asking them again). A removal
    // lost that way costs one DM the platform refuses.
    if (!store_.record_event(event_id, now)) return false;
    if (const auto* gone = std::get_if<domain::person_removed_app>(&happened)) on_person_removed_app(*gone);
    if (const auto* back = std::get_if<domain::person_added_app>(&happened)) on_person_added_app(*back);
    if (const auto* left = std::get_if<domain::bot_left_conversation>(&happened)) on_bot_left(*left);
    if (!opened) return true;
    if (!opened->direct.empty()) store_.remember_direct_conversation(opened->who, opened->direct);
    if (opened->home_tab) {
      // Rendered when it is sent. No dedupe key: the event id was recorded above, so a retry
      // never gets here.
      store_.enqueue(make_row(opened->who.workspace.on, storage::outbox_kind::home, opened->who.user, home_ref{opened->who}, now),
                     now);
    }
    return true;
  });
  if (fresh && opened && opened->home_tab) on_queued_();
  co_return fresh;
}

}  // namespace smrel::service
