#include "bot/engine/digests.hpp"

#include <algorithm>

#include "bot/engine/text.hpp"
#include "bot/engine/views.hpp"

namespace smrel::engine {
namespace {

// One digest a week per conversation: the key of its outbox row.
std::string digest_key(const domain::workspace_ref& workspace, const domain::conversation_ref& where,
                       scoring::iso_week week) {
  return "digest:" + workspace.id + ":" + where.address + ":" + week.to_string();
}

}  // namespace

command_result digests::weekly_digest(const domain::workspace_ref& workspace, const domain::conversation_ref& where,
                                      scoring::locale lang) {
  const auto s = core_.statuses.current(workspace);
  command_result result;
  // Nudges are issued in the week the digest goes out (the figures are of the last closed week).
  const auto now = core_.clock.now();
  const auto this_week = core_.company_calendar.week_of(now);
  result.posts.push_back({workspace, where, digest_view(*s, lang, core_.phrasing(workspace)),
                          digest_key(workspace, where, this_week), std::nullopt});
  result.issued = s->nudges;
  for (const auto& n : s->nudges) {
    core_.store.record_nudge(
        {0, workspace, std::string(n.what->id), this_week, n.why(scoring::locale::en), now, this_week + follow_up_delay_weeks});
  }
  core_.found.forget_follow_ups();  // the nudges just issued are asked about later
  return result;
}

bool digests::target_among(const domain::workspace_ref& workspace,
                           const std::vector<domain::conversation_ref>& conversations) const {
  const auto installed = core_.store.find_installation(workspace);
  if (!installed || installed->digest_target.empty()) return false;
  // Addresses are compared whole, as everywhere outside the adapter.
  const auto& target = installed->digest_target;
  return std::find(conversations.begin(), conversations.end(), target) != conversations.end();
}

command_result digests::post_here(const domain::chat_command& command, scoring::locale lang) {
  if (command.where.empty()) return reply_only(notice(tr(lang, "I cannot post here.", "Ik kan hier niet posten.")));
  // This conversation becomes the workspace's weekly digest target, and gets this week's now.
  core_.store.set_digest_target(command.who.workspace, command.where, core_.clock.now());
  const auto& phrasing = core_.phrasing(command.who.workspace);
  // A second "digest here" in a week used to say "posting" and post nothing (the week's digest
  // goes to a conversation once): it says so instead, and how to see it now.
  const auto this_week = core_.company_calendar.week_of(core_.clock.now());
  if (core_.store.holds_dedupe_key(digest_key(command.who.workspace, command.where, this_week))) {
    return reply_only(notice(tr(lang, phrasing,
                                "This week's digest was already posted here (or is on its way); it is not posted "
                                "twice. Type {digest preview} to see it now; the weekly digest keeps coming here.",
                                "Het overzicht van deze week is hier al geplaatst (of onderweg); het wordt niet twee "
                                "keer geplaatst. Typ {digest preview} om het nu te zien; het wekelijkse overzicht "
                                "blijft hier komen.")));
  }
  auto result = weekly_digest(command.who.workspace, command.where, lang);
  result.reply = notice(tr(lang, "Posting this week's digest here; the weekly digest comes here from now on.",
                           "Het overzicht van deze week wordt hier geplaatst; het wekelijkse overzicht komt voortaan hier."));
  const auto invite = phrasing.invite();
  result.posts.front().if_bot_absent = notice(
      invite.empty()
          ? tr(lang, phrasing, "I am not in that conversation, so the digest was not posted. Add me to it, then type {digest here} again.",
               "Ik zit niet in dat gesprek, dus het overzicht is niet geplaatst. Voeg me toe en typ dan opnieuw {digest here}.")
          : tr(lang, phrasing, "I am not in that channel, so the digest was not posted. Invite me with ",
               "Ik zit niet in dat kanaal, dus het overzicht is niet geplaatst. Nodig me uit met ") +
                invite + tr(lang, phrasing, ", then type {digest here} again.", " en typ dan opnieuw {digest here}."));
  return result;
}

command_result digests::digest_command(const domain::chat_command& command, std::string_view mode, scoring::locale lang) {
  if (!core_.is_admin(command.who)) {
    return reply_only(notice(tr(lang, core_.phrasing(command.who.workspace), "Only admins can use {digest}.",
                                "Alleen beheerders kunnen {digest} gebruiken.")));
  }
  if (mode == "here") return post_here(command, lang);
  const auto s = core_.statuses.current(command.who.workspace);
  auto preview = digest_view(*s, lang, core_.phrasing(command.who.workspace));
  preview.visible_to_channel = false;
  return reply_only(std::move(preview));
}

}  // namespace smrel::engine
