// Teams' one webhook: the token verified before the body is read as an activity, the activity's
// own claims checked against the token, then translated and handed to the dispatcher.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <cctype>

#include "adapters/teams/cards.hpp"
#include "adapters/teams/connector.hpp"
#include "bot/service/blocking.hpp"
#include "bot/service/logging.hpp"
#include "bot/service/teams/teams_plug.hpp"

namespace smrel::service {
namespace {

namespace msteams = adapters::teams;
using net::http_request;
using net::http_response;

constexpr std::string_view messages_path = "/api/messages";

bool loopback_peer(std::string_view remote) {
  return remote == "::1" || remote.starts_with("127.") || remote.starts_with("::ffff:127.");
}

domain::member_key member_of(const msteams::activity& a) {
  // The Entra object id names a person across every conversation and is what admins list; the
  // "29:" id is per bot, so it is only the fallback (some emulators send no object id).
  const auto& user = a.from.aad_object_id.empty() ? a.from.id : a.from.aad_object_id;
  return {{domain::platform::teams, a.tenant}, user};
}

msteams::conversation_address conversation_of(const msteams::activity& a) {
  return {a.service_url, a.tenant, a.conversation_id};
}

// A channel message's conversation is its thread ("19:…@thread.tacv2;messageid=…"). What is
// posted to the channel later (the digest) goes to the channel itself, as a new thread; replies
// keep the thread (conversation_of).
domain::conversation_ref conversation_ref_of(const msteams::activity& a) {
  const auto thread = a.conversation_id.find(";messageid=");
  return {domain::platform::teams,
          msteams::encode(msteams::conversation_address{a.service_url, a.tenant, a.conversation_id.substr(0, thread)})};
}

// The key that answers one message once, however often the connector delivers it.
std::string message_key(const msteams::activity& a) {
  return "teams:message:" + a.tenant + "/" + a.conversation_id + "/" + a.id;
}

// The key that handles an install or uninstall once, however often the connector delivers it.
std::string event_key(const msteams::activity& a) {
  return "teams:event:" + a.tenant + "/" + a.conversation_id + "/" + a.id;
}

// Where the bot can no longer post once it left a team or a group chat: the conversation the
// activity came from and, for a team, its general channel (whose id is the team's). The team's
// other channels are not named by the activity, nor known to belong to the team.
std::vector<domain::conversation_ref> conversations_left(const msteams::activity& a) {
  std::vector<domain::conversation_ref> out{conversation_ref_of(a)};
  if (!a.team_id.empty()) {
    domain::conversation_ref general{
        domain::platform::teams, msteams::encode(msteams::conversation_address{a.service_url, a.tenant, a.team_id})};
    if (general != out.front()) out.push_back(std::move(general));
  }
  return out;
}

}  // namespace

teams_plug::teams_plug(const config::teams_settings& settings, boost::asio::io_context& io, dispatcher& flow,
                       storage::store& store, boost::asio::thread_pool& pool, const domain::clock& clock, metrics& stats)
    : settings_(settings), io_(io), flow_(flow), store_(store), pool_(pool), clock_(clock), stats_(stats), client_(io) {
  if (!settings.local_mode()) {
    keys_ = std::make_unique<teams::openid_keys>(io, client_, settings.openid_url, clock);
    msteams::token_rules rules;
    rules.app_id = settings.app_id;
    tokens_ = std::make_unique<teams::token_verifier>(*keys_, std::move(rules), clock);
    access_ = std::make_unique<teams::access_token_cache>(io, client_, settings, clock);
  }
}

std::vector<route> teams_plug::routes() {
  std::vector<route> out;
  out.push_back({std::string(messages_path), "POST", [this](http_request& r) { return messages(r); },
                 [this](const http_request& head) { return screen(head); }});
  return out;
}

void teams_plug::at_start() {
  if (!keys_) {
    log_event(log_level::warn, "teams_local_mode",
              {{"reason", "SMREL_TEAMS_APP_ID is not set"},
               {"accepts", "unauthenticated activities from loopback peers with a loopback serviceUrl only"}});
    return;
  }
  boost::asio::co_spawn(io_, keys_->prefetch(), boost::asio::detached);
}

bool teams_plug::serves_tenant(std::string_view tenant) const {
  // A single-tenant bot serves its own tenant only. Named by a domain (contoso.onmicrosoft.com)
  // the tenant cannot be compared with the id activities carry, so then any is taken.
  const auto& mine = settings_.tenant_id;
  if (mine.empty() || mine.find('.') != std::string::npos) return true;
  return std::equal(mine.begin(), mine.end(), tenant.begin(), tenant.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); });
}

std::optional<std::string_view> teams_plug::local_mode_refusal(const http_request& request) const {
  if (!loopback_peer(request.remote)) return "local mode: the peer is not on loopback";
  // A reverse proxy on the same machine makes every peer look local: what it forwards is not.
  if (!request.header("x-forwarded-for").empty() || !request.header("forwarded").empty()) {
    return "local mode: a forwarded request";
  }
  return std::nullopt;
}

std::optional<int> teams_plug::screen(const http_request& head) {
  if (settings_.local_mode()) {
    if (const auto why = local_mode_refusal(head)) {
      refuse(head, 401, "unauthenticated", *why);
      return 401;
    }
    return std::nullopt;
  }
  if (!head.header("authorization").starts_with("Bearer ")) {
    refuse(head, 401, "bad_token", "no bearer token");
    return 401;
  }
  return std::nullopt;
}

http_response teams_plug::refuse(const http_request& request, int status, std::string_view kind, std::string_view reason) {
  stats_.refused(kind);
  if (const auto dropped = refusal_logs_.admit(kind, std::chrono::steady_clock::now())) {
    log_event(log_level::warn, "request_refused",
              {{"route", messages_path}, {"status", static_cast<long long>(status)}, {"remote", request.remote},
               {"reason", reason}, {"similar_lines_dropped", static_cast<long long>(*dropped)}});
  }
  return http_response::empty(status);
}

boost::asio::awaitable<http_response> teams_plug::messages(http_request& request) {
  // The token first: nothing of the body is read as an activity before it is known to come from
  // the Bot Framework.
  std::optional<msteams::verified_token> token;
  if (tokens_) {
    // Arguments to a co_await are named throughout: GCC 12 can destroy a temporary there twice.
    std::string authorization(request.header("authorization"));
    auto verified = co_await tokens_->verify(std::move(authorization));
    if (!verified.ok()) co_return refuse(request, 401, "bad_token", msteams::describe(verified.problem));
    token = std::move(verified.token);
  } else if (const auto why = local_mode_refusal(request)) {
    co_return refuse(request, 401, "unauthenticated", *why);
  }
  const auto parsed = msteams::parse_activity(request.body);
  if (!parsed) co_return refuse(request, 400, "malformed", "not an activity");
  const auto& a = *parsed;
  if (token) {
    if (const auto problem = msteams::check_activity(*token, a.channel_id, a.service_url);
        problem != msteams::token_problem::none) {
      co_return refuse(request, 401, "bad_token", msteams::describe(problem));
    }
  } else if (!msteams::loopback_url(a.service_url)) {
    co_return refuse(request, 401, "unauthenticated", "local mode: the serviceUrl is not on loopback");
  }
  // A genuine activity from a cloud this installation does not serve (say, GCC when only the
  // public cloud is allowed): nothing is stored, and nothing, least of all the token, goes there.
  if (!may_call(a.service_url)) co_return refuse(request, 403, "service_url", "serviceUrl not in SMREL_TEAMS_SERVICE_HOSTS");
  if (a.what == msteams::activity::kind::ignored) co_return http_response::empty(200);
  if (a.tenant.empty()) co_return refuse(request, 400, "malformed", "an activity without a tenant");
  if (!serves_tenant(a.tenant)) co_return refuse(request, 403, "tenant", "a tenant other than SMREL_TEAMS_TENANT_ID");
  switch (a.what) {
    case msteams::activity::kind::command: co_return co_await command(a);
    case msteams::activity::kind::card_action: co_return co_await card_action(a);
    case msteams::activity::kind::card_submit: co_return co_await card_submit(a);
    case msteams::activity::kind::installed: co_return co_await installed(a);
    case msteams::activity::kind::uninstalled: co_return co_await uninstalled(a);
    case msteams::activity::kind::ignored: break;
  }
  co_return http_response::empty(200);
}

boost::asio::awaitable<void> teams_plug::remember_reach(const msteams::activity& a) {
  // A person's personal chat with the bot is where pulses go; from a channel we only learn who
  // they are, and keep that until they write to the bot directly.
  const msteams::contact person{a.service_url, a.tenant, a.from.id};
  const bool personal = a.conversation_type == "personal";
  auto address = personal ? msteams::encode(msteams::direct_chat{person, a.conversation_id}) : msteams::encode(person);
  auto who = member_of(a);
  co_await remember_reach(std::move(who), std::move(address), !personal);
}

boost::asio::awaitable<void> teams_plug::remember_reach(domain::member_key who, std::string address,
                                                        bool contact_only) {
  if (address.empty()) co_return;  // nothing that encodes (an id with a line break, say)
  // Read and written each time, not cached here: `forget` erases it, and so may another replica.
  co_await run_blocking(pool_, [&] {
    const auto known = store_.find_direct_conversation(who);
    if (known && (contact_only || known->address == address)) return;  // a chat beats a contact
    store_.remember_direct_conversation(who, {domain::platform::teams, address});
  });
}

boost::asio::awaitable<http_response> teams_plug::command(const msteams::activity& a) {
  if (!a.from.id.empty()) co_await remember_reach(a);
  const msteams::reply_address thread{conversation_of(a), a.id};
  // In a channel or group chat, what only the person should see goes to their 1:1 chat.
  auto reply_to = a.conversation_type == "personal" || a.from.id.empty()
                      ? msteams::encode(thread)
                      : msteams::encode(msteams::private_reply{thread, a.from.id});
  domain::chat_command c{member_of(a), a.text, conversation_ref_of(a), a.locale, std::move(reply_to)};
  auto key = message_key(a);
  co_await flow_.command_queued(std::move(c), std::move(key));
  co_return http_response::empty(200);
}

boost::asio::awaitable<http_response> teams_plug::card_action(const msteams::activity& a) {
  domain::button_click click{member_of(a), a.action, a.value, {conversation_ref_of(a), a.reply_to_id}, {}, a.id};
  const auto result = co_await flow_.click(std::move(click), click_answer::in_response);
  if (result.replayed || !result.shown) {
    // A redelivered invoke: the first delivery answered it; this one only needs to succeed.
    co_return http_response::json(msteams::invoke_message_response("This click was already recorded."));
  }
  co_return http_response::json(msteams::invoke_card_response(*result.shown));
}

boost::asio::awaitable<http_response> teams_plug::card_submit(const msteams::activity& a) {
  // Old clients send Action.Submit: the answer is stored now, the card replaced through the outbox.
  const msteams::reply_address card{conversation_of(a), a.reply_to_id};
  domain::button_click click{member_of(a), a.action, a.value, {conversation_ref_of(a), a.reply_to_id},
                             a.reply_to_id.empty() ? std::string() : msteams::encode(card), a.id};
  co_await flow_.click(std::move(click), click_answer::queued);
  co_return http_response::empty(200);
}

boost::asio::awaitable<http_response> teams_plug::installed(const msteams::activity& a) {
  // People added to a team the bot is in (or the team, with the bot, added): how to reach each
  // of them in a 1:1 chat, for when they join.
  for (const auto& added : a.members_added) {
    if (added.id == a.recipient.id || added.aad_object_id.empty() || !added.id.starts_with("29:")) continue;
    domain::member_key who{{domain::platform::teams, a.tenant}, added.aad_object_id};
    auto address = msteams::encode(msteams::contact{a.service_url, a.tenant, added.id});
    co_await remember_reach(std::move(who), std::move(address), true);
  }
  if (!a.bot_added || a.conversation_type != "personal" || a.from.id.empty()) {
    log_event(log_level::info, "teams_installed", {{"tenant", a.tenant}, {"conversation_type", a.conversation_type},
                                                   {"members_added", static_cast<long long>(a.members_added.size())}});
    co_return http_response::empty(200);
  }
  co_await remember_reach(a);
  // Whoever removed the app from this chat before is reachable again.
  domain::person_added_app back{member_of(a)};
  auto back_key = event_key(a);
  co_await flow_.event(std::move(back_key), std::move(back));
  // A welcome in the new personal chat: the help text, posted once per conversation.
  domain::chat_command welcome{member_of(a), "help", conversation_ref_of(a), a.locale,
                               msteams::encode(conversation_of(a))};
  auto key = "teams:welcome:" + a.tenant + "/" + a.conversation_id;
  co_await flow_.command_queued(std::move(welcome), std::move(key));
  co_return http_response::empty(200);
}

// Teams has no tenant-wide uninstall: the app leaves one conversation at a time.
boost::asio::awaitable<http_response> teams_plug::uninstalled(const msteams::activity& a) {
  auto key = event_key(a);
  if (a.conversation_type == "personal") {
    // The person removed the app from their own chat: the bot can no longer write to them.
    if (a.from.id.empty() && a.from.aad_object_id.empty()) co_return http_response::empty(200);  // nobody named
    domain::person_removed_app gone{member_of(a), a.type};
    co_await flow_.event(std::move(key), std::move(gone));
    co_return http_response::empty(200);
  }
  // Removed from a team or a group chat: nothing there names a person; only where the digest
  // goes may change.
  log_event(log_level::info, "teams_bot_removed",
            {{"tenant", a.tenant},
             {"team", a.team_id},
             {"conversation", a.conversation_id},
             {"conversation_type", a.conversation_type},
             {"activity", a.type}});
  domain::bot_left_conversation left{{domain::platform::teams, a.tenant}, conversations_left(a), a.type};
  co_await flow_.event(std::move(key), std::move(left));
  co_return http_response::empty(200);
}

}  // namespace smrel::service
