#!/usr/bin/env bash
# Durable answers per second through the real server, on SQLite and on a local PostgreSQL 15, in
# one run: the same signed answer clicks (real buttons of real pulses, each committed before its
# 200), the same wrk, smrel pinned to core 0 and wrk to core 1 each time. PostgreSQL runs with
# fsync and synchronous_commit on, in a throwaway cluster (as `nobody` when run as root).
# Usage: tests/bench/postgres_vs_sqlite.sh [seconds] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
duration=${1:-10}
connections=${2:-64}
secret=bench-signing-secret-0123456789
build=${SMREL_BENCH_BUILD:-$root/build-bench}
pg_bin=/usr/lib/postgresql/15/bin

command -v wrk >/dev/null || { echo "installing wrk" >&2; sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
[ -x "$pg_bin/postgres" ] || { echo "PostgreSQL 15 is needed: scripts/install-deps.sh installs it" >&2; exit 1; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMREL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target smrel >/dev/null
smrel=$build/bot/service/smrel

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source "$root/tests/bench/lib/slack_load.sh"

# --- a throwaway PostgreSQL -----------------------------------------------------------------------
as_db_user=()
if [ "$(id -u)" -eq 0 ]; then as_db_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups); fi
mkdir -p "$work/pg"
[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$work/pg"
"${as_db_user[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U smrel -A trust -E UTF8 >/dev/null
pg_port=$(free_port)
"${as_db_user[@]}" "$pg_bin/postgres" -D "$work/pg/data" -c listen_addresses=127.0.0.1 -c port="$pg_port" \
  -c unix_socket_directories="$work/pg" -c fsync=on -c synchronous_commit=on >"$work/pg/log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.1; done
"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U smrel -d postgres -c "CREATE DATABASE smrel" >/dev/null

# --- the same clicks against each backend -----------------------------------------------------------
sink_port=$(free_port)
node -e "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>s.end('ok'))}).listen($sink_port)" &
pids+=($!)
export SMREL_PSEUDONYM_KEY=bench-pseudonym-key-0123456789abcdef SMREL_SLACK_SIGNING_SECRET=$secret SMREL_LOG_LEVEL=error
export SMREL_SLACK_RESPONSE_HOSTS=127.0.0.1:$sink_port SMREL_CONFIG=$work/smrel.json
export SMREL_SLACK_API_BASE=http://127.0.0.1:$sink_port/api  # nothing may leave the machine
echo '{"http": {"threads": 1}, "database_pool_size": 8}' > "$work/smrel.json"

measure() {  # name database-url → "answers_per_s p99_ms"
  local port pid
  port=$(free_port)
  SMREL_DB=$2 "$smrel" demo --workspace T0BENCH >/dev/null 2>&1
  SMREL_DB=$2 SMREL_LISTEN=127.0.0.1:$port taskset -c 0 "$smrel" serve >/dev/null 2>&1 &
  pid=$!
  pids+=($pid)
  wait_for "$port"
  write_click_script "$port" "$sink_port" "$work/clicks-$1.lua" 64
  taskset -c 1 wrk -t1 -c"$connections" -d2s -s "$work/clicks-$1.lua" "http://127.0.0.1:$port/slack/interactivity" >/dev/null
  run_wrk "$port" /slack/interactivity "$work/clicks-$1.lua"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
read -r sqlite_rps sqlite_p99 < <(measure sqlite "sqlite:$work/smrel.db")
read -r pg_rps pg_p99 < <(measure postgres "postgresql://smrel@127.0.0.1:$pg_port/smrel")

python3 - "$sqlite_rps" "$sqlite_p99" "$pg_rps" "$pg_p99" "$duration" "$connections" <<'PY'
import sys
srps, sp99, prps, pp99 = map(float, sys.argv[1:5])
print(f"answer clicks committed durably before their ack, {sys.argv[6]} connections, {sys.argv[5]}s, smrel pinned to one core:")
print(f"  SQLite          {srps:10.0f} answers/s   p99 {sp99:7.2f} ms")
print(f"  PostgreSQL 15   {prps:10.0f} answers/s   p99 {pp99:7.2f} ms")
print(f"  ratio           {prps / srps:10.2f}x (PostgreSQL / SQLite)")
PY
