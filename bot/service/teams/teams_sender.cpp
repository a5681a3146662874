// The Bot Connector, out: replies, posts, card replacements and 1:1 conversations, each to a
// serviceUrl on the allow list, with the app's access token (none in local mode), paced by Teams'
// limits per conversation and per tenant.
#include "adapters/teams/cards.hpp"
#include "adapters/teams/connector.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/teams/teams_plug.hpp"

namespace smrel::service {
namespace {

namespace msteams = adapters::teams;
using domain::delivery_outcome;
using domain::delivery_verdict;

constexpr std::string_view bucket_prefix = "teams:";

delivery_outcome give_up(std::string reason) {
  delivery_outcome out;
  out.verdict = delivery_verdict::permanent;
  out.reason = std::move(reason);
  return out;
}

delivery_outcome try_again(std::string reason) {
  delivery_outcome out;
  out.verdict = delivery_verdict::retry;
  out.reason = std::move(reason);
  return out;
}

// Teams allows a bot per conversation 7 sends a second, 8 in two, 60 in thirty and 1,800 in an
// hour; one token bucket cannot hold all four, so two do: {1.8/s, burst 4} keeps within the
// first three (4 + 2·1.8 ≤ 8, 4 + 30·1.8 ≤ 60), {0.45/s, burst 180} within the hour.
// A channel's threads ("19:…;messageid=…") share the channel's limit.
std::string_view thread_of(std::string_view conversation) { return conversation.substr(0, conversation.find(";messageid=")); }
std::string conversation_key(std::string_view conversation) {
  return std::string(bucket_prefix) + "conv:" + std::string(thread_of(conversation));
}
std::string conversation_hour_key(std::string_view conversation) {
  return std::string(bucket_prefix) + "conv-hour:" + std::string(thread_of(conversation));
}
// And the app 50 requests a second per tenant, the limit a weekly fan-out meets: {40/s, burst
// 10} never asks for more than 50 in any second.
std::string tenant_key(std::string_view tenant) { return std::string(bucket_prefix) + "tenant:" + std::string(tenant); }

send_buckets conversation_buckets(std::string_view tenant, std::string_view conversation) {
  send_buckets out;
  out.take = {conversation_key(conversation), conversation_hour_key(conversation), tenant_key(tenant)};
  // A 429 is about the conversation or the tenant; Retry-After on the tenant holds up everyone.
  out.pause_when_limited = {tenant_key(tenant)};
  return out;
}

}  // namespace

std::optional<std::string> teams_plug::cannot_send() const { return std::nullopt; }  // local mode sends too

void teams_plug::set_rate_rules(rate_limiter& limiter) const {
  limiter.set_rule(std::string(bucket_prefix), {40.0, 10.0});
  limiter.set_rule(std::string(bucket_prefix) + "conv:", {1.8, 4.0});
  limiter.set_rule(std::string(bucket_prefix) + "conv-hour:", {0.45, 180.0});
  limiter.set_rule(std::string(bucket_prefix) + "tenant:", {40.0, 10.0});
}

send_buckets teams_plug::buckets(send_action action, std::string_view address) const {
  switch (action) {
    case send_action::reply:
    case send_action::replace:
    case send_action::update:
      if (const auto reply = msteams::decode_reply(address)) {
        return conversation_buckets(reply->conversation.tenant, reply->conversation.conversation);
      }
      if (const auto asked = msteams::decode_private_reply(address)) {
        // Into the thread, or to the person (a 1:1 opened on the way): at most two calls.
        const auto& where = asked->thread.conversation;
        auto out = conversation_buckets(where.tenant, where.conversation);
        out.take.push_back(tenant_key(where.tenant));
        return out;
      }
      if (const auto where = msteams::decode_conversation(address)) return conversation_buckets(where->tenant, where->conversation);
      break;
    case send_action::post:
      if (const auto where = msteams::decode_conversation(address)) return conversation_buckets(where->tenant, where->conversation);
      if (const auto chat = msteams::decode_direct_chat(address)) return conversation_buckets(chat->person.tenant, chat->conversation);
      if (const auto person = msteams::decode_contact(address)) {
        // Opening the conversation and posting in it: two calls against the tenant's limit.
        auto out = conversation_buckets(person->tenant, person->user);
        out.take.push_back(tenant_key(person->tenant));
        return out;
      }
      break;
    case send_action::publish_home:
    case send_action::open_direct: break;
  }
  return {{std::string(bucket_prefix)}, {}};
}

bool teams_plug::may_call(std::string_view service_url) const {
  if (settings_.local_mode()) return msteams::loopback_url(service_url);
  return msteams::service_url_allowed(service_url, settings_.service_hosts);
}

boost::asio::awaitable<std::pair<delivery_outcome, std::string>> teams_plug::call(std::string_view service_url,
                                                                                   std::string method, std::string url,
                                                                                   std::string body) {
  // Checked again here, not only when the activity came in: the token goes nowhere else, even
  // for an address stored under an older, wider allow list.
  if (!may_call(service_url)) co_return std::make_pair(give_up("serviceUrl not allowed"), std::string());
  net::client_response response;
  // A 401 may be a token the connector stopped taking (a rotated secret): one more try with a
  // fresh one; a second 401 is the connector's answer, and holds the app's sends for a while.
  for (int attempt = 1;; ++attempt) {
    net::client_request request;
    request.method = method;
    request.url = url;
    request.body = body;
    request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    std::string used_token;
    if (access_) {
      auto token = co_await access_->get();
      if (!token) co_return std::make_pair(try_again("no access token"), std::string());
      used_token = std::move(*token);
      request.headers.emplace_back("Authorization", "Bearer " + used_token);
    }
    auto [ec, answer] = co_await client_.send(std::move(request));
    if (ec) co_return std::make_pair(try_again(ec.message()), std::string());
    response = std::move(answer);
    if (response.status != 401 || !access_ || attempt == 2) break;
    access_->invalidate(used_token);
  }
  if (const auto correlation = response.header("x-correlating-operationid"); !correlation.empty() && response.status >= 400) {
    log_event(log_level::info, "teams_call_failed",
              {{"status", static_cast<long long>(response.status)}, {"correlation", correlation}});
  }
  auto outcome = msteams::classify(response.status, response.body, response.header("retry-after"));
  co_return std::make_pair(std::move(outcome), std::move(response.body));
}

boost::asio::awaitable<delivery_outcome> teams_plug::post_to_conversation(const msteams::conversation_address& where,
                                                                        std::string activity) {
  auto request = msteams::post_call(where, std::move(activity));
  auto [outcome, body] = co_await call(where.service_url, std::move(request.method), std::move(request.url),
                                       std::move(request.body));
  if (outcome.verdict == delivery_verdict::sent) {
    outcome.landed = {{domain::platform::teams, msteams::encode(where)}, msteams::resource_id(body).value_or("")};
  }
  co_return outcome;
}

boost::asio::awaitable<delivery_outcome> teams_plug::answer(const msteams::reply_address& reply, bool replace,
                                                          std::string activity) {
  const auto& where = reply.conversation;
  auto request = replace ? msteams::update_call(reply, std::move(activity)) : msteams::reply_call(reply, std::move(activity));
  auto [outcome, body] = co_await call(where.service_url, std::move(request.method), std::move(request.url),
                                       std::move(request.body));
  if (outcome.verdict == delivery_verdict::sent) {
    outcome.landed = {{domain::platform::teams, msteams::encode(where)},
                      replace ? reply.activity_id : msteams::resource_id(body).value_or("")};
  }
  co_return outcome;
}

boost::asio::awaitable<delivery_outcome> teams_plug::send(send_action action, std::string address, domain::message message) {
  auto activity = msteams::message_activity(message);
  switch (action) {
    case send_action::reply:
    case send_action::replace:
      if (const auto reply = msteams::decode_reply(address)) {
        co_return co_await answer(*reply, action == send_action::replace, std::move(activity));
      }
      if (const auto asked = msteams::decode_private_reply(address)) {
        // Asked in a channel or group chat: only what all of it may see is answered there.
        if (message.visible_to_channel) co_return co_await answer(asked->thread, false, std::move(activity));
        const auto person = asked->person();  // named: see post_to_person
        co_return co_await post_to_person(person, std::move(activity));
      }
      // No activity to answer (a welcome): a new message in the conversation.
      if (const auto where = msteams::decode_conversation(address); where && action == send_action::reply) {
        co_return co_await post_to_conversation(*where, std::move(activity));
      }
      co_return give_up("not a Teams reply address");
    case send_action::post: {
      if (const auto person = msteams::decode_contact(address)) co_return co_await post_to_person(*person, std::move(activity));
      if (const auto chat = msteams::decode_direct_chat(address)) {
        const auto where = chat->chat();
        auto outcome = co_await post_to_conversation(where, std::move(activity));
        if (outcome.verdict == delivery_verdict::sent) outcome.landed.conversation.address = std::move(address);
        co_return outcome;
      }
      const auto where = msteams::decode_conversation(address);
      if (!where) co_return give_up("not a Teams conversation");
      co_return co_await post_to_conversation(*where, std::move(activity));
    }
    case send_action::update:
      if (const auto sent = msteams::decode_reply(address)) co_return co_await answer(*sent, true, std::move(activity));
      co_return give_up("not a Teams activity address");
    case send_action::publish_home: co_return give_up("Teams has no Home view");
    case send_action::open_direct: break;
  }
  co_return give_up("not something Teams sends");
}

// An activity the bot posted, in the conversation it landed in (a channel, or a person's chat).
std::optional<std::string> teams_plug::update_address(const domain::message_ref& sent) const {
  if (sent.id.empty()) return std::nullopt;
  auto where = msteams::decode_conversation(sent.conversation.address);
  if (!where) {
    if (const auto chat = msteams::decode_direct_chat(sent.conversation.address)) where = chat->chat();
  }
  if (!where) return std::nullopt;
  return msteams::encode(msteams::reply_address{std::move(*where), sent.id});
}

boost::asio::awaitable<delivery_outcome> teams_plug::post_to_person(const msteams::contact& person, std::string activity) {
  // Teams opens a 1:1 by who the person is and gives the same conversation every time, so the
  // pulse opens it on the way and the worker keeps the conversation it landed in.
  auto open = msteams::create_conversation_call(person, settings_.app_id.empty() ? "" : "28:" + settings_.app_id);
  auto [opened, body] = co_await call(person.service_url, std::move(open.method), std::move(open.url), std::move(open.body));
  if (opened.verdict != delivery_verdict::sent) co_return opened;
  const auto id = msteams::created_conversation_id(body);
  if (!id) co_return try_again("the Bot Connector opened a conversation without an id");
  // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
  const msteams::conversation_address where{person.service_url, person.tenant, *id};
  auto outcome = co_await post_to_conversation(where, std::move(activity));
  // Landed in the person's 1:1 chat: kept with who they are (see reach_after_gone).
  if (outcome.verdict == delivery_verdict::sent) outcome.landed.conversation.address = msteams::encode(msteams::direct_chat{person, *id});
  co_return outcome;
}

std::optional<std::string> teams_plug::reach_after_gone(std::string_view direct) const {
  // A blocked or deleted 1:1 chat: the person stays reachable by who they are, so a later pulse
  // asks Teams for the chat again (and is refused again while they still block the bot).
  if (const auto chat = msteams::decode_direct_chat(direct)) return msteams::encode(chat->person);
  return std::nullopt;
}

boost::asio::awaitable<delivery_outcome> teams_plug::open_direct(domain::member_key who) {
  // Without a contact nothing can be opened: a person is reachable once they wrote to the bot,
  // in a personal chat or by @mention (then the pulse's own post opens the conversation).
  log_event(log_level::info, "teams_unreachable", {{"tenant", who.workspace.id}});
  co_return give_up("this person has not written to the bot yet");
}

}  // namespace smrel::service
