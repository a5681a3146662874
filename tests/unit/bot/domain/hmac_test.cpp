#include "bot/domain/hmac.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "bot/domain/pseudonymizer.hpp"

namespace smrel::domain {
namespace {

TEST(hmac_sha256, matches_rfc_4231_test_case_2) {
  const hmac_sha256 mac("Jefe");
  EXPECT_EQ(to_hex(mac.sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(to_hex(mac.sign({"what do ya ", "", "want for nothing?"})),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_sha256, reproduces_slacks_documented_signature) {
  std::ifstream file(SMREL_FIXTURES "/slack/signature_vector_a.json");
  ASSERT_TRUE(file);
  const auto vector = nlohmann::json::parse(file);
  const hmac_sha256 mac(vector["signing_secret"].get<std::string>());
  const auto timestamp = vector["timestamp"].get<std::string>();
  const auto body = vector["body"].get<std::string>();
  EXPECT_EQ("v0=" + to_hex(mac.sign({"v0:", timestamp, ":", body})), vector["expected_signature"].get<std::string>());
}

TEST(hmac_sha256, constant_time_equal_compares_contents_and_length) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(hmac_sha256, random_hex_is_hex_of_the_asked_length_and_differs) {
  const auto a = random_hex(32);
  EXPECT_EQ(a.size(), 64U);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, random_hex(32));
}

TEST(pseudonymizer, is_stable_keyed_and_separates_fields) {
  const pseudonymizer p("k-0123456789abcdef0123456789abcdef");
  const member_key ann{{platform::slack, "T1"}, "U1"};
  EXPECT_EQ(p.pseudonym(ann), p.pseudonym(ann));
  EXPECT_EQ(p.pseudonym(ann).size(), 64U);
  EXPECT_NE(p.pseudonym(ann), pseudonymizer("another-key-0123456789abcdef0123").pseudonym(ann));
  EXPECT_NE(p.pseudonym(ann), p.pseudonym({{platform::teams, "T1"}, "U1"}));
  EXPECT_NE(p.pseudonym({{platform::slack, "T1"}, "U12"}), p.pseudonym({{platform::slack, "T1U"}, "12"}));
  EXPECT_EQ(p.pseudonym(ann).find("U1"), std::string::npos);
}

}  // namespace
}  // namespace smrel::domain
