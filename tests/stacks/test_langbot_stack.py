"""End to end: LangBot stack + probe + onebot-v11 bot driven by a tiny reverse-WS client.

Slow (a cold LangBot start is ~20 s; the first run also builds the framework environment).
Run with ``pytest -m plugin_e2e tests/stacks -s`` to see the measured times.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time

import pytest

from harness.errors import StackError
from harness.stacks import EvidenceTail, LangBotStack, StackTimeouts

from .onebot_client import OneBotReverseClient

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "onebot-v11"
USER = 20001
TEXT = "hello  acceptance\n  second line "


def _event(r: dict, message_id: str) -> bool:
    return r.get("record") == "event" and r["event"].get("type") == "message.received" and r["event"].get("message_id") == message_id


async def _scenario(tmp_path) -> dict:
    timings: dict[str, float] = {}
    t_start = time.monotonic()
    stack = LangBotStack("langbot==4.11.2", tmp_path / "stack", run_id="stack-e2e",
                         timeouts=StackTimeouts(app_ready=240, install=120))
    async with stack:
        timings.update({f"stack.{k}": round(v, 2) for k, v in stack.timings.items()})
        timings["cold_start_to_ready"] = round(time.monotonic() - t_start, 2)

        token = secrets.token_urlsafe(24)
        t0 = time.monotonic()
        bot = await stack.create_bot(ADAPTER, {"connection_mode": "reverse_ws", "access-token": token}, probe_config={
            "world": {"user_id": str(USER), "group_id": "30001", "group_name": "acceptance group",
                      "disposable_group_id": "30002", "disposable_user_id": "20009"},
            "media": {"image_url": "http://127.0.0.1:9/acceptance.png"},
            "platform_action_params": {"get_login_info": {}, "get_status": {}, "get_version_info": {},
                                       "can_send_image": {}, "can_send_record": {}},
            "call_timeout": 15,
            "destructive": True,  # the fake platform has nothing to lose
        })
        timings["create_bot"] = round(time.monotonic() - t0, 2)
        assert token not in json.dumps(stack.logs())

        client = OneBotReverseClient(f"{stack.ws_base}/bots/{bot}/onebot/v11/ws", token)
        await client.connect(timeout=stack.timeouts.bot_ready)
        try:
            tail = EvidenceTail(stack.evidence_path)
            await client.private_text(USER, 901, TEXT)
            [rec] = await tail.wait_for(lambda r: _event(r, "901"), timeout=60, what="the probe's event record", stack=stack)
            timings["create_bot_to_first_event"] = round(time.monotonic() - t0, 2)

            ev = rec["event"]
            assert rec["producer"] == "probe" and rec["adapter"] == ADAPTER and rec["run_id"] == "stack-e2e"
            assert ev["class"] == "MessageReceivedEvent"
            assert ev["adapter_name"] == ADAPTER and ev["bot_uuid"] == bot
            assert ev["chat_type"] == "private" and ev["chat_id"] == str(USER) and ev["sender_id"] == str(USER)
            assert [c["type"] for c in ev["components"]] == ["Source", "Plain"]
            assert ev["components"][1]["text"] == TEXT
            assert "event:message.received" in rec["capabilities"] and "receive:Plain" in rec["capabilities"]

            # A group message (the adapter looks the group and member up first) and a notice.
            await client.group_text(30001, 20002, 903, "group hello")
            [grp] = await tail.wait_for(lambda r: _event(r, "903"), timeout=60, what="the group message event", stack=stack)
            assert grp["event"]["chat_type"] == "group" and grp["event"]["group_id"] == "30001"
            assert grp["event"]["sender_id"] == "20002"
            await client.notice("group_increase", sub_type="approve", group_id=30001, operator_id=20002, user_id=20003)
            [joined] = await tail.wait_for(
                lambda r: r.get("record") == "event" and r["event"].get("type") == "group.member_joined",
                timeout=60, what="the member-joined event", stack=stack)
            assert joined["event"]["class"] == "MemberJoinedEvent"
            assert joined["event"]["group_id"] == "30001" and joined["event"]["user_id"] == "20003"

            t1 = time.monotonic()
            await client.private_text(USER, 902, "please run acceptance:sweep now")
            await tail.wait_for(lambda r: r.get("record") == "finding" and r.get("message") == "sweep complete",
                                timeout=300, what="the sweep to complete", stack=stack)
            timings["sweep"] = round(time.monotonic() - t1, 2)

            calls = [r for r in tail.records if r.get("record") == "api_call"]
            assert calls, "the sweep wrote no api_call records"
            sends = [r for r in calls if r["api"]["name"] == "send_message" and r["api"]["ok"]]
            assert any("send:Plain" in r["capabilities"] for r in sends)
            plain = next(r for r in sends if "send:Plain" in r["capabilities"])
            assert plain["expected"]["components"][0]["type"] == "Plain"
            assert plain["api"]["started"] <= plain["api"]["ended"]
            # call_platform_api is refused in the run scope and retried plugin-wide.
            login = [r for r in calls if r["api"].get("action") == "get_login_info"]
            assert [r["api"]["scope"] for r in login] == ["run", "plugin"]
            assert login[0]["api"]["error_kind"] == "refused" and login[1]["api"]["ok"]
            assert any(r.get("record") == "finding" and "refused" in r.get("message", "") for r in tail.records)
            # The platform really received the sweep's actions.
            assert any(a["action"] == "send_private_msg" for a in client.actions)
            assert any(a["action"] == "get_login_info" for a in client.actions)
            # Destructive APIs run last, leave_group at the very end, against the disposable group.
            assert calls[-1]["api"]["name"] == "leave_group" and calls[-1]["api"]["input"] == {"group_id": "30002"}
            assert any(r["api"]["name"] == "kick_member" for r in calls)
            # Secrets never reach the evidence.
            assert token not in stack.evidence_path.read_text("utf-8")

            logs = await stack.bot_logs(bot)
            assert any("message.received" in (entry.get("text") or "") for entry in logs)
        finally:
            await client.close()
        # The same stack serves another bot (own processor, own probe config) in the same session.
        token2 = secrets.token_urlsafe(24)
        bot2 = await stack.create_bot(ADAPTER, {"connection_mode": "reverse_ws", "access-token": token2},
                                      probe_config={"sweep_trigger": ""})
        client2 = OneBotReverseClient(f"{stack.ws_base}/bots/{bot2}/onebot/v11/ws", token2, self_id=10002)
        await client2.connect(timeout=stack.timeouts.bot_ready)
        try:
            await client2.private_text(USER, 904, "second bot")
            [rec2] = await tail.wait_for(lambda r: _event(r, "904"), timeout=60, what="the second bot's event", stack=stack)
            assert rec2["event"]["bot_uuid"] == bot2 and bot2 != bot
        finally:
            await client2.close()

        collected = await stack.collect_logs()
        assert "langbot.log" in collected and "runtime.log" in collected
        assert token not in "".join(p.read_text("utf-8") for p in collected.values())

        # A crashed plugin runtime is reported with the logs, not waited on.
        runtime = stack.processes["runtime"]
        os.killpg(runtime.pid, signal.SIGKILL)
        for _ in range(100):
            if not runtime.alive():
                break
            await asyncio.sleep(0.1)
        with pytest.raises(StackError) as crashed:
            await stack.create_bot(ADAPTER, {"connection_mode": "reverse_ws", "access-token": "x" * 20})
        assert "runtime" in str(crashed.value) and crashed.value.logs.get("runtime")
    assert all(not p.alive() for p in stack.processes.values())
    summary = next(r for r in reversed(tail.records) if r.get("message") == "sweep complete")["sweep"]
    timings["sweep_calls"] = summary["calls"]
    return timings


async def test_langbot_stack_onebot_event_and_sweep(tmp_path):
    timings = await asyncio.wait_for(_scenario(tmp_path), timeout=900)
    print("\nLangBot stack timings (s):", json.dumps(timings, indent=1))
