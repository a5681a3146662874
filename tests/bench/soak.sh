#!/usr/bin/env bash
# Soak benchmark (not run in CI): smrel, built for Release and seeded with the demo company, serves
# a steady mixed signed load for [minutes] (default 30) at [rate] requests per second (default 300),
# alongside idle, trickling and slow-chunked clients, while its outbox talks to a misbehaving fake
# Slack. Everything stays on 127.0.0.1. Prints one row a minute (RSS, fds, outbox depth, latency,
# failures, refusals) and a summary; exits non-zero when the server died, RSS more than doubled
# from minute 2 to the end, or more than 1% of the legitimate signed requests failed.
# Usage: tests/bench/soak.sh [minutes] [rate]
# Tuning (environment): SMREL_BENCH_BUILD (build folder), SOAK_MIX, SOAK_FAULTS (see soak.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
minutes=${1:-30}
rate=${2:-300}
secret=soak-signing-secret-0123456789
build=${SMREL_BENCH_BUILD:-$root/build-bench}
readonly startup_polls=100 startup_poll_seconds=0.1

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target smrel >/dev/null
smrel=$build/bot/service/smrel

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fake_port=$(free_port)

export SMREL_DB=sqlite:$work/smrel.db SMREL_PSEUDONYM_KEY=soak-pseudonym-key-0123456789abcdef
export SMREL_SLACK_SIGNING_SECRET=$secret SMREL_LOG_LEVEL=warn SMREL_LISTEN=127.0.0.1:0
export SMREL_SLACK_BOT_TOKEN=xoxb-soak-not-a-real-token  # so the outbox really sends (to the fake)
export SMREL_SLACK_API_BASE=http://127.0.0.1:$fake_port/api  # nothing may leave the machine
export SMREL_SLACK_RESPONSE_HOSTS=127.0.0.1:$fake_port
export SMREL_SLACK_DIGEST_CHANNEL=C0SOAKDIGEST
unset SMREL_CONFIG SMREL_ADMINS SMREL_TEAMS_APP_ID SMREL_TEAMS_APP_PASSWORD
"$smrel" demo --workspace T0SOAK >/dev/null

"$smrel" serve >"$work/serve.out" 2>"$work/serve.log" &
smrel_pid=$!
pids+=("$smrel_pid")
port=
for _ in $(seq 1 "$startup_polls"); do
  port=$(sed -n 's/^smrel listening on .*:\([0-9]*\)$/\1/p' "$work/serve.out")
  [ -n "$port" ] && break
  kill -0 "$smrel_pid" 2>/dev/null || break
  sleep "$startup_poll_seconds"
done
[ -n "$port" ] || { echo "smrel did not start:" >&2; tail -5 "$work/serve.log" >&2; exit 1; }
echo "smrel pid $smrel_pid on 127.0.0.1:$port (Release, $build); fake Slack on 127.0.0.1:$fake_port"

status=0
python3 "$root/tests/bench/soak.py" --port "$port" --pid "$smrel_pid" --fake-port "$fake_port" --secret "$secret" \
  --minutes "$minutes" --rate "$rate" &
pids+=($!)
wait $! || status=$?

# What smrel logged at warn and above, by event: where refusals and delivery trouble show up.
python3 - "$work/serve.log" <<'PY'
import collections, json, sys
events = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        events[("unparsed", "")] += 1
        continue
    events[(e.get("level", "?"), e.get("event", "?"), e.get("reason", e.get("outcome", "")))] += 1
print("  smrel log (warn and above), by level, event and reason:")
for (level, *rest), n in events.most_common(15):
    print(f"    {n:>8}  {level:<8} {' '.join(str(r)[:70] for r in rest if r)}")
PY
exit "$status"
