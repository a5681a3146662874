// The Bot Framework token rules one by one, on tokens and keys made by the `jose` library
// (tests/fixtures/teams/make_tokens.mjs), at the fixtures' fixed "now".
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "adapters/teams/app_token.hpp"
#include "adapters/teams/jwks.hpp"
#include "adapters/teams/jwt.hpp"

namespace smrel::adapters::teams {
namespace {

using json = nlohmann::json;

const json& fixtures() {
  static const json doc = [] {
    std::ifstream in(std::string(SMREL_FIXTURES) + "/teams/tokens.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return doc;
}

std::int64_t fixture_now() { return fixtures().at("now").get<std::int64_t>(); }
std::string service_url() { return fixtures().at("service_url").get<std::string>(); }

token_rules rules() {
  token_rules out;
  out.app_id = fixtures().at("app_id").get<std::string>();
  return out;
}

const key_set& keys() {
  static const key_set set = *parse_jwks(fixtures().at("jwks").dump());
  return set;
}
const key_set& rotated_keys() {
  static const key_set set = *parse_jwks(fixtures().at("rotated_jwks").dump());
  return set;
}

const json& fixture_case(const std::string& name) {
  for (const auto& c : fixtures().at("cases")) {
    if (c.at("name") == name) return c;
  }
  throw std::runtime_error("no fixture case " + name);
}

std::string token_of(const std::string& name) { return fixture_case(name).at("token").get<std::string>(); }

token_verification verify_case(const std::string& name, std::int64_t now = fixture_now()) {
  return verify(token_of(name), keys(), rules(), now);
}

const std::map<std::string, token_problem>& problem_names() {
  static const std::map<std::string, token_problem> names{
      {"none", token_problem::none},
      {"malformed", token_problem::malformed},
      {"algorithm", token_problem::algorithm},
      {"issuer", token_problem::issuer},
      {"audience", token_problem::audience},
      {"no_expiry", token_problem::no_expiry},
      {"expired", token_problem::expired},
      {"not_yet_valid", token_problem::not_yet_valid},
      {"unknown_key", token_problem::unknown_key},
      {"signature", token_problem::signature},
      {"endorsement", token_problem::endorsement},
      {"service_url", token_problem::service_url},
  };
  return names;
}

TEST(teams_jwt, every_fixture_case_gets_the_problem_the_generator_expects) {
  ASSERT_GE(fixtures().at("cases").size(), 30U);
  for (const auto& c : fixtures().at("cases")) {
    const auto name = c.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const auto& set = c.value("keys", "") == "rotated" ? rotated_keys() : keys();
    const auto result = verify(c.at("token").get<std::string>(), set, rules(), fixture_now());
    EXPECT_EQ(describe(result.problem), describe(problem_names().at(c.at("verify").get<std::string>())));
    if (result.ok()) {
      EXPECT_EQ(describe(check_activity(result.token, "msteams", service_url())),
                describe(problem_names().at(c.at("activity").get<std::string>())));
    }
  }
}

TEST(teams_jwt, a_valid_token_yields_its_claims_and_key) {
  const auto result = verify_case("valid");
  ASSERT_TRUE(result.ok()) << describe(result.problem);
  EXPECT_EQ(result.token.kid, "key-a");
  EXPECT_TRUE(result.token.has_service_url);
  EXPECT_EQ(result.token.service_url, service_url());
  EXPECT_EQ(result.token.endorsements, (std::vector<std::string>{"msteams", "skype"}));
  EXPECT_EQ(result.token.expires_at, fixture_now() + 3600);
  EXPECT_EQ(check_activity(result.token, "msteams", service_url()), token_problem::none);
}

TEST(teams_jwt, only_rs256_is_accepted) {
  EXPECT_EQ(verify_case("alg_none").problem, token_problem::algorithm);
  EXPECT_EQ(verify_case("hs256").problem, token_problem::algorithm);
  EXPECT_EQ(verify_case("rs384").problem, token_problem::algorithm);
  EXPECT_EQ(verify_case("rs512").problem, token_problem::algorithm);
}

TEST(teams_jwt, the_issuer_is_checked_before_the_key_is_looked_up) {
  // Signed by a key we do not have, from another issuer: no key refresh should follow.
  const auto result = verify_case("wrong_iss_unknown_kid");
  EXPECT_EQ(result.problem, token_problem::issuer);
  EXPECT_EQ(verify_case("wrong_iss").problem, token_problem::issuer);
}

TEST(teams_jwt, audience_must_be_the_app_id_as_a_string_or_in_an_array) {
  EXPECT_TRUE(verify_case("aud_array").ok());
  EXPECT_EQ(verify_case("aud_array_without_app").problem, token_problem::audience);
  EXPECT_EQ(verify_case("wrong_aud").problem, token_problem::audience);
  auto no_app = rules();
  no_app.app_id.clear();
  EXPECT_EQ(verify(token_of("valid"), keys(), no_app, fixture_now()).problem, token_problem::audience);
}

TEST(teams_jwt, lifetime_allows_five_minutes_of_skew_on_both_ends) {
  EXPECT_EQ(verify_case("expired").problem, token_problem::expired);
  EXPECT_TRUE(verify_case("exp_inside_skew").ok());
  EXPECT_EQ(verify_case("exp_at_skew").problem, token_problem::expired);
  EXPECT_TRUE(verify_case("nbf_at_skew").ok());
  EXPECT_EQ(verify_case("nbf_outside_skew").problem, token_problem::not_yet_valid);
  EXPECT_EQ(verify_case("no_exp").problem, token_problem::no_expiry);
  // The valid token (exp = now + 3600) by the clock alone.
  EXPECT_TRUE(verify_case("valid", fixture_now() + 3600 + 299).ok());
  EXPECT_EQ(verify_case("valid", fixture_now() + 3600 + 300).problem, token_problem::expired);
  EXPECT_EQ(verify_case("valid", fixture_now() - 60 - 301).problem, token_problem::not_yet_valid);
  EXPECT_TRUE(verify_case("valid", fixture_now() - 60 - 300).ok());
}

TEST(teams_jwt, fractional_times_round_exp_up_so_the_cache_keeps_the_same_window) {
  const auto result = verify_case("fractional_times");
  ASSERT_TRUE(result.ok());
  // exp = now - 300 + 0.25: valid at now, expired one second later.
  EXPECT_EQ(result.token.expires_at, fixture_now() - 300 + 1);
  EXPECT_EQ(verify_case("fractional_times", fixture_now() + 1).problem, token_problem::expired);
  EXPECT_EQ(verify_case("fractional_exp_at_skew").problem, token_problem::expired);
  EXPECT_EQ(verify(token_of("exp_as_string"), keys(), rules(), fixture_now()).problem, token_problem::malformed);
}

TEST(teams_jwt, signatures_must_match_the_named_key) {
  EXPECT_EQ(verify_case("tampered_payload").problem, token_problem::signature);
  EXPECT_EQ(verify_case("flipped_signature").problem, token_problem::signature);
  EXPECT_EQ(verify_case("other_key_same_kid").problem, token_problem::signature);
}

TEST(teams_jwt, an_unknown_kid_is_reported_with_the_kid_so_keys_can_be_refreshed) {
  const auto result = verify_case("unknown_kid");
  EXPECT_EQ(result.problem, token_problem::unknown_key);
  EXPECT_EQ(result.token.kid, "key-b");
  EXPECT_EQ(token_key_id(token_of("unknown_kid")), "key-b");
  EXPECT_EQ(token_key_id(token_of("no_kid")), std::nullopt);
  EXPECT_EQ(verify_case("no_kid").problem, token_problem::unknown_key);
  EXPECT_TRUE(verify(token_of("unknown_kid"), rotated_keys(), rules(), fixture_now()).ok());
  EXPECT_EQ(verify(token_of("valid"), rotated_keys(), rules(), fixture_now()).problem, token_problem::unknown_key);
}

TEST(teams_jwt, cty_typ_and_x5t_in_the_header_are_ignored) {
  EXPECT_TRUE(verify_case("cty_jwt").ok());
}

TEST(teams_jwt, the_2022_teams_tokens_parse_for_their_kid) {
  for (const auto& c : fixtures().at("observed")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const auto token = c.at("token").get<std::string>();
    EXPECT_EQ(token_key_id(token), c.at("kid").get<std::string>());
    // Their issuer is right and their keys long gone.
    EXPECT_EQ(verify(token, keys(), rules(), 1'647'362'000).problem, token_problem::unknown_key);
  }
}

TEST(teams_jwt, malformed_tokens_are_refused_as_malformed) {
  const auto valid = token_of("valid");
  const auto first = valid.find('.');
  const auto second = valid.find('.', first + 1);
  const std::vector<std::string> bad{
      "",
      "abc",
      "a.b",
      valid + ".x",
      "." + valid.substr(first + 1),
      valid.substr(0, first) + ".." + valid.substr(second + 1),
      valid.substr(0, first) + "=" + valid.substr(first),  // padding
      valid.substr(0, first) + "+" + valid.substr(first),  // standard alphabet in a token
      "e30." + valid.substr(first + 1),                    // header {} without alg
      "W10." + valid.substr(first + 1),                    // header [] is no object
      valid.substr(0, second) + ".a*b",                    // garbage signature
      valid + std::string(max_token_bytes, 'A'),
  };
  for (const auto& token : bad) {
    SCOPED_TRACE(token.substr(0, 60));
    EXPECT_EQ(verify(token, keys(), rules(), fixture_now()).problem, token_problem::malformed);
  }
}

TEST(teams_jwt, bearer_scheme_is_exact) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer abc.def.ghi"), std::nullopt);
  EXPECT_EQ(bearer_token("BEARER abc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer  abc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer abc def"), std::nullopt);
  EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
  EXPECT_EQ(bearer_token(""), std::nullopt);
}

verified_token with_endorsements(std::vector<std::string> endorsements) {
  verified_token out;
  out.endorsements = std::move(endorsements);
  out.has_service_url = true;
  out.service_url = "https://smba.trafficmanager.net/teams/";
  return out;
}

TEST(teams_jwt, endorsements_follow_the_sdk_truth_table) {
  const std::string url = "https://smba.trafficmanager.net/teams/";
  // Stricter than the SDK: a key that lists channels does not vouch for an activity naming none.
  EXPECT_EQ(check_activity(with_endorsements({"msteams"}), "", url), token_problem::endorsement);
  EXPECT_EQ(check_activity(with_endorsements({}), "msteams", url), token_problem::none);    // no list: no check
  EXPECT_EQ(check_activity(with_endorsements({"wrong"}), "msteams", url), token_problem::endorsement);
  EXPECT_EQ(check_activity(with_endorsements({"wrong", "msteams"}), "msteams", url), token_problem::none);
  EXPECT_EQ(check_activity(with_endorsements({"MSTEAMS"}), "msteams", url), token_problem::endorsement);
}

TEST(teams_jwt, service_url_must_equal_the_claim_exactly_and_the_claim_is_required) {
  const auto token = verify_case("valid").token;
  EXPECT_EQ(check_activity(token, "msteams", "https://smba.trafficmanager.net/teams"), token_problem::service_url);
  EXPECT_EQ(check_activity(token, "msteams", "https://SMBA.trafficmanager.net/teams/"), token_problem::service_url);
  const auto no_claim = verify_case("no_serviceurl");
  ASSERT_TRUE(no_claim.ok());
  EXPECT_FALSE(no_claim.token.has_service_url);
  EXPECT_EQ(check_activity(no_claim.token, "msteams", ""), token_problem::service_url);
  // Endorsements are judged first.
  const auto webchat = verify_case("endorsements_lack_msteams");
  ASSERT_TRUE(webchat.ok());
  EXPECT_EQ(check_activity(webchat.token, "msteams", "elsewhere"), token_problem::endorsement);
  EXPECT_EQ(check_activity(webchat.token, "", service_url()), token_problem::endorsement);
  EXPECT_EQ(check_activity(webchat.token, "webchat", service_url()), token_problem::none);
}

TEST(teams_jwks, parses_rsa_signing_keys_and_skips_the_rest) {
  EXPECT_EQ(keys().size(), 5U);  // key-ec (EC) and key-enc (use "enc") are skipped
  EXPECT_EQ(keys().find("key-ec"), nullptr);
  EXPECT_EQ(keys().find("key-enc"), nullptr);
  ASSERT_NE(keys().find("key-std64"), nullptr);  // n and e in standard base64
  EXPECT_TRUE(verify_case("standard_base64_key").ok());
  EXPECT_EQ(keys().find("key-plain")->endorsements().size(), 0U);
  EXPECT_EQ(keys().find("key-empty")->endorsements().size(), 0U);
  EXPECT_EQ(keys().find("key-webchat")->endorsements(), (std::vector<std::string>{"webchat", "directline"}));
  EXPECT_TRUE(verify_case("no_endorsements").ok());
  EXPECT_TRUE(verify_case("empty_endorsements").ok());
}

TEST(teams_jwks, a_document_that_is_not_a_jwks_is_told_apart_from_one_without_usable_keys) {
  EXPECT_FALSE(parse_jwks("not json").has_value());
  EXPECT_FALSE(parse_jwks("[]").has_value());
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})").has_value());
  const auto empty = parse_jwks(R"({"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"},7]})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());  // a 17-bit modulus is no key
}

TEST(teams_jwks, a_key_with_a_duplicate_kid_cannot_replace_the_first) {
  auto doc = fixtures().at("jwks");
  auto impostor = fixtures().at("rotated_jwks").at("keys").at(0);
  impostor["kid"] = "key-a";
  doc["keys"].push_back(impostor);
  const auto set = parse_jwks(doc.dump());
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(verify(token_of("valid"), *set, rules(), fixture_now()).ok());
}

TEST(teams_jwks, base64_accepts_both_alphabets_for_keys_but_only_strict_url_for_tokens) {
  EXPECT_EQ(decode_base64("-_8", base64_alphabet::url_strict), std::string("\xfb\xff"));
  EXPECT_EQ(decode_base64("+/8=", base64_alphabet::url_or_standard), std::string("\xfb\xff"));
  EXPECT_EQ(decode_base64("-_8", base64_alphabet::url_or_standard), std::string("\xfb\xff"));
  EXPECT_EQ(decode_base64("+/8", base64_alphabet::url_strict), std::nullopt);
  EXPECT_EQ(decode_base64("-_8=", base64_alphabet::url_strict), std::nullopt);
  EXPECT_EQ(decode_base64("-/8", base64_alphabet::url_or_standard), std::nullopt);  // mixed alphabets
  EXPECT_EQ(decode_base64("-_9", base64_alphabet::url_strict), std::nullopt);       // spare bits set
  EXPECT_EQ(decode_base64("A", base64_alphabet::url_or_standard), std::nullopt);
  EXPECT_EQ(decode_base64("AQ=", base64_alphabet::url_or_standard), std::nullopt);
  EXPECT_EQ(decode_base64("", base64_alphabet::url_strict), std::string());
}

TEST(teams_jwks, jwks_uri_comes_from_the_metadata_and_must_be_http) {
  EXPECT_EQ(jwks_uri_from_metadata(fixtures().at("metadata").dump()), "https://login.botframework.com/v1/.well-known/keys");
  EXPECT_EQ(jwks_uri_from_metadata(R"({"jwks_uri":"http://127.0.0.1:9/keys"})"), "http://127.0.0.1:9/keys");
  EXPECT_EQ(jwks_uri_from_metadata(R"({"jwks_uri":"file:///etc/passwd"})"), std::nullopt);
  EXPECT_EQ(jwks_uri_from_metadata(R"({"jwks_uri":"https://"})"), std::nullopt);
  EXPECT_EQ(jwks_uri_from_metadata(R"({"jwks_uri":7})"), std::nullopt);
  EXPECT_EQ(jwks_uri_from_metadata("{"), std::nullopt);
}

TEST(teams_app_token, the_form_is_url_encoded_with_the_connector_scope) {
  EXPECT_EQ(token_request_form("app-1", "s3cr&t+=/ x"),
            "grant_type=client_credentials&client_id=app-1&client_secret=s3cr%26t%2B%3D%2F%20x"
            "&scope=https%3A%2F%2Fapi.botframework.com%2F.default");
}

TEST(teams_app_token, the_answer_gives_a_bearer_token_and_its_lifetime) {
  const auto grant = parse_token_answer(
      R"({"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"eyJ0.abc-_"})");
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->token, "eyJ0.abc-_");
  EXPECT_EQ(grant->lifetime, std::chrono::seconds{3600});
  const auto text = parse_token_answer(R"({"token_type":"bearer","expires_in":"3599","access_token":"t"})");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->lifetime, std::chrono::seconds{3599});
}

TEST(teams_app_token, odd_answers_give_no_token) {
  for (const auto* body : {
           R"({"token_type":"mac","expires_in":3600,"access_token":"t"})",
           R"({"expires_in":3600,"access_token":"t"})",
           R"({"token_type":"Bearer","access_token":"t"})",
           R"({"token_type":"Bearer","expires_in":0,"access_token":"t"})",
           R"({"token_type":"Bearer","expires_in":-5,"access_token":"t"})",
           R"({"token_type":"Bearer","expires_in":"soon","access_token":"t"})",
           R"({"token_type":"Bearer","expires_in":3600,"access_token":""})",
           R"({"token_type":"Bearer","expires_in":3600,"access_token":"a\r\nX-Evil: 1"})",
           R"({"token_type":"Bearer","expires_in":3600,"access_token":"a b"})",
           R"({"error":"invalid_client"})",
           "<html>",
       }) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(parse_token_answer(body).has_value());
  }
}

}  // namespace
}  // namespace smrel::adapters::teams
