"""The Tailchat simulator over real HTTP on 127.0.0.1: login and its error, sendMessage understood from the markup
and meta, lookups with their truth, pushes to chosen robot ids side by side, the scenario catalogue, the mutants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from acceptance_fixtures.adapter_plugins.mutants_tailchat import MUTANTS, mutate_tailchat
from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.tailchat import markup
from acceptance_fixtures.platforms.tailchat import objects as tc
from acceptance_fixtures.platforms.tailchat.bindings import free_port
from acceptance_fixtures.platforms.tailchat.codec import CALLBACK_PREFIX, ROUTES, Robot, TailchatCodec
from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.world import ALICE, BOB, BOT_ID, FILE, IMAGE, MAIN_GROUP, QUOTE_MESSAGE_ID
from harness.evidence import EvidenceWriter, MemorySink

pytestmark = pytest.mark.unit
PLUGIN = Path(__file__).resolve().parents[3] / "fixtures/adapter_plugins/reference_tailchat"
SECRET = "tc-secret-Hq2/x+9"


class Callbacks:
    """A stand-in callback endpoint: records what reaches each robot id's route."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str | None, dict, str | None]] = []
        self.runner: web.AppRunner | None = None
        self.port = free_port()

    async def _cb(self, request: web.Request) -> web.Response:
        self.got.append((request.match_info["robot_id"], request.query.get("token"), await request.json(),
                         request.headers.get("X-TC-Payload-Type")))
        return web.json_response({"ok": True})

    async def __aenter__(self) -> "Callbacks":
        app = web.Application()
        app.router.add_post(CALLBACK_PREFIX + "{robot_id}", self._cb)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()

    def robot(self, rid: str, app: str, user: str, token: str) -> Robot:
        return Robot(rid, app, SECRET, user, f"http://127.0.0.1:{self.port}{CALLBACK_PREFIX}{rid}", token)


async def _post(sim: SimulatorServer, action: str, body: dict, jwt: str | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(sim.base_url + ROUTES[action], json=body, headers={"X-Token": jwt} if jwt else {}) as r:
            return r.status, await r.json()


async def _login(sim: SimulatorServer, app: str) -> str:
    status, body = await _post(sim, "login", {"appId": app, "token": hashlib.md5((app + SECRET).encode()).hexdigest()})
    assert status == 200, body
    return body["data"]["jwt"]


async def test_login_checks_the_secret_and_secrets_stay_out_of_the_evidence() -> None:
    sink = MemorySink()
    async with Callbacks() as cb:
        codec = TailchatCodec([cb.robot("r1", "app-1", BOT_ID, "cbtok-1")])
        async with SimulatorServer(codec, world=platform_named("tailchat").world(),
                                   writer=EvidenceWriter(sink, run_id="t", producer="simulator")) as sim:
            status, body = await _post(sim, "login", {"appId": "app-1", "token": hashlib.md5(b"app-1wrong").hexdigest()})
            assert status == 500 and body == {"code": 500, "message": "Auth failed."} and not sim.connected
            jwt = await _login(sim, "app-1")
            assert sim.connected
            assert (await _post(sim, "getUserInfo", {"userId": ALICE}))[0] == 401, "no X-Token, no answer"
            status, body = await _post(sim, "getUserInfo", {"userId": ALICE}, jwt)
            assert status == 200 and body["data"]["nickname"] == "Alice"
            assert sim.received("getUserInfo")[-1].observed["truth"]["user"] == {"id": ALICE, "name": "Alice"}
    text = json.dumps(sink.records)
    assert SECRET not in text and jwt not in text and hashlib.md5(("app-1" + SECRET).encode()).hexdigest() not in text


async def test_send_message_is_understood_from_markup_and_meta() -> None:
    async with Callbacks() as cb:
        codec = TailchatCodec([cb.robot("r1", "app-1", BOT_ID, "cbtok-1")])
        async with SimulatorServer(codec, world=platform_named("tailchat").world()) as sim:
            jwt = await _login(sim, "app-1")
            w = sim.world
            content = (f"see {markup.mention(w, ALICE)} {markup.image(w.media_url(IMAGE))}"
                       f"{markup.file_card(w.media_url(FILE), FILE)}{markup.emoji('smile')}")
            body = {"converseId": tc.panel_id(MAIN_GROUP), "groupId": MAIN_GROUP, "content": content,
                    "meta": {"mentions": [ALICE], "reply": {"_id": QUOTE_MESSAGE_ID, "author": ALICE, "content": "x"}}}
            status, answer = await _post(sim, "sendMessage", body, jwt)
            assert status == 200 and answer["data"]["groupId"] == MAIN_GROUP and answer["data"]["author"] == BOT_ID
            obs = sim.received("sendMessage")[-1].observed
            assert obs["args"] == {"target_type": "group", "target_id": MAIN_GROUP}
            assert obs["components"] == [
                {"type": "Quote", "id": QUOTE_MESSAGE_ID, "sender_id": ALICE}, {"type": "Plain", "text": "see "},
                {"type": "At", "target": ALICE, "display": "Alice"}, {"type": "Plain", "text": " "},
                {"type": "Image", "url": w.media_url(IMAGE), "sha256": w.media[IMAGE].sha256},
                {"type": "File", "name": FILE, "url": w.media_url(FILE), "sha256": w.media[FILE].sha256},
                {"type": "Face", "face_type": "emoji", "face_id": "smile"}]
            dm = {"converseId": tc.dm_converse_id(BOB, BOT_ID), "content": "hi Bob"}
            assert await _post(sim, "sendMessage", dm, jwt) == (404, {"code": 404, "message": "没有找到会话信息"}), \
                "a direct-message converse exists only once created"
            status, created = await _post(sim, "createDMConverse", {"memberIds": [BOB]}, jwt)
            assert status == 200 and created["data"]["_id"] == dm["converseId"] and created["data"]["type"] == "DM"
            assert sorted(created["data"]["members"]) == sorted([BOT_ID, BOB])
            assert (await _post(sim, "createDMConverse", {"memberIds": [BOB]}, jwt))[1]["data"]["_id"] == dm["converseId"]
            assert (await _post(sim, "sendMessage", dm, jwt))[0] == 200
            assert sim.received("sendMessage")[-1].observed["args"] == {"target_type": "person", "target_id": BOB}
            assert (await _post(sim, "sendMessage", {**dm, "converseId": "f" * 24}, jwt))[0] == 404
            stored = (await _post(sim, "fetchNearbyMessage", {"converseId": dm["converseId"],
                                                                "messageId": sim.received("sendMessage")[-2].observed["message_id"]}, jwt))
            assert stored[0] == 200 and [m["content"] for m in stored[1]["data"]] == ["hi Bob"]


async def test_pushes_reach_the_chosen_robot_side_by_side() -> None:
    async with Callbacks() as cb:
        codec = TailchatCodec([cb.robot("r1", "app-1", BOT_ID, "tok-1"), cb.robot("r2", "app-2", "3000000002", "tok-2")])
        async with SimulatorServer(codec, world=platform_named("tailchat").world()) as sim:
            await _login(sim, "app-2")
            assert codec.robots["r2"].jwt and codec.robots["r1"].jwt is None
            assert sim.world.member(MAIN_GROUP, "3000000002") is not None, "a second robot sits in the bot's groups"
            injected = await sim.inject("message.group.at")  # mentions the default robot's bot user
            assert await codec.push("r2", {"type": "message", "userId": "3000000002", "payload": {}}) == 200
            assert await codec.push("r1", injected.frames[0], token="wrong") == 200  # the endpoint here checks nothing
            routed = [(rid, tok, item["userId"], kind) for rid, tok, item, kind in cb.got]
            assert routed == [("r1", "tok-1", BOT_ID, "inbox"), ("r2", "tok-2", "3000000002", "inbox"),
                              ("r1", "wrong", BOT_ID, "inbox")]
            await sim.drop_connection()
            assert not sim.connected and codec.robots["r2"].jwt is None


def test_scenarios_push_inbox_items_that_mention_the_bot(tmp_path: Path) -> None:
    platform = platform_named("tailchat")
    codec = platform.codec("astrbot", access_token=SECRET, bot_id="b1", stack=_stack(platform))
    world = platform.world()
    SimulatorServer(codec, world=world)
    world.media_base_url = "http://127.0.0.1:1/media"
    for s in codec.scenarios():
        item = s.build(world).frames[0]
        msg = world.message(item["payload"]["messageId"])
        mentions = msg.native[tc.PLATFORM]["meta"]["mentions"]
        assert item["type"] == "message" and item["userId"] == BOT_ID and BOT_ID in mentions, s.name
        assert (item["payload"]["groupId"] == tc.NO_GROUP) == (msg.chat_type == "private"), s.name
    assert {"message.group.reply", "message.private.plain", "message.group.file"} <= {s.name for s in codec.scenarios()}


def _stack(platform: Any) -> Any:
    from types import SimpleNamespace

    cfg = platform.adapter_config("astrbot", SECRET, simulator_url="http://127.0.0.1:9")
    return SimpleNamespace(bots={"b1": SimpleNamespace(adapter_config=cfg)})


def test_every_instance_config_shares_one_listen_port() -> None:
    platform = platform_named("tailchat")
    a, b = (platform.adapter_config("astrbot", SECRET, simulator_url="http://127.0.0.1:9") for _ in range(2))
    assert a["listen_port"] == b["listen_port"] and a["app_id"] != b["app_id"]
    assert a["callback_token"] != b["callback_token"]


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutants_apply_and_refuse_a_missing_target(mutant: str, tmp_path: Path) -> None:
    out = mutate_tailchat(PLUGIN, tmp_path / "m", mutant)
    rel, old, new, _ = MUTANTS[mutant]
    assert new in (out / rel).read_text("utf-8") and old not in (out / rel).read_text("utf-8")
    (out / rel).write_text("nothing to mutate", "utf-8")
    with pytest.raises(ValueError, match="not found"):
        mutate_tailchat(out, tmp_path / "again", mutant)


async def test_upload_answers_like_the_gateway_and_its_url_is_understood_in_a_message() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"acceptance" * 3
    async with Callbacks() as cb:
        codec = TailchatCodec([cb.robot("r1", "app-1", BOT_ID, "cbtok-1")])
        async with SimulatorServer(codec, world=platform_named("tailchat").world()) as sim:
            jwt = await _login(sim, "app-1")

            async def upload(headers: dict, with_file: bool = True) -> tuple[int, dict]:
                form = aiohttp.FormData()
                form.add_field("usage", "chat")
                if with_file:
                    form.add_field("file", png, filename="pic.png", content_type="image/png")
                async with aiohttp.ClientSession() as http:
                    async with http.post(sim.base_url + "/upload", data=form, headers=headers) as r:
                        return r.status, await r.json(content_type=None)

            assert (await upload({}))[0] == 401
            assert (await upload({"X-Token": jwt}, with_file=False)) == (400, {"code": 400, "message": "File missing in the request"})
            status, answer = await upload({"X-Token": jwt})
            etag = hashlib.md5(png).hexdigest()
            assert status == 200 and answer == {"etag": etag, "path": f"tailchat/files/{BOT_ID}/{etag}.png",
                                                "url": f"{{BACKEND}}/static/files/{BOT_ID}/{etag}.png"}, answer
            async with aiohttp.ClientSession() as http:
                async with http.get(sim.base_url + f"/static/files/{BOT_ID}/{etag}.png") as r:
                    assert r.status == 200 and await r.read() == png
            body = {"converseId": tc.panel_id(MAIN_GROUP), "groupId": MAIN_GROUP, "content": f"[img]{answer['url']}[/img]"}
            assert (await _post(sim, "sendMessage", body, jwt))[0] == 200
            assert sim.received("sendMessage")[-1].observed["components"] == [
                {"type": "Image", "url": answer["url"], "sha256": hashlib.sha256(png).hexdigest(),
                 "media": sim.world.media_by_url(sim.world.media_url("upload-0001.png")).name}]
            assert sim.received("upload")[-1].observed["args"] == {"filename": "pic.png", "size": len(png), "usage": "chat"}
