#!/usr/bin/env bash
# Side by side on loopback, in one run: a minimal Bot Framework SDK bot (botbuilder 4.23,
# CloudAdapter, pinned in tests/bench/botbuilder) and smrel answer the same signed Teams click,
# an `invoke` `adaptiveCard/action` answered with a card in the HTTP response. Both verify the
# connector's RS256 token against keys from a local OpenID metadata document. The SDK bot only
# builds a small card; smrel stores each click as a real answer to a real pulse, committed durably
# (group commit on SQLite) before it answers. Same wrk, connections and duration; each server
# pinned to one core, wrk and the loopback helpers on the other; interleaved rounds.
# Usage: tests/bench/teams_vs_botbuilder.sh [seconds] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/bench
duration=${1:-10}
connections=${2:-64}
members=${SMREL_BENCH_MEMBERS:-64}
build=${SMREL_BENCH_BUILD:-$root/build-bench}
app_id=00000000-0000-4000-8000-00000000b07a
app_password=bench-app-password-0123456789
tenant=00000000-0000-4000-8000-0000000be7c4
server_core=0 load_core=1

command -v wrk >/dev/null || { echo "installing wrk" >&2; sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed for the botbuilder side" >&2; exit 1; }
[ -d "$root/tests/js/node_modules/jose" ] || npm ci --prefix "$root/tests/js" --silent --no-audit --no-fund >/dev/null
[ -d "$here/botbuilder/node_modules/botbuilder" ] || npm ci --prefix "$here/botbuilder" --silent --no-audit --no-fund >/dev/null
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target smrel >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  # A failed run shows what the servers said (a crash, a refusal) before their logs go.
  [ "$status" -eq 0 ] || tail -n 20 "$work"/*.log >&2 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# --- the Microsoft side: OpenID metadata, keys, token endpoint, fake Bot Connector --------------
loopback_port=$(free_port)
service_url=http://127.0.0.1:$loopback_port/
taskset -c $load_core node "$here/teams/loopback.mjs" "$loopback_port" "$app_id" "$service_url" "$work/token" >/dev/null &
pids+=($!)
wait_for "$loopback_port" openid

# --- botbuilder ----------------------------------------------------------------------------------
botbuilder_version=$(node -p "require('$here/botbuilder/node_modules/botbuilder/package.json').version")
botbuilder_port=$(free_port)
PORT=$botbuilder_port APP_ID=$app_id APP_PASSWORD=$app_password TENANT_ID=$tenant OPENID_URL=http://127.0.0.1:$loopback_port/openid \
  taskset -c $server_core node "$here/botbuilder/bot.js" >"$work/botbuilder.log" 2>&1 &
pids+=($!); botbuilder_pid=$!

# --- smrel, with the demo company in the tenant's workspace --------------------------------------
smrel_port=$(free_port)
export SMREL_DB=sqlite:$work/smrel.db SMREL_PSEUDONYM_KEY=bench-pseudonym-key-0123456789abcdef
export SMREL_LOG_LEVEL=error SMREL_LISTEN=127.0.0.1:$smrel_port SMREL_CONFIG=$work/smrel.json
export SMREL_TEAMS_APP_ID=$app_id SMREL_TEAMS_APP_PASSWORD=$app_password SMREL_TEAMS_TENANT_ID=$tenant
export SMREL_TEAMS_OPENID_URL=http://127.0.0.1:$loopback_port/openid SMREL_TEAMS_TOKEN_URL=http://127.0.0.1:$loopback_port/token
export SMREL_TEAMS_SERVICE_HOSTS=127.0.0.1:$loopback_port
echo '{"http": {"threads": 1}}' > "$work/smrel.json"
"$build/bot/service/smrel" demo --workspace "teams:$tenant" >/dev/null 2>&1
taskset -c $server_core "$build/bot/service/smrel" serve >"$work/smrel.log" 2>&1 &
pids+=($!); smrel_pid=$!
wait_for "$botbuilder_port" api/messages; wait_for "$smrel_port" healthz

# --- the clicks: every answer button of a real pulse for each member ------------------------------
python3 "$here/teams/pulses.py" "$smrel_port" "$loopback_port" "$work/token" "$tenant" "$app_id" "$members" "$work/buttons.json" >/dev/null
python3 "$here/teams/clicks.py" "$work/clicks.lua" "$work/token" "$service_url" "$tenant" "$app_id" "$work/buttons.json"

# One click by hand to each: a 200 with an Adaptive Card, and from smrel an answered pulse, not a refusal.
python3 - "$work/buttons.json" "$service_url" "$tenant" "$app_id" > "$work/check.json" <<PY
import json, sys
sys.path.insert(0, "$here/teams")
from clicks import activity
buttons, service_url, tenant, app_id = json.load(open(sys.argv[1])), *sys.argv[2:5]
body = activity(service_url, tenant, app_id, buttons[0]["user"], buttons[0]["value"])
body["id"] = "f:bench-check"
print(json.dumps(body))
PY
answers_before_check=$(curl -s "http://127.0.0.1:$smrel_port/metrics" | awk '/^smrel_answers_stored_total /{print $2}')
for port in "$botbuilder_port" "$smrel_port"; do
  code=$(curl -s -o "$work/check.out" -w '%{http_code}' -X POST -H "Content-Type: application/json" \
    -H "Authorization: Bearer $(cat "$work/token")" --data @"$work/check.json" "http://127.0.0.1:$port/api/messages")
  [ "$code" = 200 ] || { echo "port $port answered $code to the signed click" >&2; cat "$work/check.out" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["statusCode"]==200 and r["type"]=="application/vnd.microsoft.card.adaptive" and r["value"]["type"]=="AdaptiveCard", r' \
    "$work/check.out" || { echo "port $port did not answer with an Adaptive Card" >&2; exit 1; }
done
answers_after_check=$(curl -s "http://127.0.0.1:$smrel_port/metrics" | awk '/^smrel_answers_stored_total /{print $2}')
[ "$answers_after_check" -eq $((answers_before_check + 1)) ] || { echo "smrel did not store the checked click as an answer" >&2; exit 1; }

still_running() {  # a server that died under load is the finding, not wrk's "connection refused"
  kill -0 "$botbuilder_pid" 2>/dev/null || { echo "botbuilder exited" >&2; return 1; }
  kill -0 "$smrel_pid" 2>/dev/null || { echo "smrel exited" >&2; return 1; }
}
run_wrk() {  # port tag → "req_per_s p99_ms requests"
  still_running
  taskset -c $load_core wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s --latency -s "$work/clicks.lua" "http://127.0.0.1:$1" -- "$2" > "$work/wrk.out"
  python3 - "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
requests = int(re.search(r"(\d+) requests in", text).group(1))
for problem in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*timeout (\d+)"):
    found = re.search(problem, text)
    if found and int(found.group(1)) > 0: sys.exit(f"{found.group(0)}")
print(rps, p99, requests)
PY
  still_running
}
sql() { sqlite3 -cmd '.timeout 5000' "$work/smrel.db" "$1"; }
# Each committed click stores its replay key in the same transaction as its answer.
click_rows() { sql "SELECT COUNT(*) FROM processed_events WHERE event_id LIKE 'click:teams:%'"; }
answers_stored() { curl -s "http://127.0.0.1:$smrel_port/metrics" | awk '/^smrel_answers_stored_total /{print $2}'; }

run_wrk "$botbuilder_port" warm-b >/dev/null
run_wrk "$smrel_port" warm-s >/dev/null
# Interleaved rounds, so a noisy neighbour hurts both sides alike; the median round counts.
rounds=${SMREL_BENCH_ROUNDS:-3}
: > "$work/botbuilder.txt"; : > "$work/smrel.txt"
calls() { curl -s "http://127.0.0.1:$loopback_port/calls"; }
calls_before=$(calls); rows_before=$(click_rows); stored_before=$(answers_stored); smrel_requests=0
for round in $(seq 1 "$rounds"); do
  run_wrk "$botbuilder_port" "b$round" >> "$work/botbuilder.txt"
  run_wrk "$smrel_port" "s$round" >> "$work/smrel.txt"
  smrel_requests=$((smrel_requests + $(tail -1 "$work/smrel.txt" | awk '{print $3}')))
done
rows_after=$(click_rows); stored_after=$(answers_stored); calls_after=$(calls)
# A click answered in the response needs nothing from Microsoft: neither bot may have called the
# connector or fetched an access token while loaded.
python3 -c 'import json,sys; b,a=map(json.loads,sys.argv[1:3]); d={k: a.get(k,0)-b.get(k,0) for k in ("/v3","/token")}; sys.exit(0 if not any(d.values()) else f"outbound calls under load: {d}")' \
  "$calls_before" "$calls_after"
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR]=$k} END {print v[int((NR+1)/2)]}'; }
bb_rps=$(median "$work/botbuilder.txt" 1); bb_p99=$(median "$work/botbuilder.txt" 2)
smrel_rps=$(median "$work/smrel.txt" 1); smrel_p99=$(median "$work/smrel.txt" 2)
# wrk counts only answered requests: every one of them must be a stored answer.
rows=$((rows_after - rows_before)); stored=$((stored_after - stored_before))
[ "$rows" -ge "$smrel_requests" ] && [ "$stored" -ge "$smrel_requests" ] || {
  echo "smrel answered $smrel_requests clicks but committed $rows click rows and $stored answers" >&2; exit 1; }

python3 - "$botbuilder_version" "$bb_rps" "$bb_p99" "$smrel_rps" "$smrel_p99" "$rows" "$rounds" "$duration" "$connections" \
  "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/buttons.json")" "$members" <<'PY'
import sys
version = sys.argv[1]
brps, bp99, srps, sp99 = map(float, sys.argv[2:6])
rows, rounds, duration = map(int, sys.argv[6:9])
conns, buttons, members = sys.argv[9:12]
print(f"signed Teams click (invoke adaptiveCard/action, card in the response), {conns} connections, {duration}s per round,")
print(f"median of {rounds} interleaved rounds, each server pinned to one core, {buttons} answer buttons of {members} members' pulses:")
print(f"  botbuilder {version:7s} {brps:10.0f} req/s   p99 {bp99:7.2f} ms")
print(f"  smrel              {srps:10.0f} req/s   p99 {sp99:7.2f} ms")
print(f"  ratio              {srps / brps:10.1f}x req/s  p99 {bp99 / sp99:7.1f}x lower (botbuilder / smrel)")
print(f"answers committed durably before their ack: {rows / (rounds * duration):.0f} answers/s ({rows} click rows in {rounds} x {duration}s)")
PY
