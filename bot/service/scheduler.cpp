#include "bot/service/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <random>
#include <set>
#include <utility>

#include "bot/service/logging.hpp"
#include "bot/service/outbox_content.hpp"

namespace smrel::service {
namespace {

namespace asio = boost::asio;

constexpr std::string_view pulse_run = "pulse";
constexpr std::string_view reminder_run = "reminder";
constexpr std::string_view close_run = "close";
constexpr std::string_view digest_run = "digest";

// A reminder later than this before the pulse closes is not worth sending.
constexpr auto least_time_after_reminder = std::chrono::hours{2};
// A pulse that closed longer ago than this (say, while smrel was down for days) keeps its DMs as
// they were: updating them so late would only be noise.
constexpr auto longest_close_delay = std::chrono::days{2};

}  // namespace

domain::conversation_ref digest_target_of(storage::store& store, const domain::workspace_ref& workspace,
                                          const std::vector<domain::conversation_ref>& defaults) {
  if (const auto installed = store.find_installation(workspace); installed && !installed->digest_target.empty()) {
    return installed->digest_target;
  }
  for (const auto& fallback : defaults) {
    if (fallback.on == workspace.on) return fallback;
  }
  return {workspace.on, {}};
}

struct scheduler::state : std::enable_shared_from_this<state> {
  state(asio::io_context& io, asio::thread_pool& p, storage::store& s, engine::chat_bot& b, std::vector<channel_plug*> all,
        schedule_options o, const domain::clock& k, std::function<void()> q, std::chrono::milliseconds t)
      : timer(asio::make_strand(io)), pool(p), store(s), bot(b), plugs(std::move(all)), options(std::move(o)), clock(k),
        on_queued(std::move(q)), tick(t), owner(random_owner()) {}

  asio::steady_timer timer;  // armed and cancelled on its strand only
  asio::thread_pool& pool;
  storage::store& store;
  engine::chat_bot& bot;
  std::vector<channel_plug*> plugs;
  schedule_options options;
  const domain::clock& clock;
  std::function<void()> on_queued;
  std::chrono::milliseconds tick;
  std::atomic<std::size_t> passes{0};
  std::atomic<bool> stopped{false};
  const std::string owner;  // this replica's name on the runs it claims
  std::set<domain::platform> told_idle;  // passes never overlap, so no lock

  static std::string random_owner() {
    std::random_device random;
    return std::to_string(random()) + "-" + std::to_string(random());
  }

  channel_plug* plug_for(domain::platform on) const {
    for (auto* plug : plugs) {
      if (plug->platform() == on) return plug;
    }
    return nullptr;
  }

  // A plug that cannot send (no credentials) leaves its workspaces' weeks undone, so configuring
  // it and restarting sends them; that is said once.
  bool can_send(domain::platform on) {
    const auto* plug = plug_for(on);
    const auto why = plug ? plug->cannot_send() : std::optional<std::string>("no channel configured");
    if (!why) return true;
    if (told_idle.insert(on).second) {
      log_event(log_level::warn, "schedule_idle", {{"platform", domain::platform_id(on)}, {"reason", *why}});
    }
    return false;
  }

  domain::conversation_ref digest_target(const domain::workspace_ref& workspace) {
    return digest_target_of(store, workspace, options.default_digest_targets);
  }

  bool claim(const domain::workspace_ref& workspace, std::string_view kind, scoring::iso_week week, domain::time_point now) {
    return store.try_claim_run(workspace, kind, week, owner, now, now + options.run_lease);
  }

  void send_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, domain::time_point now) {
    const auto recipients = bot.open_weekly_pulse(workspace);
    storage::write_batch batch;
    for (const auto& r : recipients) {
      auto row = make_row(r.who.workspace.on, storage::outbox_kind::pulse_dm, r.who.user, pulse_ref{r.who, r.pulse_id}, now);
      row.dedupe_key = "dm.pulse:" + std::to_string(r.pulse_id) + ":" + r.who.user;  // once per person and pulse
      batch.outbox.push_back(std::move(row));
    }
    if (!store.commit_run(batch, workspace, pulse_run, week, now)) return;  // another process did it
    log_event(log_level::info, "pulse_queued", {{"workspace", workspace.id}, {"week", week.to_string()},
                                                 {"recipients", static_cast<long long>(recipients.size())}});
  }

  // One reminder to whoever has not answered: a row per DM that went out, rendered when sent (so
  // someone who answered since gets nothing). True when it queued any.
  bool send_reminders(const domain::workspace_ref& workspace, scoring::iso_week week, domain::time_point now) {
    storage::write_batch batch;
    for (const auto& sent : bot.sent_pulse_dms(workspace, week)) {
      const pulse_ref ref{sent.who, sent.pulse_id, true, true};
      auto row = make_row(sent.who.workspace.on, storage::outbox_kind::pulse_dm, sent.who.user, ref, now);
      row.dedupe_key = "dm.remind:" + std::to_string(sent.pulse_id) + ":" + sent.who.user;
      batch.outbox.push_back(std::move(row));
    }
    if (!store.commit_run(batch, workspace, reminder_run, week, now)) return false;
    log_event(log_level::info, "reminders_queued",
              {{"workspace", workspace.id},
               {"week", week.to_string()},
               {"recipients", static_cast<long long>(batch.outbox.size())}});
    return !batch.outbox.empty();
  }

  // The week's pulse closed: each DM that went out is shown closed, its buttons gone, with where
  // the results are, so nobody clicks a week that no longer counts. True when it queued any.
  bool close_pulse_dms(const domain::workspace_ref& workspace, scoring::iso_week week, domain::time_point now) {
    storage::write_batch batch;
    const auto* plug = plug_for(workspace.on);
    for (const auto& sent : bot.sent_pulse_dms(workspace, week)) {
      const auto address = plug ? plug->update_address(sent.message) : std::nullopt;
      if (!address) continue;
      auto row = make_row(sent.who.workspace.on, storage::outbox_kind::replace, *address,
                          pulse_ref{sent.who, sent.pulse_id, true, false}, now);
      row.dedupe_key = "dm.close:" + std::to_string(sent.pulse_id) + ":" + sent.who.user;
      batch.outbox.push_back(std::move(row));
    }
    if (!store.commit_run(batch, workspace, close_run, week, now)) return false;
    if (batch.outbox.empty()) return false;  // no DM of that week went out (or none can be updated)
    log_event(log_level::info, "closed_pulses_queued",
              {{"workspace", workspace.id},
               {"week", week.to_string()},
               {"messages", static_cast<long long>(batch.outbox.size())}});
    return true;
  }

  void post_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& target, scoring::iso_week week,
                   domain::time_point now) {
    auto result = bot.weekly_digest(workspace, target, options.digest_locale);
    storage::write_batch batch;
    for (auto& post : result.posts) {
      // Nobody waits for it: should it not land, the admins are told (see outbox_worker).
      auto row = make_row(post.where.on, storage::outbox_kind::post, post.where.address,
                          unattended_post{std::move(post.message), workspace, week.to_string()}, now);
      row.dedupe_key = std::move(post.dedupe_key);
      batch.outbox.push_back(std::move(row));
    }
    if (!store.commit_run(batch, workspace, digest_run, week, now)) return;  // another process did it
    log_event(log_level::info, "digest_queued", {{"workspace", workspace.id}, {"week", week.to_string()},
                                                  {"channel", target.address}});
  }

  // One pass over every workspace: queues whatever is due and not done; true when it queued.
  bool run_due() {
    const auto now = clock.now();
    const auto& calendar = bot.company_calendar();
    const auto week = calendar.week_of(now);
    const bool pulse_due = now >= calendar.pulse_due(week) && now + least_time_to_answer < calendar.pulse_closes(week);
    // A reminder may fall in the week after its pulse's (a Friday pulse reminding on Monday, its
    // pulse open longer), and a pulse open two weeks closes two weeks on: each looks back as far
    // as it can reach.
    std::vector<scoring::iso_week> reminding;
    std::vector<scoring::iso_week> closing;
    for (const auto w : {week, week - 1, week - 2}) {
      const auto at = calendar.reminder_due(w);
      if (at && now >= *at && now + least_time_after_reminder < calendar.pulse_closes(w)) reminding.push_back(w);
      if (now >= calendar.pulse_closes(w) && now < calendar.pulse_closes(w) + longest_close_delay) closing.push_back(w);
    }
    const bool digest_due = now >= calendar.digest_due(week);
    if (!pulse_due && reminding.empty() && closing.empty() && !digest_due) return false;
    bool queued = false;
    for (const auto& workspace : store.workspaces()) {
      if (!can_send(workspace.on)) continue;
      const bool pulse_todo = pulse_due && !store.run_done(workspace, pulse_run, week);
      // Reminders follow the week's DMs: once those were queued (and some have gone out).
      std::vector<scoring::iso_week> reminder_todo;
      for (const auto w : reminding) {
        if (store.run_done(workspace, pulse_run, w) && !store.run_done(workspace, reminder_run, w)) {
          reminder_todo.push_back(w);
        }
      }
      std::vector<scoring::iso_week> close_todo;
      for (const auto w : closing) {
        if (!store.run_done(workspace, close_run, w)) close_todo.push_back(w);
      }
      const auto target = digest_due ? digest_target(workspace) : domain::conversation_ref{workspace.on, {}};
      const bool digest_todo = !target.empty() && !store.run_done(workspace, digest_run, week);
      if (!pulse_todo && reminder_todo.empty() && close_todo.empty() && !digest_todo) continue;
      if (!bot.has_real_members(workspace)) continue;  // e.g. only `smrel demo`'s company
      // Claimed before the work, so two replicas ticking together do it once.
      if (pulse_todo && claim(workspace, pulse_run, week, now)) {
        send_pulse(workspace, week, now);
        queued = true;
      }
      for (const auto w : reminder_todo) {
        if (claim(workspace, reminder_run, w, now)) queued = send_reminders(workspace, w, now) || queued;
      }
      for (const auto w : close_todo) {
        if (claim(workspace, close_run, w, now)) queued = close_pulse_dms(workspace, w, now) || queued;
      }
      if (digest_todo && claim(workspace, digest_run, week, now)) {
        post_digest(workspace, target, week, now);
        queued = true;
      }
    }
    return queued;
  }

  void arm(std::chrono::milliseconds after) {
    timer.expires_after(after);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;
      self->pass();
    });
  }

  // Storage work runs on the blocking pool; the next tick is armed when the pass is over, so
  // passes never overlap.
  void pass() {
    asio::post(pool, [self = shared_from_this()] {
      try {
        if (self->run_due() && self->on_queued) self->on_queued();
      } catch (const std::exception& e) {
        log_event(log_level::error, "schedule_failed", {{"error", e.what()}});  // tried again next tick
      } catch (...) {
        log_event(log_level::error, "schedule_failed", {{"error", "unknown exception"}});
      }
      ++self->passes;
      asio::post(self->timer.get_executor(), [self] {
        if (!self->stopped) self->arm(self->tick);
      });
    });
  }
};

scheduler::scheduler(asio::io_context& io, asio::thread_pool& pool, storage::store& store, engine::chat_bot& bot,
                     std::vector<channel_plug*> plugs, schedule_options options, const domain::clock& clock,
                     std::function<void()> on_queued, std::chrono::milliseconds tick)
    : state_(std::make_shared<state>(io, pool, store, bot, std::move(plugs), std::move(options), clock, std::move(on_queued),
                                     tick)) {}

scheduler::~scheduler() { stop(); }

std::size_t scheduler::passes() const { return state_->passes.load(); }

bool scheduler::run_once() { return state_->run_due(); }

void scheduler::start() {
  asio::post(state_->timer.get_executor(), [s = state_] { s->pass(); });
}

void scheduler::stop() {
  state_->stopped = true;
  asio::post(state_->timer.get_executor(), [s = state_] { s->timer.cancel(); });
}

}  // namespace smrel::service
