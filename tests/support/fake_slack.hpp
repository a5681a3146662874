#pragma once
// A fake Slack Web API and response_url endpoint on 127.0.0.1: records every call and answers
// from a script (429 with Retry-After, 500, ok:false …), falling back to {"ok":true}.
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/net/http_server.hpp"

namespace smrel::testing {

class fake_slack {
 public:
  struct call {
    std::string path;
    std::string authorization;
    std::string body;
  };
  struct scripted {
    int status = 200;
    std::string body = R"({"ok":true})";
    std::string retry_after;
  };

  fake_slack() : work_(boost::asio::make_work_guard(io_)) {
    server_.emplace(io_, net::server_limits{}, [this](net::http_request& r) -> boost::asio::awaitable<net::http_response> {
      co_return answer(r);
    });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_slack() {
    server_->shutdown([this] { work_.reset(); });
    thread_.join();
  }

  unsigned short port() const { return port_; }
  std::string api_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api"; }
  std::string response_url(const std::string& id = "1") const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/actions/T1/" + id;
  }

  /// The next calls to `path` get these answers, in order.
  void script(const std::string& path, std::vector<scripted> answers) {
    std::lock_guard lock(mutex_);
    for (auto& a : answers) scripts_[path].push_back(std::move(a));
  }

  /// Unscripted calls to `path` are answered by `responder`, which sees the call.
  void respond_with(const std::string& path, std::function<scripted(const call&)> responder) {
    std::lock_guard lock(mutex_);
    responders_[path] = std::move(responder);
  }

  /// What every unscripted call gets from now on (default: 200 {"ok":true}, or "ok" on /actions/).
  void set_default(std::optional<scripted> answer) {
    std::lock_guard lock(mutex_);
    default_ = std::move(answer);
  }

  std::vector<call> calls(const std::string& path_prefix = "") const {
    std::lock_guard lock(mutex_);
    std::vector<call> out;
    for (const auto& c : calls_) {
      if (c.path.starts_with(path_prefix)) out.push_back(c);
    }
    return out;
  }

  /// Waits until `count` calls to paths starting with `prefix` were answered 2xx, or times out.
  bool wait_for(const std::string& prefix, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      std::size_t n = 0;
      for (const auto& [path, status] : answered_) n += path.starts_with(prefix) && status < 300;
      return n >= count;
    });
  }

  /// Waits until `count` calls to paths starting with `prefix` arrived, whatever their answer.
  bool wait_for_calls(const std::string& prefix, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return static_cast<std::size_t>(std::count_if(answered_.begin(), answered_.end(),
                                                    [&](const auto& a) { return a.first.starts_with(prefix); })) >= count;
    });
  }

 private:
  net::http_response answer(const net::http_request& r) {
    std::lock_guard lock(mutex_);
    const std::string path(r.path());
    calls_.push_back({path, std::string(r.header("authorization")), r.body});
    scripted reply;
    if (auto it = scripts_.find(path); it != scripts_.end() && !it->second.empty()) {
      reply = std::move(it->second.front());
      it->second.pop_front();
    } else if (auto responder = responders_.find(path); responder != responders_.end()) {
      reply = responder->second(calls_.back());
    } else if (default_) {
      reply = *default_;
    } else if (path.starts_with("/actions/")) {
      reply.body = "ok";
    }
    answered_.emplace_back(path, reply.status);
    changed_.notify_all();
    auto res = net::http_response::json(reply.body, reply.status);
    if (!reply.retry_after.empty()) res.headers.emplace_back("Retry-After", reply.retry_after);
    return res;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<net::http_server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<call> calls_;
  std::vector<std::pair<std::string, int>> answered_;

 public:
  /// Paths of the calls answered 2xx, in order.
  std::vector<std::string> delivered(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [path, status] : answered_) {
      if (path.starts_with(prefix) && status < 300) out.push_back(path);
    }
    return out;
  }

 private:
  std::map<std::string, std::deque<scripted>> scripts_;
  std::optional<scripted> default_;
  std::map<std::string, std::function<scripted(const call&)>> responders_;
};

}  // namespace smrel::testing
