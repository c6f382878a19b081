"""Every item of a published HTTP contract, checked against the adapter with the harness as the client.

Statuses: documented items (routes, auth rules, request and response fields, SSE events, config keys) are
``served``, ``served-differently`` (with the observed shape) or ``absent``; behaviour checks are ``passed`` or
``failed``; paths or fields served beyond the document are ``undocumented``; anything that could not be checked is
``blocked`` with the reason. A route is absent when the adapter answers it exactly as it answers a path nobody
serves (asked first, so nothing assumes a 404).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from acceptance_fixtures.live_chat.model_server import default_reply
from harness.contract.environment import ALLOWED_ORIGIN, OTHER_ORIGIN, ContractEnvironment, Instance
from harness.contract.model import Contract, Route

ANSWER_WAIT = 60.0  # one request's whole answer (the pipeline calls the model)
STREAM_WAIT = 60.0  # an SSE stream must end within this
DOCUMENTED = ("served", "served-differently", "absent")


@dataclass
class Item:
    id: str
    kind: str  # route | auth | request | response | sse | config | behaviour | undocumented
    status: str
    documented: Any = None
    observed: Any = None
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    status: int
    content_type: str
    body: Any
    headers: dict[str, str]
    elapsed: float
    events: list[tuple[str, Any]] = field(default_factory=list)  # SSE (event, data)
    ended: bool = True
    error: str = ""

    def fingerprint(self) -> tuple:
        return (self.status, self.content_type, json.dumps(self.body, sort_keys=True, default=str)[:400] if self.body is not None else "")

    def line(self, what: str) -> str:
        body = json.dumps(self.body, ensure_ascii=False, default=str) if self.body is not None else ""
        extra = f", {len(self.events)} SSE events{'' if self.ended else ', did not end'}" if self.events or not self.ended else ""
        return f"{what} -> {self.error or f'HTTP {self.status} {self.content_type}'}{extra} ({self.elapsed:.2f}s): {body[:300]}"


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def lookup(data: Any, dotted: str) -> list[Any]:
    """Values at ``dotted`` (``a.b``, ``a[].b`` for every element of list ``a``); empty when absent."""
    nodes = [data]
    for part in dotted.split("."):
        each = part.endswith("[]")
        key = part[:-2] if each else part
        nxt = []
        for n in nodes:
            if isinstance(n, dict) and key in n:
                v = n[key]
                if each:
                    nxt.extend(v if isinstance(v, list) else [])
                else:
                    nxt.append(v)
        nodes = nxt
    return nodes


def type_ok(expected: str, value: Any) -> bool:
    got = kind_of(value)
    return got == expected or (expected == "number" and got in ("int", "number"))


class Checker:
    def __init__(self, env: ContractEnvironment) -> None:
        self.env, self.contract = env, env.contract
        self.items: list[Item] = []
        self.session: aiohttp.ClientSession | None = None
        self.unrouted: dict[str, Answer] = {}
        self._user = 0
        self._tail = None  # harness.stacks.EvidenceTail over the probe's evidence, opened on first use

    # ---- HTTP ----
    def headers(self, inst: Instance, token: str | None = "right", origin: str | None = None) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if token == "right" and inst.token:
            h["Authorization"] = f"Bearer {inst.token}"
        elif token == "wrong":
            h["Authorization"] = "Bearer wrong-" + secrets.token_hex(6)
        if origin:
            h["Origin"] = origin
        return h

    async def call(self, method: str, url: str, *, headers: dict | None = None, body: Any = None, raw: bytes | None = None,
                   wait: float | None = None) -> Answer:
        assert self.session is not None
        wait = ANSWER_WAIT if wait is None else wait
        t0 = time.monotonic()
        try:
            async with self.session.request(method, url, headers=headers or {}, json=body if raw is None else None,
                                            data=raw, timeout=aiohttp.ClientTimeout(total=wait)) as resp:
                ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
                if ctype == "text/event-stream":
                    return await self._read_sse(resp, t0, wait)
                text = await resp.text()
                try:
                    parsed: Any = json.loads(text) if text else None
                except ValueError:
                    parsed = text[:500]
                return Answer(resp.status, ctype, parsed, dict(resp.headers), time.monotonic() - t0)
        except asyncio.TimeoutError:
            return Answer(0, "", None, {}, time.monotonic() - t0, ended=False, error=f"no complete answer within {wait:.0f}s")
        except aiohttp.ClientError as exc:
            return Answer(0, "", None, {}, time.monotonic() - t0, error=f"{type(exc).__name__}: {exc}")

    async def _read_sse(self, resp: aiohttp.ClientResponse, t0: float, wait: float) -> Answer:
        events: list[tuple[str, Any]] = []
        name, data = "message", []
        ended = False
        try:
            async with asyncio.timeout(wait):
                async for raw in resp.content:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if not line:
                        if data:
                            text = "\n".join(data)
                            try:
                                events.append((name, json.loads(text)))
                            except ValueError:
                                events.append((name, text))
                        name, data = "message", []
                        continue
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                ended = True
        except TimeoutError:
            pass
        return Answer(resp.status, "text/event-stream", None, dict(resp.headers), time.monotonic() - t0, events, ended,
                      "" if ended else f"the SSE stream did not end within {wait:.0f}s")

    def user(self) -> str:
        self._user += 1
        return f"acc-user-{self._user}-{secrets.token_hex(2)}"

    def body(self, text: str, **extra: Any) -> dict:
        return {"message": text, "platform": "acc_http", "user_id": self.user(), "nickname": "Acceptance Tester", **extra}

    def add(self, *args: Any, **kw: Any) -> Item:
        item = Item(*args, **kw)
        item.evidence = [self.env.stack.redact_text(e) for e in item.evidence]
        item.observed = json.loads(self.env.stack.redact_text(json.dumps(item.observed, default=str)))
        self.items.append(item)
        return item

    async def probe_event(self, event_id: str, wait: float = 10.0) -> dict | None:
        """The probe's record of the message event the request ``event_id`` caused (AstrBot's real pipeline), or None
        after ``wait`` seconds. Read through the shared evidence tail: new lines only, without blocking the loop."""
        from harness.errors import StackError
        from harness.stacks import EvidenceTail

        if self._tail is None:
            self._tail = EvidenceTail(self.env.stack.evidence_path)
        try:
            found = await self._tail.wait_for(lambda r: r.get("record") == "event" and (r.get("event") or {}).get("message_id") == event_id,
                                              timeout=wait, what=f"the probe's event {event_id}", stack=self.env.stack)
        except StackError:
            return None
        return found[0]

    # ---- the run ----
    async def run(self) -> list[Item]:
        open_, sec = self.env.instances["open"], self.env.instances["secured"]
        async with aiohttp.ClientSession(trust_env=False) as self.session:
            for inst in (open_, sec):
                self.unrouted[inst.name] = await self.call("GET", inst.url(f"/acceptance-unrouted-{secrets.token_hex(4)}"),
                                                           headers=self.headers(inst))
            answers = await self.routes(open_)
            await self.request_fields(open_, answers)
            await self.auth(sec, open_)
            await self.behaviour(open_, answers)
            await self.config(open_, sec)
            await self.undocumented(open_, answers)
        return self.items

    def _route_status(self, inst: Instance, route: Route, ans: Answer) -> tuple[str, str]:
        if ans.error and not ans.events:
            return "absent", ans.error
        if ans.fingerprint() == self.unrouted[inst.name].fingerprint():
            return "absent", f"answered exactly like an unrouted path (HTTP {ans.status})"
        if not 200 <= ans.status < 300:
            return "served-differently", f"HTTP {ans.status}"
        if ans.content_type != route.content_type:
            return "served-differently", f"content type {ans.content_type or 'none'} (documented {route.content_type})"
        return "served", f"HTTP {ans.status} {ans.content_type}"

    async def routes(self, inst: Instance) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        order = [r for r in self.contract.routes if r.method == "POST"] + [r for r in self.contract.routes if r.method != "POST"]
        sid = ""
        for route in order:
            path = route.path.replace("{session_id}", sid or "acc_missing_session")
            body = self.body(f"contract check {route.id}") if route.method == "POST" else None
            ans = await self.call(route.method, inst.url(path), headers=self.headers(inst), body=body,
                                  wait=STREAM_WAIT if route.sse else None)
            answers[route.id] = ans
            if route.id == "send_message" and isinstance(ans.body, dict):
                sid = str(ans.body.get("session_id") or "")
                answers["_send_body"] = body  # type: ignore[assignment]
            status, why = self._route_status(inst, route, ans)
            self.add(f"route:{route.method} {route.path}", "route", status, f"{route.method} {route.path} -> {route.content_type}",
                     why, [ans.line(f"{route.method} {inst.prefix}{path}")])
            if route.response:
                self.fields(route, ans, status)
            if route.sse:
                self.sse(route, ans, status)
        return answers

    def fields(self, route: Route, ans: Answer, route_status: str) -> None:
        for name, kind in route.response.items():
            values = lookup(ans.body, name) if isinstance(ans.body, (dict, list)) else []
            if route_status == "absent":
                status, observed = "absent", "the route is absent"
            elif not values:
                status, observed = "absent", "not in the answer"
            elif all(type_ok(kind, v) for v in values):
                status, observed = "served", kind
            else:
                status, observed = "served-differently", sorted({kind_of(v) for v in values})
            self.add(f"response:{route.id}.{name}", "response", status, kind, observed, [ans.line(f"{route.method} {route.path}")])
        if isinstance(ans.body, dict):
            tops = {n.split(".")[0].removesuffix("[]") for n in route.response}
            for extra in sorted(set(ans.body) - tops):
                self.add(f"undocumented:{route.id}.{extra}", "undocumented", "undocumented", None, kind_of(ans.body[extra]),
                         [f"{route.method} {route.path} answers a field the document does not name: {extra}"])

    def sse(self, route: Route, ans: Answer, route_status: str) -> None:
        seen: dict[str, list[Any]] = {}
        for name, data in ans.events:
            seen.setdefault(name, []).append(data)
        for name, fields_ in route.sse.items():
            got = seen.get(name, [])
            if name == "timeout":
                continue  # only a timed-out stream sends it: the timeout behaviour check looks for it
            if not got:
                self.add(f"sse:{name}", "sse", "absent", fields_, f"no '{name}' event ({', '.join(seen) or 'no events'})",
                         [ans.line(f"{route.method} {route.path}")])
                continue
            bad = {f: sorted({kind_of(v) for d in got for v in lookup(d, f)}) or "missing"
                   for f, k in fields_.items() if not all(type_ok(k, v) for d in got for v in lookup(d, f)) or not any(lookup(d, f) for d in got)}
            self.add(f"sse:{name}", "sse", "served-differently" if bad else "served", fields_, bad or f"{len(got)} event(s)",
                     [ans.line(f"{route.method} {route.path}")])
        for extra in sorted(set(seen) - set(route.sse)):
            self.add(f"undocumented:sse.{extra}", "undocumented", "undocumented", None, f"{len(seen[extra])} event(s)",
                     [f"{route.method} {route.path} sends an SSE event the document does not name: {extra}"])

    async def request_fields(self, inst: Instance, answers: dict[str, Any]) -> None:
        """Each documented request field has its effect on what AstrBot's pipeline (the probe) saw."""
        route = self.contract.route("send_message")
        body, ans = answers.get("_send_body"), answers.get("send_message")
        event_id = str(ans.body.get("event_id") or "") if ans is not None and isinstance(ans.body, dict) else ""
        rec = await self.probe_event(event_id) if event_id else None
        ev = (rec or {}).get("event") or rec or {}
        astr = ((ev.get("fields") or {}).get("astrbot") or {}) if isinstance(ev, dict) else {}
        for name in route.request:
            if rec is None and name != "timeout":
                self.add(f"request:{name}", "request", "blocked", route.request[name], None,
                         ["no probe event for the request's event_id, so no field's effect can be seen"])
                continue
            want = (body or {}).get(name)
            if name == "message":
                got = astr.get("message_str")
            elif name == "user_id":
                got = ev.get("sender_id")
            elif name == "nickname":
                got = ev.get("sender_name")
            elif name == "platform":
                sid = str(ans.body.get("session_id") or "") if isinstance(ans.body, dict) else ""
                got = want if sid.startswith(f"{want}_") else sid
            else:
                continue  # timeout: its effect is checked with the behaviour checks (request:timeout)
            self.add(f"request:{name}", "request", "served" if got == want else "served-differently", want, got,
                     [f"probe event {ev.get('message_id')}: sender_id={ev.get('sender_id')} sender_name={ev.get('sender_name')} "
                      f"message_str={astr.get('message_str')!r}"])

    async def auth(self, sec: Instance, open_: Instance) -> None:
        url = sec.url("/sessions")
        for case, token, want in (("missing token refused", None, False), ("wrong token refused", "wrong", False),
                                  ("right token accepted", "right", True)):
            ans = await self.call("GET", url, headers=self.headers(sec, token))
            ok = (200 <= ans.status < 300) if want else ans.status in (401, 403)
            self.add(f"auth:{case}", "auth", "served" if ok else "served-differently",
                     "2xx" if want else "401/403", ans.status or ans.error, [ans.line(f"GET {sec.prefix}/sessions ({case})")])
        ans = await self.call("GET", open_.url("/sessions"), headers=self.headers(open_, None))
        self.add("auth:no token configured, open", "auth", "served" if 200 <= ans.status < 300 else "served-differently",
                 "2xx without Authorization", ans.status or ans.error, [ans.line("GET /sessions without a token")])

    async def behaviour(self, inst: Instance, answers: dict[str, Any]) -> None:
        env = self.env
        # non-streaming reply from the real pipeline (the stand-in model's answer)
        text = f"nonstream {secrets.token_hex(3)}"
        ans = await self.call("POST", inst.url("/messages"), headers=self.headers(inst), body=self.body(text))
        got = " ".join(str(t) for t in lookup(ans.body, "response[].content.data.text")) if isinstance(ans.body, dict) else ""
        want = default_reply(text)
        self.add("behaviour:non-streaming reply", "behaviour", "passed" if want in got else "failed", want, got or ans.error,
                 [ans.line("POST /messages")])
        # streaming reply to its end
        text = f"stream {secrets.token_hex(3)}"
        ans = await self.call("POST", inst.url("/messages/stream"), headers=self.headers(inst), body=self.body(text), wait=STREAM_WAIT)
        chunks = "".join(str(t) for n, d in ans.events if n == "message" for t in lookup(d, "data.content.data.text"))
        names = [n for n, _ in ans.events]
        ok = ans.ended and names[-1:] == ["end"] and default_reply(text) in chunks
        self.add("behaviour:streaming reply to its end", "behaviour", "passed" if ok else "failed",
                 f"connected, message..., end; text {default_reply(text)!r}", {"events": names, "text": chunks, "ended": ans.ended},
                 [ans.line("POST /messages/stream")])
        # timeouts: the model answers late; the request's own timeout must end it
        env.model.first_token_delay = 6.0
        try:
            ans = await self.call("POST", inst.url("/messages/stream"), headers=self.headers(inst),
                                  body=self.body("slow stream", timeout=1), wait=STREAM_WAIT)
            names = [n for n, _ in ans.events]
            self.add("behaviour:stream timeout", "behaviour", "passed" if "timeout" in names and ans.ended and ans.elapsed < 5 else "failed",
                     "a 'timeout' event and the end of the stream soon after the request's timeout (1 s)",
                     {"events": names, "elapsed": round(ans.elapsed, 2), "ended": ans.ended}, [ans.line("POST /messages/stream timeout=1")])
            if "timeout" in names:
                self.add("sse:timeout", "sse", "served", {}, "sent when the request timed out", [ans.line("POST /messages/stream timeout=1")])
            else:
                self.add("sse:timeout", "sse", "absent", {}, f"events {names}", [ans.line("POST /messages/stream timeout=1")])
            ans = await self.call("POST", inst.url("/messages"), headers=self.headers(inst), body=self.body("slow", timeout=1))
            self.add("behaviour:request timeout", "behaviour", "passed" if ans.status and ans.elapsed < 5 else "failed",
                     "an answer soon after the request's timeout (1 s)", {"status": ans.status, "elapsed": round(ans.elapsed, 2),
                                                                        "body": ans.body}, [ans.line("POST /messages timeout=1")])
            self.add("request:timeout", "request", "served" if ans.status and ans.elapsed < 5 else "served-differently", "int",
                     f"answered after {ans.elapsed:.1f}s", [ans.line("POST /messages timeout=1")])
        finally:
            env.model.first_token_delay = 0.0
            await asyncio.sleep(6.5)  # let the late answers of the slow requests drain before the next checks
        # CORS preflight
        ans = await self.call("OPTIONS", inst.url("/messages"), headers={"Origin": ALLOWED_ORIGIN,
                              "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"})
        acao = ans.headers.get("Access-Control-Allow-Origin", "")
        self.add("behaviour:CORS preflight", "behaviour", "passed" if 200 <= ans.status < 300 and acao in ("*", ALLOWED_ORIGIN) else "failed",
                 "2xx with Access-Control-Allow-Origin", {"status": ans.status, "allow_origin": acao}, [ans.line("OPTIONS /messages")])
        # concurrent sessions
        bodies = [self.body(f"parallel {i} {secrets.token_hex(2)}") for i in range(4)]
        got = await asyncio.gather(*(self.call("POST", inst.url("/messages"), headers=self.headers(inst), body=b) for b in bodies))
        mixed = []
        for b, a in zip(bodies, got):
            text = " ".join(str(t) for t in lookup(a.body, "response[].content.data.text")) if isinstance(a.body, dict) else ""
            sid = a.body.get("session_id") if isinstance(a.body, dict) else None
            if default_reply(b["message"]) not in text or sid != f"{b['platform']}_{b['user_id']}":
                mixed.append({"user": b["user_id"], "session_id": sid, "text": text[:120]})
        self.add("behaviour:concurrent sessions", "behaviour", "failed" if mixed else "passed",
                 "each of 4 parallel requests gets its own session and its own reply", mixed or "4 of 4 right",
                 [a.line(f"POST /messages ({b['user_id']})") for b, a in zip(bodies, got)])
        # session management: the sessions just used are listed, with their counts
        listing = await self.call("GET", inst.url("/sessions"), headers=self.headers(inst))
        ids = {str(s.get("session_id")) for s in (listing.body or {}).get("data", [])} if isinstance(listing.body, dict) else set()
        wanted = {f"{b['platform']}_{b['user_id']}" for b in bodies}
        one = await self.call("GET", inst.url(f"/sessions/{sorted(wanted)[0]}"), headers=self.headers(inst))
        count = (one.body or {}).get("data", {}).get("message_count") if isinstance(one.body, dict) else None
        ok = wanted <= ids and count == 1
        self.add("behaviour:session management", "behaviour", "passed" if ok else "failed",
                 "GET /sessions lists every session used; GET /sessions/{id} counts its messages (1)",
                 {"missing": sorted(wanted - ids), "message_count": count}, [listing.line("GET /sessions"), one.line("GET /sessions/{id}")])

    async def config(self, open_: Instance, sec: Instance) -> None:
        dis = self.env.instances["disabled"]
        ok = lambda a: 200 <= a.status < 300  # noqa: E731
        a = await self.call("GET", open_.url("/sessions"), headers=self.headers(open_))
        self.add("config:http_host", "config", "served" if ok(a) else "absent", "127.0.0.1", a.status or a.error, [a.line("GET /sessions")])
        self.add("config:http_port", "config", "served" if ok(a) else "absent", open_.config["http_port"], a.status or a.error,
                 [a.line(f"GET 127.0.0.1:{open_.config['http_port']}/sessions")])
        custom = await self.call("GET", sec.url("/sessions"), headers=self.headers(sec))
        default = await self.call("GET", f"{sec.base}/api/v1/sessions", headers=self.headers(sec))
        self.add("config:api_prefix", "config", "served" if ok(custom) and not ok(default) else "served-differently", sec.prefix,
                 {"custom prefix": custom.status, "default prefix": default.status}, [custom.line(f"GET {sec.prefix}/sessions"),
                                                                                      default.line("GET /api/v1/sessions")])
        d = await self.call("GET", dis.url("/sessions"), headers=self.headers(dis), wait=5)
        self.add("config:enable_http_api", "config", "served" if not ok(d) and d.status == 0 else "served-differently", "false: nothing listens",
                 d.error or d.status, [d.line(f"GET 127.0.0.1:{dis.config['http_port']}{dis.prefix}/sessions")])
        self.add("config:auth_token", "config", "served" if all(i.status == "served" for i in self.items if i.kind == "auth") else "served-differently",
                 "Bearer token checked when set", [i.id for i in self.items if i.kind == "auth" and i.status != "served"] or "see auth:*", [])
        allowed = await self.call("OPTIONS", sec.url("/messages"), headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
        other = await self.call("OPTIONS", sec.url("/messages"), headers={"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "POST"})
        a_ok = allowed.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
        o_ok = other.headers.get("Access-Control-Allow-Origin") not in (OTHER_ORIGIN, "*")
        self.add("config:cors_origins", "config", "served" if a_ok and o_ok else "served-differently", sec.config["cors_origins"],
                 {"allowed origin echoed": a_ok, "other origin refused": o_ok}, [allowed.line("OPTIONS (allowed origin)"), other.line("OPTIONS (other origin)")])
        big = json.dumps(self.body("x" * (int(sec.config["max_request_size"]) * 2))).encode()
        b = await self.call("POST", sec.url("/messages"), headers=self.headers(sec), raw=big)
        self.add("config:max_request_size", "config", "served" if b.status == 413 or 400 <= b.status < 500 else "served-differently",
                 f"a body over {sec.config['max_request_size']} bytes refused", b.status or b.error, [b.line(f"POST {len(big)} bytes")])
        self.env.model.first_token_delay = 6.0
        try:
            t = await self.call("POST", sec.url("/messages"), headers=self.headers(sec), body=self.body("slow, no timeout field"))
        finally:
            self.env.model.first_token_delay = 0.0
        limit = float(sec.config["request_timeout"])
        self.add("config:request_timeout", "config", "served" if t.status and t.elapsed < limit + 3 else "served-differently",
                 f"{limit:.0f}s without a timeout field", f"answered after {t.elapsed:.1f}s (HTTP {t.status})", [t.line("POST /messages")])
        await asyncio.sleep(6.5)
        first = self.body("session expiry")
        await self.call("POST", sec.url("/messages"), headers=self.headers(sec), body=first)
        sid = f"{first['platform']}_{first['user_id']}"
        await asyncio.sleep(float(sec.config["session_timeout"]) + 1.5)
        gone = await self.call("GET", sec.url(f"/sessions/{sid}"), headers=self.headers(sec))
        expired = not ok(gone) or not (gone.body or {}).get("ok", True)
        self.add("config:session_timeout", "config", "served" if expired else "served-differently",
                 f"a session idle over {sec.config['session_timeout']}s is gone", gone.status, [gone.line(f"GET /sessions/{{id}} after expiry")])
        for _ in range(int(sec.config["max_sessions"]) + 1):
            await self.call("POST", sec.url("/messages"), headers=self.headers(sec), body=self.body("session cap"))
        listing = await self.call("GET", sec.url("/sessions"), headers=self.headers(sec))
        n = len((listing.body or {}).get("data", [])) if isinstance(listing.body, dict) else None
        self.add("config:max_sessions", "config", "served" if n is not None and n <= int(sec.config["max_sessions"]) else "served-differently",
                 f"at most {sec.config['max_sessions']} sessions", f"{n} sessions listed after {int(sec.config['max_sessions']) + 1} users",
                 [listing.line("GET /sessions")])

    async def undocumented(self, inst: Instance, answers: dict[str, Any]) -> None:
        documented = {(r.method, r.path) for r in self.contract.routes}
        for method, path in self.contract.undocumented_candidates:
            if (method, path) in documented:
                continue
            ans = await self.call(method, inst.url(path.replace("{session_id}", "acc_missing_session")), headers=self.headers(inst))
            if ans.fingerprint() != self.unrouted[inst.name].fingerprint() and ans.status not in (0, 404, 405):
                self.add(f"undocumented:{method} {path}", "undocumented", "undocumented", None, f"HTTP {ans.status}",
                         [ans.line(f"{method} {inst.prefix}{path}")])


def blocked_items(contract: Contract, reason: str) -> list[Item]:
    """Every documented item ``blocked`` with ``reason`` (the plugin did not load or its adapter did not start)."""
    return [Item(i, k, "blocked", d, None, [reason]) for i, k, d in documented_items(contract)]


def documented_items(contract: Contract) -> list[tuple[str, str, Any]]:
    """The id, kind and documented value of every item the contract defines (what the suite's tests are made of)."""
    out: list[tuple[str, str, Any]] = []
    for r in contract.routes:
        out.append((f"route:{r.method} {r.path}", "route", f"{r.method} {r.path}"))
        out += [(f"response:{r.id}.{n}", "response", k) for n, k in r.response.items()]
        out += [(f"sse:{n}", "sse", f) for n, f in r.sse.items()]
    out += [(f"request:{n}", "request", k) for n, k in contract.route("send_message").request.items()]
    out += [(f"auth:{c}", "auth", None) for c in ("missing token refused", "wrong token refused", "right token accepted",
                                                   "no token configured, open")]
    out += [(f"config:{c['key']}", "config", c.get("default")) for c in contract.config]
    out += [(f"behaviour:{b}", "behaviour", None) for b in BEHAVIOURS]
    return out


BEHAVIOURS = ("non-streaming reply", "streaming reply to its end", "stream timeout", "request timeout", "CORS preflight",
              "concurrent sessions", "session management")
