"""The checker: evidence x manifest x acceptance rules -> one verdict per capability.

It reads records in one streaming pass, groups them per adapter, joins the records of different
producers (see docs/evidence.md) and applies the checklist's acceptance rule. A level is only ever
derived from who observed what; nothing is promoted.
"""

from __future__ import annotations

import bisect
import gc
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from harness.capabilities import INBOUND_KINDS, KINDS, OUTBOUND_KINDS, load_catalogue
from harness.components import default_registry
from harness.evidence.reader import ReadResult, iter_records, ref_text
from harness.fidelity import compare_components, component_problems
from harness.levels import COMPLETING_LEVELS, Level, Status, strength
from harness.manifest.model import Manifest
from harness.truth import compare_args, compare_effects, compare_fields, compare_result, expected_effects
from harness.verdicts import AdapterResult, CheckResult, Verdict
from harness.evidence.writer import now_iso as iso_of

#: Evidence references kept per verdict; the rest is counted in ``detail["observations"]``.
MAX_CITED = 12
#: The common EBA component types (harness/data/components.yaml); any other type in a chain is platform-native.
COMMON_COMPONENTS = default_registry().common


@dataclass(slots=True)
class Observation:
    level: Level | None
    ok: bool | None  # True proves, False disproves, None blocks / not supported
    refs: list[int]  # numeric evidence references (see harness.evidence.reader.ref_text)
    message: str = ""
    justified: bool = False
    skip_status: Status | None = None
    detail: dict[str, Any] | None = None  # None, not {}: saves a dict per observation on big runs


@dataclass
class _Bucket:
    """All records of one adapter, kept in the order they were read."""

    injects: list[tuple[str, dict]] = field(default_factory=list)
    events: list[tuple[int, float, str | None, dict]] = field(default_factory=list)  # (ref, t, producer, event)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    received: list[tuple[float, str, dict]] = field(default_factory=list)
    ui_seen: dict[str, tuple[str, dict]] = field(default_factory=dict)
    skips: list[tuple[str, dict]] = field(default_factory=list)
    checks: list[tuple[str, dict]] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)
    run_ids: dict[str, None] = field(default_factory=dict)
    runs: list[dict] = field(default_factory=list)
    framework: str = ""
    framework_version: str = ""
    simulator: str = ""
    t_min: float = float("inf")
    t_max: float = 0.0


_PATHS: dict[str, tuple[str, ...]] = {}


def _get(record: dict, dotted: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``; None where a step is missing."""
    parts = _PATHS.get(dotted)
    if parts is None:
        parts = _PATHS[dotted] = tuple(dotted.split("."))
    value: Any = record
    for part in parts:
        if type(value) is not dict:
            return None
        value = value.get(part)
    return value


def _norm(value: Any) -> str:
    return "" if value is None else str(value)


def collect(paths: Iterable[str | Path], *, strict: bool = False) -> tuple[dict[str, _Bucket], ReadResult]:
    """Read evidence files into per-adapter buckets (one pass; the hot loop of the checker)."""
    result = ReadResult()
    buckets: dict[str, _Bucket] = {}
    for ref, rec in iter_records(list(paths), result, strict=strict, numeric_refs=True):
        adapter = rec.get("adapter") or ""
        b = buckets.get(adapter)
        if b is None:
            b = buckets[adapter] = _Bucket()
        kind = rec["record"]
        if kind == "event":  # keep only what the joins read; the wrapper is freed at once
            b.events.append((ref, rec.get("t") or 0.0, rec.get("producer"), rec.get("event") or {}))
        elif kind == "inject":
            b.injects.append((ref, rec))
        elif kind == "api_call":
            b.calls.append((ref, rec))
        elif kind == "platform_received":
            b.received.append((rec.get("t") or 0.0, ref, rec))
        elif kind == "ui_observed" and rec.get("producer") == "ui-check":  # only the DOM check says "rendered"
            mid = _norm(_get(rec, "observed.message_id"))
            if mid:
                b.ui_seen[mid] = (ref, rec)
        elif kind == "skip":
            b.skips.append((ref, rec))
        elif kind == "check":
            b.checks.append((ref, rec))
        elif kind == "finding":
            b.findings.append((ref, rec.get("message", "")))
        elif kind == "writer-error":  # a record its writer could not write: never lost silently
            b.findings.append((ref, f"an evidence writer lost a record: {rec.get('message') or 'no detail'}"))
        elif kind == "run":
            b.simulator = rec.get("simulator") or b.simulator
            b.runs.append(rec)
    for b in buckets.values():
        b.received.sort(key=lambda item: item[0])
        groups = (b.injects, b.calls, b.skips, b.checks)
        firsts = [g[0][1] for g in groups if g] + [g[-1][1] for g in groups if g] + [r for _, _, r in b.received[:1] + b.received[-1:]] + b.runs
        times = [r.get("t") or 0.0 for r in firsts] + [e[1] for e in b.events[:1] + b.events[-1:]]
        if times:
            b.t_min, b.t_max = min(times), max(times)
        for r in firsts:
            if r.get("framework"):
                b.framework, b.framework_version = r["framework"], r.get("framework_version", "")
                break
        b.run_ids = dict.fromkeys(r["run_id"] for r in firsts)
    return buckets, result


class _EventIndex:
    """Finds the first observed event at or after a time whose fields match an inject's ``match``."""

    def __init__(self, events: list[tuple[int, float, str | None, dict]]) -> None:
        self.events = events
        self._by_keys: dict[tuple[str, ...], dict[tuple[str, ...], list[tuple[float, int]]]] = {}
        self.used: set[int] = set()
        self._sorted: dict[tuple[str, ...], tuple[str, ...]] = {}

    def find(self, match: dict[str, Any], t: float) -> int | None:
        keys = self._sorted.get(tuple(match))
        if keys is None:
            keys = self._sorted[tuple(match)] = tuple(sorted(match))
        index = self._by_keys.get(keys)
        if index is None:
            index = defaultdict(list)
            if all(k.startswith("event.") and k.count(".") == 1 for k in keys):  # the common case, made fast
                fields = [k[6:] for k in keys]
                for i, (_, ev_t, _, ev) in enumerate(self.events):
                    index[tuple(["" if (x := ev.get(f)) is None else str(x) for f in fields])].append((ev_t, i))
            else:
                for i, (_, ev_t, producer, ev) in enumerate(self.events):
                    view = {"event": ev, "producer": producer}
                    index[tuple(_norm(_get(view, k)) for k in keys)].append((ev_t, i))
            for lst in index.values():
                lst.sort()
            self._by_keys[keys] = index
        candidates = index.get(tuple(["" if (v := match[k]) is None else str(v) for k in keys]), [])
        pos = bisect.bisect_left(candidates, (t, -1))
        for _, i in candidates[pos:]:
            if i not in self.used:
                self.used.add(i)
                return i
        return None


_CAPS_CACHE: dict[tuple[tuple[str, ...], frozenset], list[tuple[str, str, str]]] = {}


def _caps_of(record: dict, kinds: frozenset) -> list[tuple[str, str, str]]:
    """``(id, kind, name)`` of the record's capabilities whose kind is in ``kinds`` (cached)."""
    key = (tuple(record.get("capabilities") or ()), kinds)
    found = _CAPS_CACHE.get(key)
    if found is None:
        found = _CAPS_CACHE[key] = [(c, *c.split(":", 1)) for c in key[0] if c.partition(":")[0] in kinds and ":" in c]  # type: ignore[misc]
    return found


def _satisfies(ev: dict, observer: str | None, match: dict[str, Any]) -> bool:
    """The event matches every field of an injection's ``match`` (the rule of :class:`_EventIndex`)."""
    view = {"event": ev, "producer": observer}
    return all(_norm(_get(view, k)) == ("" if v is None else str(v)) for k, v in match.items())


def _inbound_observations(b: _Bucket) -> tuple[dict[str, list[Observation]], set[int], dict[int, int | None]]:
    """Observations of the inbound capabilities, the event indexes paired with an injection, and the pairing
    (inject ref -> event index or None) of every injection with a ``match``."""
    obs: dict[str, list[Observation]] = defaultdict(list)
    paired: dict[int, int | None] = {}
    index = _EventIndex(b.events)
    for ref, inj in sorted(b.injects, key=lambda item: item[1].get("t") or 0.0):
        caps = _caps_of(inj, INBOUND_KINDS)
        if not caps:
            continue
        claimed = inj.get("level")
        # A UI level needs a UI action as its producer; anything else is protocol at best.
        inj_level = Level.UI if (claimed == Level.UI.value and inj.get("producer") == "ui-action") else Level.PROTOCOL
        if claimed == Level.ADAPTER_LIVE.value:
            inj_level = Level.ADAPTER_LIVE
        i = index.find(inj.get("match") or {}, inj.get("t") or 0.0) if inj.get("match") else None
        if inj.get("match"):
            paired[ref] = i
        if i is None:
            what = ", ".join(f"{k}={v}" for k, v in (inj.get("match") or {}).items()) or "(no match fields given)"
            for cap, _, _ in caps:
                obs[cap].append(Observation(None, False, [ref], f"injected, but no matching event reached the observer ({what})"))
            continue
        ev_ref, _, observer, ev = b.events[i]
        level = inj_level if observer == "probe" else Level.ADAPTER_LIVE if observer == "adapter-driver" else None
        if level is None:
            continue
        expectation = inj.get("expected") or {}
        expected = expectation.get("components")
        problems = component_problems(expected, ev.get("components")) if expected is not None else []
        field_text, field_detail = _field_verdict(expectation, ev)
        justified = bool(inj.get("justification"))
        refs = [ref, ev_ref]  # shared by this injection's observations (read-only)
        for cap, kind, name in caps:
            if kind == "event":  # the event's own fields judge the event capability, components the receive ones
                obs[cap].append(Observation(level, not field_text, refs, field_text, justified=justified, detail=field_detail))
                continue
            # Component fidelity judges the receive components (the event itself arrived): a mixed
            # chain on everything, one component on what concerns its own type (checklist: Plain text
            # exact, At target, Source id...), so stripped text next to a mention fails Plain, not At.
            message = ""
            if kind == "receive":
                if problems:
                    mine = [m for t, m in problems if name == "mixed" or t == name]
                    message = "; ".join(dict.fromkeys(mine))
                elif expected is None and name != "mixed":
                    # Without an expectation, a receive component is proven only when the chain carries it.
                    types = {c.get("type") for c in ev.get("components") or []}
                    if name not in types:
                        message = f"{name} not present in the received chain {sorted(t for t in types if t)}"
            obs[cap].append(Observation(level, not message, refs, message, justified=justified))
    return obs, index.used, paired


def _delivery_observations(b: _Bucket, paired: dict[int, int | None], used: set[int]) -> tuple[dict[str, list[Observation]], dict]:
    """Per event type, how often each platform event reached the plugin (:mod:`harness.delivery`); a platform event
    delivered more than once fails its event capability with the counts."""
    from harness.delivery import count_deliveries

    table = count_deliveries(b.injects, b.events, paired, used, _satisfies)
    obs: dict[str, list[Observation]] = defaultdict(list)
    for etype, row in table.items():
        for ref, n in row.duplicated:
            obs[f"event:{etype}"].append(Observation(
                None, False, [ref], f"the platform raised this event once and the plugin received it {n} times "
                f"({row.more_than_once} of {row.injected} {etype} events delivered more than once, {row.lost} lost)"))
    return obs, {k: v.to_dict() for k, v in sorted(table.items())}


def _field_verdict(expectation: dict, ev: dict) -> tuple[str, dict[str, Any] | None]:
    """An event's fields against the injection's ``expected.fields``: the differences (as the failure
    message) and the detail (how many fields were compared, the limitations: fields the platform cannot
    carry, per the expectation, and fields the framework's event record lacks)."""
    fields, limits = expectation.get("fields"), expectation.get("limits")
    if not fields and not limits:
        return "", None
    problems, absent = compare_fields(fields, ev)
    key = (tuple(fields or ()), tuple(absent), tuple((limits or {}).items()))
    detail = _FIELD_DETAILS.get(key)
    if detail is None:  # one shared (read-only) detail per shape: big runs repeat a handful of shapes
        limitations = [f"{k}: {v}" for k, v in (limits or {}).items()]
        limitations += [f"{k}: not carried by the framework's event" for k in absent]
        detail = {"compared": sorted(set(fields or ()) - set(absent))}
        if limitations:
            detail["limitations"] = limitations
        _FIELD_DETAILS[key] = detail
    return "; ".join(problems), detail


_FIELD_DETAILS: dict[tuple, dict[str, Any]] = {}


def _decide(candidates: list[tuple[int, Any]], compare: Callable[[Any], tuple[list[str], list[str]]]) -> tuple[int, list[str], list[str]]:
    """The first candidate record that agrees with the world, else the first one's differences:
    ``(ref, differences, what it does not carry)``; ``candidates`` is not empty."""
    first = None
    for ref, value in candidates:
        diff, absent = compare(value)
        if not diff:
            return ref, [], absent
        first = first or (ref, diff, absent)
    return first  # type: ignore[return-value]


def _truth_verdict(call: dict, api: dict, arrived: list[tuple[int, dict]]) -> tuple[list[str], list[int], list[str], list[str]]:
    """A call that reached the platform, against the world: its arguments as received, its result against the
    world's answer truth, and the world's state afterwards (the catalogue names which apply, per API).
    Returns (differences, refs of the records that decided, limitations, what was compared)."""
    info = load_catalogue().info("api", api.get("name"))
    target = (call.get("expected") or {}).get("target")
    if not (info.get("params") or info.get("result") or info.get("effect") or target):  # the common fast path
        return [], [], [], []
    call_input = api.get("input") if isinstance(api.get("input"), dict) else {}
    problems: list[str] = []
    refs: list[int] = []
    limits: list[str] = []
    compared: list[str] = []

    def judged(what: str, candidates: list[tuple[int, Any]], compare, absent_note: str = "") -> None:
        compared.append(what)
        ref, diff, absent = _decide(candidates, compare)
        refs.append(ref)
        problems.extend(diff)
        limits.extend(f"{a}: {absent_note}" for a in absent)

    asked = {k: call_input[k] for k in info.get("params") or () if k in call_input}
    if isinstance(target, dict):
        asked.setdefault("target_type", target.get("type"))
        asked.setdefault("target_id", target.get("id"))
    if asked:
        received = [(r, args) for r, rec in arrived if isinstance(args := _get(rec, "observed.args"), dict) and set(args) & set(asked)]
        if received:
            judged("arguments", received, lambda args: (compare_args(asked, args), []))
        else:
            limits.append("the simulated platform reports no arguments for this call, so they were not compared")
    key = info.get("result")
    if key:
        truths = [(r, t[key]) for r, rec in arrived if isinstance(t := _get(rec, "observed.truth"), dict) and key in t]
        facts = api.get("facts")
        if not truths:
            limits.append(f"the simulated platform reports no {key} truth for this call")
        elif not (isinstance(facts, dict) and key in facts):
            limits.append(f"the probe reports no normalised {key} result, so the world's data were not compared")
        else:
            judged(f"{key} result", truths, lambda t: compare_result(key, t, facts[key]), "not carried by the framework's result")
    effect = expected_effects(info.get("effect") or {}, call_input)
    if effect:
        afters = [(r, after) for r, rec in arrived if isinstance(after := _get(rec, "observed.after"), dict)]
        if afters:
            judged("effect", afters, lambda after: compare_effects(effect, after), "not in the world's state after the call")
        else:
            limits.append("the simulated platform reports no state after this call, so its effect was not checked")
    return problems, refs, limits, compared


def _outbound_observations(b: _Bucket) -> dict[str, list[Observation]]:
    obs: dict[str, list[Observation]] = defaultdict(list)
    times = [t for t, _, _ in b.received]
    by_call_id: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for _, ref, rec in b.received:
        if rec.get("call_id"):
            by_call_id[rec["call_id"]].append((ref, rec))
    for ref, call in b.calls:
        api = call.get("api") or {}
        caps = _caps_of(call, OUTBOUND_KINDS)
        if not caps:
            continue
        observer = call.get("producer")
        if api.get("ok") is not True:
            kind = api.get("error_kind") or "error"
            text = f"{api.get('scope') or 'call'} {api.get('name')}: {kind}: {api.get('error') or 'no result'}"
            for cap, _, _ in caps:
                if kind == "refused":
                    obs[cap].append(Observation(Level.BLOCKED, None, [ref], f"framework refused the call ({text})", skip_status=Status.BLOCKED))
                elif api.get("scope") == "run":
                    # Inside the event's run scope the call crosses the framework's own tool channel;
                    # the probe retries plugin-wide, and that outcome judges the adapter.
                    obs[cap].append(Observation(Level.BLOCKED, None, [ref], f"failed inside the framework's run scope ({text})",
                                                skip_status=Status.BLOCKED))
                else:
                    obs[cap].append(Observation(None, False, [ref], text))
            continue
        if call.get("call_id") and call["call_id"] in by_call_id:
            arrived = by_call_id[call["call_id"]]
        else:
            lo = bisect.bisect_left(times, api.get("started") or call.get("t") or 0.0)
            hi = bisect.bisect_right(times, api.get("ended") or call.get("t") or 0.0)
            arrived = [(r, rec) for _, r, rec in b.received[lo:hi]]
        if not arrived:
            for cap, _, _ in caps:
                obs[cap].append(Observation(None, None, [ref], "the call returned, but the platform received nothing during it",
                                            skip_status=Status.PARTIAL))
            continue
        level = Level.OUTBOUND if observer == "probe" else Level.ADAPTER_LIVE if observer == "adapter-driver" else None
        if level is None:
            continue
        expected = (call.get("expected") or {}).get("components")
        problem, matched = None, arrived
        if expected is not None:
            fits = [(r, rec) for r, rec in arrived if compare_components(expected, (rec.get("observed") or {}).get("components")) is None]
            if fits:
                matched = fits
            else:
                problem = "; ".join(filter(None, (compare_components(expected, _get(rec, "observed.components")) for _, rec in arrived[:3])))
        truth_problems, truth_refs, limitations, compared = _truth_verdict(call, api, arrived)
        if truth_problems:
            problem = "; ".join(filter(None, [problem, *truth_problems]))
        wire = (call.get("expected") or {}).get("action")
        wire_problem = None
        if wire and not any(rec.get("action") == wire for _, rec in arrived):
            seen_actions = ", ".join(dict.fromkeys(str(rec.get("action")) for _, rec in arrived[:5]))
            wire_problem = f"the platform received {seen_actions}, not the {wire} request this action must make"
        refs = [ref] + list(dict.fromkeys([r for r, _ in matched[:5]] + truth_refs))
        seen = [b.ui_seen[mid] for _, rec in matched if (mid := _norm(_get(rec, "observed.message_id"))) in b.ui_seen] if b.ui_seen else []
        detail = {"outbound": "rendered" if seen else "received", "actions": list(dict.fromkeys([rec.get("action", "") for _, rec in matched]))}
        if limitations:
            detail["limitations"] = limitations
        if compared:
            detail["compared"] = compared
        if seen:
            refs += [r for r, _ in seen]
            detail["screenshots"] = [s for _, rec in seen if (s := rec.get("screenshot"))]
        for cap, kind, _ in caps:  # observations only read ``detail``: one dict serves every capability
            mine = "; ".join(filter(None, [problem, wire_problem])) if kind == "platform_api" else problem
            obs[cap].append(Observation(level, not mine, refs, mine or "", detail=detail))
    return obs


def _skip_and_check_observations(b: _Bucket) -> tuple[dict[str, list[Observation]], list[tuple[str, str]]]:
    obs: dict[str, list[Observation]] = defaultdict(list)
    adapter_blocked: list[tuple[str, str]] = []
    for ref, rec in b.skips:
        status = Status.NOT_SUPPORTED if rec.get("status") == "not-supported" else Status.BLOCKED
        reason = rec.get("reason") or "no reason given"
        if rec.get("source"):
            reason += f" (source: {rec['source']})"
        caps = rec.get("capabilities") or []
        if not caps:
            adapter_blocked.append((ref, reason))
        for cap in caps:
            level = Level.NOT_SUPPORTED if status is Status.NOT_SUPPORTED else Level.BLOCKED
            obs[cap].append(Observation(level, None, [ref], reason, skip_status=status))
    for ref, rec in b.checks:
        level = Level(rec["level"]) if rec.get("level") in Level._value2member_map_ else Level.UNIT
        ok = rec.get("status") == "passed"
        for cap in rec.get("capabilities") or []:
            obs[cap].append(Observation(level, ok, [ref], rec.get("message", "")))
    return obs, adapter_blocked


def _derived_compat(b: _Bucket) -> dict[str, list[Observation]]:
    """Compatibility facts visible in the observed message events.

    ``source_platform_object`` is the adapter's duty; a framework may strip it before the plugin
    runtime, so only an observer at the adapter (``adapter-driver``) can prove or disprove it. The
    probe's view decides ``common_components`` (what plugins receive must be common components);
    without a probe, the adapter-side view does, at ``adapter-live``.
    """
    obs: dict[str, list[Observation]] = defaultdict(list)
    spo: dict[str, dict[bool, list[int]]] = {"probe": {True: [], False: []}, "adapter-driver": {True: [], False: []}}
    native: dict[str, list[tuple[int, set]]] = {"probe": [], "adapter-driver": []}
    for ref, _, producer, ev in b.events:
        if producer not in spo or ev.get("type") != "message.received":
            continue
        spo[producer][bool(ev.get("source_platform_object"))].append(ref)
        comps = ev.get("components") or ()
        for c in comps:  # the usual chain is all common components: test before building a set
            if c.get("type") not in COMMON_COMPONENTS:
                native[producer].append((ref, {str(c.get("type")) for c in comps} - COMMON_COMPONENTS))
                break
    live, seen = spo["adapter-driver"], spo["probe"]
    if live[True] or live[False]:
        observer, level = live, Level.ADAPTER_LIVE
    else:
        observer, level = seen, Level.PROTOCOL
    cap = "compat:source_platform_object"
    if observer is seen and seen[False] and not seen[True]:
        obs[cap].append(Observation(
            Level.BLOCKED, None, seen[False][:5],
            "the plugin never receives source_platform_object (the framework does not forward it); "
            "only an adapter-live observation can check the adapter", skip_status=Status.BLOCKED))
    elif observer[False]:
        obs[cap].append(Observation(level, False, observer[False][:5],
                                    f"{len(observer[False])} received message(s) had no source_platform_object"))
    elif observer[True]:
        obs[cap].append(Observation(level, True, observer[True][:5]))
    who, level = ("probe", Level.PROTOCOL) if seen[True] or seen[False] else ("adapter-driver", Level.ADAPTER_LIVE)
    messages, odd_ones = spo[who][True] + spo[who][False], native[who]
    if odd_ones:
        kinds = sorted(set().union(*(o for _, o in odd_ones)))
        obs["compat:common_components"].append(Observation(level, False, [r for r, _ in odd_ones[:5]],
                                                           f"non-common component types in the converted chain: {kinds}"))
    elif messages:
        obs["compat:common_components"].append(Observation(level, True, messages[:5]))
    return obs


def _completes(kind: str, level: Level, justified: bool) -> bool:
    if kind == "compat":
        return True
    if level in COMPLETING_LEVELS:
        if level is Level.UI:
            return kind in INBOUND_KINDS
        if level is Level.OUTBOUND:
            return kind in OUTBOUND_KINDS
        return True
    return kind == "event" and level is Level.PROTOCOL and justified


def judge(kind: str, observations: list[Observation]) -> tuple[Level | None, Status, str, list[str], dict]:
    """Combine the observations of one capability into (level, status, reason, evidence refs, detail)."""
    proofs = [o for o in observations if o.ok is True and o.level is not None]
    failures = [o for o in observations if o.ok is False]
    skips = [o for o in observations if o.ok is None]
    # Cite the deciding records first (failures, then the strongest proofs), a bounded number.
    by_level: dict[Level, list[Observation]] = defaultdict(list)  # grouping instead of sorting: O(n)
    for o in proofs:
        by_level[o.level].append(o)  # type: ignore[index]
    ordered = itertools.chain(failures, *(by_level[lv] for lv in sorted(by_level, key=strength, reverse=True)), skips)
    cited: dict[str, None] = {}
    for o in ordered:
        if len(cited) >= MAX_CITED:
            break
        cited.update(dict.fromkeys(o.refs))
    refs = list(cited)[:MAX_CITED]
    detail: dict[str, Any] = {"observations": len(observations)} if len(observations) > 1 else {}
    lists: dict[str, dict] = {}
    for o in proofs:
        if not o.detail:
            continue
        for key, value in o.detail.items():
            if key == "outbound" and detail.get("outbound") == "rendered":
                continue
            if isinstance(value, list):
                lists.setdefault(key, {}).update(dict.fromkeys(value))
            else:
                detail[key] = value
    detail.update({k: list(v)[:MAX_CITED] for k, v in lists.items()})
    notes = [o.message for o in skips if o.message]
    if failures:
        # The level a failure was seen at says how it was exercised (a UI-sent Forward that arrived as
        # Unknown failed at plugin-e2e-ui); a failure without a level (nothing arrived) adds none.
        best = max({*by_level, *(o.level for o in failures if o.level is not None)}, key=strength, default=None)
        reason = "; ".join(dict.fromkeys(o.message for o in failures))
        return best, Status.FAILED, reason, refs, detail
    if proofs:
        level = max(by_level, key=strength)
        # A protocol injection stands in for the UI only when *no* way of raising the event could have
        # come from the platform's own UI: one unjustified injection means a user could have done it.
        justified = all(o.justified for o in proofs if o.level is level)
        done = _completes(kind, level, justified)  # type: ignore[arg-type]
        reason = "" if done else _partial_reason(kind, level)  # type: ignore[arg-type]
        if done and kind == "send" and level is Level.OUTBOUND and detail.get("outbound") != "rendered":
            # The checklist asks for bot output *visible* on the platform, not merely delivered.
            done, reason = False, "received by the simulated platform, but not seen rendered in its UI"
        if notes:
            reason = "; ".join(filter(None, [reason, *dict.fromkeys(notes)]))
        if level is Level.PROTOCOL and kind == "event" and justified:
            detail["justification"] = "every injection says the platform UI cannot raise this event"
        return level, Status.ACCEPTED if done else Status.PARTIAL, reason, refs, detail
    if skips:
        # A call that returned but reached nothing (partial) says more than a refusal of another attempt (blocked).
        for status in (Status.NOT_SUPPORTED, Status.PARTIAL, Status.BLOCKED):
            chosen = [o for o in skips if o.skip_status is status]
            if chosen:
                level = Level.NOT_SUPPORTED if status is Status.NOT_SUPPORTED else Level.BLOCKED if status is Status.BLOCKED else None
                return level, status, "; ".join(dict.fromkeys(o.message for o in chosen)), refs, detail
    return None, Status.UNTESTED, "declared, no evidence", refs, detail


def _partial_reason(kind: str, level: Level) -> str:
    if level is Level.PROTOCOL and kind == "event":
        return "only a protocol-boundary injection proves it, and no justification says the UI cannot trigger it"
    if level is Level.PROTOCOL:
        return "protocol injection only: it does not prove a platform user can send this"
    return f"only {level.value} evidence, which cannot mark a capability complete"


def adapter_status(verdicts: list[Verdict]) -> tuple[Status, str]:
    """The checklist's acceptance rule for one adapter."""
    failed = [v.id for v in verdicts if v.status is Status.FAILED]
    if failed:
        return Status.FAILED, f"{len(failed)} capability(ies) failed: {', '.join(failed[:8])}"
    scope = [v for v in verdicts if v.declared]
    claims = [v for v in scope if v.kind != "compat"]
    if claims and all(v.status is Status.BLOCKED for v in claims):
        return Status.BLOCKED, "every capability is blocked"
    open_ = [v.id for v in scope if v.status not in (Status.ACCEPTED, Status.NOT_SUPPORTED)]
    if not open_:
        return Status.ACCEPTED, "every declared capability is accepted or explicitly not supported"
    return Status.PARTIAL, f"{len(open_)} capability(ies) not complete: {', '.join(open_[:8])}" + (" ..." if len(open_) > 8 else "")


def check_adapter(name: str, manifest: Manifest | None, b: _Bucket | None, files: list[str]) -> AdapterResult:
    catalogue = load_catalogue()
    b = b or _Bucket()
    observations: dict[str, list[Observation]] = defaultdict(list)
    inbound, used, paired = _inbound_observations(b)
    duplicates, deliveries = _delivery_observations(b, paired, used)
    for part in (inbound, duplicates, _outbound_observations(b), _derived_compat(b)):
        for cap, items in part.items():
            observations[cap].extend(items)
    skip_obs, adapter_blocked = _skip_and_check_observations(b)
    for cap, items in skip_obs.items():
        observations[cap].extend(items)
    # Events the probe saw that no injection explains: they prove nothing about a level, but an
    # event type the manifest does not declare is reported as undeclared.
    for i, (ref, _, _, ev) in enumerate(b.events):
        etype = ev.get("type")
        if i not in used and etype and (manifest is None or etype not in manifest.events):
            observations[f"event:{etype}"].append(Observation(None, None, [ref], "observed without a matching injection"))

    caps = catalogue.for_manifest(manifest) if manifest else []
    declared_ids = {c.id for c in caps}
    verdicts: list[Verdict] = []
    for cap in caps:
        level, status, reason, refs, detail = judge(cap.kind, observations.get(cap.id, []))
        if status is Status.UNTESTED and adapter_blocked:
            level, status, reason = Level.BLOCKED, Status.BLOCKED, "; ".join(r for _, r in adapter_blocked)
            refs = [r for r, _ in adapter_blocked]
        verdicts.append(Verdict(cap.kind, cap.name, True, level, status, reason, [ref_text(r, files) for r in refs],
                                detail, cap.assertion))
    for cap_id in sorted(set(observations) - declared_ids):
        kind, _, cname = cap_id.partition(":")
        if kind not in KINDS:
            continue
        obs_list = observations[cap_id]
        level, _, _, refs, detail = judge(kind, obs_list)
        if not any(o.ok is True or o.message == "observed without a matching injection" for o in obs_list):
            continue  # nothing positive (e.g. an injection the adapter did not answer): not a claim
        verdicts.append(Verdict(kind, cname, False, level, Status.UNDECLARED,
                                "evidence exists but the manifest does not declare it", [ref_text(r, files) for r in refs], detail,
                                catalogue.info(kind, cname).get("assertion", "")))
    order = {k: i for i, k in enumerate(KINDS)}
    verdicts.sort(key=lambda v: order[v.kind])  # stable: manifest order within a kind
    status, status_reason = adapter_status(verdicts)
    if adapter_blocked and status is not Status.ACCEPTED:
        status_reason += "; blocked: " + "; ".join(r for _, r in adapter_blocked)
    return AdapterResult(
        adapter=name,
        framework=b.framework,
        framework_version=b.framework_version,
        run_ids=list(b.run_ids),
        simulator=b.simulator,
        manifest_path=manifest.path if manifest else None,
        started=iso_of(b.t_min) if b.t_max else None,
        ended=iso_of(b.t_max) if b.t_max else None,
        status=status,
        status_reason=status_reason,
        verdicts=verdicts,
        findings=[(ref_text(r, files), msg) for r, msg in dict.fromkeys(b.findings)],
        deliveries=deliveries,
    )


def check(manifests: list[Manifest], evidence: Iterable[str | Path], *, strict: bool = False,
          only_declared_adapters: bool = False, runs: Iterable[str] | None = None) -> CheckResult:
    """Check evidence against manifests. Adapters with evidence but no manifest are checked too
    (everything they show is ``undeclared``) unless ``only_declared_adapters``. ``runs``: the selected
    ``adapter@mode`` runs; each gets a result, evidence or not (a run that wrote nothing is not lost)."""
    # Checking builds millions of small containers that can never form cycles; the cyclic GC
    # would rescan them over and over (it tripled the time in bench/checker_throughput.py).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(manifests, evidence, strict=strict, only_declared_adapters=only_declared_adapters,
                      runs=None if runs is None else list(runs))
    finally:
        if gc_was_enabled:
            gc.enable()


def _check(manifests: list[Manifest], evidence: Iterable[str | Path], *, strict: bool,
           only_declared_adapters: bool, runs: list[str] | None = None) -> CheckResult:
    buckets, read = collect(evidence, strict=strict)
    by_name = {m.name: m for m in manifests}
    # A run is ``<manifest name>@<mode>`` (harness/runs.py): its bucket is judged against the manifest
    # and reported under the run name; a manifest without run buckets is judged under its own name.
    runs_of: dict[str, list[str]] = defaultdict(list)
    for n in buckets:
        base, sep, mode = n.partition("@")
        if sep and mode and base in by_name:
            runs_of[base].append(n)
    for n in runs or ():  # selected runs: judged whether or not they wrote evidence
        base = n.partition("@")[0]
        if base in by_name and n not in runs_of[base]:
            runs_of[base].append(n)
    names: list[tuple[str, str]] = []
    for m in by_name:
        if (m in buckets and runs is None) or not runs_of.get(m):
            names.append((m, m))
        names += [(r, m) for r in runs_of.get(m, ())]
    if not only_declared_adapters:
        names += [(n, n) for n in sorted(n for n in buckets if n and n not in by_name and n.partition("@")[0] not in runs_of)]
    results = [check_adapter(n, by_name.get(m), buckets.get(n), read.files) for n, m in names]
    for res in results:
        res.evidence_files = list(read.files)
    problems = [str(p) for p in read.problems] + [str(p) for m in manifests for p in m.problems]
    return CheckResult(results, problems, read.records, read.files)
