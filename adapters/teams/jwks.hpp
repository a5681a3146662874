#pragma once
// The Bot Framework's signing keys: the OpenID metadata names a JWKS (RFC 7517) whose RSA keys
// sign the Bot Connector's tokens; each key may carry an `endorsements` list of channel ids.
// Pure: the caller fetches the documents; these functions only read them.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smrel::adapters::teams {

/// Token parts use base64url without padding (strict). JWK fields are also accepted in standard
/// base64 with padding, because some publishers (e.g. the botbuilder-js test stub) write that.
enum class base64_alphabet { url_strict, url_or_standard };

/// Decodes `text`; nothing when it is not valid in the alphabet (or has non-zero spare bits,
/// in the strict form).
std::optional<std::string> decode_base64(std::string_view text, base64_alphabet alphabet);

/// One RSA public key from a JWKS. Cheap to copy: the key material is shared and immutable, so
/// several threads may verify with it at once.
class signing_key {
 public:
  const std::string& kid() const;
  /// The channel ids the key is endorsed for; empty when the JWKS gave none or an empty list
  /// (neither restricts the channel: see check_activity).
  const std::vector<std::string>& endorsements() const;
  /// RSASSA-PKCS1-v1_5 with SHA-256 over `signed_part` ("header.payload" as sent).
  bool verify_rs256(std::string_view signed_part, std::string_view signature) const;

  struct impl;  // OpenSSL stays in jwks.cpp
  explicit signing_key(std::shared_ptr<const impl> key);

 private:
  std::shared_ptr<const impl> impl_;
};

/// The usable keys of one JWKS, by kid.
class key_set {
 public:
  const signing_key* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  void add(signing_key key);

 private:
  std::map<std::string, signing_key, std::less<>> keys_;
};

/// RSA keys are 2048 bits or more (the Bot Framework's are 2048); smaller ones are skipped, and so
/// are absurdly large ones, which would make every verification slow.
inline constexpr std::size_t min_rsa_bits = 2048;
inline constexpr std::size_t max_rsa_bits = 8192;

/// Reads a JWKS document ({"keys":[…]}). Skipped keys: not RSA, `use` other than "sig", no kid,
/// bad n/e, size out of range, a kid seen before. Nothing when the document is not a JWKS at all,
/// so a caller can tell a broken answer (keep the old keys) from a set with no usable key.
std::optional<key_set> parse_jwks(std::string_view json);

/// The `jwks_uri` of an OpenID metadata document, if it is an http(s) URL.
std::optional<std::string> jwks_uri_from_metadata(std::string_view metadata_json);

}  // namespace smrel::adapters::teams
