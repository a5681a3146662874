#!/usr/bin/env bash
# Side by side on loopback, in one run: a minimal Bolt app (installed from npm into a temporary
# folder) and smrel answer the same signed `/smrel status` command, loaded by the same wrk with
# the same connections and duration, each server pinned to one core (wrk on the other). Then
# smrel alone takes a burst of concurrent answer clicks, each committed durably before its ack.
# Usage: tests/bench/bolt_vs_smrel.sh [seconds] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
connections=${2:-64}
secret=bench-signing-secret-0123456789
build=${SMREL_BENCH_BUILD:-$root/build-bench}

command -v wrk >/dev/null || { echo "installing wrk" >&2; sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed for the Bolt side" >&2; exit 1; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target smrel >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source "$root/tests/bench/lib/slack_load.sh"


# --- Bolt -------------------------------------------------------------------------------------
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @slack/bolt >/dev/null)
bolt_version=$(node -p "require('$work/node_modules/@slack/bolt/package.json').version")
cat > "$work/bolt_app.js" <<'JS'
const { App, LogLevel } = require('@slack/bolt');
// A fixed `authorize` instead of a token: Bolt then makes no call to Slack (auth.test) at all,
// so the benchmark stays on loopback.
const app = new App({
  signingSecret: process.env.SECRET,
  authorize: async () => ({ botToken: 'xoxb-not-used', botId: 'B0BENCH', botUserId: 'U0BENCH' }),
  logLevel: LogLevel.ERROR,
});
app.command('/smrel', async ({ ack }) => { await ack(); });
app.start(Number(process.env.PORT)).then(() => console.log('ready'));
JS
bolt_port=$(free_port)
SECRET=$secret PORT=$bolt_port taskset -c 0 node "$work/bolt_app.js" >/dev/null 2>&1 &
pids+=($!)

# --- smrel, with the demo company so /smrel status is a real summary ----------------------------
smrel_port=$(free_port)
sink_port=$(free_port)
export SMREL_DB=sqlite:$work/smrel.db SMREL_PSEUDONYM_KEY=bench-pseudonym-key-0123456789abcdef
export SMREL_SLACK_SIGNING_SECRET=$secret SMREL_LOG_LEVEL=error SMREL_LISTEN=127.0.0.1:$smrel_port
export SMREL_SLACK_RESPONSE_HOSTS=127.0.0.1:$sink_port SMREL_CONFIG=$work/smrel.json
export SMREL_SLACK_API_BASE=http://127.0.0.1:$sink_port/api  # nothing may leave the machine
echo '{"http": {"threads": 1}}' > "$work/smrel.json"
"$build/bot/service/smrel" demo --workspace T0BENCH >/dev/null 2>&1
taskset -c 0 "$build/bot/service/smrel" serve >/dev/null 2>&1 &
pids+=($!)
# A sink for the response_url updates the clicks queue.
node -e "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('ok'))}).listen($sink_port)" &
pids+=($!)
wait_for "$bolt_port"; wait_for "$smrel_port"

ts=$(date +%s)
body="token=x&team_id=T0BENCH&team_domain=bench&channel_id=C0BENCH&channel_name=bench&user_id=U0DEMO001&user_name=bench&command=%2Fsmrel&text=status&api_app_id=A0BENCH&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2%2F3&trigger_id=1.2.3"
signature=$(sign "$ts" "$body")
cat > "$work/command.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Slack-Request-Timestamp"] = "$ts"
wrk.headers["X-Slack-Signature"] = "$signature"
LUA
for port in "$bolt_port" "$smrel_port"; do
  path=/slack/commands; [ "$port" = "$bolt_port" ] && path=/slack/events
  code=$(curl -s -o "$work/check.out" -w '%{http_code}' -X POST -H "Content-Type: application/x-www-form-urlencoded" \
    -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $signature" --data "$body" "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || { echo "port $port answered $code to the signed command" >&2; exit 1; }
done
grep -q '"blocks"' "$work/check.out" || { echo "smrel did not answer with Block Kit" >&2; exit 1; }

taskset -c 1 wrk -t1 -c"$connections" -d2s -s "$work/command.lua" "http://127.0.0.1:$bolt_port/slack/events" >/dev/null
taskset -c 1 wrk -t1 -c"$connections" -d2s -s "$work/command.lua" "http://127.0.0.1:$smrel_port/slack/commands" >/dev/null
# Interleaved rounds, so a noisy neighbour hurts both sides alike; the median round counts.
rounds=${SMREL_BENCH_ROUNDS:-3}
: > "$work/bolt.txt"; : > "$work/smrel.txt"
for _ in $(seq 1 "$rounds"); do
  run_wrk "$bolt_port" /slack/events "$work/command.lua" >> "$work/bolt.txt"
  run_wrk "$smrel_port" /slack/commands "$work/command.lua" >> "$work/smrel.txt"
done
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR]=$k} END {print v[int((NR+1)/2)]}'; }
bolt_rps=$(median "$work/bolt.txt" 1); bolt_p99=$(median "$work/bolt.txt" 2)
smrel_rps=$(median "$work/smrel.txt" 1); smrel_p99=$(median "$work/smrel.txt" 2)

# --- concurrent answer clicks -------------------------------------------------------------------
lua="$work/clicks.lua"
write_click_script "$smrel_port" "$sink_port" "$lua" 64
read -r click_rps click_p99 < <(run_wrk "$smrel_port" /slack/interactivity "$lua")

python3 - "$bolt_version" "$bolt_rps" "$bolt_p99" "$smrel_rps" "$smrel_p99" "$click_rps" "$click_p99" "$duration" "$connections" <<'PY'
import sys
version, brps, bp99, srps, sp99, crps, cp99, duration, conns = sys.argv[1], *map(float, sys.argv[2:8]), sys.argv[8], sys.argv[9]
print(f"signed /smrel status, {conns} connections, {duration}s per round, median of interleaved rounds, server pinned to one core:")
print(f"  Bolt {version:8s} {brps:10.0f} req/s   p99 {bp99:7.2f} ms")
print(f"  smrel          {srps:10.0f} req/s   p99 {sp99:7.2f} ms")
print(f"  ratio          {srps / brps:10.1f}x req/s  p99 {sp99 / bp99:7.3f}x (smrel / Bolt)")
print(f"answer clicks committed durably before their ack: {crps:.0f} answers/s, p99 {cp99:.2f} ms")
PY
