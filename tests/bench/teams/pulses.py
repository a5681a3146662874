"""Asks smrel for a pulse as each bench member and collects the answer buttons it sends.

Each member writes `pulse` in a personal chat (a signed `message` activity); smrel replies through
the Bot Connector, here the fake one in loopback.mjs, which keeps what it is sent. The answer
buttons of those cards (Action.Execute with data {"smrel": "answer", "value": …}) are the real,
engine-signed click values the benchmark then sends back.

Usage: pulses.py <smrel port> <loopback port> <token file> <tenant> <app id> <members> <out.json>
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def member_id(i):
    return f"00000000-0000-4000-8000-{i:012d}"  # an Entra object id's shape


def post_pulse_request(smrel_port, service_url, token, tenant, app_id, user, i):
    activity = {
        "type": "message",
        "id": f"bench-pulse-{i}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:bench-{user}", "name": "Bench member", "aadObjectId": user},
        "recipient": {"id": f"28:{app_id}", "name": "smrel"},
        "conversation": {"id": f"a:bench-{user}", "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        "locale": "en-US",
        "text": "pulse",
        "textFormat": "plain",
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{smrel_port}/api/messages",
        data=json.dumps(activity).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as e:
        sys.exit(f"smrel answered {e.code} to the pulse request of {user}")


def answer_values(node, out):
    if isinstance(node, dict):
        data = node.get("data")
        if node.get("type") == "Action.Execute" and isinstance(data, dict) and data.get("smrel") == "answer":
            out.append(data["value"])
        for child in node.values():
            answer_values(child, out)
    elif isinstance(node, list):
        for child in node:
            answer_values(child, out)


def buttons_sent_to(loopback_port, user):
    url = f"http://127.0.0.1:{loopback_port}/sent?conversation=" + urllib.parse.quote(f"a:bench-{user}")
    with urllib.request.urlopen(url, timeout=10) as response:
        sent = json.load(response)
    values = []
    answer_values(sent, values)
    return values


def main():
    smrel_port, loopback_port, token_file, tenant, app_id, members, out = sys.argv[1:8]
    token = open(token_file).read().strip()
    service_url = f"http://127.0.0.1:{loopback_port}/"
    users = [member_id(i) for i in range(1, int(members) + 1)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda iu: post_pulse_request(smrel_port, service_url, token, tenant, app_id, iu[1], iu[0]),
                      enumerate(users, 1)))
    # The replies go out through smrel's outbox, paced by Teams' per-tenant limit: wait for all.
    deadline = time.monotonic() + 120
    buttons = {}
    while len(buttons) < len(users):
        for user in users:
            if user not in buttons:
                values = buttons_sent_to(loopback_port, user)
                if values:
                    buttons[user] = values
        if time.monotonic() > deadline:
            sys.exit(f"only {len(buttons)} of {len(users)} members got a pulse with answer buttons")
        time.sleep(0.2)
    flat = [{"user": user, "value": v} for user in users for v in dict.fromkeys(buttons[user])]
    with open(out, "w") as f:
        json.dump(flat, f)
    print(len(flat))


if __name__ == "__main__":
    main()
