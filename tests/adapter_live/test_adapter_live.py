"""The checker's verdicts on adapter-live evidence: the driver's observations count, at ``adapter-live`` only."""

from __future__ import annotations

import json

import pytest

from harness.levels import Level, Status, strength

pytestmark = pytest.mark.adapter_live

NOT_PROVING = {Level.BLOCKED, Level.NOT_SUPPORTED, None}


def _records(outcome, name: str) -> list[dict]:
    path = outcome.evidence_dir / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_run_was_not_blocked(live_forward):
    blocked = [r for r in _records(live_forward, "harness") if r["record"] == "skip" and not r.get("capabilities")]
    assert not blocked, blocked[0]["reason"]
    assert live_forward.run.driver_errors == [], live_forward.run.driver_errors


def test_receive_plain_is_adapter_live_never_higher(live_forward):
    v = live_forward.result.verdict("receive:Plain")
    assert v.level is Level.ADAPTER_LIVE, (v.level, v.reason)
    assert v.status is Status.PARTIAL  # adapter-live can never complete a capability
    assert any("adapter-driver-onebot-v11.jsonl" in ref for ref in v.evidence), v.evidence


def test_no_verdict_above_adapter_live(live_forward):
    """No plugin, no probe: nothing may reach a plugin-e2e level, although the simulator's injects
    claim ``plugin-e2e-protocol`` (the level comes from the observer, not from the claim)."""
    injects = [r for r in _records(live_forward, "simulator-onebot-v11") if r["record"] == "inject"]
    assert injects and {r["level"] for r in injects} == {"plugin-e2e-protocol"}
    too_high = [(v.id, v.level.value) for v in live_forward.result.verdicts
                if v.level not in NOT_PROVING and strength(v.level) > strength(Level.ADAPTER_LIVE)]
    assert not too_high, too_high
    assert not [v.id for v in live_forward.result.verdicts if v.status is Status.ACCEPTED and v.kind != "compat"]


def test_every_injected_event_reached_the_listener(live_forward):
    missing = [(v.id, v.reason) for v in live_forward.result.verdicts if "no matching event reached" in v.reason]
    assert not missing, missing
    for cap in ("event:message.received", "event:group.member_joined", "event:friend.request_received", "event:platform.specific"):
        assert live_forward.result.verdict(cap).level is Level.ADAPTER_LIVE, cap


def test_events_carry_the_probe_fields(live_forward):
    events = [r for r in _records(live_forward, "adapter-driver-onebot-v11") if r["record"] == "event"]
    assert events and {r["producer"] for r in events} == {"adapter-driver"}
    keys = {"class", "type", "bot_uuid", "adapter_name", "chat_type", "chat_id", "sender_id", "user_id", "group_id",
            "message_id", "components", "source_platform_object", "fields"}
    assert all(keys <= set(r["event"]) for r in events)
    msg = next(r["event"] for r in events if r["event"]["type"] == "message.received")
    assert msg["class"] == "MessageReceivedEvent" and msg["adapter_name"] == "onebot-v11"
    assert msg["components"][0]["type"] == "Source" and msg["components"][0]["id"] == msg["message_id"]


def test_source_platform_object_judged_from_the_adapter_side(live_forward):
    v = live_forward.result.verdict("compat:source_platform_object")
    # Through the full path the plugin never sees it (blocked there); the driver sees the adapter's event.
    assert v.level is Level.ADAPTER_LIVE and v.status is Status.ACCEPTED, (v.level, v.status, v.reason)
    assert all("adapter-driver-onebot-v11.jsonl" in ref for ref in v.evidence)


def test_listener_dispatch_order(live_forward):
    v = live_forward.result.verdict("compat:listener_dispatch_order")
    assert v.level is Level.ADAPTER_LIVE and v.status is Status.ACCEPTED, v.reason


def test_sends_and_apis_joined_with_the_platform(live_forward):
    for cap in ("send:Plain", "send:At", "send:Image", "api:send_message", "api:reply_message", "api:get_group_info",
                "platform_api:get_login_info"):
        v = live_forward.result.verdict(cap)
        assert v.level is Level.ADAPTER_LIVE and v.status is Status.PARTIAL, (cap, v.level, v.status, v.reason)
        assert any("simulator-onebot-v11.jsonl" in ref for ref in v.evidence), (cap, v.evidence)
    summary = live_forward.run.summary
    assert summary.get("calls", 0) > 30 and summary.get("failed") == 0, summary


def test_no_secret_in_evidence(live_forward):
    secrets = [s for s in live_forward.session._secrets if s]
    assert secrets, "the run registered its access token as a secret"
    texts = [f.read_text("utf-8") for f in live_forward.session.evidence_files()]
    texts += list(live_forward.session.logs.get("onebot-v11", {}).values())
    assert not [s for s in secrets for t in texts if s in t]
    records = _records(live_forward, "harness")
    assert any(r["record"] == "run" and "adapter-live" in r["message"] for r in records)


def test_reverse_mode_receives_too(live_reverse):
    blocked = [r for r in _records(live_reverse, "harness") if r["record"] == "skip" and not r.get("capabilities")]
    assert not blocked, blocked[0]["reason"]
    v = live_reverse.result.verdict("receive:Plain")
    assert v.level is Level.ADAPTER_LIVE and v.status is Status.PARTIAL, (v.level, v.reason)
    assert live_reverse.result.verdict("compat:source_platform_object").status is Status.ACCEPTED


def test_evidence_is_valid_against_the_schema(live_forward):
    from harness.checker import check

    strict = check([live_forward.session.manifest("onebot-v11")], live_forward.session.evidence_files(), strict=True,
                   only_declared_adapters=True)
    assert strict.problems == []
