#include "bot/net/http_client.hpp"

#include "bot/net/read_message.hpp"
#include "bot/net/response_parser.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <exception>
#include <map>
#include <mutex>
#include <variant>

namespace smrel::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// In a failed exchange's response: the connection closed before any byte of an answer arrived.
constexpr int unanswered_status = -1;
// A platform's answer head is a few hundred bytes; this is generous and still bounded.
constexpr std::size_t max_response_header_bytes = 64 * 1024;
// The read buffer holds only what the parser has not consumed yet (a header, a chunk-size line,
// the trailers), never the body, so it needs the header limit plus one read's worth.
constexpr std::size_t read_chunk_bytes = 64 * 1024;  // what http::async_read asks for per read
constexpr std::size_t max_read_buffer_bytes = max_response_header_bytes + read_chunk_bytes;

struct origin {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query
  std::string host_field;  // the Host header: RFC 9110 §7.2 wants the port unless it is the default
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::string host_field(const std::string& host, const std::string& port, bool tls) {
  const bool v6 = host.find(':') != std::string::npos;
  std::string field = v6 ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) field += ":" + port;
  return field;
}

std::optional<origin> parse_origin(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::nullopt;
  origin o;
  if (parsed->scheme() == "https") {
    o.tls = true;
  } else if (parsed->scheme() != "http") {
    return std::nullopt;
  }
  o.host = parsed->encoded_host().decode();
  if (o.host.empty()) return std::nullopt;
  if (o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = parsed->has_port() ? std::string(parsed->port()) : (o.tls ? "443" : "80");
  o.target = std::string(parsed->encoded_resource());
  if (o.target.empty() || o.target.front() != '/') o.target = "/" + o.target;
  o.host_field = host_field(o.host, o.port, o.tls);
  return o;
}

using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using connection = std::variant<std::unique_ptr<beast::tcp_stream>, std::unique_ptr<tls_stream>>;

beast::tcp_stream& lowest(connection& c) {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(*s); }, c);
}

}  // namespace

std::string_view client_response::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

struct http_client::impl {
  impl(asio::io_context& context, client_options o) : io(context), options(o), tls(asio::ssl::context::tls_client) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  }

  asio::io_context& io;
  client_options options;
  asio::ssl::context tls;
  std::mutex idle_mutex;
  std::map<std::string, std::vector<connection>> idle;

  std::optional<connection> take_idle(const std::string& key) {
    std::lock_guard lock(idle_mutex);
    auto it = idle.find(key);
    if (it == idle.end() || it->second.empty()) return std::nullopt;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }
  void give_back(const std::string& key, connection c) {
    std::lock_guard lock(idle_mutex);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }

  asio::awaitable<std::pair<boost::system::error_code, connection>> connect(const origin& o) {
    tcp::resolver resolver(io);
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(o.host, o.port, use_tuple);
    if (resolve_ec) co_return std::pair{resolve_ec, connection{}};
    auto stream = std::make_unique<beast::tcp_stream>(io);
    stream->expires_after(options.connect_timeout);
    auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, use_tuple);
    if (connect_ec) co_return std::pair{connect_ec, connection{}};
    boost::system::error_code ignored;  // a peer that resets at once must not throw here
    stream->socket().set_option(tcp::no_delay(true), ignored);
    if (!o.tls) co_return std::pair{boost::system::error_code{}, connection{std::move(stream)}};

    auto secure = std::make_unique<tls_stream>(std::move(*stream), tls);
    // SNI, and a certificate that must name the host we asked for.
    if (!SSL_set_tlsext_host_name(secure->native_handle(), o.host.c_str())) {
      co_return std::pair{boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                          connection{}};
    }
    secure->set_verify_callback(asio::ssl::host_name_verification(o.host));
    beast::get_lowest_layer(*secure).expires_after(options.connect_timeout);
    auto [handshake_ec] = co_await secure->async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (handshake_ec) co_return std::pair{handshake_ec, connection{}};
    co_return std::pair{boost::system::error_code{}, connection{std::move(secure)}};
  }

  asio::awaitable<std::pair<boost::system::error_code, client_response>> exchange(connection& c, const origin& o,
                                                                                 const client_request& request) {
    http::request<http::string_body> req{http::string_to_verb(request.method), o.target, 11};
    req.set(http::field::host, o.host_field);
    req.set(http::field::user_agent, "smrel/0.1");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();
    lowest(c).expires_after(options.request_timeout);
    beast::flat_buffer buffer(max_read_buffer_bytes);
    client_response response;
    response_parser parser(response, max_response_header_bytes, options.max_response_bytes);
    if (req.method() == http::verb::head) parser.skip(true);
    const auto result = co_await std::visit(
        [&](auto& stream) -> asio::awaitable<boost::system::error_code> {
          auto [write_ec, written] = co_await http::async_write(*stream, req, use_tuple);
          if (write_ec) co_return write_ec;
          // Nothing on this path should throw any more; if something still does, the caller
          // gets an error, not an exception out of io_context::run().
          try {
            co_return co_await read_message(*stream, buffer, parser, false, read_chunk_bytes);
          } catch (const std::exception&) {
            co_return boost::system::error_code(http::error::bad_value);
          }
        },
        c);
    if (result) {
      // Closed before a single byte of an answer came back: the mark of a kept-alive connection
      // the server had already dropped, the one failure worth sending again. (A server that took
      // the request and then reset without answering would get it twice: at-least-once, as the
      // outbox is anyway after a crash.)
      const bool closed_unanswered = !parser.got_some() && buffer.size() == 0 &&
                                     (result == http::error::end_of_stream || result == asio::error::eof ||
                                      result == asio::error::connection_reset || result == asio::error::broken_pipe);
      client_response failed;
      failed.status = closed_unanswered ? unanswered_status : 0;
      co_return std::pair{result, std::move(failed)};
    }
    if (!parser.keep_alive()) response.headers.emplace_back("x-smrel-close", "1");
    co_return std::pair{boost::system::error_code{}, std::move(response)};
  }
};

http_client::http_client(asio::io_context& io, client_options options)
    : impl_(std::make_shared<impl>(io, options)) {}

http_client::~http_client() = default;

asio::awaitable<std::pair<boost::system::error_code, client_response>> http_client::send(client_request request) {
  const auto self = impl_;
  const auto o = parse_origin(request.url);
  if (!o) co_return std::pair{boost::system::error_code(asio::error::invalid_argument), client_response{}};
  const auto key = o->key();

  // A reused connection may have been closed by the server while idle; then, and only then, the
  // request is sent once more on a fresh one. After a timeout or a partial answer the server may
  // have acted on it, and sending it again could post the same message twice.
  if (auto reused = self->take_idle(key)) {
    auto [ec, response] = co_await self->exchange(*reused, *o, request);
    if (!ec) {
      if (response.header("x-smrel-close").empty()) self->give_back(key, std::move(*reused));
      co_return std::pair{ec, std::move(response)};
    }
    if (response.status != unanswered_status) co_return std::pair{ec, client_response{}};
  }
  auto [connect_ec, fresh] = co_await self->connect(*o);
  if (connect_ec) co_return std::pair{connect_ec, client_response{}};
  auto [ec, response] = co_await self->exchange(fresh, *o, request);
  if (!ec && response.header("x-smrel-close").empty()) self->give_back(key, std::move(fresh));
  co_return std::pair{ec, std::move(response)};
}

}  // namespace smrel::net
