"""Telegram-side faults through the full path: a rate limit (429 with retry_after), a server error (5xx), a dropped
file download and a poll that hangs each end in verdicts with the reason, in bounded time, and the bot token (in
every Telegram URL path) reaches no evidence, report or log. Runs on the session's framework (LangBot or AstrBot)
when telegram-omni is selected."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.levels import Status
from harness.session import AcceptanceSession

from .faulted_runs import faulted_run

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "telegram-omni"
#: Bounded: one scenario's event wait, the sweep's start wait and the sweep itself, with room to spare.
RUN_LIMIT = 300


async def _run(acceptance: AcceptanceSession, stack, tmp_path: Path, faults: dict, scenarios: list[str]):
    return await faulted_run(acceptance, stack, tmp_path, ADAPTER, faults, scenarios, limit=RUN_LIMIT)


async def test_rate_limit_server_error_and_dropped_download_end_in_failed_verdicts(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 429, "retry_after": 3, "actions": ["sendPhoto", "getChat"]}, "drop_downloads": True}
    _, _, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.group.image", "message.group.plain"])
    image = res.verdict("receive:Image")
    assert image.status is Status.FAILED and image.reason, image  # the photo's bytes never arrived
    sent = res.verdict("send:Image")  # answered 429: the adapter's error (or a send that reached nothing) fails it
    assert sent.status is Status.FAILED and sent.reason, sent
    plain = res.verdict("receive:Plain")
    assert plain.status is not Status.FAILED, plain  # only the faulted parts fail


async def test_a_hanging_poll_ends_blocked_with_the_reason(acceptance, framework_stack, tmp_path):
    _, _, res = await _run(acceptance, framework_stack, tmp_path, {"hang_polls": True}, ["message.group.plain"])
    event = res.verdict("event:message.received")
    assert event.status in (Status.FAILED, Status.BLOCKED) and event.reason, event
    assert "sweep started" in res.status_reason, res.status_reason  # the trigger never reached the probe
