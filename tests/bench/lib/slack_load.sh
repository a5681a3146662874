# Shared by the Slack benchmarks (sourced): signing, ports, waiting, wrk runs and the answer-click
# script. Expects $work (a temporary folder), $secret and $connections, $duration.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sign() { printf 'v0=%s' "$(printf '%s' "v0:$1:$2" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"; }
wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run_wrk() {  # port path script → "req_per_s p99_ms"; fails on any non-2xx answer
  taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$3" "http://127.0.0.1:$1$2" > "$work/wrk.out"
  python3 - "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: sys.exit(f"non-2xx responses: {errors.group(1)}")
print(rps, p99)
PY
}

# Writes a wrk script to $3 that clicks a real answer button of a real pulse for each of $4 people
# (UBENCH001…) in workspace T0BENCH of the smrel on port $1; confirmations go to the sink on $2.
# Each click is an answer committed durably before its 200.
write_click_script() {
  local smrel_port=$1 sink_port=$2 lua=$3 users=$4 ts i user cmd value payload
  echo 'local bodies, sigs = {}, {}' > "$lua"
  ts=$(date +%s)
  for i in $(seq 1 "$users"); do
    user=$(printf 'UBENCH%03d' "$i")
    cmd="team_id=T0BENCH&user_id=$user&channel_id=D0BENCH&command=%2Fsmrel&text=pulse"
    value=$(curl -s -X POST -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $(sign "$ts" "$cmd")" --data "$cmd" \
      "http://127.0.0.1:$smrel_port/slack/commands" | python3 -c 'import json,sys; m=json.load(sys.stdin); print([e["value"] for b in m["blocks"] if b["type"]=="actions" for e in b["elements"]][3])')
    payload=$(python3 -c "import json,urllib.parse,sys; print('payload='+urllib.parse.quote(json.dumps({'type':'block_actions','team':{'id':'T0BENCH'},'user':{'id':'$user','team_id':'T0BENCH'},'response_url':'http://127.0.0.1:$sink_port/actions/$i','actions':[{'action_id':'answer/$value','value':'$value'}]}),safe=''))")
    echo "bodies[$i] = \"$payload\"; sigs[$i] = \"$(sign "$ts" "$payload")\"" >> "$lua"
  done
  cat >> "$lua" <<LUA
local n = 0
request = function()
  n = n % $users + 1
  return wrk.format("POST", "/slack/interactivity", {["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = "$ts", ["X-Slack-Signature"] = sigs[n]}, bodies[n])
end
LUA
}
