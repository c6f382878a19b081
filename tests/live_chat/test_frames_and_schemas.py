"""Frame schemas, tokens and the WebSocket client, without a framework (a local aiohttp server plays AstrBot)."""

from __future__ import annotations

import base64
import time

import pytest
from aiohttp import web

from harness.live_chat.client import open_ws, pcm_tone, probe_handshake, redact_url, send_utterance, ws_url
from harness.live_chat.schemas import SCHEMA_DIR, check_frame, fits, frame_types, load_schemas
from harness.live_chat.tokens import dashboard_token, decode_unverified, encode_hs256, verify_hs256

pytestmark = pytest.mark.unit

#: Frames exactly as AstrBot 4.14.6 sent / accepted them in a live run (audio shortened).
REAL_SERVER_FRAMES = [
    {"t": "error", "data": "音频组装失败"},
    {"t": "metrics", "data": {"wav_assemble_time": 0.0006926059722900391}},
    {"t": "metrics", "data": {"stt": "openai_whisper_api"}},
    {"t": "user_msg", "data": {"text": "what is the weather today", "ts": 1795323519035}},
    {"t": "metrics", "data": {"llm_ttft": 0.14046883583068848, "llm_total_time": 0.7056670188903809}},
    {"t": "bot_msg", "data": {"text": "This is the acceptance model answering. You said: what is the weather today.", "ts": 1795323519815}},
    {"t": "end"},
    {"t": "metrics", "data": {"wav_to_tts_total_time": 1.1573116779327393}},
    {"t": "metrics", "data": {"speak_to_first_frame": 0.36438918113708496}},
    {"t": "bot_text_chunk", "data": {"text": "This is the acceptance model answering."}},
    {"t": "response", "data": "UklGRqQTAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YYATAAAAAKwDSwfQCi8OXBFLFA=="},
    {"t": "metrics", "data": {"tts_total_time": 0.6274580955505371, "tts_first_frame_time": 0.270977258682251,
                              "tts": "openai_tts_api", "chat_model": "acceptance-chat"}},
]
REAL_CLIENT_FRAMES = [
    {"t": "start_speaking", "stamp": "no-stt"},
    {"t": "speaking_part", "data": "AAAHBPAHnAvwDtIRLBTsFQUXbxcmFywWiRRKEn8PPgygCMAEvACz/ML4CfWj8avuN+xZ6iHpl+jA6JrpHutC7fXv"},
    {"t": "end_speaking", "stamp": "never-started"},
    {"t": "interrupt"},
]


def test_every_schema_is_valid_and_named_after_its_frame() -> None:
    schemas = load_schemas()
    assert {"server.envelope", "client.envelope"} <= set(schemas)
    assert {"server.chat.envelope", "client.chat.envelope"} <= set(schemas)
    for stem, schema in schemas.items():
        t = stem.rsplit(".", 1)[1]
        assert schema["$id"] == f"live_chat/{stem}"
        if t != "envelope":
            key = "type" if stem.startswith("server.chat.") and t != "error" else "t"
            assert schema["properties"][key] == {"const": t}, stem
    assert frame_types("server") == ["bot_msg", "bot_text_chunk", "end", "error", "metrics", "response", "stop_play", "user_msg"]
    assert frame_types("client") == ["end_speaking", "interrupt", "speaking_part", "start_speaking"]
    assert frame_types("client.chat") == ["bind", "interrupt", "send"]
    assert "session_bound" in frame_types("server.chat") and "error" in frame_types("server.chat")
    assert (SCHEMA_DIR / "server.stop_play.json").is_file()


@pytest.mark.parametrize("frame", REAL_SERVER_FRAMES, ids=lambda f: f["t"])
def test_real_server_frames_validate(frame) -> None:
    check = check_frame("in", frame)
    assert check.ok, check.errors


#: Chat-mode frames as AstrBot 4.28.2 sent / accepted them on /api/unified_chat/ws.
REAL_CHAT_SERVER_FRAMES = [
    {"ct": "chat", "type": "session_bound", "session_id": "acceptance-session", "message_id": "ws_sub_765626526610497f9458fc5753a5e782"},
    {"ct": "chat", "type": "user_message_saved", "data": {"id": 1, "created_at": "2026-11-22T05:08:21.621561+00:00",
                                                          "llm_checkpoint_id": "05bcce96-e082-4019-9033-905e41b58631"},
     "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "run_started", "data": {"run_id": "acceptance-msg-1"}, "streaming": False, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "plain", "data": "This ", "streaming": True, "chain_type": None, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "agent_stats", "data": {"token_usage": {"input_other": 9, "input_cached": 0, "output": 11},
                                                   "time_to_first_token": 0.035}, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "complete", "data": "This is it.", "reasoning": "", "streaming": True, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "message_saved", "data": {"id": 2, "created_at": "2026-11-22T05:08:21.782533+00:00",
                                                     "llm_checkpoint_id": "05bcce96"}, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "type": "end", "data": "", "streaming": False, "message_id": "acceptance-msg-1"},
    {"ct": "chat", "t": "error", "data": "INTERRUPTED", "code": "INTERRUPTED"},
    {"ct": "chat", "t": "error", "data": "message must be list", "code": "INVALID_MESSAGE_FORMAT", "message_id": "96dd0153"},
]


@pytest.mark.parametrize("frame", REAL_CHAT_SERVER_FRAMES, ids=lambda f: f.get("type") or f["t"])
def test_real_chat_server_frames_validate(frame) -> None:
    check = check_frame("in", frame)
    assert check.ok and check.direction == "server.chat", check.errors


def test_chat_frames_are_checked_in_their_own_namespace() -> None:
    assert check_frame("out", {"ct": "chat", "t": "bind", "session_id": "s"}).ok
    assert not check_frame("out", {"ct": "chat", "t": "send", "message": "not a list"}).ok
    check = check_frame("in", {"ct": "chat", "type": "end"})
    assert not check.ok and any("'data' is a required property" in e for e in check.errors)
    check = check_frame("in", {"ct": "chat", "type": "brand_new"})
    assert check.schema is None and "no schema for server.chat frame type 'brand_new'" in check.errors[-1]


@pytest.mark.parametrize("frame", REAL_CLIENT_FRAMES, ids=lambda f: f["t"])
def test_real_client_frames_validate(frame) -> None:
    check = check_frame("out", frame)
    assert check.ok, check.errors


@pytest.mark.parametrize("frame, fragment", [
    ({"t": "end", "data": ""}, "Additional properties"),
    ({"t": "user_msg", "data": {"text": "hi"}}, "'ts' is a required property"),
    ({"t": "user_msg", "data": {"text": "hi", "ts": 17}}, "less than the minimum"),
    ({"t": "metrics", "data": {"new_timing": 1.0}}, "Additional properties"),
    ({"t": "metrics", "data": {}}, "should be non-empty"),
    ({"t": "response", "data": "not base64!"}, "does not match"),
    ({"t": "bot_text_chunk", "data": {"text": ""}}, "should be non-empty"),
    ({"t": "error", "data": {"code": 1}}, "is not of type 'string'"),
    ({"t": "bot_delta_chunk", "data": {"text": "Hel"}}, "no schema for server frame type 'bot_delta_chunk'"),
    ({"data": 1}, "'t' is a required property"),
])
def test_wrong_server_frames_fail(frame, fragment) -> None:
    check = check_frame("server", frame)
    assert not check.ok
    assert any(fragment in e for e in check.errors), check.errors


def test_stop_play_schema_from_the_handler_code() -> None:
    # The release never sent stop_play in a run (see docs/live-chat.md); its shape is the handler's literal.
    assert check_frame("server", {"t": "stop_play"}).ok
    assert fits("server", "stop_play", {"t": "stop_play", "data": None})
    assert fits("server", "bot_delta_chunk", {"t": "bot_delta_chunk"}) is None


def test_tokens() -> None:
    tok = dashboard_token("s3cret", "alice", lifetime=60, now=1000.0)
    assert verify_hs256(tok, "s3cret") and not verify_hs256(tok, "other")
    assert decode_unverified(tok) == {"username": "alice", "exp": 1060}
    assert decode_unverified(dashboard_token("s", "a", lifetime=-10))["exp"] < time.time()
    assert decode_unverified(encode_hs256({"exp": 5}, "s")) == {"exp": 5}
    assert decode_unverified("garbage") == {}


def test_urls() -> None:
    url = ws_url("ws://127.0.0.1:1", "/api/live_chat/ws", token="abc", ct=None)
    assert url == "ws://127.0.0.1:1/api/live_chat/ws?token=abc"
    assert redact_url(url + "&username=bob") == "ws://127.0.0.1:1/api/live_chat/ws?token=<redacted>&username=<redacted>"


# ----------------------------------------------------------------------------- the client against a local server

@pytest.fixture
async def fake_endpoint():
    """``/ok`` echoes frames and answers end_speaking with end; ``/reject`` refuses; ``/close`` closes with 1008."""
    received: list = []

    async def ok(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            data = msg.json()
            received.append(data)
            if data.get("t") == "end_speaking":
                await ws.send_json({"t": "user_msg", "data": {"text": "heard", "ts": int(time.time() * 1000)}})
                await ws.send_json({"t": "end"})
        return ws

    async def reject(request: web.Request) -> web.Response:
        return web.Response(status=403)

    async def close(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close(code=1008, message=b"Token expired")
        return ws

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/reject", reject)
    app.router.add_get("/close", close)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}", received
    await runner.cleanup()


async def test_client_turn_and_transcript(fake_endpoint) -> None:
    base, received = fake_endpoint
    hs = await open_ws(base + "/ok?token=secret", timeout=5)
    conn = hs.require()
    assert hs.url.endswith("token=<redacted>")
    parts = await send_utterance(conn, pcm_tone(0.5), stamp="s1", chunk_bytes=6400)
    frames = await conn.collect_until(lambda f: f.t == "end", timeout=5)
    assert [f.t for f in frames] == ["user_msg", "end"]
    assert parts == 3 and [r["t"] for r in received] == ["start_speaking"] + ["speaking_part"] * 3 + ["end_speaking"]
    assert len(base64.b64decode(received[1]["data"])) == 6400
    assert [f.direction for f in conn.transcript[:5]] == ["out"] * 5
    assert await conn.quiet(0.2) == []
    await conn.close()
    assert conn.closed.is_set()


async def test_client_refusal_and_server_close(fake_endpoint) -> None:
    base, _ = fake_endpoint
    hs = await probe_handshake(base + "/reject", timeout=5)
    assert not hs.accepted and hs.http_status == 403
    with pytest.raises(Exception, match="refused"):
        hs.require()
    hs = await probe_handshake(base + "/close", timeout=5, settle=2)
    assert hs.accepted and hs.connection.close_code == 1008 and hs.connection.close_reason == "Token expired"
    assert hs.to_dict()["close_code"] == 1008
    hs = await probe_handshake(base + "/ok", timeout=5, settle=0.3)
    assert hs.accepted and hs.connection.close_code is None  # held open until the client closed it


async def test_client_wait_times_out(fake_endpoint) -> None:
    base, _ = fake_endpoint
    conn = (await open_ws(base + "/ok", timeout=5)).require()
    with pytest.raises(Exception, match="timed out after 0.3s"):
        await conn.collect_until(lambda f: f.t == "end", timeout=0.3)
    await conn.close()
