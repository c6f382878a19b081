"""The web UI's API routes (aiohttp test client): reads, UI actions as wire events with ui-action evidence, refusals."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from acceptance_fixtures import media
from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.webui import app as webui_app
from acceptance_fixtures.webui import mount_ui
from acceptance_fixtures.world import ALICE, BOB, BOT_ID, CAROL, DAVE, EVE, FRANK, INVITE_GROUP, MAIN_GROUP, QUOTE_MESSAGE_ID
from tests.platforms.onebot_v11.onebot_helpers import records
from tests.ui.conftest import ui_api, ui_headers

pytestmark = pytest.mark.unit


async def _post(client: TestClient, sim, path: str, body: dict) -> tuple[int, dict]:
    async with client.post(path, json=body, headers=ui_headers(sim)) as r:
        return r.status, await r.json()


async def test_page_and_static_files_are_served() -> None:
    async with ui_api() as (_sim, _ep, _sink, client):
        async with client.get("/ui/") as r:
            text = await r.text()
            assert r.status == 200 and r.content_type == "text/html"
            assert 'data-testid="composer-input"' in text and "/ui/app.js" in text
            assert "http://" not in text and "https://" not in text  # no external assets
        for name, ctype in (("app.js", "text/javascript"), ("style.css", "text/css")):
            async with client.get(f"/ui/{name}") as r:
                assert r.status == 200 and r.content_type == ctype
        for private in ("app.py", "__init__.py", "identity.py"):  # files of the UI's folder that are not assets
            async with client.get(f"/ui/{private}") as r:
                assert r.status == 404, private
        async with client.get("/ui/nope.js") as r:
            assert r.status == 404
        async with client.get("/ui", allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == "/ui/"


async def test_identity_state_and_conversation() -> None:
    async with ui_api() as (sim, _ep, _sink, client):
        async with client.get("/ui/api/identity") as r:
            data = await r.json()
        ident = data["identity"]
        assert ident["platform"] == "onebot-v11" and ident["accent"].startswith("#")
        assert {"Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Forward"} <= set(ident["components"])
        assert {"recall", "join", "leave", "kick", "mute", "unmute", "friend_request", "invite_bot"} <= set(ident["actions"])
        assert "receive:Unknown" in ident["cannot_create"]
        assert BOT_ID not in [u["user_id"] for u in data["users"]] and data["bot"]["is_bot"]

        async with client.get("/ui/api/state", params={"as": ALICE}) as r:
            state = await r.json()
        convs = {(c["kind"], c["id"]) for c in state["conversations"]}
        assert ("private", ALICE) in convs and ("group", MAIN_GROUP) in convs and ("group", INVITE_GROUP) in convs
        async with client.get("/ui/api/state", params={"as": EVE}) as r:
            assert MAIN_GROUP in [g["group_id"] for g in (await r.json())["discover"]]
        async with client.get("/ui/api/state", params={"as": BOT_ID}) as r:
            assert r.status == 400  # the UI never acts as the bot under test

        async with client.get("/ui/api/conversation", params={"as": ALICE, "kind": "group", "id": MAIN_GROUP}) as r:
            conv = await r.json()
        assert [m["role"] for m in conv["members"]][:1] == ["owner"]
        quote = next(m for m in conv["messages"] if m["message_id"] == QUOTE_MESSAGE_ID)
        assert quote["components"] == [{"type": "Plain", "text": "Original message to quote"}]
        async with client.get("/ui/api/conversation", params={"as": BOB, "kind": "private", "id": ALICE}) as r:
            assert r.status == 403  # someone else's private chat


async def test_send_writes_ui_inject_and_sends_the_frame() -> None:
    async with ui_api() as (sim, ep, sink, client):
        text = "  two  spaces\n\tand a tab  "
        status, body = await _post(client, sim, "/ui/api/send", {
            "as": BOB, "chat_type": "group", "chat_id": MAIN_GROUP,
            "parts": [{"type": "Quote", "id": QUOTE_MESSAGE_ID}, {"type": "Plain", "text": text},
                      {"type": "At", "target": CAROL}, {"type": "Face", "face_type": "face", "face_id": 14}]})
        assert status == 200, body
        mid = body["refs"]["message_id"]
        inject = records(sink, "inject")[-1]
        assert inject["producer"] == "ui-action" and inject["level"] == "plugin-e2e-ui"
        assert inject["match"] == {"event.type": "message.received", "event.message_id": mid}
        assert inject["expected"]["fields"]["chat_type"] == "group" and inject["expected"]["fields"]["chat_id"] == MAIN_GROUP
        assert inject["capabilities"] == ["event:message.received", "receive:mixed"]  # as message.group.mixed
        assert [c["type"] for c in inject["expected"]["components"]] == ["Source", "Quote", "Plain", "At", "Face"]
        assert inject["expected"]["components"][2]["text"] == text
        frame = await ep.next_event(lambda e: e.get("message_id") == int(mid))
        assert [s["type"] for s in frame["message"]] == ["reply", "text", "at", "face"]
        assert frame["message"][1]["data"]["text"] == text and frame["sender"]["user_id"] == int(BOB)
        assert sim.world.message(mid).sender_id == BOB

        # A plain-text message is what judges receive:Source, as in the scenarios; one component with text names it.
        status, body = await _post(client, sim, "/ui/api/send", {"as": ALICE, "chat_type": "private", "chat_id": ALICE,
                                                                "parts": [{"type": "Plain", "text": "hi"}]})
        assert body["capabilities"] == ["event:message.received", "receive:Source", "receive:Plain"]
        assert body["expected"]["fields"]["chat_type"] == "private" and body["expected"]["fields"]["sender_id"] == ALICE
        status, body = await _post(client, sim, "/ui/api/send", {"as": BOB, "chat_type": "group", "chat_id": MAIN_GROUP,
                                                                "parts": [{"type": "At", "target": CAROL},
                                                                          {"type": "Plain", "text": " please review"}]})
        assert body["capabilities"] == list(sim.scenario("message.group.at").capabilities)


async def test_upload_then_send_media() -> None:
    async with ui_api() as (sim, ep, _sink, client):
        form = aiohttp.FormData()
        form.add_field("as", CAROL)
        form.add_field("kind", "image")
        form.add_field("file", media.png_bytes(8, 8, (200, 0, 0)), filename="../../etc/red dot.png", content_type="image/png")
        async with client.post("/ui/api/upload", data=form, headers=ui_headers(sim)) as r:
            up = await r.json()
        assert r.status == 200 and up["media"] == "red_dot.png" and up["url"].endswith("/media/red_dot.png")
        assert (sim.world.media_dir / "red_dot.png").exists()

        bad = aiohttp.FormData()
        bad.add_field("as", CAROL)
        bad.add_field("kind", "voice")
        bad.add_field("file", b"not audio", filename="x.txt", content_type="text/plain")
        async with client.post("/ui/api/upload", data=bad, headers=ui_headers(sim)) as r:
            assert r.status == 400

        file_form = aiohttp.FormData()
        file_form.add_field("as", CAROL)
        file_form.add_field("kind", "file")
        file_form.add_field("file", b"notes\n", filename="notes.txt", content_type="text/plain")
        async with client.post("/ui/api/upload", data=file_form, headers=ui_headers(sim)) as r:
            assert (await r.json())["size"] == 6

        status, body = await _post(client, sim, "/ui/api/send", {
            "as": CAROL, "chat_type": "group", "chat_id": MAIN_GROUP,
            "parts": [{"type": "Image", "media": "red_dot.png"}, {"type": "File", "media": "notes.txt"}]})
        assert status == 200, body
        image, file = body["expected"]["components"][1:]
        assert image == {"type": "Image", "url": up["url"]}
        assert file["name"] == "notes.txt" and file["size"] == 6
        frame = await ep.next_event(lambda e: e.get("message_id") == int(body["refs"]["message_id"]))
        assert [s["type"] for s in frame["message"]] == ["image", "file"]


async def test_forward_builds_a_stored_forward() -> None:
    async with ui_api() as (sim, ep, _sink, client):
        status, body = await _post(client, sim, "/ui/api/forward", {
            "as": ALICE, "message_ids": [QUOTE_MESSAGE_ID], "chat_type": "group", "chat_id": MAIN_GROUP})
        assert status == 200, body
        assert body["capabilities"] == ["event:message.received", "receive:Forward"]
        frame = await ep.next_event(lambda e: e.get("message_id") == int(body["refs"]["message_id"]))
        fid = frame["message"][0]["data"]["id"]
        assert frame["message"][0]["type"] == "forward"
        assert sim.world.forwards[fid][0].components == [{"type": "Plain", "text": "Original message to quote"}]
        status, body = await _post(client, sim, "/ui/api/forward", {
            "as": BOB, "message_ids": ["1002"], "chat_type": "group", "chat_id": MAIN_GROUP})
        assert status == 403  # Alice's private message is not Bob's to forward


@pytest.mark.parametrize(("action", "as_user", "extra", "scenario"), [
    ("mute", ALICE, {"group_id": MAIN_GROUP, "user_id": CAROL, "duration": 600}, "notice.group_ban.ban"),
    ("kick", ALICE, {"group_id": MAIN_GROUP, "user_id": CAROL}, "notice.group_decrease.kick"),
    ("leave", DAVE, {"group_id": MAIN_GROUP}, "notice.group_decrease.leave"),
    ("join", EVE, {"group_id": MAIN_GROUP}, "notice.group_increase"),
    ("friend_request", FRANK, {"comment": "hi"}, "request.friend"),
    ("friend_add", FRANK, {}, "notice.friend_add"),
    ("invite_bot", ALICE, {"group_id": INVITE_GROUP}, "request.group.invite"),
    ("poke", ALICE, {"group_id": MAIN_GROUP}, "notice.notify.poke"),
    ("mute", ALICE, {"group_id": MAIN_GROUP, "user_id": BOT_ID, "duration": 300}, "notice.group_ban.bot_ban"),
])
async def test_actions_match_their_scenario_equivalents(action, as_user, extra, scenario) -> None:
    async with ui_api() as (sim, ep, sink, client):
        equivalent = sim.scenario(scenario)
        built = equivalent.build(sim.world)
        status, body = await _post(client, sim, "/ui/api/action", {"as": as_user, "action": action, **extra})
        assert status == 200, body
        inject = records(sink, "inject")[-1]
        assert inject["producer"] == "ui-action" and inject["level"] == "plugin-e2e-ui"
        assert inject["capabilities"] == list(equivalent.capabilities)
        assert inject["match"] == built.match
        sent = body["frames"][0]
        # Who approved a join is the group's business (the scenario has an admin, the UI the owner).
        free = ("time", "flag", "comment") + (("operator_id",) if action == "join" else ())
        assert {k: v for k, v in sent.items() if k not in free} == {k: v for k, v in built.frames[0].items() if k not in free}
        await ep.next_event(lambda e: e.get("post_type") == sent["post_type"] and e.get("time") == sent["time"])


async def test_world_changes_with_membership_and_mute_actions() -> None:
    async with ui_api() as (sim, _ep, _sink, client):
        w = sim.world
        assert (await _post(client, sim, "/ui/api/action", {"as": EVE, "action": "join", "group_id": MAIN_GROUP}))[0] == 200
        assert EVE in w.groups[MAIN_GROUP].members
        assert (await _post(client, sim, "/ui/api/action", {"as": EVE, "action": "leave", "group_id": MAIN_GROUP}))[0] == 200
        assert EVE not in w.groups[MAIN_GROUP].members
        assert (await _post(client, sim, "/ui/api/action", {"as": ALICE, "action": "mute", "group_id": MAIN_GROUP,
                                                           "user_id": CAROL}))[0] == 200
        assert w.groups[MAIN_GROUP].members[CAROL].muted_until > 0
        status, body = await _post(client, sim, "/ui/api/send", {"as": CAROL, "chat_type": "group", "chat_id": MAIN_GROUP,
                                                                "parts": [{"type": "Plain", "text": "can I talk?"}]})
        assert status == 403 and "muted" in body["error"]
        assert (await _post(client, sim, "/ui/api/action", {"as": ALICE, "action": "unmute", "group_id": MAIN_GROUP,
                                                           "user_id": CAROL}))[0] == 200
        status, body = await _post(client, sim, "/ui/api/send", {"as": BOB, "chat_type": "group", "chat_id": MAIN_GROUP,
                                                                "parts": [{"type": "Plain", "text": "recall me"}]})
        mid = body["refs"]["message_id"]
        status, body = await _post(client, sim, "/ui/api/action", {"as": CAROL, "action": "recall", "message_id": mid})
        assert status == 403  # a member cannot recall an admin's message
        status, body = await _post(client, sim, "/ui/api/action", {"as": ALICE, "action": "recall", "message_id": mid})
        assert status == 200 and body["match"] == {"event.type": "message.deleted", "event.message_id": mid}
        assert body["expected"]["fields"] == {"chat_type": "group", "group_id": MAIN_GROUP, "operator_id": ALICE}
        assert w.message(mid).recalled
        async with client.get("/ui/api/conversation", params={"as": ALICE, "kind": "group", "id": MAIN_GROUP}) as r:
            notices = [n["text"] for n in (await r.json())["notices"]]
        assert any("joined" in n for n in notices) and any("muted Carol" in n for n in notices)


async def test_refusals() -> None:
    async with ui_api() as (sim, _ep, sink, client):
        before = len(records(sink, "inject"))
        body = {"as": ALICE, "chat_type": "private", "chat_id": ALICE, "parts": [{"type": "Plain", "text": "x"}]}
        async with client.post("/ui/api/send", json=body) as r:  # not from the UI page
            assert r.status == 403
        async with client.post("/ui/api/send", json=body, headers={"Origin": "http://evil.example", "X-UI-Client": "webui"}) as r:
            assert r.status == 403
        cases = [
            ({"parts": [{"type": "Unknown", "native_type": "x"}]}, 422, "simulator UI cannot create this"),
            ({"parts": [{"type": "Plain", "text": "a"}, {"type": "Quote", "id": QUOTE_MESSAGE_ID}]}, 400, "comes first"),
            ({"parts": [{"type": "Image", "media": "missing.png"}]}, 400, "upload"),
            ({"parts": [{"type": "Face", "face_type": "face", "face_id": 99999}]}, 400, "face picker"),
            ({"parts": []}, 400, "non-empty"),
            ({"chat_id": BOB, "parts": [{"type": "Plain", "text": "x"}]}, 403, "your own user id"),
        ]
        for patch, code, words in cases:
            status, answer = await _post(client, sim, "/ui/api/send", {**body, **patch})
            assert status == code and words in answer["error"], (patch, answer)
        status, answer = await _post(client, sim, "/ui/api/action", {"as": CAROL, "action": "kick", "group_id": MAIN_GROUP,
                                                                     "user_id": BOB})
        assert status == 403
        status, answer = await _post(client, sim, "/ui/api/action", {"as": ALICE, "action": "leave", "group_id": MAIN_GROUP})
        assert status == 403  # the owner cannot leave
        status, answer = await _post(client, sim, "/ui/api/action", {"as": ALICE, "action": "teleport"})
        assert status == 422 and "simulator UI cannot create this" in answer["error"]
        async with client.post("/ui/api/action", data=b"{not json", headers=ui_headers(sim)) as r:
            assert r.status == 400
        assert len(records(sink, "inject")) == before  # nothing refused was recorded as a UI action


async def test_not_connected_is_a_conflict(monkeypatch) -> None:
    monkeypatch.setattr(webui_app, "CONNECT_WAIT", 0.2)
    async with ui_api() as (sim, _ep, sink, client):
        await sim.set_faults({"offline": True})
        await sim.wait_disconnected(5)
        status, body = await _post(client, sim, "/ui/api/send", {"as": ALICE, "chat_type": "private", "chat_id": ALICE,
                                                                "parts": [{"type": "Plain", "text": "x"}]})
        assert status == 409 and "not connected" in body["error"]
        assert records(sink, "inject") == []


async def test_live_updates_push_bot_messages_and_recalls() -> None:
    async with ui_api() as (sim, ep, _sink, client):
        async with client.ws_connect("/ui/api/live") as ws:
            hello = await ws.receive_json(timeout=3)
            assert hello["type"] == "hello" and hello["connected"] is True
            reply = await ep.call("send_group_msg", group_id=int(MAIN_GROUP), message="from the bot  \nline 2")
            mid = str(reply["data"]["message_id"])
            pushed = await _next(ws, lambda m: m["type"] == "message" and m["message"]["message_id"] == mid)
            assert pushed["message"]["sender"]["is_bot"] and pushed["message"]["conversation"] == f"group:{MAIN_GROUP}"
            assert pushed["message"]["components"] == [{"type": "Plain", "text": "from the bot  \nline 2"}]
            await ep.call("delete_msg", message_id=int(mid))
            updated = await _next(ws, lambda m: m["type"] == "update" and m["message"]["message_id"] == mid)
            assert updated["message"]["recalled"] is True and updated["message"]["components"] == []


async def _next(ws, where, timeout: float = 5.0) -> dict:
    async def loop() -> dict:
        while True:
            msg = await ws.receive_json()
            if where(msg):
                return msg

    return await asyncio.wait_for(loop(), timeout)


async def test_a_codec_without_ui_binding_gets_501() -> None:
    from acceptance_fixtures.simulator.codec import Codec

    class Bare(Codec):
        platform = adapter = "bare"

        def scenarios(self):
            return []

        async def start(self) -> None: ...

        async def stop(self) -> None: ...

        async def send_event(self, frame) -> None: ...

        async def drop(self) -> None: ...

    sim = SimulatorServer(Bare())
    app = web.Application()
    ui = mount_ui(sim, app)
    assert ui.identity is None
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        async with client.get("/ui/api/identity") as r:
            assert r.status == 501 and "no web UI binding" in (await r.json())["error"]
