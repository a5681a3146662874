#pragma once
// Blocking loopback sockets for net tests: a client that speaks raw bytes and a one-shot fake
// server. Every read has a timeout, so a server that fails to answer fails the test, not the run.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <optional>
#include <string>

namespace smrel::testing {

inline constexpr std::chrono::milliseconds raw_read_timeout{5'000};

inline void set_read_timeout(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

class raw_client {
 public:
  explicit raw_client(unsigned short port, const char* host = "127.0.0.1") : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address(host), port});
    set_read_timeout(socket_, raw_read_timeout);
  }

  /// False when the server has closed or reset the connection.
  bool send(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return !ec;
  }

  /// The next complete response (head and Content-Length body), or nothing on EOF or timeout.
  std::optional<std::string> read_response() {
    std::size_t head_end;
    while ((head_end = buffered_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    head_end += 4;
    std::size_t length = 0;
    if (const auto at = buffered_.find("Content-Length: "); at != std::string::npos && at < head_end) {
      length = std::stoul(buffered_.substr(at + 16));
    }
    if (buffered_.starts_with("HTTP/1.1 1")) length = 0;  // an interim answer has no body
    while (buffered_.size() < head_end + length) {
      if (!fill()) return std::nullopt;
    }
    auto response = buffered_.substr(0, head_end + length);
    buffered_.erase(0, head_end + length);
    return response;
  }

  /// True when the server closes (EOF or reset) before the read timeout; extra bytes fail it.
  bool closed_by_server() {
    if (!buffered_.empty()) return false;
    char byte;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

  /// Every byte up to EOF (or reset, or the read timeout).
  std::string read_all() {
    while (fill()) {
    }
    return std::exchange(buffered_, {});
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  bool fill() {
    char chunk[16 * 1024];
    boost::system::error_code ec;
    const auto n = socket_.read_some(boost::asio::buffer(chunk), ec);
    if (ec) return false;
    buffered_.append(chunk, n);
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffered_;
};

inline int status_of(const std::optional<std::string>& response) {
  if (!response || response->size() < 12 || !response->starts_with("HTTP/1.")) return 0;
  return std::stoi(response->substr(9, 3));
}

}  // namespace smrel::testing
