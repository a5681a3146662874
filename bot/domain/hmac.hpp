#pragma once
// HMAC-SHA256 with the key set up once (OpenSSL 3 EVP_MAC), for request signatures and
// pseudonyms alike. Instances are immutable after construction and safe to share across threads.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace smrel::domain {

using sha256_digest = std::array<std::uint8_t, 32>;

class hmac_sha256 {
 public:
  explicit hmac_sha256(std::string_view key);
  ~hmac_sha256();
  hmac_sha256(hmac_sha256&&) noexcept;
  hmac_sha256& operator=(hmac_sha256&&) noexcept;

  sha256_digest sign(std::string_view message) const;
  /// Signs the concatenation of the parts without copying them together.
  sha256_digest sign(std::initializer_list<std::string_view> parts) const;

 private:
  struct keyed_context;
  std::unique_ptr<keyed_context> context_;
};

std::string to_hex(const sha256_digest& digest);
/// Compares in time independent of where the inputs differ (lengths may leak, contents not).
bool constant_time_equal(std::string_view a, std::string_view b);
/// Cryptographically random bytes as lower-case hex (2 × `bytes` characters).
std::string random_hex(std::size_t bytes);

}  // namespace smrel::domain
