#include "bot/domain/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <mutex>
#include <stdexcept>
#include <vector>

namespace smrel::domain {

// The keyed context is prepared once. Signing takes a spare copy of it from a small pool and
// re-initialises it with the key already in place (EVP_MAC_init with a null key), so the hot
// path neither re-derives the key pads nor allocates a context per request.
struct hmac_sha256::keyed_context {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  std::mutex spare_mutex;
  std::vector<EVP_MAC_CTX*> spare;
  ~keyed_context() {
    for (auto* c : spare) EVP_MAC_CTX_free(c);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
  EVP_MAC_CTX* take() {
    {
      std::lock_guard lock(spare_mutex);
      if (!spare.empty()) {
        auto* c = spare.back();
        spare.pop_back();
        return c;
      }
    }
    return EVP_MAC_CTX_dup(ctx);
  }
  void give_back(EVP_MAC_CTX* c) {
    std::lock_guard lock(spare_mutex);
    spare.push_back(c);
  }
};

hmac_sha256::hmac_sha256(std::string_view key) : context_(std::make_unique<keyed_context>()) {
  context_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (!context_->mac) throw std::runtime_error("OpenSSL has no HMAC");
  context_->ctx = EVP_MAC_CTX_new(context_->mac);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char empty = 0;
  const auto* key_bytes = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
  if (!context_->ctx || EVP_MAC_init(context_->ctx, key_bytes, key.size(), params) != 1) {
    throw std::runtime_error("cannot set up HMAC-SHA256");
  }
}

hmac_sha256::~hmac_sha256() = default;
hmac_sha256::hmac_sha256(hmac_sha256&&) noexcept = default;
hmac_sha256& hmac_sha256::operator=(hmac_sha256&&) noexcept = default;

sha256_digest hmac_sha256::sign(std::string_view message) const { return sign({message}); }

sha256_digest hmac_sha256::sign(std::initializer_list<std::string_view> parts) const {
  auto* ctx = context_->take();
  if (!ctx) throw std::runtime_error("cannot copy the HMAC context");
  bool ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1;  // same key, fresh message
  for (const auto part : parts) {
    if (ok && !part.empty()) ok = EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
  }
  sha256_digest out{};
  std::size_t length = 0;
  ok = ok && EVP_MAC_final(ctx, out.data(), &length, out.size()) == 1 && length == out.size();
  if (!ok) {
    EVP_MAC_CTX_free(ctx);  // a context in an unknown state is not reused
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  context_->give_back(ctx);
  return out;
}

std::string to_hex(const sha256_digest& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(digest.size() * 2, '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = digits[digest[i] >> 4];
    out[2 * i + 1] = digits[digest[i] & 0x0F];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw std::runtime_error("no random bytes available");
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (const auto b : buffer) {
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

}  // namespace smrel::domain
