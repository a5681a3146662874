#!/usr/bin/env bash
# The seams between layers, checked on every test run (see README "Layout"):
#   scoring/          pure: the standard library and scoring/ only
#   bot/domain/       no engine, storage, service, net, adapters; no Beast or Asio
#   bot/engine/       no service, net or adapters; no Beast or Asio
#   bot/storage/      no engine, service, net or adapters; no Beast or Asio
#   adapters/         no service and no net (platform rules and formats, no I/O)
#   Slack's API names only in adapters/slack/ and bot/service/slack/ (and where they are wired up);
#   Teams' likewise only in adapters/teams/ and bot/service/teams/
# Prints every include that crosses a seam and fails if there is one.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
failed=0

forbid() {  # forbid DIR REGEX WHY
  local hits
  hits=$(grep -rEn --include='*.hpp' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1" || true)
  if [[ -n "$hits" ]]; then
    echo "$1 must not include $3:" >&2
    echo "$hits" >&2
    failed=1
  fi
}

forbid scoring 'bot/|adapters/|config/|boost/|nlohmann/|sqlite3|libpq|fstream|iostream' "anything but the standard library and scoring/"
forbid bot/domain 'bot/(engine|storage|service|net)/|adapters/|boost/(beast|asio)' "the engine, storage, service, net, adapters, Beast or Asio"
forbid bot/engine 'bot/(service|net)/|adapters/|boost/(beast|asio)' "the service, net, adapters, Beast or Asio"
forbid bot/storage 'bot/(engine|service|net)/|adapters/|boost/(beast|asio)' "the engine, service, net, adapters, Beast or Asio"
forbid adapters 'bot/(service|net)/|boost/(beast|asio)' "the service, net, Beast or Asio"

# Each platform stays in adapters/<platform> and its plug (bot/service/<platform>); the
# composition root (server_app.cpp, platforms.cpp) and check-config's settings dump (cmd_admin.cpp)
# name it to wire it up. Comments may mention a platform to explain a mapping; code may not use
# its API names.
platform_names() {  # platform REGEX
  local platform=$1 names=$2 file hits
  while IFS= read -r file; do
    case "$file" in
      bot/service/"$platform"/*|bot/service/server_app.cpp|bot/service/platforms.cpp|bot/service/cmd_admin.cpp) continue ;;
    esac
    hits=$(sed -e 's#//.*##' "$file" | grep -nE "$names" || true)
    if [[ -n "$hits" ]]; then
      echo "$file names $platform outside adapters/$platform and its plug:" >&2
      echo "$hits" >&2
      failed=1
    fi
  done < <(find scoring bot -name '*.hpp' -o -name '*.cpp' | sort)
}
platform_names slack 'response_url|chat\.(postMessage|update)|conversations\.open|views\.publish|Block ?Kit|/smrel|adapters/slack|\.slack\b|slack_'
platform_names teams '/v3/conversations|adaptiveCard/action|Action\.(Execute|Submit)|application/vnd\.microsoft|serviceUrl|botframework|adapters/teams|\.teams\b|teams_'

# What people read in chat (the engine's texts, the adapters' rendering) never names the server's
# environment variables: a member cannot act on SMREL_ADMINS, and it tells a stranger how the
# server is set up. Operators read those names in logs, check-config and the README.
hits=$(grep -rnE 'SMREL_[A-Z]' bot/engine bot/domain adapters --include='*.cpp' --include='*.hpp' |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)  # comments explain, they are not shown
if [[ -n "$hits" ]]; then
  echo "chat texts name environment variables:" >&2
  echo "$hits" >&2
  failed=1
fi

if [[ $failed -eq 0 ]]; then echo "layers: every seam holds"; fi
exit $failed
