"""KOOK gateway and API faults through the full path: the gateway socket closed mid-stream, pings left unanswered, a
HELLO later than the adapter's 6 s deadline, and REST answers 429 (with KOOK's rate-limit headers) and 5xx. Each
ends in verdicts with their reasons within its time limit; what the adapter did about it (a reconnect, a new
session, giving up) is in the simulator's evidence as findings, never assumed here; the bot token and the gateway
token reach no evidence, report or log. Runs on LangBot (the framework with a KOOK adapter) when kook-omni is
selected."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from harness.levels import Status
from harness.session import AcceptanceSession

from .faulted_runs import faulted_run, findings, records

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "kook-omni"
#: Bounded: the pre-run wait (a ping comes every 30 s), a scenario's event wait, the sweep's start wait and the sweep.
RUN_LIMIT = 300
#: LangBot's adapter pings every 30 s: long enough to see the first one.
PING_WAIT = 45.0


_records, _findings = records, findings


async def _run(acceptance: AcceptanceSession, stack, tmp_path: Path, faults: dict, scenarios: list[str], monkeypatch,
               before: Any = None):
    """One faulted run; ``before(sim)`` runs once the adapter is connected, before any scenario (faults switched on
    early, a drop, a wait for a ping)."""
    sub, _, res = await faulted_run(acceptance, stack, tmp_path, ADAPTER, faults, scenarios, limit=RUN_LIMIT,
                                    before=before, monkeypatch=monkeypatch)
    return sub, res


def _judged(verdict) -> None:
    """A verdict with a status, and a reason wherever it is not accepted."""
    assert verdict is not None
    assert verdict.status is not Status.UNTESTED, verdict
    assert verdict.status is Status.ACCEPTED or verdict.reason, verdict


async def test_socket_closed_mid_stream_is_a_recorded_reconnect(acceptance, framework_stack, tmp_path, monkeypatch):
    sub, res = await _run(acceptance, framework_stack, tmp_path, {"gateway": {"close_after": 1}},
                          ["message.group.plain", "message.group.at", "message.group.image"], monkeypatch)
    found = _findings(sub)
    assert any("close_after: socket closed mid-stream" in m for m in found), found
    # what the adapter did about it is evidence: a new connection (reconnect) or nothing (then the run is blocked)
    reconnected = any("the adapter reconnected" in m or "resumed" in m for m in found)
    assert reconnected or "blocked" in res.status_reason, (found, res.status_reason)
    for cap in ("event:message.received", "receive:Plain", "receive:At", "receive:Image"):
        _judged(res.verdict(cap))


async def test_unanswered_pings_end_in_verdicts(acceptance, framework_stack, tmp_path, monkeypatch):
    faults = {"gateway": {"silent_heartbeats": True}}

    async def first_ping(sim) -> None:
        await sim.set_faults(faults)
        deadline = time.monotonic() + PING_WAIT
        while time.monotonic() < deadline and not sim.codec.gateway.stats.heartbeats:
            await asyncio.sleep(0.5)

    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.group.plain"], monkeypatch, first_ping)
    found = _findings(sub)
    assert any("silent_heartbeats: heartbeats left unanswered" in m for m in found), found
    _judged(res.verdict("event:message.received"))
    _judged(res.verdict("receive:Plain"))


async def test_a_late_hello_ends_with_the_reason(acceptance, framework_stack, tmp_path, monkeypatch):
    faults = {"gateway": {"hello_delay": 8}}

    async def late_hello(sim) -> None:  # the next connection meets the late HELLO: cut the live one
        await sim.set_faults(faults)
        await sim.drop_connection()

    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.group.plain"], monkeypatch, late_hello)
    found = _findings(sub)
    assert any("hello_delay: HELLO held for 8s" in m for m in found), found
    event = res.verdict("event:message.received")
    _judged(event)
    if event.status is not Status.ACCEPTED:  # the adapter did not get a session in time: the run says why
        assert res.status_reason, res


async def test_rate_limit_ends_in_failed_sends_with_the_reason(acceptance, framework_stack, tmp_path, monkeypatch):
    faults = {"error": {"retcode": 429, "retry_after": 3, "actions": ["message/create"]}}
    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.group.plain"], monkeypatch)
    sent = res.verdict("send:Plain")
    assert sent.status is Status.FAILED and "429" in sent.reason, sent
    assert res.verdict("receive:Plain").status is not Status.FAILED  # only the faulted route fails


async def test_server_error_ends_in_failed_calls_with_the_reason(acceptance, framework_stack, tmp_path, monkeypatch):
    faults = {"error": {"retcode": 503, "message": "Service Unavailable", "actions": ["direct-message/create", "guild/view"]}}
    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.private.plain"], monkeypatch)
    for cap in ("platform_api:send_direct_message", "platform_api:get_guild"):
        verdict = res.verdict(cap)
        assert verdict.status is Status.FAILED and "503" in verdict.reason, verdict
    assert res.verdict("platform_api:get_channel").status is not Status.FAILED


async def test_repeated_events_are_counted_not_assumed(acceptance, framework_stack, tmp_path, monkeypatch):
    """Every event frame sent twice with the same sn: how often each reached the plugin is counted from the probe's
    records (whatever the adapter does: deliver twice, or drop the repeat by its sn); the checker's delivery table
    says the same, and a platform event the plugin received twice fails its event verdict with the counts."""
    faults = {"gateway": {"repeat": 1}}
    seen: dict[str, Any] = {}

    async def keep(sim) -> None:
        seen["sim"] = sim

    scenarios = ["message.group.plain", "message.group.at"]
    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, scenarios, monkeypatch, keep)
    records = _records(sub)
    injected = [r for r in records if r.get("record") == "inject" and r.get("scenario") in scenarios]
    events = [r for r in records if r.get("record") == "event"]
    assert len(injected) == len(scenarios)
    assert seen["sim"].codec.gateway.stats.duplicates >= len(scenarios), "each frame went out twice"
    counts = {}
    for inj in injected:
        mid = inj["match"]["event.message_id"]
        counts[inj["scenario"]] = sum(1 for e in events if str((e.get("event") or {}).get("message_id")) == mid)
    writer = sub.writer("harness")
    for name, n in counts.items():
        writer.write("finding", adapter=f"{ADAPTER}@websocket",
                     message=f"delivery count: {name} sent twice with one sn reached the plugin {n} time(s)")
    print(f"kook-omni delivery counts with every frame repeated: {counts}")
    row = res.deliveries["message.received"]
    assert row["injected"] >= len(scenarios)
    assert row["more_than_once"] == sum(1 for n in counts.values() if n > 1), (row, counts)
    assert row["lost"] == sum(1 for n in counts.values() if n == 0), (row, counts)
    verdict = res.verdict("event:message.received")
    _judged(verdict)
    if row["more_than_once"]:
        assert verdict.status is Status.FAILED and "times" in verdict.reason, verdict
