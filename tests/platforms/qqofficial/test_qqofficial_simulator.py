"""The QQ Official simulator alone, over real HTTP and WebSocket on 127.0.0.1: the token endpoint, the OpenAPI's
checks and records, the op 13 validation with the Ed25519 key seeded from the secret, signed callbacks (and forged
ones), the gateway's IDENTIFY with ``QQBot <token>``."""

from __future__ import annotations

import base64
import json

import aiohttp
import pytest

from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.qqofficial import objects as qq
from acceptance_fixtures.platforms.qqofficial.rest import text_components
from harness.evidence import EvidenceWriter, MemorySink
from tests.platforms.adapter_double import running
from tests.platforms.qqofficial.double import QQOfficialDouble

pytestmark = pytest.mark.unit
SECRET = "qq-app-secret-for-the-simulator-tests"


def test_seed_repeats_the_secret_to_32_bytes_and_signatures_verify():
    assert qq.seed("abc") == (b"abc" * 11)[:32]
    sig = qq.sign(SECRET, b"1700000000token")
    assert qq.verify(SECRET, b"1700000000token", sig)
    assert not qq.verify("y" + SECRET, b"1700000000token", sig)
    assert qq.verify(SECRET + "x", b"1700000000token", sig), "only the first 32 bytes of the secret seed the key"
    assert not qq.verify(SECRET, b"1700000000token", "00" * 64)


def test_text_components_read_mentions_everyone_and_faces():
    world = qq.qq_world()
    comps = text_components(world, '<@!42> hi <@7> @everyone <emoji:4><faceType=1,faceId="13",ext="x">!')
    assert comps == [{"type": "At", "target": "42"}, {"type": "Plain", "text": " hi "}, {"type": "At", "target": "7"},
                     {"type": "Plain", "text": " "}, {"type": "AtAll"}, {"type": "Plain", "text": " "},
                     {"type": "Face", "face_id": "4"}, {"type": "Face", "face_id": "13"}, {"type": "Plain", "text": "!"}]


async def test_token_endpoint_refuses_a_wrong_secret_and_the_api_wants_the_token():
    sink = MemorySink()
    double = QQOfficialDouble(SECRET)
    async with running(double, platform_named("qqofficial"), "langbot", "websocket",
                       writer=EvidenceWriter(sink, run_id="t", producer="simulator")) as pair:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{pair.sim.base_url}/app/getAppAccessToken",
                                 json={"appId": qq.APP_ID, "clientSecret": "wrong"}) as resp:
                assert resp.status == 401 and (await resp.json())["code"] == 100016
            async with http.get(f"{pair.sim.base_url}/gateway", headers={"Authorization": "QQBot nope"}) as resp:
                assert resp.status == 401 and (await resp.json())["code"] == 11244
    text = json.dumps(sink.records)
    assert SECRET not in text and "wrong" not in text, "the client secret is never recorded"


async def test_uploads_and_rich_media_messages_are_recorded_as_the_medium():
    double = QQOfficialDouble(SECRET)
    async with running(double, platform_named("qqofficial"), "langbot", "websocket") as pair:
        world = pair.sim.world
        group = world.roles["main_group"]
        image = world.media["image.png"]
        status, up = await double.call("groupFile", {"id": group, "file_type": 1, "srv_send_msg": False,
                                                     "file_data": base64.b64encode(image.data).decode()})
        assert status == 200 and up["file_info"]
        status, sent = await double.call("groupMessage", {"id": group, "msg_type": 7, "media": {"file_info": up["file_info"]},
                                                          "msg_seq": 2})
        assert status == 200 and sent["id"]
        rec = pair.sim.received("groupMessage")[-1]
        assert rec.observed["components"][0]["type"] == "Image" and rec.observed["components"][0]["sha256"] == image.sha256
        assert rec.observed["args"] == {"target_type": "group", "target_id": group}
        status, body = await double.call("groupMessage", {"id": "4099999999", "content": "x", "msg_type": 0})
        assert status == 400 and body["code"]
        status, body = await double.call("channelMessage", {"id": qq.CHANNEL, "content": "<@!3000000103> look", "msg_id": "1"})
        assert status == 200
        assert pair.sim.received("channelMessage")[-1].observed["components"][0] == {"type": "At", "target": "3000000103"}


async def test_gateway_identify_needs_the_issued_token():
    double = QQOfficialDouble(SECRET)
    async with running(double, platform_named("qqofficial"), "langbot", "websocket") as pair:
        status, body = await double.call("gateway", {})
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(body["url"]) as ws:
                hello = json.loads((await ws.receive(timeout=5)).data)
                assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
                await ws.send_str(json.dumps({"op": 2, "d": {"token": "QQBot not-issued", "intents": 1, "shard": [0, 1]}}))
                msg = await ws.receive(timeout=5)
                assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
                assert ws.close_code == 4004 or msg.data == 4004
        injected = await pair.sim.inject("c2c.plain")
        event = await double.next_event(lambda e: e.get("t") == "C2C_MESSAGE_CREATE")
        assert event["d"]["author"]["user_openid"] == injected.refs["sender_id"] and event["s"] >= 2


async def test_webhook_validation_and_signed_callbacks():
    sink = MemorySink()
    double = QQOfficialDouble(SECRET)
    async with running(double, platform_named("qqofficial"), "langbot", "webhook",
                       writer=EvidenceWriter(sink, run_id="t", producer="simulator")) as pair:
        assert pair.sim.received("callbackValidation")[-1].observed["signature_verified"] is True
        await pair.sim.inject("group.at")
        event = await double.next_event(lambda e: e.get("t") == "GROUP_AT_MESSAGE_CREATE")
        assert event["op"] == 0 and event["id"]
        # forged callbacks: this double accepts them, so the simulator writes a failed check for the event type
        await pair.sim.set_faults({"forge_signatures": True})
        await pair.sim.inject("c2c.plain")
        checks = [r for r in sink.records if r["record"] == "check"]
        assert checks and checks[-1]["status"] == "failed" and checks[-1]["capabilities"] == ["event:message.received"]


async def test_webhook_validation_with_a_wrong_key_never_connects():
    class WrongKey(QQOfficialDouble):
        async def _callback(self, request):
            from aiohttp import web

            payload = await request.json()
            d = payload["d"]
            return web.json_response({"plain_token": d["plain_token"], "signature": qq.sign("another-secret", b"x")})

    platform = platform_named("qqofficial")
    double = WrongKey(SECRET)
    with pytest.raises(AssertionError):
        async with running(double, platform, "langbot", "webhook"):
            pass


async def test_a_passive_reply_repeating_msg_id_and_msg_seq_is_deduplicated():
    double = QQOfficialDouble(SECRET)
    async with running(double, platform_named("qqofficial"), "langbot", "websocket") as pair:
        group = pair.sim.world.roles["main_group"]
        reply = {"id": group, "content": "first", "msg_type": 0, "msg_id": "1001", "msg_seq": 1}
        assert (await double.call("groupMessage", reply))[0] == 200
        status, body = await double.call("groupMessage", {**reply, "content": "second"})
        assert status == 400 and body["code"] == 40054005
        assert (await double.call("groupMessage", {**reply, "content": "second", "msg_seq": 2}))[0] == 200
        assert (await double.call("groupMessage", {"id": group, "content": "proactive", "msg_type": 0}))[0] == 200
