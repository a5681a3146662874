// The outbound client against fake servers on loopback that answer badly.
#include "bot/net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "tests/unit/bot/net/raw_socket.hpp"

namespace smrel::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts one connection, records the request head, sends `answer` and closes.
class one_shot_server {
 public:
  one_shot_server(std::string answer, const char* host = "127.0.0.1")
      : acceptor_(io_, {asio::ip::make_address(host), 0}) {
    thread_ = std::thread([this, answer = std::move(answer)] {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      testing::set_read_timeout(socket, testing::raw_read_timeout);
      std::string head;
      asio::read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n", ec);
      head_.set_value(head.substr(0, head.find("\r\n\r\n") + 2));
      asio::write(socket, asio::buffer(answer), ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
      char sink[256];
      while (!ec) socket.read_some(asio::buffer(sink), ec);
    });
  }
  ~one_shot_server() {
    // A blocking accept() is not woken by close(): a connection of our own ends it.
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    poke.close(ignored);
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string head() { return head_.get_future().get(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::promise<std::string> head_;
  std::thread thread_;
};

std::pair<boost::system::error_code, client_response> send_once(const std::string& url) {
  asio::io_context io;
  http_client client(io);
  std::pair<boost::system::error_code, client_response> result;
  asio::co_spawn(io, client.send({"POST", url, {}, "x=1"}), [&result](std::exception_ptr e, auto r) {
    if (e) std::rethrow_exception(e);
    result = std::move(r);
  });
  io.run();
  return result;
}

const std::string ok_answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

TEST(http_client, a_huge_trailer_is_an_error_not_an_abort) {
  one_shot_server fake("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Big: " +
                       std::string(70'000, 'a') + "\r\n\r\n");
  const auto [ec, response] = send_once("http://127.0.0.1:" + std::to_string(fake.port()) + "/hook");
  EXPECT_TRUE(ec);
}

TEST(http_client, a_huge_header_is_an_error) {
  one_shot_server fake("HTTP/1.1 200 OK\r\nX-Big: " + std::string(70'000, 'a') + "\r\nContent-Length: 2\r\n\r\nok");
  const auto [ec, response] = send_once("http://127.0.0.1:" + std::to_string(fake.port()) + "/hook");
  EXPECT_TRUE(ec);
}

TEST(http_client, a_body_over_the_limit_is_an_error) {
  one_shot_server fake("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string("500000\r\n") +
                       std::string(0x500000, 'b') + "\r\n0\r\n\r\n");
  const auto [ec, response] = send_once("http://127.0.0.1:" + std::to_string(fake.port()) + "/hook");
  EXPECT_TRUE(ec);
}

TEST(http_client, a_chunked_answer_with_headers_reads_back) {
  one_shot_server fake("HTTP/1.1 201 Created\r\nX-Thing: Yes\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n");
  const auto [ec, response] = send_once("http://127.0.0.1:" + std::to_string(fake.port()) + "/hook");
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "ok!");
  EXPECT_EQ(response.header("x-thing"), "Yes");
  EXPECT_TRUE(response.header("x-t").empty());  // a trailer is not a header
}

TEST(http_client, the_host_header_carries_a_non_default_port) {
  one_shot_server fake(ok_answer);
  const auto port = std::to_string(fake.port());
  const auto [ec, response] = send_once("http://127.0.0.1:" + port + "/hook?a=1");
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.body, "ok");
  const auto head = fake.head();
  EXPECT_TRUE(head.starts_with("POST /hook?a=1 HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("\r\nHost: 127.0.0.1:" + port + "\r\n"), std::string::npos) << head;
}

TEST(http_client, the_host_header_brackets_an_ipv6_literal) {
  std::unique_ptr<one_shot_server> fake;
  try {
    fake = std::make_unique<one_shot_server>(ok_answer, "::1");
  } catch (const std::exception&) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  const auto port = std::to_string(fake->port());
  const auto [ec, response] = send_once("http://[::1]:" + port + "/hook");
  ASSERT_FALSE(ec) << ec.message();
  const auto head = fake->head();
  EXPECT_NE(head.find("\r\nHost: [::1]:" + port + "\r\n"), std::string::npos) << head;
}

// Serves requests one after another on whatever connections arrive: the n-th request (counted
// over all connections) gets answers[n]; "close" closes the connection without answering.
class scripted_server {
 public:
  explicit scripted_server(std::vector<std::string> answers) : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, answers = std::move(answers)] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_ || requests_ >= answers.size()) return;
        ++connections_;
        testing::set_read_timeout(socket, testing::raw_read_timeout);
        std::string pending;
        while (requests_ < answers.size()) {
          const auto end = asio::read_until(socket, asio::dynamic_buffer(pending), "x=1", ec);  // each body is "x=1"
          if (ec) break;
          pending.erase(0, end);
          const auto& answer = answers[requests_++];
          if (answer == "close") break;
          asio::write(socket, asio::buffer(answer), ec);
          if (answer.find("Connection: close") != std::string::npos || answer.find("Content-Length") == std::string::npos) break;
        }
        socket.close(ec);
      }
    });
  }
  ~scripted_server() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    poke.close(ignored);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook"; }
  std::size_t requests() const { return requests_; }
  std::size_t connections() const { return connections_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> connections_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::vector<std::pair<boost::system::error_code, client_response>> send_twice(const std::string& url) {
  asio::io_context io;
  http_client client(io);
  std::vector<std::pair<boost::system::error_code, client_response>> results;
  // Built outside the coroutine: GCC 12 miscompiles braced initialisers in coroutine bodies.
  const client_request request{"POST", url, {}, "x=1"};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        results.push_back(co_await client.send(request));
        results.push_back(co_await client.send(request));
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  return results;
}

const std::string kept_alive = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

TEST(http_client, a_kept_alive_connection_the_server_dropped_is_retried_once_on_a_fresh_one) {
  scripted_server fake({kept_alive, "close", kept_alive});
  const auto results = send_twice(fake.url());
  ASSERT_EQ(results.size(), 2U);
  EXPECT_FALSE(results[1].first) << results[1].first.message();
  EXPECT_EQ(results[1].second.status, 200);
  EXPECT_EQ(fake.requests(), 3U);
  EXPECT_EQ(fake.connections(), 2U);
}

TEST(http_client, a_request_answered_in_part_is_never_sent_again) {
  // The server started answering, so it may have acted (posted the message): a second send
  // could post it twice. The failure goes back to the outbox, which decides what happens next.
  scripted_server fake({kept_alive, "HTTP/1.1 200 OK\r\nContent-Le", kept_alive});
  const auto results = send_twice(fake.url());
  ASSERT_EQ(results.size(), 2U);
  EXPECT_TRUE(results[1].first);
  EXPECT_EQ(fake.requests(), 2U);
}

}  // namespace
}  // namespace smrel::net
