// The Teams signing-key cache and the token verifier on it, against a fake metadata/JWKS server
// on loopback, on a manual clock. Tokens and keys come from tests/fixtures/teams (made by `jose`).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "bot/service/teams/openid_keys.hpp"
#include "tests/support/fake_openid.hpp"

namespace smrel::service::teams {
namespace {

namespace asio = boost::asio;
using adapters::teams::token_problem;
using json = nlohmann::json;
using namespace std::chrono_literals;

const json& fixtures() {
  static const json doc = [] {
    std::ifstream in(std::string(SMREL_FIXTURES) + "/teams/tokens.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return doc;
}

std::string bearer(const std::string& name) {
  for (const auto& c : fixtures().at("cases")) {
    if (c.at("name") == name) return "Bearer " + c.at("token").get<std::string>();
  }
  throw std::runtime_error("no fixture case " + name);
}

domain::time_point fixture_now() { return domain::time_point{std::chrono::seconds{fixtures().at("now").get<long long>()}}; }

// Polls for something that must come true soon (a background refresh landing); never used to
// show that something did not happen.
template <class Predicate>
bool eventually(Predicate done) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// The bot's side: two io threads (the caches are used from several), an HTTP client, the caches.
class teams_keys : public ::testing::Test {
 protected:
  teams_keys() : work_(asio::make_work_guard(io_)) {
    fake_.set("/keys", {200, fixtures().at("jwks").dump()});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~teams_keys() override {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  template <class T>
  std::future<T> start(asio::awaitable<T> work) {
    return asio::co_spawn(io_, std::move(work), asio::use_future);
  }
  template <class T>
  T run(asio::awaitable<T> work) {
    return start(std::move(work)).get();
  }

  token_problem check(const std::string& authorization) { return run(verifier_.verify(authorization)).problem; }

  static adapters::teams::token_rules rules() {
    adapters::teams::token_rules out;
    out.app_id = fixtures().at("app_id").get<std::string>();
    return out;
  }

  testing::fake_openid fake_;
  domain::manual_clock clock_{fixture_now()};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  net::http_client client_{io_};
  openid_keys keys_{io_, client_, fake_.url("/openid"), clock_};
  token_verifier verifier_{keys_, rules(), clock_};
  std::vector<std::thread> threads_;
};

TEST_F(teams_keys, keys_are_fetched_once_and_kept_for_a_day) {
  EXPECT_FALSE(keys_.ready());
  EXPECT_TRUE(run(keys_.prefetch()));
  EXPECT_TRUE(keys_.ready());
  EXPECT_EQ(fake_.calls("/openid"), 1U);
  EXPECT_EQ(fake_.calls("/keys"), 1U);

  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  clock_.advance(24h - 1s);
  EXPECT_NE(run(keys_.current()), nullptr);
  EXPECT_EQ(fake_.calls("/keys"), 1U);

  clock_.advance(1s);
  const auto old = run(keys_.current());  // answered at once, with the keys in hand
  EXPECT_NE(old, nullptr);
  ASSERT_TRUE(fake_.wait_for_calls("/keys", 2));
  ASSERT_TRUE(eventually([&] { return keys_.loads() == 2; }));
  EXPECT_NE(run(keys_.current()), old);
  EXPECT_EQ(fake_.calls("/openid"), 2U);
  // Fresh again: no third fetch.
  clock_.advance(1h);
  run(keys_.current());
  EXPECT_EQ(fake_.calls("/keys"), 2U);
}

TEST_F(teams_keys, the_first_request_loads_the_keys_when_prefetch_did_not) {
  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  EXPECT_EQ(fake_.calls("/keys"), 1U);
  EXPECT_TRUE(keys_.ready());
}

TEST_F(teams_keys, an_unknown_kid_refreshes_at_most_once_per_cooldown) {
  ASSERT_TRUE(run(keys_.prefetch()));
  fake_.set("/keys", {200, fixtures().at("rotated_jwks").dump()});
  clock_.advance(5min);

  // key-b is in the rotated set: one refresh makes it usable.
  EXPECT_EQ(check(bearer("unknown_kid")), token_problem::none);
  EXPECT_EQ(fake_.calls("/keys"), 2U);
  // key-c is nowhere; within the cooldown it costs no fetch.
  EXPECT_EQ(check(bearer("unknown_kid_2")), token_problem::unknown_key);
  EXPECT_EQ(check(bearer("unknown_kid_2")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/keys"), 2U);
  clock_.advance(5min - 1s);
  EXPECT_EQ(check(bearer("unknown_kid_2")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/keys"), 2U);
  clock_.advance(1s);
  EXPECT_EQ(check(bearer("unknown_kid_2")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/keys"), 3U);
  // A foreign issuer never triggers a fetch, cooldown or not.
  clock_.advance(10min);
  EXPECT_EQ(check(bearer("wrong_iss_unknown_kid")), token_problem::issuer);
  EXPECT_EQ(fake_.calls("/keys"), 3U);
}

TEST_F(teams_keys, a_failed_refresh_keeps_the_old_keys) {
  ASSERT_TRUE(run(keys_.prefetch()));
  clock_.advance(5min);
  fake_.set("/keys", {500, "oops"});
  EXPECT_EQ(check(bearer("unknown_kid")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/keys"), 2U);
  EXPECT_TRUE(keys_.ready());
  EXPECT_EQ(check(bearer("valid")), token_problem::none);

  clock_.advance(5min);
  fake_.set("/keys", {200, R"({"keys":[]})"});  // answers, but nothing usable
  EXPECT_EQ(check(bearer("unknown_kid")), token_problem::unknown_key);
  clock_.advance(5min);
  fake_.set("/openid", {503, ""});
  EXPECT_EQ(check(bearer("unknown_kid")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/openid"), 4U);
  EXPECT_EQ(keys_.loads(), 1U);
  EXPECT_EQ(check(bearer("aud_array")), token_problem::none);  // key-a, from the first load
}

TEST_F(teams_keys, without_any_keys_requests_are_refused_and_loading_is_retried_sparingly) {
  fake_.set("/openid", {500, ""});
  EXPECT_FALSE(run(keys_.prefetch()));
  EXPECT_FALSE(keys_.ready());
  EXPECT_EQ(check(bearer("valid")), token_problem::unknown_key);
  EXPECT_EQ(fake_.calls("/openid"), 1U);  // within the retry interval
  clock_.advance(10s);
  fake_.set("/openid", {200, R"({"jwks_uri":")" + fake_.url("/keys") + R"("})"});
  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  EXPECT_EQ(fake_.calls("/openid"), 2U);
  EXPECT_TRUE(keys_.ready());
}

TEST_F(teams_keys, a_verified_token_is_cached_until_exp_plus_skew) {
  ASSERT_TRUE(run(keys_.prefetch()));
  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  EXPECT_EQ(verifier_.full_checks(), 1U);
  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  EXPECT_EQ(verifier_.full_checks(), 1U);  // no second RS256
  EXPECT_EQ(verifier_.cached_tokens(), 1U);

  // Rotate: key-a is gone from the new set.
  fake_.set("/keys", {200, fixtures().at("rotated_jwks").dump()});
  clock_.advance(5min);
  EXPECT_EQ(check(bearer("unknown_kid")), token_problem::none);
  EXPECT_EQ(check(bearer("aud_array")), token_problem::unknown_key);  // key-a, never seen before
  const auto checks = verifier_.full_checks();
  // The cached token still passes, without a check, until its exp (now + 3600) plus the skew.
  clock_.set(fixture_now() + 3600s + 299s);
  EXPECT_EQ(check(bearer("valid")), token_problem::none);
  EXPECT_EQ(verifier_.full_checks(), checks);
  clock_.set(fixture_now() + 3600s + 300s);
  EXPECT_NE(check(bearer("valid")), token_problem::none);
  EXPECT_GT(verifier_.full_checks(), checks);
}

TEST_F(teams_keys, tokens_that_fail_are_not_cached) {
  ASSERT_TRUE(run(keys_.prefetch()));
  EXPECT_EQ(check(bearer("wrong_aud")), token_problem::audience);
  EXPECT_EQ(check(bearer("wrong_aud")), token_problem::audience);
  EXPECT_EQ(verifier_.full_checks(), 2U);
  EXPECT_EQ(verifier_.cached_tokens(), 0U);
  EXPECT_EQ(check("bearer " + bearer("valid").substr(7)), token_problem::scheme);
  EXPECT_EQ(check(""), token_problem::scheme);
}

TEST_F(teams_keys, the_cache_is_bounded) {
  token_verifier small{keys_, rules(), clock_, 2};
  ASSERT_TRUE(run(keys_.prefetch()));
  for (const auto* name : {"valid", "aud_array", "cty_jwt"}) {
    EXPECT_EQ(run(small.verify(bearer(name))).problem, token_problem::none) << name;
  }
  EXPECT_EQ(small.cached_tokens(), 2U);
}

TEST_F(teams_keys, concurrent_unknown_kids_share_one_refresh) {
  ASSERT_TRUE(run(keys_.prefetch()));
  clock_.advance(5min);
  fake_.set("/keys", {200, fixtures().at("rotated_jwks").dump()});
  fake_.hold("/keys");
  constexpr std::size_t callers = 8;
  std::vector<std::future<adapters::teams::token_verification>> results;
  for (std::size_t i = 0; i < callers; ++i) results.push_back(start(verifier_.verify(bearer("unknown_kid"))));
  ASSERT_TRUE(fake_.wait_for_calls("/keys", 2));
  ASSERT_TRUE(eventually([&] { return keys_.waiting() == callers - 1; }));
  fake_.open("/keys");
  for (auto& r : results) EXPECT_EQ(r.get().problem, token_problem::none);
  EXPECT_EQ(fake_.calls("/keys"), 2U);
  EXPECT_EQ(fake_.calls("/openid"), 2U);
}

TEST_F(teams_keys, endorsement_and_service_url_are_checked_on_the_cached_token) {
  ASSERT_TRUE(run(keys_.prefetch()));
  const auto url = fixtures().at("service_url").get<std::string>();
  const auto first = run(verifier_.verify(bearer("endorsements_lack_msteams")));
  ASSERT_TRUE(first.ok());
  const auto again = run(verifier_.verify(bearer("endorsements_lack_msteams")));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(verifier_.full_checks(), 1U);
  EXPECT_EQ(adapters::teams::check_activity(again.token, "msteams", url), token_problem::endorsement);
  EXPECT_EQ(adapters::teams::check_activity(again.token, "webchat", url), token_problem::none);
  EXPECT_EQ(adapters::teams::check_activity(again.token, "webchat", url + "x"), token_problem::service_url);
}

}  // namespace
}  // namespace smrel::service::teams
