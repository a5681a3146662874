#include "scoring/instrument.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace smrel::scoring {
namespace {

using enum dimension;

// ---------------------------------------------------------------------------------------------
// Version 1 exactly as it was sent. A statement keeps wording_since 1 only when both of its texts
// are still these; any change makes it 2, and wording(i, 1, …) must still return these texts.
struct version_one_statement {
  std::string_view id;
  std::string_view en;
  std::string_view nl;
};

constexpr std::array<version_one_statement, 20> version_one{{
    {"q01", "Our sales results usually land close to the forecast we made.",
     "Onze verkoopresultaten komen meestal dicht bij de prognose die we maakten."},
    {"q02", "When results disappoint, Sales and Marketing look for causes together instead of blaming each other.",
     "Als de resultaten tegenvallen, zoeken Sales en Marketing samen naar oorzaken in plaats van elkaar de schuld te geven."},
    {"q03", "Marketers regularly join conversations with our key customers.",
     "Marketeers schuiven regelmatig aan bij gesprekken met onze belangrijkste klanten."},
    {"q04", "Marketing involves Sales when it writes its plans.",
     "Marketing betrekt Sales bij het maken van zijn plannen."},
    {"q05", "Sales tells Marketing which content helps close deals, and Marketing acts on it.",
     "Sales laat Marketing weten welke content helpt om deals te sluiten, en Marketing doet daar iets mee."},
    {"q06", "Sales readily shares what it hears from customers when Marketing asks.",
     "Sales deelt graag wat het van klanten hoort als Marketing erom vraagt."},
    {"q07", "Sales and Marketing use the same words for leads, stages and customers.",
     "Sales en Marketing gebruiken dezelfde woorden voor leads, fases en klanten."},
    {"q08", "The heads of Sales and Marketing regularly talk about where our market is heading.",
     "De leiders van Sales en Marketing praten geregeld over de richting van onze markt."},
    {"q09", "Sales and Marketing decide together which segments to target and how they buy.",
     "Sales en Marketing bepalen samen op welke segmenten we ons richten en hoe die kopen."},
    {"q10", "Our joint meetings are about opportunities, not about settling disputes.",
     "Ons gezamenlijk overleg gaat over kansen, niet over het beslechten van ruzies."},
    {"q11", "The heads of Sales and Marketing plan together for offers that launch years from now.",
     "De leiders van Sales en Marketing plannen samen voor aanbod dat pas over jaren op de markt komt."},
    {"q12", "Sales and Marketing are judged by at least some of the same metrics.",
     "Sales en Marketing worden op ten minste een deel van dezelfde cijfers beoordeeld."},
    {"q13", "Marketing helps shape the strategy for our most important accounts.",
     "Marketing denkt mee over de aanpak van onze belangrijkste klanten."},
    {"q14", "We work from one pipeline that both teams built, from first interest to signed deal.",
     "We werken vanuit één pijplijn die beide teams samen bouwden, van eerste interesse tot getekende deal."},
    {"q15", "Marketing studies pipeline and win/loss data to make the funnel work better.",
     "Marketing analyseert pijplijn- en win/verliesdata om de funnel beter te laten werken."},
    {"q16", "People in Sales and Marketing feel they win or lose as one team.",
     "Mensen in Sales en Marketing voelen dat ze als één team winnen of verliezen."},
    {"q17", "Sales and Marketing answer to one leader who owns revenue.",
     "Sales en Marketing vallen onder één leider die verantwoordelijk is voor de omzet."},
    {"q18", "People move between jobs in Sales and in Marketing.",
     "Mensen stappen over tussen functies in Sales en in Marketing."},
    {"q19", "Sales and Marketing build training and events for each other's people.",
     "Sales en Marketing maken samen trainingen en events voor elkaars mensen."},
    {"q20", "Each team helps prepare and present the other's plans to top management.",
     "Elk team helpt de plannen van het andere team voor te bereiden en aan de directie te presenteren."},
}};

// ---------------------------------------------------------------------------------------------
// The reviewer's checklist: one row per statement, written down so that a change of wording has to
// come with a look at what the statement asks, who can answer it, and which terms carry its
// meaning in both languages.
struct term_pair {
  std::string_view en;
  std::string_view nl;
};

struct checklist_row {
  std::string_view id;
  std::string_view idea;      // the one thing asked, in a few words
  std::string_view observer;  // who can see it in their own work
  std::vector<term_pair> key_terms;  // each must appear in its language's text
  // "and"/"or" phrases that name one thing (a subject, a list of nouns, an idiom), not two demands.
  std::vector<term_pair> allowed = {};
};

constexpr term_pair sales_and_marketing{"Sales and Marketing", "Sales en Marketing"};
constexpr std::string_view anyone = "anyone in Sales or Marketing";

const std::vector<checklist_row>& checklist() {
  static const std::vector<checklist_row> rows{
      {"q01", "sales results land near the forecast", "anyone who hears the sales results",
       {{"sales results", "verkoopresultaten"}, {"forecast", "prognose"}, {"usually", "meestal"},
        {"close", "dicht bij"}}},
      {"q02", "a disappointment brings a joint search for its causes", anyone,
       {{"results disappoint", "resultaten tegenvallen"}, {"causes", "oorzaken"}, {"together", "samen"}},
       {sales_and_marketing}},
      {"q03", "marketers take part in customer conversations", "salespeople, marketers",
       {{"marketers", "marketeers"}, {"regularly", "regelmatig"}, {"conversations", "gesprekken"},
        {"key customers", "belangrijkste klanten"}}},
      {"q04", "Sales is asked for input to the marketing plan", "salespeople (asked or not), marketers",
       {{"asks", "vraagt"}, {"input", "input"}, {"drawing up", "opstellen"},
        {"marketing plan", "marketingplan"}}},
      {"q05", "Sales tells Marketing which content sells", "salespeople, marketers",
       {{"tells", "laat marketing weten"}, {"which content", "welke content"}, {"helps", "helpt"},
        {"close deals", "deals te sluiten"}}},
      {"q06", "Sales shares customer insight when asked", "salespeople, marketers",
       {{"readily", "bereidwillig"}, {"shares", "deelt"}, {"customers", "klanten"}, {"asks", "vraagt"}}},
      {"q07", "one vocabulary for the things both sides talk about", anyone,
       {{"same words", "dezelfde woorden"}, {"leads", "leads"}, {"stages", "fases"}, {"customers", "klanten"}},
       {sales_and_marketing, {"leads, stages and customers", "leads, fases en klanten"}}},
      {"q08", "talks about where the market is heading", "anyone in Sales or Marketing who takes part",
       {{"regularly", "geregeld"}, {"discuss", "bespreken"}, {"market", "markt"}, {"heading", "naartoe"}},
       {sales_and_marketing}},
      {"q09", "target segments chosen jointly", anyone,
       {{"decide", "bepalen"}, {"together", "samen"}, {"customer segments", "klantsegmenten"},
        {"focus on", "richten"}},
       {sales_and_marketing}},
      {"q10", "joint meetings spent on opportunities", "anyone who attends Sales–Marketing meetings",
       {{"meetings", "overleg"}, {"I attend", "waar ik bij ben"}, {"most of the time", "de meeste tijd"},
        {"opportunities", "kansen"}},
       {sales_and_marketing}},
      {"q11", "Sales has a say in what we will offer", "salespeople, marketers, leaders",
       {{"helps decide", "helpt bepalen"}, {"offer", "aanbieden"}, {"customers", "klanten"},
        {"coming years", "komende jaren"}}},
      {"q12", "both sides judged by shared metrics", anyone,
       {{"judged", "beoordeeld"}, {"at least some", "deels"}, {"same metrics", "dezelfde cijfers"}},
       {sales_and_marketing}},
      {"q13", "Marketing shapes key-account strategy", "salespeople on those accounts, marketers",
       {{"helps", "helpt"}, {"shape", "vorm"}, {"strategy", "strategie"},
        {"most important accounts", "belangrijkste klanten"}}},
      {"q14", "a single pipeline from interest to contract", "anyone who works with the pipeline",
       {{"one pipeline", "één pijplijn"}, {"first interest", "eerste interesse"},
        {"signed contract", "getekend contract"}},
       {sales_and_marketing}},
      {"q15", "Marketing learns from pipeline data", "marketers; salespeople who see the campaigns",
       {{"uses", "gebruikt"}, {"data", "gegevens"}, {"sales pipeline", "salespijplijn"},
        {"improve", "verbeteren"}, {"campaigns", "campagnes"}}},
      {"q16", "my sense of a shared fate as one team", anyone,
       {{"I feel", "ik heb het gevoel"}, {"one team", "één team"}, {"win", "winnen"}, {"lose", "verliezen"}},
       {sales_and_marketing, {"win or lose", "winnen of verliezen"}}},
      {"q17", "it is known who settles a disagreement", anyone,
       {{"I know", "ik weet"}, {"final say", "laatste woord"}, {"disagree", "oneens"}},
       {sales_and_marketing}},
      {"q18", "people move between the two functions", anyone,
       {{"colleagues", "collega"}, {"regularly", "regelmatig"}, {"switch", "wisselen"}, {"roles", "functie"}},
       {sales_and_marketing}},
      {"q19", "Marketing trains the sales force", "salespeople, marketers",
       {{"Marketing", "Marketing"}, {"training", "training"}, {"salespeople", "verkopers"}}},
      {"q20", "Marketing is asked for input to the sales plan", "salespeople, marketers (asked or not)",
       {{"asks", "vraagt"}, {"input", "input"}, {"drawing up", "opstellen"}, {"sales plan", "verkoopplan"}}},
      {"q21", "feedback from Sales leads to change", "salespeople, marketers",
       {{"I see", "ik zie"}, {"change", "veranderen"}, {"based on", "op basis van"},
        {"feedback from Sales", "feedback van Sales"}}},
      {"q22", "knowing whom to ask in the other team",
       "anyone in Sales or Marketing (the other team: Marketing for salespeople, Sales for marketers)",
       {{"need", "nodig"}, {"other team", "andere team"}, {"I know", "weet ik"}, {"ask", "vragen"}}},
      {"q23", "Marketing's leads are followed up quickly", "salespeople, marketers",
       {{"follows up", "volgt"}, {"quickly", "snel"}, {"leads", "leads"}, {"from Marketing", "van Marketing"}}},
      {"q24", "the split of tasks is clear", anyone,
       {{"split of tasks", "taakverdeling"}, {"clear", "duidelijk"}, {"to me", "voor mij"}},
       {sales_and_marketing}},
  };
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The mechanical checks, each returning what it found wrong, so that a failure names the problem
// and the same checks can be shown to catch version 1's defects.
using problems = std::vector<std::string>;

std::string lower(std::string_view text) {
  std::string out(text);
  // ASCII only: UTF-8 bytes of "één" pass through unchanged, which is all a substring test needs.
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view text, std::string_view term) {
  return lower(text).find(lower(term)) != std::string::npos;
}

std::string without(std::string text, std::string_view phrase) {
  const auto needle = lower(phrase);
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at)) {
    text.replace(at, needle.size(), " ");
  }
  return text;
}

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || u >= 0x80;  // a byte of a UTF-8 letter such as é
}

// `term` as a whole word or phrase: "elk" is not found in "elkaar", "one" not in "someone".
bool contains_word(std::string_view text, std::string_view term) {
  const auto haystack = lower(text);
  const auto needle = lower(term);
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    const auto end = at + needle.size();
    if ((at == 0 || !is_word_byte(haystack[at - 1])) && (end == haystack.size() || !is_word_byte(haystack[end]))) {
      return true;
    }
  }
  return false;
}

problems key_term_problems(std::string_view en, std::string_view nl, const std::vector<term_pair>& terms) {
  problems found;
  for (const auto& t : terms) {
    if (!contains(en, t.en)) found.push_back("English lacks key term \"" + std::string(t.en) + "\"");
    if (!contains(nl, t.nl)) found.push_back("Dutch lacks key term \"" + std::string(t.nl) + "\"");
  }
  return found;
}

// One idea: once the row's allowed phrases are taken out, no "and"/"or" ("en"/"of") is left to join
// two demands, and no "/" or "&" offers two things at once.
problems one_idea_problems(std::string_view en, std::string_view nl, const std::vector<term_pair>& allowed) {
  problems found;
  auto en_rest = " " + lower(en) + " ";
  auto nl_rest = " " + lower(nl) + " ";
  for (const auto& a : allowed) {
    en_rest = without(en_rest, a.en);
    nl_rest = without(nl_rest, a.nl);
  }
  for (const std::string_view joiner : {" and ", " or "}) {
    if (en_rest.find(joiner) != std::string::npos) found.push_back("English joins with \"" + std::string(joiner) + "\"");
  }
  for (const std::string_view joiner : {" en ", " of "}) {
    if (nl_rest.find(joiner) != std::string::npos) found.push_back("Dutch joins with \"" + std::string(joiner) + "\"");
  }
  for (const std::string_view text : {en, nl}) {
    if (text.find_first_of("/&") != std::string_view::npos) found.push_back("\"/\" or \"&\" in \"" + std::string(text) + "\"");
  }
  return found;
}

// Words that change what a statement claims (who does it together, how often, how many, whether
// not): when one language has one, the other must have its counterpart. A back-translation guard.
struct must_match {
  std::vector<std::string_view> en;
  std::vector<std::string_view> nl;
};

const std::vector<must_match>& must_match_terms() {
  static const std::vector<must_match> terms{
      {{"together"}, {"samen"}},
      {{"always"}, {"altijd"}},
      {{"never"}, {"nooit"}},
      {{"every", "each"}, {"elk", "elke", "ieder", "iedere"}},
      {{"everyone", "everybody"}, {"iedereen"}},
      {{"eachother"}, {"elkaar", "elkaars"}},  // "each other", see normalised_en
      {{"all"}, {"alle", "allemaal"}},
      {{"both"}, {"beide", "allebei", "zowel"}},
      {{"only"}, {"alleen", "slechts"}},
      {{"usually"}, {"meestal"}},
      {{"often"}, {"vaak"}},
      {{"regularly"}, {"regelmatig", "geregeld"}},
      {{"sometimes"}, {"soms"}},
      {{"not", "no", "without", "instead of"}, {"niet", "geen", "zonder", "in plaats van"}},
      {{"one"}, {"één"}},
      {{"two"}, {"twee"}},
      {{"three"}, {"drie"}},
      {{"first"}, {"eerste"}},
  };
  return terms;
}

// "each other" is one term (elkaar), not "each" (elk).
std::string normalised_en(std::string_view en) {
  auto text = lower(en);
  for (auto at = text.find("each other"); at != std::string::npos; at = text.find("each other", at)) {
    text.replace(at, std::string_view("each other").size(), "eachother");
  }
  return text;
}

std::string digits(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      out += text[i];
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  return out;
}

problems must_match_problems(std::string_view en, std::string_view nl) {
  problems found;
  const auto en_text = normalised_en(en);
  for (const auto& m : must_match_terms()) {
    const bool in_en = std::any_of(m.en.begin(), m.en.end(), [&](auto t) { return contains_word(en_text, t); });
    const bool in_nl = std::any_of(m.nl.begin(), m.nl.end(), [&](auto t) { return contains_word(nl, t); });
    if (in_en != in_nl) {
      found.push_back("\"" + std::string(in_en ? m.en.front() : m.nl.front()) + "\" in only one language");
    }
  }
  if (digits(en) != digits(nl)) found.push_back("numbers differ");
  return found;
}

// Statements only the two heads (or the board) could judge were version 1's other defect.
problems observability_problems(std::string_view en, std::string_view nl) {
  problems found;
  for (const std::string_view only_heads : {"heads of", "top management", "the board"}) {
    if (contains(en, only_heads)) found.push_back("English asks about \"" + std::string(only_heads) + "\"");
  }
  for (const std::string_view only_heads : {"leiders van", "directie", "het bestuur"}) {
    if (contains(nl, only_heads)) found.push_back("Dutch asks about \"" + std::string(only_heads) + "\"");
  }
  return found;
}

std::string joined(const problems& found) {
  std::string out;
  for (const auto& p : found) out += p + "; ";
  return out;
}

const checklist_row* row_for(std::string_view id) {
  for (const auto& row : checklist()) {
    if (row.id == id) return &row;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------

TEST(instrument, has_twenty_four_statements_q01_to_q24_in_order) {
  ASSERT_EQ(statements().size(), 24U);
  for (std::size_t i = 0; i < statements().size(); ++i) {
    const auto expected = (i < 9 ? "q0" : "q") + std::to_string(i + 1);
    EXPECT_EQ(statements()[i].id, expected);
    EXPECT_EQ(statement_index(expected), i);
  }
  EXPECT_FALSE(statement_index("q25"));
  EXPECT_FALSE(statement_index("q00"));
  EXPECT_FALSE(statement_index("Q01"));
}

TEST(instrument, every_statement_is_written_in_english_and_dutch) {
  std::set<std::string_view> seen_en;
  std::set<std::string_view> seen_nl;
  for (const auto& s : statements()) {
    EXPECT_GT(s.text_en.size(), 20U) << s.id;
    EXPECT_GT(s.text_nl.size(), 20U) << s.id;
    EXPECT_LE(s.text_en.size(), 110U) << s.id << " is long for a message line";
    EXPECT_NE(s.text_en, s.text_nl) << s.id;
    EXPECT_TRUE(seen_en.insert(s.text_en).second) << s.id;
    EXPECT_TRUE(seen_nl.insert(s.text_nl).second) << s.id;
    EXPECT_EQ(s.text(locale::en), s.text_en);
    EXPECT_EQ(s.text(locale::nl), s.text_nl);
  }
}

TEST(instrument, dimensions_have_the_chosen_number_of_statements) {
  const std::map<dimension, int> expected{
      {conflict_trust, 3},     {communication, 3},        {feedback_loops, 4},  {shared_kpis_funnel, 4},
      {joint_planning, 4},     {customers_enablement, 3}, {structure_roles, 3},
  };
  ASSERT_EQ(all_dimensions.size(), 7U);
  int total = 0;
  for (const dimension d : all_dimensions) {
    int count = 0;
    for (const auto& s : statements()) count += s.dim == d;
    EXPECT_GE(count, 3) << dimension_id(d);
    EXPECT_EQ(count, expected.at(d)) << dimension_id(d);
    total += count;
    EXPECT_FALSE(dimension_name(d, locale::en).empty());
    EXPECT_FALSE(dimension_name(d, locale::nl).empty());
    EXPECT_EQ(parse_dimension(dimension_id(d)), d);
  }
  EXPECT_EQ(total, 24);
  EXPECT_TRUE(parse_dimension("shared_kpis_funnel"));
  EXPECT_TRUE(parse_dimension("feedback_loops"));
}

TEST(instrument, wording_since_says_whether_a_statement_changed_since_version_one) {
  for (std::size_t i = 0; i < statements().size(); ++i) {
    const auto& s = statements()[i];
    EXPECT_TRUE(s.wording_since == 1 || s.wording_since == 2) << s.id;
    EXPECT_LE(s.wording_since, instrument_version) << s.id;
    if (i >= version_one.size()) {
      EXPECT_EQ(s.wording_since, 2) << s.id << " is new in version 2";
      continue;
    }
    const auto& old = version_one[i];
    ASSERT_EQ(old.id, s.id);
    const bool unchanged = old.en == s.text_en && old.nl == s.text_nl;
    EXPECT_EQ(s.wording_since == 1, unchanged)
        << s.id << ": wording_since must be 1 exactly when neither language changed";
  }
}

TEST(instrument, wording_returns_the_text_each_version_sent) {
  for (std::size_t i = 0; i < statements().size(); ++i) {
    const auto& s = statements()[i];
    for (const locale lang : {locale::en, locale::nl}) {
      EXPECT_EQ(wording(i, instrument_version, lang), s.text(lang)) << s.id;
      EXPECT_TRUE(wording(i, 0, lang).empty()) << s.id;
      EXPECT_TRUE(wording(i, instrument_version + 1, lang).empty()) << s.id;
      EXPECT_TRUE(wording(i, 255, lang).empty()) << s.id;
    }
    if (i >= version_one.size()) {
      EXPECT_TRUE(wording(i, 1, locale::en).empty()) << s.id << " did not exist in version 1";
      EXPECT_TRUE(wording(i, 1, locale::nl).empty()) << s.id << " did not exist in version 1";
      continue;
    }
    const auto& old = version_one[i];
    EXPECT_EQ(wording(i, 1, locale::en), old.en) << s.id;
    EXPECT_EQ(wording(i, 1, locale::nl), old.nl) << s.id;
    if (s.wording_since == 1) {
      EXPECT_EQ(wording(i, 1, locale::en), s.text_en) << s.id;
      EXPECT_EQ(wording(i, 1, locale::nl), s.text_nl) << s.id;
    } else {
      EXPECT_TRUE(wording(i, 1, locale::en) != s.text_en || wording(i, 1, locale::nl) != s.text_nl) << s.id;
    }
  }
  EXPECT_TRUE(wording(statement_count, 1, locale::en).empty());
  EXPECT_TRUE(wording(statement_count, instrument_version, locale::nl).empty());
}

TEST(instrument, answers_count_only_for_the_wording_they_were_given_to) {
  for (const auto& s : statements()) {
    EXPECT_TRUE(answers_current_wording(s, instrument_version)) << s.id;
    EXPECT_EQ(answers_current_wording(s, 1), s.wording_since == 1) << s.id;
  }
}

TEST(instrument, checklist_has_one_row_per_statement) {
  std::set<std::string_view> rows;
  for (const auto& row : checklist()) {
    EXPECT_TRUE(rows.insert(row.id).second) << row.id << " has two rows";
    EXPECT_TRUE(statement_index(row.id)) << row.id << " is not a statement";
    EXPECT_FALSE(row.idea.empty()) << row.id;
    EXPECT_FALSE(row.observer.empty()) << row.id;
    EXPECT_GE(row.key_terms.size(), 2U) << row.id;
  }
  for (const auto& s : statements()) EXPECT_TRUE(rows.contains(s.id)) << s.id << " has no checklist row";
}

TEST(instrument, key_terms_appear_in_both_languages) {
  for (const auto& s : statements()) {
    const auto* row = row_for(s.id);
    ASSERT_NE(row, nullptr) << s.id;
    const auto found = key_term_problems(s.text_en, s.text_nl, row->key_terms);
    EXPECT_TRUE(found.empty()) << s.id << ": " << joined(found);
  }
}

TEST(instrument, every_statement_asks_one_thing) {
  for (const auto& s : statements()) {
    const auto* row = row_for(s.id);
    ASSERT_NE(row, nullptr) << s.id;
    for (const auto& a : row->allowed) {  // an allowance is for a phrase that is really there
      EXPECT_TRUE(contains(s.text_en, a.en)) << s.id << ": allowed \"" << a.en << "\" is not in the text";
      EXPECT_TRUE(contains(s.text_nl, a.nl)) << s.id << ": allowed \"" << a.nl << "\" is not in the text";
    }
    const auto found = one_idea_problems(s.text_en, s.text_nl, row->allowed);
    EXPECT_TRUE(found.empty()) << s.id << ": " << joined(found);
  }
}

TEST(instrument, english_and_dutch_say_equally_much) {
  for (const auto& s : statements()) {
    const auto found = must_match_problems(s.text_en, s.text_nl);
    EXPECT_TRUE(found.empty()) << s.id << ": " << joined(found);
  }
}

TEST(instrument, no_statement_is_only_for_the_heads) {
  for (const auto& s : statements()) {
    const auto found = observability_problems(s.text_en, s.text_nl);
    EXPECT_TRUE(found.empty()) << s.id << ": " << joined(found);
  }
}

// The checks above would have caught the methodologist's findings on version 1 (issue 9).
TEST(instrument, checks_catch_the_defects_of_version_one) {
  const auto v1 = [](std::string_view id) {
    const auto found = std::find_if(version_one.begin(), version_one.end(), [&](const auto& s) { return s.id == id; });
    return *found;
  };
  const std::vector<term_pair> subject{sales_and_marketing};
  for (const std::string_view id : {"q05", "q09", "q19", "q20"}) {  // two demands in one statement
    EXPECT_FALSE(one_idea_problems(v1(id).en, v1(id).nl, subject).empty()) << id;
  }
  for (const std::string_view id : {"q14", "q19"}) {  // the Dutch adds "samen"
    EXPECT_FALSE(must_match_problems(v1(id).en, v1(id).nl).empty()) << id;
  }
  for (const std::string_view id : {"q08", "q11", "q20"}) {  // only the heads could say
    EXPECT_FALSE(observability_problems(v1(id).en, v1(id).nl).empty()) << id;
  }
  // "denkt mee" is weaker than "helps shape": the row's key terms no longer match the old Dutch.
  EXPECT_FALSE(key_term_problems(v1("q13").en, v1("q13").nl, row_for("q13")->key_terms).empty());
  // The whole-word guard tells "elkaar" from "elk" and "één" from "een".
  EXPECT_TRUE(must_match_problems("Each team helps.", "Elk team helpt.").empty());
  EXPECT_TRUE(must_match_problems("We help each other.", "We helpen elkaar.").empty());
  EXPECT_FALSE(must_match_problems("We help.", "We helpen elkaar.").empty());
  EXPECT_FALSE(must_match_problems("We use a pipeline.", "We gebruiken één pijplijn.").empty());
  EXPECT_FALSE(must_match_problems("Within 2 days.", "Binnen 3 dagen.").empty());
}

TEST(instrument, groups_locales_and_rating_labels) {
  EXPECT_EQ(parse_group("marketing"), group::marketing);
  EXPECT_FALSE(parse_group("Sales"));
  EXPECT_EQ(parse_locale("nl-NL"), locale::nl);
  EXPECT_EQ(parse_locale("en_GB"), locale::en);
  EXPECT_FALSE(parse_locale("de-DE"));
  EXPECT_EQ(rating_label(1, locale::en), "Strongly disagree");
  EXPECT_EQ(rating_label(5, locale::nl), "Helemaal eens");
  EXPECT_EQ(rating_label(dont_know, locale::en), "Don't know / can't judge");
  EXPECT_EQ(rating_label(dont_know, locale::nl), "Weet ik niet / kan ik niet beoordelen");
  for (const int value : {-1, 0, 7, 255}) {
    EXPECT_TRUE(rating_label(value, locale::en).empty()) << value;
    EXPECT_TRUE(rating_label(value, locale::nl).empty()) << value;
  }
}

TEST(instrument, answers_are_ratings_one_to_five_or_dont_know) {
  for (int value = -2; value <= 10; ++value) {
    EXPECT_EQ(is_answer_value(value), value >= 1 && value <= 6) << value;
    if (is_answer_value(value)) {
      EXPECT_FALSE(rating_label(value, locale::en).empty()) << value;
      EXPECT_FALSE(rating_label(value, locale::nl).empty()) << value;
    }
  }
  EXPECT_EQ(dont_know, 6);
}

}  // namespace
}  // namespace smrel::scoring
