#!/usr/bin/env bash
# Runs the simulated-company checks with more companies than the unit test does, for figures
# worth quoting (each rate comes with its 95% interval). Usage:
#   SMREL_SIM_COMPANIES=2000 tests/bench/simulate.sh [build-dir] [gtest args…]
# A bound can fail at another count by chance alone: the run still prints every figure and then
# exits with the test's status.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-sim}
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_INTEGRATION_TESTS=OFF \
  -DSMREL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target simulation_test
export SMREL_SIM_COMPANIES=${SMREL_SIM_COMPANIES:-2000}
echo "companies per scenario: $SMREL_SIM_COMPANIES"
set +e
"$build/tests/unit/simulation_test" "$@" | grep -E '^\[ measured \]|^\[  FAILED  \]|Failure'
exit "${PIPESTATUS[0]}"
