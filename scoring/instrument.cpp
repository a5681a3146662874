#include "scoring/instrument.hpp"

#include <algorithm>
#include <cstdio>

namespace smrel::scoring {
namespace {

using enum dimension;

// Our own statements, based on the themes of the article (never its questionnaire: the article's
// items are HBR's copyright, and our scores are not equivalent to its totals). Each statement asks
// one thing that the person answering can see in their own work, in plain English and Dutch that
// mean the same (same actors, same strength). Ids are stable keys, and q01…q20 keep the ids of
// version 1, so id order is not a presentation order: rotation.cpp and the README arrange the
// statements by dimension or mixed, never in the order of the article's questionnaire.
//
// Versions: a statement whose wording changed in either language carries the version of its new
// wording (`wording_since`), and its earlier wording stays in `earlier_wordings` below, so an old
// pulse message still reads as it was sent. q21…q24 came with version 2.
constexpr std::array<statement, statement_count> instrument{{
    {"q01", shared_kpis_funnel, 2, "The sales results I hear about usually land close to the forecast.",
     "De verkoopresultaten die ik te horen krijg, liggen meestal dicht bij de prognose."},
    {"q02", conflict_trust, 2, "When results disappoint, Sales and Marketing look for the causes together.",
     "Als de resultaten tegenvallen, zoeken Sales en Marketing samen naar de oorzaken."},
    {"q03", customers_enablement, 1, "Marketers regularly join conversations with our key customers.",
     "Marketeers schuiven regelmatig aan bij gesprekken met onze belangrijkste klanten."},
    {"q04", joint_planning, 2, "Marketing asks Sales for input when drawing up the marketing plan.",
     "Marketing vraagt Sales om input bij het opstellen van het marketingplan."},
    {"q05", feedback_loops, 2, "Sales tells Marketing which content helps close deals.",
     "Sales laat Marketing weten welke content helpt om deals te sluiten."},
    {"q06", feedback_loops, 2, "Sales readily shares what it hears from customers when Marketing asks.",
     "Sales deelt bereidwillig wat het van klanten hoort als Marketing erom vraagt."},
    {"q07", communication, 1, "Sales and Marketing use the same words for leads, stages and customers.",
     "Sales en Marketing gebruiken dezelfde woorden voor leads, fases en klanten."},
    {"q08", communication, 2, "Sales and Marketing regularly discuss where our market is heading.",
     "Sales en Marketing bespreken geregeld waar onze markt naartoe gaat."},
    {"q09", joint_planning, 2, "Sales and Marketing decide together which customer segments we focus on.",
     "Sales en Marketing bepalen samen op welke klantsegmenten we ons richten."},
    {"q10", conflict_trust, 2,
     "In the meetings between Sales and Marketing that I attend, most of the time goes to opportunities.",
     "In het overleg tussen Sales en Marketing waar ik bij ben, gaat de meeste tijd naar kansen."},
    {"q11", joint_planning, 2, "Sales helps decide what we will offer customers in the coming years.",
     "Sales helpt bepalen wat we klanten de komende jaren gaan aanbieden."},
    {"q12", shared_kpis_funnel, 2, "Sales and Marketing are judged by at least some of the same metrics.",
     "Sales en Marketing worden deels op dezelfde cijfers beoordeeld."},
    {"q13", customers_enablement, 2, "Marketing helps shape the strategy for our most important accounts.",
     "Marketing helpt de strategie voor onze belangrijkste klanten vorm te geven."},
    {"q14", shared_kpis_funnel, 2,
     "Sales and Marketing work from one pipeline that runs from first interest to signed contract.",
     "Sales en Marketing werken vanuit één pijplijn die loopt van eerste interesse tot getekend contract."},
    {"q15", feedback_loops, 2, "Marketing uses data from our sales pipeline to improve campaigns.",
     "Marketing gebruikt gegevens uit onze salespijplijn om campagnes te verbeteren."},
    {"q16", conflict_trust, 2, "I feel that Sales and Marketing win or lose as one team.",
     "Ik heb het gevoel dat Sales en Marketing als één team winnen of verliezen."},
    {"q17", structure_roles, 2, "I know who has the final say when Sales and Marketing disagree.",
     "Ik weet wie het laatste woord heeft als Sales en Marketing het oneens zijn."},
    {"q18", structure_roles, 2, "Colleagues here regularly switch roles between Sales and Marketing.",
     "Collega's wisselen hier regelmatig van functie tussen Sales en Marketing."},
    {"q19", customers_enablement, 2, "Marketing runs training sessions for salespeople.",
     "Marketing verzorgt trainingen voor verkopers."},
    {"q20", joint_planning, 2, "Sales asks Marketing for input when drawing up the sales plan.",
     "Sales vraagt Marketing om input bij het opstellen van het verkoopplan."},
    {"q21", feedback_loops, 2, "I see Marketing change things based on feedback from Sales.",
     "Ik zie Marketing dingen veranderen op basis van feedback van Sales."},
    {"q22", communication, 2, "When I need something from the other team, I know who to ask.",
     "Als ik iets nodig heb van het andere team, weet ik wie ik moet vragen."},
    {"q23", shared_kpis_funnel, 2, "Sales follows up quickly on leads that come from Marketing.",
     "Sales volgt leads van Marketing snel op."},
    {"q24", structure_roles, 2, "The split of tasks between Sales and Marketing is clear to me.",
     "De taakverdeling tussen Sales en Marketing is voor mij duidelijk."},
}};

/// A wording a statement had before its current one, used from instrument version `since` until
/// the next recorded wording (or the statement's `wording_since`).
struct earlier_wording {
  std::string_view id;
  std::uint8_t since;
  std::string_view text_en;
  std::string_view text_nl;
};

// Version 1, exactly as it was sent, for every statement whose wording changed in version 2.
constexpr std::array earlier_wordings{
    earlier_wording{"q01", 1, "Our sales results usually land close to the forecast we made.",
                    "Onze verkoopresultaten komen meestal dicht bij de prognose die we maakten."},
    earlier_wording{
        "q02", 1, "When results disappoint, Sales and Marketing look for causes together instead of blaming each other.",
        "Als de resultaten tegenvallen, zoeken Sales en Marketing samen naar oorzaken in plaats van elkaar de schuld te geven."},
    earlier_wording{"q04", 1, "Marketing involves Sales when it writes its plans.",
                    "Marketing betrekt Sales bij het maken van zijn plannen."},
    earlier_wording{
        "q05", 1, "Sales tells Marketing which content helps close deals, and Marketing acts on it.",
        "Sales laat Marketing weten welke content helpt om deals te sluiten, en Marketing doet daar iets mee."},
    earlier_wording{"q06", 1, "Sales readily shares what it hears from customers when Marketing asks.",
                    "Sales deelt graag wat het van klanten hoort als Marketing erom vraagt."},
    earlier_wording{"q08", 1,
                    "The heads of Sales and Marketing regularly talk about where our market is heading.",
                    "De leiders van Sales en Marketing praten geregeld over de richting van onze markt."},
    earlier_wording{"q09", 1,
                    "Sales and Marketing decide together which segments to target and how they buy.",
                    "Sales en Marketing bepalen samen op welke segmenten we ons richten en hoe die kopen."},
    earlier_wording{"q10", 1, "Our joint meetings are about opportunities, not about settling disputes.",
                    "Ons gezamenlijk overleg gaat over kansen, niet over het beslechten van ruzies."},
    earlier_wording{
        "q11", 1, "The heads of Sales and Marketing plan together for offers that launch years from now.",
        "De leiders van Sales en Marketing plannen samen voor aanbod dat pas over jaren op de markt komt."},
    earlier_wording{"q12", 1, "Sales and Marketing are judged by at least some of the same metrics.",
                    "Sales en Marketing worden op ten minste een deel van dezelfde cijfers beoordeeld."},
    earlier_wording{"q13", 1, "Marketing helps shape the strategy for our most important accounts.",
                    "Marketing denkt mee over de aanpak van onze belangrijkste klanten."},
    earlier_wording{
        "q14", 1, "We work from one pipeline that both teams built, from first interest to signed deal.",
        "We werken vanuit één pijplijn die beide teams samen bouwden, van eerste interesse tot getekende deal."},
    earlier_wording{"q15", 1, "Marketing studies pipeline and win/loss data to make the funnel work better.",
                    "Marketing analyseert pijplijn- en win/verliesdata om de funnel beter te laten werken."},
    earlier_wording{"q17", 1, "Sales and Marketing answer to one leader who owns revenue.",
                    "Sales en Marketing vallen onder één leider die verantwoordelijk is voor de omzet."},
    earlier_wording{"q16", 1, "People in Sales and Marketing feel they win or lose as one team.",
                    "Mensen in Sales en Marketing voelen dat ze als één team winnen of verliezen."},
    earlier_wording{"q18", 1, "People move between jobs in Sales and in Marketing.",
                    "Mensen stappen over tussen functies in Sales en in Marketing."},
    earlier_wording{"q19", 1, "Sales and Marketing build training and events for each other's people.",
                    "Sales en Marketing maken samen trainingen en events voor elkaars mensen."},
    earlier_wording{"q20", 1, "Each team helps prepare and present the other's plans to top management.",
                    "Elk team helpt de plannen van het andere team voor te bereiden en aan de directie te presenteren."},
};

struct dimension_names {
  std::string_view id;
  std::string_view en;
  std::string_view nl;
};

constexpr std::array<dimension_names, dimension_count> dimension_table{{
    {"conflict_trust", "Conflict & trust", "Conflict & vertrouwen"},
    {"communication", "Communication", "Communicatie"},
    {"feedback_loops", "Feedback loops", "Feedbackloops"},
    {"shared_kpis_funnel", "Shared KPIs & funnel", "Gedeelde KPI's & funnel"},
    {"joint_planning", "Joint planning", "Gezamenlijke planning"},
    {"customers_enablement", "Customers & enablement", "Klanten & enablement"},
    {"structure_roles", "Structure & roles", "Structuur & rollen"},
}};

constexpr std::array<std::string_view, group_count> group_ids{"sales", "marketing", "leadership",
                                                              "other"};

constexpr std::array<std::string_view, highest_rating> labels_en{
    "Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"};
constexpr std::array<std::string_view, highest_rating> labels_nl{
    "Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"};
constexpr std::string_view dont_know_en = "Don't know / can't judge";
constexpr std::string_view dont_know_nl = "Weet ik niet / kan ik niet beoordelen";

}  // namespace

std::span<const statement, statement_count> statements() { return instrument; }

std::optional<std::size_t> statement_index(std::string_view id) {
  for (std::size_t i = 0; i < instrument.size(); ++i) {
    if (instrument[i].id == id) return i;
  }
  return std::nullopt;
}

std::string_view wording(std::size_t index, std::uint8_t version, locale lang) {
  if (index >= instrument.size() || version < first_instrument_version || version > instrument_version) {
    return {};
  }
  const statement& current = instrument[index];
  if (version >= current.wording_since) return current.text(lang);
  // The latest earlier wording that was in force at `version`; none means the statement is newer.
  const earlier_wording* found = nullptr;
  for (const auto& e : earlier_wordings) {
    if (e.id == current.id && e.since <= version && (found == nullptr || e.since > found->since)) found = &e;
  }
  if (found == nullptr) return {};
  return lang == locale::nl ? found->text_nl : found->text_en;
}

std::string_view dimension_id(dimension d) { return dimension_table[static_cast<std::size_t>(d)].id; }

std::string_view dimension_name(dimension d, locale lang) {
  const auto& names = dimension_table[static_cast<std::size_t>(d)];
  return lang == locale::nl ? names.nl : names.en;
}

std::optional<dimension> parse_dimension(std::string_view id) {
  for (const dimension d : all_dimensions) {
    if (dimension_id(d) == id) return d;
  }
  return std::nullopt;
}

std::string_view group_id(group g) { return group_ids[static_cast<std::size_t>(g)]; }

std::optional<group> parse_group(std::string_view id) {
  for (const group g : all_groups) {
    if (group_id(g) == id) return g;
  }
  return std::nullopt;
}

std::string_view locale_id(locale lang) { return lang == locale::nl ? "nl" : "en"; }

std::string one_decimal(double value, locale lang) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  std::string out = buffer;
  if (lang == locale::nl) std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

std::optional<locale> parse_locale(std::string_view id) {
  // Platforms send "nl-NL", "nl_BE", "en-US"…; only the language part decides.
  const auto language = id.substr(0, id.find_first_of("-_"));
  if (language == "nl" || language == "NL") return locale::nl;
  if (language == "en" || language == "EN") return locale::en;
  return std::nullopt;
}

std::string_view rating_label(int value, locale lang) {
  if (value == dont_know) return lang == locale::nl ? dont_know_nl : dont_know_en;
  if (value < lowest_rating || value > highest_rating) return {};
  const auto& labels = lang == locale::nl ? labels_nl : labels_en;
  return labels[static_cast<std::size_t>(value - lowest_rating)];
}

}  // namespace smrel::scoring
