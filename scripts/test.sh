#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit and integration) with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMREL_BUILD_DIR:-$root/build}
# Tests on explicitly: scripts/run.sh configures the same build folder without them.
"$root/scripts/build.sh" -DSMREL_BUILD_TESTS=ON "$@"
# Test tools from npm (validators, never runtime dependencies), pinned by tests/js/package-lock.json.
# Reinstalled when the lock file is newer than what node_modules was installed from.
js=$root/tests/js
[ "$js/node_modules/.package-lock.json" -nt "$js/package-lock.json" ] || npm ci --prefix "$js" --no-audit --no-fund >/dev/null
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$(nproc)"
