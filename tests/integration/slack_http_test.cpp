// The server's behaviour toward hostile or broken input, over real sockets.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using testing::http_call;
using testing::raw_exchange;
using testing::slack_harness;

const std::string status_body = "team_id=T0TEST&user_id=U1&channel_id=C1&command=%2Fsmrel&text=status";

TEST(slack_http, health_readiness_metrics_and_unknown_routes) {
  slack_harness h;
  EXPECT_EQ(http_call(h.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_call(h.port(), "GET", "/readyz").body, "ready\n");
  EXPECT_EQ(http_call(h.port(), "GET", "/nope").status, 404);
  EXPECT_EQ(http_call(h.port(), "GET", "/slack/commands").status, 405);
  h.command("U1", "status");
  const auto metrics = http_call(h.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("smrel_http_requests_total{route=\"/slack/commands\",status=\"2xx\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("smrel_http_requests_total{route=\"other\",status=\"4xx\"} 2"), std::string::npos);
  EXPECT_NE(metrics.body.find("smrel_http_request_duration_seconds_bucket{route=\"/slack/commands\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("smrel_outbox_depth 0"), std::string::npos);
}

TEST(slack_http, the_documented_signature_vector_passes_only_within_five_minutes) {
  std::ifstream file(SMREL_FIXTURES "/slack/signature_vector_a.json");
  const auto vector = nlohmann::json::parse(file);
  const domain::hmac_sha256 key(vector["signing_secret"].get<std::string>());
  const auto ts = vector["timestamp"].get<std::string>();
  const auto body = vector["body"].get<std::string>();
  const auto sig = vector["expected_signature"].get<std::string>();
  const auto at = std::chrono::system_clock::time_point{std::chrono::seconds{std::stoll(ts)}};
  namespace slack = adapters::slack;
  EXPECT_EQ(slack::verify_signature(key, ts, sig, body, at), slack::signature_check::ok);
  EXPECT_EQ(slack::verify_signature(key, ts, sig, body, at + 299s), slack::signature_check::ok);
  EXPECT_EQ(slack::verify_signature(key, ts, sig, body, at + 301s), slack::signature_check::stale);
  EXPECT_EQ(slack::verify_signature(key, ts, sig, body, at - 301s), slack::signature_check::stale);
  EXPECT_EQ(slack::verify_signature(key, ts, sig, body + " ", at), slack::signature_check::mismatch);
  EXPECT_EQ(slack::verify_signature(key, ts, "v0=" + std::string(64, '0'), body, at), slack::signature_check::mismatch);
  EXPECT_EQ(slack::verify_signature(key, ts, "v1=" + sig.substr(3), body, at), slack::signature_check::malformed);
  EXPECT_EQ(slack::verify_signature(key, "", sig, body, at), slack::signature_check::missing_headers);
  EXPECT_EQ(slack::verify_signature(key, "12a", sig, body, at), slack::signature_check::malformed);
}

TEST(slack_http, unsigned_wrongly_signed_stale_and_future_requests_get_401_and_store_nothing) {
  slack_harness h;
  const auto join = "team_id=T0TEST&user_id=U1&channel_id=C1&command=%2Fsmrel&text=join%20sales";
  EXPECT_EQ(http_call(h.port(), "POST", "/slack/commands", join).status, 401);
  const auto ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(h.clock().now().time_since_epoch()).count());
  auto r = http_call(h.port(), "POST", "/slack/commands", join,
                     {{"X-Slack-Request-Timestamp", ts}, {"X-Slack-Signature", "v0=" + std::string(64, 'a')}});
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(h.signed_post("/slack/commands", join, "application/x-www-form-urlencoded", -301s).status, 401);
  EXPECT_EQ(h.signed_post("/slack/commands", join, "application/x-www-form-urlencoded", 301s).status, 401);
  EXPECT_EQ(h.signed_post("/slack/interactivity", "payload=%7B%7D", "application/x-www-form-urlencoded", 400s).status, 401);
  EXPECT_EQ(h.signed_post("/slack/events", R"({"type":"url_verification","challenge":"c"})", "application/json", -400s).status, 401);
  EXPECT_FALSE(h.store().find_member({{domain::platform::slack, "T0TEST"}, "U1"}));
  EXPECT_EQ(h.signed_post("/slack/commands", join, "application/x-www-form-urlencoded", 299s).status, 200);
  EXPECT_TRUE(h.store().find_member({{domain::platform::slack, "T0TEST"}, "U1"}));
}

TEST(slack_http, malformed_oversized_and_truncated_bodies) {
  slack_harness h;
  // Signed but not form-encoded / not JSON / missing ids: 400.
  EXPECT_EQ(h.signed_post("/slack/commands", "team_id=%ZZ&user_id=U1", "application/x-www-form-urlencoded").status, 400);
  EXPECT_EQ(h.signed_post("/slack/commands", "user_id=U1&text=status", "application/x-www-form-urlencoded").status, 400);
  EXPECT_EQ(h.signed_post("/slack/interactivity", "payload=%7Bnot-json", "application/x-www-form-urlencoded").status, 400);
  EXPECT_EQ(h.signed_post("/slack/events", "{\"type\":", "application/json").status, 400);
  EXPECT_EQ(h.signed_post("/slack/events", R"({"type":"event_callback","event":{}})", "application/json").status, 400);
  // Over the body limit: 413 before any handler runs.
  EXPECT_EQ(h.signed_post("/slack/commands", std::string(70 * 1024, 'a'), "application/x-www-form-urlencoded").status, 413);
  // Header over the limit: 431.
  EXPECT_EQ(http_call(h.port(), "GET", "/healthz", "", {{"X-Big", std::string(20 * 1024, 'b')}}).status, 431);
  // Not HTTP at all: 400.
  EXPECT_NE(raw_exchange(h.port(), "HELLO THERE\r\n\r\n").find("400 Bad Request"), std::string::npos);
  // Truncated: Content-Length promises more than arrives, then the client goes away.
  const auto reply = raw_exchange(h.port(), "POST /slack/commands HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nteam_id=T0TEST");
  EXPECT_EQ(reply.find("200 OK"), std::string::npos);
  EXPECT_EQ(h.store().workspaces().size(), 0U);
  EXPECT_EQ(http_call(h.port(), "GET", "/healthz").status, 200);  // still serving
}

TEST(slack_http, an_unsigned_request_is_refused_before_its_body_is_read) {
  slack_harness h;
  // A body promised (up to the limit), none sent, no signature: the answer comes at once, not
  // after the body (1,000 such connections once held 518 MiB while smrel read what it refused).
  for (const auto* headers : {"", "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=00\r\n"}) {
    const auto reply = raw_exchange(h.port(), std::string("POST /slack/commands HTTP/1.1\r\nHost: x\r\n") + headers +
                                                  "Content-Length: 60000\r\n\r\n",
                                    false);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 401")) << reply;
  }
  // Nor is a body read for a route that takes none, or for no route at all.
  const auto unknown = raw_exchange(h.port(), "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n", false);
  EXPECT_TRUE(unknown.starts_with("HTTP/1.1 404")) << unknown;
  const auto health = raw_exchange(h.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n", false);
  EXPECT_TRUE(health.starts_with("HTTP/1.1 413")) << health;
  // A correctly signed request still goes through.
  EXPECT_EQ(h.command("U1", "help").status, 200);
}

TEST(slack_http, a_slow_client_is_cut_off_without_holding_up_others) {
  slack_harness h;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket slow(io);
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), h.port()});
  boost::asio::write(slow, boost::asio::buffer(std::string("POST /slack/commands HTTP/1.1\r\nHost: x\r\n")));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(http_call(h.port(), "GET", "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 400ms);
  char byte;
  boost::system::error_code ec;
  slow.read_some(boost::asio::buffer(&byte, 1), ec);  // returns when the server closes on us
  EXPECT_TRUE(ec);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(slack_http, keep_alive_serves_several_requests_on_one_connection) {
  slack_harness h;
  const auto reply = raw_exchange(h.port(),
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (auto at = reply.find("200 OK"); at != std::string::npos; at = reply.find("200 OK", at + 1)) ++count;
  EXPECT_EQ(count, 3U);
}

TEST(slack_http, responses_speak_the_clients_http_version_and_close_when_asked) {
  slack_harness h;
  // Not half-closed: the server itself must end the connection after answering.
  const auto closed = raw_exchange(h.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
  EXPECT_TRUE(closed.starts_with("HTTP/1.1 200 OK\r\n")) << closed;
  EXPECT_NE(closed.find("\r\nConnection: close\r\n"), std::string::npos) << closed;
  EXPECT_NE(closed.find("\r\nContent-Length: 3\r\n"), std::string::npos) << closed;
  EXPECT_TRUE(closed.ends_with("\r\n\r\nok\n")) << closed;

  const auto old = raw_exchange(h.port(), "GET /healthz HTTP/1.0\r\n\r\n", false);
  EXPECT_TRUE(old.starts_with("HTTP/1.0 200 OK\r\n")) << old;
  EXPECT_EQ(old.find("keep-alive"), std::string::npos) << old;

  const auto kept = raw_exchange(h.port(),
                                 "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                 "GET /nowhere HTTP/1.0\r\n\r\n",
                                 false);
  EXPECT_NE(kept.find("HTTP/1.0 200 OK\r\n"), std::string::npos) << kept;
  EXPECT_NE(kept.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << kept;
  EXPECT_NE(kept.find("HTTP/1.0 404 Not Found\r\n"), std::string::npos) << kept;
}

TEST(slack_http, ssl_check_probes_are_acknowledged) {
  slack_harness h;
  EXPECT_EQ(h.signed_post("/slack/commands", "ssl_check=1&token=x", "application/x-www-form-urlencoded").status, 200);
}

}  // namespace
}  // namespace smrel
