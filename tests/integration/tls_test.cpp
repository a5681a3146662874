// smrel serving HTTPS with its own certificate, and the client refusing a certificate it cannot
// verify. The certificate is made for the test with the openssl command.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "bot/net/http_client.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

TEST(tls, serves_https_with_the_configured_certificate) {
  testing::temp_dir dir;
  const auto cert = dir.file("cert.pem");
  const auto key = dir.file("key.pem");
  const auto made = testing::run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " +
                                         key + " -out " + cert);
  ASSERT_EQ(made.exit_code, 0) << made.err;

  config::settings settings;
  settings.database = "sqlite:" + dir.file("smrel.db");
  settings.pseudonym_key = std::string(40, 'k');
  settings.http.listen = "127.0.0.1:0";
  settings.http.tls_cert_file = cert;
  settings.http.tls_key_file = key;
  settings.log_level = "warn";
  const domain::system_clock clock;
  service::server_app app(settings, clock);
  const auto port = app.start();

  // A client that trusts exactly this certificate gets an answer over TLS.
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port});
  stream.handshake(asio::ssl::stream_base::client);
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/healthz", 11};
  req.set(beast::http::field::host, "localhost");
  beast::http::write(stream, req);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200U);
  EXPECT_EQ(res.body(), "ok\n");

  // Our outbound client verifies certificates: a self-signed one is refused.
  net::http_client client(io);
  auto future = asio::co_spawn(io, client.send({"GET", "https://127.0.0.1:" + std::to_string(port) + "/healthz", {}, {}}),
                               asio::use_future);
  io.restart();
  io.run();
  const auto [ec, response] = future.get();
  EXPECT_TRUE(ec);
  EXPECT_EQ(response.status, 0);
  app.request_stop();
  app.wait();
}

}  // namespace
}  // namespace smrel
