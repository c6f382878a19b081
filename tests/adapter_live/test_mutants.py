"""Sensitivity to adapter defects: each seeded defect in LangBot's OneBot adapter must turn its own
capabilities red at ``adapter-live`` (harness.mutants; the cached environment is never touched).

One adapter-live run per mutant (forward mode, full sweep, a few seconds each), judged against the clean
run of the same session (``live_forward``): every target the clean run did not fail must fail now, and no
capability outside the targets may turn red, except the chains and calls that carry a target (``mixed``,
the send and reply APIs that carried a broken send component). The table (one row per mutant) is written
to ``<report dir>/<run id>/sensitivity-mutants-<framework>.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checker import check
from harness.mutants import build_overlay
from harness.session import AcceptanceSession
from tests.adapter_live.conftest import ADAPTER
from tests.adapter_live.onebot_mutants import MUTANTS
from tests import sensitivity_table

pytestmark = pytest.mark.plugin_e2e
ROWS: dict[str, str] = {}


def _write_table(request: pytest.FixtureRequest, spec: str, run_id: str) -> Path:
    out = Path(request.config.getoption("--report-dir")) / run_id / f"sensitivity-mutants-{spec.partition('==')[0]}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [ROWS[m.name] for m in MUTANTS if m.name in ROWS]
    out.write_text("\n".join([f"# Sensitivity: seeded defects in the adapter ({spec}, adapter-live)", "",
                              "| Mutant | Defect | Targets | Clean run | Mutated run | Reason |",
                              "|---|---|---|---|---|---|", *rows, ""]), "utf-8")
    return out


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
async def test_a_seeded_adapter_defect_turns_its_capabilities_red(mutant, live_forward, acceptance, request, tmp_path):
    from harness.adapter_live import AdapterLiveRun

    framework = request.config.getoption("--framework")
    if not str(framework).startswith("langbot"):
        pytest.skip("the seeded defects are in LangBot's OneBot adapter")
    clean = live_forward.result
    session = AcceptanceSession(framework=framework, adapters=[ADAPTER], run_id=f"mutant-{mutant.name}",
                                evidence_dir=tmp_path / "evidence", destructive=True)
    overlay = build_overlay(session.spec, mutant, tmp_path / "overlay")
    manifest = session.manifest(ADAPTER)
    await AdapterLiveRun(session, manifest, mode="forward", progress=lambda _: None, env=overlay.env).run()
    session.close()
    res = check([manifest], session.evidence_files(), only_declared_adapters=True).adapters[0]

    outcome = sensitivity_table.judge_defect(clean, res, mutant.targets)
    assert outcome.targets, f"{mutant.name}: the clean run shows none of its targets red-able"
    status = sensitivity_table.status_of
    reasons = "; ".join(f"{c}: {res.verdict(c).reason}" for c in outcome.targets if res.verdict(c) is not None)
    ROWS[mutant.name] = (f"| `{mutant.name}` | {mutant.what} | {', '.join(f'`{c}`' for c in outcome.targets)} | "
                         f"{', '.join(status(clean, c).value for c in outcome.targets)} | "
                         f"{', '.join(status(res, c).value for c in outcome.targets)} | {reasons.replace('|', '/')[:300]} |")
    _write_table(request, str(framework), acceptance.run_id)
    sensitivity_table.record_defect(Path(acceptance.report_dir) / acceptance.run_id, str(acceptance.spec), clean, outcome,
                                    f"adapter mutant `{mutant.name}` ({mutant.what})", full_path=False)
    assert not outcome.missed, f"{mutant.name} ({mutant.what}) was not caught: {outcome.missed} ({reasons})"
    assert not outcome.spill, f"{mutant.name} turned unrelated capabilities red: {outcome.spill}"
