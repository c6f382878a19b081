"""The sensitivity table by capability: for every declared capability of a framework's OneBot run, the seeded
defects and corruptions that turned it red, or why none can (tests/adapter_live/test_mutants.py and
tests/acceptance/test_sensitivity.py record into it; each update rewrites
``<report dir>/<run id>/sensitivity-<framework>-by-capability.md``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from harness.levels import Status
from harness.verdicts import AdapterResult

#: framework -> capability -> (status, reason) in the clean run (the full path's when it ran, else adapter-live's)
CLEAN: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
#: framework -> capability -> defects that turned it red
CAUGHT: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))


def record_clean(framework: str, result: AdapterResult, *, full_path: bool) -> None:
    clean = CLEAN[framework]
    for v in result.verdicts:
        if v.declared and (full_path or v.id not in clean):
            clean[v.id] = (v.status.value, v.reason)


def record_caught(framework: str, capability: str, defect: str) -> None:
    if defect not in CAUGHT[framework][capability]:
        CAUGHT[framework][capability].append(defect)


def _why_none(status: str, reason: str) -> str:
    if status == Status.FAILED.value:
        return f"already red in the clean run (a finding of the release): {reason}"
    if status in (Status.BLOCKED.value, Status.NOT_SUPPORTED.value):
        return f"{status} in the clean run, so no defect can show: {reason}"
    return "no seeded defect or corruption covers it yet"


def write(folder: Path, framework: str) -> Path:
    clean, caught = CLEAN[framework], CAUGHT[framework]
    rows = []
    for cap, (status, reason) in clean.items():
        found = caught.get(cap) or []
        how = "; ".join(found) if found else _why_none(status, reason)
        rows.append(f"| `{cap}` | {status} | {'red' if found else '—'} | {how.replace('|', '/')[:400]} |")
    covered = sum(1 for cap in clean if caught.get(cap))
    # a key "<framework spec>::<adapter>" tables another adapter than the default one of that framework
    spec, _, adapter = framework.partition("::")
    out = folder / f"sensitivity-{spec.partition('==')[0]}{'-' + adapter if adapter else ''}-by-capability.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join([
        f"# Sensitivity by capability ({framework})", "",
        f"{covered} of {len(clean)} declared capabilities turned red by a seeded defect or corruption; the others say why.", "",
        "| Capability | Clean run | Under a defect | Defect that proves the harness catches it, or why none can |",
        "|---|---|---|---|", *rows, ""]), "utf-8")
    return out


#: A clean verdict a defect can turn red (failed, blocked and not-supported ones cannot show it).
REDDENABLE = (Status.ACCEPTED, Status.PARTIAL)


def carriers(cap: str) -> set[str]:
    """Capabilities that carry ``cap`` and so may turn red with it."""
    kind = cap.partition(":")[0]
    if kind == "send":
        return {"send:mixed", "api:send_message", "api:reply_message"}
    if kind == "receive":
        return {"receive:mixed"}
    if cap == "api:send_message":  # the send cases travel in send_message calls
        return {"send:Plain"}
    if kind == "platform_api":  # platform actions travel in call_platform_api calls
        return {"api:call_platform_api"}
    return set()


@dataclass
class DefectOutcome:
    targets: list[str]  # the defect's targets the clean run could show red
    missed: list[str]  # of those, the ones not red under the defect
    spill: list[str]  # red under the defect, not red in the clean run, neither a target nor a carrier of one


def status_of(result: AdapterResult, cap: str) -> Status:
    v = result.verdict(cap)
    return v.status if v is not None else Status.UNTESTED


def judge_defect(clean: AdapterResult, broken: AdapterResult, targets: tuple[str, ...]) -> DefectOutcome:
    """What one seeded defect did: which of its targets turned red, and what else did."""
    live = [c for c in targets if status_of(clean, c) in REDDENABLE]
    allowed = set(targets).union(*(carriers(c) for c in targets))
    spill = sorted(v.id for v in broken.verdicts if v.status is Status.FAILED and v.id not in allowed
                   and status_of(clean, v.id) is not Status.FAILED)
    return DefectOutcome(live, [c for c in live if status_of(broken, c) is not Status.FAILED], spill)


def record_defect(folder: Path, framework: str, clean: AdapterResult, outcome: DefectOutcome, defect: str, *,
                  full_path: bool) -> None:
    """Add one defect's outcome to the by-capability table and rewrite it."""
    record_clean(framework, clean, full_path=full_path)
    for cap in outcome.targets:
        if cap not in outcome.missed:
            record_caught(framework, cap, defect)
    write(folder, framework)
