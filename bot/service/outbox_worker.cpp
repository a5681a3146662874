#include "bot/service/outbox_worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility>
#include <vector>

#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"

namespace smrel::service {

namespace asio = boost::asio;
using domain::delivery_outcome;
using domain::delivery_verdict;

namespace {

delivery_outcome give_up(std::string reason) {
  delivery_outcome out;
  out.verdict = delivery_verdict::permanent;
  out.reason = std::move(reason);
  return out;
}

// The longest a sender waits after failures in a row: storage that recovers is used again soon.
constexpr std::chrono::milliseconds max_failure_pause{30'000};

// The workspace of a message nobody there asked for just now (a pulse DM or its reminder, the
// closing update, a note, a scheduled post): such messages stop once the app is removed. nullptr
// for the rest, which answer someone who just acted there (a Home view is opened or clicked).
const domain::workspace_ref* unasked_into(const storage::outbox_message& m, const outbox_content& content) {
  if (const auto* pulse = std::get_if<pulse_ref>(&content)) {
    const bool unasked = m.kind == storage::outbox_kind::pulse_dm || m.kind == storage::outbox_kind::replace;
    return unasked ? &pulse->who.workspace : nullptr;
  }
  if (const auto* note = std::get_if<direct_note>(&content)) return &note->who.workspace;
  if (const auto* post = std::get_if<unattended_post>(&content)) return &post->workspace;
  return nullptr;
}

send_action action_of(storage::outbox_kind kind) {
  switch (kind) {
    case storage::outbox_kind::reply: return send_action::reply;
    case storage::outbox_kind::replace:
    case storage::outbox_kind::pulse_update: return send_action::replace;
    case storage::outbox_kind::home: return send_action::publish_home;
    case storage::outbox_kind::post:
    case storage::outbox_kind::pulse_dm:
    case storage::outbox_kind::verbatim: break;
  }
  return send_action::post;
}

}  // namespace

struct outbox_worker::state : std::enable_shared_from_this<state> {
  state(asio::io_context& context, storage::store& s, asio::thread_pool& p, std::vector<channel_plug*> all,
        const domain::clock& k, metrics& m, late_content& l, outbox_options o)
      : io(context), strand(asio::make_strand(context)), store(s), pool(p), plugs(std::move(all)), clock(k), stats(m),
        content(l), options(o), random(std::random_device{}()) {
    for (const auto* plug : plugs) plug->set_rate_rules(limiter);
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;  // senders share the limiter on it
  storage::store& store;
  asio::thread_pool& pool;
  std::vector<channel_plug*> plugs;
  const domain::clock& clock;
  metrics& stats;
  late_content& content;
  outbox_options options;
  rate_limiter limiter;
  std::mt19937_64 random;
  bool stopping = false;
  int running = 0;
  std::function<void()> on_stopped;
  struct sleeper {
    std::shared_ptr<asio::steady_timer> timer;
    bool until_new_work;  // wake() ends it; otherwise only stop() does
  };
  std::vector<sleeper> sleepers;
  // Refusals about the whole app rather than one message: the platform refuses the credentials
  // (every send fails alike), or refuses direct messages (an app setting). Until an admin mends
  // it, each message would be dead-lettered in turn, and the people counted as asked; so the
  // platform's sends (or its direct messages) are held and tried again after a while.
  struct hold {
    domain::platform on;
    bool direct_only;  // only direct messages are refused
    domain::time_point until;
    domain::time_point since;  // when the refusals began (renewals keep it)
  };
  std::vector<hold> holds;

  static std::optional<bool> hold_scope(const delivery_outcome& outcome) {
    if (outcome.problem == domain::delivery_problem::credentials_refused) return false;
    if (outcome.problem == domain::delivery_problem::direct_messages_off) return true;
    return std::nullopt;
  }

  std::optional<domain::time_point> held_until(domain::platform on, bool direct, domain::time_point now) const {
    std::optional<domain::time_point> until;
    for (const auto& h : holds) {
      if (h.on == on && (direct || !h.direct_only) && h.until > now) until = std::max(until.value_or(h.until), h.until);
    }
    return until;
  }

  // A hold starting (not one renewed while in force) is logged and counted once. Returns when the
  // refusals began: a hold renewed for longer than longest_hold gives up on what it holds.
  domain::time_point start_hold(const storage::outbox_message& m, bool direct_only, domain::time_point until,
                                const delivery_outcome& outcome) {
    const auto now = clock.now();
    const bool renewed = held_until(m.on, direct_only, now).has_value();
    auto since = now;
    for (const auto& h : holds) {
      // A renewal, or a refusal right after the hold ran out (its rows tried again): the same spell.
      if (h.on == m.on && h.direct_only == direct_only && h.until + options.hold_after_refusal >= now) since = h.since;
    }
    std::erase_if(holds, [&](const hold& h) { return h.on == m.on && h.direct_only == direct_only; });
    holds.push_back({m.on, direct_only, until, since});
    if (renewed) return since;
    stats.admin_alert(direct_only ? "direct_messages_off" : "credentials_refused");
    log_event(
        log_level::error, direct_only ? "direct_messages_held" : "sends_held",
        {{"platform", domain::platform_id(m.on)},
         {"reason", outcome.reason},
         {"minutes", static_cast<long long>(std::chrono::duration_cast<std::chrono::minutes>(until - now).count())}});
    return since;
  }

  channel_plug* plug_for(domain::platform on) const {
    for (auto* plug : plugs) {
      if (plug->platform() == on) return plug;
    }
    return nullptr;
  }

  std::chrono::milliseconds backoff(int attempts) {
    auto delay = options.first_backoff;
    for (int i = 1; i < attempts && delay < options.max_backoff; ++i) delay *= 2;
    delay = std::min(delay, options.max_backoff);
    // Jitter in [delay/2, delay]: retries of many messages spread out instead of arriving together.
    std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
    return std::chrono::milliseconds{jitter(random)};
  }

  // A sender waiting for work (or after a failure) is woken by new work; one waiting for a send
  // turn is not: new work does not bring the turn nearer, and waking it early either sent before
  // the turn or, put back, had it claim, render and put back again at every click.
  enum class wake_on { new_work, stop_only };
  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d, wake_on woken = wake_on::new_work) {
    auto timer = std::make_shared<asio::steady_timer>(strand, d);
    sleepers.push_back({timer, woken == wake_on::new_work});
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase_if(sleepers, [&](const sleeper& s) { return s.timer == timer; });
  }

  /// The buckets as storage paces them, each with its rule.
  std::vector<storage::send_pace> paces_of(const std::vector<std::string>& keys) const {
    std::vector<storage::send_pace> out;
    out.reserve(keys.size());
    for (const auto& key : keys) {
      const auto& r = limiter.rule_for(key);
      out.push_back({key, r.per_second, r.burst});
    }
    return out;
  }

  /// True when the buckets let `m` go now, or within the idle poll: then that turn is taken at
  /// once and waited for with the message in hand. Putting it back and claiming again would cost
  /// a release, a claim and a render per wait; with many senders on one bucket most claims ended
  /// that way (9 of 10 in a click burst on PostgreSQL, where each is a round trip), and the sends
  /// went when a sender happened to look rather than at their turn. A turn further off puts the
  /// message back until then, and this sender waits rather than spinning on claims (the others
  /// carry on). Where replicas share the store, the buckets are the store's, so the platform's
  /// limit holds for the app, not per replica. Pacing counts the platform's seconds, so it reads
  /// real time (the wall clock, the only one replicas on several hosts share), never the business
  /// clock that tests move by days.
  asio::awaitable<bool> take_turn(const storage::outbox_message& m, const send_buckets& buckets) {
    using steady = std::chrono::steady_clock;
    const steady::duration horizon = options.idle_poll;
    steady::duration wait{};
    if (!store.single_process()) {
      const auto paces = paces_of(buckets.take);
      const auto wall_now = std::chrono::system_clock::now();
      const auto turn =
          co_await run_blocking(pool, [&] { return store.take_send_turn(paces, wall_now, wall_now + horizon); });
      wait = std::chrono::duration_cast<steady::duration>(turn - wall_now);
    } else {
      const auto steady_now = steady::now();
      wait = limiter.acquire(buckets.take, steady_now, steady_now + horizon) - steady_now;
    }
    if (wait <= horizon) {
      // A Retry-After another sender meets meanwhile does not hold this turn back: at most a
      // poll's worth of sends run into the pause, and each comes back with the platform's wait.
      if (wait > steady::duration::zero()) co_await sleep(wait, wake_on::stop_only);
      if (!stopping) co_return true;
      wait = steady::duration::zero();  // stopping: the turn goes unused, the message goes back
    }
    const auto later = clock.now() + std::chrono::duration_cast<domain::time_point::duration>(wait);
    co_await run_blocking(pool, [&] { store.release(m.id, m.claim, later); });
    if (!stopping) co_await sleep(std::min(wait, horizon), wake_on::stop_only);
    co_return false;
  }

  // A message whose content is final or rendered now: one turn, one call, one outcome; nullopt
  // when it was put back to wait for its turn.
  asio::awaitable<std::optional<delivery_outcome>> send_message(channel_plug& plug, const storage::outbox_message& m,
                                                                send_action action, domain::message message) {
    const auto buckets = plug.buckets(action, m.address);
    if (!co_await take_turn(m, buckets)) co_return std::nullopt;
    auto outcome = co_await plug.send(action, m.address, std::move(message));
    co_await apply(m, outcome, buckets);
    if (action == send_action::post && bot_absent(outcome)) {
      log_event(log_level::warn, "not_in_conversation", {{"id", static_cast<long long>(m.id)}, {"reason", outcome.reason}});
      // Once someone invites the bot, the same post may be asked for again: its key stops guarding.
      if (!m.dedupe_key.empty()) co_await run_blocking(pool, [&] { store.forget_dedupe_key(m.id); });
    }
    co_return outcome;
  }

  // A post refused because the bot is not in the conversation; a private channel it was never
  // invited to looks gone to it (Slack: channel_not_found), so that counts too.
  static bool bot_absent(const delivery_outcome& outcome) {
    return outcome.verdict == delivery_verdict::permanent &&
           (outcome.problem == domain::delivery_problem::not_in_conversation ||
            outcome.problem == domain::delivery_problem::conversation_gone);
  }

  // The bot is not in the conversation the person asked it to post into: they are told how to
  // invite it, at the reply address their request came with.
  asio::awaitable<void> post_or_tell(channel_plug& plug, const storage::outbox_message& m, post_with_notice post) {
    const auto outcome = co_await send_message(plug, m, send_action::post, std::move(post.message));
    if (!outcome || !bot_absent(*outcome)) co_return;
    const auto now = clock.now();
    auto notice = make_row(m.on, storage::outbox_kind::reply, std::move(post.notice_to), post.notice, now);
    co_await run_blocking(pool, [&] { return store.enqueue(notice, now); });
  }

  asio::awaitable<void> give_up_on(const storage::outbox_message& m, std::string reason) {
    const send_buckets none;
    co_await apply(m, give_up(std::move(reason)), none);
  }

  // The person's direct conversation. Reaching someone the first time takes a turn of its own:
  // the conversation is opened and remembered, and the row is due again at once (without counting
  // an attempt) for the post. Without a conversation this claim ends here (opened, refused, or
  // not its turn); a refusal is applied, and said in `refused`.
  struct reach {
    std::optional<domain::conversation_ref> conversation;
    std::optional<delivery_outcome> refused;
  };
  asio::awaitable<reach> direct_conversation(channel_plug& plug, const storage::outbox_message& m,
                                             const domain::member_key& who) {
    auto direct = co_await run_blocking(pool, [&] { return store.find_direct_conversation(who); });
    if (direct) co_return reach{std::move(direct), std::nullopt};
    const auto buckets = plug.buckets(send_action::open_direct, who.user);
    if (!co_await take_turn(m, buckets)) co_return reach{};
    auto opened = co_await plug.open_direct(who);
    if (opened.verdict == delivery_verdict::sent && !opened.landed.conversation.empty()) {
      co_await run_blocking(pool, [&] {
        store.remember_direct_conversation(who, opened.landed.conversation);
        store.release(m.id, m.claim, clock.now());
      });
      log_event(log_level::info, "dm_opened", {{"id", static_cast<long long>(m.id)}});
      co_return reach{};
    }
    co_await apply(m, opened, buckets);
    co_return reach{std::nullopt, std::move(opened)};
  }

  // After a post into a direct conversation: what it taught about the conversation is kept.
  asio::awaitable<void> learn_from_direct_post(channel_plug& plug, const domain::member_key& who,
                                               const domain::conversation_ref& direct,
                                               const delivery_outcome& outcome) {
    if (outcome.verdict == delivery_verdict::sent) {
      // A platform may reach a person by who they are and open the conversation on the way
      // (Teams: a person known from a team's roster); the conversation is what is kept.
      const auto& landed_in = outcome.landed.conversation;
      if (!landed_in.empty() && landed_in != direct) {
        co_await run_blocking(pool, [&] { store.remember_direct_conversation(who, landed_in); });
      }
    } else if (outcome.problem == domain::delivery_problem::conversation_gone) {
      // A remembered direct conversation that no longer exists: the next attempt opens a fresh one
      // (from what the platform keeps of the person, when it keeps something).
      const auto again = plug.reach_after_gone(direct.address);
      co_await run_blocking(pool, [&] {
        if (again) {
          store.remember_direct_conversation(who, {direct.on, *again});
        } else {
          store.forget_direct_conversation(who);
        }
      });
    }
  }

  asio::awaitable<void> send_pulse_dm(channel_plug& plug, const storage::outbox_message& m, const pulse_ref& ref) {
    const auto reached = co_await direct_conversation(plug, m, ref.who);
    if (reached.refused) co_await after_refused_dm(m, ref, *reached.refused);
    const auto& direct = reached.conversation;
    if (!direct) co_return;
    auto message =
        co_await run_blocking(pool, [&] { return ref.reminder ? content.pulse_reminder(ref) : content.pulse_dm(ref); });
    if (!message) {
      // Answered already (through the pulse command or the Home tab), opted out, erased, or closed.
      co_await run_blocking(pool, [&] { return store.mark_sent(m.id, m.claim, clock.now()); });
      record(m, "skipped", "nothing to ask");
      co_return;
    }
    const auto buckets = plug.buckets(send_action::post, direct->address);
    if (!co_await take_turn(m, buckets)) co_return;
    const auto outcome = co_await plug.send(send_action::post, direct->address, std::move(*message));
    co_await learn_from_direct_post(plug, ref.who, *direct, outcome);
    // The reminder is not the pulse: where the pulse DM landed stays what the week's end updates.
    if (outcome.verdict == delivery_verdict::sent && !ref.reminder) {
      co_await run_blocking(pool, [&] { content.pulse_dm_sent(ref, outcome.landed); });
    }
    co_await apply(m, outcome, buckets);
    if (outcome.verdict != delivery_verdict::sent) co_await after_refused_dm(m, ref, outcome);
  }

  // A pulse DM the platform refused for a reason beyond the message: the person cannot be
  // reached, or the app may not send direct messages at all (then the admins are told where the
  // digest goes, since no DM would reach them either).
  asio::awaitable<void> after_refused_dm(const storage::outbox_message& m, const pulse_ref& ref,
                                         const delivery_outcome& outcome) {
    if (outcome.problem == domain::delivery_problem::person_unreachable) {
      co_await run_blocking(pool, [&] { content.person_unreachable(ref); });
      log_event(log_level::info, "person_unreachable",
                {{"id", static_cast<long long>(m.id)}, {"reason", outcome.reason}});
    } else if (outcome.problem == domain::delivery_problem::direct_messages_off) {
      const auto now = clock.now();
      co_await run_blocking(pool, [&] {
        auto post = content.direct_messages_off(ref.who.workspace);
        if (!post) return;
        auto row = make_row(post->where.on, storage::outbox_kind::post, post->where.address, post->message, now);
        row.dedupe_key = std::move(post->dedupe_key);
        store.enqueue(row, now);
      });
    }
  }

  asio::awaitable<void> send_direct_note(channel_plug& plug, const storage::outbox_message& m, direct_note note) {
    const auto direct = (co_await direct_conversation(plug, m, note.who)).conversation;
    if (!direct) co_return;
    const auto buckets = plug.buckets(send_action::post, direct->address);
    if (!co_await take_turn(m, buckets)) co_return;
    const auto outcome = co_await plug.send(send_action::post, direct->address, std::move(note.message));
    co_await learn_from_direct_post(plug, note.who, *direct, outcome);
    co_await apply(m, outcome, buckets);
  }

  // Will this outcome end the row for good (as apply records it)?
  bool ends_dead(const storage::outbox_message& m, const delivery_outcome& outcome) const {
    if (hold_scope(outcome)) return false;  // held, and tried again later
    return outcome.verdict == delivery_verdict::permanent ||
           (outcome.verdict == delivery_verdict::retry && m.attempts >= options.max_attempts);
  }

  // A post nobody waits for: if it dies, the admins hear of it by DM and /metrics counts it.
  asio::awaitable<void> post_unattended(channel_plug& plug, const storage::outbox_message& m, unattended_post post) {
    const auto outcome = co_await send_message(plug, m, send_action::post, std::move(post.message));
    if (!outcome || !ends_dead(m, *outcome)) co_return;
    stats.admin_alert("digest_undelivered");
    const domain::conversation_ref where{m.on, m.address};
    const auto now = clock.now();
    co_await run_blocking(pool, [&] {
      const auto notes =
          content.digest_undelivered(post.workspace, where, post.week, bot_absent(*outcome), outcome->reason);
      for (const auto& [note, key] : notes) {
        auto row = make_row(m.on, storage::outbox_kind::post, note.who.user, note, now);
        row.dedupe_key = key;
        store.enqueue(row, now);
      }
      log_event(log_level::error, "digest_undelivered",
                {{"id", static_cast<long long>(m.id)},
                 {"workspace", post.workspace.id},
                 {"week", post.week},
                 {"reason", outcome->reason},
                 {"admins_told", static_cast<long long>(notes.size())}});
    });
  }

  // True when a hold keeps the row from being sent now: it is put back until the hold ends.
  asio::awaitable<bool> wait_out_hold(const storage::outbox_message& m, bool direct) {
    const auto until = held_until(m.on, direct, clock.now());
    if (!until) co_return false;
    co_await run_blocking(pool, [&] { return store.release(m.id, m.claim, *until); });
    co_return true;
  }

  // Renders what the row says (now, if it is rendered late) and sends it.
  asio::awaitable<void> send_row(channel_plug& plug, const storage::outbox_message& m) {
    if (co_await wait_out_hold(m, m.kind == storage::outbox_kind::pulse_dm)) co_return;
    if (m.kind == storage::outbox_kind::verbatim) {
      const auto buckets = plug.verbatim_buckets(m);
      if (!co_await take_turn(m, buckets)) co_return;
      const auto outcome = co_await plug.send_verbatim(m);
      co_await apply(m, outcome, buckets);
      co_return;
    }
    auto decoded = decode_content(m.content);
    if (!decoded) {
      co_await give_up_on(m, "unreadable content");
      co_return;
    }
    if (const auto* workspace = unasked_into(m, *decoded)) {
      if (co_await run_blocking(pool, [&] { return content.removed_from(*workspace); })) {
        co_await run_blocking(pool, [&] { return store.mark_sent(m.id, m.claim, clock.now()); });
        record(m, "skipped", "the app was removed from the workspace");
        co_return;
      }
    }
    if (auto* message = std::get_if<domain::message>(&*decoded)) {
      co_await send_message(plug, m, action_of(m.kind), std::move(*message));
    } else if (auto* post = std::get_if<post_with_notice>(&*decoded)) {
      co_await post_or_tell(plug, m, std::move(*post));
    } else if (auto* unattended = std::get_if<unattended_post>(&*decoded)) {
      co_await post_unattended(plug, m, std::move(*unattended));
    } else if (auto* note = std::get_if<direct_note>(&*decoded)) {
      if (co_await wait_out_hold(m, true)) co_return;
      co_await send_direct_note(plug, m, std::move(*note));
    } else if (const auto* home = std::get_if<home_ref>(&*decoded)) {
      auto view = co_await run_blocking(pool, [&] { return content.home_view(home->who); });
      co_await send_message(plug, m, send_action::publish_home, std::move(view));
    } else if (m.kind == storage::outbox_kind::pulse_dm) {
      co_await send_pulse_dm(plug, m, std::get<pulse_ref>(*decoded));
    } else {
      // A pulse as it stands, replacing the message clicked (pulse_update, at a reply address) or
      // a DM the bot posted earlier (replace, at the plug's update address).
      const auto& ref = std::get<pulse_ref>(*decoded);
      auto view = co_await run_blocking(pool, [&] { return content.pulse_update(ref); });
      if (!view) {
        co_await give_up_on(m, "nothing left to show");
        co_return;
      }
      const auto action = m.kind == storage::outbox_kind::replace ? send_action::update : action_of(m.kind);
      co_await send_message(plug, m, action, std::move(*view));
    }
  }

  // One message, claimed and seen through to an outcome. Throws when storage (or rendering) fails.
  asio::awaitable<bool> send_next(std::optional<storage::outbox_message>& in_hand) {
    const auto now = clock.now();
    auto claimed = co_await run_blocking(pool, [&] { return store.claim_due(now, now + options.lease, 1); });
    if (claimed.empty()) co_return false;
    in_hand = std::move(claimed.front());
    auto* plug = plug_for(in_hand->on);
    if (plug && in_hand->kind == storage::outbox_kind::verbatim) {
      if (auto modern = plug->modernise(*in_hand)) in_hand = std::move(*modern);
    }
    const auto& m = *in_hand;
    if (m.attempts > options.max_attempts) {
      // Every claim counts an attempt and an outcome gives it back or records it, so getting
      // here means earlier claims ended without one: the process died or the send threw while
      // this message was in hand. Sending it again would repeat that; it is dead-lettered.
      const auto reason = "claimed " + std::to_string(m.attempts) + " times without an outcome (it may crash the sender)";
      co_await run_blocking(pool, [&] { return store.mark_dead(m.id, m.claim, reason, now); });
      record(m, "dead", reason);
    } else if (!plug) {
      co_await give_up_on(m, "no channel for its platform is configured");
    } else {
      co_await send_row(*plug, m);
    }
    co_return true;
  }

  // A failure in storage or in rendering must not end the sender: before this loop caught them,
  // one SQLITE_BUSY stopped all delivery for good and a stop never completed. The message in
  // hand is put back for a later attempt (or, if storage is down, its lease runs out), and the
  // sender waits longer after each failure in a row so a broken disk is not hammered.
  asio::awaitable<void> sender() {
    const auto self = shared_from_this();
    int failures_in_a_row = 0;
    std::optional<storage::outbox_message> unreturned;  // failed, and putting it back failed too
    while (!stopping) {
      std::optional<storage::outbox_message> in_hand;
      std::string failure;
      try {
        // A message this sender could not put back is put back first: otherwise it would wait
        // out its whole lease once storage works again.
        if (unreturned) {
          co_await run_blocking(pool, [&] { store.reschedule(unreturned->id, unreturned->claim, clock.now(), "put back after a storage failure"); });
          unreturned.reset();
        }
        if (!co_await send_next(in_hand)) co_await sleep(options.idle_poll);
        failures_in_a_row = 0;
        continue;
      } catch (const std::exception& e) {
        failure = e.what();
      } catch (...) {
        failure = "unknown exception";
      }
      ++failures_in_a_row;
      stats.background_failure("outbox");
      log_event(log_level::error, "outbox_failed",
                {{"error", failure}, {"id", in_hand ? static_cast<long long>(in_hand->id) : 0LL},
                 {"in_a_row", static_cast<long long>(failures_in_a_row)}});
      if (in_hand && !co_await put_back(*in_hand, failure)) unreturned = std::move(in_hand);
      co_await sleep(std::min<std::chrono::milliseconds>(backoff(failures_in_a_row), max_failure_pause));
    }
    if (--running == 0 && on_stopped) {
      auto done = std::move(on_stopped);
      done();
    }
  }

  // Storage may be what failed: then false, and the sender tries again before its next claim
  // (and should it stop first, the lease brings the message back).
  asio::awaitable<bool> put_back(const storage::outbox_message& m, const std::string& error) {
    const auto at = clock.now() + backoff(m.attempts);
    std::string failure;
    try {
      co_await run_blocking(pool, [&] { store.reschedule(m.id, m.claim, at, error); });
      co_return true;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    log_event(log_level::warn, "outbox_put_back_failed", {{"id", static_cast<long long>(m.id)}, {"error", failure}});
    co_return false;
  }

  void record(const storage::outbox_message& m, std::string_view label, std::string_view reason) {
    stats.delivery(label);
    log_event(label == "sent" || label == "skipped" ? log_level::info : log_level::warn, "delivery",
              {{"id", static_cast<long long>(m.id)}, {"kind", storage::outbox_kind_id(m.kind)}, {"outcome", label},
               {"attempt", static_cast<long long>(m.attempts)}, {"reason", reason}});
  }

  asio::awaitable<void> apply(const storage::outbox_message& m, const delivery_outcome& outcome,
                              const send_buckets& buckets) {
    const auto now = clock.now();
    std::string_view label;
    bool held = true;  // false: the lease ran out and another sender holds the message now
    if (const auto direct_only = hold_scope(outcome)) {
      const auto until = now + options.hold_after_refusal;
      if (now - start_hold(m, *direct_only, until, outcome) < options.longest_hold) {
        label = "held";
        held = co_await run_blocking(pool, [&] { return store.release(m.id, m.claim, until); });
      } else {
        // Refused for longest_hold on end (a wrong token, an app nobody reinstalls): what is held would
        // otherwise wait forever.
        label = "dead";
        held = co_await run_blocking(
            pool, [&] { return store.mark_dead(m.id, m.claim, "held too long: " + outcome.reason, now); });
      }
    } else {
      switch (outcome.verdict) {
        case delivery_verdict::sent:
          label = "sent";
          held = co_await run_blocking(pool, [&] { return store.mark_sent(m.id, m.claim, now); });
          break;
        case delivery_verdict::rate_limited: {
          label = "rate_limited";
          const auto wait = outcome.retry_after.value_or(std::chrono::seconds{30});
          // The plug says which buckets the limit is about (a whole method, or only this message).
          for (const auto& key : buckets.pause_when_limited)
            limiter.pause(key, std::chrono::steady_clock::now() + wait);
          if (!store.single_process()) {
            const auto paces = paces_of(buckets.pause_when_limited);
            const auto until = std::chrono::system_clock::now() + wait;  // real time, as in take_turn
            co_await run_blocking(pool, [&] { store.pause_sends(paces, until); });
          }
          held = co_await run_blocking(pool, [&] { return store.release(m.id, m.claim, now + wait); });
          break;
        }
        case delivery_verdict::retry:
          if (m.attempts >= options.max_attempts) {
            label = "dead";
            held = co_await run_blocking(pool, [&] {
              return store.mark_dead(
                  m.id, m.claim, "gave up after " + std::to_string(m.attempts) + " attempts: " + outcome.reason, now);
            });
          } else {
            label = "retry";
            const auto at = now + backoff(m.attempts);
            held = co_await run_blocking(pool, [&] { return store.reschedule(m.id, m.claim, at, outcome.reason); });
          }
          break;
        case delivery_verdict::permanent:
          label = "dead";
          held = co_await run_blocking(pool, [&] { return store.mark_dead(m.id, m.claim, outcome.reason, now); });
          break;
      }
    }
    record(m, label, outcome.reason);
    if (!held) {
      // Its lease ran out while it was in hand (a very slow call): the sender that claimed it
      // since decides what happens to it, so this outcome is not recorded in storage.
      log_event(log_level::warn, "outbox_claim_lost", {{"id", static_cast<long long>(m.id)}, {"outcome", label}});
    }
  }
};

outbox_worker::outbox_worker(asio::io_context& io, storage::store& store, asio::thread_pool& pool,
                             std::vector<channel_plug*> plugs, const domain::clock& clock, metrics& stats,
                             late_content& content, outbox_options options)
    : state_(std::make_shared<state>(io, store, pool, std::move(plugs), clock, stats, content, options)) {}

outbox_worker::~outbox_worker() = default;

void outbox_worker::start() {
  asio::post(state_->strand, [s = state_] {
    for (int i = 0; i < s->options.senders; ++i) {
      ++s->running;
      asio::co_spawn(s->strand, s->sender(), [s](std::exception_ptr e) {
        // sender() catches what it can; what escaped it (bad_alloc, say) ended this sender, which
        // must still count as stopped so a shutdown completes.
        if (!e) return;
        log_event(log_level::error, "outbox_sender_ended", {{"error", "unexpected exception"}});
        if (--s->running == 0 && s->on_stopped) std::exchange(s->on_stopped, nullptr)();
      });
    }
  });
}

void outbox_worker::stop(std::function<void()> done) {
  asio::post(state_->strand, [s = state_, done = std::move(done)]() mutable {
    s->stopping = true;
    if (s->running == 0) {
      done();
      return;
    }
    s->on_stopped = std::move(done);
    for (auto& sleeping : s->sleepers) sleeping.timer->cancel();
  });
}

void outbox_worker::wake() {
  asio::post(state_->strand, [s = state_] {
    for (auto& sleeping : s->sleepers) {
      if (sleeping.until_new_work) sleeping.timer->cancel();
    }
  });
}

}  // namespace smrel::service
