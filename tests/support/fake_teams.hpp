#pragma once
// One loopback server playing all of Microsoft's side of a Teams bot: the OpenID metadata and
// JWKS (/openid, /keys), the token endpoint (/token) and the Bot Connector (/v3/conversations…).
// Records every call, answers from a script (429 with Retry-After, 412, 503, 403 …) and otherwise
// the way Teams does; tests wait for calls instead of sleeping.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bot/net/http_server.hpp"
#include "tests/support/teams_tokens.hpp"

namespace smrel::testing {

inline std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (in[i] == '+') {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return out;
}

/// name → value of an application/x-www-form-urlencoded body.
inline std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return out;
}

class fake_teams {
 public:
  struct call {
    std::string method;
    std::string path;      // percent-decoded, without the query
    std::string raw_path;  // as sent
    std::string authorization;
    std::string body;
    nlohmann::json json;  // the body parsed, or null
    int answered = 0;     // the status the fake answered with
  };
  struct scripted {
    int status = 200;
    std::string body = "{}";
    std::string retry_after;
  };
  using predicate = std::function<bool(const call&)>;

  fake_teams() : work_(boost::asio::make_work_guard(io_)) {
    jwks_ = nlohmann::json{{"keys", {token_minter::instance().main().jwk()}}};
    server_.emplace(io_, net::server_limits{}, [this](net::http_request& r) -> boost::asio::awaitable<net::http_response> {
      co_return answer(r);
    });
    port_ = server_->listen("127.0.0.1:0");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~fake_teams() {
    server_->shutdown([this] { work_.reset(); });
    thread_.join();
  }

  unsigned short port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string service_url() const { return "http://" + host() + "/"; }
  std::string openid_url() const { return "http://" + host() + "/openid"; }
  std::string token_url() const { return "http://" + host() + "/token"; }

  /// The client credentials the token endpoint accepts.
  void expect_credentials(std::string client_id, std::string client_secret) {
    std::lock_guard lock(mutex_);
    client_id_ = std::move(client_id);
    client_secret_ = std::move(client_secret);
  }
  /// The JWKS served from now on (default: the minter's main key endorsed for "msteams").
  void set_jwks(nlohmann::json jwks) {
    std::lock_guard lock(mutex_);
    jwks_ = std::move(jwks);
  }
  void set_endorsements(const std::optional<std::vector<std::string>>& endorsements) {
    set_jwks(nlohmann::json{{"keys", {token_minter::instance().main().jwk(endorsements)}}});
  }

  /// The next token requests get these answers, in order (then tokens again).
  void script_token(std::vector<scripted> answers) {
    std::lock_guard lock(mutex_);
    for (auto& a : answers) token_script_.push_back(std::move(a));
  }
  /// The next connector calls with this method whose decoded path starts with `prefix` get these
  /// answers, in order. Prefix "/v3/" scripts the next calls whatever their path.
  void script(const std::string& method, const std::string& prefix, std::vector<scripted> answers) {
    std::lock_guard lock(mutex_);
    auto& queue = scripts_[{method, prefix}];
    for (auto& a : answers) queue.push_back(std::move(a));
  }

  std::size_t openid_fetches() const { return openid_fetches_; }
  std::size_t jwks_fetches() const { return jwks_fetches_; }
  std::size_t token_requests() const { return token_requests_; }
  /// Tokens handed out, in order ("teams-token-1", …).
  std::string last_token() const {
    std::lock_guard lock(mutex_);
    return last_token_;
  }

  /// Every call to the Bot Connector (/v3/…), in order.
  std::vector<call> connector_calls(const predicate& which = {}) const {
    std::lock_guard lock(mutex_);
    std::vector<call> out;
    for (const auto& c : calls_) {
      if (c.path.starts_with("/v3/") && (!which || which(c))) out.push_back(c);
    }
    return out;
  }
  /// The 1:1 conversation id this fake created for a member ("29:…"), if it did.
  std::optional<std::string> created_conversation(const std::string& member) const {
    std::lock_guard lock(mutex_);
    if (!personal_.contains(member)) return std::nullopt;
    return personal_chat_id(member);
  }
  /// The id this fake gives the 1:1 chat with a member: "a:dm-user-3" for "29:user-3", the same
  /// every time, as Teams does.
  static std::string personal_chat_id(const std::string& member) {
    return "a:dm-" + (member.starts_with("29:") ? member.substr(3) : member);
  }
  /// Every call of any kind (metadata, keys, token, connector), in order.
  std::vector<call> all_calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  /// Waits until `count` connector calls matching `which` arrived (answered 2xx when `delivered`).
  bool wait_for(const predicate& which, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10},
                bool delivered = true) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      std::size_t n = 0;
      for (const auto& c : calls_) {
        n += c.path.starts_with("/v3/") && which(c) && (!delivered || (c.answered >= 200 && c.answered < 300));
      }
      return n >= count;
    });
  }
  bool wait_for_calls(const predicate& which, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    return wait_for(which, count, timeout, false);
  }

  /// Matches calls by method and exact decoded path, or by path prefix.
  static predicate to(std::string method, std::string path) {
    return [method = std::move(method), path = std::move(path)](const call& c) { return c.method == method && c.path == path; };
  }
  static predicate under(std::string method, std::string prefix) {
    return [method = std::move(method), prefix = std::move(prefix)](const call& c) {
      return c.method == method && c.path.starts_with(prefix);
    };
  }

 private:
  net::http_response answer(const net::http_request& r) {
    std::lock_guard lock(mutex_);
    call c{std::string(r.method), percent_decode(r.path()), std::string(r.path()), std::string(r.header("authorization")),
           r.body, nlohmann::json::parse(r.body, nullptr, false), 0};
    if (c.json.is_discarded()) c.json = nullptr;
    scripted reply = route(c);
    c.answered = reply.status;
    calls_.push_back(std::move(c));
    changed_.notify_all();
    auto res = net::http_response::json(reply.body, reply.status);
    if (!reply.retry_after.empty()) res.headers.emplace_back("Retry-After", reply.retry_after);
    return res;
  }

  scripted route(const call& c) {
    if (c.path == "/openid") {
      ++openid_fetches_;
      const nlohmann::json metadata{{"issuer", "https://api.botframework.com"},
                                    {"jwks_uri", "http://" + host() + "/keys"},
                                    {"id_token_signing_alg_values_supported", {"RS256"}}};
      return {200, metadata.dump(), ""};
    }
    if (c.path == "/keys") {
      ++jwks_fetches_;
      return {200, jwks_.dump(), ""};
    }
    if (c.path == "/token") return token(c);
    if (!c.path.starts_with("/v3/conversations")) return {404, "{}", ""};
    for (auto& [key, queue] : scripts_) {
      if (key.first == c.method && c.path.starts_with(key.second) && !queue.empty()) {
        auto reply = std::move(queue.front());
        queue.pop_front();
        return reply;
      }
    }
    return connector(c);
  }

  scripted token(const call& c) {
    ++token_requests_;
    if (!token_script_.empty()) {
      auto reply = std::move(token_script_.front());
      token_script_.pop_front();
      return reply;
    }
    const auto form = parse_form(c.body);
    const auto field = [&](const char* name) {
      const auto it = form.find(name);
      return it == form.end() ? std::string() : it->second;
    };
    if (c.method != "POST" || field("grant_type") != "client_credentials" || field("client_id") != client_id_ ||
        field("client_secret") != client_secret_ || field("scope") != "https://api.botframework.com/.default") {
      return {400, R"({"error":"invalid_client"})", ""};
    }
    last_token_ = "teams-token-" + std::to_string(++tokens_issued_);
    return {200, nlohmann::json{{"token_type", "Bearer"}, {"expires_in", 3600}, {"ext_expires_in", 3600}, {"access_token", last_token_}}.dump(),
            ""};
  }

  // Teams' own answers: a 1:1 conversation per member (the same id each time), new activity ids.
  scripted connector(const call& c) {
    if (c.method == "POST" && c.path == "/v3/conversations") {
      std::string member;
      if (c.json.is_object() && c.json.contains("members") && c.json["members"].is_array() && !c.json["members"].empty()) {
        member = c.json["members"][0].value("id", "");
      }
      personal_.insert(member);
      return {201, nlohmann::json{{"id", personal_chat_id(member)}}.dump(), ""};
    }
    const auto activities = c.path.find("/activities");
    if (activities == std::string::npos) return {404, R"({"error":{"code":"NotFound","message":"no such route"}})", ""};
    if (c.method == "PUT") {
      return {200, nlohmann::json{{"id", c.path.substr(c.path.rfind('/') + 1)}}.dump(), ""};
    }
    if (c.method == "POST") return {201, nlohmann::json{{"id", "1700000" + std::to_string(++activity_ids_)}}.dump(), ""};
    return {405, "{}", ""};
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<net::http_server> server_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<call> calls_;
  nlohmann::json jwks_;
  std::string client_id_;
  std::string client_secret_;
  std::string last_token_;
  int tokens_issued_ = 0;
  std::atomic<std::size_t> openid_fetches_{0};
  std::atomic<std::size_t> jwks_fetches_{0};
  std::atomic<std::size_t> token_requests_{0};
  std::deque<scripted> token_script_;
  std::map<std::pair<std::string, std::string>, std::deque<scripted>> scripts_;
  std::set<std::string> personal_;
  int activity_ids_ = 0;
};

/// A Bot Connector error body.
inline std::string connector_error(const std::string& code, const std::string& message = "refused") {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
}

}  // namespace smrel::testing
