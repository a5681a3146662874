// Slack request signatures (adapters/slack/signature). Input: timestamp header, '\n', signature
// header, '\n', body (missing parts are empty). With a fixed secret and a fixed "now":
// - the fuzzed headers are checked, and only an exact signature inside the window passes;
// - the correct signature for the fuzzed body, at a timestamp derived from the input, passes inside
//   the five-minute window and is stale outside it;
// - that signature with one bit flipped (position from the input) never passes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/slack/signature.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace smrel::adapters::slack;
using smrel::fuzz::check;

namespace {

// The documented example's secret and timestamp (tests/fixtures/slack/signature_vector_a.json).
constexpr std::string_view secret_key = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr long long now_seconds = 1531420618;
const std::chrono::system_clock::time_point now{std::chrono::seconds{now_seconds}};

std::string_view take_line(std::string_view& input) {
  const auto newline = input.find('\n');
  const auto line = input.substr(0, newline);
  input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const smrel::domain::hmac_sha256 secret{secret_key};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto timestamp = take_line(input);
  const auto signature = take_line(input);
  const auto body = input;

  // Any timestamp, however long (regressions/ holds the 12-digit one that once overflowed).
  const auto result = verify_signature(secret, timestamp, signature, body, now);
  if (result == signature_check::ok) {
    check(signature == sign(secret, timestamp, body), "only the exact signature verifies");
  }

  // A timestamp within ±400 s of now, from the input, so both sides of the window are reached.
  std::uint32_t mix = 0;
  for (const char c : timestamp) mix = mix * 31 + static_cast<unsigned char>(c);
  for (const char c : signature) mix = mix * 31 + static_cast<unsigned char>(c);
  const long long offset = static_cast<long long>(mix % 801) - 400;
  const auto signed_at = std::to_string(now_seconds + offset);
  const auto correct = sign(secret, signed_at, body);
  const bool in_window = offset >= -max_clock_skew.count() && offset <= max_clock_skew.count();
  const auto expected = in_window ? signature_check::ok : signature_check::stale;
  check(verify_signature(secret, signed_at, correct, body, now) == expected,
        "a correct signature verifies inside the window and is stale outside it");

  auto flipped = correct;
  const std::size_t bit = (mix / 801) % (flipped.size() * 8);
  flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1U << (bit % 8)));
  check(verify_signature(secret, signed_at, flipped, body, now) != signature_check::ok,
        "a signature with one bit flipped never verifies");
  return 0;
}
