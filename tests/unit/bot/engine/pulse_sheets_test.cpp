// The sheets the pulse after a click is shown from: they must end as storage ends (commit order),
// and never keep a read that a commit may have overtaken.
#include "bot/engine/pulse_sheets.hpp"

#include <gtest/gtest.h>

namespace smrel::engine {
namespace {

const domain::workspace_ref tenant{domain::platform::teams, "tenant-1"};
const scoring::iso_week week = *scoring::iso_week::parse("2026-W48");

storage::new_answer answer(std::string pseudonym, std::uint8_t item, std::uint8_t value) {
  return {tenant, 7, std::move(pseudonym), week, item, value, domain::time_point{}, 2};
}

std::vector<std::pair<int, int>> items_of(const pulse_sheet& sheet) {
  std::vector<std::pair<int, int>> out;
  for (const auto& a : sheet.answers) out.emplace_back(a.item, a.value);
  return out;
}

pulse_sheet read_with(std::vector<storage::new_answer> stored, std::vector<std::int64_t> nudges = {}) {
  pulse_sheet sheet;
  for (const auto& a : stored) sheet.answers.push_back({a.item, a.value});
  for (auto n : nudges) sheet.follow_ups.emplace_back(n, std::nullopt);
  return sheet;
}

TEST(pulse_sheets, commits_update_a_kept_sheet_in_order_with_items_kept_sorted) {
  pulse_sheets sheets(true);
  const auto t = sheets.loading("p1", 7);
  sheets.loaded("p1", 7, t, read_with({answer("p1", 4, 2)}));
  const std::vector<storage::new_answer> first{answer("p1", 9, 1), answer("p1", 2, 5), answer("p2", 2, 3)};
  sheets.committed(first, {});
  const std::vector<storage::new_answer> second{answer("p1", 4, 3), answer("p1", 4, 6)};  // the later wins, as in storage
  sheets.committed(second, {});
  const auto kept = sheets.find("p1", 7);
  ASSERT_TRUE(kept);
  EXPECT_EQ(items_of(*kept), (std::vector<std::pair<int, int>>{{2, 5}, {4, 6}, {9, 1}}));
  EXPECT_FALSE(sheets.find("p2", 7)) << "a person never read is not made up from commits";
  EXPECT_FALSE(sheets.find("p1", 8));
}

TEST(pulse_sheets, a_commit_during_a_load_spoils_it_and_the_next_load_is_kept) {
  pulse_sheets sheets(true);
  const auto t = sheets.loading("p1", 7);
  const std::vector<storage::new_answer> meanwhile{answer("p1", 3, 4)};
  sheets.committed(meanwhile, {});
  sheets.loaded("p1", 7, t, read_with({}));  // read before the commit: it lacks item 3
  EXPECT_FALSE(sheets.find("p1", 7));
  const auto again = sheets.loading("p1", 7);
  sheets.loaded("p1", 7, again, read_with({answer("p1", 3, 4)}));
  ASSERT_TRUE(sheets.find("p1", 7));
  EXPECT_EQ(items_of(*sheets.find("p1", 7)), (std::vector<std::pair<int, int>>{{3, 4}}));
}

TEST(pulse_sheets, a_follow_up_commit_spoils_a_load_of_any_pulse_of_the_person_and_updates_kept_ones) {
  pulse_sheets sheets(true);
  const auto kept = sheets.loading("p1", 7);
  sheets.loaded("p1", 7, kept, read_with({}, {41, 42}));
  const auto loading = sheets.loading("p1", 8);
  const std::vector<storage::follow_up_answer> given{{42, "p1", 6, domain::time_point{}}};
  sheets.committed({}, given);
  sheets.loaded("p1", 8, loading, read_with({}, {42}));
  EXPECT_FALSE(sheets.find("p1", 8));
  const auto sheet = sheets.find("p1", 7);
  ASSERT_TRUE(sheet);
  ASSERT_EQ(sheet->follow_ups.size(), 2U);
  EXPECT_FALSE(sheet->follow_ups[0].second);
  EXPECT_EQ(sheet->follow_ups[1].second, std::optional<std::uint8_t>(6));
}

TEST(pulse_sheets, reloading_a_kept_sheet_hides_it_until_the_read_is_in) {
  pulse_sheets sheets(true);
  sheets.loaded("p1", 7, sheets.loading("p1", 7), read_with({answer("p1", 1, 1)}));
  const auto t = sheets.loading("p1", 7);  // a follow-up was asked since: read again
  EXPECT_FALSE(sheets.find("p1", 7));
  sheets.loaded("p1", 7, t, read_with({answer("p1", 1, 1)}, {41}));
  ASSERT_TRUE(sheets.find("p1", 7));
  EXPECT_EQ(sheets.find("p1", 7)->follow_ups.size(), 1U);
}

TEST(pulse_sheets, forgetting_drops_kept_sheets_and_loads_under_way) {
  pulse_sheets sheets(true);
  sheets.loaded("p1", 7, sheets.loading("p1", 7), read_with({}));
  const auto t = sheets.loading("p2", 7);
  sheets.forget("p1");
  sheets.clear();
  sheets.loaded("p2", 7, t, read_with({}));
  EXPECT_FALSE(sheets.find("p1", 7));
  EXPECT_FALSE(sheets.find("p2", 7));
  EXPECT_EQ(sheets.size(), 0U);
}

TEST(pulse_sheets, off_for_a_store_shared_by_replicas_keeps_nothing) {
  pulse_sheets sheets(false);
  sheets.loaded("p1", 7, sheets.loading("p1", 7), read_with({}));
  const std::vector<storage::new_answer> later{answer("p1", 1, 1)};
  sheets.committed(later, {});
  EXPECT_FALSE(sheets.find("p1", 7));
  EXPECT_EQ(sheets.size(), 0U);
}

}  // namespace
}  // namespace smrel::engine
