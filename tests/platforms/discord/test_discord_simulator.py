"""The Discord simulator alone, over real HTTP and WebSocket on 127.0.0.1 (no framework): login routes, REST errors
in Discord's shape (401, Unknown Channel for a user id, an empty message, 429 with retry_after and headers), multipart
uploads by sha256, the gateway's READY and GUILD_CREATE, member chunks on op 8, intents, and the MESSAGE_CREATE a
sent message causes."""

from __future__ import annotations

import asyncio
import hashlib
import json

import aiohttp
import pytest

from acceptance_fixtures.platforms import platform_named
from acceptance_fixtures.platforms.discord import objects as dc
from acceptance_fixtures.platforms.discord.codec import DiscordCodec
from acceptance_fixtures.simulator import SimulatorServer

pytestmark = pytest.mark.unit
TOKEN = "discord-test-token-0123456789abcdef"
WAIT = 5.0


class Bot:
    def __init__(self, sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
        self.sim, self.http = sim, http
        self.api = f"{sim.base_url}/api/v10"
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[dict] = []

    async def rest(self, method: str, path: str, *, token: str | None = TOKEN, **kw):
        headers = {"Authorization": f"Bot {token}"} if token else {}
        async with self.http.request(method, self.api + path, headers=headers, **kw) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None), resp.headers

    async def connect(self, intents: int = 3276799) -> dict:
        self.ws = await self.http.ws_connect(self.sim.base_url.replace("http", "ws") + "/gateway?v=10&encoding=json")
        hello = json.loads((await self.ws.receive(timeout=WAIT)).data)
        assert hello["op"] == 10
        await self.ws.send_str(json.dumps({"op": 2, "d": {"token": TOKEN, "intents": intents, "properties": {}}}))
        return json.loads((await self.ws.receive(timeout=WAIT)).data)

    async def until(self, event: str) -> dict:
        async def loop() -> dict:
            while True:
                frame = json.loads((await self.ws.receive(timeout=WAIT)).data)
                self.frames.append(frame)
                if frame.get("t") == event:
                    return frame
        return await asyncio.wait_for(loop(), WAIT)


@pytest.fixture
async def bot():
    platform = platform_named("discord")
    sim = SimulatorServer(DiscordCodec(access_token=TOKEN), world=platform.world())
    async with sim:
        async with aiohttp.ClientSession() as http:
            b = Bot(sim, http)
            yield b
            if b.ws is not None:
                await b.ws.close()


async def test_login_routes_and_discords_error_shapes(bot: Bot) -> None:
    status, me, headers = await bot.rest("GET", "/users/@me")
    assert status == 200 and me["id"] == bot.sim.world.bot.user_id and me["bot"] is True
    assert headers["Content-Type"] == "application/json" and "X-RateLimit-Remaining" in headers and headers["Via"]
    status, app, _ = await bot.rest("GET", "/oauth2/applications/@me")
    assert status == 200 and app["id"] == me["id"] and app["bot_public"] is True
    assert (await bot.rest("GET", "/users/@me", token="wrong"))[:2] == (401, {"message": "401: Unauthorized", "code": 0})
    alice = bot.sim.world.roles["owner"]
    status, body, _ = await bot.rest("GET", f"/channels/{alice}")  # a user's id is not a channel's
    assert (status, body["code"], body["message"]) == (404, 10003, "Unknown Channel")
    channel = dc.general(bot.sim.world.roles["main_group"])
    status, body, _ = await bot.rest("POST", f"/channels/{channel}/messages", json={"content": ""})
    assert (status, body["code"]) == (400, 50006)


async def test_rate_limit_answers_429_with_retry_after_and_headers(bot: Bot) -> None:
    await bot.sim.set_faults({"error": {"retcode": 429, "retry_after": 2, "actions": ["create_message"]}})
    channel = dc.general(bot.sim.world.roles["main_group"])
    status, body, headers = await bot.rest("POST", f"/channels/{channel}/messages", json={"content": "hi"})
    assert status == 429 and body == {"message": "You are being rate limited.", "retry_after": 2.0, "global": False}
    assert headers["Retry-After"] == "2" and headers["X-RateLimit-Remaining"] == "0" and headers["Via"]
    assert bot.sim.received("create_message")[-1].fault == "error"
    await bot.sim.set_faults({"error": {"retcode": 502, "message": "Bad Gateway", "actions": ["get_guild"]}})
    status, body, _ = await bot.rest("GET", f"/guilds/{bot.sim.world.roles['main_group']}")
    assert status == 502 and body["message"] == "502: Bad Gateway"


async def test_ready_guild_create_chunks_and_a_sent_message_dispatch(bot: Bot) -> None:
    ready = await bot.connect()
    world = bot.sim.world
    assert ready["t"] == "READY" and {g["id"] for g in ready["d"]["guilds"]} == {g.group_id for g in world.bot_groups()}
    guild = await bot.until("GUILD_CREATE")
    assert guild["d"]["unavailable"] is False and guild["d"]["system_channel_id"] == dc.general(guild["d"]["id"])
    assert [m["user"]["id"] for m in guild["d"]["members"]] == [world.bot.user_id]  # no presence intent: only the bot
    assert guild["d"]["member_count"] == len(world.group(guild["d"]["id"]).members)
    await bot.ws.send_str(json.dumps({"op": 8, "d": {"guild_id": guild["d"]["id"], "query": "", "limit": 0, "nonce": "n1"}}))
    chunk = await bot.until("GUILD_MEMBERS_CHUNK")
    assert chunk["d"]["nonce"] == "n1" and len(chunk["d"]["members"]) == guild["d"]["member_count"]
    channel = dc.general(world.roles["main_group"])
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps({"content": f"hello <@{world.roles['owner']}>",
                                               "attachments": [{"id": 0, "filename": "a.png"}]}))
    png = world.media[world.roles["image"]].data
    form.add_field("files[0]", png, filename="a.png", content_type="image/png")
    status, msg, _ = await bot.rest("POST", f"/channels/{channel}/messages", data=form)
    assert status == 200 and msg["attachments"][0]["url"].startswith(dc.CDN)
    rec = bot.sim.received("create_message")[-1]
    assert rec.observed["components"][:2] == [{"type": "Plain", "text": "hello "}, {"type": "At", "target": world.roles["owner"]}]
    assert rec.observed["components"][2]["sha256"] == hashlib.sha256(png).hexdigest()
    assert rec.observed["args"] == {"target_type": "group", "target_id": channel}
    created = await bot.until("MESSAGE_CREATE")
    assert created["d"]["id"] == msg["id"] and created["d"]["author"]["id"] == world.bot.user_id


async def test_intents_withhold_events_and_message_content(bot: Bot) -> None:
    await bot.connect(intents=(1 << 0) | (1 << 9))  # GUILDS and GUILD_MESSAGES, no MESSAGE_CONTENT nor GUILD_MEMBERS
    await bot.sim.inject("message.guild.plain")
    frame = await bot.until("MESSAGE_CREATE")
    assert frame["d"]["content"] == ""  # no message content intent, the bot not mentioned
    await bot.sim.inject("member.joined")
    await asyncio.sleep(0.2)
    assert bot.sim.codec.status()["withheld"] == {"GUILD_MEMBER_ADD": 1}
    await bot.sim.inject("message.guild.at")  # mentions the bot: content is sent
    assert (await bot.until("MESSAGE_CREATE"))["d"]["content"].startswith(f"<@{bot.sim.world.bot.user_id}>")
