"""The KOOK simulator over real HTTP and WebSocket on 127.0.0.1: gateway/index hands out the simulator's own gateway,
HELLO within the adapter's deadline, events with increasing sn in zlib binary frames (compress=1) or text frames,
ping/pong, resume with replay, reconnect; the API v3 answered from the world in KOOK's envelope and codes (sends
read as a user sees them: text, KMarkdown, mentions, quotes, media by URL, cards), uploads, faults (429 with KOOK's
rate-limit headers, 5xx, unanswered pings, a late HELLO, a mid-stream close) and the token kept out of evidence."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from typing import Any, AsyncIterator

import aiohttp
import pytest

from acceptance_fixtures.platforms.kook import PLATFORM
from acceptance_fixtures.platforms.kook import objects as kk
from acceptance_fixtures.platforms.kook.codec import KookCodec
from acceptance_fixtures.platforms.kook.markup import card_components, text_components
from acceptance_fixtures.platforms.kook.rest import asset_url
from acceptance_fixtures.simulator.server import SimulatorServer
from harness.evidence import EvidenceWriter, MemorySink
from harness.secret_scan import scan
from tests.platforms.kook.double import KookDouble

pytestmark = pytest.mark.unit
TOKEN = "1/MTAwMDA=/acceptance+kook-token=="


@contextlib.asynccontextmanager
async def kook(compress: int = 1, ping: float = 30.0) -> AsyncIterator[tuple[SimulatorServer, KookDouble, MemorySink]]:
    sink = MemorySink()
    writer = EvidenceWriter(sink, run_id="t", framework="langbot", framework_version="4.11.2")
    sim = SimulatorServer(KookCodec(access_token=TOKEN, heartbeat_interval=ping), world=PLATFORM.world(), writer=writer)
    double = KookDouble(TOKEN, compress=compress)
    async with sim:
        double.simulator_url = sim.base_url
        try:
            await double.dial({})
            await sim.wait_connected(5)
            yield sim, double, sink
        finally:
            await double.close()


def received(sink: MemorySink, action: str | None = None) -> list[dict]:
    return [r for r in sink.records if r["record"] == "platform_received" and (action is None or r["action"] == action)]


def findings(sink: MemorySink) -> list[str]:
    return [r["message"] for r in sink.records if r["record"] == "finding"]


@pytest.mark.parametrize("compress", [1, 0])
async def test_gateway_index_hello_and_events_with_increasing_sn(compress: int) -> None:
    async with kook(compress) as (sim, double, sink):
        assert double.hello["d"]["code"] == 0 and double.hello["d"]["session_id"]
        url = received(sink, "gateway/index")[0]
        assert url["observed"]["compress"] == compress
        for name in ("message.group.plain", "message.group.image", "system.added_reaction"):
            await sim.inject(name)
        await double.next_frame(lambda f: f.get("s") == 0 and f["d"].get("extra", {}).get("type") == "added_reaction")
        events = double.events
        assert [e["sn"] for e in events] == [1, 2, 3]
        assert (double.binary > 0) == bool(compress)
        assert events[0]["d"]["channel_type"] == "GROUP" and events[0]["d"]["type"] == kk.KMARKDOWN
        assert events[1]["d"]["type"] == kk.IMAGE and events[1]["d"]["content"].startswith("https://img.kookapp.cn/")
        assert events[2]["d"]["type"] == kk.SYSTEM


async def test_ping_pong_and_unanswered_pings() -> None:
    async with kook() as (sim, double, sink):
        await double.ping(0)
        await double.next_frame(lambda f: f.get("s") == 3)
        await sim.set_faults({"gateway": {"silent_heartbeats": True}})
        before = len([f for f in double.frames if f.get("s") == 3])
        await double.ping(0)
        await asyncio.sleep(0.3)
        assert len([f for f in double.frames if f.get("s") == 3]) == before
        assert any("silent_heartbeats" in m for m in findings(sink))


async def test_a_silent_client_is_timed_out() -> None:
    async with kook(ping=0.4) as (sim, double, sink):
        await sim.wait_disconnected(5)
        assert any("heartbeat_timeout" in m for m in findings(sink))


async def test_resume_replays_what_was_missed_then_acks() -> None:
    async with kook() as (sim, double, sink):
        await sim.inject("message.group.plain")
        await double.next_frame(lambda f: f.get("s") == 0)
        session = double.hello["d"]["session_id"]
        await sim.drop_connection()
        await sim.wait_disconnected(5)
        await sim.codec.gateway.dispatch("message", {"type": 1, "content": "missed"})  # buffered for the session
        ws_url = sim.codec.gateway_url(0) + f"&resume=1&sn=1&session_id={session}"
        async with aiohttp.ClientSession() as s, s.ws_connect(ws_url) as ws:
            frames = [json.loads((await ws.receive(timeout=5)).data) for _ in range(3)]
        assert frames[0]["s"] == 1 and frames[1] == {"s": 0, "d": {"type": 1, "content": "missed"}, "sn": 2}
        assert frames[2]["s"] == 6 and frames[2]["d"]["session_id"] == session
        assert any("resumed" in m for m in findings(sink))


async def test_reconnect_signal_and_a_new_connection_is_recorded() -> None:
    async with kook() as (sim, double, sink):
        await sim.codec.gateway.request_reconnect()
        frame = await double.next_frame(lambda f: f.get("s") == 5)
        assert frame["d"]["code"] == 41008
        await double.dial({})
        await sim.wait_connected(5)
        assert any("reconnected" in m for m in findings(sink))


async def test_late_hello_misses_the_deadline_and_a_bad_gateway_token_is_refused() -> None:
    async with kook() as (sim, double, sink):
        await sim.set_faults({"gateway": {"hello_delay": 7}})
        await sim.drop_connection()
        t0 = time.monotonic()
        with pytest.raises(ConnectionError, match="no HELLO"):
            await double.dial({})
        assert time.monotonic() - t0 < 8
        assert any("hello_delay" in m for m in findings(sink))
        await sim.clear_faults()
        async with aiohttp.ClientSession() as s, s.ws_connect(sim.base_url.replace("http", "ws") + "/gateway?compress=0&token=wrong") as ws:
            hello = json.loads((await ws.receive(timeout=5)).data)
            assert hello == {"s": 1, "d": {"code": 40103}}
            assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_sends_are_read_as_a_user_sees_them() -> None:
    async with kook() as (sim, double, sink):
        w = sim.world
        main, alice, quote = w.roles["main_group"], w.roles["owner"], w.roles["quote_message"]
        status, body = await double.call("message/create", {"target_id": main, "type": 9, "quote": quote,
                                                            "content": f"**hi** (met){alice}(met) (met)all(met) (emj)party(emj)[{kk.EMOJIS[2][1]}]"})
        assert status == 200 and body["code"] == 0 and body["data"]["msg_id"]
        rec = received(sink, "message/create")[-1]["observed"]
        assert rec["components"] == [{"type": "Quote", "id": quote}, {"type": "Plain", "text": "hi "},
                                     {"type": "At", "target": alice}, {"type": "Plain", "text": " "}, {"type": "AtAll"},
                                     {"type": "Plain", "text": " "}, {"type": "Face", "face_type": "emoji", "face_id": 2, "name": "party"}]
        assert rec["args"] == {"target_type": "group", "target_id": main}
        # type 1 keeps markers; media by the world's URL; an unknown URL is refused
        await double.call("direct-message/create", {"target_id": alice, "type": 1, "content": "a *b* c"})
        rec = received(sink, "direct-message/create")[-1]["observed"]
        assert rec["components"] == [{"type": "Plain", "text": "a *b* c"}] and rec["args"]["target_type"] == "person"
        await double.call("message/create", {"target_id": main, "type": 2, "content": w.media_url("image.png")})
        rec = received(sink, "message/create")[-1]["observed"]
        assert rec["components"][0]["sha256"] == w.media["image.png"].sha256
        _, body = await double.call("message/create", {"target_id": main, "type": 2, "content": "https://example.com/x.png"})
        assert body["code"] == 40000
        _, body = await double.call("message/create", {"target_id": main, "type": 1, "content": ""})
        assert body["code"] == 40000 and "不能为空" in body["message"]


async def test_reads_and_writes_against_the_world() -> None:
    async with kook() as (sim, double, sink):
        w = sim.world
        main, alice = w.roles["main_group"], w.roles["owner"]
        _, body = await double.call("channel/view", {"target_id": main})
        assert body["data"]["name"] == "Acceptance Lab" and body["data"]["guild_id"] == kk.GUILD_ID
        assert received(sink, "channel/view")[-1]["observed"]["truth"]["group"]["id"] == main
        _, body = await double.call("user/view", {"user_id": alice})
        assert body["data"]["username"] == "Alice" and body["data"]["identify_num"]
        _, body = await double.call("user/me", {})
        assert body["data"]["id"] == w.bot.user_id and body["data"]["bot"] is True
        _, body = await double.call("guild/view", {"guild_id": kk.GUILD_ID})
        assert {c["id"] for c in body["data"]["channels"]} == set(w.groups)
        _, body = await double.call("channel/view", {"target_id": "404"})
        assert body["code"] == 40000 and body["message"] == "频道不存在"
        _, body = await double.call("message/create", {"target_id": main, "type": 9, "content": "to delete"})
        mid = body["data"]["msg_id"]
        _, body = await double.call("message/delete", {"msg_id": mid})
        assert body["code"] == 0 and received(sink, "message/delete")[-1]["observed"]["after"] == {"message_recalled": True}
        _, body = await double.call("message/view", {"msg_id": w.roles["quote_message"]})
        assert body["data"]["content"] == "Original message to quote"
        _, body = await double.call("message/add-reaction", {"msg_id": w.roles["quote_message"], "emoji": "👍"})
        assert body["code"] == 0
        status, body = await double.call("nope/route", {}, method="GET")
        assert status == 404


async def test_asset_upload_and_download() -> None:
    async with kook() as (sim, double, sink):
        form = aiohttp.FormData()
        form.add_field("file", b"hello asset", filename="a.txt", content_type="text/plain")
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{sim.base_url}/api/v3/asset/create", data=form, headers={"Authorization": f"Bot {TOKEN}"}) as r:
                body = await r.json()
            url = body["data"]["url"]
            assert url.startswith("https://img.kookapp.cn/assets/")
            async with s.get(sim.base_url + url.split("img.kookapp.cn", 1)[1]) as r:
                assert await r.read() == b"hello asset"
        assert received(sink, "asset/create")[-1]["observed"]["upload"]["sha256"] == hashlib.sha256(b"hello asset").hexdigest()
        _, body = await double.call("message/create", {"target_id": sim.world.roles["main_group"], "type": 4, "content": url})
        assert body["code"] == 0


async def test_rate_limit_server_error_and_wrong_token() -> None:
    async with kook() as (sim, double, sink):
        await sim.set_faults({"error": {"retcode": 429, "retry_after": 3, "actions": ["message/create"]}})
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{sim.base_url}/api/v3/message/create", json={"target_id": sim.world.roles["main_group"],
                              "type": 1, "content": "x"}, headers={"Authorization": f"Bot {TOKEN}"}) as r:
                assert r.status == 429 and r.headers["X-Rate-Limit-Reset"] == "3"
                assert (await r.json())["code"] == 429
            await sim.set_faults({"error": {"retcode": 502, "message": "Bad Gateway", "actions": ["user/me"]}})
            async with s.get(f"{sim.base_url}/api/v3/user/me", headers={"Authorization": f"Bot {TOKEN}"}) as r:
                assert r.status == 502 and (await r.json()) == {"code": 502, "message": "Bad Gateway", "data": {}}
            async with s.get(f"{sim.base_url}/api/v3/user/me", headers={"Authorization": "Bot wrong"}) as r:
                assert r.status == 401 and (await r.json())["code"] == 401


async def test_card_and_kmarkdown_markup() -> None:
    assert text_components("**bold** ~~x~~ `c` [t](https://a.b) \\*lit\\*", kmarkdown=True) == [
        {"type": "Plain", "text": "bold x c t *lit*"}]
    assert text_components("(rol)7000001(rol)(met)here(met)", kmarkdown=False) == [
        {"type": "At", "target": "role:7000001"}, {"type": "AtAll", "here": True}]
    comps, buttons = card_components(json.dumps([{"type": "card", "modules": [
        {"type": "section", "text": {"type": "kmarkdown", "content": "**Hi**"}},
        {"type": "container", "elements": [{"type": "image", "src": asset_url("image.png")}]},
        {"type": "action-group", "elements": [{"type": "button", "text": {"type": "plain-text", "content": "OK"}, "value": "ok"}]}]}]),
        lambda url: (b"png", "image/png", "image.png") if url.endswith("image.png") else None)
    assert comps == [{"type": "Plain", "text": "Hi"},
                     {"type": "Image", "url": asset_url("image.png"), "sha256": hashlib.sha256(b"png").hexdigest()}]
    assert buttons == [{"text": "OK", "data": "ok"}]


async def test_the_tokens_never_reach_the_evidence(tmp_path) -> None:
    path = tmp_path / "sim.jsonl"
    writer = EvidenceWriter.to_file(path, run_id="t", producer="simulator", secrets=[TOKEN])
    codec = KookCodec(access_token=TOKEN)
    sim = SimulatorServer(codec, world=PLATFORM.world(), writer=writer)
    double = KookDouble(TOKEN)
    async with sim:
        double.simulator_url = sim.base_url
        await double.dial({})
        await sim.inject("message.group.plain")
        await double.call("message/create", {"target_id": sim.world.roles["main_group"], "type": 1, "content": f"echo {TOKEN}"})
        await sim.drop_connection()
        await double.dial({})
        await double.call("gateway/index", {"compress": 0})
        await double.close()
    writer.close()
    result = scan([path], [TOKEN, codec.gateway_token])
    assert result.leaks == []
    assert "gateway/index" in path.read_text("utf-8")
