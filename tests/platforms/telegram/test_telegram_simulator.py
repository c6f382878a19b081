"""The Telegram Bot API simulator over real HTTP on 127.0.0.1: long polling (offset, timeout, allowed updates),
methods answered from the world with Telegram's shapes and errors, uploads and downloads by file id, faults
(429 with retry_after, 5xx, a hanging poll, a dropped download) and the token kept out of evidence."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from typing import Any, AsyncIterator

import aiohttp
import pytest

from acceptance_fixtures.platforms.telegram import PLATFORM
from acceptance_fixtures.platforms.telegram.bot_api import decode_params
from acceptance_fixtures.platforms.telegram.codec import TelegramCodec
from acceptance_fixtures.platforms.telegram.markup import render_markdown_v2, rendered, text_components
from acceptance_fixtures.simulator.server import SimulatorServer
from harness.evidence import EvidenceWriter, MemorySink

pytestmark = pytest.mark.unit
TOKEN = "3000000001:AAEacceptance-token_value-for-tests"


class Client:
    """A bot's side of the Bot API, as python-telegram-bot speaks it (form fields, JSON-encoded non-strings)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str = TOKEN) -> None:
        self.session, self.base, self.token = session, base, token

    async def call(self, method: str, _files: dict[str, tuple[str, bytes, str]] | None = None, **params: Any) -> tuple[int, dict]:
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        if _files:
            form = aiohttp.FormData()
            for k, v in fields.items():
                form.add_field(k, v)
            for name, (filename, data, ctype) in _files.items():
                form.add_field(name, data, filename=filename, content_type=ctype)
            body: Any = form
        else:
            body = fields
        async with self.session.post(f"{self.base}/bot{self.token}/{method}", data=body) as resp:
            return resp.status, await resp.json()


@contextlib.asynccontextmanager
async def telegram() -> AsyncIterator[tuple[SimulatorServer, Client, MemorySink]]:
    sink = MemorySink()
    writer = EvidenceWriter(sink, run_id="t", framework="langbot", framework_version="4.11.2")
    sim = SimulatorServer(TelegramCodec(access_token=TOKEN, idle_after=2.0), world=PLATFORM.world(), writer=writer)
    async with sim, aiohttp.ClientSession() as session:
        yield sim, Client(session, sim.base_url), sink


def received(sink: MemorySink, action: str | None = None) -> list[dict]:
    return [r for r in sink.records if r["record"] == "platform_received" and (action is None or r["action"] == action)]


async def test_get_me_then_long_polling_delivers_confirms_and_holds() -> None:
    async with telegram() as (sim, bot, _):
        status, me = await bot.call("getMe")
        assert status == 200 and me["result"]["is_bot"] is True and me["result"]["username"].lower().endswith("bot")
        assert not sim.connected
        status, empty = await bot.call("getUpdates", timeout=0)
        assert (status, empty) == (200, {"ok": True, "result": []}) and sim.connected
        main = sim.world.roles["main_group"]
        await sim.inject_raw(PLATFORM.trigger_frame(sim.world, "one"))
        await sim.inject_raw(PLATFORM.trigger_frame(sim.world, "two"))
        _, got = await bot.call("getUpdates", timeout=5, limit=1)
        first = got["result"]
        assert len(first) == 1 and first[0]["message"]["text"] == "one" and first[0]["message"]["chat"]["id"] == int(main)
        # not confirmed yet: asked again without an offset, the same update comes back, then both
        _, again = await bot.call("getUpdates", timeout=0)
        assert [u["update_id"] for u in again["result"]] == [first[0]["update_id"], first[0]["update_id"] + 1]
        _, rest = await bot.call("getUpdates", offset=first[0]["update_id"] + 1, timeout=0)
        assert [u["message"]["text"] for u in rest["result"]] == ["two"]
        # everything confirmed: a poll with a timeout is held, then answered empty
        t0 = time.monotonic()
        _, held = await bot.call("getUpdates", offset=rest["result"][0]["update_id"] + 1, timeout=1)
        assert held["result"] == [] and time.monotonic() - t0 >= 0.9
        # a poll waiting when an update arrives gets it at once
        poll = asyncio.create_task(bot.call("getUpdates", timeout=10))
        await asyncio.sleep(0.2)
        await sim.inject_raw(PLATFORM.trigger_frame(sim.world, "three"))
        _, woke = await asyncio.wait_for(poll, 3)
        assert [u["message"]["text"] for u in woke["result"]] == ["three"]


async def test_opt_in_update_kinds_reach_only_a_bot_that_asks_for_them() -> None:
    async with telegram() as (sim, bot, _):
        await bot.call("getUpdates", timeout=0)
        reaction = next(s for s in sim.scenarios() if s.name == "message.group.reaction")
        await sim.inject(reaction.name)
        _, got = await bot.call("getUpdates", timeout=0)
        assert got["result"] == [] and sim.codec.queue.stats.filtered_out == 1  # Telegram's default leaves it out
        await bot.call("getUpdates", timeout=0, allowed_updates=["message", "message_reaction"])
        await sim.inject(reaction.name)
        _, got = await bot.call("getUpdates", timeout=0)
        assert [list(u)[1] for u in got["result"]] == ["message_reaction"]


async def test_a_wrong_token_is_refused_and_never_recorded() -> None:
    async with telegram() as (sim, bot, sink):
        status, body = await Client(bot.session, bot.base, "123:wrong").call("getMe")
        assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        await bot.call("sendMessage", chat_id=sim.world.roles["main_group"], text=f"token {TOKEN}")
        text = json.dumps(sink.records)
        assert TOKEN not in text and sim.codec.unauthorized == 1


async def test_send_message_renders_markdown_v2_and_records_components_args_and_reply() -> None:
    async with telegram() as (sim, bot, sink):
        main = sim.world.roles["main_group"]
        quote = sim.world.roles["quote_message"]
        status, body = await bot.call("sendMessage", chat_id=main, text="hello\\. *bold* @carol", parse_mode="MarkdownV2",
                                      reply_parameters={"message_id": int(quote)})
        assert status == 200 and body["result"]["text"] == "hello. bold @carol"
        assert body["result"]["reply_to_message"]["message_id"] == int(quote)
        rec = received(sink, "sendMessage")[-1]["observed"]
        carol = sim.world.roles["member"]
        assert rec["components"] == [{"type": "Quote", "id": quote}, {"type": "Plain", "text": "hello. bold "},
                                     {"type": "At", "target": carol}]
        assert rec["args"] == {"target_type": "group", "target_id": main}


async def test_errors_have_telegrams_shape() -> None:
    async with telegram() as (sim, bot, _):
        assert await bot.call("sendMessage", chat_id="-1009999", text="x") == (
            400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
        assert (await bot.call("sendMessage", chat_id=sim.world.roles["main_group"]))[1]["description"] == \
            "Bad Request: message text is empty"
        assert await bot.call("noSuchMethod") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
        # the bot is only a member of the invite group: it may not rename it
        _, body = await bot.call("setChatTitle", chat_id=sim.world.roles["invite_group"], title="x")
        assert body["error_code"] == 403


async def test_faults_429_with_retry_after_5xx_and_offline() -> None:
    async with telegram() as (sim, bot, sink):
        await sim.set_faults({"error": {"retcode": 429, "retry_after": 7, "actions": ["sendMessage"]}})
        status, body = await bot.call("sendMessage", chat_id=sim.world.roles["main_group"], text="x")
        assert (status, body) == (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                                        "parameters": {"retry_after": 7}})
        assert received(sink, "sendMessage")[-1]["observed"]["fault"] == "error"
        assert (await bot.call("getMe"))[0] == 200
        await sim.set_faults({"error": {"retcode": 502, "message": "Bad Gateway"}})
        assert await bot.call("getMe") == (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
        await sim.clear_faults()
        await sim.set_faults({"offline": True})
        assert (await bot.call("getUpdates", timeout=0))[0] == 502


async def test_a_hanging_poll_delivers_nothing_until_the_fault_ends() -> None:
    async with telegram() as (sim, bot, _):
        await bot.call("getUpdates", timeout=0)
        await sim.set_faults({"hang_polls": True})
        await sim.inject_raw(PLATFORM.trigger_frame(sim.world, "held back"))
        t0 = time.monotonic()
        _, got = await bot.call("getUpdates", timeout=1)
        assert got["result"] == [] and time.monotonic() - t0 >= 0.9 and sim.codec.queue.stats.hung == 1
        await sim.clear_faults()
        _, got = await bot.call("getUpdates", timeout=1)
        assert [u["message"]["text"] for u in got["result"]] == ["held back"]


async def test_a_poll_stops_marking_the_adapter_connected_when_it_stops_polling() -> None:
    async with telegram() as (sim, bot, _):
        await bot.call("getUpdates", timeout=0)
        assert sim.connected
        await sim.wait_disconnected(timeout=5)  # idle_after=2 s
        assert "no poll" in (sim.codec.state.last_error or "")


async def test_upload_is_kept_with_its_sha256_and_downloads_by_file_id() -> None:
    async with telegram() as (sim, bot, sink):
        data = b"\x89PNG\r\n\x1a\nacceptance"
        status, body = await bot.call("sendPhoto", {"photo": ("a.png", data, "image/png")},
                                      chat_id=sim.world.roles["main_group"], caption="look")
        assert status == 200
        rec = received(sink, "sendPhoto")[-1]["observed"]
        assert rec["components"][0] == {"type": "Plain", "text": "look"}
        assert rec["components"][1]["type"] == "Image" and rec["components"][1]["sha256"] == hashlib.sha256(data).hexdigest()
        file_id = body["result"]["photo"][-1]["file_id"]
        _, info = await bot.call("getFile", file_id=file_id)
        path = info["result"]["file_path"]
        async with bot.session.get(f"{bot.base}/file/bot{TOKEN}/{path}") as resp:
            assert resp.status == 200 and await resp.read() == data
        async with bot.session.get(f"{bot.base}/file/botWRONG/{path}") as resp:
            assert resp.status == 401
        await sim.set_faults({"drop_downloads": True})
        with pytest.raises(aiohttp.ClientError):
            async with bot.session.get(f"{bot.base}/file/bot{TOKEN}/{path}") as resp:
                await resp.read()
        assert sim.codec.files.dropped == 1


async def test_moderation_changes_the_world_and_reports_its_state() -> None:
    async with telegram() as (sim, bot, sink):
        group, member = sim.world.roles["disposable_group"], sim.world.roles["disposable_member"]
        until = int(time.time()) + 120
        _, body = await bot.call("restrictChatMember", chat_id=group, user_id=member,
                                 permissions={"can_send_messages": False}, until_date=until)
        assert body == {"ok": True, "result": True}
        after = received(sink, "restrictChatMember")[-1]["observed"]
        assert after["args"]["group_id"] == group and 118 <= after["args"]["duration"] <= 120
        assert 110 <= after["after"]["muted_seconds"] <= 120
        _, body = await bot.call("getChatMember", chat_id=group, user_id=member)
        assert body["result"]["status"] == "restricted" and body["result"]["until_date"] == until
        await bot.call("banChatMember", chat_id=group, user_id=member)
        assert received(sink, "banChatMember")[-1]["observed"]["after"]["member_present"] is False
        _, body = await bot.call("getChatMember", chat_id=group, user_id=member)
        assert body["result"]["status"] == "left"


async def test_scenarios_build_and_inject() -> None:
    async with telegram() as (sim, bot, sink):
        await bot.call("getUpdates", timeout=0, allowed_updates=["message", "channel_post", "chat_member", "my_chat_member",
                                                                  "message_reaction", "edited_message", "callback_query"])
        for scenario in sim.scenarios():
            await sim.inject(scenario.name)
        _, got = await bot.call("getUpdates", timeout=0)
        kinds = [next(k for k in u if k != "update_id") for u in got["result"]]
        assert len(kinds) == len(sim.scenarios())
        assert {"message", "channel_post", "edited_message", "message_reaction", "chat_member", "my_chat_member",
                "callback_query"} == set(kinds)
        injects = [r for r in sink.records if r["record"] == "inject"]
        at = next(r for r in injects if r["scenario"] == "message.group.at")
        bot_id = sim.world.bot.user_id
        assert at["expected"]["components"][1] == {"type": "At", "target": {"one_of": [bot_id, "AcceptBot"]}}
        muted = next(r for r in injects if r["scenario"] == "chat_member.restricted")
        assert muted["expected"]["fields"]["duration"] == 600


def test_decode_params_keeps_strings_and_decodes_json() -> None:
    assert decode_params({"text": "123", "chat_id": "-100", "limit": "5", "reply_markup": '{"a": 1}', "flag": "true"}) == \
        {"text": "123", "chat_id": "-100", "limit": 5, "reply_markup": {"a": 1}, "flag": True}


def test_markup_rendering() -> None:
    assert render_markdown_v2(r"a\_b *c* [link](http://x) \(d\)") == "a_b c link (d)"
    assert rendered("<b>x</b> &amp; y", "HTML") == "x & y"
    assert rendered("*x*", None) == "*x*"
    world = PLATFORM.world()
    carol = world.roles["member"]
    emoji = "\U0001F600 "
    ent = [{"type": "text_mention", "offset": 3, "length": 5, "user": {"id": int(carol)}}]  # the emoji is 2 UTF-16 units
    assert text_components(world, emoji + "Carol!", ent) == [{"type": "Plain", "text": emoji}, {"type": "At", "target": carol},
                                                               {"type": "Plain", "text": "!"}]
