"""Acceptance of every declared capability of every selected run (an adapter in one transport mode,
``adapter@mode``), through the full plugin path.

One test per capability, generated from the manifests and the platform's modes:
``test_capability[<adapter>@<mode>::event:message.received]``. Outcome of a capability test:

* ``blocked`` / ``not-supported``: skipped, with the reason;
* ``untested``: fails (declared, and nothing proved or blocked it);
* with ``--baseline DIR``: weaker than the committed baseline entry of the run
  (``DIR/<adapter>@<mode>.json``) fails (the drift gate); ``failed`` as in the baseline is xfail with the
  reason (a known finding about the framework or adapter);
* otherwise ``failed`` fails; ``accepted`` and ``partial`` pass (the exact level is in the reports).

Run it from anywhere: ``pytest --pyargs harness.suite -m plugin_e2e --adapter <adapter>``. The tests carry
their own markers (``plugin_e2e``, ``asyncio(loop_scope="session")``), so they also work when re-exported
from another module (``tests/acceptance/test_plugin_e2e.py``) and without ``asyncio_mode = auto``.
"""

from __future__ import annotations

import pytest

from harness.allure_labels import annotate
from harness.drift import load_baseline, regression
from harness.levels import Status
from harness.report.model import cited_lines
from harness.verdicts import CheckResult

E2E = (pytest.mark.plugin_e2e, pytest.mark.asyncio(loop_scope="session"))


def _e2e(fn):
    for mark in E2E:
        fn = mark(fn)
    return fn


@_e2e
async def test_capability(capability, adapter_runs, acceptance, request: pytest.FixtureRequest) -> None:
    run, cap = capability
    result = await adapter_runs.result(run)
    verdict = result.verdict(cap.id)
    assert verdict is not None, f"{cap.id}: the checker produced no verdict"
    annotate(request.config, run.name, verdict, cited_lines(CheckResult([result])),
             verdict.detail.get("screenshots"))
    where = f"{verdict.level.value if verdict.level else 'no level'}; evidence {', '.join(verdict.evidence[:3]) or 'none'}"
    assert verdict.status is not Status.UNTESTED, f"{cap.id} is declared but nothing proved or blocked it"
    if acceptance.baseline_dir is not None:
        old = (load_baseline(acceptance.baseline_dir, run.name) or {}).get(cap.id)
        if old is not None:
            dropped = regression(verdict, old)
            assert dropped is None, f"{cap.id} regressed against the baseline: {dropped[1]} ({where})"
            if verdict.status is Status.FAILED and old["status"] == "failed":
                pytest.xfail(f"failed as in the baseline: {verdict.reason}")
    if verdict.status in (Status.BLOCKED, Status.NOT_SUPPORTED):
        pytest.skip(f"{verdict.status.value}: {verdict.reason}")
    assert verdict.status is not Status.FAILED, f"{cap.id} failed: {verdict.reason} ({where})"


@_e2e
async def test_report_of_this_run_opens_in_the_browser(run_spec, adapter_runs, acceptance, ui_browser) -> None:
    """This run's own HTML report, opened in the real browser: tables render, evidence anchors and the
    UI phase's real screenshots resolve, and UI-level evidence is shown as such (written now; the
    session end rewrites the same folder with everything)."""
    from harness.report.writer import safe_name
    from harness.ui.report_check import check_report

    result = await adapter_runs.result(run_spec)
    if ui_browser is None:
        pytest.skip("blocked: no browser, so neither a UI phase nor a browser check of the report")
    folder = acceptance.write_reports()
    assert folder is not None, "the run wrote no evidence"
    info = await check_report(ui_browser, folder / f"{safe_name(run_spec.name)}.html")
    assert info["problems"] == [], info["problems"]
    assert result.status.value in info["status"], (result.status.value, info["status"])
    assert "plugin-e2e-ui" in info["levels"], "the UI phase ran, yet the report shows no plugin-e2e-ui verdict"
    assert info["shots"] and info["images"], "the report links no screenshot of the simulated conversations"
