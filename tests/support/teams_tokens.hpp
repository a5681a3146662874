#pragma once
// Real Bot Framework-style tokens for integration tests: RSA 2048 keys made once per process with
// OpenSSL 3, their JWKs, and JWTs signed RS256 (or deliberately wrong: alg none, HS256, another key)
// with the header and claims a test picks.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smrel::testing {

inline std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

/// One RSA 2048 key pair with a kid.
class rsa_test_key {
 public:
  explicit rsa_test_key(std::string kid) : kid_(std::move(kid)), key_(EVP_RSA_gen(2048), EVP_PKEY_free) {
    if (!key_) throw std::runtime_error("EVP_RSA_gen failed");
    n_ = base64url(param(OSSL_PKEY_PARAM_RSA_N));
    e_ = base64url(param(OSSL_PKEY_PARAM_RSA_E));
  }

  const std::string& kid() const { return kid_; }
  /// The public key as a JWK, with `endorsements` when given (nullopt: no such member).
  nlohmann::json jwk(const std::optional<std::vector<std::string>>& endorsements = std::vector<std::string>{"msteams"}) const {
    nlohmann::json k{{"kty", "RSA"}, {"use", "sig"}, {"kid", kid_}, {"n", n_}, {"e", e_}};
    if (endorsements) k["endorsements"] = *endorsements;
    return k;
  }
  /// RS256 signature over `input`.
  std::string sign(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t size = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      throw std::runtime_error("EVP_DigestSign failed");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      throw std::runtime_error("EVP_DigestSign failed");
    }
    signature.resize(size);
    return signature;
  }

 private:
  std::string param(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param failed");
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }

  std::string kid_;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
  std::string n_;
  std::string e_;
};

/// How a test token is made. Defaults: a valid Bot Framework channel token for `aud`.
struct token_spec {
  enum class signing { main_key, other_key, none, hs256 };
  std::string aud;
  std::optional<std::string> serviceurl;  // nullopt: no serviceurl claim
  std::string iss = "https://api.botframework.com";
  std::optional<std::string> kid;  // nullopt: the signing key's own kid
  signing how = signing::main_key;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::seconds nbf_offset{-60};
  std::chrono::seconds exp_offset{3600};
  bool with_exp = true;
};

/// The process's test keys: `main()` is in the fake JWKS, `other()` never is.
class token_minter {
 public:
  static const token_minter& instance() {
    static const token_minter minter;
    return minter;
  }
  const rsa_test_key& main() const { return main_; }
  const rsa_test_key& other() const { return other_; }

  /// A compact JWS for the header and claims given, signed as `how` says (`kid` goes in the header).
  std::string sign(const nlohmann::json& header, const nlohmann::json& claims, token_spec::signing how) const {
    const auto input = base64url(header.dump()) + "." + base64url(claims.dump());
    switch (how) {
      case token_spec::signing::none: return input + ".";
      case token_spec::signing::hs256: {
        // HMAC keyed with the public modulus: the classic RS256→HS256 confusion attack.
        const auto secret = main_.jwk()["n"].get<std::string>();
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned size = 0;
        HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
             input.size(), mac, &size);
        return input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), size));
      }
      case token_spec::signing::other_key: return input + "." + base64url(other_.sign(input));
      case token_spec::signing::main_key: break;
    }
    return input + "." + base64url(main_.sign(input));
  }

  std::string token(const token_spec& spec) const {
    const auto seconds = [](std::chrono::system_clock::time_point t) {
      return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    const char* alg = spec.how == token_spec::signing::none ? "none" : spec.how == token_spec::signing::hs256 ? "HS256" : "RS256";
    const auto& key = spec.how == token_spec::signing::other_key ? other_ : main_;
    nlohmann::json header{{"alg", alg}, {"typ", "JWT"}, {"kid", spec.kid.value_or(key.kid())}};
    header["x5t"] = header["kid"];
    nlohmann::json claims{{"iss", spec.iss}, {"aud", spec.aud}, {"nbf", seconds(spec.now + spec.nbf_offset)}};
    if (spec.with_exp) claims["exp"] = seconds(spec.now + spec.exp_offset);
    if (spec.serviceurl) claims["serviceurl"] = *spec.serviceurl;
    return sign(header, claims, spec.how);
  }

 private:
  token_minter() : main_("smrel-test-key-main"), other_("smrel-test-key-other") {}
  rsa_test_key main_;
  rsa_test_key other_;
};

}  // namespace smrel::testing
