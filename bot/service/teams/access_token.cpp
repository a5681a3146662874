#include "bot/service/teams/access_token.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include "adapters/teams/app_token.hpp"
#include "bot/service/logging.hpp"

namespace smrel::service::teams {

namespace asio = boost::asio;

namespace {

// A caller parked until the fetch in flight ends; room for one signal, so a wake-up sent before
// the caller starts waiting is kept (see openid_keys.cpp).
using wake_up = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

net::client_request token_request(const std::string& url, const std::string& app_id, const std::string& password) {
  net::client_request out;
  out.method = "POST";
  out.url = url;
  out.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  out.headers.emplace_back("Accept", "application/json");
  out.body = adapters::teams::token_request_form(app_id, password);
  return out;
}

// Status and correlation id only: the answer's body is not logged, in case an endpoint echoes
// what it was sent.
void log_fetch_failed(std::string_view why, int status, std::string_view correlation) {
  log_event(log_level::warn, "teams_token_failed",
            {{"error", why}, {"status", static_cast<long long>(status)}, {"correlation_id", correlation}});
}

void log_fetched(std::chrono::seconds lifetime) {
  log_event(log_level::info, "teams_token_fetched", {{"lifetime_s", static_cast<long long>(lifetime.count())}});
}

}  // namespace

struct access_token_cache::state {
  state(asio::io_context& context, net::http_client& c, const config::teams_settings& settings,
        const domain::clock& k, access_token_options o)
      : io(context), client(c), app_id(settings.app_id), app_password(settings.app_password),
        token_url(settings.effective_token_url()), clock(k), options(o) {}

  asio::io_context& io;
  net::http_client& client;
  const std::string app_id;
  const std::string app_password;
  const std::string token_url;
  const domain::clock& clock;
  const access_token_options options;

  mutable std::mutex mutex;  // guards everything below; never held across a co_await
  std::optional<std::string> token;
  domain::time_point use_until{};
  std::optional<domain::time_point> failed_at;
  bool fetching = false;
  std::vector<std::shared_ptr<wake_up>> waiters;
  std::size_t fetches = 0;

  // With the mutex held.
  std::optional<std::string> usable(domain::time_point now) const {
    if (token && now < use_until) return token;
    return std::nullopt;
  }

  std::optional<std::string> usable_now() const {
    std::lock_guard lock(mutex);
    return usable(clock.now());
  }

  void keep(adapters::teams::access_grant grant) {
    const auto now = clock.now();
    // Five minutes early, but a token that lives less than twice that is used for half its life
    // rather than refetched on every call.
    const auto early = std::max(grant.lifetime - options.refresh_margin, grant.lifetime / 2);
    std::lock_guard lock(mutex);
    token = std::move(grant.token);
    use_until = now + early;
    failed_at.reset();
  }
};

namespace {

asio::awaitable<void> fetch(access_token_cache::state& s) {
  std::string failure;
  int status = 0;
  std::string correlation;
  try {
    auto [error, answer] = co_await s.client.send(token_request(s.token_url, s.app_id, s.app_password));
    status = answer.status;
    correlation = std::string(answer.header("x-correlating-operationid"));
    if (error) {
      failure = error.message();
    } else if (answer.status != 200) {
      failure = "token endpoint refused";
    } else if (auto grant = adapters::teams::parse_token_answer(answer.body)) {
      log_fetched(grant->lifetime);
      s.keep(std::move(*grant));
    } else {
      failure = "token answer unreadable";
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) log_fetch_failed(failure, status, correlation);
  std::vector<std::shared_ptr<wake_up>> to_wake;
  {
    std::lock_guard lock(s.mutex);
    if (!failure.empty()) s.failed_at = s.clock.now();
    s.fetching = false;
    to_wake.swap(s.waiters);
  }
  for (const auto& waiter : to_wake) waiter->try_send(boost::system::error_code{});
}

}  // namespace

access_token_cache::access_token_cache(asio::io_context& io, net::http_client& client,
                                       const config::teams_settings& settings, const domain::clock& clock,
                                       access_token_options options)
    : state_(std::make_shared<state>(io, client, settings, clock, options)) {}

access_token_cache::~access_token_cache() = default;

asio::awaitable<std::optional<std::string>> access_token_cache::get() {
  auto self = state_;  // a fetch in flight keeps the state alive
  std::shared_ptr<wake_up> waiter;
  {
    std::lock_guard lock(self->mutex);
    if (self->app_id.empty()) co_return std::nullopt;
    const auto now = self->clock.now();
    if (auto token = self->usable(now)) co_return token;
    if (self->fetching) {
      waiter = std::make_shared<wake_up>(self->io.get_executor(), 1);
      self->waiters.push_back(waiter);
    } else if (self->failed_at && now - *self->failed_at < self->options.failure_pause) {
      co_return std::nullopt;
    } else {
      self->fetching = true;
      ++self->fetches;
    }
  }
  if (waiter) {
    co_await waiter->async_receive(asio::as_tuple(asio::use_awaitable));
  } else {
    co_await fetch(*self);
  }
  co_return self->usable_now();
}

void access_token_cache::invalidate(std::string_view rejected) {
  std::lock_guard lock(state_->mutex);
  if (!state_->token) return;
  // A token fetched since the refused one was sent stays.
  if (!rejected.empty() && *state_->token != rejected) return;
  state_->token.reset();
}

std::size_t access_token_cache::fetches() const {
  std::lock_guard lock(state_->mutex);
  return state_->fetches;
}

std::size_t access_token_cache::waiting() const {
  std::lock_guard lock(state_->mutex);
  return state_->waiters.size();
}

}  // namespace smrel::service::teams
