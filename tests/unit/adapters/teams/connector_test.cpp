#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/teams/address.hpp"
#include "adapters/teams/connector.hpp"
#include "adapters/teams/phrasing.hpp"

namespace smrel::adapters::teams {
namespace {

using domain::delivery_problem;
using domain::delivery_verdict;
using json = nlohmann::json;
using namespace std::chrono_literals;

const conversation_address channel{"https://smba.trafficmanager.net/emea/", "tenant-1",
                                   "19:5a2b@thread.tacv2;messageid=1700000000001"};

TEST(teams_address, every_kind_round_trips_and_refuses_the_others) {
  const reply_address reply{channel, "1:1Nv9c1Y0m"};
  const contact person{"https://smba.trafficmanager.net/teams/", "tenant-1", "29:1XJK-Bw"};
  const auto c = encode(channel);
  const auto r = encode(reply);
  const auto p = encode(person);
  EXPECT_EQ(decode_conversation(c), channel);
  EXPECT_EQ(decode_reply(r), reply);
  EXPECT_EQ(decode_contact(p), person);
  EXPECT_FALSE(decode_reply(c));
  EXPECT_FALSE(decode_contact(c));
  EXPECT_FALSE(decode_conversation(r));
  EXPECT_FALSE(decode_contact(r));
  EXPECT_FALSE(decode_conversation(p));
  EXPECT_FALSE(decode_reply(p));
  const private_reply asked_in_channel{reply, "29:1XJK-Bw"};
  const auto s = encode(asked_in_channel);
  EXPECT_EQ(decode_private_reply(s), asked_in_channel);
  EXPECT_EQ(asked_in_channel.person(), (contact{channel.service_url, channel.tenant, "29:1XJK-Bw"}));
  EXPECT_FALSE(decode_reply(s));
  EXPECT_FALSE(decode_contact(s));
  EXPECT_FALSE(decode_conversation(s));
  EXPECT_FALSE(decode_private_reply(r));
  EXPECT_FALSE(decode_private_reply(p));
  EXPECT_EQ(encode(private_reply{reply, ""}), "");
  const direct_chat chat{person, "a:1Qz"};
  const auto d = encode(chat);
  EXPECT_EQ(decode_direct_chat(d), chat);
  EXPECT_EQ(chat.chat(), (conversation_address{person.service_url, person.tenant, "a:1Qz"}));
  EXPECT_FALSE(decode_contact(d));
  EXPECT_FALSE(decode_conversation(d));
  EXPECT_FALSE(decode_direct_chat(p));
  EXPECT_FALSE(decode_direct_chat(c));
  EXPECT_EQ(encode(direct_chat{person, ""}), "");
  // Local mode: no tenant is allowed; the other fields are required.
  const conversation_address local{"http://127.0.0.1:3978/", "", "a:1"};
  EXPECT_EQ(decode_conversation(encode(local)), local);
  for (const auto* garbage : {"", "C0123", "teams.c1", "teams.c1\n", "teams.c1\nx\ny", "teams.c1\nx\ny\nz\nw", "teams.c1\n\nt\nc",
                              "teams.c1\nu\nt\n", "teams.c2\nu\nt\nc", "xteams.c1\nu\nt\nc"}) {
    EXPECT_FALSE(decode_conversation(garbage)) << garbage;
  }
  EXPECT_FALSE(decode_reply("teams.r1\nu\nt\nc\n"));
  EXPECT_FALSE(decode_contact("teams.u1\nu\nt\n"));
  // Fields that would break the encoding, or empty required ones, encode to "" (never decodes).
  EXPECT_EQ(encode(conversation_address{"u", "t", "a\nb"}), "");
  EXPECT_EQ(encode(conversation_address{"", "t", "c"}), "");
  EXPECT_EQ(encode(reply_address{channel, ""}), "");
  EXPECT_EQ(encode(contact{"u", "t\n", "29:x"}), "");
  EXPECT_EQ(encode(contact{"u", "t", ""}), "");
}

TEST(teams_connector, urls_encode_ids_as_one_segment_whatever_the_trailing_slash) {
  const reply_address reply{channel, "1700000000001"};
  const auto posted = post_call(channel, "{}");
  EXPECT_EQ(posted.method, "POST");
  EXPECT_EQ(posted.url, "https://smba.trafficmanager.net/emea/v3/conversations/19%3A5a2b%40thread.tacv2%3Bmessageid%3D1700000000001/activities");
  EXPECT_EQ(posted.body, "{}");
  const auto replied = reply_call(reply, "{\"type\":\"message\"}");
  EXPECT_EQ(replied.method, "POST");
  EXPECT_EQ(replied.url, posted.url + "/1700000000001");
  EXPECT_EQ(replied.body, "{\"type\":\"message\"}");
  const auto updated = update_call({{"https://smba.trafficmanager.net/emea", "t", "a:1 2/3?#"}, "f:x/y"}, "{}");
  EXPECT_EQ(updated.method, "PUT");
  EXPECT_EQ(updated.url, "https://smba.trafficmanager.net/emea/v3/conversations/a%3A1%202%2F3%3F%23/activities/f%3Ax%2Fy");
  const auto double_slash = post_call({"https://smba.trafficmanager.net/emea//", "t", "a:1"}, "{}");
  EXPECT_EQ(double_slash.url, "https://smba.trafficmanager.net/emea/v3/conversations/a%3A1/activities");
  EXPECT_EQ(post_call({"http://127.0.0.1:4000", "", "c-._~"}, "").url, "http://127.0.0.1:4000/v3/conversations/c-._~/activities");
}

TEST(teams_connector, create_conversation_names_the_member_tenant_and_bot) {
  const contact person{"https://smba.trafficmanager.net/teams/", "tenant-1", "29:1XJK"};
  const auto call = create_conversation_call(person, "c9e8c047");
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "https://smba.trafficmanager.net/teams/v3/conversations");
  const auto body = json::parse(call.body);
  EXPECT_EQ(body, json::parse(R"({"isGroup":false,"bot":{"id":"28:c9e8c047"},"members":[{"id":"29:1XJK"}],"tenantId":"tenant-1"})"));
  EXPECT_EQ(json::parse(create_conversation_call(person, "28:c9e8c047").body)["bot"]["id"], "28:c9e8c047");
  const auto bare = json::parse(create_conversation_call({"http://localhost:3978", "", "29:x"}, "").body);
  EXPECT_FALSE(bare.contains("bot"));
  EXPECT_FALSE(bare.contains("tenantId"));
  EXPECT_EQ(bare["members"][0]["id"], "29:x");
}

TEST(teams_connector, resource_and_conversation_ids) {
  EXPECT_EQ(resource_id(R"({"id":"1:1Nv9c1Y0m"})"), "1:1Nv9c1Y0m");
  EXPECT_EQ(created_conversation_id(R"({"id":"a:1xyz","activityId":"","serviceUrl":"https://smba.trafficmanager.net/emea/"})"), "a:1xyz");
  for (const auto* odd : {"", "{}", "[]", R"({"id":""})", R"({"id":5})", "<html>", R"({"id":null})"}) {
    EXPECT_FALSE(resource_id(odd)) << odd;
    EXPECT_FALSE(created_conversation_id(odd)) << odd;
  }
}

std::string error(std::string_view code) { return R"({"error":{"code":")" + std::string(code) + R"(","message":"some words"}})"; }

TEST(teams_connector, classification_row_by_row) {
  auto o = classify(200, R"({"id":"1:abc"})", "");
  EXPECT_EQ(o.verdict, delivery_verdict::sent);
  EXPECT_EQ(o.landed.id, "1:abc");
  EXPECT_EQ(o.landed.conversation.on, domain::platform::teams);
  o = classify(201, R"({"id":"a:new"})", "");
  EXPECT_EQ(o.verdict, delivery_verdict::sent);
  EXPECT_EQ(o.landed.id, "a:new");
  o = classify(200, "", "");  // PUT may answer with an empty body
  EXPECT_EQ(o.verdict, delivery_verdict::sent);
  EXPECT_EQ(o.landed.id, "");

  o = classify(429, error("Throttled"), "7");
  EXPECT_EQ(o.verdict, delivery_verdict::rate_limited);
  EXPECT_EQ(o.retry_after, 7s);
  EXPECT_EQ(o.reason, "Throttled");
  EXPECT_EQ(classify(429, "", "").retry_after, 2s);
  EXPECT_EQ(classify(429, "", "soon").retry_after, 2s);
  EXPECT_EQ(classify(429, "", "Wed, 21 Oct 2026 07:28:00 GMT").retry_after, 2s);
  EXPECT_EQ(classify(429, "", "-3").retry_after, 2s);
  EXPECT_EQ(classify(429, "", "99999999").retry_after, 900s);

  for (const int status : {408, 412, 500, 502, 503, 504}) {
    o = classify(status, "", "");
    EXPECT_EQ(o.verdict, delivery_verdict::retry) << status;
    EXPECT_EQ(o.reason, "HTTP " + std::to_string(status));
    EXPECT_EQ(o.problem, delivery_problem::none);
  }
  EXPECT_EQ(classify(412, error("PreconditionFailed"), "").reason, "PreconditionFailed");
  EXPECT_EQ(classify(500, error("ServiceError"), "").verdict, delivery_verdict::retry);

  o = classify(400, error("BadArgument"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "BadArgument");
  o = classify(401, error("BotNotRegistered"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "unauthorized: BotNotRegistered");
  EXPECT_EQ(o.problem, delivery_problem::credentials_refused);
  EXPECT_EQ(classify(401, "", "").reason, unauthorized_reason);
  o = classify(403, error("ConversationBlockedByUser"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "ConversationBlockedByUser");
  EXPECT_EQ(o.problem, delivery_problem::conversation_gone);
  o = classify(403, error("BotNotInConversationRoster"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.problem, delivery_problem::not_in_conversation);
  o = classify(403, R"({"error":{"code":"Forbidden","subCode":"MessageWritesBlocked","message":"Thread is blocked from message writes"}})", "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "Forbidden/MessageWritesBlocked");
  EXPECT_EQ(o.problem, delivery_problem::conversation_gone);
  for (const auto* code : {"BotDisabledByAdmin", "ForbiddenOperationException", "InvalidBotApiHost", "NotEnoughPermissions"}) {
    o = classify(403, error(code), "");
    EXPECT_EQ(o.verdict, delivery_verdict::permanent) << code;
    EXPECT_EQ(o.reason, code);
    EXPECT_EQ(o.problem, delivery_problem::none) << code;
  }
  o = classify(404, error("ConversationNotFound"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.problem, delivery_problem::conversation_gone);
  o = classify(404, error("ActivityNotFoundInConversation"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.problem, delivery_problem::none);  // the message is gone, not the conversation
  o = classify(404, "Not Found", "");
  EXPECT_EQ(o.reason, "HTTP 404");
  EXPECT_EQ(o.problem, delivery_problem::none);
  o = classify(413, error("MessageSizeTooBig"), "");
  EXPECT_EQ(o.verdict, delivery_verdict::permanent);
  EXPECT_EQ(o.reason, "MessageSizeTooBig");
  EXPECT_EQ(classify(302, "", "").verdict, delivery_verdict::permanent);
  // The message is never echoed (it may quote content); the code is bounded.
  EXPECT_EQ(classify(400, R"({"error":{"code":")" + std::string(500, 'X') + R"("}})", "").reason.size(), 120U);
  EXPECT_EQ(classify(400, R"({"error":"BadArgument"})", "").reason, "HTTP 400");
}

const std::vector<std::string> hosts{"smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com", "127.0.0.1:4000", "localhost",
                                     "[::1]:5000"};

TEST(teams_connector, service_urls_must_be_https_on_the_list_or_loopback_http_on_it) {
  for (const auto* ok : {"https://smba.trafficmanager.net/emea/", "https://SMBA.TrafficManager.net/teams/", "HTTPS://smba.trafficmanager.net",
                         "https://smba.trafficmanager.net:443/amer/", "https://smba.infra.gcc.teams.microsoft.com/gcc",
                         "http://127.0.0.1:4000/", "https://127.0.0.1:4000/x", "http://localhost:3978/_connector", "http://[::1]:5000/"}) {
    EXPECT_TRUE(service_url_allowed(ok, hosts)) << ok;
  }
  for (const auto* refused :
       {"http://smba.trafficmanager.net/emea/",            // plain http to a real host
        "https://smba.trafficmanager.net@evil.com/",       // user info
        "https://evil.com@smba.trafficmanager.net/",       // user info, even before the right host
        "https://smba.trafficmanager.net.evil.com/",       // suffix
        "https://evilsmba.trafficmanager.net/", "https://smba.trafficmanager.net./", "https://evil.com/smba.trafficmanager.net/",
        "https://evil.com\\@smba.trafficmanager.net/", "https://smba.trafficmanager.net%2eevil.com/", "https://smba.trafficmanager.net :443/",
        "https://smba.trafficmanager.net:99999/", "https://smba.trafficmanager.net:/", "https://smba.trafficmanager.net:44a3/",
        "ftp://smba.trafficmanager.net/", "//smba.trafficmanager.net/", "smba.trafficmanager.net", "", "https://", "https:///x",
        "http://127.0.0.1:4001/",  // the list names port 4000
        "http://127.0.0.2:4000/",  // loopback, but not on the list
        "http://[::1]:5001/", "http://[::1/", "https://[::2]:5000/", "https://smba.trafficmanager.net/a\nb"}) {
    EXPECT_FALSE(service_url_allowed(refused, hosts)) << refused;
  }
  EXPECT_FALSE(service_url_allowed("https://smba.trafficmanager.net/", {}));
}

TEST(teams_connector, loopback_urls) {
  for (const auto* yes : {"http://localhost/", "http://localhost:3978/api", "https://127.0.0.1:4000/", "http://127.255.0.9", "http://[::1]:80/",
                          "http://LOCALHOST:1/"}) {
    EXPECT_TRUE(loopback_url(yes)) << yes;
  }
  for (const auto* no : {"http://localhost.evil.com/", "http://127.0.0.1.evil.com/", "http://128.0.0.1/", "http://127.0.0/", "http://127.0.0.256/",
                         "http://127.0.0.1@evil.com/", "http://evil.com@127.0.0.1/", "http://[::2]/", "http://0.0.0.0/", "ftp://localhost/",
                         "http://127.1/", "http://127.0.0.01x/", "localhost:80", ""}) {
    EXPECT_FALSE(loopback_url(no)) << no;
  }
}

TEST(teams_phrasing, commands_are_the_bare_words_and_inviting_is_done_in_teams_screens) {
  const phrasing teams;
  EXPECT_EQ(teams.command("join sales"), "join sales");
  EXPECT_EQ(teams.command("status"), "status");
  EXPECT_EQ(teams.invite(), "");
}

}  // namespace
}  // namespace smrel::adapters::teams
