"""One faulted run of a selected adapter on the session's framework stack, shared by the platforms' fault suites
(``test_<platform>_faults.py``): a sub-session of its own (evidence and reports under the test's tmp_path), the
simulator's fault switches on, only the chosen scenarios, bounded in time, judged by the checker, and the session's
secrets searched for in everything it wrote."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

import harness.bringup
from harness.acceptance_run import AdapterRun
from harness.checker import check
from harness.report import write_reports
from harness.session import AcceptanceSession

#: Bounded: one scenario's event wait, the sweep's start wait and the sweep itself, with room to spare.
RUN_LIMIT = 300


def selected(acceptance: AcceptanceSession, framework_stack: Any, adapter: str):
    """The adapter's manifest, or a skip: the stack did not start, or the adapter is not selected."""
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    if adapter not in [m.name for m in acceptance.manifests()]:
        pytest.skip(f"{adapter} is not selected (--adapter)")
    return acceptance.manifest(adapter)


async def faulted_run(acceptance: AcceptanceSession, stack: Any, tmp_path: Path, adapter: str, faults: dict,
                      scenarios: list[str], *, mode: str | None = None, limit: float = RUN_LIMIT,
                      before: Callable[[Any], Awaitable[None]] | None = None, monkeypatch: Any = None):
    """``(sub-session, manifest, result)`` of one run with ``faults`` on. ``before(sim)`` runs once the adapter is
    connected, before any scenario (needs ``monkeypatch``: it wraps the bring-up)."""
    manifest = selected(acceptance, stack, adapter)
    sub = AcceptanceSession(framework=acceptance.framework, manifest_dir=acceptance.manifest_dir, adapters=[adapter],
                            run_id=f"{acceptance.run_id}-{tmp_path.name}", evidence_dir=tmp_path / "evidence",
                            report_dir=tmp_path / "reports", destructive=False)
    sub._manifests = acceptance.manifests()
    sub.profile_for = acceptance.profile_for
    if before is not None:
        original = harness.bringup.bring_up

        async def bring_up(*args: Any, **kwargs: Any):
            up = await original(*args, **kwargs)
            await before(up.sim)
            return up

        monkeypatch.setattr(harness.bringup, "bring_up", bring_up)
    started = time.monotonic()
    await AdapterRun(sub, stack, manifest, progress=lambda _: None, faults=faults, only_scenarios=scenarios,
                     **({"mode": mode} if mode else {})).run()
    sub.close()
    elapsed = time.monotonic() - started
    assert elapsed < limit, f"the faulted run took {elapsed:.0f}s"
    result = check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]
    assert_no_leaks(acceptance, stack, sub, manifest, tmp_path)
    return sub, manifest, result


def assert_no_leaks(acceptance: AcceptanceSession, stack: Any, sub: AcceptanceSession, manifest: Any, tmp_path: Path) -> None:
    """No secret of the stack, the session or the sub-session in the run's evidence or its reports."""
    secrets = {*stack.redactor.known, *acceptance.secrets(), *sub.secrets()}
    folder = write_reports(check([manifest], sub.evidence_files(), only_declared_adapters=True), tmp_path / "reports", "f",
                           update_latest=False)
    files = [*sub.evidence_files(), *folder.iterdir()]
    leaks = [(f.name, s[:4]) for f in files if f.is_file() for s in secrets if s and s in f.read_text("utf-8", "replace")]
    assert leaks == []


def records(sub: AcceptanceSession) -> list[dict[str, Any]]:
    out = []
    for path in sub.evidence_files():
        out += [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
    return out


def findings(sub: AcceptanceSession) -> list[str]:
    return [str(r.get("message") or "") for r in records(sub) if r.get("record") == "finding"]
