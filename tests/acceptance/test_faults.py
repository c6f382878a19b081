"""The full path under bad conditions: leaked secrets, simulator faults, a crashed framework.

Each ends in verdicts with reasons and logs, in bounded time, never in a hang.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from harness.acceptance_run import AdapterRun
from harness.checker import check
from harness.levels import Status
from harness.report import write_reports
from harness.session import AcceptanceSession

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "onebot-v11"


def _sub_session(acceptance: AcceptanceSession, tmp_path: Path, adapter: str = ADAPTER) -> AcceptanceSession:
    """A session of its own (own evidence folder) so fault runs never touch the main run's verdicts."""
    sub = AcceptanceSession(framework=acceptance.framework, manifest_dir=acceptance.manifest_dir,
                            adapters=[adapter], run_id=f"{acceptance.run_id}-{tmp_path.name}",
                            evidence_dir=tmp_path / "evidence", report_dir=tmp_path / "reports", destructive=False)
    sub._manifests = acceptance.manifests()
    return sub


def _manifest(acceptance: AcceptanceSession):
    if ADAPTER not in [m.name for m in acceptance.manifests()]:
        pytest.skip(f"{ADAPTER} is not selected (--adapter)")
    return acceptance.manifest(ADAPTER)


async def test_no_secret_reaches_evidence_reports_or_logs(acceptance, adapter_runs, framework_stack, tmp_path):
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    await adapter_runs.result(_manifest(acceptance))
    secrets = {*framework_stack.redactor.known, *acceptance._secrets}  # control token, JWT secret, passwords, tokens
    assert len(secrets) >= 3
    result = check(acceptance.manifests(), acceptance.evidence_files(), only_declared_adapters=True)
    for res in result.adapters:
        res.logs.update(acceptance.logs.get(res.adapter, {}))
    assert any(res.logs for res in result.adapters), "the run attached no logs to check"
    folder = write_reports(result, tmp_path / "reports", "secrets", update_latest=False)
    collected = await framework_stack.collect_logs(tmp_path / "logs")
    files = [*acceptance.evidence_files(), *folder.iterdir(), *map(Path, collected.values())]
    leaks = [(f.name, s[:4]) for f in files if f.is_file() for s in secrets if s in f.read_text("utf-8", "replace")]
    assert leaks == [], f"secrets found in {leaks}"


async def test_error_replies_end_in_failed_verdicts_with_reasons(acceptance, framework_stack, tmp_path):
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    if acceptance.spec.name != "langbot":
        pytest.skip("the faulted actions are chosen for LangBot's OneBot adapter")
    sub = _sub_session(acceptance, tmp_path)
    manifest = _manifest(acceptance)
    faults = {"error": {"retcode": 103, "message": "simulated failure",
                        "actions": ["get_group_info", "get_stranger_info", "get_login_info", "delete_msg"]}}
    started = time.monotonic()
    await AdapterRun(sub, framework_stack, manifest, progress=lambda _: None, faults=faults).run()
    sub.close()
    assert time.monotonic() - started < 600
    res = check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]
    broken = res.verdict("api:get_group_info")
    assert broken.status is Status.FAILED and broken.reason, broken
    assert res.verdict("platform_api:get_login_info").status is Status.FAILED
    # the faults are switched on only for some actions: the rest of the run still proves things
    assert res.verdict("api:send_message").status is not Status.FAILED
    assert not [v.id for v in res.verdicts if v.status is Status.UNTESTED]


async def test_crashed_framework_ends_blocked_with_logs(acceptance, tmp_path):
    """A framework that dies mid-run: every capability ends blocked with the reason, logs attached."""
    from harness.stacks import LangBotStack, StackTimeouts

    if acceptance.spec.name != "langbot":
        pytest.skip("crash test drives the LangBot stack")
    manifest = _manifest(acceptance)
    sub = _sub_session(acceptance, tmp_path)
    stack = LangBotStack(acceptance.spec, tmp_path / "stack", run_id=sub.run_id,
                         timeouts=StackTimeouts(app_ready=300, install=180, bot_ready=20), progress=lambda _: None)
    await stack.start()
    try:
        langbot = stack.processes["langbot"].proc
        os.killpg(langbot.pid, signal.SIGKILL)
        started = time.monotonic()
        run = AdapterRun(sub, stack, manifest, progress=lambda _: None)
        await run.run()
        elapsed = time.monotonic() - started
    finally:
        await stack.stop()
    sub.close()
    assert elapsed < 120, f"the run took {elapsed:.0f}s after the crash"
    res = check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]
    assert res.status is Status.BLOCKED, res.status_reason
    reasons = {v.reason for v in res.verdicts if v.kind != "compat"}
    assert all("run stopped" in r for r in reasons), reasons
    assert sub.logs[run.name], "no logs were attached"  # keyed by the run name, adapter@mode
    assert any("langbot" in name for name in sub.logs[run.name])
