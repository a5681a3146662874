#!/usr/bin/env bash
# The seams between layers, checked on every test run (see README "Layout"):
#   scoring/          pure: the standard library and scoring/ only
#   bot/domain/       no engine, storage, service, net, adapters; no Beast or Asio
#   bot/engine/       no service, net or adapters; no Beast or Asio
#   bot/storage/      no engine, service, net or adapters; no Beast or Asio
#   adapters/         no service and no net (platform rules and formats, no I/O)
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

if [[ $failed -eq 0 ]]; then echo "layers: every seam holds"; fi
exit $failed
