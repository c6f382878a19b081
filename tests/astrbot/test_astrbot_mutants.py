"""Sensitivity to adapter defects on AstrBot: each seeded defect (tests/astrbot/astrbot_mutants.py), loaded over
the installed adapter module by a fresh AstrBot stack, must turn its own capabilities red through the full path.

A fresh stack per mutant (about a minute each), so it runs only under ``make sensitivity``
(``ACCEPTANCE_SENSITIVITY_FULL=1``); ``make test`` covers AstrBot with the simulator corruptions of
tests/acceptance/test_sensitivity.py. Rows go into ``sensitivity-astrbot-by-capability.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.acceptance_run import AdapterRun
from harness.checker import check
from harness.mutants import build_overlay
from tests import sensitivity_table
from tests.acceptance.test_faults import _manifest, _sub_session
from tests.astrbot.astrbot_mutants import MUTANTS

pytestmark = pytest.mark.plugin_e2e
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
async def test_a_seeded_astrbot_adapter_defect_turns_its_capabilities_red(mutant, acceptance, adapter_runs, tmp_path):
    from harness.stacks import AstrBotStack, StackTimeouts

    if acceptance.spec.name != "astrbot":
        pytest.skip("the seeded defects are in AstrBot's OneBot adapter")
    if os.environ.get("ACCEPTANCE_SENSITIVITY_FULL") != "1":
        pytest.skip("a fresh AstrBot per mutant: run with make sensitivity (ACCEPTANCE_SENSITIVITY_FULL=1)")
    manifest = _manifest(acceptance)
    clean = await adapter_runs.result(manifest)
    assert any(sensitivity_table.status_of(clean, c) in sensitivity_table.REDDENABLE for c in mutant.targets), \
        f"{mutant.name}: the clean run shows none of its targets red-able"
    sub = _sub_session(acceptance, tmp_path)
    sub.destructive = acceptance.destructive
    overlay = build_overlay(acceptance.spec, mutant, tmp_path / "overlay")
    stack = AstrBotStack(acceptance.spec, tmp_path / "stack", run_id=sub.run_id, progress=lambda _: None,
                         timeouts=StackTimeouts(app_ready=240, bot_ready=60), extra_env=overlay.env)
    await stack.start()
    try:
        await AdapterRun(sub, stack, manifest, progress=lambda _: None).run()
    finally:
        await stack.stop()
        sub.close()
    res = check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]
    outcome = sensitivity_table.judge_defect(clean, res, mutant.targets)
    sensitivity_table.record_defect(Path(acceptance.report_dir) / acceptance.run_id, str(acceptance.spec), clean, outcome,
                                    f"adapter mutant `{mutant.name}` ({mutant.what})", full_path=True)
    assert not outcome.missed, f"{mutant.name} ({mutant.what}) was not caught: {outcome.missed}"
    assert not outcome.spill, f"{mutant.name} turned unrelated capabilities red: {outcome.spill}"
