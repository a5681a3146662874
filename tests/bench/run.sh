#!/usr/bin/env bash
# Builds the benchmarks optimised and runs them pinned to one core, then prints each figure as a
# ratio against its baseline from the same run. Usage: tests/bench/run.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target scoring_bench store_bench card_bench
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
out=$(mktemp -d)
$pin "$build/tests/bench/scoring_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out/scoring.json" --benchmark_out_format=json >/dev/null
$pin "$build/tests/bench/store_bench" --benchmark_min_time=1 --benchmark_format=json \
  --benchmark_out="$out/store.json" --benchmark_out_format=json >/dev/null
$pin "$build/tests/bench/card_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out/card.json" --benchmark_out_format=json >/dev/null
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
s = {b["name"]: b for b in json.load(open(f"{out}/scoring.json"))["benchmarks"]}
base = s["baseline_read_every_answer_median"]["real_time"]
report = s["full_report_1m_answers_median"]["real_time"]
print(f"scoring: full report over 1,000,000 answers: {report:.1f} ms median "
      f"({report / base:.1f}x the baseline single read pass of {base:.2f} ms); target < 200 ms")
st = json.load(open(f"{out}/store.json"))["benchmarks"]
rates = {b["name"].split("/")[1]: b["answers_per_s"] for b in st}
single = rates["1"]
for batch, rate in rates.items():
    print(f"store: {int(batch):4d} answers per commit: {rate:10.0f} durable answers/s ({rate / single:6.1f}x one per commit)")
c = {b["name"]: b for b in json.load(open(f"{out}/card.json"))["benchmarks"]}
copy = c["baseline_copy_the_response_median"]["real_time"]
for step in ("pulse_view", "invoke_card_response", "the_click_response"):
    took = c[f"{step}_median"]["real_time"]
    print(f"teams click: {step:22s} {took / 1000:6.2f} us ({took / copy:5.0f}x copying the response once)")
PY
