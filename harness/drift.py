"""The drift gate: manifest <-> adapter code <-> evidence <-> committed baseline.

Every difference is discovered by comparison; nothing here knows what any adapter is expected to
differ in. Exit codes (CLI): 0 clean, 1 drift, 2 bad input.

Results, reports and baseline entries are per run (``<adapter>@<mode>``, harness/runs.py): a run's
report is compared with ``<baseline-dir>/<adapter>@<mode>.json``, capability by capability.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.levels import Level, Status, strength
from harness.manifest import Manifest
from harness.verdicts import AdapterResult

UNPROVEN = (Status.UNTESTED, Status.FAILED, Status.BLOCKED)
#: Capability kinds a manifest declares (components and compatibility checks are the checklist's).
MANIFEST_KINDS = frozenset({"event", "api", "platform_api"})
_STATUS_RANK = {Status.ACCEPTED: 4, Status.NOT_SUPPORTED: 4, Status.PARTIAL: 3, Status.BLOCKED: 2,
                Status.UNDECLARED: 2, Status.UNTESTED: 1, Status.FAILED: 0}


@dataclass
class Finding:
    comparison: str  # "manifest-vs-code", "manifest-vs-evidence", "evidence-vs-baseline"
    adapter: str
    capability: str
    kind: str  # short machine word, e.g. "declared-not-in-code"
    explanation: str


@dataclass
class DriftReport:
    findings: list[Finding] = field(default_factory=list)
    ran: dict[str, str] = field(default_factory=dict)  # comparison -> what was compared, or why skipped

    @property
    def drifted(self) -> bool:
        return bool(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"drift": self.drifted, "comparisons": self.ran, "findings": [asdict(f) for f in self.findings]}


def _diff(declared: list[str], actual: list[str]) -> tuple[list[str], list[str]]:
    d, a = set(declared), set(actual)
    return [x for x in declared if x not in a], sorted(a - d)


#: What the introspection lists, per manifest list: (key in its output, capability kind, where the code says it).
_CODE_LISTS = (("events", "event", "get_supported_events()", lambda m: m.events),
               ("apis", "api", "get_supported_apis()", lambda m: m.apis),
               ("platform_actions", "platform_api", "PLATFORM_API_MAP", lambda m: m.platform_actions))


def manifest_vs_code(manifests: list[Manifest], code: dict[str, dict]) -> list[Finding]:
    """(a) what each manifest declares versus what the adapter's code answers: with the default config, under
    each value of a mode-selecting config field, and the common APIs the adapter class implements."""
    out: list[Finding] = []
    for m in manifests:
        info = code.get(m.name)
        if info is None:
            out.append(Finding("manifest-vs-code", m.name, "-", "no-code", "no adapter code answered for this manifest"))
            continue
        for err in info.get("errors") or []:
            out.append(Finding("manifest-vs-code", m.name, "-", "introspection-error", err.strip().splitlines()[-1]))
        for key, kind, source, declared in _CODE_LISTS:
            if info.get(key) is not None:
                out += _list_drift(m.name, kind, source, declared(m), info[key])
        for entry in info.get("by_config") or []:  # a mode: only what differs from the default's answer
            for key, kind, source, declared in _CODE_LISTS[:2]:
                if isinstance(entry, dict) and entry.get(key) is not None and info.get(key) is not None:
                    out += _list_drift(m.name, kind, source, declared(m), entry[key],
                                       mode=f"{entry.get('field')}={entry.get('value')}", default=info[key])
        out += _overridden_not_declared(m, info)
    return out


def _list_drift(adapter: str, kind: str, source: str, declared: list[str], actual: list[str], *,
                mode: str | None = None, default: list[str] | None = None) -> list[Finding]:
    missing, extra = _diff(declared, actual)
    if mode is None:
        where, gone, new = "code evaluated with the manifest's default config", "declared-not-in-code", "in-code-not-declared"
    else:
        missing = [x for x in missing if x in (default or ())]
        extra = [x for x in extra if x not in (default or ())]
        where, gone, new = f"with {mode}", "declared-not-in-mode", "in-mode-not-declared"
    return ([Finding("manifest-vs-code", adapter, f"{kind}:{x}", gone,
                     f"the manifest declares {kind} '{x}', but {source} does not return it ({where})") for x in missing]
            + [Finding("manifest-vs-code", adapter, f"{kind}:{x}", new,
                       f"{source} returns {kind} '{x}' ({where}), but the manifest does not declare it") for x in extra])


def _overridden_not_declared(m: Manifest, info: dict) -> list[Finding]:
    """A common API the adapter class implements (overrides from the framework's base class with more than a
    ``raise``) while neither the manifest nor ``get_supported_apis()`` lists it."""
    overrides = info.get("overrides")
    if not isinstance(overrides, dict):
        return []
    listed = set(m.apis) | set(info.get("apis") or ())
    return [Finding("manifest-vs-code", m.name, f"api:{name}", "implemented-not-declared",
                    f"the adapter class overrides {name}() from the framework's base adapter class, but neither the "
                    "manifest nor get_supported_apis() lists it")
            for name, only_raises in sorted(overrides.items()) if not only_raises and name not in listed]


def manifest_vs_platform(manifests: list[Manifest], unproducible: dict[str, dict[str, tuple[str, str]]]) -> list[Finding]:
    """A declared event that the adapter's platform cannot produce (``unproducible``: manifest name -> event ->
    (reason, source), from the simulated platform): declared without an implementation path."""
    out: list[Finding] = []
    for m in manifests:
        events = unproducible.get(m.name) or {}
        out += [Finding("manifest-vs-platform", m.name, f"event:{e}", "declared-no-implementation-path",
                        f"the manifest declares event '{e}', but {events[e][0]} (source: {events[e][1]})")
                for e in m.events if e in events]
    return out


def manifest_vs_evidence(results: list[AdapterResult]) -> list[Finding]:
    """(b) declared but unproven, proven but undeclared."""
    out: list[Finding] = []
    for res in results:
        for v in res.verdicts:
            if v.kind not in MANIFEST_KINDS:  # components and compat checks are not manifest claims
                continue
            if v.declared and v.status in UNPROVEN:
                out.append(Finding("manifest-vs-evidence", res.adapter, v.id, f"declared-{v.status.value}",
                                   f"declared but unproven ({v.status.value}): {v.reason}"))
            elif v.status is Status.UNDECLARED:
                out.append(Finding("manifest-vs-evidence", res.adapter, v.id, "undeclared",
                                   f"evidence shows it ({', '.join(v.evidence[:2])}), but the manifest does not declare it"))
    return out


def baseline_summary(res: AdapterResult) -> dict[str, Any]:
    """What is committed under reports/baseline/: per capability the level and status."""
    return {"adapter": res.adapter, "framework": res.framework, "framework_version": res.framework_version,
            "status": res.status.value,
            "capabilities": {v.id: {"level": v.level.value if v.level else None, "status": v.status.value} for v in res.verdicts}}


def load_baseline(baseline_dir: Path, adapter: str) -> dict[str, dict] | None:
    """``{capability id: {"level", "status"}}`` committed for a run (``adapter`` is the run name,
    ``<adapter>@<mode>``: the file ``<baseline_dir>/<adapter>@<mode>.json``), or None."""
    from harness.json_input import load_json_input

    path = Path(baseline_dir) / f"{adapter}.json"
    if not path.exists():
        return None
    return load_json_input(path, "baseline")["capabilities"]


def regression(cur, old: dict) -> tuple[str, str] | None:
    """``(kind, explanation)`` when verdict ``cur`` is weaker than baseline entry ``old``; else None."""
    old_level = Level(old["level"]) if old.get("level") else None
    if cur is None:
        return "missing", f"in the baseline ({old.get('status')}, {old.get('level')}) but absent now"
    if (strength(old_level) if old_level else 0) > (strength(cur.level) if cur.level else 0):
        return "level-dropped", (f"level dropped from {old_level.value} to {cur.level.value if cur.level else 'none'} "  # type: ignore[union-attr]
                                 f"({cur.status.value}: {cur.reason})")
    if _STATUS_RANK.get(cur.status, 0) < _STATUS_RANK.get(Status(old["status"]), 0):
        return "status-dropped", f"status dropped from {old['status']} to {cur.status.value}: {cur.reason}"
    return None


def evidence_vs_baseline(results: list[AdapterResult], baseline_dir: Path, *, every_run: bool = False) -> list[Finding]:
    """(c) a capability whose level or status dropped below the committed baseline entry of the same run; with
    ``every_run`` (the evidence should hold every mode of its adapters), also a run the baseline records for one
    of these adapters that has no result now (a mode that stopped running)."""
    out: list[Finding] = []
    adapters = {r.adapter.partition("@")[0] for r in results}
    have = {r.adapter for r in results}
    for path in sorted(Path(baseline_dir).glob("*.json")) if every_run else ():
        run = path.stem
        if run.partition("@")[0] in adapters and run not in have:
            out.append(Finding("evidence-vs-baseline", run, "-", "baseline-run-missing",
                               f"{path} records run {run}, but the evidence has no result for it "
                               "(a transport mode that no longer runs, or evidence left out)"))
    for res in results:
        base = load_baseline(baseline_dir, res.adapter)
        if base is None:
            continue
        now = {v.id: v for v in res.verdicts}
        for cap, old in base.items():
            found = regression(now.get(cap), old)
            if found:
                out.append(Finding("evidence-vs-baseline", res.adapter, cap, *found))
    return out


def write_baseline(results: list[AdapterResult], baseline_dir: Path) -> list[Path]:
    baseline_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for res in results:
        path = baseline_dir / f"{res.adapter}.json"
        path.write_text(json.dumps(baseline_summary(res), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def reproject(res: AdapterResult, manifest: Manifest) -> AdapterResult:
    """Judge an earlier result against a (possibly changed) manifest: what the manifest declares
    and the result does not prove becomes untested; what the result proves and the manifest no
    longer declares becomes undeclared."""
    from harness.capabilities import load_catalogue
    from harness.verdicts import Verdict

    wanted = {c.id: c for c in load_catalogue().for_manifest(manifest)}
    have = {v.id: v for v in res.verdicts}
    verdicts = []
    for cap_id, cap in wanted.items():
        v = have.get(cap_id)
        if v is None or v.status is Status.UNDECLARED:
            old = v
            v = Verdict(cap.kind, cap.name, True, old.level if old else None,
                        Status.PARTIAL if old and old.level else Status.UNTESTED,
                        "newly declared; earlier evidence was for an undeclared capability" if old else "declared, no evidence",
                        list(old.evidence) if old else [], assertion=cap.assertion)
        verdicts.append(v)
    for cap_id, v in have.items():
        if cap_id not in wanted and v.level is not None and strength(v.level) > 0:
            verdicts.append(Verdict(v.kind, v.name, False, v.level, Status.UNDECLARED,
                                    "evidence exists but the manifest does not declare it", v.evidence))
    return AdapterResult(**{**res.__dict__, "verdicts": verdicts})
