"""Writes the wrk script of tests/bench/teams_vs_botbuilder.sh: signed Teams answer clicks.

Each prepared body is one real answer button of one member's pulse, as an `invoke`
`adaptiveCard/action` activity. The activity id is filled in per request (a counter behind a
per-run tag), so no click is a replay of another: smrel acknowledges a replayed click without
storing anything, which would flatter it.

Usage: clicks.py <out.lua> <token file> <service url> <tenant> <app id> <buttons.json>
buttons.json: [{"user": <aadObjectId>, "value": <the button's data.value>}, …]
"""
import json
import sys

ID_MARK = "@@ACTIVITY_ID@@"


def activity(service_url, tenant, app_id, user, value):
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": ID_MARK,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-01-05T09:00:00.000Z",
        "from": {"id": f"29:bench-{user}", "name": "Bench member", "aadObjectId": user},
        "recipient": {"id": f"28:{app_id}", "name": "smrel"},
        "conversation": {"id": f"a:bench-{user}", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        "locale": "en-US",
        "value": {
            "action": {"type": "Action.Execute", "verb": "answer", "data": {"smrel": "answer", "value": value}},
            "trigger": "manual",
        },
    }


def lua_string(text):
    # A long bracket takes the text as it is (Lua 5.1 has no \u escapes for JSON's).
    level = "=" * 4
    if f"]{level}]" in text:
        sys.exit("a click body contains the Lua long-bracket terminator")
    return f"[{level}[{text}]{level}]"


def main():
    out, token_file, service_url, tenant, app_id, buttons_file = sys.argv[1:7]
    token = open(token_file).read().strip()
    buttons = json.load(open(buttons_file))
    if not buttons:
        sys.exit("no answer buttons to click")
    lines = ["local heads, tails = {}, {}"]
    for i, b in enumerate(buttons, 1):
        body = json.dumps(activity(service_url, tenant, app_id, b["user"], b["value"]), separators=(",", ":"))
        head, tail = body.split(ID_MARK)
        lines.append(f"heads[{i}] = {lua_string(head)}; tails[{i}] = {lua_string(tail)}")
    lines.append(f"""
local count = {len(buttons)}
local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}
local tag, n, sent = "run", 0, 0
-- wrk ... -- <tag>: a fresh tag per wrk run keeps activity ids unique across runs.
function init(args) tag = args[1] or tag end
request = function()
  n = n % count + 1
  sent = sent + 1
  return wrk.format("POST", "/api/messages", headers, heads[n] .. "f:" .. tag .. "-" .. sent .. tails[n])
end
""")
    with open(out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
