#!/usr/bin/env python3
"""Soak load for a running `smrel serve` on 127.0.0.1 (started by tests/bench/soak.sh).

One asyncio program, standard library only:
  * mixed signed load at a steady rate over keep-alive connections: `/smrel status`, `/smrel pulse`,
    answer clicks taken from the pulse buttons (each with a fresh action_ts and a response_url on
    the fake Slack), app_home_opened events with unique event_ids, and a small share of bad
    requests (wrong signature, stale timestamp, malformed body);
  * slow clients: idle keep-alive connections, header tricklers at 1 byte/s, slow chunked bodies,
    each replaced as the server closes it;
  * a misbehaving fake Slack that smrel's outbox talks to: mostly `{"ok":true}`, sometimes a 30 s
    hang, 429 with Retry-After, 500, a connection closed mid-response, or an oversized header.
Every minute it prints one row (RSS, fds, outbox depth, latency, failures, refusals); at the end a
summary, and it exits non-zero when the server died, RSS more than doubled from minute 2, or more
than 1% of the legitimate signed requests failed.
"""
import argparse
import asyncio
import collections
import hashlib
import hmac
import json
import os
import random
import signal
import sys
import time
import urllib.parse

WORKSPACE = "T0SOAK"
DEMO_USERS = [f"U0DEMO{i:03d}" for i in range(1, 41)]  # bot/engine/demo.cpp: 40 people, U0DEMO001…
SAMPLE_SECONDS = 60
PACE_TICK = 0.005
CLIENT_TIMEOUT = 15.0          # a legitimate request not answered by then counts as failed
LIVENESS_POLL = 1.0
RECONNECT_PAUSE = 0.2          # between a slow client being closed and its replacement
STALE_SKEW = 600               # seconds: past Slack's five-minute window
IDLE_CLIENTS = 50
TRICKLE_CLIENTS = 20
CHUNKED_CLIENTS = 3
TRICKLE_INTERVAL = 1.0         # one header byte per second
CHUNK_INTERVAL = 1.0
SLOW_HOLD_LIMIT = 600.0        # a slow client gives up by itself after this long, whatever the server does
FAKE_HANG_SECONDS = 30
OVERSIZED_HEADER_BYTES = 32 * 1024
MAX_FAKE_REQUEST_BYTES = 8 * 1024 * 1024
MAX_RSS_GROWTH = 2.0
MAX_LEGIT_FAILURE_SHARE = 0.01

# Shares of the signed load; clicks stay under the outbox's response_url bucket (100/s) at the
# default rate, Home tab opens (30% of events) under views.publish's (1.5/s).
DEFAULT_MIX = "status=0.40,pulse=0.15,click=0.25,event=0.01,bad=0.04,join=0.01"
HOME_TAB_SHARE = 0.3
# Shares of fake Slack calls that misbehave; the rest answer ok.
DEFAULT_FAULTS = "hang=0.002,429=0.003,500=0.01,close=0.005,bigheader=0.003"


def parse_shares(text):
    out = {}
    for part in filter(None, text.split(",")):
        name, _, value = part.partition("=")
        out[name.strip()] = float(value)
    return out


def now_ts():
    return str(int(time.time()))


def percentile(sorted_values, share):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(share * (len(sorted_values) - 1) + 0.5))]


class Signer:
    def __init__(self, secret):
        self.key = secret.encode()
        self.wrong = b"not-" + self.key

    def headers(self, body, content_type, skew=0, wrong=False):
        ts = str(int(time.time()) + skew)
        digest = hmac.new(self.wrong if wrong else self.key, f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest}


# --- HTTP over asyncio streams -------------------------------------------------------------------

class Closed(Exception):
    pass


async def read_response(reader):
    """Status, lower-cased headers and body of one HTTP/1.1 response (Content-Length framed)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers, body


def request_bytes(method, path, port, headers, body):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if method == "POST" or body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class KeepAlive:
    """One keep-alive client connection; reopened after the server closes it."""

    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def call(self, method, path, headers, body=b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            self.writer.write(request_bytes(method, path, self.port, headers, body))
            await self.writer.drain()
            status, response_headers, response_body = await read_response(self.reader)
        except BaseException:
            self.close()
            raise
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, response_body

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def one_shot(port, method, path, timeout=5.0):
    conn = KeepAlive(port)
    try:
        return await asyncio.wait_for(conn.call(method, path, {"Connection": "close"}), timeout)
    finally:
        conn.close()


# --- statistics ------------------------------------------------------------------------------------

class Window:
    """What happened in one sample interval."""

    def __init__(self):
        self.latencies = []           # seconds, legitimate signed requests answered
        self.sent = self.answered = 0
        self.legit = self.legit_failed = 0
        self.bad = self.bad_unexpected = 0
        self.missed = 0               # ticks dropped because every load connection was busy
        self.slow_opened = collections.Counter()
        self.slow_closed = collections.Counter()
        self.slow_refused = 0         # a slow client's connection answered 503


class Totals:
    def __init__(self):
        self.legit = self.legit_failed = self.bad = self.bad_unexpected = self.sent = self.answered = 0
        self.missed = 0
        self.failures = collections.Counter()     # legit: status code or error name
        self.bad_answers = collections.Counter()  # bad requests: status code
        self.by_kind = collections.Counter()
        self.slow_hold = collections.defaultdict(list)  # kind → seconds the server let it hang on
        self.slow_closed = collections.Counter()
        self.slow_refused = 0
        self.max_p99 = 0.0


# --- the misbehaving fake Slack ---------------------------------------------------------------------

class FakeSlack:
    def __init__(self, faults, rng):
        self.faults = faults
        self.rng = rng
        self.calls = collections.Counter()      # (route, outcome)
        self.writers = set()
        self.server = None
        self.serial = 0

    async def start(self, port):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", port, limit=MAX_FAKE_REQUEST_BYTES)

    async def stop(self):
        if self.server:
            self.server.close()
        for w in list(self.writers):
            w.close()

    def pick(self):
        r = self.rng.random()
        for name, share in self.faults.items():
            if r < share:
                return name
            r -= share
        return "ok"

    async def handle(self, reader, writer):
        self.writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                if length:
                    await reader.readexactly(min(length, MAX_FAKE_REQUEST_BYTES))
                route = path.split("?")[0].rsplit("/", 1)[-1] if path.startswith("/api/") else "response_url"
                outcome = self.pick()
                self.calls[(route, outcome)] += 1
                if not await self.answer(writer, route, outcome):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # shutting down; re-raising makes Python 3.11's stream callback log a traceback
        finally:
            self.writers.discard(writer)
            writer.close()

    async def answer(self, writer, route, outcome):
        """Writes the answer; False when the connection is to be dropped."""
        extra = ""
        status, reason = 200, "OK"
        if outcome == "hang":
            await asyncio.sleep(FAKE_HANG_SECONDS)
        elif outcome == "429":
            status, reason, extra = 429, "Too Many Requests", f"Retry-After: {self.rng.randint(1, 5)}\r\n"
        elif outcome == "500":
            status, reason = 500, "Internal Server Error"
        elif outcome == "bigheader":
            extra = "X-Padding: " + "a" * OVERSIZED_HEADER_BYTES + "\r\n"
        self.serial += 1
        if status == 429:
            body = b'{"ok":false,"error":"ratelimited"}'
        elif status == 500:
            body = b'{"ok":false,"error":"internal_error"}'
        elif route == "chat.postMessage":
            body = json.dumps({"ok": True, "channel": "C0SOAKFAKE", "ts": f"1700000000.{self.serial:06d}"}).encode()
        elif route == "conversations.open":
            body = json.dumps({"ok": True, "channel": {"id": f"D0SOAK{self.serial:06d}"}}).encode()
        elif route == "response_url":
            body = b"ok"
        else:
            body = b'{"ok":true}'
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n{extra}"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        if outcome == "close":
            writer.write(head + body[: len(body) // 2])
            await writer.drain()
            return False
        writer.write(head + body)
        await writer.drain()
        return True


# --- the soak ------------------------------------------------------------------------------------------

class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.signer = Signer(args.secret)
        self.mix = parse_shares(args.mix)
        self.fake = FakeSlack(parse_shares(args.faults), random.Random(args.seed + 1))
        self.stop = asyncio.Event()
        self.window = Window()
        self.totals = Totals()
        self.buttons = {}                 # user → answer buttons [(action_id, value)] from their last pulse
        self.users = list(DEMO_USERS) + [f"USOAK{i:04d}" for i in range(1, args.new_users + 1)]
        self.new_users = [u for u in self.users if u.startswith("USOAK")]
        self.serial = 0
        self.died = False
        self.samples = []
        self.started = None
        self.last_refused = collections.Counter()
        self.last_deliveries = collections.Counter()
        self.last_5xx = 0
        self.last_slack = (0.0, 0)

    def next_serial(self):
        self.serial += 1
        return self.serial

    # ---- request builders: (kind, path, headers, body, legit)

    def command(self, user, text):
        n = self.next_serial()
        response_url = f"http://127.0.0.1:{self.args.fake_port}/commands/{n}"
        body = urllib.parse.urlencode({
            "token": "x", "team_id": WORKSPACE, "team_domain": "soak", "channel_id": "C0SOAK", "channel_name": "soak",
            "user_id": user, "user_name": user.lower(), "command": "/smrel", "text": text, "api_app_id": "A0SOAK",
            "response_url": response_url, "trigger_id": f"{n}.1.2"}).encode()
        return "/slack/commands", body, "application/x-www-form-urlencoded"

    def click(self, user):
        action_id, value = self.rng.choice(self.buttons[user])
        n = self.next_serial()
        # A fresh action_ts on every click: smrel may treat a repeated one as Slack's retry.
        action_ts = f"{int(time.time())}.{n % 1_000_000:06d}"
        payload = {
            "type": "block_actions", "team": {"id": WORKSPACE, "domain": "soak"},
            "user": {"id": user, "username": user.lower(), "team_id": WORKSPACE},
            "api_app_id": "A0SOAK", "trigger_id": f"{n}.1.2",
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0SOAK"},
            "channel": {"id": "D0SOAK"},
            "response_url": f"http://127.0.0.1:{self.args.fake_port}/actions/{user}/{n}",
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                         "action_ts": action_ts}]}
        body = ("payload=" + urllib.parse.quote(json.dumps(payload), safe="")).encode()
        return "/slack/interactivity", body, "application/x-www-form-urlencoded"

    def event(self, user):
        n = self.next_serial()
        home = self.rng.random() < HOME_TAB_SHARE
        body = json.dumps({
            "token": "x", "team_id": WORKSPACE, "api_app_id": "A0SOAK", "type": "event_callback",
            "event_id": f"Ev0SOAK{n:010d}", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home" if home else "messages",
                      "event_ts": f"{time.time():.6f}"}}).encode()
        return "/slack/events", body, "application/json"

    def build(self, kind):
        """(kind, path, headers, body, legit); a click without buttons yet asks for a pulse instead."""
        user = self.rng.choice(self.users)
        if kind == "click":
            ready = [u for u in (user, self.rng.choice(self.users)) if self.buttons.get(u)]
            if not ready:
                kind = "pulse"
            else:
                user = ready[0]
        if kind == "status":
            path, body, ctype = self.command(user, "status")
        elif kind == "pulse":
            path, body, ctype = self.command(user, "pulse")
        elif kind == "join":
            path, body, ctype = self.command(self.rng.choice(self.new_users) if self.new_users else user,
                                             "join " + self.rng.choice(["sales", "marketing"]))
        elif kind == "click":
            path, body, ctype = self.click(user)
        elif kind == "event":
            path, body, ctype = self.event(user)
        else:
            return self.build_bad()
        return kind, path, self.signer.headers(body, ctype), body, True

    def build_bad(self):
        which = self.rng.choice(["wrong_signature", "stale", "malformed_payload", "malformed_event", "malformed_command"])
        if which == "wrong_signature":
            path, body, ctype = self.command(self.rng.choice(self.users), "status")
            return "bad", path, self.signer.headers(body, ctype, wrong=True), body, False
        if which == "stale":
            path, body, ctype = self.command(self.rng.choice(self.users), "status")
            return "bad", path, self.signer.headers(body, ctype, skew=-STALE_SKEW), body, False
        if which == "malformed_payload":
            path, body, ctype = "/slack/interactivity", b"payload=%7Bnot-json", "application/x-www-form-urlencoded"
        elif which == "malformed_event":
            path, body, ctype = "/slack/events", b'{"type":"event_callback","event_id":', "application/json"
        else:
            path, body, ctype = "/slack/commands", b"text=status&command=%2Fsmrel", "application/x-www-form-urlencoded"
        return "bad", path, self.signer.headers(body, ctype), body, False

    def remember_buttons(self, user, body):
        try:
            message = json.loads(body)
        except ValueError:
            return
        found = []
        for block in message.get("blocks", []):
            if block.get("type") != "actions":
                continue
            for e in block.get("elements", []):
                if str(e.get("action_id", "")).startswith("answer/"):
                    found.append((e["action_id"], e.get("value", "")))
        if found:
            self.buttons[user] = found

    # ---- signed load

    async def pace(self, queue):
        loop = asyncio.get_running_loop()
        start = loop.time()
        issued = 0
        backlog = 2 * self.args.connections
        while not self.stop.is_set():
            due = int((loop.time() - start) * self.args.rate) - issued
            for _ in range(max(0, due)):
                if queue.qsize() < backlog:
                    queue.put_nowait(None)
                else:
                    self.window.missed += 1
                    self.totals.missed += 1
                issued += 1
            await asyncio.sleep(PACE_TICK)

    async def load_worker(self, queue):
        conn = KeepAlive(self.args.port)
        kinds = list(self.mix)
        weights = [self.mix[k] for k in kinds]
        try:
            while not self.stop.is_set():
                try:
                    await asyncio.wait_for(queue.get(), 0.5)
                except asyncio.TimeoutError:
                    continue
                kind = self.rng.choices(kinds, weights)[0]
                await self.send(conn, *self.build(kind))
        finally:
            conn.close()

    async def send(self, conn, kind, path, headers, body, legit):
        w, t = self.window, self.totals
        w.sent += 1
        t.sent += 1
        t.by_kind[kind] += 1
        began = time.perf_counter()
        outcome = None
        status = None
        try:
            status, response = await asyncio.wait_for(conn.call("POST", path, headers, body), CLIENT_TIMEOUT)
            w.answered += 1
            t.answered += 1
        except asyncio.TimeoutError:
            outcome = "timeout"
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as e:
            outcome = type(e).__name__
        elapsed = time.perf_counter() - began
        if legit:
            w.legit += 1
            t.legit += 1
            if status is not None and 200 <= status < 300:
                w.latencies.append(elapsed)
                if kind == "pulse":
                    user = urllib.parse.parse_qs(body.decode()).get("user_id", [""])[0]
                    self.remember_buttons(user, response)
            else:
                w.legit_failed += 1
                t.legit_failed += 1
                t.failures[f"{kind}:{status if status is not None else outcome}"] += 1
        else:
            w.bad += 1
            t.bad += 1
            t.bad_answers[str(status if status is not None else outcome)] += 1
            if status is None or status not in (400, 401):
                w.bad_unexpected += 1
                t.bad_unexpected += 1

    async def join_new_users(self):
        conn = KeepAlive(self.args.port)
        try:
            for i, user in enumerate(self.new_users):
                path, body, ctype = self.command(user, "join " + ("sales" if i % 2 == 0 else "marketing"))
                await asyncio.wait_for(conn.call("POST", path, self.signer.headers(body, ctype), body), CLIENT_TIMEOUT)
        finally:
            conn.close()

    # ---- slow clients

    async def slow_slot(self, kind, cycle):
        while not self.stop.is_set():
            self.window.slow_opened[kind] += 1
            began = time.monotonic()
            closed_by_server = False
            writer = None
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.args.port)
                closed_by_server = await asyncio.wait_for(cycle(reader, writer), SLOW_HOLD_LIMIT)
            except asyncio.TimeoutError:
                pass
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                closed_by_server = True
            finally:
                if writer is not None:
                    writer.close()
            if closed_by_server and not self.stop.is_set():
                self.window.slow_closed[kind] += 1
                self.totals.slow_closed[kind] += 1
                self.totals.slow_hold[kind].append(time.monotonic() - began)
            await self.wait_stop(RECONNECT_PAUSE)

    async def wait_stop(self, seconds):
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    def note_503(self, status):
        if status == 503:
            self.window.slow_refused += 1
            self.totals.slow_refused += 1

    async def idle_cycle(self, reader, writer):
        """One signed request, then idle on the kept-alive connection until the server closes it."""
        path, body, ctype = self.command(self.rng.choice(self.users), "status")
        writer.write(request_bytes("POST", path, self.args.port, self.signer.headers(body, ctype), body))
        await writer.drain()
        status, _, _ = await read_response(reader)
        self.note_503(status)
        while not self.stop.is_set():
            try:
                data = await asyncio.wait_for(reader.read(1), LIVENESS_POLL)
            except asyncio.TimeoutError:
                continue
            if not data:
                return True
        return False

    async def trickle_cycle(self, reader, writer):
        """A request header sent one byte a second, which never ends."""
        head = b"POST /slack/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4096
        return await self.dribble(reader, writer, (head[i:i + 1] for i in range(len(head))), TRICKLE_INTERVAL)

    async def chunked_cycle(self, reader, writer):
        """A signed header at once, then a chunked body a few bytes a second."""
        path, body, ctype = self.command(self.rng.choice(self.users), "status")
        headers = self.signer.headers(body, ctype)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
        writer.write(head)
        await writer.drain()
        chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + 4]), body[i:i + 4]) for i in range(0, len(body), 4)]
        chunks.append(b"0\r\n\r\n")
        return await self.dribble(reader, writer, chunks, CHUNK_INTERVAL)

    async def dribble(self, reader, writer, pieces, interval):
        """Sends pieces at `interval` until the server answers or closes; True when it closed first."""
        answer = asyncio.ensure_future(reader.read(64 * 1024))
        try:
            for piece in pieces:
                if self.stop.is_set():
                    return False
                writer.write(piece)
                await writer.drain()
                done, _ = await asyncio.wait({answer}, timeout=interval)
                if done:
                    data = answer.result()
                    if data.startswith(b"HTTP/1.1 503"):
                        self.note_503(503)
                    return True
            # Ran out of bytes to send (a chunked body ends): wait for the server's word.
            await asyncio.wait({answer}, timeout=SLOW_HOLD_LIMIT)
            return True
        finally:
            answer.cancel()

    # ---- sampling

    def proc(self):
        pid = self.args.pid
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if fields.get("State", "").strip().startswith("Z"):
                return None
            rss_kb = int(fields["VmRSS"].split()[0])
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            return rss_kb, fds
        except (OSError, KeyError, ValueError):
            return None

    async def scrape(self):
        try:
            status, body = await one_shot(self.args.port, "GET", "/metrics")
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            return None
        if status != 200:
            return None
        m = {"outbox": None, "refused": collections.Counter(), "deliveries": collections.Counter(),
             "background_failures": None, "http_5xx": 0, "slack_seconds": 0.0, "slack_requests": 0}
        for line in body.decode().splitlines():
            if line.startswith("#") or " " not in line:
                continue
            name, _, value = line.rpartition(" ")
            value = float(value)
            if name == "smrel_outbox_depth":
                m["outbox"] = int(value)
            elif name.startswith("smrel_http_refused_total{"):
                m["refused"][name.split('reason="')[1].split('"')[0]] += int(value)
            elif name.startswith("smrel_deliveries_total{"):
                m["deliveries"][name.split('outcome="')[1].split('"')[0]] += int(value)
            elif name.startswith("smrel_background_failures_total"):
                m["background_failures"] = (m["background_failures"] or 0) + int(value)
            elif name.startswith("smrel_http_requests_total{") and 'status="5xx"' in name:
                m["http_5xx"] += int(value)
            elif name.startswith('smrel_http_request_duration_seconds_sum{route="/slack/'):
                m["slack_seconds"] += value
            elif name.startswith('smrel_http_request_duration_seconds_count{route="/slack/'):
                m["slack_requests"] += int(value)
        return m

    HEADER = (f"{'min':>4} {'rss_MB':>7} {'fds':>5} {'outbox':>7} {'p50_ms':>7} {'p99_ms':>8} {'sent':>6} {'answered':>8} "
              f"{'srv_ms':>6} {'legit_fail':>10} {'bad_not_4xx':>11} {'missed':>6} {'srv_5xx':>7} {'bg_fail':>7}  "
              f"refused(Δ)  deliveries(Δ)  slow_closed(Δ)")

    async def sample(self, minute):
        w, self.window = self.window, Window()
        p = self.proc()
        m = await self.scrape()
        lat = sorted(w.latencies)
        p50 = percentile(lat, 0.50) * 1000
        p99 = percentile(lat, 0.99) * 1000
        if lat:
            self.totals.max_p99 = max(self.totals.max_p99, p99)
        refused = deliveries = collections.Counter()
        srv_5xx = "?"
        bg = "n/a"
        srv_ms = float("nan")
        if m:
            seconds, requests = m["slack_seconds"] - self.last_slack[0], m["slack_requests"] - self.last_slack[1]
            srv_ms = 1000 * seconds / requests if requests else float("nan")
            self.last_slack = (m["slack_seconds"], m["slack_requests"])
            refused = m["refused"] - self.last_refused
            deliveries = m["deliveries"] - self.last_deliveries
            srv_5xx = m["http_5xx"] - self.last_5xx
            self.last_refused, self.last_deliveries, self.last_5xx = m["refused"], m["deliveries"], m["http_5xx"]
            bg = "n/a" if m["background_failures"] is None else m["background_failures"]
        row = {"minute": minute, "rss_kb": p[0] if p else None, "fds": p[1] if p else None,
               "outbox": m["outbox"] if m else None, "p50": p50, "p99": p99}
        self.samples.append(row)
        compact = lambda c: " ".join(f"{k}:{v}" for k, v in sorted(c.items()) if v) or "-"
        print(f"{minute:>4} {row['rss_kb'] / 1024 if p else float('nan'):>7.1f} {row['fds'] if p else '?':>5} "
              f"{row['outbox'] if m else '?':>7} {p50:>7.1f} {p99:>8.1f} {w.sent:>6} {w.answered:>8} {srv_ms:>6.2f} "
              f"{w.legit_failed:>10} {w.bad_unexpected:>11} {w.missed:>6} {srv_5xx:>7} {bg:>7}  "
              f"{compact(refused)}  {compact(deliveries)}  {compact(w.slow_closed)}", flush=True)

    async def watch(self, deadline):
        """Samples every minute, stops everything at the deadline or when the server is gone."""
        loop = asyncio.get_running_loop()
        next_sample = self.started + self.args.sample_seconds
        minute = 0
        while not self.stop.is_set():
            now = loop.time()
            if self.proc() is None:
                self.died = True
                print(f"smrel (pid {self.args.pid}) is gone after {(now - self.started) / 60:.1f} minutes", flush=True)
                self.stop.set()
                break
            if now >= next_sample:
                minute += 1
                await self.sample(minute)
                next_sample += self.args.sample_seconds
            if now >= deadline:
                self.stop.set()
                break
            await self.wait_stop(min(LIVENESS_POLL, max(0.0, min(next_sample, deadline) - now)))

    # ---- run

    async def run(self):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        await self.fake.start(self.args.fake_port)
        await self.join_new_users()
        print(f"soak: {self.args.minutes} min at {self.args.rate:g} signed req/s over {self.args.connections} connections; "
              f"{IDLE_CLIENTS} idle, {TRICKLE_CLIENTS} trickling, {CHUNKED_CLIENTS} slow-chunked clients; "
              f"{len(self.users)} users; mix {self.args.mix}; fake Slack faults {self.args.faults}", flush=True)
        print(self.HEADER, flush=True)
        self.started = loop.time()
        await self.sample(0)
        queue = asyncio.Queue()
        tasks = [asyncio.create_task(self.pace(queue))]
        tasks += [asyncio.create_task(self.load_worker(queue)) for _ in range(self.args.connections)]
        tasks += [asyncio.create_task(self.slow_slot("idle", self.idle_cycle)) for _ in range(IDLE_CLIENTS)]
        tasks += [asyncio.create_task(self.slow_slot("trickle", self.trickle_cycle)) for _ in range(TRICKLE_CLIENTS)]
        tasks += [asyncio.create_task(self.slow_slot("chunked", self.chunked_cycle)) for _ in range(CHUNKED_CLIENTS)]
        await self.watch(self.started + self.args.minutes * 60)
        _, pending = await asyncio.wait(tasks, timeout=CLIENT_TIMEOUT + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        readyz = None
        if not self.died:
            try:
                readyz, _ = await one_shot(self.args.port, "GET", "/readyz")
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
                readyz = None
        final = await self.scrape() if not self.died else None
        await self.fake.stop()
        return self.summary(readyz, final)

    def summary(self, readyz, final):
        t = self.totals
        alive = not self.died and self.proc() is not None
        measured = [s for s in self.samples if s["rss_kb"] is not None]
        last = measured[-1] if measured else None
        # From minute 2 (past warm-up: caches, SQLite pages, connection pools); a run that ends by
        # minute 2 compares with minute 1 instead, so even a short check shows some trend.
        loaded = [s for s in measured if s["minute"] >= 1]
        base_minute = 2 if last and last["minute"] > 2 else 1
        base = next((s for s in loaded if s["minute"] == base_minute), loaded[0] if loaded else last)
        growth = last["rss_kb"] / base["rss_kb"] if base and last else float("nan")
        failure_share = t.legit_failed / t.legit if t.legit else 1.0
        depths = [(s["minute"], s["outbox"]) for s in self.samples if s["outbox"] is not None]
        print()
        print("summary")
        print(f"  server alive: {'yes' if alive else 'NO'}; /readyz: {readyz if readyz is not None else 'no answer'}")
        if base and last:
            print(f"  RSS minute {base['minute']} → {last['minute']}: {base['rss_kb'] / 1024:.1f} → {last['rss_kb'] / 1024:.1f} MB "
                  f"(x{growth:.2f}); fds {base['fds']} → {last['fds']} ({last['fds'] - base['fds']:+d})")
        print(f"  max p99 of signed requests in a minute: {t.max_p99:.1f} ms")
        if depths:
            first = next((d for d in depths if d[0] == base_minute), depths[0])
            latest = depths[-1]
            span = latest[0] - first[0]
            slope = (latest[1] - first[1]) / span if span else 0.0
            print(f"  outbox depth by minute: {' '.join(str(d) for _, d in depths)} "
                  f"(minute {first[0]} → {latest[0]}: {slope:+.1f}/min)")
        print(f"  requests: {t.sent} sent, {t.answered} answered, {t.missed} pacing ticks missed (all load connections busy); "
              f"by kind {dict(sorted(t.by_kind.items()))}")
        print(f"  legitimate signed: {t.legit}, failed {t.legit_failed} ({100 * failure_share:.3f}%) "
              f"{dict(t.failures.most_common(8)) if t.failures else ''}")
        print(f"  bad requests: {t.bad}, answered {dict(sorted(t.bad_answers.items()))}, not refused with 400/401: {t.bad_unexpected}")
        holds = {k: f"{len(v)} closed, held {sum(v) / len(v):.1f}s mean / {max(v):.1f}s max" for k, v in t.slow_hold.items() if v}
        print(f"  slow clients: {holds or 'none closed by the server'}; 503 to a slow client: {t.slow_refused}")
        if final:
            print(f"  server counters: refused {dict(sorted(final['refused'].items()))}; "
                  f"deliveries {dict(sorted(final['deliveries'].items()))}; "
                  f"background failures {final['background_failures'] if final['background_failures'] is not None else 'n/a (metric absent)'}")
        calls = collections.Counter()
        for (route, outcome), n in self.fake.calls.items():
            calls[route] += n
        faults = collections.Counter()
        for (route, outcome), n in self.fake.calls.items():
            faults[outcome] += n
        print(f"  fake Slack calls: {dict(sorted(calls.items()))}; outcomes {dict(sorted(faults.items()))}")
        failed = []
        if not alive:
            failed.append("the server died")
        elif readyz != 200:
            failed.append("/readyz did not answer 200")
        if growth == growth and growth > MAX_RSS_GROWTH:
            failed.append(f"RSS grew x{growth:.2f} (limit x{MAX_RSS_GROWTH:g})")
        if failure_share > MAX_LEGIT_FAILURE_SHARE:
            failed.append(f"{100 * failure_share:.2f}% of legitimate signed requests failed (limit {100 * MAX_LEGIT_FAILURE_SHARE:g}%)")
        print(f"  verdict: {'FAIL: ' + '; '.join(failed) if failed else 'ok'}", flush=True)
        return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True, help="smrel's port on 127.0.0.1")
    p.add_argument("--pid", type=int, required=True, help="smrel's process id (for RSS and fds)")
    p.add_argument("--fake-port", type=int, required=True, help="port for the fake Slack on 127.0.0.1")
    p.add_argument("--secret", required=True, help="the signing secret smrel was started with")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--rate", type=float, default=300, help="signed requests per second")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--new-users", type=int, default=60, help="users who `/smrel join` before the load, besides the demo's 40")
    p.add_argument("--mix", default=os.environ.get("SOAK_MIX", DEFAULT_MIX))
    p.add_argument("--faults", default=os.environ.get("SOAK_FAULTS", DEFAULT_FAULTS))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sample-seconds", type=float, default=SAMPLE_SECONDS, help="row interval (shorter for a quick check)")
    args = p.parse_args()
    sys.exit(asyncio.run(Soak(args).run()))


if __name__ == "__main__":
    main()
