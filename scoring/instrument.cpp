#include "scoring/instrument.hpp"

namespace smrel::scoring {
namespace {

using enum dimension;

// Our own wording. Each statement covers the same ground as the matching item of the article's
// questionnaire, so q01…q20 stay comparable with it, but none reproduces the copyrighted text.
constexpr std::array<statement, statement_count> instrument{{
    {"q01", shared_kpis_funnel, "Our sales results usually land close to the forecast we made.",
     "Onze verkoopresultaten komen meestal dicht bij de prognose die we maakten."},
    {"q02", conflict_trust,
     "When results disappoint, Sales and Marketing look for causes together instead of blaming each other.",
     "Als de resultaten tegenvallen, zoeken Sales en Marketing samen naar oorzaken in plaats van elkaar de schuld te geven."},
    {"q03", customers_enablement, "Marketers regularly join conversations with our key customers.",
     "Marketeers schuiven regelmatig aan bij gesprekken met onze belangrijkste klanten."},
    {"q04", joint_planning, "Marketing involves Sales when it writes its plans.",
     "Marketing betrekt Sales bij het maken van zijn plannen."},
    {"q05", feedback_loops,
     "Sales tells Marketing which content helps close deals, and Marketing acts on it.",
     "Sales laat Marketing weten welke content helpt om deals te sluiten, en Marketing doet daar iets mee."},
    {"q06", feedback_loops, "Sales readily shares what it hears from customers when Marketing asks.",
     "Sales deelt graag wat het van klanten hoort als Marketing erom vraagt."},
    {"q07", communication, "Sales and Marketing use the same words for leads, stages and customers.",
     "Sales en Marketing gebruiken dezelfde woorden voor leads, fases en klanten."},
    {"q08", communication,
     "The heads of Sales and Marketing regularly talk about where our market is heading.",
     "De leiders van Sales en Marketing praten geregeld over de richting van onze markt."},
    {"q09", joint_planning, "Sales and Marketing decide together which segments to target and how they buy.",
     "Sales en Marketing bepalen samen op welke segmenten we ons richten en hoe die kopen."},
    {"q10", conflict_trust, "Our joint meetings are about opportunities, not about settling disputes.",
     "Ons gezamenlijk overleg gaat over kansen, niet over het beslechten van ruzies."},
    {"q11", joint_planning,
     "The heads of Sales and Marketing plan together for offers that launch years from now.",
     "De leiders van Sales en Marketing plannen samen voor aanbod dat pas over jaren op de markt komt."},
    {"q12", shared_kpis_funnel, "Sales and Marketing are judged by at least some of the same metrics.",
     "Sales en Marketing worden op ten minste een deel van dezelfde cijfers beoordeeld."},
    {"q13", customers_enablement, "Marketing helps shape the strategy for our most important accounts.",
     "Marketing denkt mee over de aanpak van onze belangrijkste klanten."},
    {"q14", shared_kpis_funnel,
     "We work from one pipeline that both teams built, from first interest to signed deal.",
     "We werken vanuit één pijplijn die beide teams samen bouwden, van eerste interesse tot getekende deal."},
    {"q15", feedback_loops, "Marketing studies pipeline and win/loss data to make the funnel work better.",
     "Marketing analyseert pijplijn- en win/verliesdata om de funnel beter te laten werken."},
    {"q16", conflict_trust, "People in Sales and Marketing feel they win or lose as one team.",
     "Mensen in Sales en Marketing voelen dat ze als één team winnen of verliezen."},
    {"q17", structure_roles, "Sales and Marketing answer to one leader who owns revenue.",
     "Sales en Marketing vallen onder één leider die verantwoordelijk is voor de omzet."},
    {"q18", structure_roles, "People move between jobs in Sales and in Marketing.",
     "Mensen stappen over tussen functies in Sales en in Marketing."},
    {"q19", customers_enablement, "Sales and Marketing build training and events for each other's people.",
     "Sales en Marketing maken samen trainingen en events voor elkaars mensen."},
    {"q20", joint_planning,
     "Each team helps prepare and present the other's plans to top management.",
     "Elk team helpt de plannen van het andere team voor te bereiden en aan de directie te presenteren."},
}};

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

}  // namespace

std::span<const statement, statement_count> statements() { return instrument; }

std::optional<std::size_t> statement_index(std::string_view id) {
  for (std::size_t i = 0; i < instrument.size(); ++i) {
    if (instrument[i].id == id) return i;
  }
  return std::nullopt;
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

std::optional<locale> parse_locale(std::string_view id) {
  // Platforms send "nl-NL", "nl_BE", "en-US"…; only the language part decides.
  const auto language = id.substr(0, id.find_first_of("-_"));
  if (language == "nl" || language == "NL") return locale::nl;
  if (language == "en" || language == "EN") return locale::en;
  return std::nullopt;
}

std::string_view rating_label(int value, locale lang) {
  if (value < lowest_rating || value > highest_rating) return {};
  const auto& labels = lang == locale::nl ? labels_nl : labels_en;
  return labels[static_cast<std::size_t>(value - lowest_rating)];
}

}  // namespace smrel::scoring
