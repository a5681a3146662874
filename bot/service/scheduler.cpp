#include "bot/service/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <utility>

#include "bot/service/logging.hpp"
#include "bot/service/outbound.hpp"

namespace smrel::service {
namespace {

namespace asio = boost::asio;

constexpr std::string_view pulse_run = "pulse";
constexpr std::string_view digest_run = "digest";

}  // namespace

struct scheduler::state : std::enable_shared_from_this<state> {
  state(asio::io_context& io, asio::thread_pool& p, storage::store& s, engine::chat_bot& b, const config::settings& c,
        const domain::clock& k, std::function<void()> q, std::chrono::milliseconds t)
      : timer(asio::make_strand(io)), pool(p), store(s), bot(b), settings(c), clock(k), on_queued(std::move(q)), tick(t) {}

  asio::steady_timer timer;  // armed and cancelled on its strand only
  asio::thread_pool& pool;
  storage::store& store;
  engine::chat_bot& bot;
  const config::settings& settings;
  const domain::clock& clock;
  std::function<void()> on_queued;
  std::chrono::milliseconds tick;
  std::atomic<bool> stopped{false};
  bool told_no_token = false;  // passes never overlap, so no lock

  void send_pulse(const domain::workspace_ref& workspace, scoring::iso_week week, domain::time_point now) {
    const auto recipients = bot.open_weekly_pulse(workspace);
    storage::write_batch batch;
    for (const auto& r : recipients) batch.outbox.push_back(slack_pulse_by_dm(r.who, r.pulse_id, now));
    if (!store.commit_run(batch, workspace, pulse_run, week, now)) return;  // another process did it
    log_event(log_level::info, "pulse_queued", {{"workspace", workspace.id}, {"week", week.to_string()},
                                                 {"recipients", static_cast<long long>(recipients.size())}});
  }

  void post_digest(const domain::workspace_ref& workspace, scoring::iso_week week, domain::time_point now) {
    const auto lang = scoring::parse_locale(settings.survey.default_locale).value_or(scoring::locale::en);
    auto result = bot.weekly_digest(workspace, {domain::platform::slack, settings.slack.digest_channel}, lang);
    storage::write_batch batch;
    for (auto& post : result.posts) batch.outbox.push_back(slack_post(post.where.address, post.message, std::move(post.dedupe_key), now));
    if (!store.commit_run(batch, workspace, digest_run, week, now)) return;  // another process did it
    log_event(log_level::info, "digest_queued", {{"workspace", workspace.id}, {"week", week.to_string()},
                                                  {"channel", settings.slack.digest_channel}});
  }

  // One pass over every workspace: queues whatever is due and not done; true when it queued.
  bool run_due() {
    const auto now = clock.now();
    const auto& calendar = bot.company_calendar();
    const auto week = calendar.week_of(now);
    const bool pulse_due = now >= calendar.pulse_due(week) && now + least_time_to_answer < calendar.pulse_closes(week);
    const bool digest_due = !settings.slack.digest_channel.empty() && now >= calendar.digest_due(week);
    if (!pulse_due && !digest_due) return false;
    if (settings.slack.bot_token.empty()) {
      // Nothing could be sent; the week stays undone, so setting the token and restarting sends it.
      if (!std::exchange(told_no_token, true)) {
        log_event(log_level::warn, "schedule_idle", {{"reason", "no Slack bot token (SMREL_SLACK_BOT_TOKEN)"}});
      }
      return false;
    }
    bool queued = false;
    for (const auto& workspace : store.workspaces()) {
      if (workspace.on != domain::platform::slack) continue;  // Teams sends through its own adapter
      const bool pulse_todo = pulse_due && !store.run_done(workspace, pulse_run, week);
      const bool digest_todo = digest_due && !store.run_done(workspace, digest_run, week);
      if (!pulse_todo && !digest_todo) continue;
      if (!bot.has_real_members(workspace)) continue;  // e.g. only `smrel demo`'s company
      if (pulse_todo) send_pulse(workspace, week, now);
      if (digest_todo) post_digest(workspace, week, now);
      queued = true;
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
      asio::post(self->timer.get_executor(), [self] {
        if (!self->stopped) self->arm(self->tick);
      });
    });
  }
};

scheduler::scheduler(asio::io_context& io, asio::thread_pool& pool, storage::store& store, engine::chat_bot& bot,
                     const config::settings& settings, const domain::clock& clock, std::function<void()> on_queued,
                     std::chrono::milliseconds tick)
    : state_(std::make_shared<state>(io, pool, store, bot, settings, clock, std::move(on_queued), tick)) {}

scheduler::~scheduler() { stop(); }

void scheduler::start() {
  asio::post(state_->timer.get_executor(), [s = state_] { s->pass(); });
}

void scheduler::stop() {
  state_->stopped = true;
  asio::post(state_->timer.get_executor(), [s = state_] { s->timer.cancel(); });
}

}  // namespace smrel::service
