"""Code facts and verdicts without a framework: two made-up releases, one observation ledger each.

The same rules must give different verdicts for a release that serves only the legacy voice
endpoint and for one that also serves the unified chat mode; nothing is decided per release.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.live_chat.client import Frame, Handshake
from harness.live_chat.introspect import installed_version, package_dir, scan
from harness.live_chat.protocol import ABSENT, DIFFERENT, SERVED, Ledger, build_report, derive_verdicts, \
    load_documented, render_markdown, write_report

pytestmark = pytest.mark.unit

QUART_HANDLER = '''
from quart import websocket

class LiveChatRoute:
    def __init__(self, context):
        self.app.websocket("/api/live_chat/ws")(self.live_chat_ws)

    async def live_chat_ws(self):
        token = websocket.args.get("token")
        if not token:
            await websocket.close(1008, "Missing authentication token")
            return
        while True:
            message = await websocket.receive_json()
            await self._handle_message(message)

    async def _handle_message(self, message):
        msg_type = message.get("t")
        if msg_type == "start_speaking":
            pass
        elif msg_type == "speaking_part":
            pass
        elif msg_type == "end_speaking":
            await websocket.send_json({"t": "user_msg", "data": {"text": "x", "ts": 1}})
            await websocket.send_json({"t": "bot_msg", "data": {"text": "y", "ts": 2}})
            await websocket.send_json({"t": "end"})
        elif msg_type == "interrupt":
            self.should_interrupt = True
        if self.should_interrupt:
            await websocket.send_json({"t": "stop_play"})
'''

FASTAPI_ROUTES = '''
from fastapi import APIRouter, WebSocket
router = APIRouter(tags=["Live Chat"])
legacy_router = APIRouter(prefix="/api")

@router.websocket("/live-chat/ws")
async def live_chat_ws(websocket: WebSocket): ...

@legacy_router.websocket("/unified_chat/ws")
async def unified(websocket: WebSocket): ...
'''

FASTAPI_SERVICE = '''
class LiveChatService:
    async def run(self, message, send_json, close):
        await close(1008, "bad")
        ct = force_ct or message.get("ct", "live")
        if ct == "chat":
            if message.get("t") == "send":
                await self.send_chat_payload(s, {"ct": "chat", "t": "error", "code": "X", "data": "dup"}, send_json)
            elif message.get("t") in ("bind", "interrupt"):
                await send_json({"ct": "chat", "type": "session_bound", "session_id": "s", "message_id": "m"})
        await send_json({"t": "metrics", "data": {"stt": "x"}})
'''


def _release(root: Path, version: str, files: dict[str, str]) -> Path:
    pkg = root / "lib" / "python3.12" / "site-packages" / "astrbot"
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    meta = pkg.parent / f"astrbot-{version}.dist-info" / "METADATA"
    meta.parent.mkdir(parents=True)
    meta.write_text(f"Metadata-Version: 2.1\nName: astrbot\nVersion: {version}\n", "utf-8")
    return pkg


def test_scan_quart_release(tmp_path: Path) -> None:
    pkg = _release(tmp_path, "1.0.0", {"dashboard/routes/live_chat.py": QUART_HANDLER, "dashboard/other.py": "x = 1\n"})
    assert package_dir(tmp_path) == pkg and installed_version(pkg) == "1.0.0"
    facts = scan(pkg)
    assert facts.files == ["astrbot/dashboard/routes/live_chat.py"]
    assert [(r.path, r.prefix_known) for r in facts.routes] == [("/api/live_chat/ws", True)]
    assert sorted(facts.accepted) == ["end_speaking", "interrupt", "speaking_part", "start_speaking"]
    assert facts.emitted_types(chat=False) == {"user_msg", "bot_msg", "end", "stop_play"} and not facts.reads_ct
    assert facts.closes[0]["code"] == 1008 and list(facts.query_params) == ["token"]
    assert facts.route_for("/api/live_chat/ws") and facts.route_for("/api/v1/live/ws") is None


def test_scan_fastapi_release(tmp_path: Path) -> None:
    pkg = _release(tmp_path, "2.0.0", {"dashboard/api/live_chat.py": FASTAPI_ROUTES,
                                       "dashboard/services/live_chat_service.py": FASTAPI_SERVICE})
    facts = scan(pkg)
    assert {(r.path, r.prefix_known) for r in facts.routes} == {("/live-chat/ws", False), ("/api/unified_chat/ws", True)}
    assert facts.route_for("/api/v1/live-chat/ws") is not None  # an unprefixed router path matches as a suffix
    assert facts.reads_ct and "chat" in facts.accepted_ct
    assert {"send", "bind", "interrupt"} <= set(facts.accepted)
    assert facts.emitted_types(chat=True) == {"error", "session_bound"} and facts.emitted_types(chat=False) == {"metrics"}
    json.dumps(facts.to_dict())


def _frame(direction: str, data: dict) -> Frame:
    return Frame(direction, 0.0, "text", json.dumps(data), data, True)


def _hs(accepted: bool, status: int | None = None, close_code: int | None = None) -> Handshake:
    hs = Handshake("ws://127.0.0.1/x", accepted, http_status=status)
    if accepted:
        class _C:  # the only attributes to_dict() reads
            pass
        conn = _C()
        conn.close_code, conn.close_reason = close_code, None
        hs.connection = conn  # type: ignore[assignment]
    return hs


def _voice_ledger() -> Ledger:
    led = Ledger()
    led.record_handshake("auth", "/api/live_chat/ws", "dashboard-jwt:missing", False, _hs(False, 403))
    led.record_handshake("auth", "/api/live_chat/ws", "dashboard-jwt", True, _hs(True, 101))
    led.record_handshake("endpoints", "/api/v1/live/ws", "api-key", True, _hs(False, 400))
    led.record_handshake("endpoints", "/api/unified_chat/ws", "dashboard-jwt", True, _hs(False, 400))
    for data in ({"t": "start_speaking", "stamp": "a"}, {"t": "end_speaking", "stamp": "a"}):
        led.record_frame("voice_turn", _frame("out", data))
    for data in ({"t": "user_msg", "data": {"text": "hi", "ts": 1710000000000}},
                 {"t": "bot_msg", "data": {"text": "hello", "ts": 1710000000001}}, {"t": "end"}):
        led.record_frame("voice_turn", _frame("in", data))
    led.record_scenario("voice_turn", detail="one turn", stt_wav={"rate": 16000, "channels": 1, "sample_width": 2,
                                                                  "frames": 100}, pcm_samples_sent=100)
    led.record_scenario("interrupt_mid_stream", detail="interrupt after 3/10 deltas; no stop_play")
    led.record_effect("interrupt_mid_stream", "interrupt", False, "the reply went on to the end")
    led.record_effect("voice_turn", "start_speaking", True, "answered")
    led.record_effect("text_input", "text_input", False, "no frame within 4s")
    led.record_effect("chat_frames", "bind", False, "no frame within 4s")
    led.record_scenario("chat_frames", detail="chat frames sent")
    return led


def _verdicts(led: Ledger, facts) -> dict[str, str]:
    _, items = load_documented()
    return {v.item.id: v.verdict for v in derive_verdicts(items, led, facts)}


def test_verdicts_for_a_voice_only_release(tmp_path: Path) -> None:
    facts = scan(_release(tmp_path, "1.0.0", {"dashboard/routes/live_chat.py": QUART_HANDLER}))
    v = _verdicts(_voice_ledger(), facts)
    assert v["endpoint.legacy_live"] == SERVED
    assert v["endpoint.open_api"] == ABSENT and v["endpoint.legacy_unified"] == ABSENT
    assert v["auth.dashboard_jwt"] == SERVED and v["auth.api_key_query"] == ABSENT
    assert v["live.client.start_speaking"] == SERVED
    assert v["live.client.interrupt"] == DIFFERENT  # handled in code, effect not observed
    assert v["live.client.text_input"] == ABSENT  # no branch, no reaction
    assert v["live.server.stop_play"] == DIFFERENT  # in code, not sent when its condition occurred
    assert v["live.server.bot_delta_chunk"] == ABSENT
    assert v["live.server.bot_msg"] == SERVED and v["live.server.end"] == SERVED
    assert v["live.server.response"] == ABSENT  # neither seen nor in this made-up handler
    assert v["transport.pcm_audio"] == SERVED and v["transport.json_text"] == SERVED
    assert v["param.ct"] == ABSENT and v["chat.client.bind"] == ABSENT and v["chat.server.session_bound"] == ABSENT
    assert set(v.values()) <= {SERVED, DIFFERENT, ABSENT} and len(v) == len(load_documented()[1])


def test_verdicts_follow_observations_for_a_chat_release(tmp_path: Path) -> None:
    facts = scan(_release(tmp_path, "2.0.0", {"dashboard/api/live_chat.py": FASTAPI_ROUTES,
                                              "dashboard/services/live_chat_service.py": FASTAPI_SERVICE}))
    led = _voice_ledger()
    led.record_handshake("endpoints", "/api/unified_chat/ws", "dashboard-jwt", True, _hs(True, 101))
    led.record_effect("chat_frames", "bind", True, "answered with session_bound")
    led.record_frame("chat_frames", _frame("in", {"ct": "chat", "type": "session_bound", "session_id": "s", "message_id": "m"}))
    led.record_frame("interrupt_mid_stream", _frame("in", {"t": "stop_play"}))
    led.record_effect("interrupt_mid_stream", "interrupt", True, "stop_play 0.2s later")
    v = _verdicts(led, facts)
    assert v["endpoint.legacy_unified"] == SERVED
    assert v["chat.client.bind"] == SERVED and v["chat.server.session_bound"] == SERVED
    assert v["param.ct"] == SERVED and v["envelope.chat_server"] == SERVED
    assert v["live.client.interrupt"] == SERVED and v["live.server.stop_play"] == SERVED
    assert v["chat.server.error"] == SERVED  # its condition did not occur; the handler sends it (basis: code)


def test_auth_refused_after_accept_counts_as_refused(tmp_path: Path) -> None:
    facts = scan(_release(tmp_path, "1.0.0", {"dashboard/routes/live_chat.py": QUART_HANDLER}))
    led = Ledger()
    led.record_handshake("auth", "/api/live_chat/ws", "dashboard-jwt", True, _hs(True, 101))
    led.record_handshake("auth", "/api/live_chat/ws", "dashboard-jwt:expired", False, _hs(True, 101, close_code=1008))
    assert _verdicts(led, facts)["auth.dashboard_jwt"] == SERVED
    led.record_handshake("auth", "/api/live_chat/ws", "dashboard-jwt:garbage", False, _hs(True, 101))  # held open!
    assert _verdicts(led, facts)["auth.dashboard_jwt"] == DIFFERENT


def test_report_files(tmp_path: Path) -> None:
    facts = scan(_release(tmp_path, "1.0.0", {"dashboard/routes/live_chat.py": QUART_HANDLER}))
    led = _voice_ledger()
    led.finding("interrupt", "does not stop the reply", "interrupt_mid_stream")
    document, items = load_documented()
    report = build_report(items=items, ledger=led, code=facts, document=document,
                          release={"framework": "astrbot", "version": "1.0.0", "live_path": "/api/live_chat/ws"}, run_id="r1")
    jpath, mpath = write_report(report, tmp_path / "reports" / "r1")
    assert jpath.name == "live-chat-protocol.json" and mpath.name == "live-chat-protocol.md"
    data = json.loads(jpath.read_text("utf-8"))
    assert sum(data["summary"].values()) == len(items) and data["findings"][0]["topic"] == "interrupt"
    md = mpath.read_text("utf-8")
    assert md == render_markdown(report) and "| `live.server.stop_play` (`stop_play`)" in md
    assert data["schemas"]["server.user_msg"] == {"frames": 1, "valid": 1, "schema": "server.user_msg.json", "errors": []}
