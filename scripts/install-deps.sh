#!/usr/bin/env bash
# Installs the Debian 12 packages smrel needs to build and test, skipping those already present.
#   scripts/install-deps.sh               everything: the build, the tests and their tools
#   scripts/install-deps.sh --build-only  only what building the smrel executable needs (the
#                                         container image's build stage; scripts/run.sh)
set -euo pipefail
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true
packages=(
  cmake ninja-build g++ pkg-config ccache python3
  libboost1.81-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev libhowardhinnant-date-dev tzdata libjemalloc-dev libpq-dev
)
if ! $build_only; then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    # The server the PostgreSQL tests start a throwaway copy of (tests/support/postgres_server.hpp);
    # without it those tests fail, they are never skipped.
    postgresql-15
    # The deployment files are read as YAML, and the systemd unit checked with systemd-analyze.
    python3-yaml systemd
  )
  # The tests validate Teams cards, the Teams manifest and the deployment files with third-party
  # npm packages (tests/js).
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
