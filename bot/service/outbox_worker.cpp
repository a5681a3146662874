#include "bot/service/outbox_worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "adapters/slack/web_api.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/outbound.hpp"

namespace smrel::service {

namespace asio = boost::asio;
namespace slack = adapters::slack;

namespace {

// A Web API or response_url answer: what it means, and the body (conversations.open's channel).
struct reply {
  slack::delivery_outcome outcome;
  std::string body;
};

slack::delivery_outcome give_up(std::string reason) {
  return {slack::delivery_verdict::permanent, {}, std::move(reason), {}, {}};
}

// The longest a sender waits after failures in a row: storage that recovers is used again soon.
constexpr std::chrono::milliseconds max_failure_pause{30'000};

// Built outside the coroutines: GCC 12 miscompiles initializer lists in coroutine bodies.
std::vector<std::string> post_keys(const std::string& channel) {
  return {"method:" + std::string(slack_post_message), "channel:" + channel};
}
std::vector<std::string> open_keys() { return {"method:" + std::string(slack_open_dm)}; }
std::string open_dm_body(const std::string& user) { return nlohmann::json{{"users", user}}.dump(); }

}  // namespace

struct outbox_worker::state : std::enable_shared_from_this<state> {
  state(asio::io_context& context, storage::store& s, asio::thread_pool& p, const config::settings& c,
        const domain::clock& k, metrics& m, late_content& l, outbox_options o)
      : io(context), strand(asio::make_strand(context)), store(s), pool(p), settings(c), clock(k), stats(m),
        content(l), options(o), client(context), random(std::random_device{}()) {
    // Slack: chat.postMessage about one per second per channel and several hundred a minute per
    // workspace; views.publish is Tier 4 (100+/min); conversations.open is Tier 3 (50+/min), which
    // is why DM channels are opened once and remembered. response_url has no published rate limit
    // (each URL takes five replies in 30 minutes), so its per-host bucket only keeps bursts civil.
    limiter.set_rule("method:", {1.0, 3.0});
    limiter.set_rule("method:chat.postMessage", {5.0, 10.0});
    limiter.set_rule("method:views.publish", {1.5, 5.0});
    limiter.set_rule("method:conversations.open", {0.8, 5.0});
    limiter.set_rule("channel:", {1.0, 2.0});
    limiter.set_rule("response_url:", {100.0, 200.0});
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;  // senders share the limiter on it
  storage::store& store;
  asio::thread_pool& pool;
  const config::settings& settings;
  const domain::clock& clock;
  metrics& stats;
  late_content& content;
  outbox_options options;
  net::http_client client;
  rate_limiter limiter;
  std::mt19937_64 random;
  bool stopping = false;
  int running = 0;
  std::function<void()> on_stopped;
  std::vector<std::shared_ptr<asio::steady_timer>> sleepers;

  static bool via_response_url(const storage::outbox_message& m) {
    return m.method == slack_response_url || m.method == slack_pulse_update;
  }

  std::vector<std::string> bucket_keys(const storage::outbox_message& m) const {
    if (via_response_url(m)) {
      const auto host_start = m.target.find("://");
      const auto host = host_start == std::string::npos ? m.target : m.target.substr(host_start + 3, m.target.find('/', host_start + 3) - host_start - 3);
      return {"response_url:" + host};
    }
    std::vector<std::string> keys{"method:" + m.method};
    if (m.method == slack_post_message) keys.push_back("channel:" + m.target);
    return keys;
  }

  std::chrono::milliseconds backoff(int attempts) {
    auto delay = options.first_backoff;
    for (int i = 1; i < attempts && delay < options.max_backoff; ++i) delay *= 2;
    delay = std::min(delay, options.max_backoff);
    // Jitter in [delay/2, delay]: retries of many messages spread out instead of arriving together.
    std::uniform_int_distribution<long long> jitter(delay.count() / 2, delay.count());
    return std::chrono::milliseconds{jitter(random)};
  }

  asio::awaitable<reply> send(net::client_request request, bool response_url) {
    request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    auto [ec, response] = co_await client.send(std::move(request));
    if (ec) co_return reply{{slack::delivery_verdict::retry, {}, ec.message(), {}, {}}, {}};
    auto outcome = slack::classify_response(response.status, response.header("retry-after"), response.body, response_url);
    co_return reply{std::move(outcome), std::move(response.body)};
  }

  asio::awaitable<reply> call_web_api(std::string_view method, std::string body) {
    if (settings.slack.bot_token.empty()) co_return reply{give_up("no Slack bot token configured"), {}};
    net::client_request request;
    request.url = settings.slack.api_base + "/" + std::string(method);
    request.headers.emplace_back("Authorization", "Bearer " + settings.slack.bot_token);
    request.body = std::move(body);
    co_return co_await send(std::move(request), false);
  }

  asio::awaitable<reply> deliver(const storage::outbox_message& m) {
    if (!via_response_url(m)) co_return co_await call_web_api(m.method, m.payload);
    if (!allowed_url(m.target, settings.slack.response_hosts)) co_return reply{give_up("response_url host not allowed"), {}};
    net::client_request request;
    request.url = m.target;
    request.body = m.payload;
    if (m.method == slack_pulse_update) {
      const auto ref = parse_pulse_ref(m.payload);
      std::optional<std::string> body;  // not `ref ? co_await … : …`: GCC 12 corrupts the heap on that
      if (ref) body = co_await run_blocking(pool, [&] { return content.pulse_update(*ref); });
      if (!body) co_return reply{give_up("nothing left to show"), {}};
      request.body = std::move(*body);
    }
    co_return co_await send(std::move(request), true);
  }

  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d) {
    auto timer = std::make_shared<asio::steady_timer>(strand, d);
    sleepers.push_back(timer);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(sleepers, timer);
  }

  /// True when the buckets let `m` go now; otherwise it is put back until they do, and this sender
  /// waits rather than spinning on claims (the others carry on).
  asio::awaitable<bool> take_turn(const storage::outbox_message& m, const std::vector<std::string>& keys) {
    const auto steady_now = std::chrono::steady_clock::now();
    const auto ready = limiter.acquire(keys, steady_now);
    if (ready <= steady_now) co_return true;
    const auto later = clock.now() + std::chrono::duration_cast<domain::time_point::duration>(ready - steady_now);
    co_await run_blocking(pool, [&] { store.release(m.id, m.claim, later); });
    co_await sleep(std::min<std::chrono::steady_clock::duration>(ready - steady_now, options.idle_poll));
    co_return false;
  }

  asio::awaitable<void> send_plain(const storage::outbox_message& m) {
    const auto keys = bucket_keys(m);
    if (!co_await take_turn(m, keys)) co_return;
    const auto answer = co_await deliver(m);
    co_await apply(m, answer.outcome, keys);
  }

  // A pulse DM takes two turns the first time: conversations.open (then the channel is remembered
  // and the message is due again at once, without counting an attempt), then chat.postMessage.
  asio::awaitable<void> send_pulse_dm(const storage::outbox_message& m) {
    const auto ref = parse_pulse_ref(m.payload);
    if (!ref) {
      const auto unreadable = give_up("unreadable payload");
      const std::vector<std::string> no_buckets;
      co_await apply(m, unreadable, no_buckets);
      co_return;
    }
    const auto channel = co_await run_blocking(pool, [&] { return store.find_dm_channel(ref->who); });
    if (!channel) {
      const auto keys = open_keys();
      if (!co_await take_turn(m, keys)) co_return;
      auto answer = co_await call_web_api(slack_open_dm, open_dm_body(ref->who.user));
      if (answer.outcome.verdict == slack::delivery_verdict::sent) {
        if (const auto opened = slack::opened_channel(answer.body)) {
          co_await run_blocking(pool, [&] {
            store.remember_dm_channel(ref->who, *opened);
            store.release(m.id, m.claim, clock.now());
          });
          log_event(log_level::info, "dm_opened", {{"id", static_cast<long long>(m.id)}, {"channel", *opened}});
          co_return;
        }
        answer.outcome = give_up("conversations.open answered without a channel");
      }
      co_await apply(m, answer.outcome, keys);
      co_return;
    }
    auto body = co_await run_blocking(pool, [&] { return content.pulse_dm(*ref, *channel); });
    if (!body) {
      // Answered already (through /smrel pulse or the Home tab), opted out, erased, or closed.
      co_await run_blocking(pool, [&] { return store.mark_sent(m.id, m.claim, clock.now()); });
      record(m, "skipped", "nothing to ask");
      co_return;
    }
    const auto keys = post_keys(*channel);
    if (!co_await take_turn(m, keys)) co_return;
    const auto answer = co_await call_web_api(slack_post_message, std::move(*body));
    if (answer.outcome.verdict == slack::delivery_verdict::sent) {
      auto landed = answer.outcome.landed;
      if (landed.conversation.empty()) landed.conversation = {domain::platform::slack, *channel};
      co_await run_blocking(pool, [&] { content.pulse_dm_sent(*ref, landed); });
    } else if (answer.outcome.reason == "channel_not_found") {
      // A remembered DM that no longer exists: next week's pulse opens a fresh one.
      co_await run_blocking(pool, [&] { store.forget_dm_channel(ref->who); });
    }
    co_await apply(m, answer.outcome, keys);
  }

  // One message, claimed and seen through to an outcome. Throws when storage (or rendering) fails.
  asio::awaitable<bool> send_next(std::optional<storage::outbox_message>& in_hand) {
    const auto now = clock.now();
    auto claimed = co_await run_blocking(pool, [&] { return store.claim_due(now, now + options.lease, 1); });
    if (claimed.empty()) co_return false;
    in_hand = std::move(claimed.front());
    const auto& m = *in_hand;
    if (m.attempts > options.max_attempts) {
      // Every claim counts an attempt and an outcome gives it back or records it, so getting
      // here means earlier claims ended without one: the process died or the send threw while
      // this message was in hand. Sending it again would repeat that; it is dead-lettered.
      const auto reason = "claimed " + std::to_string(m.attempts) + " times without an outcome (it may crash the sender)";
      co_await run_blocking(pool, [&] { return store.mark_dead(m.id, m.claim, reason, now); });
      record(m, "dead", reason);
    } else if (m.method == slack_pulse_dm) {
      co_await send_pulse_dm(m);
    } else {
      co_await send_plain(m);
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
              {{"id", static_cast<long long>(m.id)}, {"method", m.method}, {"outcome", label},
               {"attempt", static_cast<long long>(m.attempts)}, {"reason", reason}});
  }

  asio::awaitable<void> apply(const storage::outbox_message& m, const slack::delivery_outcome& outcome,
                              const std::vector<std::string>& keys) {
    const auto now = clock.now();
    std::string_view label;
    bool held = true;  // false: the lease ran out and another sender holds the message now
    switch (outcome.verdict) {
      case slack::delivery_verdict::sent:
        label = "sent";
        held = co_await run_blocking(pool, [&] { return store.mark_sent(m.id, m.claim, now); });
        break;
      case slack::delivery_verdict::rate_limited: {
        label = "rate_limited";
        const auto wait = outcome.retry_after.value_or(std::chrono::seconds{30});
        // Slack limits Web API calls per method (and workspace): the whole method waits. A
        // response_url is limited on its own (five replies per URL), so only this message waits;
        // pausing its host would hold up every other person's confirmation.
        for (const auto& key : keys) {
          if (key.starts_with("method:")) limiter.pause(key, std::chrono::steady_clock::now() + wait);
        }
        held = co_await run_blocking(pool, [&] { return store.release(m.id, m.claim, now + wait); });
        break;
      }
      case slack::delivery_verdict::retry:
        if (m.attempts >= options.max_attempts) {
          label = "dead";
          held = co_await run_blocking(pool, [&] {
            return store.mark_dead(m.id, m.claim, "gave up after " + std::to_string(m.attempts) + " attempts: " + outcome.reason, now);
          });
        } else {
          label = "retry";
          const auto at = now + backoff(m.attempts);
          held = co_await run_blocking(pool, [&] { return store.reschedule(m.id, m.claim, at, outcome.reason); });
        }
        break;
      case slack::delivery_verdict::permanent:
        label = "dead";
        held = co_await run_blocking(pool, [&] { return store.mark_dead(m.id, m.claim, outcome.reason, now); });
        break;
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
                             const config::settings& settings, const domain::clock& clock, metrics& stats,
                             late_content& content, outbox_options options)
    : state_(std::make_shared<state>(io, store, pool, settings, clock, stats, content, options)) {}

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
    for (auto& timer : s->sleepers) timer->cancel();
  });
}

void outbox_worker::wake() {
  asio::post(state_->strand, [s = state_] {
    for (auto& timer : s->sleepers) timer->cancel();
  });
}

}  // namespace smrel::service
