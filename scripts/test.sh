#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit and integration) with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMREL_BUILD_DIR:-$root/build}
"$root/scripts/build.sh" "$@"
# Test tools from npm (validators, never runtime dependencies), pinned by tests/js/package-lock.json.
[ -d "$root/tests/js/node_modules" ] || npm ci --prefix "$root/tests/js" --no-audit --no-fund >/dev/null
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
