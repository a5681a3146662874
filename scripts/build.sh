#!/usr/bin/env bash
# Configures and builds into build/ (or $SMREL_BUILD_DIR). Extra arguments go to CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMREL_BUILD_DIR:-$root/build}
# A build without tests needs none of the test packages (scripts/run.sh, the container image).
deps=()
for arg in "$@"; do [ "$arg" = "-DSMREL_BUILD_TESTS=OFF" ] && deps=(--build-only); done
"$root/scripts/install-deps.sh" "${deps[@]}"
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build"
