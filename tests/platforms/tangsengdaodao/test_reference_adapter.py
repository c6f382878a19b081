"""The reference TangSengDaoDao adapter plugin on real AstrBot 4.14.6 against the real simulator: events polled from
event_id and acked arrive on AstrBot's queue with the right sender, group, text and components; send_by_session and
event.send reach the simulator (platform_received) with the right data. Runs the adapter in AstrBot's interpreter
(``astrbot_driver.py``); skipped when that interpreter is absent."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.tangsengdaodao.codec import TsddCodec
from acceptance_fixtures.simulator import SimulatorServer

pytestmark = pytest.mark.unit

ASTRBOT_PY = Path.home() / ".cache/adapter-acceptance/venvs/astrbot-4.14.6-py3.11/bin/python"
PLUGINS = Path(__file__).resolve().parents[3] / "fixtures" / "adapter_plugins"
DRIVER = Path(__file__).with_name("astrbot_driver.py")
KEY = "reference/app+key="


async def _line(proc: asyncio.subprocess.Process, timeout: float = 20.0) -> dict[str, Any]:
    assert proc.stdout is not None
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if not raw:
            err = await proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"the AstrBot driver ended early: {err.decode()[-2000:]}")
        if raw.startswith(b"{"):
            return json.loads(raw)


@pytest.mark.skipif(not ASTRBOT_PY.exists(), reason=f"AstrBot 4.14.6's interpreter is not installed at {ASTRBOT_PY}")
async def test_reference_adapter_on_astrbot(tmp_path: Path) -> None:
    platform = platform_named("tangsengdaodao")
    sim = SimulatorServer(TsddCodec(app_key=KEY), world=platform.world())
    await sim.start()
    world = sim.world
    bob = world.roles["admin"]
    image_url = f"{world.media_base_url}/{world.roles['image']}"
    env = {**os.environ, "TSDD_APP_KEY": KEY, "PYTHONPATH": ""}
    proc = await asyncio.create_subprocess_exec(
        str(ASTRBOT_PY), str(DRIVER), str(PLUGINS), sim.base_url, world.bot.user_id, "3", bob, image_url,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert (await _line(proc))["ready"]
        await sim.wait_connected(15)
        at = await sim.inject("message.group.at")
        img = await sim.inject("message.private.image")
        inline = await sim.inject("inline_query.private")
        events = [(await _line(proc))["event"] for _ in range(3)]
        group, private, query = events
        assert group["type"] == "GroupMessage" and group["group"] == world.roles["main_group"]
        assert group["sender"] == world.roles["admin"] and group["message_id"] == at.refs["message_id"]
        assert group["components"] == [{"type": "At", "qq": world.bot.user_id, "name": world.bot.user_id},
                                       {"type": "Plain", "text": " please review"}]
        assert group["text"] == "please review"
        assert private["type"] == "FriendMessage" and private["sender"] == world.roles["owner"] and not private["group"]
        image = private["components"][0]
        assert image["type"] == "Image" and (image.get("url") or image.get("file")) == image_url
        assert private["message_id"] == img.refs["message_id"]
        assert query["kind"] == "inline_query" and query["text"] == "weather"
        assert (await _line(proc))["sent"]
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await sim.stop()
    sends = sim.received("sendMessage")
    assert len(sends) == 2
    to_group, to_alice = (s.observed for s in sends)
    assert to_group["args"] == {"target_type": "group", "target_id": world.roles["main_group"]}
    assert to_group["components"] == [{"type": "Plain", "text": "hello "}, {"type": "At", "target": bob},
                                      {"type": "Plain", "text": f" look\n{image_url}\n"}]
    assert image_url in to_group["components"][-1]["text"], "the image goes as its URL (sendMessage takes text only)"
    assert to_group["payload"]["mention"] == {"uids": [bob]}
    assert to_alice["args"] == {"target_type": "person", "target_id": world.roles["owner"]}
    assert to_alice["components"] == [{"type": "Quote", "id": img.refs["message_id"]}, {"type": "Plain", "text": "pong"}]
    acks = {s.observed["event_id"] for s in sim.received("ack")}
    assert acks == {1, 2}, "each message event is acked once; the inline query is not"
    answers = sim.received("answerInlineQuery")
    assert len(answers) == 1 and answers[0].observed["inline_query_sid"] == inline.refs["inline_query_sid"]
    assert sim.codec.status()["unacked"] == []
