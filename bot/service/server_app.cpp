#include "bot/service/server_app.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/net/http_server.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/context.hpp"
#include "bot/service/dispatcher.hpp"
#include "bot/service/group_committer.hpp"
#include "bot/service/log_throttle.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/metrics.hpp"
#include "bot/service/outbox_worker.hpp"
#include "bot/service/platforms.hpp"
#include "bot/service/people_check.hpp"
#include "bot/service/scheduler.hpp"
#include "bot/service/slack/slack_plug.hpp"
#include "bot/service/teams/teams_plug.hpp"

namespace smrel::service {
namespace {

namespace asio = boost::asio;
using net::http_request;
using net::http_response;

// Storage calls wait for a foreign write lock for up to 1.5 s; with 16 outbox senders and
// clicks sharing the pool, a few more threads keep one stalled kind of work from starving the rest.
constexpr std::size_t blocking_threads = 8;
// Slack retries an event for about six minutes (or up to two hours with delayed events), so a
// day of event ids is plenty to recognise every retry; older ids are pruned every hour.
constexpr auto event_memory = std::chrono::hours{24};
// Often enough that the click keys (ten minutes' worth is all that matters) stay a small table.
constexpr auto prune_interval = std::chrono::minutes{10};
// Sent messages without a dedupe key (click confirmations, replies) are kept a day for
// inspection, dead ones a week so an operator can see why; then they go (once, every row of
// every click stayed forever: 148 MB after five minutes of load).
constexpr auto sent_message_memory = std::chrono::hours{24};
constexpr auto dead_message_memory = std::chrono::hours{24 * 7};
constexpr auto readiness_memory = std::chrono::seconds{1};

std::string_view refusal_name(net::refusal r) {
  switch (r) {
    case net::refusal::header_too_large: return "header_too_large";
    case net::refusal::body_too_large: return "body_too_large";
    case net::refusal::malformed: return "malformed";
    case net::refusal::timeout: return "timeout";
    case net::refusal::too_many_connections: return "too_many_connections";
    case net::refusal::bad_framing: return "bad_framing";
    case net::refusal::screened: return "screened";
    case net::refusal::evicted_idle: return "evicted_idle";
    case net::refusal::out_of_descriptors: return "out_of_descriptors";
  }
  return "unknown";
}

net::server_limits limits_from(const config::http_settings& http) {
  net::server_limits limits;
  limits.max_body_bytes = http.max_body_bytes;
  limits.max_header_bytes = http.max_header_bytes;
  limits.max_connections = http.max_connections;
  limits.read_timeout = http.read_timeout;
  limits.write_timeout = http.write_timeout;
  limits.idle_timeout = http.idle_timeout;
  limits.single_threaded = http.threads == 1;
  return limits;
}

}  // namespace

struct server_app::impl final : late_content {
  impl(config::settings s, const domain::clock& c, server_options o)
      : settings(std::move(s)),
        clock(c),
        store(open_migrated_store(settings)),
        pseudonyms(resolve_pseudonym_key(settings)),
        bot(*store, pseudonyms, clock,
            engine_options(settings)),
        committer(*store, clock, [this](const storage::write_batch& b) { bot.committed(b); }),
        pool(blocking_threads),
        work(asio::make_work_guard(io)),
        flow(bot, *store, committer, pool, clock, stats, [this] { outbox.wake(); }),
        slack(settings.slack, io, flow, clock, stats),
        teams(settings.teams, io, flow, *store, pool, clock, stats),
        outbox(io, *store, pool, plugs(), clock, stats, *this),
        options(o),
        schedule(io, pool, *store, bot, plugs(), schedule_options_from(settings), clock, [this] { outbox.wake(); },
                 o.schedule_tick.value_or(std::chrono::seconds{30})),
        people(io, pool, *store, bot, plugs(), clock, people_check_options_from(o), [this] { outbox.wake(); }) {
    routes = slack.routes();
    for (auto& r : teams.routes()) routes.push_back(std::move(r));
    add_ops_routes();
    std::vector<std::string> names;
    for (const auto& r : routes) names.push_back(r.path);
    names.emplace_back("other");
    stats.set_routes(std::move(names));
  }

  std::vector<channel_plug*> plugs() { return {&slack, &teams}; }

  static people_check_options people_check_options_from(const server_options& o) {
    people_check_options out;
    if (o.people_check_every) out.every = *o.people_check_every;
    return out;
  }

  static schedule_options schedule_options_from(const config::settings& settings) {
    schedule_options out;
    out.digest_locale = scoring::parse_locale(settings.survey.default_locale).value_or(scoring::locale::en);
    if (!settings.slack.digest_channel.empty()) {
      out.default_digest_targets.push_back({domain::platform::slack, settings.slack.digest_channel});
    }
    return out;
  }

  void add_ops_routes() {
    const auto no_body = [this](const http_request& head) { return refuse_body(head, 413); };  // GET routes take no body
    routes.push_back({"/healthz", "GET", [](http_request&) -> asio::awaitable<http_response> {
                        co_return http_response::text("ok\n");
                      }, no_body});
    routes.push_back({"/readyz", "GET", [this](http_request&) -> asio::awaitable<http_response> {
                        const bool ready = co_await readiness();
                        co_return ready ? http_response::text("ready\n") : http_response::text("not ready\n", 503);
                      }, no_body});
    routes.push_back({"/metrics", "GET", [this](http_request&) -> asio::awaitable<http_response> {
                        const auto depth = co_await run_blocking(pool, [this] { return store->outbox_depth(); });
                        auto response = http_response::text(stats.render(depth));
                        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
                        co_return response;
                      }, no_body});
  }

  // Bodies rendered at delivery time: a person's pulse or Home view as it stands then. What is
  // sent unasked (a DM, the Home view) reads the person afresh: an opt-out or an erasure on
  // another process must stop it, and these are few enough to afford the read.
  std::optional<domain::message> pulse_update(const pulse_ref& ref) override {
    return bot.pulse_message(ref.who, ref.pulse_id, ref.weekly_dm);
  }
  std::optional<domain::message> pulse_dm(const pulse_ref& ref) override {
    bot.forget_person(ref.who);
    return bot.pulse_dm(ref.who, ref.pulse_id);
  }
  std::optional<domain::message> pulse_reminder(const pulse_ref& ref) override {
    return bot.pulse_reminder(ref.who, ref.pulse_id);
  }
  void pulse_dm_sent(const pulse_ref& ref, const domain::message_ref& sent) override {
    bot.pulse_dm_sent(ref.who, ref.pulse_id, sent);
  }
  void person_unreachable(const pulse_ref& ref) override { bot.person_unreachable(ref.who, ref.pulse_id); }
  bool removed_from(const domain::workspace_ref& workspace) override { return bot.removed_from(workspace); }
  std::optional<keyed_post> direct_messages_off(const domain::workspace_ref& workspace) override {
    const auto digest_options = schedule_options_from(settings);
    const auto where = digest_target_of(*store, workspace, digest_options.default_digest_targets);
    if (where.empty()) return std::nullopt;
    auto note = bot.direct_messages_off(workspace, digest_options.digest_locale);
    return keyed_post{where, std::move(note.message), std::move(note.dedupe_key)};
  }
  domain::message home_view(const domain::member_key& who) override {
    bot.forget_person(who);
    return bot.home_view(who);
  }
  std::vector<keyed_note> digest_undelivered(const domain::workspace_ref& workspace,
                                             const domain::conversation_ref& where, std::string_view week,
                                             bool bot_absent, std::string_view reason) override {
    const auto parsed = scoring::iso_week::parse(week);
    if (!parsed) return {};
    const engine::post_failure failure{bot_absent, std::string(reason)};
    std::vector<keyed_note> out;
    for (auto& note : bot.digest_undelivered(workspace, where, *parsed, failure)) {
      out.push_back({{std::move(note.to), std::move(note.message)}, std::move(note.dedupe_key)});
    }
    return out;
  }

  struct route_lookup {
    std::size_t index = 0;    // routes.size() when nothing matched: the "other" label
    bool path_known = false;  // the path alone: 405 rather than 404
  };

  route_lookup find_route(const http_request& request) const {
    const auto path = request.path();
    route_lookup found{routes.size(), false};
    for (std::size_t i = 0; i < routes.size(); ++i) {
      if (routes[i].path != path) continue;
      found.path_known = true;
      if (routes[i].method == request.method) found.index = i;
    }
    return found;
  }

  // Before the body is read: a request a platform's screen refuses (say, one that can never pass
  // the signature check), and a body sent where none is taken (GET routes, unknown routes), are
  // answered without reading (up to a megabyte of) body first. Everything else goes on to dispatch.
  std::optional<int> screen(const http_request& head) {
    const auto [index, path_known] = find_route(head);
    if (index == routes.size()) return refuse_body(head, path_known ? 405 : 404);  // without a body: dispatch answers
    return routes[index].screen ? routes[index].screen(head) : std::nullopt;
  }

  std::optional<int> refuse_body(const http_request& head, int status) {
    const auto length = head.header("content-length");
    const bool has_body = (!length.empty() && length != "0") || !head.header("transfer-encoding").empty();
    if (!has_body) return std::nullopt;
    stats.refused("unexpected_body");
    return status;
  }

  // Ready means an answer could be committed now: a real write, not a read. The probe writes
  // and syncs, so it runs at most once a second whatever the callers (an unauthenticated flood
  // of /readyz must not stall commits); the rest get the last result. The reason goes to the
  // log, not to whoever asked.
  asio::awaitable<bool> readiness() {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(readiness_mutex);
      if (now - last_probe < readiness_memory || probing) co_return last_ready;
      probing = true;
    }
    storage::readiness result;
    try {
      result = co_await run_blocking(pool, [this] { return store->check_ready(); });
    } catch (const std::exception& e) {
      result = {false, e.what()};
    }
    if (!result.ready) {
      if (const auto dropped = refusal_logs.admit("not_ready", std::chrono::steady_clock::now())) {
        log_event(log_level::warn, "not_ready",
                  {{"reason", result.reason}, {"similar_lines_dropped", static_cast<long long>(*dropped)}});
      }
    }
    std::lock_guard lock(readiness_mutex);
    probing = false;
    last_ready = result.ready;
    last_probe = std::chrono::steady_clock::now();
    co_return last_ready;
  }

  asio::awaitable<http_response> dispatch(http_request& request) {
    const auto [index, path_known] = find_route(request);
    const auto& name = index < routes.size() ? routes[index].path : other_route;
    http_response response;
    try {
      if (index == routes.size()) {
        response = http_response::empty(path_known ? 405 : 404);
      } else {
        response = co_await routes[index].handle(request);
      }
    } catch (const storage::store_error& e) {
      // The database cannot take a write now (locked, full, removed): nothing was stored, and
      // saying so with 503 tells platforms and proxies it is the service, not the request.
      log_event(log_level::error, "request_failed", {{"route", name}, {"error", e.what()}});
      response = http_response::empty(e.about_the_database() ? 503 : 500);
    } catch (const std::exception& e) {
      // The one place internal failures become a status: 500, with nothing internal in the body.
      log_event(log_level::error, "request_failed", {{"route", name}, {"error", e.what()}});
      response = http_response::empty(500);
    }
    const auto latency = std::chrono::steady_clock::now() - request.received_at;
    stats.observe_request(index, response.status, latency);
    if (log_enabled(log_level::info)) {
      log_event(log_level::info, "request",
                {{"method", request.method}, {"route", name}, {"status", static_cast<long long>(response.status)},
                 {"ms", std::chrono::duration<double, std::milli>(latency).count()}, {"remote", request.remote}});
    }
    co_return response;
  }

  config::settings settings;
  const domain::clock& clock;
  std::unique_ptr<storage::store> store;
  domain::pseudonymizer pseudonyms;
  engine::chat_bot bot;
  group_committer committer;
  asio::thread_pool pool;
  metrics stats;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  dispatcher flow;
  slack_plug slack;
  teams_plug teams;
  outbox_worker outbox;
  server_options options;
  scheduler schedule;
  people_check people;
  std::vector<route> routes;  // index = metrics label; one more label ("other") for the rest
  static constexpr std::string_view other_route = "other";
  std::optional<net::http_server> server;
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> prune_timer;
  log_throttle refusal_logs{10.0, 20.0};  // lines per second per reason, and the burst
  std::mutex readiness_mutex;
  bool probing = false;
  bool last_ready = true;
  std::chrono::steady_clock::time_point last_probe{};  // never: the first call probes

  // Every ten minutes: event ids past the retry window, click keys past the replay window,
  // finished outbox rows past their retention, send buckets idle for an hour (full again under
  // every rule a plug sets), and workspaces removed longer ago than their retention.
  void prune() {
    asio::post(pool, [this] {
      try {
        const auto now = clock.now();
        auto events = store->prune_events("", now - event_memory);
        for (auto* plug : plugs()) events += plug->prune();
        const auto messages = store->prune_outbox(now - sent_message_memory, now - dead_message_memory);
        const auto paces = store->prune_send_paces(std::chrono::system_clock::now() - std::chrono::hours{1});  // real time, as paced
        const auto workspaces =
            store->erase_removed_workspaces(now - std::chrono::days{settings.retention.days_after_removal});
        if (events + messages + paces + workspaces > 0) {
          log_event(log_level::info, "pruned",
                    {{"events", static_cast<long long>(events)},
                     {"messages", static_cast<long long>(messages)},
                     {"send_paces", static_cast<long long>(paces)},
                     {"removed_workspaces_erased", static_cast<long long>(workspaces)}});
        }
      } catch (const std::exception& e) {
        stats.background_failure("prune");
        log_event(log_level::warn, "prune_failed", {{"error", e.what()}});
      }
    });
    prune_timer->expires_after(prune_interval);
    prune_timer->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) prune();
    });
  }
  // A handler that throws would end io_context::run() and, uncaught, the process: one request
  // did exactly that once. The thread logs it and runs on; the failed handler's connection or
  // timer is lost, everything else carries on.
  void run_io() {
    for (;;) {
      try {
        io.run();
        return;  // stopped: the work guard was released
      } catch (const std::exception& e) {
        stats.background_failure("io");
        log_event(log_level::error, "handler_failed", {{"error", e.what()}});
      } catch (...) {
        stats.background_failure("io");
        log_event(log_level::error, "handler_failed", {{"error", "unknown exception"}});
      }
    }
  }

  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
};

server_app::server_app(config::settings settings, const domain::clock& clock, server_options options)
    : impl_(std::make_unique<impl>(std::move(settings), clock, options)) {}

server_app::~server_app() {
  request_stop();
  wait();
}

unsigned short server_app::start() {
  auto& i = *impl_;
  std::optional<net::tls_files> tls;
  if (!i.settings.http.tls_cert_file.empty()) tls = net::tls_files{i.settings.http.tls_cert_file, i.settings.http.tls_key_file};
  i.server.emplace(
      i.io, limits_from(i.settings.http), [&i](http_request& r) { return i.dispatch(r); }, tls ? &*tls : nullptr,
      [&i](net::refusal why, const std::string& remote) {
        if (why == net::refusal::screened) return;  // the screen counted and logged its own reason
        i.stats.refused(refusal_name(why));  // every refusal is counted; only some are logged
        if (const auto dropped = i.refusal_logs.admit(refusal_name(why), std::chrono::steady_clock::now())) {
          log_event(log_level::warn, "request_refused", {{"reason", refusal_name(why)}, {"remote", remote},
                                                         {"similar_lines_dropped", static_cast<long long>(*dropped)}});
        }
      },
      [&i](const http_request& head) { return i.screen(head); });
  const auto port = i.server->listen(i.settings.http.listen);
  if (const auto cap = i.server->connection_cap(); cap < i.settings.http.max_connections) {
    log_event(log_level::warn, "connection_cap_lowered",
              {{"configured", static_cast<long long>(i.settings.http.max_connections)},
               {"cap", static_cast<long long>(cap)}, {"reason", "file descriptor limit (RLIMIT_NOFILE)"}});
  }
  // Single-process storage: claims left by a previous process that died are released at once.
  // Where replicas share the database, another may be sending under its claims: leases decide.
  if (i.store->single_process()) {
    if (const auto released = i.store->release_all_claims(i.clock.now()); released > 0) {
      log_event(log_level::warn, "outbox_claims_released", {{"count", static_cast<long long>(released)}});
    }
  }
  for (auto* plug : i.plugs()) plug->at_start();
  i.outbox.start();
  if (i.options.schedule_tick) i.schedule.start();
  if (i.options.people_check_every) i.people.start();
  i.prune_timer.emplace(asio::make_strand(i.io));  // re-armed and cancelled on its strand only
  i.prune();
  for (int t = 0; t < i.settings.http.threads; ++t) i.threads.emplace_back([&i] { i.run_io(); });
  log_event(log_level::info, "listening", {{"address", i.settings.http.listen}, {"port", static_cast<long long>(port)},
                                           {"tls", tls.has_value()}});
  return port;
}

void server_app::request_stop() {
  auto& i = *impl_;
  if (i.stopping.exchange(true)) return;
  if (!i.server) {
    i.work.reset();
    return;
  }
  log_event(log_level::info, "draining", {{"connections", static_cast<long long>(i.server->open_connections())}});
  i.server->shutdown([&i] {
    i.schedule.stop();
    i.people.stop();
    i.outbox.stop([&i] {
      if (i.signals) i.signals->cancel();
      if (i.prune_timer) asio::post(i.prune_timer->get_executor(), [&i] { i.prune_timer->cancel(); });
      i.work.reset();  // the io_context ends once the last handler ran
    });
  });
}

void server_app::wait() {
  auto& i = *impl_;
  for (auto& t : i.threads) {
    if (t.joinable()) t.join();
  }
  i.threads.clear();
  i.pool.join();
}

std::size_t server_app::schedule_passes() const { return impl_->schedule.passes(); }

std::size_t server_app::people_check_passes() const { return impl_->people.passes(); }

void server_app::stop_on_signals() {
  auto& i = *impl_;
  i.signals.emplace(i.io, SIGINT, SIGTERM);
  i.signals->async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log_event(log_level::info, "signal", {{"signal", static_cast<long long>(signal)}});
    request_stop();
  });
}

}  // namespace smrel::service
