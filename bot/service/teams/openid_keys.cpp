#include "bot/service/teams/openid_keys.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bot/service/logging.hpp"

namespace smrel::service::teams {

namespace asio = boost::asio;
namespace tokens = adapters::teams;

namespace {

// A caller parked until the refresh in flight ends. A channel with room for one signal, so the
// wake-up is kept even when it comes before the caller starts waiting, from whichever thread.
using wake_up = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

enum class refresh_reason { prefetch, missing, stale, unknown_kid };

std::string_view name_of(refresh_reason why) {
  switch (why) {
    case refresh_reason::prefetch: return "prefetch";
    case refresh_reason::missing: return "missing";
    case refresh_reason::stale: return "stale";
    case refresh_reason::unknown_kid: return "unknown_kid";
  }
  return "unknown";
}

net::client_request get_request(std::string url) {
  net::client_request out;
  out.method = "GET";
  out.url = std::move(url);
  out.headers.emplace_back("Accept", "application/json");
  return out;
}

std::string describe_failure(std::string_view what, const boost::system::error_code& ec, int status) {
  if (ec) return std::string(what) + ": " + ec.message();
  return std::string(what) + ": HTTP " + std::to_string(status);
}

void log_refresh_started(refresh_reason why) {
  log_event(log_level::info, "teams_keys_refresh", {{"reason", name_of(why)}});
}

void log_refresh_done(std::size_t key_count) {
  log_event(log_level::info, "teams_keys_loaded", {{"keys", static_cast<long long>(key_count)}});
}

void log_refresh_failed(std::string_view failure, bool kept_old_keys) {
  log_event(log_level::warn, "teams_keys_refresh_failed", {{"error", failure}, {"kept_old_keys", kept_old_keys}});
}

std::int64_t unix_seconds(domain::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

}  // namespace

struct openid_keys::state {
  state(asio::io_context& context, net::http_client& c, std::string url, const domain::clock& k, key_cache_options o)
      : io(context), client(c), metadata_url(std::move(url)), clock(k), options(o) {}

  asio::io_context& io;
  net::http_client& client;
  const std::string metadata_url;
  const domain::clock& clock;
  const key_cache_options options;

  mutable std::mutex mutex;  // guards everything below; never held across a co_await
  key_set_ptr keys;
  std::optional<domain::time_point> loaded_at;
  std::optional<domain::time_point> attempted_at;
  bool refreshing = false;
  std::vector<std::shared_ptr<wake_up>> waiters;
  std::size_t loads = 0;

  // Whether a refresh for `why` may start now; with the mutex held and none in flight.
  bool due(refresh_reason why, domain::time_point now) const {
    const auto at_least = [now](const std::optional<domain::time_point>& since, std::chrono::seconds gap) {
      return !since || now - *since >= gap;
    };
    switch (why) {
      case refresh_reason::prefetch: return true;
      case refresh_reason::missing: return !keys && at_least(attempted_at, options.retry_interval);
      case refresh_reason::stale:
        return keys && at_least(loaded_at, options.refresh_interval) && at_least(attempted_at, options.retry_interval);
      case refresh_reason::unknown_kid: return at_least(attempted_at, options.unknown_kid_cooldown);
    }
    return false;
  }

  // Claims the refresh when it is due; with the mutex held.
  bool claim(refresh_reason why) {
    const auto now = clock.now();
    if (refreshing || !due(why, now)) return false;
    refreshing = true;
    attempted_at = now;
    return true;
  }

  key_set_ptr current_keys() const {
    std::lock_guard lock(mutex);
    return keys;
  }
};

namespace {

// The metadata, then the JWKS it names; nothing (and why in `failure`) unless both answered with
// at least one usable key.
asio::awaitable<std::optional<tokens::key_set>> fetch_keys(openid_keys::state& s, std::string& failure) {
  auto [meta_error, metadata] = co_await s.client.send(get_request(s.metadata_url));
  if (meta_error || metadata.status != 200) {
    failure = describe_failure("openid metadata", meta_error, metadata.status);
    co_return std::nullopt;
  }
  auto jwks_uri = tokens::jwks_uri_from_metadata(metadata.body);
  if (!jwks_uri) {
    failure = "openid metadata without an http(s) jwks_uri";
    co_return std::nullopt;
  }
  auto [keys_error, jwks] = co_await s.client.send(get_request(std::move(*jwks_uri)));
  if (keys_error || jwks.status != 200) {
    failure = describe_failure("jwks", keys_error, jwks.status);
    co_return std::nullopt;
  }
  auto parsed = tokens::parse_jwks(jwks.body);
  if (!parsed || parsed->empty()) {
    failure = "jwks without a usable RSA signing key";
    co_return std::nullopt;
  }
  co_return parsed;
}

// Runs the refresh the caller claimed, then wakes everyone who waited on it. Never throws: a
// failure keeps the old keys.
asio::awaitable<void> run_refresh(std::shared_ptr<openid_keys::state> self, refresh_reason why) {
  log_refresh_started(why);
  std::optional<tokens::key_set> fetched;
  std::string failure;
  try {
    fetched = co_await fetch_keys(*self, failure);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  std::vector<std::shared_ptr<wake_up>> to_wake;
  bool have_keys = false;
  const auto key_count = fetched ? fetched->size() : 0;
  {
    std::lock_guard lock(self->mutex);
    if (fetched) {
      self->keys = std::make_shared<const tokens::key_set>(std::move(*fetched));
      self->loaded_at = self->clock.now();
      ++self->loads;
    }
    have_keys = self->keys != nullptr;
    self->refreshing = false;
    to_wake.swap(self->waiters);
  }
  if (failure.empty()) {
    log_refresh_done(key_count);
  } else {
    log_refresh_failed(failure, have_keys);
  }
  for (const auto& waiter : to_wake) waiter->try_send(boost::system::error_code{});
}

// Starts the refresh for `why` when due, or waits for the one in flight; the keys afterwards.
asio::awaitable<openid_keys::key_set_ptr> refresh(std::shared_ptr<openid_keys::state> self, refresh_reason why) {
  std::shared_ptr<wake_up> waiter;
  bool mine = false;
  {
    std::lock_guard lock(self->mutex);
    if (self->refreshing) {
      waiter = std::make_shared<wake_up>(self->io.get_executor(), 1);
      self->waiters.push_back(waiter);
    } else {
      mine = self->claim(why);
    }
  }
  if (waiter) {
    co_await waiter->async_receive(asio::as_tuple(asio::use_awaitable));
  } else if (mine) {
    co_await run_refresh(self, why);
  }
  co_return self->current_keys();
}

}  // namespace

openid_keys::openid_keys(asio::io_context& io, net::http_client& client, std::string metadata_url,
                         const domain::clock& clock, key_cache_options options)
    : state_(std::make_shared<state>(io, client, std::move(metadata_url), clock, options)) {}

openid_keys::~openid_keys() = default;

asio::awaitable<bool> openid_keys::prefetch() {
  const auto keys = co_await refresh(state_, refresh_reason::prefetch);
  co_return keys != nullptr;
}

asio::awaitable<openid_keys::key_set_ptr> openid_keys::current() {
  key_set_ptr keys;
  bool start_background = false;
  {
    std::lock_guard lock(state_->mutex);
    keys = state_->keys;
    start_background = keys && state_->claim(refresh_reason::stale);
  }
  // Old keys still verify today's tokens: requests go on with them while the refresh runs.
  if (start_background) asio::co_spawn(state_->io, run_refresh(state_, refresh_reason::stale), asio::detached);
  if (keys) co_return keys;
  co_return co_await refresh(state_, refresh_reason::missing);
}

asio::awaitable<openid_keys::key_set_ptr> openid_keys::after_unknown_kid(std::string kid) {
  {
    std::lock_guard lock(state_->mutex);
    // Someone's refresh already brought the key (the caller checked an older set).
    if (state_->keys && state_->keys->find(kid) && !state_->refreshing) co_return state_->keys;
  }
  co_return co_await refresh(state_, refresh_reason::unknown_kid);
}

bool openid_keys::ready() const { return state_->current_keys() != nullptr; }

std::size_t openid_keys::loads() const {
  std::lock_guard lock(state_->mutex);
  return state_->loads;
}

std::size_t openid_keys::waiting() const {
  std::lock_guard lock(state_->mutex);
  return state_->waiters.size();
}

// Verified tokens by their exact text. Only tokens that passed every check get in, so filling it
// takes validly signed tokens; at the cap, expired entries go, and a new token that still does not
// fit is simply checked in full next time.
struct token_verifier::cache {
  explicit cache(std::size_t cap) : max_entries(cap) {}

  std::optional<tokens::verified_token> find(const std::string& token, std::int64_t now, std::int64_t skew) {
    std::lock_guard lock(mutex);
    const auto it = entries.find(token);
    if (it == entries.end()) return std::nullopt;
    if (now < it->second.expires_at + skew) return it->second;
    entries.erase(it);
    return std::nullopt;
  }

  void store(std::string token, const tokens::verified_token& verified, std::int64_t now, std::int64_t skew) {
    std::lock_guard lock(mutex);
    if (entries.size() >= max_entries) {
      std::erase_if(entries, [&](const auto& entry) { return now >= entry.second.expires_at + skew; });
    }
    if (entries.size() < max_entries) entries.insert_or_assign(std::move(token), verified);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex);
    return entries.size();
  }

  const std::size_t max_entries;
  mutable std::mutex mutex;
  std::unordered_map<std::string, tokens::verified_token> entries;
  std::atomic<std::size_t> full_checks{0};
};

token_verifier::token_verifier(openid_keys& keys, tokens::token_rules rules, const domain::clock& clock,
                               std::size_t max_cached)
    : keys_(keys), rules_(std::move(rules)), clock_(clock), cache_(std::make_unique<cache>(max_cached)) {}

token_verifier::~token_verifier() = default;

asio::awaitable<tokens::token_verification> token_verifier::verify(std::string authorization_header) {
  tokens::token_verification out;
  const auto token = tokens::bearer_token(authorization_header);
  if (!token) {
    out.problem = tokens::token_problem::scheme;
    co_return out;
  }
  const std::string text(*token);
  const auto now = unix_seconds(clock_.now());
  const auto skew = static_cast<std::int64_t>(rules_.skew.count());
  if (auto hit = cache_->find(text, now, skew)) {
    out.problem = tokens::token_problem::none;
    out.token = std::move(*hit);
    co_return out;
  }
  static const tokens::key_set no_keys;
  auto keys = co_await keys_.current();
  ++cache_->full_checks;
  out = tokens::verify(text, keys ? *keys : no_keys, rules_, now);
  if (out.problem == tokens::token_problem::unknown_key && !out.token.kid.empty()) {
    auto refreshed = co_await keys_.after_unknown_kid(out.token.kid);
    if (refreshed && refreshed != keys) {
      ++cache_->full_checks;
      out = tokens::verify(text, *refreshed, rules_, now);
    }
  }
  if (out.ok()) cache_->store(text, out.token, now, skew);
  co_return out;
}

std::size_t token_verifier::full_checks() const { return cache_->full_checks.load(); }

std::size_t token_verifier::cached_tokens() const { return cache_->size(); }

}  // namespace smrel::service::teams
