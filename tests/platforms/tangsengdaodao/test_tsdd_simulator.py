"""The TangSengDaoDao simulator over real HTTP on 127.0.0.1: auth answers, events polling with event_id and ack,
sendMessage's validation and evidence, typing / stream / inline query, the user-side routes, secrets in paths, and
the document-vs-server table."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.tangsengdaodao.codec import TsddCodec
from acceptance_fixtures.simulator import SimulatorServer
from harness.evidence import EvidenceWriter
from harness.secret_scan import encoded_forms

pytestmark = pytest.mark.unit

KEY = "tsdd-app-key/9xQ+2Lw5="
PLATFORM = platform_named("tangsengdaodao")


class Robot:
    def __init__(self, sim: SimulatorServer, session: aiohttp.ClientSession, key: str = KEY, robot: str | None = None) -> None:
        self.sim, self.session = sim, session
        self.base = f"{sim.base_url}/v1/robots/{robot or sim.world.bot.user_id}/{quote(key, safe='')}"

    async def req(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        async with self.session.request(method, f"{self.base}/{path}", json=body, **kw) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


async def _started(tmp_path: Path | None = None, **kw: Any) -> tuple[SimulatorServer, EvidenceWriter | None]:
    writer = EvidenceWriter.to_file(tmp_path / "sim.jsonl", run_id="t", producer="simulator", secrets=[KEY]) if tmp_path else None
    sim = SimulatorServer(TsddCodec(app_key=KEY, **kw), world=PLATFORM.world(), writer=writer)
    await sim.start()
    return sim, writer


async def test_auth_answers_are_the_servers() -> None:
    sim, _ = await _started()
    try:
        async with aiohttp.ClientSession() as s:
            assert await Robot(sim, s, key="wrong").req("GET", "events?event_id=0") == (401, {"msg": "appKey不正确！"})
            assert await Robot(sim, s, robot="nobody").req("GET", "events?event_id=0") == (401, {"msg": "机器人不存在！"})
            assert sim.codec.unauthorized == 2 and not sim.connected
    finally:
        await sim.stop()


async def test_events_poll_after_event_id_and_ack_removes_exactly_one() -> None:
    sim, _ = await _started()
    try:
        async with aiohttp.ClientSession() as s:
            r = Robot(sim, s)
            assert await r.req("GET", "events?event_id=0") == (200, {"status": 1, "results": []})
            await sim.inject("message.private.plain")
            await sim.inject("message.group.at")
            status, body = await r.req("GET", "events?event_id=0&limit=1")
            assert status == 200 and body["status"] == 1 and len(body["results"]) == 1
            first = body["results"][0]
            assert first["event_id"] == 1 and first["inline_query"] is None
            assert "channel_id" not in first["message"], "a person channel's id is left out (api.go:761)"
            assert first["message"]["from_uid"] == sim.world.roles["owner"]
            _, body = await r.req("GET", "events?event_id=1")
            group = body["results"][0]["message"]
            assert [e["event_id"] for e in body["results"]] == [2] and group["channel_type"] == 2
            assert group["payload"]["mention"] == {"uids": [sim.world.bot.user_id]}
            # not acked: a lower event_id delivers them again
            _, again = await r.req("POST", "events", {"event_id": 0, "limit": 20})
            assert [e["event_id"] for e in again["results"]] == [1, 2]
            assert sim.codec.status()["unacked"] == [1, 2]
            assert await r.req("POST", "events/1/ack") == (200, {"status": 200})
            assert await r.req("POST", "events/oops/ack") == (200, {"status": 200}), "parsed as 0, removes nothing"
            _, left = await r.req("GET", "events?event_id=0")
            assert [e["event_id"] for e in left["results"]] == [2]
            assert sim.received("ack")[0].observed["removed"] is True
    finally:
        await sim.stop()


async def test_send_message_follows_the_server(tmp_path: Path) -> None:
    sim, writer = await _started(tmp_path)
    try:
        async with aiohttp.ClientSession() as s:
            r = Robot(sim, s)
            await r.req("GET", "events?event_id=0")
            group, bob = sim.world.roles["main_group"], sim.world.roles["admin"]
            status, body = await r.req("POST", "sendMessage", {"channel_id": group, "channel_type": 2, "payload": {
                "type": 1, "content": "hi @Bob see", "mention": {"uids": [bob]}, "reply": {"message_id": "1001"}},
                "entities": [{"offset": 0, "length": 2, "type": "bold"}]})
            assert status == 200 and set(body) == {"message_id", "client_msg_no", "message_seq"}
            rec = sim.received("sendMessage")[-1]
            assert rec.observed["components"] == [{"type": "Quote", "id": "1001"}, {"type": "Plain", "text": "hi "},
                                                  {"type": "At", "target": bob}, {"type": "Plain", "text": "see"}]
            assert rec.observed["args"] == {"target_type": "group", "target_id": group}
            assert rec.observed["dropped"] == ["entities"]
            assert sim.world.message(str(body["message_id"])).sender_id == sim.world.bot.user_id
            for payload, msg in (({"type": 2, "url": "x"}, "不支持的type[2]"), ({"type": 0}, "payload.type不能为空！"),
                                 ({"type": 1}, '无效的payload[{"type":1}]'), ({}, "payload不能为空！")):
                assert await r.req("POST", "sendMessage", {"channel_id": group, "channel_type": 2, "payload": payload}) == \
                    (400, {"msg": msg, "status": 400})
            assert await r.req("POST", "sendMessage", {"channel_id": "", "channel_type": 2}) == \
                (400, {"msg": "channel_id不能为空！", "status": 400})
            assert await r.req("POST", "sendMessage", data="not json") == (400, {"msg": "数据格式有误！", "status": 400})
            assert await r.req("POST", "typing", {"channel_id": group, "channel_type": 2}) == (200, {"status": 200})
    finally:
        await sim.stop()
        assert writer is not None
        writer.close()
    text = (tmp_path / "sim.jsonl").read_text("utf-8")
    for form in encoded_forms(KEY).values():
        assert form not in text, "the app key reached the evidence"
    assert "/***/sendMessage" in text


async def test_stream_and_inline_query_round_trip() -> None:
    sim, _ = await _started(inline_timeout=3.0)
    try:
        async with aiohttp.ClientSession() as s:
            r = Robot(sim, s)
            await r.req("GET", "events?event_id=0")
            group = sim.world.roles["main_group"]
            payload = base64.b64encode(json.dumps({"type": 1, "content": "streaming"}).encode()).decode()
            status, body = await r.req("POST", "stream/start", {"channel_id": group, "channel_type": 2, "payload": payload})
            assert status == 200 and re.fullmatch(r"stream\d+", body["stream_no"])
            assert sim.received("stream/start")[-1].observed["components"] == [{"type": "Plain", "text": "streaming"}]
            assert await r.req("POST", "stream/start", {"channel_id": group, "channel_type": 2, "payload": {"a": 1}}) == \
                (400, {"msg": "数据格式有误！", "status": 400}), "a Go []byte field takes base64, not an object"
            assert await r.req("POST", "stream/end", {"stream_no": body["stream_no"]}) == (200, {"status": 200})
            assert (await r.req("POST", "stream/end", {"stream_no": body["stream_no"]}))[0] == 400

            # the user side: login, sync, an inline query the robot answers while the client waits
            async with s.post(f"{sim.base_url}/v1/user/login", json={"username": "Alice", "password": "pw"}) as resp:
                login = await resp.json()
            headers = {"token": login["token"]}
            async with s.post(f"{sim.base_url}/v1/robot/sync", json=[{"robot_id": sim.world.bot.user_id, "version": 0}],
                              headers=headers) as resp:
                assert (await resp.json())[0]["inline_on"] == 1
            async with s.post(f"{sim.base_url}/v1/robot/inline_query", json={"query": "x"}) as resp:
                assert resp.status == 401

            async def robot() -> None:
                for _ in range(50):
                    _, polled = await r.req("GET", "events?event_id=0")
                    inline = [e["inline_query"] for e in polled["results"] if e["inline_query"]]
                    if inline:
                        assert inline[0]["from_uid"] == login["uid"] and inline[0]["query"] == "weather"
                        await r.req("POST", "answerInlineQuery", {"inline_query_sid": inline[0]["sid"], "type": "article",
                                                                   "id": "w1", "results": [{"title": "sunny"}]})
                        return
                    await asyncio.sleep(0.05)

            task = asyncio.create_task(robot())
            async with s.post(f"{sim.base_url}/v1/robot/inline_query", headers=headers,
                              json={"query": "weather", "username": sim.world.bot.user_id, "channel_id": login["uid"],
                                    "channel_type": 1}) as resp:
                assert resp.status == 200
                answer = await resp.json()
            await task
            assert answer == {"inline_query_sid": answer["inline_query_sid"], "type": "article", "id": "w1",
                              "results": [{"title": "sunny"}]}
            assert await r.req("POST", "answerInlineQuery", {"inline_query_sid": "gone"}) == \
                (400, {"msg": "type不能为空！", "status": 400})
    finally:
        await sim.stop()


def test_document_differences_have_all_four_keys_and_a_source_line() -> None:
    rows = PLATFORM.document_differences()
    assert len(rows) >= 10
    for row in rows:
        assert set(row) == {"item", "document", "server", "source"} and all(isinstance(v, str) and v for v in row.values())
        assert re.search(r"\.go:\d+", row["source"]) or row["source"].startswith("source not found"), row


def test_every_scenario_builds_and_group_ones_reach_the_robot() -> None:
    codec = TsddCodec(app_key=KEY)
    world = PLATFORM.world()
    SimulatorServer(codec, world=world)
    for scenario in codec.scenarios():
        frame = scenario.build(world).frames[0]
        msg = frame.get("message")
        if msg and msg.get("channel_type") == 2:  # event.go:62-98: robot_id or exactly the robot mentioned
            payload = msg["payload"]
            assert payload.get("robot_id") == world.bot.user_id or payload.get("mention", {}).get("uids") == [world.bot.user_id]


def test_ui_profile_composes_what_reaches_the_robot_only() -> None:
    codec = TsddCodec(app_key=KEY)
    world = PLATFORM.world()
    SimulatorServer(codec, world=world)
    world.media_base_url = "http://127.0.0.1:1/media"
    assert codec.ui_identity().platform == "tangsengdaodao"
    bot, alice, group = world.bot.user_id, world.roles["owner"], world.roles["main_group"]
    at_bot = codec.ui_event(world, {"kind": "message", "chat_type": "group", "chat_id": group, "sender_id": alice,
                                    "parts": [{"type": "Quote", "id": "1001"}, {"type": "At", "target": bot},
                                              {"type": "Plain", "text": " hi"}]})
    assert at_bot is not None and at_bot.capabilities[0] == "event:message.received"
    payload = at_bot.injection.frames[0]["message"]["payload"]
    assert payload["mention"] == {"uids": [bot]} and payload["reply"]["message_id"] == "1001"
    other = codec.ui_event(world, {"kind": "message", "chat_type": "group", "chat_id": group, "sender_id": alice,
                                   "parts": [{"type": "At", "target": world.roles["admin"]}]})
    assert other is None, "a group message mentioning someone else never reaches the robot (event.go:71)"
    image = codec.ui_event(world, {"kind": "message", "chat_type": "private", "chat_id": alice, "sender_id": alice,
                                   "parts": [{"type": "Image", "media": world.roles["image"]}]})
    assert image is not None and image.injection.frames[0]["message"]["payload"]["type"] == 2
    query = codec.ui_event(world, {"kind": "inline_query", "user_id": alice, "query": "q"})
    assert query is not None and query.injection.frames[0]["inline_query"]["query"] == "q"
