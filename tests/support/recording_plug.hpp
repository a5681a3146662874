#pragma once
// A channel plug with no network behind it: it records what the outbox asks of it and answers
// from a script (default: sent), so the core's scheduling and delivery rules can be driven on a
// manual clock. Thread-safe; `wait_for_sends` waits for an event rather than sleeping.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "bot/service/channel_plug.hpp"

namespace smrel::testing {

class recording_plug final : public service::channel_plug {
 public:
  struct sent {
    service::send_action action;
    std::string address;
    domain::message message;
    std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
  };

  explicit recording_plug(domain::platform on = domain::platform::slack) : on_(on) {}

  domain::platform platform() const override { return on_; }
  std::optional<std::string> cannot_send() const override {
    std::lock_guard lock(mutex_);
    return cannot_send_;
  }
  const domain::command_phrasing& phrasing() const override { return phrasing_; }
  std::vector<service::route> routes() override { return {}; }
  /// Addresses starting with "paced:" share a bucket of 100 sends a second, one at a time.
  void set_rate_rules(service::rate_limiter& limiter) const override {
    limiter.set_rule("test:", {1000.0, 1000.0});
    limiter.set_rule("test:paced", {100.0, 1.0});
  }
  service::send_buckets buckets(service::send_action, std::string_view address) const override {
    service::send_buckets out;
    out.take.push_back(address.starts_with("paced:") ? "test:paced" : "test:all");
    return out;
  }
  boost::asio::awaitable<domain::delivery_outcome> send(service::send_action action, std::string address,
                                                        domain::message message) override {
    co_return record(action, std::move(address), std::move(message));
  }
  boost::asio::awaitable<domain::delivery_outcome> open_direct(domain::member_key who) override {
    auto outcome = record(service::send_action::open_direct, who.user, {});
    if (outcome.verdict == domain::delivery_verdict::sent) outcome.landed.conversation = {on_, "D-" + who.user};
    co_return outcome;
  }
  /// A message it landed is updated at "<conversation> <id>".
  std::optional<std::string> update_address(const domain::message_ref& message) const override {
    if (message.conversation.address.empty()) return std::nullopt;
    return message.conversation.address + " " + message.id;
  }
  std::optional<storage::outbox_message> modernise(const storage::outbox_message&) const override { return std::nullopt; }
  service::send_buckets verbatim_buckets(const storage::outbox_message& m) const override { return buckets({}, m.address); }
  boost::asio::awaitable<domain::delivery_outcome> send_verbatim(storage::outbox_message m) override {
    co_return record(service::send_action::post, m.address, {});
  }

  void set_cannot_send(std::optional<std::string> why) {
    std::lock_guard lock(mutex_);
    cannot_send_ = std::move(why);
  }
  /// The next sends get these outcomes, in order; then `sent`.
  void script(std::vector<domain::delivery_outcome> outcomes) {
    std::lock_guard lock(mutex_);
    for (auto& o : outcomes) script_.push_back(std::move(o));
  }
  std::vector<sent> sends() const {
    std::lock_guard lock(mutex_);
    return sends_;
  }
  bool wait_for_sends(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return sends_.size() >= count; });
  }

 private:
  struct words_only final : domain::command_phrasing {
    std::string command(std::string_view words) const override { return std::string(words); }
  };

  domain::delivery_outcome record(service::send_action action, std::string address, domain::message message) {
    std::lock_guard lock(mutex_);
    sends_.push_back({action, std::move(address), std::move(message)});
    domain::delivery_outcome outcome;
    outcome.verdict = domain::delivery_verdict::sent;
    if (!script_.empty()) {
      outcome = std::move(script_.front());
      script_.pop_front();
    }
    if (outcome.verdict == domain::delivery_verdict::sent && outcome.landed.conversation.empty() &&
        action == service::send_action::post) {
      outcome.landed = {{on_, sends_.back().address}, "m" + std::to_string(sends_.size())};
    }
    changed_.notify_all();
    return outcome;
  }

  domain::platform on_;
  words_only phrasing_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::string> cannot_send_;
  std::deque<domain::delivery_outcome> script_;
  std::vector<sent> sends_;
};

}  // namespace smrel::testing
