#include "adapters/teams/address.hpp"

#include <vector>

namespace smrel::adapters::teams {
namespace {

// Versioned tags: a later layout gets a new tag, and old rows still decode by theirs.
constexpr std::string_view conversation_tag = "teams.c1";
constexpr std::string_view reply_tag = "teams.r1";
constexpr std::string_view contact_tag = "teams.u1";
constexpr std::string_view private_reply_tag = "teams.p1";
constexpr std::string_view direct_chat_tag = "teams.d1";
constexpr char separator = '\n';

struct field {
  std::string_view value;
  bool required = true;
};

std::string join(std::string_view tag, const std::vector<field>& fields) {
  std::string out(tag);
  for (const auto& f : fields) {
    if (f.value.find(separator) != std::string_view::npos) return {};
    if (f.required && f.value.empty()) return {};
    out += separator;
    out += f.value;
  }
  return out;
}

// The fields after `tag`, when there are exactly `count`; nullopt for another tag or count.
std::optional<std::vector<std::string>> split(std::string_view encoded, std::string_view tag, std::size_t count) {
  if (encoded.size() <= tag.size() || encoded.substr(0, tag.size()) != tag || encoded[tag.size()] != separator) {
    return std::nullopt;
  }
  std::vector<std::string> fields;
  std::size_t start = tag.size() + 1;
  while (true) {
    const auto end = encoded.find(separator, start);
    fields.emplace_back(encoded.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (fields.size() != count) return std::nullopt;
  return fields;
}

}  // namespace

std::string encode(const conversation_address& a) {
  return join(conversation_tag, {{a.service_url, true}, {a.tenant, false}, {a.conversation, true}});
}

std::optional<conversation_address> decode_conversation(std::string_view encoded) {
  auto f = split(encoded, conversation_tag, 3);
  if (!f || (*f)[0].empty() || (*f)[2].empty()) return std::nullopt;
  return conversation_address{std::move((*f)[0]), std::move((*f)[1]), std::move((*f)[2])};
}

std::string encode(const reply_address& a) {
  const auto& c = a.conversation;
  return join(reply_tag, {{c.service_url, true}, {c.tenant, false}, {c.conversation, true}, {a.activity_id, true}});
}

std::optional<reply_address> decode_reply(std::string_view encoded) {
  auto f = split(encoded, reply_tag, 4);
  if (!f || (*f)[0].empty() || (*f)[2].empty() || (*f)[3].empty()) return std::nullopt;
  return reply_address{{std::move((*f)[0]), std::move((*f)[1]), std::move((*f)[2])}, std::move((*f)[3])};
}

std::string encode(const contact& c) {
  return join(contact_tag, {{c.service_url, true}, {c.tenant, false}, {c.user, true}});
}

std::optional<contact> decode_contact(std::string_view encoded) {
  auto f = split(encoded, contact_tag, 3);
  if (!f || (*f)[0].empty() || (*f)[2].empty()) return std::nullopt;
  return contact{std::move((*f)[0]), std::move((*f)[1]), std::move((*f)[2])};
}

std::string encode(const direct_chat& d) {
  const auto& p = d.person;
  return join(direct_chat_tag, {{p.service_url, true}, {p.tenant, false}, {p.user, true}, {d.conversation, true}});
}

std::optional<direct_chat> decode_direct_chat(std::string_view encoded) {
  auto f = split(encoded, direct_chat_tag, 4);
  if (!f || (*f)[0].empty() || (*f)[2].empty() || (*f)[3].empty()) return std::nullopt;
  return direct_chat{{std::move((*f)[0]), std::move((*f)[1]), std::move((*f)[2])}, std::move((*f)[3])};
}

std::string encode(const private_reply& r) {
  const auto& c = r.thread.conversation;
  return join(private_reply_tag, {{c.service_url, true}, {c.tenant, false}, {c.conversation, true},
                                  {r.thread.activity_id, true}, {r.user, true}});
}

std::optional<private_reply> decode_private_reply(std::string_view encoded) {
  auto f = split(encoded, private_reply_tag, 5);
  if (!f || (*f)[0].empty() || (*f)[2].empty() || (*f)[3].empty() || (*f)[4].empty()) return std::nullopt;
  return private_reply{{{std::move((*f)[0]), std::move((*f)[1]), std::move((*f)[2])}, std::move((*f)[3])}, std::move((*f)[4])};
}

}  // namespace smrel::adapters::teams
