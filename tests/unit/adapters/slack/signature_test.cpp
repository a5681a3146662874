#include <gtest/gtest.h>

#include <string>

#include "adapters/slack/signature.hpp"

namespace smrel::adapters::slack {
namespace {

using namespace std::chrono_literals;

const domain::hmac_sha256 key{"8f742231b10e8888abcd99yyyzzz85a5"};
const std::string body = "token=x&team_id=T1&command=%2Fsmrel&text=status";
const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'790'000'000}};  // 2026

signature_check check_at(const std::string& timestamp) {
  return verify_signature(key, timestamp, sign(key, timestamp, body), body, now);
}

TEST(signature, a_timestamp_of_more_than_ten_digits_is_refused_without_arithmetic) {
  // 999999999999 used to be multiplied into nanoseconds: signed overflow (UBSan aborts on it).
  EXPECT_EQ(check_at("999999999999"), signature_check::malformed);
  EXPECT_EQ(check_at("99999999999"), signature_check::malformed);
  EXPECT_EQ(check_at("00000000001790000000"), signature_check::malformed);
  EXPECT_EQ(check_at("1790000000"), signature_check::ok);
}

TEST(signature, a_far_future_timestamp_never_wraps_into_the_window) {
  // 2^64 ns is about 18,446,744,073 s: a timestamp that far ahead (the year 2611) wrapped around
  // to "now" when converted to nanoseconds and was accepted.
  EXPECT_EQ(check_at(std::to_string(1'790'000'000LL + 18'446'744'073LL)), signature_check::malformed);
  EXPECT_EQ(check_at("9999999999"), signature_check::stale);  // the largest ten digits: 2286
  EXPECT_EQ(check_at("0"), signature_check::stale);
  EXPECT_EQ(check_at(std::to_string(1'790'000'000 + 300)), signature_check::ok);
  EXPECT_EQ(check_at(std::to_string(1'790'000'000 + 301)), signature_check::stale);
  EXPECT_EQ(check_at(std::to_string(1'790'000'000 - 301)), signature_check::stale);
}

TEST(signature, headers_are_judged_before_the_body_is_read) {
  const auto sig = sign(key, "1790000000", body);
  EXPECT_EQ(check_signature_headers("1790000000", sig, now), signature_check::ok);
  EXPECT_EQ(check_signature_headers("", sig, now), signature_check::missing_headers);
  EXPECT_EQ(check_signature_headers("1790000000", "", now), signature_check::missing_headers);
  EXPECT_EQ(check_signature_headers("1790000000", "v0=abc", now), signature_check::malformed);
  EXPECT_EQ(check_signature_headers("1789999000", sig, now), signature_check::stale);
}

}  // namespace
}  // namespace smrel::adapters::slack
