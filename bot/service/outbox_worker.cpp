#include "bot/service/outbox_worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

#include "adapters/slack/web_api.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/outbound.hpp"

namespace smrel::service {

namespace asio = boost::asio;
namespace slack = adapters::slack;

struct outbox_worker::state : std::enable_shared_from_this<state> {
  state(asio::io_context& context, storage::store& s, asio::thread_pool& p, const config::settings& c,
        const domain::clock& k, metrics& m, payload_renderer r, outbox_options o)
      : io(context), strand(asio::make_strand(context)), store(s), pool(p), settings(c), clock(k), stats(m),
        render_late(std::move(r)), options(o), client(context), random(std::random_device{}()) {
    // Slack: chat.postMessage about one per second per channel and several hundred a minute per
    // workspace; views.publish is Tier 4 (100+/min). response_url has no published rate limit (each
    // URL takes five replies in 30 minutes), so its per-host bucket only keeps bursts civil.
    limiter.set_rule("method:", {1.0, 3.0});
    limiter.set_rule("method:chat.postMessage", {5.0, 10.0});
    limiter.set_rule("method:views.publish", {1.5, 5.0});
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
  payload_renderer render_late;
  outbox_options options;
  net::http_client client;
  rate_limiter limiter;
  std::mt19937_64 random;
  bool stopping = false;
  int running = 0;
  std::function<void()> on_stopped;
  std::vector<std::shared_ptr<asio::steady_timer>> sleepers;

  std::vector<std::string> bucket_keys(const storage::outbox_message& m) const {
    if (m.method == slack_response_url || m.method == slack_pulse_update) {
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

  asio::awaitable<slack::delivery_outcome> deliver(const storage::outbox_message& m) {
    net::client_request request;
    const bool response_url = m.method == slack_response_url || m.method == slack_pulse_update;
    if (response_url) {
      if (!allowed_url(m.target, settings.slack.response_hosts)) {
        co_return slack::delivery_outcome{slack::delivery_verdict::permanent, {}, "response_url host not allowed", {}, {}};
      }
      request.url = m.target;
      if (m.method == slack_pulse_update) {
        auto body = co_await run_blocking(pool, [&] { return render_late(m); });
        if (!body) co_return slack::delivery_outcome{slack::delivery_verdict::permanent, {}, "nothing left to show", {}, {}};
        request.body = std::move(*body);
      }
    } else {
      if (settings.slack.bot_token.empty()) {
        co_return slack::delivery_outcome{slack::delivery_verdict::permanent, {}, "no Slack bot token configured", {}, {}};
      }
      request.url = settings.slack.api_base + "/" + m.method;
      request.headers.emplace_back("Authorization", "Bearer " + settings.slack.bot_token);
    }
    request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    if (m.method != slack_pulse_update) request.body = m.payload;
    auto [ec, response] = co_await client.send(std::move(request));
    if (ec) co_return slack::delivery_outcome{slack::delivery_verdict::retry, {}, ec.message(), {}, {}};
    co_return slack::classify_response(response.status, response.header("retry-after"), response.body, response_url);
  }

  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d) {
    auto timer = std::make_shared<asio::steady_timer>(strand, d);
    sleepers.push_back(timer);
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(sleepers, timer);
  }

  asio::awaitable<void> sender() {
    const auto self = shared_from_this();
    while (!stopping) {
      const auto now = clock.now();
      auto claimed = co_await run_blocking(pool, [&] { return store.claim_due(now, now + options.lease, 1); });
      if (claimed.empty()) {
        co_await sleep(options.idle_poll);
        continue;
      }
      auto& m = claimed.front();
      const auto steady_now = std::chrono::steady_clock::now();
      const auto ready = limiter.acquire(bucket_keys(m), steady_now);
      if (ready > steady_now) {
        const auto later = clock.now() + std::chrono::duration_cast<domain::time_point::duration>(ready - steady_now);
        co_await run_blocking(pool, [&] { store.release(m.id, later); });
        // This sender waits for the bucket rather than spinning on claims; the others carry on.
        co_await sleep(std::min<std::chrono::steady_clock::duration>(ready - steady_now, options.idle_poll));
        continue;
      }
      const auto outcome = co_await deliver(m);
      co_await apply(m, outcome);
    }
    if (--running == 0 && on_stopped) {
      auto done = std::move(on_stopped);
      done();
    }
  }

  asio::awaitable<void> apply(const storage::outbox_message& m, const slack::delivery_outcome& outcome) {
    const auto now = clock.now();
    std::string_view label;
    switch (outcome.verdict) {
      case slack::delivery_verdict::sent:
        label = "sent";
        co_await run_blocking(pool, [&] { store.mark_sent(m.id, now); });
        break;
      case slack::delivery_verdict::rate_limited: {
        label = "rate_limited";
        const auto wait = outcome.retry_after.value_or(std::chrono::seconds{30});
        for (const auto& key : bucket_keys(m)) {
          if (key.starts_with("method:") || key.starts_with("response_url:")) limiter.pause(key, std::chrono::steady_clock::now() + wait);
        }
        co_await run_blocking(pool, [&] { store.release(m.id, now + wait); });
        break;
      }
      case slack::delivery_verdict::retry:
        if (m.attempts >= options.max_attempts) {
          label = "dead";
          co_await run_blocking(pool, [&] {
            store.mark_dead(m.id, "gave up after " + std::to_string(m.attempts) + " attempts: " + outcome.reason, now);
          });
        } else {
          label = "retry";
          const auto at = now + backoff(m.attempts);
          co_await run_blocking(pool, [&] { store.reschedule(m.id, at, outcome.reason); });
        }
        break;
      case slack::delivery_verdict::permanent:
        label = "dead";
        co_await run_blocking(pool, [&] { store.mark_dead(m.id, outcome.reason, now); });
        break;
    }
    stats.delivery(label);
    log_event(label == "sent" ? log_level::info : log_level::warn, "delivery",
              {{"id", static_cast<long long>(m.id)}, {"method", m.method}, {"outcome", label},
               {"attempt", static_cast<long long>(m.attempts)}, {"reason", outcome.reason}});
  }
};

outbox_worker::outbox_worker(asio::io_context& io, storage::store& store, asio::thread_pool& pool,
                             const config::settings& settings, const domain::clock& clock, metrics& stats,
                             payload_renderer render_late, outbox_options options)
    : state_(std::make_shared<state>(io, store, pool, settings, clock, stats, std::move(render_late), options)) {}

outbox_worker::~outbox_worker() = default;

void outbox_worker::start() {
  asio::post(state_->strand, [s = state_] {
    for (int i = 0; i < s->options.senders; ++i) {
      ++s->running;
      asio::co_spawn(s->strand, s->sender(), asio::detached);
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
