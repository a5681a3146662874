// Teams inbound tokens (adapters/teams/jwt): the whole bearer → parse → verify → check_activity
// path on arbitrary bytes, with a fixed key (key-a of tests/fixtures/teams/tokens.json, made by
// jose; the corpus seeds are tokens from that same file) and a fixed "now":
// - nothing crashes, and nothing but a complete, correctly signed, RS256 token verifies;
// - a verified token names key-a, is not expired at "now", and token_key_id agrees with it;
// - changing any one character of a verified token makes it fail.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/teams/jwks.hpp"
#include "adapters/teams/jwt.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::adapters::teams;
using smrel::fuzz::check;

namespace {

constexpr std::string_view jwks =
    R"({"keys":[{"kty":"RSA","use":"sig","kid":"key-a","e":"AQAB","endorsements":["msteams","skype"],"n":")"
    "y70hH4jjNrxNz30nHkNnUR5715S_SN71Yhj6sj7jAOM1KM8c9bVqtXnLZ6aNcyPbcyjlRLi6cEbD6wcbDGHeDt9C1jlIeUSupYJFTtHKwmscQvGPfhqieY0lXmgsqGWY23Wg_mHQ1UDt4yRj3vaUmbEwnxuEnvVRvdXCZ_i_kECzfrLM9b4rxmcvD_Hwy2KwyAxXRmNM86ErXsc2wXfWTD9icWuu1xJzY2ROm9fS9Z_iiyYQbgNVTSFNilHvfWxpp4zyDXlsfmXhPaxH8sdMYFSUzIySVnfBNtlr5jwZRo1-Cy-vcDaMAmtxUWi7Yn4d9fXNhC90nY0sWBSTz_0-2Q"
    R"("}]})";
constexpr std::int64_t now = 1'900'000'000;

token_rules make_rules() {
  token_rules out;
  out.app_id = "3f6a1c2e-8d4b-4e1a-9c7f-2b5d0e8a6f11";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const key_set keys = *parse_jwks(jwks);
  static const token_rules rules = make_rules();
  check(keys.size() == 1, "the fixed key parses");
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string header = "Bearer " + std::string(input);
  const auto token = bearer_token(header);
  check(token.has_value() == (!input.empty() && input.find(' ') == std::string_view::npos),
        "Bearer plus one space-free token is the only accepted shape");

  const auto result = verify(input, keys, rules, now);
  (void)describe(result.problem);
  (void)token_key_id(input);
  if (!result.ok()) return 0;

  check(result.token.kid == "key-a", "a verified token names the only key");
  check(token_key_id(input) == result.token.kid, "token_key_id agrees with verify");
  check(now < result.token.expires_at + rules.skew.count(), "a verified token is not expired");
  (void)check_activity(result.token, "msteams", result.token.service_url);
  (void)check_activity(result.token, "", "");

  // One character changed, anywhere: the signature covers header and payload, and base64url is
  // read strictly, so the signature part has one spelling only. Verified inputs are rare (the
  // seeds), so every position is tried.
  std::string changed(input);
  for (std::size_t at = 0; at < changed.size(); ++at) {
    const char original = changed[at];
    changed[at] = original == 'A' ? 'B' : 'A';
    check(!verify(changed, keys, rules, now).ok(), "a changed token never verifies");
    changed[at] = original;
  }
  return 0;
}
