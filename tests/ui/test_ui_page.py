"""The web UI in the real browser (Debian's chromium through Playwright) against a fake adapter endpoint:
the composer makes every component, bot messages of every kind render, the UI phase's plan runs end to end."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from acceptance_fixtures import media
from acceptance_fixtures.world import ALICE, BOB, CAROL, MAIN_GROUP, QUOTE_MESSAGE_ID, SEED_FORWARD_ID
from harness.session import AcceptanceSession
from harness.ui.client import SimClient
from harness.ui.phase import UIPhase
from harness.ui.rendered import rendered_problems
from tests.platforms.onebot_v11.onebot_helpers import onebot_pair, records

pytestmark = pytest.mark.unit


async def test_composer_makes_every_component_in_order(browser, tmp_path: Path) -> None:
    image, voice, doc = tmp_path / "image.png", tmp_path / "voice.wav", tmp_path / "report.txt"
    image.write_bytes(media.png_bytes())
    voice.write_bytes(media.wav_bytes())
    doc.write_bytes(media.text_file_bytes())
    async with onebot_pair() as (sim, ep, sink):
        page = await browser.new_page()
        try:
            c = SimClient(page, sim.base_url)
            await c.open(BOB, "group", MAIN_GROUP)
            await c.reply_to(QUOTE_MESSAGE_ID)
            await c.type("  look,\n  all of it ")
            await c.mention(CAROL)
            await c.mention_all()
            await c.attach("image", image)
            await c.attach("voice", voice)
            await c.attach("file", doc)
            await c.face("dice", 5)
            await c.type("\tend")
            sent = await c.send()
            frame = await ep.next_event(lambda e: e.get("message_id") == int(sent["refs"]["message_id"]))
            assert [s["type"] for s in frame["message"]] == ["reply", "text", "at", "at", "image", "record", "file", "dice", "text"]
            assert frame["message"][1]["data"]["text"] == "  look,\n  all of it " and frame["message"][-1]["data"]["text"] == "\tend"
            assert frame["message"][3]["data"]["qq"] == "all" and frame["message"][6]["data"]["name"] == "report.txt"
            inject = records(sink, "inject")[-1]
            assert inject["producer"] == "ui-action" and "Mozilla" in inject["ui"]["client"]
            assert inject["capabilities"] == ["event:message.received", "receive:mixed"]
            # the message the user just sent is on screen, in order
            seen = await c.read_message(sent["refs"]["message_id"])
            assert [x["type"] for x in seen["components"]] == ["Quote", "Plain", "At", "AtAll", "Image", "Voice", "File", "Face", "Plain"]
            fwd = await c.forward([QUOTE_MESSAGE_ID, sent["refs"]["message_id"]], "private", BOB)
            assert fwd["capabilities"] == ["event:message.received", "receive:Forward"]
            assert not c.console_errors
        finally:
            await browser.close_page(page)


async def test_bot_messages_of_every_kind_render_live(browser, tmp_path: Path) -> None:
    local = tmp_path / "local.png"
    local.write_bytes(media.png_bytes(12, 12, (10, 200, 10)))
    async with onebot_pair() as (sim, ep, _sink):
        w = sim.world
        page = await browser.new_page()
        try:
            c = SimClient(page, sim.base_url)
            await c.open(ALICE, "group", MAIN_GROUP)  # open first: the bot's messages must arrive live
            b64 = "base64://" + base64.b64encode(media.png_bytes(10, 10, (200, 10, 10))).decode()
            chains = [
                [{"type": "text", "data": {"text": "  spaced  text\n\tsecond line  "}}, {"type": "at", "data": {"qq": ALICE}},
                 {"type": "at", "data": {"qq": "all"}}, {"type": "face", "data": {"id": "14"}}],
                [{"type": "image", "data": {"file": w.media_url("image.png")}}, {"type": "image", "data": {"file": b64}},
                 {"type": "image", "data": {"file": str(local)}}],
                [{"type": "record", "data": {"file": w.media_url("voice.wav")}},
                 {"type": "file", "data": {"file": w.media_url("report.txt"), "name": "report.txt"}}],
                [{"type": "reply", "data": {"id": QUOTE_MESSAGE_ID}}, {"type": "text", "data": {"text": "quoted"}},
                 {"type": "rps", "data": {"result": "2"}}],
                [{"type": "forward", "data": {"id": SEED_FORWARD_ID}}],
            ]
            ids = []
            for chain in chains:
                reply = await ep.call("send_group_msg", group_id=int(MAIN_GROUP), message=chain)
                ids.append(str(reply["data"]["message_id"]))
            reply = await ep.call("send_group_forward_msg", group_id=int(MAIN_GROUP), messages=[
                {"type": "node", "data": {"name": "Bot", "uin": "3000000001", "content": "node one"}},
                {"type": "node", "data": {"name": "Bot", "uin": "3000000001", "content": [
                    {"type": "text", "data": {"text": "node two"}}, {"type": "image", "data": {"file": w.media_url("image.png")}}]}}])
            ids.append(str(reply["data"]["message_id"]))
            await c.capture(True)
            for mid in ids:
                assert await c.wait_message(mid, 5), f"message {mid} never appeared live"
            await c.settle_media()
            for mid in ids:
                action = sim.received(where=lambda a, m=mid: a.observed.get("message_id") == m)[0]
                seen = await c.read_message(mid)
                assert rendered_problems(action.observed["components"], seen) == [], (mid, seen)
            unknown = await ep.call("send_group_msg", group_id=int(MAIN_GROUP), message=[{"type": "sim_gadget", "data": {}}])
            mid = str(unknown["data"]["message_id"])
            assert await c.wait_message(mid, 5)
            seen = await c.read_message(mid)
            assert seen["components"][0]["type"] == "Unknown" and seen["components"][0]["native_type"] == "sim_gadget"
            shot = await c.screenshot(tmp_path / "shot.png")
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        finally:
            await browser.close_page(page)


class _Tail:
    def __init__(self) -> None:
        self.waits = 0

    async def wait_for(self, predicate, **_kw):  # the fake endpoint has no probe: every event "arrives"
        self.waits += 1
        return []


async def test_ui_phase_plan_end_to_end(browser, tmp_path: Path) -> None:
    """The acceptance run's UI phase against the fake endpoint: every offered action is done, bot messages are checked."""
    from harness.capabilities import load_catalogue

    events = ["message.received", "message.deleted", "group.member_joined", "group.member_left", "group.member_banned",
              "friend.request_received", "friend.added", "bot.invited_to_group", "bot.removed_from_group", "bot.muted",
              "bot.unmuted", "platform.specific"]
    manifest = SimpleNamespace(name="onebot-v11", events=events, apis=[], platform_actions=[], platform_action_descriptions={})
    session = AcceptanceSession(evidence_dir=tmp_path / "ev", report_dir=tmp_path / "reports", run_id="ui-test")
    said: list[str] = []
    run = SimpleNamespace(adapter="onebot-v11", session=session, manifest=manifest, stack=SimpleNamespace(check_alive=lambda: None),
                          _say=said.append)
    async with onebot_pair() as (sim, ep, sink):
        await ep.call("send_group_msg", group_id=int(MAIN_GROUP), message="bot says  hi\n")
        await ep.call("send_private_msg", user_id=int(ALICE), message=[{"type": "face", "data": {"id": "14"}}])
        tail = _Tail()
        phase = UIPhase(run, sim, tail, browser)
        await phase.execute()
    session.close()
    lines = [json.loads(x) for f in session.evidence_files() for x in f.read_text().splitlines()]
    findings = [r["message"] for r in lines if r["record"] == "finding"]
    assert phase.failed == [] and phase.rendered == phase.checked == 2, findings
    assert tail.waits == phase.actions >= 28
    ui_caps = {c for r in records(sink, "inject") if r["producer"] == "ui-action" for c in r["capabilities"]}
    wanted = {c.id for c in load_catalogue().for_manifest(manifest) if c.kind in ("event", "receive")} - {"receive:Unknown"}
    assert wanted <= ui_caps
    observed = [r for r in lines if r["record"] == "ui_observed"]
    assert {r["observed"]["message_id"] for r in observed} == {"1101", "1102"}
    assert all(Path(r["screenshot"]).is_file() and r["producer"] == "ui-check" for r in observed)
    skips = [r for r in lines if r["record"] == "skip"]
    assert [s["capabilities"] for s in skips] == [["receive:Unknown"]]
    assert skips[0]["reason"].startswith("simulator UI cannot create this") and skips[0]["status"] == "blocked"
    assert len(session.screenshots["onebot-v11"]) == 4
