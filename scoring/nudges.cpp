#include "scoring/nudges.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace smrel::scoring {
namespace {

using enum dimension;
using enum nudge_kind;

// Drawn from the article's moves (../shared/reference/domain.md, A1 and A3), one concrete action
// each. Ordered by priority within a stage: earlier entries win ties.
const std::array<nudge, 21> nudges{{
    // Undefined → Defined: good fences first.
    {"lead_definition", stage::undefined, shared_kpis_funnel, shared_kpi,
     {"Agree on what counts as a lead", "Spreek af wat een lead is"},
     {"Write a one-page lead definition with the hand-off point from Marketing to Sales, and track the lead acceptance rate (leads Sales accepts ÷ leads handed over) every week.",
      "Schrijf op één pagina wat een lead is en waar Marketing overdraagt aan Sales, en volg elke week het acceptatiepercentage (door Sales geaccepteerde leads ÷ overgedragen leads)."},
     {"Sales and Marketing work from one written definition of a qualified lead.",
      "Sales en Marketing werken met één vastgelegde definitie van een gekwalificeerde lead."}},
    {"rules_of_engagement", stage::undefined, structure_roles, rule,
     {"Set rules of engagement for the recurring fights", "Maak spelregels voor de terugkerende ruzies"},
     {"List the three disputes that keep coming back (budget, pricing, who owns an account), and write down for each who decides and where the hand-off lies.",
      "Noteer de drie ruzies die steeds terugkomen (budget, prijzen, wie een klant bezit) en leg per ruzie vast wie beslist en waar de overdracht ligt."},
     {"It is clear who decides when Sales and Marketing disagree.",
      "Het is duidelijk wie beslist als Sales en Marketing het oneens zijn."}},
    {"lost_deal_huddle", stage::undefined, conflict_trust, feedback_loop,
     {"Trade blame for a monthly lost-deal huddle", "Vervang de schuldvraag door een maandelijkse verloren-dealsessie"},
     {"Once a month, review five lost deals together for 30 minutes, facts first, and leave with one action per deal and an owner.",
      "Bespreek één keer per maand samen vijf verloren deals in 30 minuten, eerst de feiten, en vertrek met één actie per deal en een eigenaar."},
     {"We discuss lost deals without looking for someone to blame.",
      "We bespreken verloren deals zonder een schuldige te zoeken."}},
    {"shared_glossary", stage::undefined, communication, rule,
     {"Build a shared glossary", "Maak een gedeelde woordenlijst"},
     {"Agree on ten words both teams use daily (lead, MQL, opportunity, each pipeline stage) and pin the definitions where both teams work.",
      "Spreek tien woorden af die beide teams dagelijks gebruiken (lead, MQL, opportunity, elke pijplijnfase) en zet de definities waar beide teams werken."},
     {"When Sales and Marketing say 'lead' or 'opportunity', they mean the same thing.",
      "Als Sales en Marketing 'lead' of 'opportunity' zeggen, bedoelen ze hetzelfde."}},

    // Defined → Aligned: disciplined communication, joint work, feedback from the field.
    {"joint_monthly_meeting", stage::defined, communication, feedback_loop,
     {"Hold a monthly Sales–Marketing meeting with an agenda", "Houd een maandelijks Sales–Marketingoverleg met agenda"},
     {"Meet monthly with opportunities and problems on the agenda; every item ends with an owner and a date. Measure it by actions closed, not meetings held.",
      "Kom maandelijks bijeen met kansen en problemen op de agenda; elk punt eindigt met een eigenaar en een datum. Meet het aan afgeronde acties, niet aan gehouden vergaderingen."},
     {"Our joint meetings end with clear actions that actually get done.",
      "Ons gezamenlijk overleg eindigt met duidelijke acties die ook echt gebeuren."}},
    {"field_feedback", stage::defined, feedback_loops, feedback_loop,
     {"Make feedback from the field cheap to give", "Maak feedback uit het veld makkelijk"},
     {"Have the head of Sales send a monthly one-page summary of what customers say, and let Marketing read call notes and CRM data itself instead of asking reps to fill in forms.",
      "Laat het hoofd Sales maandelijks een samenvatting van één pagina sturen over wat klanten zeggen, en laat Marketing zelf gespreksnotities en CRM-data lezen in plaats van formulieren bij verkopers uit te zetten."},
     {"Marketing learns what customers say without having to chase Sales for it.",
      "Marketing hoort wat klanten zeggen zonder Sales daarvoor te hoeven achtervolgen."}},
    {"collateral_review", stage::defined, customers_enablement, rule,
     {"Let Sales review collateral before it ships", "Laat Sales materiaal beoordelen voor het uitgaat"},
     {"No sales collateral goes out until two reps have reviewed it; each quarter, check which pieces reps actually used in deals.",
      "Geen verkoopmateriaal gaat de deur uit voordat twee verkopers het hebben beoordeeld; kijk elk kwartaal welk materiaal verkopers echt in deals gebruikten."},
     {"The content Marketing makes is useful in my sales conversations.",
      "Het materiaal dat Marketing maakt, is bruikbaar in mijn verkoopgesprekken."}},
    {"marketing_liaison", stage::defined, structure_roles, structure,
     {"Appoint a Marketing liaison to the sales team", "Stel een contactpersoon vanuit Marketing aan voor Sales"},
     {"Name one marketer whom both sides trust to work with the sales team, settle small conflicts and carry what each side knows to the other.",
      "Wijs één marketeer aan die beide kanten vertrouwen, die met het salesteam optrekt, kleine conflicten oplost en kennis heen en weer brengt."},
     {"There is a person I can go to when Sales and Marketing need to sort something out.",
      "Er is iemand bij wie ik terechtkan als Sales en Marketing iets moeten uitzoeken."}},
    {"account_reviews", stage::defined, customers_enablement, feedback_loop,
     {"Invite Marketing to the top-10 account reviews", "Nodig Marketing uit bij de top-10-klantreviews"},
     {"Give a marketer a standing seat at the review of your ten largest accounts, with one takeaway for Marketing after each review.",
      "Geef een marketeer een vaste plek bij de review van je tien grootste klanten, met na elke review één les voor Marketing."},
     {"Marketing knows what is going on at our most important customers.",
      "Marketing weet wat er speelt bij onze belangrijkste klanten."}},
    {"campaign_preview", stage::defined, joint_planning, rule,
     {"Let Sales preview campaigns and plans", "Laat Sales campagnes en plannen vooraf zien"},
     {"Show campaigns and the quarterly marketing plan to a few reps before launch, and record what changed because of their input.",
      "Laat campagnes en het kwartaalplan van Marketing vóór de lancering aan een paar verkopers zien, en noteer wat er door hun inbreng veranderde."},
     {"Sales has a real say in Marketing's plans before they launch.",
      "Sales heeft echt inspraak in de plannen van Marketing voordat ze starten."}},

    // Aligned → Integrated: shared funnel, shared numbers.
    {"lead_sla", stage::aligned, shared_kpis_funnel, shared_kpi,
     {"Sign a lead SLA and track it together", "Sluit een lead-SLA en volg die samen"},
     {"Marketing commits to a number of qualified leads a month, Sales to a first touch within 24 hours; review monthly: volume against the SLA, time to first touch, acceptance rate.",
      "Marketing belooft een aantal gekwalificeerde leads per maand, Sales een eerste contact binnen 24 uur; bekijk maandelijks: volume tegen de SLA, tijd tot eerste contact, acceptatiepercentage."},
     {"Both teams know whether we met our lead agreement last month.",
      "Beide teams weten of we vorige maand onze leadafspraak hebben gehaald."}},
    {"win_loss_fields", stage::aligned, feedback_loops, feedback_loop,
     {"Capture win/loss reasons at close", "Leg redenen van winst en verlies vast bij afsluiten"},
     {"Make three fields required on every closed deal (main reason, competitor, what would have helped) and have Marketing review them monthly for messaging and lead scoring.",
      "Maak drie velden verplicht bij elke afgesloten deal (hoofdreden, concurrent, wat had geholpen) en laat Marketing ze maandelijks bekijken voor boodschap en leadscoring."},
     {"Win and loss reasons from Sales change what Marketing does.",
      "Redenen van winst en verlies uit Sales veranderen wat Marketing doet."}},
    {"joint_pipeline_review", stage::aligned, shared_kpis_funnel, feedback_loop,
     {"Run a joint pipeline review every two weeks", "Houd elke twee weken een gezamenlijke pijplijnreview"},
     {"Marketing brings lead volume, acceptance rate and conversion by channel; Sales brings coverage, stage mix and velocity; both leave with actions for the next 30 days.",
      "Marketing brengt leadvolume, acceptatiepercentage en conversie per kanaal mee; Sales brengt dekking, fasemix en snelheid; beide vertrekken met acties voor de komende 30 dagen."},
     {"Sales and Marketing look at the same pipeline numbers together.",
      "Sales en Marketing bekijken samen dezelfde pijplijncijfers."}},
    {"top_account_playbook", stage::aligned, joint_planning, rule,
     {"Co-write a playbook for your top accounts", "Schrijf samen een playbook voor je topklanten"},
     {"For the ten most important accounts in each segment, write one shared plan: who we talk to, with which message, and which events and content support it.",
      "Schrijf voor de tien belangrijkste klanten per segment één gezamenlijk plan: met wie we praten, met welke boodschap, en welke events en content dat ondersteunen."},
     {"Sales and Marketing work from one plan for our key accounts.",
      "Sales en Marketing werken vanuit één plan voor onze belangrijkste klanten."}},
    {"shared_revenue_target", stage::aligned, conflict_trust, shared_kpi,
     {"Put both teams on one revenue number", "Zet beide teams op één omzetcijfer"},
     {"Give Sales and the campaign side of Marketing one shared revenue target, with new customers and closed deals counting for both in goals and rewards.",
      "Geef Sales en het campagnedeel van Marketing één gedeeld omzetdoel, waarbij nieuwe klanten en gesloten deals voor beide meetellen in doelen en beloning."},
     {"Sales and Marketing succeed or fail on the same number.",
      "Sales en Marketing slagen of falen op hetzelfde cijfer."}},

    // Integrated: keep the shared system honest.
    {"shared_funnel_dashboard", stage::integrated, shared_kpis_funnel, shared_kpi,
     {"Keep one funnel dashboard for both teams", "Houd één funneldashboard voor beide teams"},
     {"One dashboard from first touch to renewal, with conversion per stage, that both teams review monthly and nobody keeps a private copy of.",
      "Eén dashboard van eerste contact tot verlenging, met conversie per fase, dat beide teams maandelijks bekijken en waar niemand een eigen versie van bijhoudt."},
     {"There is one version of the funnel numbers, and both teams trust it.",
      "Er is één versie van de funnelcijfers, en beide teams vertrouwen die."}},
    {"upstream_downstream", stage::integrated, joint_planning, structure,
     {"Give upstream and downstream marketing their own metrics", "Geef strategische en operationele marketing eigen cijfers"},
     {"Judge campaign marketing on this quarter's sales metrics and strategic marketing on a longer horizon (market share, new offers), so neither is pushed into the other's job.",
      "Beoordeel campagnemarketing op de salescijfers van dit kwartaal en strategische marketing op een langere termijn (marktaandeel, nieuw aanbod), zodat geen van beide in de rol van de ander wordt geduwd."},
     {"Each part of Marketing is judged on numbers that fit its work.",
      "Elk deel van Marketing wordt beoordeeld op cijfers die bij zijn werk passen."}},
    {"revenue_owner", stage::integrated, structure_roles, structure,
     {"Consider one owner for revenue", "Overweeg één eigenaar voor de omzet"},
     {"If Sales and Marketing still report separately, consider one executive (a chief revenue officer) who owns marketing, sales and pricing, with one budget discussion instead of two.",
      "Als Sales en Marketing nog apart rapporteren, overweeg één bestuurder (een chief revenue officer) die marketing, sales en prijzen bezit, met één budgetgesprek in plaats van twee."},
     {"One leader is accountable for revenue across Sales and Marketing.",
      "Eén leider is verantwoordelijk voor de omzet van Sales en Marketing samen."}},

    // Any stage: the gap between the two sides is itself the finding.
    {"discuss_the_gap", stage::undefined, std::nullopt, feedback_loop,
     {"Put the perception gap on the table", "Leg het verschil in beleving op tafel"},
     {"Show both teams' figures for this dimension in the next joint meeting and ask each side to explain what it sees; agree on one thing to change and re-check it in four weeks.",
      "Laat in het volgende gezamenlijke overleg de cijfers van beide teams voor dit onderwerp zien en vraag elke kant uit te leggen wat ze zien; spreek één verandering af en kijk er na vier weken opnieuw naar."},
     {"Sales and Marketing understand why they see our collaboration differently.",
      "Sales en Marketing begrijpen waarom ze onze samenwerking verschillend zien."}},

    // The article's advice not to push further.
    {"keep_it_light", stage::undefined, std::nullopt, hold,
     {"Small team that gets on: keep it light", "Klein team dat goed samenwerkt: houd het licht"},
     {"The article advises not to add process to small teams with good informal relations. Keep a quarterly check-in and act only if conflicts start to recur.",
      "Het artikel raadt af om proces toe te voegen bij kleine teams met goede informele verhoudingen. Houd een kwartaalgesprek en grijp pas in als conflicten terugkomen."},
     {"Sales and Marketing sort things out informally without much friction.",
      "Sales en Marketing lossen dingen informeel op zonder veel wrijving."}},
    {"aligned_is_enough", stage::aligned, std::nullopt, hold,
     {"Aligned is often enough", "Afgestemd is vaak genoeg"},
     {"The article finds most companies work well once aligned. Integrate further (shared targets, one revenue owner) only if your sales cycle is long and complex or your market changes fast; otherwise polish the weakest spot.",
      "Volgens het artikel werken de meeste bedrijven goed zodra ze afgestemd zijn. Integreer verder (gedeelde doelen, één omzeteigenaar) alleen bij een lange, complexe verkoopcyclus of een snel veranderende markt; poets anders de zwakste plek op."},
     {"Our way of working between Sales and Marketing fits how complex our sales are.",
      "Onze samenwerking tussen Sales en Marketing past bij hoe complex onze verkoop is."}},
}};

constexpr std::string_view gap_nudge_id = "discuss_the_gap";
constexpr std::string_view small_team_nudge_id = "keep_it_light";
constexpr std::string_view aligned_nudge_id = "aligned_is_enough";

std::string format_score(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f", value);
  return buffer;
}

class selector {
 public:
  selector(const report& r, const nudge_context& context) : report_(r), context_(context) {}

  bool recently_issued(const nudge& n) const {
    return std::find(context_.recently_issued.begin(), context_.recently_issued.end(), n.id) !=
           context_.recently_issued.end();
  }
  bool taken(const nudge& n) const {
    return std::any_of(chosen_.begin(), chosen_.end(), [&](const chosen_nudge& c) { return c.what == &n; });
  }
  bool dimension_taken(std::optional<dimension> d) const {
    return d && std::any_of(chosen_.begin(), chosen_.end(),
                            [&](const chosen_nudge& c) { return c.what->target == d; });
  }

  // The first fitting push for this stage, preferring ones not issued recently; a recent one only
  // when `allow_recent` and nothing fresh fits.
  const nudge* pick(stage at, std::optional<dimension> target, bool allow_recent) const {
    const nudge* fallback = nullptr;
    for (const nudge& n : nudges) {
      if (n.kind == hold || !n.target || n.at != at || taken(n)) continue;
      if (target ? n.target != target : dimension_taken(n.target)) continue;
      if (!recently_issued(n)) return &n;
      if (!fallback) fallback = &n;
    }
    return allow_recent ? fallback : nullptr;
  }

  std::size_t pushes() const {
    return static_cast<std::size_t>(std::count_if(chosen_.begin(), chosen_.end(),
                                                  [](const chosen_nudge& c) { return c.what->kind != hold; }));
  }

  void add(const nudge* n, nudge_trigger trigger, std::optional<dimension> d, double figure,
           double other, int respondents) {
    // Advice to hold back is always worth saying; only pushes count against the maximum.
    if (n && (n->kind == hold || pushes() < context_.max_nudges)) {
      chosen_.push_back({n, trigger, d, figure, other, respondents, reading_.on_border(), reading_.lowest, reading_.highest});
    }
  }

  std::vector<chosen_nudge> run() {
    if (!report_.score.shown || context_.max_nudges == 0) return {};
    // When the interval spans a stage edge, stage moves come from the lower side: consolidating
    // it is sound advice whichever side the company is really on; the next stage's is not.
    reading_ = read_stage(report_.score);
    const std::optional<stage> current = reading_.lowest;
    const double score = report_.score.value;
    const int respondents = report_.score.respondents;

    const auto& conflict = report_.dimension_figures(dimension::conflict_trust);
    const int side_respondents = report_.group_score(group::sales).respondents +
                                 report_.group_score(group::marketing).respondents;
    // Only when both sides are shown: a withheld side counts no one, and a big company with one
    // side held back is not a small team.
    const bool both_sides = report_.group_score(group::sales).shown && report_.group_score(group::marketing).shown;
    const bool small_and_friendly = both_sides && side_respondents <= context_.small_team_size &&
                                    conflict.mean.shown && conflict.mean.value >= context_.getting_on_mean;
    if (small_and_friendly && *current != stage::integrated) {
      // Hold first, then at most one light push on the weakest spot.
      add(find_nudge(small_team_nudge_id), nudge_trigger::small_friendly_team, dimension::conflict_trust,
          conflict.mean.value, 0.0, side_respondents);
      context_.max_nudges = std::min<std::size_t>(context_.max_nudges, 1);
    }

    if (const auto gap = report_.largest_gap()) {
      const auto& figures = report_.dimension_figures(*gap);
      const nudge* n = pick(*current, gap, false);
      add(n ? n : find_nudge(gap_nudge_id), nudge_trigger::perception_gap, gap, figures.sales.value,
          figures.marketing.value, figures.sales.respondents + figures.marketing.respondents);
    }
    if (const auto weakest = report_.weakest_dimension(); weakest && !dimension_taken(weakest)) {
      const auto& figures = report_.dimension_figures(*weakest);
      if (const nudge* n = pick(*current, weakest, false)) {
        add(n, nudge_trigger::weakest_dimension, weakest, figures.mean.value, 0.0, figures.mean.respondents);
      }
    }
    if (reading_.lowest == stage::aligned && reading_.highest == stage::aligned) {
      add(find_nudge(aligned_nudge_id), nudge_trigger::aligned_is_enough, std::nullopt, score, 0.0, respondents);
    }
    while (pushes() < context_.max_nudges) {
      const nudge* n = pick(*current, std::nullopt, true);
      if (!n) break;
      add(n, nudge_trigger::stage_move, std::nullopt, score, 0.0, respondents);
    }
    return std::move(chosen_);
  }

 private:
  const report& report_;
  nudge_context context_;
  stage_reading reading_;
  std::vector<chosen_nudge> chosen_;
};

}  // namespace

std::span<const nudge> playbook() { return nudges; }

const nudge* find_nudge(std::string_view id) {
  for (const nudge& n : nudges) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

std::string chosen_nudge::why(locale lang) const {
  const bool nl = lang == locale::nl;
  const auto dim_name = dim ? std::string(dimension_name(*dim, lang)) : std::string();
  const auto n = std::to_string(respondents);
  switch (trigger) {
    case nudge_trigger::perception_gap:
      return nl ? "Sales geeft " + dim_name + " een " + one_decimal(figure, lang) + ", Marketing een " +
                      one_decimal(other_figure, lang) + " (verschil " +
                      one_decimal(std::abs(figure - other_figure), lang) + " op 1–5, n=" + n + ")."
                : "Sales rates " + dim_name + " " + one_decimal(figure, lang) + ", Marketing " +
                      one_decimal(other_figure, lang) + " (a gap of " +
                      one_decimal(std::abs(figure - other_figure), lang) + " on 1–5, n=" + n + ").";
    case nudge_trigger::weakest_dimension:
      return nl ? dim_name + " is jullie zwakste punt: " + one_decimal(figure, lang) + " van 5 (n=" + n + ")."
                : dim_name + " is your weakest dimension: " + one_decimal(figure, lang) + " of 5 (n=" + n + ").";
    case nudge_trigger::small_friendly_team:
      return nl ? "Slechts " + n + " mensen in Sales en Marketing, en " + dim_name + " staat op " +
                      one_decimal(figure, lang) + " van 5."
                : "Only " + n + " people in Sales and Marketing, and " + dim_name + " is " +
                      one_decimal(figure, lang) + " of 5.";
    case nudge_trigger::aligned_is_enough:
      return nl ? "Jullie zijn Afgestemd (score " + format_score(figure) + ", n=" + n + ")."
                : "You are Aligned (score " + format_score(figure) + ", n=" + n + ").";
    case nudge_trigger::stage_move:
      break;
  }
  if (on_border) {
    return nl ? "Jullie score (" + format_score(figure) + ", n=" + n + ") ligt op de grens tussen " +
                    std::string(stage_name(lower, lang)) + " en " + std::string(stage_name(upper, lang)) +
                    "; deze stap klopt aan beide kanten."
              : "Your score (" + format_score(figure) + ", n=" + n + ") is on the border between " +
                    std::string(stage_name(lower, lang)) + " and " + std::string(stage_name(upper, lang)) +
                    "; this step holds on either side.";
  }
  const auto current = stage_of(figure);
  const auto next = next_stage(current);
  if (!next) {
    return nl ? "Jullie zijn Geïntegreerd (score " + format_score(figure) + ", n=" + n + "); dit houdt het zo."
              : "You are Integrated (score " + format_score(figure) + ", n=" + n + "); this keeps it that way.";
  }
  return nl ? "Jullie zijn " + std::string(stage_name(current, lang)) + " (score " + format_score(figure) +
                  ", n=" + n + "); dit is de volgende stap naar " + std::string(stage_name(*next, lang)) + "."
            : "You are " + std::string(stage_name(current, lang)) + " (score " + format_score(figure) +
                  ", n=" + n + "); this is the next step toward " + std::string(stage_name(*next, lang)) + ".";
}

std::vector<chosen_nudge> choose_nudges(const report& r, const nudge_context& context) {
  return selector(r, context).run();
}

}  // namespace smrel::scoring
