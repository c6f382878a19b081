"""The reference Tailchat plugin adapter on real AstrBot 4.14.6 against the real Tailchat simulator.

Two robot instances (robot ids r1, r2) run in one AstrBot interpreter, sharing the process-wide callback port, each
with its own app, bot user and callback token. The simulator pushes a reply (to r1, routed by the inbox item's bot
user) and a direct message (to r2); r1's event is answered through ``event.send`` (Plain, At, Image) and
``send_by_session`` (Reply, Plain), which must reach the simulator as sendMessage with the right data. A push with a
wrong token is refused (403), a push to a robot id no instance registered finds no route (404)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.tailchat import objects as tc
from acceptance_fixtures.platforms.tailchat.bindings import free_port
from acceptance_fixtures.platforms.tailchat.codec import CALLBACK_PREFIX, Robot, TailchatCodec
from acceptance_fixtures.platforms.tailchat.scenarios import BOT_MESSAGE_ID, Compose, post
from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.world import ALICE, BOB, BOT_ID, CAROL, IMAGE, MAIN_GROUP, QUOTE_MESSAGE_ID
from harness.evidence import EvidenceWriter, MemorySink

pytestmark = pytest.mark.unit

ASTRBOT_PY = Path.home() / ".cache/adapter-acceptance/venvs/astrbot-4.14.6-py3.11/bin/python"
PLUGIN = Path(__file__).resolve().parents[3] / "fixtures/adapter_plugins/reference_tailchat"
DRIVER = Path(__file__).with_name("astrbot_driver.py")
BOT2 = "3000000002"
WAIT = 20.0


def robots(port: int) -> list[Robot]:
    base = f"http://127.0.0.1:{port}{CALLBACK_PREFIX}"
    return [Robot("r1", "app-one", "secret-one-Xq81", BOT_ID, base + "r1", "cb-token-one-7f3a"),
            Robot("r2", "app-two", "secret-two-Lk20", BOT2, base + "r2", "cb-token-two-9c1e"),
            Robot("r3", "app-three", "secret-three-Zz", "3000000003", base + "r3", "cb-token-three")]


def config(robot: Robot, host: str, port: int) -> dict:
    return {"type": "tailchat", "id": robot.robot_id, "enable": True, "host": host, "app_id": robot.app_id,
            "app_secret": robot.app_secret, "bot_user_id": robot.bot_user_id, "listen_host": "127.0.0.1",
            "listen_port": port, "callback_token": robot.callback_token, "require_mention": True}


async def _line(proc: asyncio.subprocess.Process, key: str) -> dict:
    assert proc.stdout is not None
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), WAIT)
        if not raw:
            err = await proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"the AstrBot driver ended before {key!r}: {err.decode(errors='replace')[-3000:]}")
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if key in record:
            return record


@pytest.mark.skipif(not ASTRBOT_PY.exists(), reason=f"AstrBot 4.14.6's interpreter is not installed at {ASTRBOT_PY}")
async def test_two_instances_receive_their_own_pushes_and_send(tmp_path: Path) -> None:
    plugins = tmp_path / "data" / "plugins"
    plugins.mkdir(parents=True)
    shutil.copytree(PLUGIN, plugins / "reference_tailchat")
    port = free_port()
    rs = robots(port)
    sink = MemorySink()
    platform = platform_named("tailchat")
    sim = SimulatorServer(TailchatCodec(rs), world=platform.world(),
                          writer=EvidenceWriter(sink, run_id="reference", producer="simulator"))
    async with sim:
        codec: TailchatCodec = sim.codec  # type: ignore[assignment]
        cfgs = [config(r, sim.base_url, port) for r in rs[:2]]  # r3 is known to the platform, not to AstrBot
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        env.pop("PYTHONHOME", None)
        proc = await asyncio.create_subprocess_exec(
            str(ASTRBOT_PY), str(DRIVER), json.dumps(cfgs), sim.world.media_url(IMAGE), QUOTE_MESSAGE_ID, "2",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            ready = await _line(proc, "ready")
            assert ready["ready"] is True, ready
            assert {r.robot_id for r in rs if r.jwt} == {"r1", "r2"}

            # a push with r1's route but a wrong token, and one to a robot id no instance registered
            item = post(codec, sim.world, "group", BOB, Compose(sim.world, BOT_ID).mention().text(" x")).frames[0]
            assert await codec.push("r1", item, token="not-the-token") == 403
            assert await codec.push("r3", item) == 404

            injected = await sim.inject("message.group.reply")  # routed to r1 by its bot user (userId)
            first = (await _line(proc, "event"))["event"]
            mid = injected.match["event.message_id"]
            assert first["platform_id"] == "r1" and first["message_id"] == mid
            assert first["sender_id"] == CAROL and first["sender_name"] == "Carol"
            assert first["group_id"] == MAIN_GROUP and first["type"] == "GroupMessage"
            assert first["session_id"] == f"{MAIN_GROUP}:{tc.panel_id(MAIN_GROUP)}"
            assert [c["type"] for c in first["components"]] == ["Reply", "Plain"]
            assert first["components"][0]["id"] == BOT_MESSAGE_ID and first["components"][1]["text"] == "agreed"
            await _line(proc, "sent")
            sent = await sim.wait_for_action("sendMessage", since=injected.t, timeout=WAIT)
            obs = sent.observed
            assert obs["robot_id"] == "r1" and obs["args"] == {"target_type": "group", "target_id": MAIN_GROUP}
            image = sim.world.media[IMAGE]
            assert obs["components"] == [{"type": "Plain", "text": "hello "},
                                         {"type": "At", "target": ALICE, "display": "Alice"},
                                         {"type": "Image", "url": sim.world.media_url(IMAGE), "sha256": image.sha256}]
            proactive = await sim.wait_for_action("sendMessage", after=sent.seq, timeout=WAIT)
            assert proactive.observed["components"] == [{"type": "Quote", "id": QUOTE_MESSAGE_ID, "sender_id": ALICE},
                                                        {"type": "Plain", "text": "proactive"}]
            assert ALICE in proactive.observed["mentions"]

            # a direct message to the second robot reaches the second instance only
            dm = post(codec, sim.world, "private", BOB, Compose(sim.world, BOT2).mention().text(" hi robot two"))
            assert await codec.push("r2", dm.frames[0]) == 200
            second = (await _line(proc, "event"))["event"]
            assert second["platform_id"] == "r2" and second["type"] == "FriendMessage"
            assert second["sender_id"] == BOB and second["session_id"] == f":{tc.dm_converse_id(BOB, BOT2)}"
            assert [c["type"] for c in second["components"]] == ["At", "Plain"]
            assert second["components"][0]["qq"] == BOT2
            await asyncio.wait_for(proc.wait(), WAIT)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = json.dumps(sink.records)
    for r in rs:
        assert r.app_secret not in text and r.callback_token not in text
