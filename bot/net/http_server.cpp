#include "bot/net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <optional>
#include <stdexcept>

#include "bot/net/connection_table.hpp"
#include "bot/net/fd_limit.hpp"
#include "bot/net/read_message.hpp"
#include "bot/net/request_parser.hpp"

namespace smrel::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto drain_poll_interval = std::chrono::milliseconds{20};
constexpr std::string_view server_name = "smrel";
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
// Beast reads at most this much at a time. The read buffer only ever holds bytes the parser has
// not consumed (a header, a chunk-size line, trailers, pipelined requests), never a body, so the
// header limit plus one read bounds it.
constexpr std::size_t read_size = 64 * 1024;
// After a refusal, what the client is still sending is read and dropped for a moment, so that
// closing does not reset the connection and destroy the answer before the client reads it.
constexpr auto linger_timeout = std::chrono::milliseconds{1'000};
constexpr std::size_t linger_max_bytes = 1024 * 1024;
// When accept() runs out of descriptors or memory, waiting is the only thing that helps.
constexpr auto accept_pause_min = std::chrono::milliseconds{50};
constexpr auto accept_pause_max = std::chrono::milliseconds{1'000};

// Errors that mean "the peer went away or we are shutting down", not a fault worth a log line.
bool is_expected_close(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == beast::error::timeout ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::bad_descriptor;
}

bool is_out_of_resources(const error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// How a failed read is answered: a status (0: none, just close) and what to count it as.
struct read_refusal {
  int status = 0;
  std::optional<refusal> why;
};

read_refusal classify(const error_code& ec, parse_problem problem, bool header_done, bool started) {
  switch (problem) {
    case parse_problem::header_too_large: return {431, refusal::header_too_large};
    case parse_problem::body_too_large: return {413, refusal::body_too_large};
    case parse_problem::bad_framing: return {400, refusal::bad_framing};
    case parse_problem::none: break;
  }
  if (ec == http::error::header_limit) return {431, refusal::header_too_large};
  if (ec == http::error::body_limit) return {413, refusal::body_too_large};
  if (ec == http::error::buffer_overflow) {
    return header_done ? read_refusal{413, refusal::body_too_large} : read_refusal{431, refusal::header_too_large};
  }
  if (ec == beast::error::timeout) return {0, started ? std::optional{refusal::timeout} : std::nullopt};
  if (is_expected_close(ec) || ec == http::error::partial_message) return {};
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length ||
      ec == http::error::bad_transfer_encoding) {
    return {400, refusal::bad_framing};
  }
  return {400, refusal::malformed};
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

// Nothing may escape a connection's or the acceptor's coroutine into io_context::run(): that
// would end the process. Each coroutine catches what it can; this is the last line.
void swallow(const std::exception_ptr&) {}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& context, server_limits l, request_handler h, refusal_observer r, request_screen s)
      : io(context),
        limits(l),
        handler(std::move(h)),
        on_refusal(std::move(r)),
        screen(std::move(s)),
        acceptor(asio::make_strand(context)),
        cap(l.max_connections) {}

  asio::io_context& io;
  const server_limits limits;
  const request_handler handler;
  const refusal_observer on_refusal;
  const request_screen screen;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> cap;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> accept_failures{0};
  std::atomic<bool> draining{false};
  connection_table table;

  void refused(refusal why, const std::string& remote) const {
    if (on_refusal) on_refusal(why, remote);
  }

  std::size_t read_buffer_limit() const { return limits.max_header_bytes + read_size; }

  // Idle keep-alive connections are cheap to reopen but scarce under pressure.
  std::chrono::milliseconds idle_timeout() const {
    if (connections.load(std::memory_order_relaxed) * 4 > cap.load(std::memory_order_relaxed) * 3) {
      return std::min(limits.idle_timeout, limits.pressure_idle_timeout);
    }
    return limits.idle_timeout;
  }

  // A request head, which a real client sends in one packet. Under pressure trickling heads get
  // no longer than idle connections do, or a few hundred slow clients a second keep every slot
  // (at the cap only idle connections can be evicted, not ones mid-head).
  std::chrono::milliseconds head_timeout() const {
    if (connections.load(std::memory_order_relaxed) * 4 > cap.load(std::memory_order_relaxed) * 3) {
      return std::min(limits.read_timeout, limits.pressure_idle_timeout);
    }
    return limits.read_timeout;
  }

  // Closes the connection idle the longest to make room; false when none is idle.
  bool evict_one() {
    const auto victim = table.claim_longest_idle();
    if (!victim) return false;
    refused(refusal::evicted_idle, victim->remote());
    victim->close_now();
    return true;
  }

  awaitable<void> accept_loop();
  void admit(tcp::socket socket, std::string remote);
  awaitable<void> refuse_connection(tcp::socket socket);
};

namespace {

template <class Stream>
class session final : public tracked_connection, public std::enable_shared_from_this<session<Stream>> {
 public:
  session(std::shared_ptr<http_server::impl> server, Stream stream, std::string remote)
      : tracked_connection(std::move(remote)),
        server_(std::move(server)),
        stream_(std::move(stream)),
        buffer_(server_->read_buffer_limit()) {}

  void close_if_idle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->between_requests_) self->close_socket();
    });
  }
  void close_now() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_socket(); });
  }

  awaitable<void> run() {
    const auto self = this->shared_from_this();
    const auto id = server_->table.add(self);
    try {
      co_await serve();
    } catch (...) {
      // Nothing on the request path is meant to throw; if something does, only this connection ends.
    }
    close_socket();
    server_->table.remove(id);
    --server_->connections;
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void close_socket() {
    error_code ignored;
    lowest().socket().close(ignored);
  }

  awaitable<void> serve() {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      lowest().expires_after(server_->limits.read_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, use_tuple);
      if (ec) {
        server_->refused(refusal::malformed, remote());
        co_return;
      }
    }
    const bool refused = co_await serve_requests();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (refused) co_await linger();
    } else {
      lowest().expires_after(server_->limits.write_timeout);
      co_await stream_.async_shutdown(use_tuple);
    }
  }

  // Returns true when it ended by refusing a request (the client may still be sending).
  awaitable<bool> serve_requests() {
    const auto& limits = server_->limits;
    const parse_limits parse{limits.max_header_bytes, limits.max_body_bytes};
    // A new connection must send its first request head promptly; see wait_for_next_request.
    lowest().expires_after(server_->head_timeout());
    for (bool first = true;; first = false) {
      between_requests_ = true;
      if (server_->draining) co_return false;
      if (!first) {
        if (buffer_.size() == 0 && !co_await wait_for_next_request()) co_return false;
        lowest().expires_after(server_->head_timeout());  // for the whole head, not per byte
      }
      http_request request;
      request.headers.reserve(16);
      request_parser parser(request, head_text_, parse);
      const bool started = !first || buffer_.size() > 0;
      auto ec = co_await read(parser, true);
      if (ec || parser.problem() != parse_problem::none) {
        co_return co_await refuse(classify(ec, parser.problem(), false, started || parser.got_some()));
      }
      between_requests_ = false;
      request.remote = remote();  // the screen may judge by the peer too
      if (server_->screen) {
        std::optional<int> status;
        try {
          status = server_->screen(request);
        } catch (...) {
          status = 500;
        }
        if (status) {
          server_->refused(refusal::screened, remote());
          co_return co_await answer_and_close(*status);
        }
      }
      if (!parser.is_done()) {
        // The declared length (if any) is already known to fit, or the head read failed with 413.
        if (parser.expects_continue() && parser.version() >= 11) {
          lowest().expires_after(limits.write_timeout);
          auto [write_ec, written] = co_await asio::async_write(stream_, asio::buffer(continue_line), use_tuple);
          if (write_ec) co_return false;
        }
        lowest().expires_after(limits.read_timeout);
        ec = co_await read(parser, false);
        if (ec || parser.problem() != parse_problem::none) {
          co_return co_await refuse(classify(ec, parser.problem(), true, true));
        }
      }

      request.received_at = std::chrono::steady_clock::now();
      http_response response;
      try {
        response = co_await server_->handler(request);
      } catch (...) {
        response = http_response::empty(500);
      }
      const bool keep_alive = parser.keep_alive() && !server_->draining;
      lowest().expires_after(limits.write_timeout);
      const auto write_ec = co_await write_response(stream_, response, parser.version(), keep_alive);
      if (write_ec || !keep_alive) co_return false;
    }
  }

  // Between requests: the connection is idle (and may be evicted) until a byte of the next
  // request arrives; from then on the head has read_timeout, not idle_timeout.
  awaitable<bool> wait_for_next_request() {
    mark_idle(std::chrono::steady_clock::now());
    lowest().expires_after(server_->idle_timeout());
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, read_size)), use_tuple);
    if (!ec) buffer_.commit(n);
    if (!mark_busy()) co_return false;  // evicted: close_now is on its way
    co_return !ec;
  }

  // A parse that throws anyway (it should not) reads as malformed input, not a dead process.
  awaitable<error_code> read(request_parser& parser, bool head_only) {
    try {
      co_return co_await read_message(stream_, buffer_, parser, head_only, read_size);
    } catch (const std::exception&) {
      co_return error_code(http::error::bad_value);
    }
  }

  // Answers what can still be answered (too large, malformed) and closes.
  awaitable<bool> refuse(read_refusal r) {
    if (r.why) server_->refused(*r.why, remote());
    if (r.status == 0) co_return false;  // a slow or vanished client gets no more of our time
    co_return co_await answer_and_close(r.status);
  }

  awaitable<bool> answer_and_close(int status) {
    lowest().expires_after(server_->limits.write_timeout);
    const auto answer = http_response::empty(status);
    co_await write_response(stream_, answer, 11, false);
    co_return true;
  }

  // Reads and drops what a refused client is still sending, briefly and up to a bound.
  awaitable<void> linger() {
    lowest().expires_after(linger_timeout);
    buffer_.clear();
    for (std::size_t dropped = 0; dropped < linger_max_bytes;) {
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, read_size)), use_tuple);
      if (ec) co_return;
      dropped += n;
    }
  }

  std::shared_ptr<http_server::impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string head_text_;  // the current request's method, target and fields; capacity reused
  // Until a request's head is complete, shutdown may close the connection: nothing is lost.
  // Touched only on the connection's executor.
  bool between_requests_ = true;
};

}  // namespace

awaitable<void> http_server::impl::refuse_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(limits.write_timeout);
  const auto busy = http_response::empty(503);
  co_await write_response(stream, busy, 11, false);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void http_server::impl::admit(tcp::socket socket, std::string remote) {
  ++connections;
  try {
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    if (tls) {
      using tls_stream = beast::ssl_stream<beast::tcp_stream>;
      auto s = std::make_shared<session<tls_stream>>(shared_from_this(),
                                                     tls_stream(beast::tcp_stream(std::move(socket)), *tls),
                                                     std::move(remote));
      // The lambda holds the session until its coroutine ends: run() takes its own reference
      // only once it starts, which need not be before `s` goes out of scope.
      asio::co_spawn(executor, [s] { return s->run(); }, swallow);
    } else {
      auto s = std::make_shared<session<beast::tcp_stream>>(shared_from_this(), beast::tcp_stream(std::move(socket)),
                                                            std::move(remote));
      asio::co_spawn(executor, [s] { return s->run(); }, swallow);
    }
  } catch (const std::exception&) {
    --connections;  // e.g. out of memory: the socket closes, the server goes on
  }
}

awaitable<void> http_server::impl::accept_loop() {
  const auto self = shared_from_this();
  asio::steady_timer pause_timer(acceptor.get_executor());
  auto pause = accept_pause_min;
  for (;;) {
    const asio::any_io_executor connection_executor =
        limits.single_threaded ? asio::any_io_executor(io.get_executor()) : asio::any_io_executor(asio::make_strand(io));
    auto [ec, socket] = co_await acceptor.async_accept(connection_executor, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      ++accept_failures;
      if (is_out_of_resources(ec)) {
        // Retrying at once would fail the same way and spin; an idle connection's descriptor
        // is the one thing we can free.
        refused(refusal::out_of_descriptors, "");
        evict_one();
        pause_timer.expires_after(pause);
        co_await pause_timer.async_wait(use_tuple);
        pause = std::min(pause * 2, accept_pause_max);
      }
      continue;
    }
    pause = accept_pause_min;
    if (draining) continue;
    error_code endpoint_ec;
    const auto peer = socket.remote_endpoint(endpoint_ec);
    std::string remote = endpoint_ec ? "unknown" : peer.address().to_string();
    if (connections.load() >= cap.load() && !evict_one()) {
      refused(refusal::too_many_connections, remote);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, refuse_connection(std::move(socket)), swallow);
      continue;
    }
    admit(std::move(socket), std::move(remote));
  }
}

http_server::http_server(asio::io_context& io, server_limits limits, request_handler handler, const tls_files* tls,
                         refusal_observer on_refusal, request_screen screen)
    : impl_(std::make_shared<impl>(io, limits, std::move(handler), std::move(on_refusal), std::move(screen))) {
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
  impl_->cap = clamp_connections(impl_->limits.max_connections, raise_fd_limit(), impl_->limits.reserved_fds);
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), swallow);
  return port;
}

void http_server::shutdown(std::function<void()> on_drained) {
  auto self = impl_;
  asio::post(self->acceptor.get_executor(), [self, on_drained = std::move(on_drained)]() mutable {
    self->draining = true;
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    for (const auto& c : self->table.snapshot()) c->close_if_idle();
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
        for (const auto& c : self->table.snapshot()) c->close_now();
      } else {
        for (const auto& c : self->table.snapshot()) c->close_if_idle();
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

std::size_t http_server::connection_cap() const { return impl_->cap.load(); }

std::size_t http_server::accept_failures() const { return impl_->accept_failures.load(); }

}  // namespace smrel::net
