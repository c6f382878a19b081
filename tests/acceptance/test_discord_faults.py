"""Discord-side faults through the full path: the gateway socket closed mid-stream, heartbeats left unanswered, an
INVALID SESSION, and REST answering 429 (``retry_after``) or 502. Each run ends in verdicts with their reasons in
bounded time, a reconnect the adapter performs (a RESUME, or a new IDENTIFY) is in the simulator's evidence as a
finding, and the bot token reaches no evidence, report or log. Runs on the session's framework when discord-omni is
selected (``--adapter discord-omni``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.levels import Status
from harness.session import AcceptanceSession

from .faulted_runs import faulted_run

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "discord-omni"
#: Bounded: one scenario's event wait, the sweep's start wait and the sweep itself (discord.py retries a 429 or a 502
#: a few times before it gives up), with room to spare.
RUN_LIMIT = 300


async def _run(acceptance: AcceptanceSession, stack, tmp_path: Path, faults: dict, scenarios: list[str]):
    sub, _, res = await faulted_run(acceptance, stack, tmp_path, ADAPTER, faults, scenarios, limit=RUN_LIMIT)
    return sub, res


def _gateway_findings(sub: AcceptanceSession) -> list[dict]:
    out = []
    for path in sub.evidence_files():
        if path.name.startswith("simulator-"):
            for line in path.read_text("utf-8").splitlines():
                rec = json.loads(line)
                if rec.get("record") == "finding" and str(rec.get("message", "")).startswith("gateway"):
                    out.append(rec)
    return out


def _reconnected(findings: list[dict]) -> list[str]:
    return [f["message"] for f in findings if "resumed its session" in f["message"] or "identified again" in f["message"]]


async def test_rest_rate_limit_ends_in_failed_sends_with_the_reason(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 429, "retry_after": 0.5, "actions": ["create_message"]}}
    _, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.guild.plain"])
    sent = res.verdict("send:Plain")  # every create_message answered 429: discord.py retries, then gives up
    assert sent.status is Status.FAILED and sent.reason, sent
    assert res.verdict("event:message.received").status is not Status.FAILED  # only the faulted request fails


async def test_rest_server_error_fails_only_the_faulted_request(acceptance, framework_stack, tmp_path):
    faults = {"error": {"retcode": 502, "message": "Bad Gateway", "actions": ["create_channel_invite"]}}
    _, res = await _run(acceptance, framework_stack, tmp_path, faults, ["message.guild.plain"])
    invite = res.verdict("platform_api:create_invite")
    assert invite.status is Status.FAILED and invite.reason, invite  # 502 five times: DiscordServerError
    assert res.verdict("send:Image").status is not Status.FAILED


async def test_socket_closed_mid_stream_the_adapter_resumes_and_the_reconnect_is_evidence(acceptance, framework_stack, tmp_path):
    scenarios = ["message.guild.plain", "message.guild.at", "message.dm.plain", "reaction.add"]
    sub, res = await _run(acceptance, framework_stack, tmp_path, {"gateway": {"close_after": 2}}, scenarios)
    findings = _gateway_findings(sub)
    assert any("close_after" in f["message"] for f in findings), findings
    assert _reconnected(findings), [f["message"] for f in findings]  # the adapter came back (RESUME or IDENTIFY)
    event = res.verdict("event:message.received")
    assert event.status is not Status.UNTESTED and (event.status is not Status.FAILED or event.reason), event


async def test_invalid_session_the_adapter_identifies_again(acceptance, framework_stack, tmp_path):
    scenarios = ["message.guild.plain", "message.guild.at", "message.dm.plain"]
    sub, res = await _run(acceptance, framework_stack, tmp_path, {"gateway": {"invalid_session_after": 1}}, scenarios)
    findings = _gateway_findings(sub)
    assert any("INVALID SESSION sent" in f["message"] for f in findings), findings
    assert any("identified again" in m for m in _reconnected(findings)), [f["message"] for f in findings]
    event = res.verdict("event:message.received")
    assert event.status is not Status.UNTESTED and (event.status is not Status.FAILED or event.reason), event


async def test_unanswered_heartbeats_end_in_verdicts_and_the_gateway_reports_what_the_client_did(acceptance, framework_stack,
                                                                                                  tmp_path):
    # Whether a client gives up on a gateway that acknowledges no heartbeat is the client's own rule (some wait for
    # missing ACKs, some only for a gateway that stays silent altogether): the run must end with reasons, and the
    # simulator must say how many heartbeats went unanswered and whether the client reconnected.
    # three platform actions answered slowly (beyond the probe's 20 s call timeout) keep the run going for several
    # heartbeat intervals
    slow = {"seconds": 30, "actions": ["create_channel_invite", "pin_message", "trigger_typing_indicator"]}
    sub, res = await _run(acceptance, framework_stack, tmp_path, {"gateway": {"silent_heartbeats": True}, "slow": slow},
                          ["message.guild.plain", "message.guild.at", "message.dm.plain"])
    findings = _gateway_findings(sub)
    assert any("silent_heartbeats" in f["message"] for f in findings), [f["message"] for f in findings]
    summary = [f for f in findings if f["message"].startswith("gateway summary")]
    assert len(summary) == 1 and summary[0]["gateway"]["heartbeats"] > summary[0]["gateway"]["acks"], summary
    reconnects = summary[0]["gateway"]["resumes"] + summary[0]["gateway"]["identifies"] - 1
    assert len(_reconnected(findings)) == reconnects  # every reconnect the client made is in the evidence
    assert [v.id for v in res.verdicts if v.declared and v.status is Status.UNTESTED] == []
    assert all(v.reason for v in res.verdicts if v.declared and v.status in (Status.FAILED, Status.BLOCKED))


def _records(sub: AcceptanceSession) -> list[dict]:
    return [json.loads(line) for path in sub.evidence_files() for line in path.read_text("utf-8").splitlines()]


def _hand_count(sub: AcceptanceSession, scenarios: list[str]) -> dict[str, int]:
    """How often the plugin saw each injected message (from the probe's records, by message id)."""
    records = _records(sub)
    events = [r for r in records if r.get("record") == "event" and r.get("producer") == "probe"]
    out = {}
    for inj in (r for r in records if r.get("record") == "inject" and r.get("scenario") in scenarios):
        mid = inj["match"]["event.message_id"]
        out[inj["scenario"]] = sum(1 for e in events if str((e.get("event") or {}).get("message_id")) == mid)
    return out


async def test_events_sent_again_after_a_resume_are_counted_not_assumed(acceptance, framework_stack, tmp_path):
    """The socket is cut after two dispatches; on RESUME the gateway replays what the client missed and sends the last
    six events it had already got once more (Discord clients must not rely on exactly-once). How often each reached
    the plugin is counted from the probe's records, the checker's delivery table says the same, and a platform event
    the plugin received twice fails its event verdict with the counts (whatever the adapter does)."""
    scenarios = ["message.guild.plain", "message.guild.at", "message.dm.plain", "message.guild.at_user"]
    faults = {"gateway": {"close_after": 2, "duplicate_after_resume": 6}}
    sub, res = await _run(acceptance, framework_stack, tmp_path, faults, scenarios)
    findings = [f["message"] for f in _gateway_findings(sub)]
    assert any("duplicate_after_resume" in m for m in findings), findings
    counts = _hand_count(sub, scenarios)
    print(f"discord-omni delivery counts with events sent again after a RESUME: {counts}")
    row = res.deliveries["message.received"]
    assert row["injected"] >= len(scenarios)
    assert row["more_than_once"] == sum(1 for n in counts.values() if n > 1), (row, counts)
    assert row["lost"] == sum(1 for n in counts.values() if n == 0), (row, counts)
    verdict = res.verdict("event:message.received")
    if row["more_than_once"]:
        assert verdict.status is Status.FAILED and "times" in verdict.reason, verdict


async def test_reordered_events_are_each_delivered_once(acceptance, framework_stack, tmp_path):
    """Dispatches held in windows of three and sent in reverse order (sequence numbers out of order): each platform
    event is still counted (exactly once, more than once or lost), and the counts agree with the probe's records."""
    scenarios = ["message.guild.plain", "message.guild.at", "message.dm.plain"]
    sub, res = await _run(acceptance, framework_stack, tmp_path, {"gateway": {"reorder_window": 3}}, scenarios)
    findings = [f["message"] for f in _gateway_findings(sub)]
    assert any("reorder_window" in m for m in findings), findings
    counts = _hand_count(sub, scenarios)
    print(f"discord-omni delivery counts with reordered dispatches: {counts}")
    row = res.deliveries["message.received"]
    assert row["once"] + row["more_than_once"] + row["lost"] == row["injected"]
    assert row["lost"] == sum(1 for n in counts.values() if n == 0), (row, counts)
