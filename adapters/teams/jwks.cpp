#include "adapters/teams/jwks.hpp"

#include "adapters/teams/connector.hpp"

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>

namespace smrel::adapters::teams {

using json = nlohmann::json;

namespace {

// 0–63 for a base64 digit of either alphabet, -1 otherwise; which alphabet is allowed is checked
// by the caller.
int digit_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

bool is_url_digit(char c) { return c != '+' && c != '/'; }
bool is_standard_digit(char c) { return c != '-' && c != '_'; }

struct pkey_free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct bn_free {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
struct param_bld_free {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct params_free {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

using bignum = std::unique_ptr<BIGNUM, bn_free>;

bignum to_bignum(const std::string& big_endian) {
  return bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()),
                          static_cast<int>(big_endian.size()), nullptr));
}

// An RSA public key from its modulus and exponent (big-endian bytes), or null.
std::unique_ptr<EVP_PKEY, pkey_free> rsa_public_key(const std::string& modulus, const std::string& exponent) {
  const auto n = to_bignum(modulus);
  const auto e = to_bignum(exponent);
  if (!n || !e) return nullptr;
  const auto bits = static_cast<std::size_t>(BN_num_bits(n.get()));
  // An even exponent or one below 3 is no RSA key anyone signs with.
  if (bits < min_rsa_bits || bits > max_rsa_bits || !BN_is_odd(e.get()) || BN_num_bits(e.get()) < 2) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> builder(OSSL_PARAM_BLD_new());
  if (!builder || !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, params_free> params(OSSL_PARAM_BLD_to_param(builder.get()));
  std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return std::unique_ptr<EVP_PKEY, pkey_free>(key);
}

const json* string_member(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? &*it : nullptr;
}

std::vector<std::string> endorsements_of(const json& key) {
  std::vector<std::string> out;
  const auto it = key.find("endorsements");
  if (it == key.end() || !it->is_array()) return out;
  for (const auto& channel : *it) {
    if (channel.is_string()) out.push_back(channel.get<std::string>());
  }
  return out;
}

}  // namespace

struct signing_key::impl {
  std::string kid;
  std::vector<std::string> endorsements;
  std::unique_ptr<EVP_PKEY, pkey_free> key;
};

namespace {

std::optional<signing_key> read_key(const json& key) {
  if (!key.is_object()) return std::nullopt;
  const auto* kty = string_member(key, "kty");
  const auto* kid = string_member(key, "kid");
  const auto* n = string_member(key, "n");
  const auto* e = string_member(key, "e");
  if (!kty || *kty != "RSA" || !kid || kid->get_ref<const std::string&>().empty() || !n || !e) return std::nullopt;
  // `use` is optional in RFC 7517; when present it must say the key signs.
  if (const auto use = key.find("use"); use != key.end() && (!use->is_string() || *use != "sig")) return std::nullopt;
  const auto modulus = decode_base64(n->get_ref<const std::string&>(), base64_alphabet::url_or_standard);
  const auto exponent = decode_base64(e->get_ref<const std::string&>(), base64_alphabet::url_or_standard);
  if (!modulus || !exponent || exponent->size() > sizeof(std::uint64_t)) return std::nullopt;
  auto pkey = rsa_public_key(*modulus, *exponent);
  if (!pkey) return std::nullopt;
  auto made = std::make_shared<signing_key::impl>();
  made->kid = kid->get<std::string>();
  made->endorsements = endorsements_of(key);
  made->key = std::move(pkey);
  return signing_key(std::move(made));
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text, base64_alphabet alphabet) {
  const bool strict = alphabet == base64_alphabet::url_strict;
  if (!strict) {
    // Standard base64 may end in one or two '=' that pad it to a multiple of four.
    std::size_t padding = 0;
    while (!text.empty() && text.back() == '=' && padding < 2) {
      text.remove_suffix(1);
      ++padding;
    }
    if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  bool url = false;
  bool standard = false;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = digit_value(c);
    if (value < 0) return std::nullopt;
    url = url || !is_standard_digit(c);
    standard = standard || !is_url_digit(c);
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // One text uses one alphabet; "-" and "+" together are garbage, not a key.
  if ((strict && standard) || (url && standard)) return std::nullopt;
  // The spare low bits of the last digit must be zero, so each token part has one spelling.
  if (strict && (buffer & ((1U << bits) - 1U)) != 0) return std::nullopt;
  return out;
}

signing_key::signing_key(std::shared_ptr<const impl> key) : impl_(std::move(key)) {}

const std::string& signing_key::kid() const { return impl_->kid; }

const std::vector<std::string>& signing_key::endorsements() const { return impl_->endorsements; }

bool signing_key::verify_rs256(std::string_view signed_part, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  // The EVP_PKEY is shared read-only; verification does not modify it.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

const signing_key* key_set::find(std::string_view kid) const {
  const auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

void key_set::add(signing_key key) {
  // The first key under a kid wins: a later duplicate cannot replace it.
  auto kid = key.kid();
  keys_.try_emplace(std::move(kid), std::move(key));
}

std::optional<key_set> parse_jwks(std::string_view text) {
  const auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return std::nullopt;
  key_set out;
  for (const auto& key : *keys) {
    if (auto made = read_key(key)) out.add(std::move(*made));
  }
  return out;
}

std::optional<std::string> jwks_uri_from_metadata(std::string_view metadata_json) {
  const auto doc = json::parse(metadata_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto* uri = string_member(doc, "jwks_uri");
  if (!uri) return std::nullopt;
  const auto& text = uri->get_ref<const std::string&>();
  if (text.find_first_of(" \r\n\t") != std::string::npos) return std::nullopt;
  // The keys decide which tokens are believed: https only, or plain http on loopback (tests).
  if (text.starts_with("https://") && text.size() > 8) return text;
  if (loopback_url(text)) return text;
  return std::nullopt;
}

}  // namespace smrel::adapters::teams
