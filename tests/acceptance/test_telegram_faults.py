"""Telegram-side faults through the full path: a rate limit (429 with retry_after), a server error (5xx), a dropped
file download and a poll that hangs each end in verdicts with the reason, in bounded time, and the bot token (in
every Telegram URL path) reaches no evidence, report or log. Runs on the session's framework (LangBot or AstrBot)
when telegram-omni is selected."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.acceptance_run import AdapterRun
from harness.checker import check
from harness.levels import Status
from harness.report import write_reports
from harness.session import AcceptanceSession

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "telegram-omni"
#: Bounded: one scenario's event wait, the sweep's start wait and the sweep itself, with room to spare.
RUN_LIMIT = 300


def _selected(acceptance: AcceptanceSession, framework_stack):
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    if ADAPTER not in [m.name for m in acceptance.manifests()]:
        pytest.skip(f"{ADAPTER} is not selected (--adapter)")
    return acceptance.manifest(ADAPTER)


async def _run(acceptance: AcceptanceSession, stack, tmp_path: Path, faults: dict, scenarios: list[str]):
    manifest = _selected(acceptance, stack)
    sub = AcceptanceSession(framework=acceptance.framework, manifest_dir=acceptance.manifest_dir, adapters=[ADAPTER],
                            run_id=f"{acceptance.run_id}-{tmp_path.name}", evidence_dir=tmp_path / "evidence",
                            report_dir=tmp_path / "reports", destructive=False)
    sub._manifests = acceptance.manifests()
    sub.profile_for = acceptance.profile_for
    started = time.monotonic()
    await AdapterRun(sub, stack, manifest, progress=lambda _: None, faults=faults, only_scenarios=scenarios).run()
    sub.close()
    elapsed = time.monotonic() - started
    assert elapsed < RUN_LIMIT, f"the faulted run took {elapsed:.0f}s"
    return sub, manifest, check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]


async def test_rate_limit_server_error_and_dropped_download_end_in_failed_verdicts(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 429, "retry_after": 3, "actions": ["sendPhoto", "getChat"]}, "drop_downloads": True}
    sub, manifest, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.group.image", "message.group.plain"])
    image = res.verdict("receive:Image")
    assert image.status is Status.FAILED and image.reason, image  # the photo's bytes never arrived
    sent = res.verdict("send:Image")  # answered 429: the adapter's error (or a send that reached nothing) fails it
    assert sent.status is Status.FAILED and sent.reason, sent
    plain = res.verdict("receive:Plain")
    assert plain.status is not Status.FAILED, plain  # only the faulted parts fail
    secrets = {*framework_stack.redactor.known, *acceptance.secrets(), *sub.secrets()}
    folder = write_reports(check([manifest], sub.evidence_files(), only_declared_adapters=True), tmp_path / "reports", "f",
                           update_latest=False)
    files = [*sub.evidence_files(), *folder.iterdir()]
    leaks = [(f.name, s[:4]) for f in files if f.is_file() for s in secrets if s and s in f.read_text("utf-8", "replace")]
    assert leaks == []


async def test_a_hanging_poll_ends_blocked_with_the_reason(acceptance, framework_stack, tmp_path):
    _, _, res = await _run(acceptance, framework_stack, tmp_path, {"hang_polls": True}, ["message.group.plain"])
    event = res.verdict("event:message.received")
    assert event.status in (Status.FAILED, Status.BLOCKED) and event.reason, event
    assert "sweep started" in res.status_reason, res.status_reason  # the trigger never reached the probe
