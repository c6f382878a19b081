"""Observations of the live chat suite, verdicts against the documented protocol, and the report.

The suite's scenarios write what happened into a :class:`Ledger` (upgrade attempts, every frame in
both directions with its schema check, per-scenario facts, the effect seen for each client frame
the suite sent, and findings). :func:`derive_verdicts` then marks every entry of the documented
protocol (``fixtures/live_chat/documented_protocol.yaml``) ``served``, ``differently served`` or
``absent`` by general rules over those observations and the release's code facts
(:mod:`harness.live_chat.introspect`); nothing about a particular release is written here.
:func:`write_report` writes ``live-chat-protocol.json`` and ``live-chat-protocol.md``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import acceptance_fixtures.live_chat as _fixtures
from harness.live_chat.client import Frame, Handshake
from harness.live_chat.introspect import CodeFacts
from harness.live_chat.schemas import SchemaCheck, check_frame, fits
from harness.report.markdown import md_cell, md_code, md_text

DOC_PATH = Path(_fixtures.__file__).resolve().parent / "documented_protocol.yaml"
SERVED, DIFFERENT, ABSENT = "served", "differently served", "absent"
VERDICTS = (SERVED, DIFFERENT, ABSENT)
REPORT_NAME = "live-chat-protocol"


@dataclass
class DocItem:
    id: str
    kind: str
    t: str
    documented: str
    mode: str = "any"
    example: Any = None
    triggers: list[str] = field(default_factory=list)
    probe: str | None = None
    credential: str | None = None
    endpoints: list[str] = field(default_factory=list)


def load_documented(path: Path = DOC_PATH) -> tuple[str, list[DocItem]]:
    raw = yaml.safe_load(Path(path).read_text("utf-8"))
    items = [DocItem(**{k: v for k, v in item.items()}) for item in raw["items"]]
    ids = [i.id for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate ids in {path}")
    return raw.get("document", ""), items


# ----------------------------------------------------------------------------- observations

class Ledger:
    """Everything the suite observed, in the order it happened."""

    def __init__(self, transcript_path: Path | None = None) -> None:
        self.handshakes: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.scenarios: dict[str, dict[str, Any]] = {}
        self.effects: dict[str, dict[str, Any]] = {}
        self.findings: list[dict[str, Any]] = []
        self.transcript_path = transcript_path
        if transcript_path is not None:
            transcript_path.parent.mkdir(parents=True, exist_ok=True)

    def _log(self, record: dict[str, Any]) -> None:
        if self.transcript_path is not None:
            with open(self.transcript_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"at": time.time(), **record}, ensure_ascii=False, default=str) + "\n")

    def record_handshake(self, scenario: str, path: str, credential: str, valid: bool, hs: Handshake,
                         query: dict[str, str] | None = None) -> dict[str, Any]:
        outcome = hs.to_dict()
        # An upgrade is "held" when the server accepted it and did not close it right away.
        entry = {"scenario": scenario, "path": path, "credential": credential, "valid": valid,
                 "query": sorted(query or {}), "outcome": outcome,
                 "held": bool(hs.accepted and outcome.get("close_code") is None)}
        self.handshakes.append(entry)
        self._log({"record": "handshake", **entry})
        return entry

    def record_frame(self, scenario: str, frame: Frame) -> SchemaCheck | None:
        if frame.kind == "close":
            self._log({"record": "close", "scenario": scenario, **frame.to_dict()})
            return None
        check = check_frame(frame.direction, frame.data) if frame.json_ok else None
        entry = {"scenario": scenario, **frame.to_dict(),
                 "ct": frame.data.get("ct") if isinstance(frame.data, dict) else None,
                 "schema": check.to_dict() if check else {"ok": False, "errors": ["not a JSON text frame"]}}
        self.frames.append(entry)
        self._log({"record": "frame", **entry})
        return check

    def record_scenario(self, name: str, exercised: bool = True, **facts: Any) -> None:
        entry = self.scenarios.setdefault(name, {"exercised": False})
        entry.update(facts)
        entry["exercised"] = entry["exercised"] or exercised
        self._log({"record": "scenario", "name": name, **entry})

    def record_effect(self, probe: str, t: str, observed: bool, detail: str, reaction: list[str] | None = None) -> None:
        entry = {"probe": probe, "t": t, "observed": observed, "detail": detail, "reaction": reaction or []}
        self.effects[f"{probe}:{t}"] = entry
        self._log({"record": "effect", **entry})

    def finding(self, topic: str, text: str, scenario: str | None = None) -> None:
        entry = {"topic": topic, "text": text, "scenario": scenario}
        if entry not in self.findings:
            self.findings.append(entry)
            self._log({"record": "finding", **entry})

    # ---- queries ----

    def received(self, t: str | None = None, *, chat: bool | None = None) -> list[dict[str, Any]]:
        out = []
        for f in self.frames:
            if f["direction"] != "in":
                continue
            is_chat = f.get("ct") == "chat"
            if chat is not None and is_chat != chat:
                continue
            if t is not None and f.get("t") != t:
                continue
            out.append(f)
        return out

    def sent(self, t: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["direction"] == "out" and (t is None or f.get("t") == t)]

    def schema_summary(self) -> dict[str, dict[str, Any]]:
        """Per ``direction.t``: frames checked, how many passed, first errors."""
        out: dict[str, dict[str, Any]] = {}
        for f in self.frames:
            schema = f["schema"]
            side = "server" if f["direction"] == "in" else "client"
            key = f"{side}.{'chat.' if f.get('ct') is not None else ''}{f.get('t') or '<not JSON or no t>'}"
            s = out.setdefault(key, {"frames": 0, "valid": 0, "schema": schema.get("schema"), "errors": []})
            s["frames"] += 1
            if schema.get("ok"):
                s["valid"] += 1
            elif len(s["errors"]) < 5:
                s["errors"].append({"scenario": f["scenario"], "errors": schema.get("errors", [])[:5]})
        return out


# ----------------------------------------------------------------------------- verdicts

@dataclass
class Verdict:
    item: DocItem
    verdict: str
    how: str
    basis: str  # observed | code | observed+code
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.item.id, "kind": self.item.kind, "mode": self.item.mode, "name": self.item.t,
                "documented": self.item.documented, "verdict": self.verdict, "how": self.how, "basis": self.basis,
                "evidence": self.evidence}


def _hs_brief(entries: list[dict[str, Any]]) -> str:
    parts = []
    for h in entries:
        o = h["outcome"]
        if o["accepted"]:
            state = "held open" if h["held"] else f"accepted, then closed by the server (code {o.get('close_code')})"
        else:
            state = f"refused with HTTP {o['http_status']}" if o["http_status"] else f"failed: {o['error']}"
        parts.append(f"{h['credential']}: {state}")
    return "; ".join(dict.fromkeys(parts))


def _refused(h: dict[str, Any]) -> bool:
    o = h["outcome"]
    return not o["accepted"] or (o.get("close_code") is not None and o.get("close_code") != 1000)


def _endpoint(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    tries = [h for h in led.handshakes if h["path"] == item.t and h["valid"]]
    route = code.route_for(item.t)
    ev = {"handshakes": [{"credential": h["credential"], **{k: h["outcome"][k] for k in ("accepted", "http_status")},
                          "close_code": h["outcome"].get("close_code"), "held": h["held"]} for h in tries],
          "route": {"path": route.path, "ref": str(route.ref)} if route else None}
    documented = [h for h in tries if h["credential"] == item.credential and h["held"]]
    other = [h for h in tries if h["credential"] != item.credential and h["held"]]
    if documented:
        turns = sorted({f["scenario"] for f in led.received() if f["scenario"] in {h["scenario"] for h in documented}})
        return Verdict(item, SERVED, f"upgrade accepted with a {item.credential} credential and held open"
                       + (f"; frames exchanged in: {', '.join(turns)}" if turns else ""), "observed+code" if route else "observed", ev)
    if other:
        return Verdict(item, DIFFERENT, f"accepted only with {', '.join(sorted({h['credential'] for h in other}))}, "
                       f"not with the documented {item.credential} ({_hs_brief(tries)})", "observed", ev)
    if tries:
        served_elsewhere = sorted({h["path"] for h in led.handshakes if h["valid"] and h["held"]})
        alt = f"; the release serves {', '.join(served_elsewhere)} instead" if served_elsewhere else ""
        if route:
            return Verdict(item, DIFFERENT, f"a WebSocket route is registered ({route.ref}) but every upgrade was refused "
                           f"({_hs_brief(tries)})", "observed+code", ev)
        return Verdict(item, ABSENT, f"upgrade refused ({_hs_brief(tries)}) and the release registers no WebSocket route "
                       f"for this path{alt}", "observed+code", ev)
    if route:
        return Verdict(item, SERVED, f"not probed in this run; route registered at {route.ref}", "code", ev)
    return Verdict(item, ABSENT, "not probed in this run; no WebSocket route for this path in the release", "code", ev)


CREDENTIALS = {"token": "dashboard-jwt", "api_key": "api-key", "authorization-header": "api-key-header"}


def _auth(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    cred = CREDENTIALS.get(item.t, item.t)
    on = [h for h in led.handshakes if h["path"] in item.endpoints]
    good = [h for h in on if h["valid"] and h["credential"] == cred]
    bad = [h for h in on if not h["valid"] and h["credential"].startswith(cred)]
    reads = code.query_params.get(item.t, []) if item.t != "authorization-header" else []
    ev = {"valid": [_hs_brief([h]) + f" on {h['path']}" for h in good],
          "invalid": [f"{h['credential']} on {h['path']}: " + _hs_brief([h]).split(": ", 1)[-1] for h in bad],
          "code_reads": [str(r) for r in reads], "close_calls": code.closes}
    if any(h["held"] for h in good):
        if bad and all(_refused(h) for h in bad):
            forms = sorted({("HTTP %s before the upgrade" % h["outcome"]["http_status"]) if not h["outcome"]["accepted"]
                            else f"close code {h['outcome'].get('close_code')}" for h in bad})
            how = f"a valid credential is accepted; {len(bad)} invalid ones refused ({', '.join(forms)})"
            coded = sorted({c["code"] for c in code.closes})
            if coded and not any(h["outcome"]["accepted"] for h in bad):
                how += (f"; the handler calls close({'/'.join(map(str, coded))}) before accepting, which the server "
                        f"turns into an HTTP refusal, so no WebSocket close code reaches the client")
            return Verdict(item, SERVED, how, "observed+code" if reads else "observed", ev)
        if bad:
            leaked = [h["credential"] for h in bad if not _refused(h)]
            return Verdict(item, DIFFERENT, f"valid credential accepted, but invalid ones were not refused: {', '.join(leaked)}",
                           "observed", ev)
        return Verdict(item, SERVED, "a valid credential is accepted (no invalid credential tried)", "observed", ev)
    what = "an `Authorization` header" if item.t == "authorization-header" else f"the `{item.t}` query parameter"
    if good:
        return Verdict(item, ABSENT if not reads else DIFFERENT,
                       f"no endpoint accepted this credential ({_hs_brief(good)})"
                       + ("" if reads else f"; the release's WebSocket handler never reads {what}"), "observed+code", ev)
    return Verdict(item, ABSENT if not reads else SERVED,
                   "not tried in this run; " + ("read by the handler at " + ", ".join(map(str, reads)) if reads
                                                 else f"the release's WebSocket handler never reads {what}"), "code", ev)


def _answered(effect: dict) -> bool:
    """The frame had an effect: a reply other than a refusal (only `error` frames or a close) or a model call."""
    reaction = set(effect.get("reaction") or ())
    return bool(effect["observed"]) and not (reaction and reaction <= {"error", "close"})


def _ct_reaction(led: Ledger) -> tuple[bool, str]:
    chat_effects = [e for e in led.effects.values() if e["probe"] == "chat_frames"]
    if not chat_effects:
        return False, "no chat-mode frame was sent in this run"
    reacted = [e for e in chat_effects if _answered(e)]
    return bool(reacted), "; ".join(f"{e['t']}: {e['detail']}" for e in chat_effects)


def _param_ct(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    reacted, detail = _ct_reaction(led)
    q = [h for h in led.handshakes if "ct" in h["query"] and h["valid"]]
    ev = {"code_reads_ct": [str(r) for r in code.reads_ct], "ct_values_compared": sorted(code.accepted_ct),
          "handshakes_with_ct": [f"{h['path']}: {_hs_brief([h])}" for h in q], "chat_frames": detail}
    if code.reads_ct and reacted:
        return Verdict(item, SERVED, f"`ct` is read ({code.reads_ct[0]}) and chat-mode frames were answered", "observed+code", ev)
    if code.reads_ct:
        return Verdict(item, DIFFERENT, f"`ct` is read ({code.reads_ct[0]}) but chat-mode frames got no answer: {detail}",
                       "observed+code", ev)
    return Verdict(item, ABSENT, "the release's handler never reads `ct`"
                   + (f"; sent with ct=chat on the served endpoint: {detail}" if led.effects else ""), "observed+code", ev)


def _transport(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    if item.t == "json-text-frames":
        got = led.received()
        bad = [f for f in got if f["kind"] != "text" or f.get("data") is None]
        ev = {"server_frames": len(got), "non_json": len(bad)}
        if not got:
            return Verdict(item, ABSENT, "no frame was received in this run", "observed", ev)
        if bad:
            return Verdict(item, DIFFERENT, f"{len(bad)} of {len(got)} server frames were not JSON text", "observed", ev)
        return Verdict(item, SERVED, f"all {len(got)} server frames were JSON text frames", "observed", ev)
    turn = led.scenarios.get("voice_turn", {})
    wav, samples = turn.get("stt_wav"), turn.get("pcm_samples_sent")
    ev = {"stt_received_wav": wav, "pcm_samples_sent": samples}
    if not wav:
        return Verdict(item, ABSENT, "no uploaded audio reached the speech-to-text stand-in in this run", "observed", ev)
    same = wav.get("rate") == 16000 and wav.get("channels") == 1 and wav.get("sample_width") == 2
    if same and wav.get("frames") == samples:
        return Verdict(item, SERVED, f"{samples} PCM samples sent as Base64 `speaking_part` frames arrived at STT as one "
                       f"16 kHz mono 16-bit WAV with exactly {wav['frames']} frames", "observed", ev)
    return Verdict(item, DIFFERENT, f"the server assembled {wav} from {samples} samples sent", "observed", ev)


def _envelope(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    if item.t == "live-server-envelope":
        got = led.received(chat=False)
        env_bad = [f for f in got if any(e.startswith("<frame>: Additional") or "'t' is a required" in e
                                         for e in f["schema"].get("errors", []))]
        ev = {"frames": len(got), "outside_envelope": len(env_bad)}
        if not got:
            return Verdict(item, ABSENT, "no live-mode frame was received", "observed", ev)
        if env_bad:
            return Verdict(item, DIFFERENT, f"{len(env_bad)} of {len(got)} frames have other top-level fields", "observed", ev)
        return Verdict(item, SERVED, f"all {len(got)} live-mode server frames are {{t, data?}} objects", "observed", ev)
    if item.t == "chat-server-envelope":
        got = led.received(chat=True)
        coded = code.emitted_types(chat=True)
        ev = {"frames_with_ct": len(got), "code_chat_frames": sorted(coded)}
        if got:
            return Verdict(item, SERVED, f"{len(got)} frames carried ct=chat", "observed", ev)
        if coded:
            return Verdict(item, DIFFERENT, "the handler has chat-envelope frames in code but none was sent in this run",
                           "observed+code", ev)
        return Verdict(item, ABSENT, "no frame with `ct` was received and the handler builds none", "observed+code", ev)
    return _param_ct(item, led, code)  # client `ct` field: same question as the `ct` parameter


def _client_frame(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    handled = code.accepted.get(item.t, [])
    if item.mode == "chat" and not code.reads_ct:
        handled = []  # a `t` branch of the live handler is not the chat-mode frame
    effect = led.effects.get(f"{item.probe}:{item.t}")
    sent = [f for f in led.sent(item.t) if f["scenario"] == item.probe]
    errs = fits("client.chat" if item.mode == "chat" else "client", item.t, item.example) if item.example is not None else None
    ev = {"handler_branch": [str(r) for r in handled], "effect": effect, "sent_in_probe": len(sent),
          "example_vs_release_schema": errs}
    refs = ", ".join(map(str, handled))
    if effect is None:
        if handled:
            return Verdict(item, SERVED, f"not exercised in this run; the handler has a branch for it ({refs})", "code", ev)
        return Verdict(item, ABSENT, "not exercised in this run; the handler has no branch for it", "code", ev)
    if _answered(effect):
        if errs:
            return Verdict(item, DIFFERENT, f"works ({effect['detail']}), but the documented shape does not fit the "
                           f"release's schema: {'; '.join(errs)}", "observed+code", ev)
        return Verdict(item, SERVED, effect["detail"] + (f" (handler: {refs})" if refs else ""), "observed+code", ev)
    if handled:
        return Verdict(item, DIFFERENT, f"accepted by the handler ({refs}) but without the documented effect: {effect['detail']}",
                       "observed+code", ev)
    return Verdict(item, ABSENT, f"the handler has no branch for it; {effect['detail']}", "observed+code", ev)


def _server_frame(item: DocItem, led: Ledger, code: CodeFacts) -> Verdict:
    chat = item.mode == "chat"
    seen = led.received(item.t, chat=chat)
    emitters = code.emits(item.t, chat=chat)
    triggered = {s: led.scenarios[s] for s in item.triggers if led.scenarios.get(s, {}).get("exercised")}
    errs = fits("server.chat" if chat else "server", item.t, item.example) if item.example is not None else None
    valid = sum(1 for f in seen if f["schema"].get("ok"))
    ev = {"frames_seen": len(seen), "schema_valid": valid, "scenarios": sorted({f["scenario"] for f in seen}),
          "code_emitters": [str(e.ref) for e in emitters], "example_vs_release_schema": errs,
          "triggers_exercised": {s: v.get("detail", "") for s, v in triggered.items()}}
    refs = ", ".join(str(e.ref) for e in emitters)
    if seen:
        where = ", ".join(ev["scenarios"])
        if errs:
            return Verdict(item, DIFFERENT, f"sent ({len(seen)} frames in {where}) but in another shape than documented: "
                           + "; ".join(errs), "observed+code" if emitters else "observed", ev)
        how = f"sent {len(seen)} times ({where}); {valid}/{len(seen)} valid against the release schema"
        return Verdict(item, SERVED, how, "observed+code" if emitters else "observed", ev)
    if emitters:
        if triggered:
            cond = "; ".join(f"{s}: {v.get('detail', '')}".rstrip(": ") for s, v in triggered.items())
            return Verdict(item, DIFFERENT, f"the handler can send it ({refs}) but did not when the documented condition "
                           f"occurred ({cond})", "observed+code", ev)
        return Verdict(item, SERVED, f"its condition did not occur in this run; the handler sends it at {refs}", "code", ev)
    tried = ", ".join(triggered) if triggered else "none of the suite's scenarios covers its condition"
    return Verdict(item, ABSENT, f"never received (scenarios: {tried}) and the release's handler has no code that sends it",
                   "observed+code" if triggered else "code", ev)


RULES = {"endpoint": _endpoint, "auth": _auth, "param": _param_ct, "transport": _transport, "envelope": _envelope,
         "client_frame": _client_frame, "server_frame": _server_frame}


def derive_verdicts(items: list[DocItem], ledger: Ledger, code: CodeFacts) -> list[Verdict]:
    return [RULES[item.kind](item, ledger, code) for item in items]


def undocumented(items: list[DocItem], ledger: Ledger, code: CodeFacts) -> list[dict[str, Any]]:
    """Frames and fields the release sent, accepted or has in code that the document does not mention."""
    out: list[dict[str, Any]] = []
    doc_server = {(i.t, i.mode) for i in items if i.kind == "server_frame"}
    doc_client = {(i.t, i.mode) for i in items if i.kind == "client_frame"}
    doc_paths = [i.t for i in items if i.kind == "endpoint"]
    for r in code.routes:
        if not any(p == r.path or (not r.prefix_known and p.endswith(r.path)) for p in doc_paths):
            shown = r.path if r.prefix_known else f"<router prefix>{r.path}"
            out.append({"what": f"WebSocket route `{shown}`", "basis": "code", "ref": [str(r.ref)]})
    for t in sorted({f.get("t") for f in ledger.received(chat=False)} - {None}):
        if (t, "live") not in doc_server:
            out.append({"what": f"server frame `{t}`", "basis": "observed"})
    for t in sorted(code.emitted_types(chat=False)):
        if (t, "live") not in doc_server and not any(o["what"] == f"server frame `{t}`" for o in out):
            out.append({"what": f"server frame `{t}`", "basis": "code", "ref": [str(e.ref) for e in code.emits(t, chat=False)]})
    for t in sorted({f.get("t") for f in ledger.received(chat=True)} - {None}):
        if (t, "chat") not in doc_server:
            out.append({"what": f"chat-mode server frame `{t}`", "basis": "observed"})
    for t in sorted(code.emitted_types(chat=True)):
        if (t, "chat") not in doc_server and not any(o["what"] == f"chat-mode server frame `{t}`" for o in out):
            out.append({"what": f"chat-mode server frame `{t}`", "basis": "code"})
    for t in sorted(code.accepted):
        if (t, "live") not in doc_client and (t, "chat") not in doc_client:
            out.append({"what": f"client frame `{t}`", "basis": "code", "ref": [str(r) for r in code.accepted[t]]})
    documented_keys: dict[str, set[str]] = {}
    for i in items:
        if i.kind == "server_frame" and isinstance(i.example, dict) and isinstance(i.example.get("data"), dict):
            documented_keys.setdefault(i.t, set()).update(i.example["data"])
    for t, keys in documented_keys.items():
        seen_keys: set[str] = set()
        for f in ledger.received(t, chat=False):
            if isinstance(f.get("data"), dict) and isinstance(f["data"].get("data"), dict):
                seen_keys.update(f["data"]["data"])
        extra = sorted(seen_keys - keys)
        if extra:
            out.append({"what": f"`{t}` data keys {', '.join(extra)}", "basis": "observed"})
    return out


# ----------------------------------------------------------------------------- report

def build_report(*, items: list[DocItem], ledger: Ledger, code: CodeFacts, document: str,
                 release: dict[str, Any], run_id: str) -> dict[str, Any]:
    verdicts = derive_verdicts(items, ledger, code)
    counts = {v: sum(1 for x in verdicts if x.verdict == v) for v in VERDICTS}
    return {
        "kind": "live-chat-protocol",
        "run_id": run_id,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "document": document,
        "release": release,
        "summary": counts,
        "items": [v.to_dict() for v in verdicts],
        "undocumented": undocumented(items, ledger, code),
        "findings": ledger.findings,
        "schemas": ledger.schema_summary(),
        "scenarios": ledger.scenarios,
        "handshakes": [{"scenario": h["scenario"], "path": h["path"], "credential": h["credential"], "valid": h["valid"],
                        "held": h["held"], **{k: h["outcome"].get(k) for k in ("accepted", "http_status", "close_code",
                                                                              "close_reason")}}
                       for h in ledger.handshakes],
        "code": code.to_dict(),
    }


def render_markdown(report: dict[str, Any]) -> str:
    rel = report["release"]
    lines = [f"# Live chat protocol: {rel.get('framework', 'astrbot')} {rel.get('version', '?')} vs. the documented Live API",
             "",
             f"Run `{report['run_id']}`, generated {report['generated_at']}. Document: `{report['document']}`.",
             f"Release: {rel.get('framework')} {rel.get('version')} (Python {rel.get('python', '?')}), "
             f"live endpoint under test `{rel.get('live_path')}`.",
             "",
             "Verdicts come from what the running release did in this run plus its handler code "
             "(`basis`: observed, code, or both).",
             "",
             "| verdict | count |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in report["summary"].items()]
    lines += ["", "## Documented items", "", "| item | documented | verdict | how | basis |", "| --- | --- | --- | --- | --- |"]
    for it in report["items"]:
        lines.append(f"| {md_code(it['id'])} ({md_code(it['name'])}) | {md_cell(it['documented'])} | "
                     f"**{it['verdict']}** | {md_cell(it['how'])} | {it['basis']} |")
    lines += ["", "## Served by the release but not in the document", ""]
    lines += [f"- {u['what']} ({u['basis']}{': ' + ', '.join(u['ref']) if u.get('ref') else ''})" for u in report["undocumented"]] or ["- nothing"]
    lines += ["", "## Findings", ""]
    lines += [f"- **{md_text(f['topic'])}**: {md_text(f['text'])}" + (f" (scenario {md_code(f['scenario'])})" if f.get("scenario") else "")
              for f in report["findings"]] or ["- none"]
    lines += ["", "## Frame schemas checked on real frames", "", "| frame | schema | frames | valid |", "| --- | --- | --- | --- |"]
    for key, s in sorted(report["schemas"].items()):
        lines.append(f"| `{key}` | {s['schema'] or '(none)'} | {s['frames']} | {s['valid']} |")
    lines += ["", "## Upgrade attempts", "", "| scenario | path | credential | result |", "| --- | --- | --- | --- |"]
    for h in report["handshakes"]:
        res = ("held open" if h["held"] else f"accepted, closed with {h['close_code']}") if h["accepted"] else f"HTTP {h['http_status']}"
        lines.append(f"| {md_cell(h['scenario'])} | {md_code(h['path'])} | {md_cell(h['credential'])} | {md_cell(res)} |")
    code = report["code"]
    lines += ["", "## Handler code of the release", "",
              f"- files: {', '.join(code['files']) or '(none found)'}",
              f"- WebSocket routes: {', '.join(r['path'] + ' (' + r['ref'] + ')' for r in code['routes']) or 'none'}",
              f"- client frame types handled: {', '.join(sorted(code['accepted'])) or 'none'}",
              f"- `ct` read: {'yes' if code['reads_ct'] else 'no'}",
              f"- server frame types sent: {', '.join(sorted({e['t'] for e in code['emitted']})) or 'none'}",
              f"- close calls: {', '.join(str(c['code']) + ' ' + repr(c['reason']) for c in code['closes']) or 'none'}",
              ""]
    return "\n".join(lines)


def write_report(report: dict[str, Any], folder: Path, redactor: Any = None) -> tuple[Path, Path]:
    """Write the JSON and Markdown report, both passed through the redactor's text rules (known secret
    values and secret shapes; default: the generic rules). Key-name rules are not applied: this report's
    ``credential`` fields name the kind of credential tried, never its value."""
    from harness.evidence.redact import Redactor

    text = (redactor or Redactor()).text
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jpath, mpath = folder / f"{REPORT_NAME}.json", folder / f"{REPORT_NAME}.md"
    jpath.write_text(text(json.dumps(report, ensure_ascii=False, indent=1, default=str)) + "\n", "utf-8")
    mpath.write_text(text(render_markdown(report)), "utf-8")
    return jpath, mpath
