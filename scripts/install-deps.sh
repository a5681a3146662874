#!/usr/bin/env bash
# Installs the Debian 12 packages smrel needs to build and test, skipping those already present.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config ccache python3
  libboost1.81-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev libhowardhinnant-date-dev tzdata libjemalloc-dev
  # The PostgreSQL backend's client library, and the server the tests start a throwaway copy of
  # (tests/support/postgres_server.hpp); without it those tests fail, they are never skipped.
  libpq-dev postgresql-15
)
# The tests validate Teams cards and the Teams manifest with Microsoft's own npm packages.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
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
