#include "bot/service/people_check.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>
#include <span>

#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/outbox_content.hpp"

namespace smrel::service {
namespace {

namespace asio = boost::asio;
using domain::delivery_verdict;

// What one look-up means for the rest of the pass.
enum class next_step : std::uint8_t {
  go_on,          // the next person is looked up
  wait_for_turn,  // rate limited: the platform's pace is paused, the rest wait for a later pass
  rest,           // refused for the app as a whole: nobody on the platform is looked up for a while
};

// A token refused, or users:read not granted (an install from before the scope was added): every
// look-up would fail alike until an admin mends the install.
bool refuses_the_app(const domain::delivery_outcome& outcome) {
  return outcome.problem == domain::delivery_problem::credentials_refused || outcome.reason == "missing_scope" ||
         outcome.reason == "no_permission";
}

std::string what_to_do_about(const domain::delivery_outcome& outcome) {
  if (outcome.problem == domain::delivery_problem::credentials_refused) {
    return "the bot token is refused: reinstall the app, or set a working SMREL_SLACK_BOT_TOKEN";
  }
  return "reinstall the app so it has the users:read scope (deploy/slack/manifest.yml)";
}

domain::person_facts deactivated_as(domain::person_kind kind) {
  domain::person_facts gone;
  gone.kind = kind;
  gone.deactivated = true;
  return gone;
}

}  // namespace

struct people_check::state : std::enable_shared_from_this<state> {
  state(asio::io_context& io, asio::thread_pool& p, storage::store& s, engine::chat_bot& b,
        std::vector<channel_plug*> all, const domain::clock& k, people_check_options o, std::function<void()> q)
      : timer(asio::make_strand(io)), turn_timer(timer.get_executor()), pool(p), store(s), bot(b),
        plugs(std::move(all)), clock(k), options(o), on_queued(std::move(q)) {}

  // Both armed and cancelled on their strand only; stop() cancels either wait.
  asio::steady_timer timer;       // between passes
  asio::steady_timer turn_timer;  // for the platform's pace
  asio::thread_pool& pool;
  storage::store& store;
  engine::chat_bot& bot;
  std::vector<channel_plug*> plugs;
  const domain::clock& clock;
  people_check_options options;
  std::function<void()> on_queued;
  std::atomic<std::size_t> passes{0};
  std::atomic<bool> stopped{false};
  std::map<domain::platform, domain::time_point> resting_until;  // passes never overlap

  // Waits for the platform's pace to give a turn; false when it is further off than a pass
  // (other replicas, or a Retry-After, took the time) or the check is stopping. Pacing counts the
  // platform's seconds: real time, shared through the store by every replica (see send_pace.hpp).
  asio::awaitable<bool> wait_for_turn(const storage::send_pace& pace) {
    const auto now = std::chrono::system_clock::now();
    const auto latest = now + options.every;
    const auto turn =
        co_await run_blocking(pool, [&] { return store.take_send_turn(std::span(&pace, 1), now, latest); });
    if (turn > latest) co_return false;
    if (turn > now && !stopped) {
      turn_timer.expires_after(turn - now);
      boost::system::error_code ignored;
      co_await turn_timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return !stopped;
  }

  // Those taken but not looked up are due again at once.
  asio::awaitable<void> put_back(std::span<const storage::member> people) {
    co_await run_blocking(pool, [&] {
      for (const auto& m : people) store.set_looked_up_at(m.key, m.looked_up_at.value_or(domain::time_point{}));
    });
  }

  // What the platform said, to the engine; a note it has for the person is queued once per kind
  // (the dedupe key), however often it is said.
  asio::awaitable<void> record(const storage::member& taken, const domain::person_facts& facts) {
    const auto now = clock.now();
    const bool queued = co_await run_blocking(pool, [&] {
      const auto note = bot.person_looked_up(taken.key, facts);
      if (!note) return false;
      auto row = make_row(taken.key.workspace.on, storage::outbox_kind::post, taken.key.user,
                          direct_note{taken.key, *note}, now);
      row.dedupe_key = "note.not_counted:" + std::string(domain::person_kind_id(facts.kind)) + ":" +
                       taken.key.workspace.id + ":" + taken.key.user;
      return store.enqueue(row, now) > 0;
    });
    if (facts.kind != taken.kind || facts.deactivated) {
      log_event(log_level::info, "person_looked_up",
                {{"workspace", taken.key.workspace.id},
                 {"kind", std::string(domain::person_kind_id(facts.kind))},
                 {"deactivated", facts.deactivated ? "yes" : "no"}});
    }
    if (queued && on_queued) on_queued();
  }

  asio::awaitable<next_step> look_up_one(channel_plug& plug, const storage::send_pace& pace, const storage::member& m,
                                         std::size_t& answered) {
    const auto found = co_await plug.look_up(m.key);
    if (found.facts) {
      ++answered;
      co_await record(m, *found.facts);
      co_return next_step::go_on;
    }
    const auto& outcome = found.outcome;
    if (outcome.problem == domain::delivery_problem::person_unreachable) {
      ++answered;
      co_await record(m, deactivated_as(m.kind));
      co_return next_step::go_on;
    }
    log_event(log_level::warn, "look_up_failed",
              {{"platform", domain::platform_id(m.key.workspace.on)},
               {"workspace", m.key.workspace.id},
               {"reason", outcome.reason}});
    if (outcome.verdict == domain::delivery_verdict::rate_limited) {
      const auto until = std::chrono::system_clock::now() + outcome.retry_after.value_or(std::chrono::seconds{30});
      co_await run_blocking(pool, [&] { store.pause_sends(std::span(&pace, 1), until); });
      co_return next_step::wait_for_turn;
    }
    if (refuses_the_app(outcome)) {
      resting_until[m.key.workspace.on] = clock.now() + options.rest_after_refusal;
      log_event(log_level::error, "look_ups_refused",
                {{"platform", domain::platform_id(m.key.workspace.on)},
                 {"reason", outcome.reason},
                 {"what_to_do", what_to_do_about(outcome)}});
      co_return next_step::rest;
    }
    // A passing failure (network, 5xx) is tried again soon; anything else about this person (say,
    // user_not_visible) waits the usual day rather than being asked every quarter of an hour.
    if (outcome.verdict == domain::delivery_verdict::retry) {
      const auto again = clock.now() - options.again_after + options.retry_after_failure;
      co_await run_blocking(pool, [&] { store.set_looked_up_at(m.key, again); });
    }
    co_return next_step::go_on;
  }

  asio::awaitable<std::size_t> look_up_platform(channel_plug& plug, const storage::send_pace& pace) {
    const auto on = plug.platform();
    const auto now = clock.now();
    if (const auto rest = resting_until.find(on); rest != resting_until.end() && now < rest->second) co_return 0;
    const auto people = co_await run_blocking(pool, [&] {
      return store.take_people_to_look_up(on, now - options.again_after, now, options.at_most_per_pass);
    });
    std::size_t answered = 0;
    for (std::size_t i = 0; i < people.size(); ++i) {
      const auto& m = people[i];
      if (!engine::chat_bot::looked_up_at_platform(m.key)) continue;  // `smrel demo`'s people
      auto step = next_step::wait_for_turn;
      try {
        if (stopped || !co_await wait_for_turn(pace)) {
          step = next_step::wait_for_turn;
        } else {
          step = co_await look_up_one(plug, pace, m, answered);
          if (step == next_step::go_on) continue;
        }
      } catch (const std::exception& e) {
        // Storage unavailable, say: this person and the rest are put back for the next pass.
        log_event(log_level::warn, "look_up_pass_failed", {{"platform", domain::platform_id(on)}, {"error", e.what()}});
      }
      try {
        co_await put_back(std::span(people).subspan(i));
      } catch (const std::exception&) {
        // Still failing: they are looked up a day later than they would have been.
      }
      break;
    }
    co_return answered;
  }

  asio::awaitable<std::size_t> pass() {
    std::size_t answered = 0;
    for (auto* plug : plugs) {
      const auto pace = plug->look_up_pace();
      if (!pace || plug->cannot_send()) continue;
      try {
        answered += co_await look_up_platform(*plug, *pace);
      } catch (const std::exception& e) {
        // Storage unavailable, say: the next pass tries again.
        log_event(log_level::warn, "look_up_pass_failed",
                  {{"platform", domain::platform_id(plug->platform())}, {"error", e.what()}});
      }
    }
    co_return answered;
  }

  asio::awaitable<void> run() {
    while (!stopped) {
      co_await pass();
      ++passes;
      if (stopped) break;
      timer.expires_after(options.every);
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }
};

people_check::people_check(asio::io_context& io, asio::thread_pool& pool, storage::store& store,
                           engine::chat_bot& bot, std::vector<channel_plug*> plugs, const domain::clock& clock,
                           people_check_options options, std::function<void()> on_queued)
    : state_(std::make_shared<state>(io, pool, store, bot, std::move(plugs), clock, options, std::move(on_queued))) {}

people_check::~people_check() { stop(); }

void people_check::start() {
  auto s = state_;
  asio::co_spawn(s->timer.get_executor(), [s]() -> asio::awaitable<void> { co_await s->run(); }, asio::detached);
}

void people_check::stop() {
  if (state_->stopped.exchange(true)) return;
  asio::post(state_->timer.get_executor(), [s = state_] {
    s->timer.cancel();
    s->turn_timer.cancel();
  });
}

asio::awaitable<std::size_t> people_check::pass() { co_return co_await state_->pass(); }

std::size_t people_check::passes() const { return state_->passes; }

}  // namespace smrel::service
