// What a Teams click costs to show: the pulse as it stands after the click (the engine's neutral
// message) and its Adaptive Card in the invoke response, as on every click. The baseline copies
// the response's bytes once, so the ratios say how many "copies of the card" each step costs,
// independent of the machine.
#include <benchmark/benchmark.h>

#include <cstring>

#include "adapters/teams/cards.hpp"
#include "bot/engine/views.hpp"
#include "scoring/nudges.hpp"

namespace {

using namespace smrel;

// A week's pulse: four statements and two follow-ups, three of them answered.
const engine::pulse_state& typical_pulse() {
  static const engine::pulse_state state = [] {
    engine::pulse_state s;
    s.pulse.id = 12;
    s.pulse.workspace = {domain::platform::teams, "tenant"};
    s.pulse.week = *scoring::iso_week::parse("2026-W48");
    s.delivery.pulse_id = 12;
    s.delivery.items = {7, 9, 12, 19};
    s.answers = {{7, 4}, {12, 1}};
    s.follow_ups = {{15, scoring::find_nudge("lead_sla"), 3},
                    {16, scoring::find_nudge("win_loss_fields"), std::nullopt}};
    return s;
  }();
  return state;
}

void baseline_copy_the_response(benchmark::State& state) {
  const auto response = adapters::teams::invoke_card_response(engine::pulse_view(typical_pulse(), scoring::locale::en));
  std::string copy(response.size(), '\0');
  for (auto _ : state) {
    std::memcpy(copy.data(), response.data(), response.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * response.size()));
}
BENCHMARK(baseline_copy_the_response);

void pulse_view(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(engine::pulse_view(typical_pulse(), scoring::locale::en));
}
BENCHMARK(pulse_view);

void invoke_card_response(benchmark::State& state) {
  const auto view = engine::pulse_view(typical_pulse(), scoring::locale::en);
  for (auto _ : state) benchmark::DoNotOptimize(adapters::teams::invoke_card_response(view));
}
BENCHMARK(invoke_card_response);

void the_click_response(benchmark::State& state) {
  for (auto _ : state) {
    const auto view = engine::pulse_view(typical_pulse(), scoring::locale::en);
    benchmark::DoNotOptimize(adapters::teams::invoke_card_response(view));
  }
}
BENCHMARK(the_click_response);

}  // namespace
