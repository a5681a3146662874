#include "adapters/teams/jwt.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace smrel::adapters::teams {

using json = nlohmann::json;

namespace {

constexpr std::string_view required_algorithm = "RS256";

// A compact JWS split and decoded; the views point into the caller's token.
struct parsed_token {
  std::string_view signed_part;  // "header.payload", what the signature covers
  std::string signature;
  std::string alg;
  std::optional<std::string> kid;
  std::string iss;
  std::vector<std::string> audiences;
  std::optional<double> exp;
  std::optional<double> nbf;
  std::optional<std::string> service_url;
};

std::optional<json> decode_json_object(std::string_view part) {
  const auto text = decode_base64(part, base64_alphabet::url_strict);
  if (!text) return std::nullopt;
  auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

// A member that, when present, must be a string; nothing in `out` when absent.
bool read_string(const json& object, const char* name, std::optional<std::string>& out) {
  const auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

// NumericDate (RFC 7519): a JSON number, whole or fractional seconds.
bool read_time(const json& object, const char* name, std::optional<double>& out) {
  const auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_number()) return false;
  out = it->get<double>();
  return std::isfinite(*out);
}

bool read_audiences(const json& claims, std::vector<std::string>& out) {
  const auto it = claims.find("aud");
  if (it == claims.end()) return true;  // no audience: refused as `audience`, not as malformed
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return true;
  }
  if (!it->is_array()) return false;
  for (const auto& one : *it) {
    if (!one.is_string()) return false;
    out.push_back(one.get<std::string>());
  }
  return true;
}

struct token_parts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

std::optional<token_parts> split(std::string_view token) {
  if (token.empty() || token.size() > max_token_bytes) return std::nullopt;
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  token_parts parts{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
  if (parts.header.empty() || parts.payload.empty()) return std::nullopt;
  return parts;
}

std::optional<json> decode_header(const token_parts& parts, std::optional<std::string>& kid) {
  auto header = decode_json_object(parts.header);
  if (!header || !read_string(*header, "kid", kid)) return std::nullopt;
  return header;
}

// The header and claims the rules need; cty, typ, x5t and other members are ignored (a `cty` of
// "JWT" has been seen on real tokens and does not mean a nested token here).
std::optional<parsed_token> parse(std::string_view token) {
  const auto parts = split(token);
  if (!parts) return std::nullopt;
  parsed_token out;
  out.signed_part = token.substr(0, parts->header.size() + 1 + parts->payload.size());
  const auto header = decode_header(*parts, out.kid);
  if (!header) return std::nullopt;
  std::optional<std::string> alg;
  if (!read_string(*header, "alg", alg) || !alg) return std::nullopt;
  out.alg = std::move(*alg);
  const auto claims = decode_json_object(parts->payload);
  // An unsigned token ("alg":"none") has an empty signature; it is refused for its algorithm.
  auto signature = decode_base64(parts->signature, base64_alphabet::url_strict);
  if (!claims || !signature) return std::nullopt;
  out.signature = std::move(*signature);
  std::optional<std::string> iss;
  if (!read_string(*claims, "iss", iss) || !read_audiences(*claims, out.audiences) ||
      !read_time(*claims, "exp", out.exp) || !read_time(*claims, "nbf", out.nbf) ||
      !read_string(*claims, "serviceurl", out.service_url)) {
    return std::nullopt;
  }
  out.iss = iss.value_or("");
  return out;
}

std::int64_t whole_seconds_up(double seconds) {
  constexpr auto limit = static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2);
  return static_cast<std::int64_t>(std::ceil(std::clamp(seconds, -limit, limit)));
}

token_problem check_lifetime(const parsed_token& token, const token_rules& rules, std::int64_t now) {
  if (!token.exp) return token_problem::no_expiry;
  const auto current = static_cast<double>(now);
  const auto skew = static_cast<double>(rules.skew.count());
  // As jsonwebtoken does with clockTolerance: expired from exp + skew on, early until nbf - skew.
  if (current >= *token.exp + skew) return token_problem::expired;
  if (token.nbf && *token.nbf > current + skew) return token_problem::not_yet_valid;
  return token_problem::none;
}

}  // namespace

std::string_view describe(token_problem problem) {
  switch (problem) {
    case token_problem::none: return "ok";
    case token_problem::scheme: return "authorization is not \"Bearer <token>\"";
    case token_problem::malformed: return "malformed token";
    case token_problem::algorithm: return "algorithm is not RS256";
    case token_problem::issuer: return "wrong issuer";
    case token_problem::audience: return "wrong audience";
    case token_problem::no_expiry: return "token has no expiry";
    case token_problem::expired: return "token has expired";
    case token_problem::not_yet_valid: return "token is not valid yet";
    case token_problem::unknown_key: return "signing key not found";
    case token_problem::signature: return "bad signature";
    case token_problem::endorsement: return "signing key not endorsed for the channel";
    case token_problem::service_url: return "serviceurl claim does not match the activity";
  }
  return "unknown";
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (!authorization.starts_with(scheme)) return std::nullopt;
  const auto token = authorization.substr(scheme.size());
  if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
  return token;
}

std::optional<std::string> token_key_id(std::string_view token) {
  const auto parts = split(token);
  if (!parts) return std::nullopt;
  std::optional<std::string> kid;
  if (!decode_header(*parts, kid)) return std::nullopt;
  return kid;
}

token_verification verify(std::string_view token, const key_set& keys, const token_rules& rules,
                          std::int64_t now_unix_seconds) {
  token_verification out;
  const auto parsed = parse(token);
  if (!parsed) return out;
  out.token.kid = parsed->kid.value_or("");
  auto refuse = [&out](token_problem problem) {
    out.problem = problem;
    return out;
  };
  if (parsed->alg != required_algorithm) return refuse(token_problem::algorithm);
  // Before the key lookup, as the SDK does: a foreign issuer never triggers a key refresh.
  if (parsed->iss != rules.issuer) return refuse(token_problem::issuer);
  const auto* key = parsed->kid ? keys.find(*parsed->kid) : nullptr;
  if (!key) return refuse(token_problem::unknown_key);
  if (!key->verify_rs256(parsed->signed_part, parsed->signature)) return refuse(token_problem::signature);
  // The issuer again, now that the claims are known to be the signer's (the pre-check read them
  // unverified).
  if (parsed->iss != rules.issuer) return refuse(token_problem::issuer);
  if (rules.app_id.empty() ||
      std::find(parsed->audiences.begin(), parsed->audiences.end(), rules.app_id) == parsed->audiences.end()) {
    return refuse(token_problem::audience);
  }
  if (const auto problem = check_lifetime(*parsed, rules, now_unix_seconds); problem != token_problem::none) {
    return refuse(problem);
  }
  out.token.has_service_url = parsed->service_url.has_value();
  out.token.service_url = parsed->service_url.value_or("");
  out.token.endorsements = key->endorsements();
  out.token.expires_at = whole_seconds_up(*parsed->exp);
  return refuse(token_problem::none);
}

token_problem check_activity(const verified_token& token, std::string_view channel_id, std::string_view service_url) {
  // Endorsements restrict only when the key lists some: in 2023 keys stopped carrying them for
  // some channels, and validators that required them broke. When the key lists some, the channel
  // must be among them; an activity that names none is refused (the SDK's EndorsementsValidator
  // lets it pass, which would make the list meaningless to anyone who leaves channelId out).
  if (!token.endorsements.empty() &&
      std::find(token.endorsements.begin(), token.endorsements.end(), channel_id) == token.endorsements.end()) {
    return token_problem::endorsement;
  }
  // Policy: a token without the serviceurl claim is refused. Every activity carries a serviceUrl,
  // and the claim is what makes it trustworthy enough to send the bot's access token there; the
  // SDK also refuses when the activity has a serviceUrl and the claim differs or is missing.
  if (!token.has_service_url || token.service_url != service_url) return token_problem::service_url;
  return token_problem::none;
}

}  // namespace smrel::adapters::teams
