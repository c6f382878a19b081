"""Acceptance of every declared capability of every selected adapter, through the full plugin path.

One test per capability, generated from the manifests: ``test_capability[onebot-v11::event:message.received]``.
Outcome of a capability test:

* ``blocked`` / ``not-supported``: skipped, with the reason;
* ``untested``: fails (declared, and nothing proved or blocked it);
* with ``--baseline DIR``: weaker than the committed baseline fails (the drift gate); ``failed`` as
  in the baseline is xfail with the reason (a known finding about the framework or adapter);
* otherwise ``failed`` fails; ``accepted`` and ``partial`` pass (the exact level is in the reports).
"""

from __future__ import annotations

import pytest

from harness.allure_labels import annotate
from harness.drift import load_baseline, regression
from harness.levels import Status
from harness.report.model import cited_lines
from harness.verdicts import CheckResult

pytestmark = pytest.mark.plugin_e2e


async def test_capability(capability, adapter_runs, acceptance, request: pytest.FixtureRequest) -> None:
    manifest, cap = capability
    result = await adapter_runs.result(manifest)
    verdict = result.verdict(cap.id)
    assert verdict is not None, f"{cap.id}: the checker produced no verdict"
    annotate(request.config, manifest.name, verdict, cited_lines(CheckResult([result])),
             verdict.detail.get("screenshots"))
    where = f"{verdict.level.value if verdict.level else 'no level'}; evidence {', '.join(verdict.evidence[:3]) or 'none'}"
    assert verdict.status is not Status.UNTESTED, f"{cap.id} is declared but nothing proved or blocked it"
    if acceptance.baseline_dir is not None:
        old = (load_baseline(acceptance.baseline_dir, manifest.name) or {}).get(cap.id)
        if old is not None:
            dropped = regression(verdict, old)
            assert dropped is None, f"{cap.id} regressed against the baseline: {dropped[1]} ({where})"
            if verdict.status is Status.FAILED and old["status"] == "failed":
                pytest.xfail(f"failed as in the baseline: {verdict.reason}")
    if verdict.status in (Status.BLOCKED, Status.NOT_SUPPORTED):
        pytest.skip(f"{verdict.status.value}: {verdict.reason}")
    assert verdict.status is not Status.FAILED, f"{cap.id} failed: {verdict.reason} ({where})"
