// Scoring speed. The baseline reads every answer once (a sum), so the ratio says how many
// "passes over the data" a full report costs, independent of the machine.
#include <benchmark/benchmark.h>

#include <random>

#include "scoring/nudges.hpp"
#include "scoring/report.hpp"
#include "scoring/rotation.hpp"

namespace {

using namespace smrel::scoring;

// 10,000 respondents answering four rotating statements a week for 25 weeks: 1,000,000 answers.
const survey& million_answers() {
  static const survey data = [] {
    constexpr std::uint32_t respondents = 10'000;
    constexpr int weeks = 25;
    survey s;
    std::mt19937_64 random(42);
    for (std::uint32_t r = 0; r < respondents; ++r) s.respondent_groups.push_back(all_groups[r % group_count]);
    s.answers.reserve(static_cast<std::size_t>(respondents) * weeks * statements_per_pulse);
    const auto first = *iso_week::parse("2026-W01");
    for (int w = 0; w < weeks; ++w) {
      for (std::uint32_t r = 0; r < respondents; ++r) {
        for (const auto k : pulse_statements(first + w, r)) {
          s.answers.push_back({first + w, r, k, static_cast<std::uint8_t>(1 + random() % 5)});
        }
      }
    }
    return s;
  }();
  return data;
}

void baseline_read_every_answer(benchmark::State& state) {
  const auto& data = million_answers();
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (const auto& a : data.answers) sum += a.value + a.item;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.answers.size()));
}
BENCHMARK(baseline_read_every_answer)->Unit(benchmark::kMillisecond);

void full_report_1m_answers(benchmark::State& state) {
  const auto& data = million_answers();
  scoring_options options;
  options.as_of = *iso_week::parse("2026-W25");
  for (auto _ : state) {
    const auto r = build_report(data, options);  // 25-week trend, groups, dimensions, gaps
    const auto nudges = choose_nudges(r);
    benchmark::DoNotOptimize(nudges.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * data.answers.size()));
}
BENCHMARK(full_report_1m_answers)->Unit(benchmark::kMillisecond);

}  // namespace
