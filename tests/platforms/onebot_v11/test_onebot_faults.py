"""Fault switches on the OneBot v11 codec: its error reply shape, slow replies, retcode 1404 for unsupported
actions, the reverse client reconnecting after a drop and staying away while offline (the platform-neutral
versions run on the fake platform in tests/fixtures/test_simulator_faults.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from acceptance_fixtures.simulator import NotConnectedError
from acceptance_fixtures.world import BOT_ID, MAIN_GROUP
from tests.platforms.onebot_v11.onebot_helpers import WAIT, onebot_pair, records

pytestmark = pytest.mark.unit
G = int(MAIN_GROUP)


async def test_error_fault_fails_only_selected_actions_and_leaves_world_alone() -> None:
    async with onebot_pair() as (sim, ep, sink):
        await sim.set_faults({"error": {"retcode": 100, "message": "boom", "actions": ["send_group_msg"]}})
        before = len(sim.world.messages)
        reply = await ep.call("send_group_msg", group_id=G, message=[{"type": "text", "data": {"text": "x"}}])
        assert reply == {"status": "failed", "retcode": 100, "data": None, "message": "boom", "wording": "boom",
                         "echo": reply["echo"]}
        assert len(sim.world.messages) == before
        rec = records(sink, "platform_received")[-1]
        assert rec["observed"]["fault"] == "error" and rec["observed"]["ok"] is False
        assert rec["observed"]["components"] == [{"type": "Plain", "text": "x"}] and rec["observed"]["target"] == MAIN_GROUP
        assert (await ep.call("get_login_info"))["status"] == "ok"
        await sim.clear_faults()
        assert (await ep.call("send_group_msg", group_id=G, message="x"))["status"] == "ok"


async def test_slow_fault_delays_the_reply_not_the_record() -> None:
    async with onebot_pair() as (sim, ep, _):
        await sim.set_faults({"slow": {"seconds": 0.4, "actions": ["get_status"]}})
        t0 = time.monotonic()
        fast = await ep.call("get_login_info")
        assert time.monotonic() - t0 < 0.3 and fast["status"] == "ok"
        t0 = time.monotonic()
        task = asyncio.create_task(ep.call("get_status"))
        arrived = await sim.wait_for_action("get_status", timeout=WAIT)
        assert time.monotonic() - t0 < 0.3 and arrived.fault == "slow"
        assert not task.done()
        reply = await task
        assert time.monotonic() - t0 >= 0.4 and reply["status"] == "ok"


async def test_slow_reply_does_not_block_other_actions() -> None:
    async with onebot_pair() as (sim, ep, _):
        await sim.set_faults({"slow": {"seconds": 1.0, "actions": ["get_msg"]}})
        slow = asyncio.create_task(ep.call("get_msg", message_id=1001))
        t0 = time.monotonic()
        await ep.call("get_group_info", group_id=G)
        await ep.call("get_group_member_info", group_id=G, user_id=int(BOT_ID))
        assert time.monotonic() - t0 < 0.5
        assert (await slow)["status"] == "ok"


async def test_unsupported_fault_answers_1404() -> None:
    async with onebot_pair() as (sim, ep, _):
        await sim.set_faults({"unsupported": ["send_forward_msg"]})
        reply = await ep.call("send_forward_msg", group_id=G, messages=[])
        assert reply["retcode"] == 1404 and sim.received("send_forward_msg")[0].fault == "unsupported"


async def test_drop_disconnects_and_reverse_client_reconnects() -> None:
    async with onebot_pair() as (sim, ep, _):
        await sim.drop_connection()
        await sim.wait_disconnected(WAIT)
        await ep.wait_connected(connections=2)
        await sim.wait_connected(WAIT)
        assert ep.max_concurrent == 1
        done = await sim.inject("message.group.plain")
        await ep.next_event(lambda e: e.get("message_id") == int(done.match["event.message_id"]))


async def test_offline_stays_down_until_switched_back() -> None:
    async with onebot_pair() as (sim, ep, sink):
        await sim.set_faults({"offline": True})
        await sim.wait_disconnected(WAIT)
        await asyncio.sleep(0.3)
        assert ep.connections == 1 and not sim.connected
        with pytest.raises(NotConnectedError):
            await sim.inject("message.group.plain", connect_timeout=0.1)
        assert records(sink, "inject") == []  # nothing claimed that was never sent
        await sim.set_faults({"offline": False})
        await sim.wait_connected(WAIT)
        assert ep.connections == 2

