#pragma once
// A fake OpenID metadata, JWKS and OAuth token endpoint on 127.0.0.1, for the Teams key and
// token caches: each path answers what the test set, counts its calls, and can be held shut so a
// test can line up concurrent callers behind one request in flight.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bot/net/http_server.hpp"

namespace smrel::testing {

class fake_openid {
 public:
  struct answer {
    int status = 200;
    std::string body;
  };

  fake_openid() : work_(boost::asio::make_work_guard(io_)) {
    server_.emplace(io_, net::server_limits{},
                    [this](net::http_request& r) -> boost::asio::awaitable<net::http_response> { co_return respond(r); });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
    set("/openid", {200, R"({"issuer":"https://api.botframework.com","jwks_uri":")" + url("/keys") + R"("})"});
  }
  ~fake_openid() {
    open_all();
    server_->shutdown([this] { work_.reset(); });
    thread_.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void set(const std::string& path, answer a) {
    std::lock_guard lock(mutex_);
    answers_[path] = std::move(a);
  }

  std::size_t calls(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(path);
    return it == calls_.end() ? 0 : it->second;
  }

  /// The last request body sent to `path`.
  std::string last_body(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto it = bodies_.find(path);
    return it == bodies_.end() ? std::string() : it->second;
  }

  /// Requests to `path` wait (counted as arrived) until open() is called.
  void hold(const std::string& path) {
    std::lock_guard lock(mutex_);
    held_[path] = true;
  }
  void open(const std::string& path) {
    std::lock_guard lock(mutex_);
    held_[path] = false;
    changed_.notify_all();
  }

  /// Waits until `count` calls to `path` arrived, or times out.
  bool wait_for_calls(const std::string& path, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return calls_[path] >= count; });
  }

 private:
  void open_all() {
    std::lock_guard lock(mutex_);
    held_.clear();
    changed_.notify_all();
  }

  // Runs on the fake's only io thread; holding a path blocks that thread, which is fine here.
  net::http_response respond(const net::http_request& r) {
    std::unique_lock lock(mutex_);
    const std::string path(r.path());
    ++calls_[path];
    bodies_[path] = r.body;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_[path]; });
    const auto it = answers_.find(path);
    if (it == answers_.end()) return net::http_response::json(R"({"error":"not found"})", 404);
    return net::http_response::json(it->second.body, it->second.status);
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<net::http_server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, answer> answers_;
  std::map<std::string, std::size_t> calls_;
  std::map<std::string, std::string> bodies_;
  std::map<std::string, bool> held_;
};

}  // namespace smrel::testing
