// Attacks on statistical disclosure control, end to end, the way a statistician with a calculator
// would: subtract published figures from each other — within one report, across weeks, around a
// forget or a join — and try to learn about fewer than min_group_size people. Each attack is
// shown to work on figures published without the control (so each test can fail), then shown to
// recover nothing closer than the published rounding allows from what smrel really publishes.
//
// This file: one report from `smrel score --json`, and the demo company through `smrel export`.
// The attacks through the bot over the weeks are in anonymity_attack_bot_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/engine/report_json.hpp"
#include "scoring/disclosure.hpp"
#include "scoring/survey_csv.hpp"
#include "tests/integration/anonymity_attack.hpp"
#include "tests/support/disclosure_attack.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel {
namespace {

using namespace attack;
using json = nlohmann::json;
using scoring::group;
using scoring::iso_week;

bool exposes(int people, int min_group_size) { return people > 0 && people < min_group_size; }

// ─── 1. One report: the rest of the company from `smrel score --json` ──────────────────────────

const std::string survey_week = "2026-W10";

struct csv_person {
  std::string id;
  std::string team;
  std::array<int, scoring::statement_count> values{};

  // Everyone answers every statement, so a score is the mean of people's own scores (20 × the
  // mean of their answers) and a dimension mean the mean of people's own means on it.
  double score() const {
    double sum = 0;
    for (const int v : values) sum += v;
    return 20.0 * sum / static_cast<double>(values.size());
  }
  double dimension_mean(std::size_t d) const {
    double sum = 0;
    int n = 0;
    for (std::size_t k = 0; k < scoring::statement_count; ++k) {
      if (static_cast<std::size_t>(scoring::statements()[k].dim) != d) continue;
      sum += values[k];
      ++n;
    }
    return sum / n;
  }
};

// Varied answers, different for every person and statement.
std::array<int, scoring::statement_count> varied_answers(int seed) {
  std::array<int, scoring::statement_count> out{};
  for (int k = 0; k < static_cast<int>(out.size()); ++k) {
    out[static_cast<std::size_t>(k)] = 1 + (seed * 7 + k * 3 + (seed * k) % 4) % 5;
  }
  return out;
}

// Leaders mostly disagree: unlike anybody else, so recovering them is visible.
std::array<int, scoring::statement_count> leader_answers(int seed) {
  std::array<int, scoring::statement_count> out{};
  for (int k = 0; k < static_cast<int>(out.size()); ++k) {
    out[static_cast<std::size_t>(k)] = (k + seed) % 4 == 0 ? 5 : 1;
  }
  return out;
}

std::vector<csv_person> company(int sales, int marketing, int leadership) {
  std::vector<csv_person> out;
  for (int i = 0; i < sales; ++i) out.push_back({"s" + std::to_string(i), "sales", varied_answers(i + 1)});
  for (int i = 0; i < marketing; ++i) out.push_back({"m" + std::to_string(i), "marketing", varied_answers(i + 50)});
  for (int i = 0; i < leadership; ++i) out.push_back({"l" + std::to_string(i), "leadership", leader_answers(i)});
  return out;
}

std::string survey_csv(const std::vector<csv_person>& people) {
  std::string out = "week,respondent,group,item,value\n";
  for (const auto& p : people) {
    for (std::size_t k = 0; k < scoring::statement_count; ++k) {
      out += survey_week + "," + p.id + "," + p.team + "," + std::string(scoring::statements()[k].id) + "," +
             std::to_string(p.values[k]) + "\n";
    }
  }
  return out;
}

// A clean environment: nothing from the developer's shell leaks into the result.
std::string smrel(const std::string& args, const std::string& env = "") {
  return "env -i PATH=/usr/bin:/bin " + env + " " SMREL_BINARY " " + args;
}

json published_score(const std::string& csv) {
  testing::temp_dir dir;
  const auto path = dir.file("survey.csv");
  std::ofstream(path) << csv;
  const auto r = testing::run_command(smrel("score --csv " + path + " --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

// The same report with everything but the control: scored and rounded as published, nothing
// withheld beyond the per-figure minimum. What the attack would see without disclosure control.
json uncontrolled_score(const std::string& csv) {
  const auto parsed = scoring::parse_survey_csv(csv);
  EXPECT_TRUE(parsed.ok());
  scoring::scoring_options options;
  options.as_of = *iso_week::parse(survey_week);
  options.min_group_size = cli_min_group_size;
  auto r = scoring::build_report(parsed.data, options);
  scoring::round_for_publication(r);
  return json::parse(engine::report_to_json(r, {}));
}

struct attack_outcome {
  std::vector<std::string> blocked;    // a figure the attack needs, and why it is withheld
  std::vector<std::string> recovered;  // what it worked out within the rounding
};

// n_all × all − n_sales × Sales − n_marketing × Marketing = the sum over everyone else: on the
// score and on each dimension mean. Recovered when the result is within what the rounding of the
// figures used can explain of the truth (it always is, when the figures are there).
attack_outcome attack_the_rest(const json& doc, const std::vector<csv_person>& people) {
  std::vector<const csv_person*> rest;
  for (const auto& p : people) {
    if (p.team != "sales" && p.team != "marketing") rest.push_back(&p);
  }
  attack_outcome out;
  const auto try_one = [&](const std::string& what, const json& all, const json& n_all, const json& sales, const json& n_sales,
                           const json& marketing, const json& n_marketing, double rounding, const auto& truth_of) {
    const int n_rest = n_all.get<int>() - n_sales.get<int>() - n_marketing.get<int>();
    const double recovered =
        (n_all.get<double>() * all.get<double>() - n_sales.get<double>() * sales.get<double>() -
         n_marketing.get<double>() * marketing.get<double>()) / n_rest;
    double truth = 0;
    for (const auto* p : rest) truth += truth_of(*p);
    truth /= static_cast<double>(rest.size());
    const double allowed = rounding * (n_all.get<double>() + n_sales.get<double>() + n_marketing.get<double>()) / n_rest;
    if (n_rest == static_cast<int>(rest.size()) && std::abs(recovered - truth) <= allowed) {
      std::ostringstream s;
      s << what << ": the other " << n_rest << " recovered as " << recovered << ", truth " << truth << " (rounding allows ±"
        << allowed << ")";
      out.recovered.push_back(s.str());
    }
  };

  const auto& groups = doc.at("groups");
  bool score_blocked = false;
  if (doc.at("score").is_null()) {
    out.blocked.push_back("score: " + doc.value("withheld", ""));
    score_blocked = true;
  }
  for (const auto* side : {"sales", "marketing"}) {
    if (groups.at(side).value("suppressed", false)) {
      out.blocked.push_back(std::string(side) + " score: " + groups.at(side).value("withheld", ""));
      score_blocked = true;
    }
  }
  if (!score_blocked) {
    try_one("score", doc["score"], doc["respondents"], groups["sales"]["score"], groups["sales"]["respondents"],
            groups["marketing"]["score"], groups["marketing"]["respondents"], score_rounding,
            [](const csv_person& p) { return p.score(); });
  }
  for (std::size_t d = 0; d < scoring::dimension_count; ++d) {
    const auto& item = doc.at("dimensions").at(d);
    const auto id = item.at("id").get<std::string>();
    bool blocked = false;
    if (item.at("mean").is_null()) {
      out.blocked.push_back(id + " mean: " + item.value("withheld", ""));
      blocked = true;
    }
    for (const std::string side : {"sales", "marketing"}) {
      if (item.at(side + "_mean").is_null()) {
        out.blocked.push_back(id + " " + side + " mean: " + item.value(side + "_withheld", ""));
        blocked = true;
      }
    }
    if (blocked) continue;
    try_one(id, item["mean"], item["respondents"], item["sales_mean"], item["sales_respondents"], item["marketing_mean"],
            item["marketing_respondents"], mean_rounding, [&](const csv_person& p) { return p.dimension_mean(d); });
  }
  return out;
}

// What the report shows must leave no combination about fewer than the minimum: the company minus
// all shown groups, on the score and on each dimension; dimension means all or none per column.
void expect_no_small_rest(const json& doc) {
  int rest = doc.at("respondents").get<int>();
  for (const auto& [name, g] : doc.at("groups").items()) {
    if (!g.value("suppressed", false)) rest -= g.at("respondents").get<int>();
  }
  EXPECT_FALSE(exposes(rest, cli_min_group_size)) << "the company minus the shown groups is " << rest << " people";
  std::map<std::string, int> shown;
  for (const auto& item : doc.at("dimensions")) {
    for (const std::string column : {"mean", "sales_mean", "marketing_mean"}) shown[column] += item.at(column).is_null() ? 0 : 1;
    if (item.at("mean").is_null()) continue;
    int rest_d = item.at("respondents").get<int>();
    for (const std::string side : {"sales", "marketing"}) {
      if (!item.at(side + "_mean").is_null()) rest_d -= item.at(side + "_respondents").get<int>();
    }
    EXPECT_FALSE(exposes(rest_d, cli_min_group_size)) << item.at("id") << ": the company minus the shown sides is " << rest_d;
  }
  for (const auto& [column, n] : shown) {
    EXPECT_TRUE(n == 0 || n == static_cast<int>(scoring::dimension_count)) << column << ": " << n << " of 7 shown";
  }
}

void attack_one_report(const std::vector<csv_person>& people) {
  const auto csv = survey_csv(people);
  // Without the control the subtraction finds the rest of the company to within the rounding.
  const auto uncontrolled = attack_the_rest(uncontrolled_score(csv), people);
  ASSERT_EQ(uncontrolled.recovered.size(), 1 + scoring::dimension_count) << testing::joined(uncontrolled.blocked);

  const auto doc = published_score(csv);
  ASSERT_FALSE(doc.at("score").is_null());
  const auto published = attack_the_rest(doc, people);
  EXPECT_TRUE(published.recovered.empty()) << testing::joined(published.recovered);
  // Where a step of the attack (score, seven dimensions) cannot be formed, a figure it needs is
  // withheld because it would reveal a smaller group.
  for (const auto& b : published.blocked) EXPECT_NE(b.find(combination_reason), std::string::npos) << b;
  expect_no_small_rest(doc);
}

TEST(anonymity_attack_score, one_leader_beside_five_and_five_cannot_be_subtracted_out) {
  attack_one_report(company(5, 5, 1));
}

TEST(anonymity_attack_score, four_leaders_beside_six_and_seven_cannot_be_subtracted_out) {
  const auto people = company(6, 7, 4);
  attack_one_report(people);
  const auto doc = published_score(survey_csv(people));
  EXPECT_EQ(doc["groups"]["leadership"].value("withheld", ""), "too_few_people");
}

// ─── 4. The demo company through `smrel export` ────────────────────────────────────────────────

const std::string demo_key(40, 'd');

// `smrel demo` commits several hundred small transactions, each synced to disk: on a busy disk
// that alone takes seconds. Its database goes to memory-backed /dev/shm when there is one.
class demo_dir {
 public:
  demo_dir() {
    std::error_code ignored;
    if (!std::filesystem::is_directory("/dev/shm", ignored)) return;
    std::random_device entropy;
    path_ = std::filesystem::path("/dev/shm") / ("smrel-attack-" + std::to_string(entropy()) + std::to_string(entropy()));
    if (!std::filesystem::create_directory(path_, ignored)) path_.clear();
  }
  ~demo_dir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  demo_dir(const demo_dir&) = delete;
  demo_dir& operator=(const demo_dir&) = delete;

  std::string file(const std::string& name) const { return path_.empty() ? fallback_.file(name) : (path_ / name).string(); }

 private:
  testing::temp_dir fallback_;
  std::filesystem::path path_;
};
const domain::workspace_ref demo_workspace{domain::platform::slack, "T0DEMO"};

TEST(anonymity_attack_export, demo_revops_is_never_isolated_and_a_forget_changes_no_exported_row) {
  const demo_dir dir;
  const auto database = dir.file("smrel.db");
  const auto env = "SMREL_DB=sqlite:" + database + " SMREL_PSEUDONYM_KEY=" + demo_key;
  auto r = testing::run_command(smrel("demo", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = testing::run_command(smrel("export", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto exported = r.out;
  const auto rows = testing::parse_weekly_export(exported);
  ASSERT_FALSE(rows.empty());

  // For every week: the company minus the shown groups (RevOps, three people, is in no group
  // shown), on the score and on each dimension (minus the shown sides).
  std::map<std::string, std::map<std::pair<std::string, std::string>, testing::export_row>> weeks;
  for (const auto& row : rows) {
    ASSERT_NE(row.withheld, "malformed") << row.line;
    weeks[row.week][{row.group, row.figure}] = row;
  }
  int residuals = 0;
  for (const auto& [week, figures] : weeks) {
    EXPECT_FALSE(figures.at({"other", "score"}).shown) << week << ": RevOps shown";
    const auto& all = figures.at({"all", "score"});
    if (all.shown) {
      int rest = all.respondents;
      double value = all.respondents * all.value;
      for (const auto g : scoring::all_groups) {
        const auto& row = figures.at({std::string(scoring::group_id(g)), "score"});
        if (!row.shown) continue;
        rest -= row.respondents;
        value -= row.respondents * row.value;
      }
      ++residuals;
      EXPECT_FALSE(exposes(rest, cli_min_group_size)) << week << ": the company minus the shown groups is " << rest
                                                      << " people, score sum " << value;
    }
    int means_shown = 0;
    for (const auto d : scoring::all_dimensions) {
      const std::string id(scoring::dimension_id(d));
      const auto& mean = figures.at({"all", id});
      if (!mean.shown) continue;
      ++means_shown;
      int rest = mean.respondents;
      for (const std::string side : {"sales", "marketing"}) {
        const auto& row = figures.at({side, id});
        rest -= row.shown ? row.respondents : 0;
      }
      ++residuals;
      EXPECT_FALSE(exposes(rest, cli_min_group_size)) << week << " " << id << ": the company minus the shown sides is " << rest;
    }
    EXPECT_TRUE(means_shown == 0 || means_shown == static_cast<int>(scoring::dimension_count)) << week;
  }
  EXPECT_GT(residuals, 0);
  {
    auto store = storage::open_store("sqlite:" + database);
    const auto found = testing::small_differences(testing::stored_releases(*store, demo_workspace), cli_min_group_size);
    EXPECT_TRUE(found.empty()) << testing::joined(found);
  }

  // A salesperson's data is erased (as `/smrel forget` does), then everything is exported again.
  const domain::member_key salesperson{demo_workspace, "U0DEMO001"};
  const domain::pseudonymizer pseudonyms(demo_key);
  const auto pseudonym = pseudonyms.pseudonym(salesperson);
  const auto answers_before = testing::run_command(smrel("export --answers", env)).out;
  ASSERT_NE(answers_before.find("," + pseudonym + ",sales,"), std::string::npos);
  {
    auto store = storage::open_store("sqlite:" + database);
    ASSERT_EQ(store->find_member(salesperson)->group, group::sales);
    store->forget(salesperson, pseudonym);
  }
  const auto answers_after = testing::run_command(smrel("export --answers", env)).out;
  ASSERT_EQ(answers_after.find(pseudonym), std::string::npos);
  r = testing::run_command(smrel("export", env));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Every row exported before is exported again byte for byte (a week may have closed since).
  std::istringstream before(exported);
  std::istringstream after(r.out);
  std::string line_before;
  std::string line_after;
  int line = 0;
  while (std::getline(before, line_before)) {
    ++line;
    ASSERT_TRUE(std::getline(after, line_after)) << "row " << line << " is gone: " << line_before;
    EXPECT_EQ(line_after, line_before) << "row " << line;
  }
}

}  // namespace
}  // namespace smrel
