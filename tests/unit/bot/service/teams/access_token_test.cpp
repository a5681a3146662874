// The Bot Connector access-token cache against a fake token endpoint on loopback, on a manual
// clock: one fetch for many callers, refresh five minutes early, invalidation after a 401.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>
#include <vector>

#include "bot/service/teams/access_token.hpp"
#include "tests/support/fake_openid.hpp"

namespace smrel::service::teams {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const domain::time_point start_time{std::chrono::seconds{1'900'000'000}};

std::string grant(const std::string& token, int lifetime = 3600) {
  return R"({"token_type":"Bearer","expires_in":)" + std::to_string(lifetime) + R"(,"ext_expires_in":3600,"access_token":")" +
         token + R"("})";
}

template <class Predicate>
bool eventually(Predicate done) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class teams_token : public ::testing::Test {
 protected:
  teams_token() : work_(asio::make_work_guard(io_)) {
    fake_.set("/token", {200, grant("tok-1")});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~teams_token() override {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  config::teams_settings settings() const {
    config::teams_settings out;
    out.app_id = "app-1";
    out.app_password = "p&ss=word+";
    out.token_url = fake_.url("/token");
    return out;
  }

  std::future<std::optional<std::string>> start() { return asio::co_spawn(io_, tokens_.get(), asio::use_future); }
  std::optional<std::string> get() { return start().get(); }

  testing::fake_openid fake_;
  domain::manual_clock clock_{start_time};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  net::http_client client_{io_};
  access_token_cache tokens_{io_, client_, settings(), clock_};
  std::vector<std::thread> threads_;
};

TEST_F(teams_token, many_concurrent_callers_share_one_fetch) {
  fake_.hold("/token");
  constexpr std::size_t callers = 10;
  std::vector<std::future<std::optional<std::string>>> results;
  for (std::size_t i = 0; i < callers; ++i) results.push_back(start());
  ASSERT_TRUE(fake_.wait_for_calls("/token", 1));
  ASSERT_TRUE(eventually([&] { return tokens_.waiting() == callers - 1; }));
  fake_.open("/token");
  for (auto& r : results) EXPECT_EQ(r.get(), "tok-1");
  EXPECT_EQ(fake_.calls("/token"), 1U);
  EXPECT_EQ(tokens_.fetches(), 1U);
  EXPECT_EQ(fake_.last_body("/token"),
            "grant_type=client_credentials&client_id=app-1&client_secret=p%26ss%3Dword%2B"
            "&scope=https%3A%2F%2Fapi.botframework.com%2F.default");
}

TEST_F(teams_token, the_token_is_replaced_five_minutes_before_it_expires) {
  EXPECT_EQ(get(), "tok-1");
  fake_.set("/token", {200, grant("tok-2")});
  clock_.advance(3600s - 300s - 1s);
  EXPECT_EQ(get(), "tok-1");
  EXPECT_EQ(fake_.calls("/token"), 1U);
  clock_.advance(1s);
  EXPECT_EQ(get(), "tok-2");
  EXPECT_EQ(fake_.calls("/token"), 2U);
}

TEST_F(teams_token, a_short_lived_token_is_used_for_half_its_life) {
  fake_.set("/token", {200, grant("short", 120)});
  EXPECT_EQ(get(), "short");
  clock_.advance(59s);
  EXPECT_EQ(get(), "short");
  EXPECT_EQ(fake_.calls("/token"), 1U);
  clock_.advance(1s);
  EXPECT_EQ(get(), "short");
  EXPECT_EQ(fake_.calls("/token"), 2U);
}

TEST_F(teams_token, invalidate_after_a_401_forces_one_new_fetch) {
  EXPECT_EQ(get(), "tok-1");
  fake_.set("/token", {200, grant("tok-2")});
  tokens_.invalidate("tok-1");
  EXPECT_EQ(get(), "tok-2");
  EXPECT_EQ(fake_.calls("/token"), 2U);
  // Another request refused with the old token changes nothing: tok-2 is newer.
  tokens_.invalidate("tok-1");
  EXPECT_EQ(get(), "tok-2");
  EXPECT_EQ(fake_.calls("/token"), 2U);
  tokens_.invalidate();
  EXPECT_EQ(get(), "tok-2");
  EXPECT_EQ(fake_.calls("/token"), 3U);
}

TEST_F(teams_token, a_failed_fetch_gives_no_token_and_pauses_before_the_next) {
  fake_.set("/token", {401, R"({"error":"invalid_client"})"});
  EXPECT_EQ(get(), std::nullopt);
  EXPECT_EQ(get(), std::nullopt);
  EXPECT_EQ(fake_.calls("/token"), 1U);
  clock_.advance(10s);
  fake_.set("/token", {200, R"({"token_type":"Bearer","access_token":"no-expiry"})"});
  EXPECT_EQ(get(), std::nullopt);  // unreadable answer
  EXPECT_EQ(fake_.calls("/token"), 2U);
  clock_.advance(10s);
  fake_.set("/token", {200, grant("tok-3")});
  EXPECT_EQ(get(), "tok-3");
  EXPECT_EQ(fake_.calls("/token"), 3U);
}

TEST(teams_token_cache, without_an_app_id_there_is_no_token_and_no_fetch) {
  testing::fake_openid fake;
  domain::manual_clock clock{start_time};
  asio::io_context io;
  net::http_client client{io};
  config::teams_settings settings;
  settings.token_url = fake.url("/token");
  access_token_cache tokens{io, client, settings, clock};
  auto result = asio::co_spawn(io, tokens.get(), asio::use_future);
  io.run();
  EXPECT_EQ(result.get(), std::nullopt);
  EXPECT_EQ(fake.calls("/token"), 0U);
}

}  // namespace
}  // namespace smrel::service::teams
