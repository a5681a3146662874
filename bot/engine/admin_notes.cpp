#include "bot/engine/admin_notes.hpp"

#include <algorithm>

#include "bot/engine/text.hpp"
#include "bot/engine/views.hpp"
#include "bot/engine/wording.hpp"

namespace smrel::engine {

std::vector<admin_note> admin_notes::digest_undelivered(const domain::workspace_ref& workspace,
                                                        const domain::conversation_ref& where, scoring::iso_week week,
                                                        const post_failure& failure) {
  const auto& phrasing = core_.phrasing(workspace);
  std::vector<admin_note> out;
  for (auto& admin : core_.admins_of(workspace)) {
    const auto lang = core_.locale_of(admin);
    std::string text =
        tr(lang, "This week's digest (", "Het overzicht van deze week (") + week_in_words(week, lang) +
        tr(lang, ") could not be posted in its channel. ", ") kon niet in zijn kanaal worden geplaatst. ");
    const auto invite = phrasing.invite();
    if (failure.bot_absent) {
      text += invite.empty()
                  ? tr(lang, phrasing, "I am not in that conversation: add me to it, then type {digest here} there.",
                       "Ik zit niet in dat gesprek: voeg me toe en typ daar dan {digest here}.")
                  : tr(lang, phrasing, "I am not in that channel: invite me with ",
                       "Ik zit niet in dat kanaal: nodig me uit met ") +
                        invite +
                        tr(lang, phrasing, ", then type {digest here} there.", " en typ daar dan {digest here}.");
    } else {
      text += tr(lang, phrasing, "Type {digest here} in the channel to try again there.",
                 "Typ {digest here} in het kanaal om het daar opnieuw te proberen.");
    }
    text += tr(lang, phrasing, " To read it now: {digest preview}.", " Om het nu te lezen: {digest preview}.");
    auto message = notice(std::move(text));
    message.context({tr(lang, "Channel ", "Kanaal ") + where.address +
                     tr(lang, "; the platform said: ", "; het platform zei: ") + failure.reason});
    out.push_back(
        {admin, std::move(message), "admin.digest:" + workspace.id + ":" + week.to_string() + ":" + admin.user});
  }
  return out;
}

admin_notes::channel_note admin_notes::direct_messages_off(const domain::workspace_ref& workspace,
                                                           scoring::locale lang) {
  const auto& phrasing = core_.phrasing(workspace);
  const auto week = core_.company_calendar.week_of(core_.clock.now());
  std::string text =
      tr(lang,
         "I cannot send direct messages in this workspace: the app's direct messages are turned off, so "
         "this week's pulses wait and nobody is asked. An admin can turn them on",
         "Ik kan in deze werkruimte geen directe berichten sturen: de directe berichten van de app staan "
         "uit, dus de pulses van deze week wachten en niemand wordt gevraagd. Een beheerder kan ze aanzetten");
  const auto where = phrasing.allow_direct_messages();
  text += where.empty() ? "." : tr(lang, " in the app's settings: ", " in de instellingen van de app: ") + where + ".";
  text += tr(lang, phrasing, " The pulses go out within minutes after that. Meanwhile anyone can answer with {pulse}.",
             " De pulses gaan daarna binnen enkele minuten uit. Intussen kan iedereen antwoorden met {pulse}.");
  auto message = notice(std::move(text));
  message.visible_to_channel = true;
  return {std::move(message), "admin.dm_off:" + workspace.id + ":" + week.to_string()};
}

}  // namespace smrel::engine
