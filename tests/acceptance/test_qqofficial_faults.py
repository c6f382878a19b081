"""QQ Official faults through the full path (LangBot's qqofficial-omni, both modes): the gateway closes mid-stream,
heartbeats go unanswered, an INVALID SESSION arrives, the OpenAPI answers 429 or 5xx, and (webhook mode) callbacks
arrive with a forged Ed25519 signature. Each ends in verdicts with their reasons within a bounded time, never a hang;
a reconnect the adapter performs is a finding in the simulator's evidence; the app secret and the access tokens reach
no evidence, report or log. Runs when qqofficial-omni is selected (``--adapter qqofficial-omni``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.levels import Status
from harness.session import AcceptanceSession

from .faulted_runs import faulted_run, findings

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "qqofficial-omni"
RUN_LIMIT = 300


async def _run(acceptance: AcceptanceSession, stack, tmp_path: Path, mode: str, faults: dict, scenarios: list[str]):
    sub, _, res = await faulted_run(acceptance, stack, tmp_path, ADAPTER, faults, scenarios, mode=mode, limit=RUN_LIMIT)
    return sub, res


_findings = findings


async def test_rest_429_and_5xx_fail_the_sends_with_the_reason(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 429, "actions": ["groupFile", "c2cFile", "c2cMessage"]}}
    _, res = await _run(acceptance, framework_stack, tmp_path, "websocket", faults, ["c2c.plain"])
    image = res.verdict("send:Image")
    assert image.status is Status.FAILED and image.reason, image  # the upload answered 429
    plain = res.verdict("receive:Plain")
    assert plain.status is not Status.UNTESTED, plain


async def test_server_errors_fail_the_group_sends(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 502, "message": "Bad Gateway", "actions": ["groupMessage"]}}
    _, res = await _run(acceptance, framework_stack, tmp_path, "websocket", faults, ["c2c.plain"])
    sent = res.verdict("send:Plain")
    assert sent.status is Status.FAILED and sent.reason, sent


async def test_gateway_closed_mid_stream_is_resumed_and_recorded(acceptance, framework_stack, tmp_path):
    faults = {"gateway": {"close_after": 1}}
    sub, res = await _run(acceptance, framework_stack, tmp_path, "websocket", faults, ["c2c.plain", "group.at", "channel.at"])
    event = res.verdict("event:message.received")
    assert event.status is not Status.UNTESTED and (event.status is Status.ACCEPTED or event.reason), event
    assert any("reconnected" in f for f in _findings(sub)), "the adapter's reconnect is evidence"


async def test_invalid_session_ends_in_verdicts(acceptance, framework_stack, tmp_path):
    faults = {"gateway": {"invalid_session_after": 1}}
    sub, res = await _run(acceptance, framework_stack, tmp_path, "websocket", faults, ["c2c.plain", "group.at", "channel.at"])
    event = res.verdict("event:message.received")
    assert event.status is not Status.UNTESTED and (event.status is Status.ACCEPTED or event.reason), event
    assert any("invalid_session" in f for f in _findings(sub)), _findings(sub)


async def test_unanswered_heartbeats_end_in_verdicts(acceptance, framework_stack, tmp_path):
    faults = {"gateway": {"silent_heartbeats": True}}
    _, res = await _run(acceptance, framework_stack, tmp_path, "websocket", faults, ["c2c.plain"])
    event = res.verdict("event:message.received")
    assert event.status is not Status.UNTESTED and (event.status is Status.ACCEPTED or event.reason), event


async def test_forged_webhook_signature_fails_the_event_with_the_reason(acceptance, framework_stack, tmp_path):
    _, res = await _run(acceptance, framework_stack, tmp_path, "webhook", {"forge_signatures": True}, ["c2c.plain"])
    event = res.verdict("event:message.received")
    # an adapter that refuses forged callbacks loses the events (failed: nothing arrived); one that accepts them fails
    # the simulator's signature check: either way the verdict is failed with its reason
    assert event.status is Status.FAILED and event.reason, event
