// Writes every kind of card the bot sends in Teams, in English and Dutch, as message activities
// (and invoke answers) into the folder named on the command line, for tests/js/validate_cards.mjs
// to check with Microsoft's own `adaptivecards` parser. The messages are the engine's, run over a
// demo company in a temporary database, so a new view or block shows up here by itself.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "adapters/teams/cards.hpp"
#include "adapters/teams/phrasing.hpp"
#include "bot/engine/chat_bot.hpp"
#include "bot/engine/demo.hpp"
#include "bot/engine/views.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono;
using namespace smrel;
using domain::platform;

const domain::workspace_ref tenant{platform::teams, "72f988bf-86f1-41af-91ab-2d7cd011db47"};
const domain::conversation_ref leaders{platform::teams, "teams.c1\nhttps://smba.trafficmanager.net/emea/\nt\n19:leaders@thread.tacv2"};
// Monday of week 48, 11:00: week 47 is published, week 48's pulse is open.
const domain::time_point monday = sys_days{2026y / November / 23} + hours{11};

class writer {
 public:
  explicit writer(std::filesystem::path folder) : folder_(std::move(folder)) { std::filesystem::create_directories(folder_); }
  void message(const std::string& name, const domain::message& m) {
    write(name + ".activity.json", adapters::teams::message_activity(m));
    write(name + ".invoke.json", adapters::teams::invoke_card_response(m));
  }
  int written() const { return written_; }

 private:
  void write(const std::string& file, const std::string& body) {
    std::ofstream out(folder_ / file);
    out << body;
    if (!out) throw std::runtime_error("cannot write " + (folder_ / file).string());
    ++written_;
  }
  std::filesystem::path folder_;
  int written_ = 0;
};

void first_answer(engine::chat_bot& bot, storage::store& store, const domain::member_key& who, const domain::message& pulse) {
  for (const auto& b : pulse.blocks) {
    for (const auto& button : b.buttons) {
      if (button.action != engine::answer_action) continue;
      const auto decision = bot.on_answer_click({who, button.action, button.value, {}, "", "click-" + button.value});
      if (!decision.accepted()) throw std::runtime_error("the demo pulse refused its own button");
      if (decision.answer) store.store_answers(std::span(&*decision.answer, 1));
      return;
    }
  }
}

std::int64_t pulse_id_of(const domain::message& pulse) {
  for (const auto& b : pulse.blocks) {
    for (const auto& button : b.buttons) {
      if (const auto parsed = engine::parse_answer_button(button.value)) return parsed->pulse_id;
    }
  }
  throw std::runtime_error("the pulse has no answer buttons");
}

void samples_in(writer& out, engine::chat_bot& bot, storage::store& store, domain::manual_clock& clock, const std::string& lang) {
  const domain::member_key admin{tenant, "admin-" + lang};
  const domain::member_key person{tenant, "person-" + lang};
  const auto locale = lang == "nl" ? "nl-NL" : "en-US";
  const auto run = [&](const domain::member_key& who, const std::string& words) {
    return bot.on_command({who, words, leaders, locale, ""});
  };
  const auto reply = [&](const std::string& name, const domain::member_key& who, const std::string& words) {
    out.message(lang + "." + name, run(who, words).reply);
  };
  for (const auto* words : {"help", "status", "nudges", "digest", "digest preview", "optout", "optin", "forget", "join", "join sales",
                            "join finance", "language xx", "frobnicate"}) {
    std::string name(words);
    std::replace(name.begin(), name.end(), ' ', '_');
    reply(name, admin, words);
  }
  reply("help_member", person, "help");
  reply("digest_refused", person, "digest");
  const auto here = run(admin, "digest here");
  out.message(lang + ".digest_here", here.reply);
  for (const auto& post : here.posts) {
    out.message(lang + ".digest_post", post.message);
    if (post.if_bot_absent) out.message(lang + ".digest_bot_absent", *post.if_bot_absent);
  }
  for (const auto& post : bot.weekly_digest(tenant, leaders, lang == "nl" ? scoring::locale::nl : scoring::locale::en).posts) {
    out.message(lang + ".weekly_digest", post.message);
  }
  out.message(lang + ".home", bot.home_view(admin));

  // The pulse: fresh, one answer given, every answer given, closed; and a refused click.
  run(person, "join marketing");
  const auto fresh = run(person, "pulse").reply;
  out.message(lang + ".pulse", fresh);
  const auto pulse_id = pulse_id_of(fresh);
  if (const auto dm = bot.pulse_dm(person, pulse_id)) out.message(lang + ".pulse_dm", *dm);
  first_answer(bot, store, person, fresh);
  out.message(lang + ".pulse_answered_one", bot.pulse_message(person, pulse_id, false).value());
  // Every statement answered "3" (follow-up answers are committed by the service's batch, not here).
  for (const auto& blk : fresh.blocks) {
    for (const auto& button : blk.buttons) {
      const auto parsed = engine::parse_answer_button(button.value);
      if (!parsed || parsed->value != 3 || parsed->follow_up != 0) continue;
      const auto decision = bot.on_answer_click({person, button.action, button.value, {}, "", "all-" + button.value});
      if (decision.answer) store.store_answers(std::span(&*decision.answer, 1));
    }
  }
  out.message(lang + ".pulse_answered_all", bot.pulse_message(person, pulse_id, false).value());
  const auto forged = bot.on_answer_click({person, std::string(engine::answer_action), "p999.q01.3", {}, "", "forged"});
  out.message(lang + ".answer_refused", forged.refusal);
  out.message(lang + ".forget_cancel", bot.on_click({person, std::string(engine::forget_cancel_action), "me", {}, "", ""}));
  out.message(lang + ".foreign_click", bot.on_click({person, "approve", "42", {}, "", ""}));
  const auto reopened = clock.now();
  clock.set(reopened + days{8});
  out.message(lang + ".pulse_closed", bot.pulse_message(person, pulse_id, false).value());
  clock.set(reopened);
  out.message(lang + ".forget_confirm", bot.on_click({person, std::string(engine::forget_action), "me", {}, "", ""}));
  reply("language", admin, "language " + lang);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_FOLDER\n", argv[0]);
    return 2;
  }
  try {
    testing::temp_dir dir;
    auto store = storage::open_store("sqlite:" + dir.file("cards.db"));
    store->migrate();
    const domain::pseudonymizer pseudonyms{"card-samples-key-0123456789abcdef0123"};
    config::settings settings;
    settings.admins = {"admin-en", "admin-nl"};
    engine::demo_options demo;
    demo.workspace = tenant;
    demo.current_week = *scoring::iso_week::parse("2026-W48");
    engine::seed_demo(*store, pseudonyms, settings.survey, demo);
    domain::manual_clock clock{monday};
    auto opts = engine::options_from(settings).phrase_commands(platform::teams, std::make_shared<adapters::teams::phrasing>());
    opts.on(platform::teams).pulses_sent_by_dm = true;
    engine::chat_bot bot(*store, pseudonyms, clock, std::move(opts));
    writer out(argv[1]);
    samples_in(out, bot, *store, clock, "en");
    samples_in(out, bot, *store, clock, "nl");
    std::printf("%d card samples written to %s\n", out.written(), argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "card samples: %s\n", e.what());
    return 1;
  }
  return 0;
}
