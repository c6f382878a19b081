"""View models of the web UI, the received-versus-rendered comparison and report links (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance_fixtures.platforms.onebot_v11.codec import qq_ui_identity
from acceptance_fixtures.webui.view import Viewer, safe_media_name, store_named_media
from acceptance_fixtures.world import ALICE, CAROL, MAIN_GROUP, QUOTE_MESSAGE_ID, World
from harness.report.model import link_from
from harness.ui.rendered import observed_components, plain_text, rendered_problems

pytestmark = pytest.mark.unit


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World.default()
    w.media_base_url = "http://127.0.0.1:9/media"
    w.materialise_media(tmp_path / "media")
    return w


def test_every_component_has_a_view(world: World, tmp_path: Path) -> None:
    local = tmp_path / "probe-image.png"
    local.write_bytes(world.media["image.png"].data + b"x")
    v = Viewer(world, qq_ui_identity())
    comps = [
        {"type": "Source", "id": "1"},
        {"type": "Plain", "text": " a  b\n"},
        {"type": "At", "target": CAROL},
        {"type": "AtAll"},
        {"type": "Image", "source": "path", "path": str(local)},
        {"type": "Voice", "url": world.media_url("voice.wav")},
        {"type": "File", "name": "report.txt", "url": world.media_url("report.txt")},
        {"type": "Quote", "id": QUOTE_MESSAGE_ID},
        {"type": "Face", "face_type": "face", "face_id": 14},
        {"type": "Face", "face_type": "face", "face_id": 4242},
        {"type": "Forward", "node_list": [{"sender_id": ALICE, "sender_name": "Alice",
                                           "message_chain": [{"type": "Plain", "text": "inner"}]}]},
        {"type": "Unknown", "native_type": "sim_widget", "text": "sim_widget:{}"},
        {"type": "Json", "data": "{}"},
        {"type": "Image", "source": "base64", "error": "invalid base64"},
    ]
    views = v.components(comps, MAIN_GROUP, 0)
    assert [c["type"] for c in views] == ["Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Face",
                                          "Forward", "Unknown", "Unknown", "Image"]
    plain, at, at_all, image, voice, file, quote, face, odd_face, forward, unknown, json_card, broken = views
    assert plain["text"] == " a  b\n" and at == {"type": "At", "target": CAROL, "name": "@Carol"}
    assert at_all["name"] == "@All members"
    assert image["src"].startswith(world.media_base_url) and image["media"] == "probe-image.png"  # a local path is published
    assert voice["src"] == world.media_url("voice.wav") and voice["content_type"] == "audio/wav"
    assert file["name"] == "report.txt" and file["size"] == world.media["report.txt"].size
    assert quote["exists"] and quote["summary"] == "Original message to quote" and quote["sender"] == "Alice"
    assert face["label"] == "smile" and odd_face["glyph"] == "[face 4242]"
    assert forward["nodes"][0]["components"] == [{"type": "Plain", "text": "inner"}]
    assert unknown["native_type"] == "sim_widget" and json_card["native_type"] == "Json"
    assert "problem" in broken and "src" not in broken


def test_recalled_messages_hide_their_content(world: World) -> None:
    msg = world.store_message("group", MAIN_GROUP, ALICE, [{"type": "Plain", "text": "secret"}])
    msg.recalled = True
    view = Viewer(world, qq_ui_identity()).message(msg)
    assert view["recalled"] and view["components"] == [] and view["conversation"] == f"group:{MAIN_GROUP}"


def test_named_uploads(world: World) -> None:
    assert safe_media_name("../../x/a b.png") == "a_b.png" and safe_media_name("") == "upload.bin"
    first = store_named_media(world, "notes.txt", b"one")
    again = store_named_media(world, "notes.txt", b"one")
    other = store_named_media(world, "notes.txt", b"two")
    assert first is again and other.name == "notes-2.txt" and (world.media_dir / "notes-2.txt").read_bytes() == b"two"


SEEN_OK = {"message_id": "9", "visible": True, "recalled": False, "components": [
    {"type": "Plain", "text": "a  b\n", "visible": True},
    {"type": "At", "target": CAROL, "visible": True},
    {"type": "Image", "src": "/media/i.png", "loaded": True, "visible": True},
    {"type": "Voice", "element": "audio", "src": "/media/v.wav", "http_status": 200, "content_type": "audio/wav", "bytes": 10,
     "visible": True},
    {"type": "File", "name": "r.txt", "href": "/media/r.txt", "http_status": 200, "bytes": 3, "visible": True},
    {"type": "Quote", "id": "7", "href": "#msg-7", "visible": True},
    {"type": "Face", "face_id": "14", "visible": True},
    {"type": "Forward", "visible": True, "nodes": [{"sender_id": "1", "components": [{"type": "Plain", "text": "n", "visible": True}]}]},
]}
RECEIVED = [{"type": "Plain", "text": "a  b\n"}, {"type": "At", "target": CAROL}, {"type": "Image", "media": "i.png"},
            {"type": "Voice", "url": "u"}, {"type": "File", "name": "r.txt"}, {"type": "Quote", "id": "7"},
            {"type": "Face", "face_type": "face", "face_id": 14},
            {"type": "Forward", "node_list": [{"sender_id": "1", "message_chain": [{"type": "Plain", "text": "n"}]}]}]


def test_rendered_when_everything_shows() -> None:
    assert rendered_problems(RECEIVED, SEEN_OK) == []
    assert plain_text(SEEN_OK) == "a  b\n"
    obs = observed_components(SEEN_OK)
    assert [c["type"] for c in obs] == [c["type"] for c in RECEIVED] and obs[-1]["nodes"][0]["components"][0]["text"] == "n"


@pytest.mark.parametrize(("index", "change", "words"), [
    (0, {"text": "a b\n"}, "text differs"),
    (0, {"visible": False}, "not visible"),
    (1, {"target": "1"}, "mentions"),
    (2, {"loaded": False}, "did not load"),
    (3, {"http_status": 404}, "not playable"),
    (4, {"href": None}, "no download link"),
    (4, {"name": "other.txt"}, "shows name"),
    (5, {"id": "8", "href": "#msg-8"}, "points at"),
    (6, {"face_id": "13"}, "shows face"),
    (7, {"nodes": []}, "node(s)"),
])
def test_each_rendering_gap_is_named(index: int, change: dict, words: str) -> None:
    seen = {**SEEN_OK, "components": [dict(c) for c in SEEN_OK["components"]]}
    seen["components"][index].update(change)
    problems = rendered_problems(RECEIVED, seen)
    assert problems and words in problems[0]


def test_missing_recalled_or_reordered() -> None:
    assert "not in the conversation" in rendered_problems(RECEIVED, None)[0]
    assert "recalled" in rendered_problems(RECEIVED, {**SEEN_OK, "recalled": True})[0]
    swapped = {**SEEN_OK, "components": SEEN_OK["components"][1::-1] + SEEN_OK["components"][2:]}
    assert "components differ" in rendered_problems(RECEIVED, swapped)[0]
    assert rendered_problems([{"type": "Source", "id": "9"}] + RECEIVED, SEEN_OK) == []


def test_report_links_are_relative_to_the_report_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert link_from(Path("reports/run-1"), "reports/run-1/screenshots/a/b.png") == "screenshots/a/b.png"
    assert link_from(tmp_path / "reports" / "run-1", str(tmp_path / "elsewhere" / "c.png")) == "../../elsewhere/c.png"
    assert link_from(None, "x/y.png") == "x/y.png" and link_from("r", "http://h/x.png") == "http://h/x.png"
