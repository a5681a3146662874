// Durable answer storage. Every iteration commits (fsync in WAL mode) before it counts, so
// answers/s is what survives a crash. The baseline is one answer per commit; batches show what
// group commit buys.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "bot/storage/store.hpp"

namespace {

using namespace smrel;

class bench_store {
 public:
  bench_store() {
    path_ = std::filesystem::temp_directory_path() / ("smrel-bench-" + std::to_string(::getpid()) + ".db");
    cleanup();
    store_ = storage::open_store("sqlite:" + path_.string());
    store_->migrate();
    pulse_ = store_->open_pulse(workspace_, week_, {}, {}).id;
  }
  ~bench_store() {
    store_.reset();
    cleanup();
  }
  storage::new_answer next() {
    ++counter_;
    return {workspace_, pulse_, "p" + std::to_string(counter_ / 20), week_, static_cast<std::uint8_t>(counter_ % 20),
            static_cast<std::uint8_t>(1 + counter_ % 5), {}};
  }
  storage::store& store() { return *store_; }

 private:
  void cleanup() {
    for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
  std::unique_ptr<storage::store> store_;
  domain::workspace_ref workspace_{domain::platform::slack, "T0BENCH"};
  scoring::iso_week week_ = *scoring::iso_week::parse("2026-W48");
  std::int64_t pulse_ = 0;
  std::uint64_t counter_ = 0;
};

void store_answers_durably(benchmark::State& state) {
  bench_store bench;
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  std::vector<storage::new_answer> batch(batch_size);
  for (auto _ : state) {
    for (auto& a : batch) a = bench.next();
    bench.store().store_answers(batch);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch_size));
  state.counters["answers_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch_size),
                                                       benchmark::Counter::kIsRate);
}
BENCHMARK(store_answers_durably)->Arg(1)->Arg(16)->Arg(128)->Arg(512)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
