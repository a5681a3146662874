#include "bot/net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

namespace smrel::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto drain_poll_interval = std::chrono::milliseconds{20};
constexpr std::string_view server_name = "smrel";

// Errors that mean "the peer went away or we are shutting down", not a fault worth a log line.
bool is_expected_close(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == beast::error::timeout ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::bad_descriptor;
}

std::optional<std::pair<std::string, unsigned short>> split_host_port(const std::string& text) {
  std::string host;
  std::string port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int value = std::stoi(port);
  if (value > 65535) return std::nullopt;
  return std::pair{host, static_cast<unsigned short>(value)};
}

class session_base {
 public:
  virtual ~session_base() = default;
  virtual void close_if_idle() = 0;
  virtual void close_now() = 0;
};

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& context, server_limits l, request_handler h, refusal_observer r)
      : io(context), limits(l), handler(std::move(h)), on_refusal(std::move(r)), acceptor(asio::make_strand(context)) {}

  asio::io_context& io;
  server_limits limits;
  request_handler handler;
  refusal_observer on_refusal;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> draining{false};
  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<session_base>> sessions;
  std::uint64_t next_session_id = 0;

  void refused(refusal why, const std::string& remote) const {
    if (on_refusal) on_refusal(why, remote);
  }

  std::uint64_t add_session(const std::shared_ptr<session_base>& s) {
    std::lock_guard lock(sessions_mutex);
    const auto id = next_session_id++;
    sessions.emplace(id, s);
    return id;
  }
  void remove_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
  }
  template <class F>
  void for_each_session(F&& f) {
    std::vector<std::shared_ptr<session_base>> live;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [id, weak] : sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) f(*s);
  }

  awaitable<void> accept_loop();
  awaitable<void> refuse_connection(tcp::socket socket);
};

namespace {

// The response head, written by hand: a status line and a handful of fields are all smrel ever
// sends, and on the hot path Beast's general-purpose serializer cost more than the system call.
std::string response_head(const http_response& r, unsigned version, bool keep_alive) {
  const auto clean = [](std::string_view v) { return v.find_first_of("\r\n") == std::string_view::npos; };
  std::string head;
  head.reserve(192);
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(r.status);
  head += ' ';
  head += http::obsolete_reason(static_cast<http::status>(r.status));
  head += "\r\nServer: ";
  head += server_name;
  if (!r.content_type.empty() && clean(r.content_type)) {
    head += "\r\nContent-Type: ";
    head += r.content_type;
  }
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || !clean(name) || !clean(value) || name.find(':') != std::string::npos) continue;
    head += "\r\n";
    head += name;
    head += ": ";
    head += value;
  }
  head += "\r\nContent-Length: ";
  head += std::to_string(r.payload().size());
  if (!keep_alive && version >= 11) head += "\r\nConnection: close";
  if (keep_alive && version == 10) head += "\r\nConnection: keep-alive";
  head += "\r\n\r\n";
  return head;
}

template <class Stream>
awaitable<boost::system::error_code> write_response(Stream& stream, const http_response& r, unsigned version, bool keep_alive) {
  const auto head = response_head(r, version, keep_alive);
  const std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(r.payload())};
  auto [ec, written] = co_await asio::async_write(stream, parts, use_tuple);
  co_return ec;
}

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
 public:
  session(std::shared_ptr<http_server::impl> server, Stream stream, std::string remote)
      : server_(std::move(server)), stream_(std::move(stream)), remote_(std::move(remote)) {}

  void close_if_idle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->close_socket();
    });
  }
  void close_now() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_socket(); });
  }

  awaitable<void> run() {
    const auto self = this->shared_from_this();
    const auto id = server_->add_session(self);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(stream_).expires_after(server_->limits.read_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, use_tuple);
      if (ec) {
        server_->refused(refusal::malformed, remote_);
        finish(id);
        co_return;
      }
    }
    co_await serve_requests();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      beast::get_lowest_layer(stream_).expires_after(server_->limits.write_timeout);
      co_await stream_.async_shutdown(use_tuple);
    }
    finish(id);
  }

 private:
  void finish(std::uint64_t id) {
    close_socket();
    server_->remove_session(id);
    --server_->connections;
  }

  void close_socket() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  awaitable<void> serve_requests() {
    const auto& limits = server_->limits;
    bool first = true;
    for (;;) {
      idle_ = true;
      if (server_->draining) co_return;
      http::request_parser<http::string_body> parser;  // fresh per request: limits reset
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      // A new connection must start its request promptly; a kept-alive one may sit idle longer.
      beast::get_lowest_layer(stream_).expires_after(first ? limits.read_timeout : limits.idle_timeout);
      first = false;
      auto [header_ec, header_bytes] = co_await http::async_read_header(stream_, buffer_, parser, use_tuple);
      if (header_ec) {
        co_await refuse_read(header_ec, header_bytes > 0 || buffer_.size() > 0);
        co_return;
      }
      idle_ = false;
      beast::get_lowest_layer(stream_).expires_after(limits.read_timeout);
      auto [body_ec, body_bytes] = co_await http::async_read(stream_, buffer_, parser, use_tuple);
      if (body_ec) {
        co_await refuse_read(body_ec, true);
        co_return;
      }

      auto& message = parser.get();
      http_request request;
      request.method = message.method_string();
      request.target = message.target();
      request.headers.reserve(16);
      for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
      request.body = std::move(message.body());
      request.remote = remote_;
      request.received_at = std::chrono::steady_clock::now();

      http_response response;
      try {
        response = co_await server_->handler(request);
      } catch (...) {
        response = http_response::empty(500);
      }
      const bool keep_alive = message.keep_alive() && !server_->draining;
      beast::get_lowest_layer(stream_).expires_after(limits.write_timeout);
      const auto write_ec = co_await write_response(stream_, response, message.version(), keep_alive);
      if (write_ec || !keep_alive) co_return;
    }
  }

  // Answers what can still be answered (too large, malformed) and closes.
  awaitable<void> refuse_read(const boost::system::error_code& ec, bool started) {
    int status = 0;
    if (ec == http::error::header_limit) {
      status = 431;
      server_->refused(refusal::header_too_large, remote_);
    } else if (ec == http::error::body_limit) {
      status = 413;
      server_->refused(refusal::body_too_large, remote_);
    } else if (ec == beast::error::timeout) {
      if (started) server_->refused(refusal::timeout, remote_);
      co_return;  // a slow client gets no more of our time
    } else if (is_expected_close(ec) || ec == http::error::partial_message) {
      co_return;
    } else {
      status = 400;
      server_->refused(refusal::malformed, remote_);
    }
    beast::get_lowest_layer(stream_).expires_after(server_->limits.write_timeout);
    const auto refusal = http_response::empty(status);
    co_await write_response(stream_, refusal, 11, false);
  }

  std::shared_ptr<http_server::impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  bool idle_ = true;  // touched only on the session's strand
};

}  // namespace

awaitable<void> http_server::impl::refuse_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(limits.write_timeout);
  const auto busy = http_response::empty(503);
  co_await write_response(stream, busy, 11, false);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

awaitable<void> http_server::impl::accept_loop() {
  const auto self = shared_from_this();
  for (;;) {
    const asio::any_io_executor connection_executor =
        limits.single_threaded ? asio::any_io_executor(io.get_executor()) : asio::any_io_executor(asio::make_strand(io));
    auto [ec, socket] = co_await acceptor.async_accept(connection_executor, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    boost::system::error_code endpoint_ec;
    const auto peer = socket.remote_endpoint(endpoint_ec);
    std::string remote = endpoint_ec ? "unknown" : peer.address().to_string();
    if (draining) continue;
    if (connections.load() >= limits.max_connections) {
      refused(refusal::too_many_connections, remote);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, refuse_connection(std::move(socket)), asio::detached);
      continue;
    }
    ++connections;
    socket.set_option(tcp::no_delay(true), endpoint_ec);
    auto executor = socket.get_executor();
    if (tls) {
      auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
          self, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls), std::move(remote));
      asio::co_spawn(executor, s->run(), asio::detached);
    } else {
      auto s = std::make_shared<session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(socket)), std::move(remote));
      asio::co_spawn(executor, s->run(), asio::detached);
    }
  }
}

http_server::http_server(asio::io_context& io, server_limits limits, request_handler handler, const tls_files* tls,
                         refusal_observer on_refusal)
    : impl_(std::make_shared<impl>(io, limits, std::move(handler), std::move(on_refusal))) {
  if (tls) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    auto& ctx = *impl_->tls;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx.use_certificate_chain_file(tls->cert_file, ec);
    if (ec) throw std::runtime_error("cannot load TLS certificate " + tls->cert_file + ": " + ec.message());
    ctx.use_private_key_file(tls->key_file, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load TLS key " + tls->key_file + ": " + ec.message());
  }
}

http_server::~http_server() = default;

unsigned short http_server::listen(const std::string& host_port) {
  const auto parts = split_host_port(host_port);
  if (!parts) throw std::runtime_error("listen address must be host:port, got \"" + host_port + "\"");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(parts->first, ec);
  tcp::endpoint endpoint;
  if (ec) {
    tcp::resolver resolver(impl_->io);
    const auto results = resolver.resolve(parts->first, std::to_string(parts->second), ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve listen host \"" + parts->first + "\"");
    endpoint = *results.begin();
  } else {
    endpoint = tcp::endpoint(address, parts->second);
  }
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host_port + ": " + ec.message());
  const auto port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  return port;
}

void http_server::shutdown(std::function<void()> on_drained) {
  auto self = impl_;
  asio::post(self->acceptor.get_executor(), [self, on_drained = std::move(on_drained)]() mutable {
    self->draining = true;
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    self->for_each_session([](session_base& s) { s.close_if_idle(); });
    auto timer = std::make_shared<asio::steady_timer>(self->acceptor.get_executor());
    const auto deadline = std::chrono::steady_clock::now() + self->limits.drain_timeout;
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [self, timer, deadline, poll, on_drained = std::move(on_drained)]() mutable {
      if (self->connections.load() == 0) {
        // Resetting *poll destroys this very lambda and its captures: take what is needed first.
        auto done = std::move(on_drained);
        auto keep = poll;
        *keep = nullptr;  // break the self-reference
        if (done) done();
        return;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        self->for_each_session([](session_base& s) { s.close_now(); });
      } else {
        self->for_each_session([](session_base& s) { s.close_if_idle(); });
      }
      timer->expires_after(drain_poll_interval);
      timer->async_wait([poll](const boost::system::error_code&) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  });
}

std::size_t http_server::open_connections() const { return impl_->connections.load(); }

}  // namespace smrel::net
