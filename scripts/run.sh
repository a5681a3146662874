#!/usr/bin/env bash
# Installs what is missing, builds, and starts the bot on its embedded default: SQLite in
# ./smrel.db, listening on 127.0.0.1:8080. On a fresh database it first seeds the demo company so
# there is something to look at (`/smrel status` on workspace T0DEMO).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SMREL_BUILD_DIR:-$root/build}
"$root/scripts/build.sh" -DSMREL_BUILD_TESTS=OFF
smrel="$build/bot/service/smrel"
export SMREL_DB=${SMREL_DB:-sqlite:./smrel.db}
if [ "$SMREL_DB" = "sqlite:./smrel.db" ] && [ ! -e ./smrel.db ]; then
  "$smrel" demo
fi
exec "$smrel" serve
