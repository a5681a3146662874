// The HTTP server against hostile and broken clients, over real loopback sockets.
#include "bot/net/http_server.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "bot/net/fd_limit.hpp"
#include "tests/unit/bot/net/raw_socket.hpp"

namespace smrel::net {
namespace {

using namespace std::chrono_literals;
using testing::raw_client;
using testing::status_of;

// Answers every request with 200 and "<method> <target> <body>", so a test sees what arrived.
boost::asio::awaitable<http_response> echo(http_request& r) {
  co_return http_response::text(std::string(r.method) + " " + std::string(r.target) + " " + r.body);
}

class running_server {
 public:
  explicit running_server(server_limits limits = {}, request_screen screen = {}) {
    server_.emplace(io_, limits, echo, nullptr,
                    [this](refusal why, const std::string&) {
                      std::lock_guard lock(mutex_);
                      refusals_.push_back(why);
                    },
                    std::move(screen));
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_server() {
    shut_down(5s);
    io_.stop();
    thread_.join();
  }

  /// True when the graceful shutdown completed within `within`.
  bool shut_down(std::chrono::milliseconds within) {
    auto drained = std::make_shared<std::promise<void>>();
    server_->shutdown([drained] { drained->set_value(); });
    return drained->get_future().wait_for(within) == std::future_status::ready;
  }

  unsigned short port() const { return port_; }
  http_server& server() { return *server_; }
  std::size_t refusals(refusal why) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(refusals_.begin(), refusals_.end(), why));
  }

 private:
  boost::asio::io_context io_;
  std::optional<http_server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<refusal> refusals_;
};

const std::string get_request = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// --- 1: a trailer over 64 KiB once threw out of io_context::run() and ended the process.

TEST(http_server, a_huge_trailer_is_refused_and_the_server_keeps_serving) {
  running_server s;
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Big: " +
         std::string(70'000, 'a') + "\r\n\r\n");
  const auto status = status_of(c.read_response());
  EXPECT_TRUE(status == 431 || status == 400) << status;
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(s.refusals(refusal::header_too_large), 1U);

  raw_client next(s.port());
  next.send(get_request);
  EXPECT_EQ(status_of(next.read_response()), 200);
}

TEST(http_server, trailers_count_against_the_header_limit_and_are_not_headers) {
  server_limits limits;
  limits.max_header_bytes = 1024;
  running_server s(limits);
  raw_client c(s.port());
  // 600 bytes of head and 600 of trailer: each fits alone, together they do not.
  const std::string pad(560, 'p');
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nX-Pad: " + pad + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Tail: " +
         pad + "\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 431);

  raw_client small(s.port());
  small.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Tail: 1\r\n\r\n");
  const auto reply = small.read_response();
  EXPECT_EQ(status_of(reply), 200);
  EXPECT_TRUE(reply && reply->ends_with("POST /t ok")) << reply.value_or("");
}

// --- 2: chunk-size lines, extensions and trailers were buffered without limit.

TEST(http_server, a_two_mib_chunk_extension_is_refused_without_being_buffered) {
  server_limits limits;
  limits.read_timeout = 3s;
  running_server s(limits);
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=");
  // The server may close while we still send; a reader alongside keeps its answer.
  std::thread writer([&c] {
    const std::string piece(64 * 1024, 'e');
    for (int i = 0; i < 32 && c.send(piece); ++i) {
    }
  });
  const auto status = status_of(c.read_response());
  writer.join();
  EXPECT_TRUE(status == 413 || status == 431) << status;
  EXPECT_TRUE(c.closed_by_server());
}

TEST(http_server, many_small_chunk_extensions_add_up_to_a_refusal) {
  running_server s;
  raw_client c(s.port());
  std::string request = "POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 100; ++i) request += "1;x=" + std::string(100, 'x') + "\r\na\r\n";
  c.send(request + "0\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 413);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(http_server, a_chunked_body_over_the_limit_is_refused) {
  server_limits limits;
  limits.max_body_bytes = 1000;
  running_server s(limits);
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + std::string(600, 'b') + "\r\n258\r\n" +
         std::string(600, 'b') + "\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 413);
}

TEST(http_server, a_screen_refuses_before_the_body_is_read) {
  std::atomic<int> screened{0};
  running_server s({}, [&screened](const http_request& head) -> std::optional<int> {
    ++screened;
    EXPECT_TRUE(head.body.empty());
    if (head.path() == "/signed" && head.header("X-Signature").empty()) return 401;
    return std::nullopt;
  });
  raw_client c(s.port());
  // A body is promised but never sent: the answer must not wait for it.
  c.send("POST /signed HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
  const auto refused = c.read_response();
  EXPECT_EQ(status_of(refused), 401);
  EXPECT_NE(refused.value_or("").find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(s.refusals(refusal::screened), 1U);

  raw_client ok(s.port());
  ok.send("POST /signed HTTP/1.1\r\nHost: a\r\nX-Signature: v0=1\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(status_of(ok.read_response()), 200);
  EXPECT_EQ(screened.load(), 2);
}

// --- 3: one client could hold every connection slot.

server_limits small_cap() {
  server_limits limits;
  limits.max_connections = 4;
  limits.idle_timeout = 30s;
  limits.pressure_idle_timeout = 30s;
  return limits;
}

TEST(http_server, at_the_cap_the_longest_idle_connection_makes_room) {
  running_server s(small_cap());
  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<raw_client>(s.port()));
    idle.back()->send(get_request);
    ASSERT_EQ(status_of(idle.back()->read_response()), 200);
  }
  raw_client fresh(s.port());
  fresh.send(get_request);
  EXPECT_EQ(status_of(fresh.read_response()), 200);
  EXPECT_TRUE(idle.front()->closed_by_server());
  EXPECT_EQ(s.refusals(refusal::evicted_idle), 1U);
  EXPECT_EQ(s.refusals(refusal::too_many_connections), 0U);
  idle[1]->send(get_request);  // the others were left alone
  EXPECT_EQ(status_of(idle[1]->read_response()), 200);
}

TEST(http_server, at_the_cap_with_nothing_idle_a_new_connection_gets_503) {
  running_server s(small_cap());
  std::vector<std::unique_ptr<raw_client>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<raw_client>(s.port()));
    busy.back()->send("GET /ok HTTP/1.1\r\n");  // a request under way is not idle
  }
  // Connections are counted as the server accepts them; a served request proves it got that far.
  while (s.server().open_connections() < 4) std::this_thread::sleep_for(1ms);
  raw_client late(s.port());
  EXPECT_EQ(status_of(late.read_response()), 503);
  EXPECT_EQ(s.refusals(refusal::too_many_connections), 1U);
}

TEST(http_server, under_pressure_idle_connections_get_the_short_timeout) {
  server_limits limits = small_cap();
  limits.pressure_idle_timeout = 200ms;
  running_server s(limits);
  std::vector<std::unique_ptr<raw_client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<raw_client>(s.port()));
    clients.back()->send(get_request);
    ASSERT_EQ(status_of(clients.back()->read_response()), 200);
  }
  // The last one went idle with all four slots taken: it is closed well before idle_timeout.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(clients.back()->closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

// Sends `bytes` one at a time, `gap` apart, until the server stops taking them.
std::thread trickle(raw_client& c, std::string bytes, std::chrono::milliseconds gap) {
  return std::thread([&c, bytes = std::move(bytes), gap] {
    for (const char b : bytes) {
      if (!c.send(std::string(1, b))) return;
      std::this_thread::sleep_for(gap);
    }
  });
}

TEST(http_server, a_kept_alive_connection_trickling_its_next_head_is_cut_at_read_timeout) {
  server_limits limits;
  limits.read_timeout = 300ms;
  limits.idle_timeout = 30s;
  running_server s(limits);
  raw_client c(s.port());
  c.send(get_request);
  ASSERT_EQ(status_of(c.read_response()), 200);
  const auto started = std::chrono::steady_clock::now();
  auto writer = trickle(c, "GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(200, 's') + "\r\n\r\n", 20ms);
  EXPECT_TRUE(c.closed_by_server());
  const auto took = std::chrono::steady_clock::now() - started;
  writer.join();
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(s.refusals(refusal::timeout), 1U);
}

TEST(http_server, a_slow_first_head_is_cut_at_read_timeout_not_per_byte) {
  server_limits limits;
  limits.read_timeout = 300ms;
  running_server s(limits);
  raw_client c(s.port());
  const auto started = std::chrono::steady_clock::now();
  auto writer = trickle(c, "GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(200, 's') + "\r\n\r\n", 20ms);
  EXPECT_TRUE(c.closed_by_server());
  const auto took = std::chrono::steady_clock::now() - started;
  writer.join();
  EXPECT_LT(took, 2s);
}

TEST(http_server, under_pressure_a_new_connection_trickling_its_head_gets_the_short_timeout) {
  server_limits limits = small_cap();
  limits.read_timeout = 30s;
  limits.pressure_idle_timeout = 200ms;
  limits.drain_timeout = 500ms;  // the others are mid-head: shutdown closes them after this
  running_server s(limits);
  const auto slow_head = "GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(400, 's') + "\r\n\r\n";
  std::vector<std::unique_ptr<raw_client>> clients;
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<raw_client>(s.port()));
    writers.push_back(trickle(*clients.back(), slow_head, 50ms));
  }
  // The fourth arrived with three quarters of the slots taken: it has 200 ms for its head, not 30 s.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(clients.back()->closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(s.shut_down(5s));  // ends the others' trickles too
  for (auto& w : writers) w.join();
}

TEST(http_server, shutdown_closes_idle_keep_alive_connections_at_once) {
  running_server s;
  raw_client c(s.port());
  c.send(get_request);
  ASSERT_EQ(status_of(c.read_response()), 200);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.shut_down(5s));
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);  // not the 10 s drain_timeout
}

// --- 4: at the descriptor limit accept() failed with EMFILE and the loop spun.

TEST(fd_limit, the_cap_leaves_the_reserve_free) {
  EXPECT_EQ(clamp_connections(1024, 1024, 64), 960U);
  EXPECT_EQ(clamp_connections(100, 1024, 64), 100U);
  EXPECT_EQ(clamp_connections(1024, std::nullopt, 64), 1024U);
  EXPECT_EQ(clamp_connections(1024, 10, 64), 1U);
}

// Runs `child` in a forked process (so descriptor limits stay there) and returns its exit code.
template <class F>
int in_child(F child) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(child());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST(http_server, listen_raises_the_soft_descriptor_limit_and_fits_the_cap_under_the_hard_one) {
  const int code = in_child([] {
    const rlimit low{100, 200};
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return 2;
    boost::asio::io_context io;
    http_server server(io, {}, echo);
    server.listen("127.0.0.1:0");
    rlimit now{};
    ::getrlimit(RLIMIT_NOFILE, &now);
    if (now.rlim_cur != 200) return 3;
    return server.connection_cap() == 200 - 64 ? 0 : 4;
  });
  EXPECT_EQ(code, 0);
}

TEST(http_server, out_of_descriptors_the_accept_loop_pauses_instead_of_spinning) {
#ifdef __SANITIZE_ADDRESS__
  // The sanitizer runtimes open descriptors of their own (UBSan's vptr check makes a pipe) and
  // report false errors when none is left.
  GTEST_SKIP() << "needs a process with no spare descriptors";
#endif
  const int code = in_child([] {
    const rlimit low{128, 128};
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return 2;
    boost::asio::io_context io;
    http_server server(io, {}, echo);
    const auto port = server.listen("127.0.0.1:0");
    std::thread runner([&io] { io.run(); });
    const int spare = ::dup(0);
    std::vector<int> hog;
    for (int fd; (fd = ::dup(0)) >= 0;) hog.push_back(fd);
    ::close(spare);  // room for exactly the client's socket, none for the server's accept
    const int client = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 5;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server.accept_failures() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    const auto first = server.accept_failures();
    std::this_thread::sleep_for(500ms);
    // Pauses of 50, 100, 200 ms fit about four attempts into this window; a spinning loop makes
    // thousands. (A rate over a window, not "nothing happened": both ends are counted.)
    const auto during = server.accept_failures() - first;
    io.stop();
    runner.join();
    if (first == 0) return 6;
    return during <= 8 ? 0 : 7;
  });
  EXPECT_EQ(code, 0);
}

// --- 5: framing that the server and a proxy could read differently.

void expect_one_400_then_close(const std::string& head_and_body, running_server& s) {
  raw_client c(s.port());
  c.send(head_and_body + "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
  const auto reply = c.read_all();
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 ")) << reply;
  EXPECT_EQ(count_of(reply, "HTTP/1."), 1U) << reply;
  EXPECT_EQ(reply.find("/metrics"), std::string::npos) << reply;
}

TEST(http_server, transfer_codings_other_than_a_single_chunked_are_refused) {
  running_server s;
  for (const std::string coding : {"xchunked", "identity", "gzip", "chunked, identity", "gzip, chunked", "chunked, chunked"}) {
    SCOPED_TRACE(coding);
    expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n", s);
  }
  expect_one_400_then_close(
      "POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", s);
  EXPECT_EQ(s.refusals(refusal::bad_framing), 7U);
}

TEST(http_server, chunked_in_http_1_0_or_next_to_a_length_is_refused) {
  running_server s;
  expect_one_400_then_close("POST /t HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", s);
  expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", s);
  expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", s);
  expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\nhello", s);
}

TEST(http_server, a_missing_or_repeated_host_and_differing_lengths_are_refused) {
  running_server s;
  expect_one_400_then_close("GET /t HTTP/1.1\r\n\r\n", s);
  expect_one_400_then_close("GET /t HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", s);
  expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", s);
  expect_one_400_then_close("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!", s);
  // A single chunked coding, in any case, with an HTTP/1.0 request without Host, still works.
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nGET /x HTTP/1.0\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_EQ(status_of(c.read_response()), 200);
}

// --- 6: Expect: 100-continue was never answered.

TEST(http_server, expect_100_continue_is_answered_before_the_body_is_read) {
  running_server s;
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_response(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("hello");
  const auto reply = c.read_response();
  EXPECT_EQ(status_of(reply), 200);
  EXPECT_TRUE(reply && reply->ends_with("POST /t hello"));
}

TEST(http_server, expect_100_continue_with_a_length_over_the_limit_gets_413_at_once) {
  server_limits limits;
  limits.max_body_bytes = 1000;
  running_server s(limits);
  raw_client c(s.port());
  c.send("POST /t HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 413);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(http_server, ordinary_requests_still_work_pipelined) {
  running_server s;
  raw_client c(s.port());
  c.send("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + get_request + get_request);
  const auto first = c.read_response();
  EXPECT_TRUE(first && first->ends_with("POST /a abc")) << first.value_or("");
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_EQ(status_of(c.read_response()), 200);
}

}  // namespace
}  // namespace smrel::net
