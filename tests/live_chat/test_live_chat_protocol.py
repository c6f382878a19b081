"""AstrBot's live chat WebSocket as the release under test serves it (``--framework astrbot``).

One AstrBot process (``live`` fixture) with the stand-in model server as its chat / STT / TTS
providers; the tests run in file order and each records what it saw in the ledger, from which the
last test (and the fixture's teardown) writes the comparison with the documented Live API.

    .venv/bin/pytest -m plugin_e2e tests/live_chat --framework astrbot
"""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from harness.live_chat.client import LiveChatConnection, Turn, pcm_tone, send_utterance
from harness.live_chat.protocol import VERDICTS, load_documented
from harness.live_chat.schemas import frame_types
from harness.live_chat.tokens import dashboard_token, encode_hs256

pytestmark = pytest.mark.plugin_e2e

REPLY_TYPES = ("bot_msg", "bot_text_chunk", "response")


def _texts(frames, t: str) -> list[str]:
    return [f.data["data"]["text"] for f in frames if f.t == t]


def _refusal(hs) -> str:
    """How an upgrade was refused: ``HTTP <status>`` before the upgrade, or ``close <code>`` after it."""
    if not hs.accepted:
        return f"HTTP {hs.http_status}"
    return f"close {hs.connection.close_code}" if hs.connection and hs.connection.close_code is not None else "held open"


async def _stream_for(live, user_text: str, timeout: float = 60.0):
    """The model server's (finished) SSE stream whose prompt holds ``user_text``."""
    return await live.model.wait_for(
        lambda s: next((st for st in reversed(s.streams) if user_text in st.user_text and st.done), None),
        timeout=timeout, what=f"the model stream answering {user_text!r}")


# ----------------------------------------------------------------------------- authentication

async def test_authentication_failures_are_refused(live) -> None:
    secret, user = live.stack.jwt_secret, live.stack.admin_user
    cases = {
        "dashboard-jwt:missing": None,
        "dashboard-jwt:garbage": "not-a-jwt",
        "dashboard-jwt:expired": dashboard_token(secret, user, lifetime=-120),
        "dashboard-jwt:foreign-secret": dashboard_token("another-astrbot-" + secret[:8], user),
        "dashboard-jwt:no-username": encode_hs256({"exp": int(time.time()) + 600}, secret),
    }
    live.stack.add_secrets(*[v for v in cases.values() if v])
    outcomes = {}
    for label, token in cases.items():
        hs = await live.attempt("auth", credential=label, valid=False, token=token)
        outcomes[label] = _refusal(hs)
    control = await live.attempt("auth", credential="dashboard-jwt", valid=True, token=live.token)
    assert control.accepted and control.connection.close_code is None, f"a valid dashboard token must be accepted: {control.to_dict()}"

    coded = sorted({c["code"] for c in live.code.closes})
    for label in ("dashboard-jwt:missing", "dashboard-jwt:garbage", "dashboard-jwt:expired", "dashboard-jwt:foreign-secret"):
        # The handler closes with 1008 before accepting; the server may turn that into an HTTP 403 refusal.
        assert outcomes[label] in ("HTTP 403", "close 1008"), f"{label}: {outcomes[label]}"
    assert outcomes["dashboard-jwt:no-username"] != "held open"
    assert 1008 in coded, f"the release's handler no longer closes with 1008: {live.code.closes}"

    forms = sorted(set(outcomes.values()))
    if all(o.startswith("HTTP") for o in outcomes.values()):
        live.ledger.finding("authentication", f"invalid tokens are refused before the upgrade ({', '.join(forms)}); the "
                            f"handler's close({'/'.join(map(str, coded))}, reason) is never seen by the client, so missing, "
                            "invalid, expired and foreign tokens cannot be told apart", "auth")
    if outcomes["dashboard-jwt:no-username"] != outcomes["dashboard-jwt:garbage"]:
        live.ledger.finding("authentication", "a correctly signed token without `username` is refused with "
                            f"{outcomes['dashboard-jwt:no-username']} (an unhandled error), not like other invalid tokens", "auth")
    live.ledger.record_scenario("auth", detail="; ".join(f"{k}: {v}" for k, v in outcomes.items()))


async def test_documented_endpoints_as_served(live) -> None:
    """Every documented path: served exactly when the release's code registers a WebSocket route for it."""
    probes = [
        ("/api/unified_chat/ws", "dashboard-jwt", None, {"token": live.token}),
        ("/api/v1/live/ws", "api-key", None, {"api_key": "abk_acceptance_probe", "username": "alice"}),
        ("/api/v1/live/ws", "api-key", None, {"api_key": "abk_acceptance_probe", "username": "alice", "ct": "chat"}),
        ("/api/v1/live/ws", "api-key-header", {"Authorization": "Bearer abk_acceptance_probe"}, {"username": "alice"}),
        ("/api/v1/live/ws", "dashboard-jwt", None, {"token": live.token, "username": "alice"}),
        # Not in the document: the versioned paths later releases register (see docs/live-chat.md).
        ("/api/v1/live-chat/ws", "dashboard-jwt", None, {"token": live.token}),
        ("/api/v1/unified-chat/ws", "dashboard-jwt", None, {"token": live.token}),
    ]
    results = []
    for path, credential, headers, query in probes:
        hs = await live.attempt("endpoints", path=path, credential=credential, valid=True, headers=headers, **query)
        held = hs.accepted and hs.connection.close_code is None
        results.append(f"{path} [{credential}]: {_refusal(hs)}")
        assert held == (live.code.route_for(path) is not None), \
            f"{path}: upgrade {'held' if held else 'refused'} but the code {'has' if live.code.route_for(path) else 'has no'} route"
    if not live.code.query_params.get("api_key"):
        live.ledger.finding("endpoints", "the release has no API-key authentication for WebSockets; the Open API probes "
                            "used a made-up key", "endpoints")
    live.ledger.record_scenario("endpoints", detail="; ".join(results))


# ----------------------------------------------------------------------------- error frames

async def test_error_frames_without_providers(live) -> None:
    await live.set_providers(chat=False, stt=False, tts=False)
    conn = await live.connect("error_frames")
    await conn.send({"t": "end_speaking", "stamp": "never-started"})
    frames = await conn.collect_until(lambda f: f.t == "error", timeout=15, what="an error for end_speaking without audio")
    assert [f.t for f in frames] == ["error"]
    no_audio = frames[0].data["data"]

    await send_utterance(conn, pcm_tone(0.2), stamp="no-stt")
    frames = await conn.collect_until(lambda f: f.t in ("error", "end"), timeout=30, what="the turn without STT provider")
    assert frames[-1].t == "error", [f.t for f in frames]
    assert not any(f.t in REPLY_TYPES + ("user_msg",) for f in frames)
    no_stt = frames[-1].data["data"]
    assert not conn.closed.is_set(), "an error frame must not end the connection"
    live.ledger.finding("errors", f"`end_speaking` without a started utterance or audio gives error {no_audio!r}; a turn "
                        f"without any STT provider gives error {no_stt!r}", "error_frames")
    live.ledger.record_scenario("error_frames", detail=f"end_speaking without audio -> error {no_audio!r}; "
                                f"utterance without STT provider -> error {no_stt!r}")
    await conn.close()


# ----------------------------------------------------------------------------- a spoken turn

async def test_voice_turn_with_text_reply(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=False)
    live.model.chunk_delay = 0.05
    conn = await live.connect("voice_turn")
    said = "what is the weather today"
    turn, samples = await live.utterance_turn(conn, transcript=said, stamp="turn-1")
    tail = await live.tail(conn)
    stream = await _stream_for(live, said)
    types = turn.types()

    assert types[-1] == "end", types
    assert _texts(turn.frames, "user_msg") == [said]
    assert types.index("user_msg") < types.index("bot_msg") < types.index("end")
    assert not turn.of("bot_text_chunk") and not turn.of("response"), "no TTS provider: no audio frames"
    assert stream.completed and len(stream.sent) > 1
    assert _texts(turn.frames, "bot_msg") == [stream.text], "bot_msg must carry exactly what the model streamed"
    metrics = Turn(turn.frames + tail).metrics()
    assert metrics.get("stt") == "openai_whisper_api" and "wav_assemble_time" in metrics
    chat_req = next(r for r in live.model.chat_requests() if said in r.user_text)
    assert chat_req.stream and chat_req.authorized

    wav = live.stt_wav(said)
    assert wav == {"channels": 1, "sample_width": 2, "rate": 16000, "frames": samples}, wav
    between = [t for t in types[types.index("user_msg") + 1:types.index("end")] if t != "metrics"]
    for t in ("start_speaking", "speaking_part", "end_speaking"):
        live.ledger.record_effect("voice_turn", t, True, f"an utterance of {samples} samples was transcribed by the STT "
                                  f"provider and answered (user_msg, bot_msg, end)", [str(x) for x in types])
    live.ledger.record_scenario("voice_turn", detail=f"spoken turn with chat + STT providers and no TTS: the model streamed "
                                f"{len(stream.sent)} deltas, the client got {len(between)} reply frame(s) ({', '.join(between)})",
                                stt_wav=wav, pcm_samples_sent=samples, model_deltas=len(stream.sent),
                                reply_frames=between, metrics_keys=sorted(metrics))
    if len(between) == 1 and len(stream.sent) > 1:
        live.ledger.finding("streaming", f"the model's {len(stream.sent)} streamed deltas reach the client only as one "
                            f"`{between[0]}` at the end of the turn; there is no per-delta frame", "voice_turn")
    await conn.close()


async def test_stt_edge_cases(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=False)
    conn = await live.connect("stt_edge")
    requests_before = len(live.model.chat_requests())
    live.model.transcripts.append("")
    await send_utterance(conn, pcm_tone(0.2), stamp="silence")
    frames = await conn.quiet(4.0)
    types = [f.t for f in frames if f.kind == "text"]
    assert not any(t in REPLY_TYPES + ("user_msg",) for t in types), types
    assert len(live.model.chat_requests()) == requests_before, "an empty transcript must not reach the model"
    if not {"end", "error"} & set(types):  # a finding only where the release really leaves the turn open
        live.ledger.finding("stt", f"an utterance transcribed as empty text gets {', '.join(types) or 'no frame'} and then "
                            f"nothing: no `end` and no `error` close the turn", "stt_edge")

    live.model.fail_next["/v1/audio/transcriptions"] = 400
    await send_utterance(conn, pcm_tone(0.2), stamp="stt-fails")
    frames = await conn.collect_until(lambda f: f.t in ("error", "end"), timeout=30, what="the turn whose STT fails")
    assert frames[-1].t == "error", [f.t for f in frames]
    failed = frames[-1].data["data"]

    turn, _ = await live.utterance_turn(conn, transcript="are you still there", stamp="after-errors")
    assert turn.types()[-1] == "end" and turn.of("bot_msg"), "the connection must still serve turns after STT errors"
    live.ledger.record_scenario("stt_edge", detail=f"empty transcript -> {', '.join(types)}; STT HTTP 400 -> error {failed!r}")
    await conn.close()


# ----------------------------------------------------------------------------- interrupts

async def _until_streaming(live, said: str, deltas: int = 3):
    return await live.model.wait_for(
        lambda s: next((st for st in s.streams if said in st.user_text and len(st.sent) >= deltas and not st.done), None),
        timeout=30, what=f"the model to be streaming the answer to {said!r}")


async def test_interrupt_while_streaming(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=False)
    live.model.chunk_delay = 0.25
    try:
        conn = await live.connect("interrupt_mid_stream")
        said = "first question"
        live.model.transcripts.append(said)
        await send_utterance(conn, pcm_tone(0.3), stamp="int-1")
        await conn.collect_until(lambda f: f.t == "user_msg", timeout=30, what="user_msg")
        streaming = await _until_streaming(live, said)
        sent_before = len(streaming.sent)
        t_interrupt = time.monotonic() - conn.started
        await conn.send({"t": "interrupt"})
        frames = await conn.collect_until(lambda f: f.t in ("end", "stop_play", "error"), timeout=60,
                                          what="the interrupted turn to end")
        frames += await conn.quiet(2.0)
        stream = await _stream_for(live, said)
    finally:
        live.model.chunk_delay = 0.05
    types = [f.t for f in frames if f.kind == "text"]
    stopped = "stop_play" in types
    if stopped:
        after = types[types.index("stop_play") + 1:]
        assert not any(t in REPLY_TYPES for t in after), f"reply frames after stop_play: {types}"
        ends_at = next(f.at for f in frames if f.t == "stop_play")
        detail = (f"interrupt sent after {sent_before}/{len(stream.planned)} model deltas; stop_play {ends_at - t_interrupt:.2f}s "
                  f"later; the model stream was {'cut' if stream.aborted else 'run to the end'} ({len(stream.sent)} deltas)")
    else:
        assert types[-1] != "error" and "end" in types and _texts(frames, "bot_msg") == [stream.text], types
        ends_at = next(f.at for f in frames if f.t == "end")
        detail = (f"interrupt sent after {sent_before}/{len(stream.planned)} model deltas; no stop_play: the turn went on "
                  f"and ended {ends_at - t_interrupt:.2f}s later with the full reply (bot_msg, end); the model stream "
                  f"{'was cut' if stream.aborted else 'ran to the end'} ({len(stream.sent)}/{len(stream.planned)} deltas)")

    # A stale interrupt must not cut the next turn short.
    turn, _ = await live.utterance_turn(conn, transcript="next question", stamp="int-2")
    next_stream = await _stream_for(live, "next question")
    assert turn.types()[-1] == "end" and _texts(turn.frames, "bot_msg") == [next_stream.text], turn.types()
    live.ledger.record_effect("interrupt_mid_stream", "interrupt", stopped, detail, [str(t) for t in types])
    live.ledger.record_scenario("interrupt_mid_stream", detail=detail, stop_play=stopped, stream_aborted=stream.aborted)
    if not stopped:
        live.ledger.finding("interrupt", "`interrupt` during a streamed reply does not stop it: " + detail
                            + "; the following turn was answered normally", "interrupt_mid_stream")
    await conn.close()


async def test_new_input_while_streaming(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=False)
    live.model.chunk_delay = 0.25
    first, second = "tell me about rivers", "actually tell me about mountains"
    try:
        conn = await live.connect("new_input_mid_stream")
        live.model.transcripts.append(first)
        await send_utterance(conn, pcm_tone(0.3), stamp="new-1")
        await conn.collect_until(lambda f: f.t == "user_msg", timeout=30, what="user_msg of the first turn")
        first_stream = await _until_streaming(live, first)
        sent_at_second = len(first_stream.sent)
        live.model.transcripts.append(second)
        await send_utterance(conn, pcm_tone(0.3), stamp="new-2")
        ends: list[str] = []

        def second_end(f) -> bool:
            if f.t in ("end", "stop_play", "error"):
                ends.append(str(f.t))
            return len(ends) >= 2

        frames = await conn.collect_until(second_end, timeout=90, what="both turns to end")
        s1, s2 = await _stream_for(live, first), await _stream_for(live, second)
    finally:
        live.model.chunk_delay = 0.05
    types = [f.t for f in frames if f.kind == "text"]
    users = _texts(frames, "user_msg")
    assert users == [second], f"user_msg frames after the first one: {users} ({types})"
    replies = _texts(frames, "bot_msg")
    assert set(replies) <= {s1.text, s2.text} and s2.text in replies, "each reply must be the text of its own model stream"
    queued = s2.started_at >= (s1.ended_at or 0)
    first_completed = s1.text in replies
    detail = (f"second utterance sent while the first reply streamed ({sent_at_second}/{len(s1.planned)} model deltas sent): "
              f"first reply {'completed' if first_completed else 'dropped'}, second "
              f"{'queued until the first turn ended' if queued else 'processed concurrently'}; frames: {', '.join(types)}")
    live.ledger.record_scenario("new_input_mid_stream", detail=detail, queued=queued, first_completed=first_completed)
    live.ledger.finding("barge-in", detail, "new_input_mid_stream")
    await conn.close()


# ----------------------------------------------------------------------------- frames the release may not know

async def _probe_frame(live, conn: LiveChatConnection, probe: str, t: str, frame: dict, wait: float = 4.0) -> None:
    before = len(live.model.requests)
    await conn.send(frame)
    got = await conn.quiet(wait)
    reaction = [str(f.t or f.kind) for f in got if f.kind in ("text", "close")]
    model_calls = len(live.model.requests) - before
    observed = bool(reaction) or model_calls > 0
    detail = (f"answered with {', '.join(reaction) or 'no frame'}; model server requests: {model_calls}" if observed
              else f"no frame within {wait:.0f}s, no request to the model server, connection left open")
    live.ledger.record_effect(probe, t, observed, detail, reaction)
    assert not conn.closed.is_set(), f"{t} ({probe}) closed the connection: {reaction}"


async def _chat_interrupt_mid_stream(live, chat: LiveChatConnection) -> None:
    """Chat mode's documented interrupt: sent while a `send` is being answered; does the forwarding stop?"""
    said, mid = "tell me a long story please", "acceptance-msg-2"
    live.model.chunk_delay = 0.25
    try:
        await chat.send({"ct": "chat", "t": "send", "session_id": "acceptance-session", "message_id": mid,
                         "message": [{"type": "plain", "text": said}], "enable_streaming": True})
        streaming = await _until_streaming(live, said)
        before = len(streaming.sent)
        mark = len(chat.transcript)
        await chat.send({"ct": "chat", "t": "interrupt", "message_id": mid})
        stream = await _stream_for(live, said)
        await chat.quiet(2.0)
    finally:
        live.model.chunk_delay = 0.05
    after = [f for f in chat.transcript[mark:] if f.direction == "in" and f.kind == "text"]
    forwarded = sum(1 for f in after if f.t == "plain" and f.data.get("streaming"))
    remaining = len(stream.sent) - before
    stopped = forwarded < remaining
    detail = (f"interrupt sent after {before}/{len(stream.planned)} model deltas: answered with "
              f"{', '.join(dict.fromkeys(str(f.t) for f in after)) or 'nothing'}; {forwarded} of the {remaining} later deltas "
              f"were forwarded; the model stream {'was cut' if stream.aborted else 'ran to the end'}")
    live.ledger.record_effect("chat_frames", "interrupt", stopped, detail, [str(f.t) for f in after])


async def test_documented_frames_the_handler_may_ignore(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=False)
    conn = await live.connect("text_input")
    await _probe_frame(live, conn, "text_input", "text_input", {"t": "text_input", "text": "Hello, what is the weather today?"})
    live.ledger.record_scenario("text_input", detail="text_input with `text` on the live endpoint")
    await _probe_frame(live, conn, "text_input_parts", "text_input",
                       {"t": "text_input", "message": [{"type": "plain", "text": "see this"},
                                                       {"type": "image", "attachment_id": "att_acceptance"}]})
    live.ledger.record_scenario("text_input_parts", detail="text_input with message parts on the live endpoint")

    # Chat mode goes to the unified socket when the release has one, else to the live endpoint with ct=chat.
    unified = "/api/unified_chat/ws" if live.code.route_for("/api/unified_chat/ws") else None
    chat = await live.connect("chat_frames", path=unified, ct=None if unified else "chat")
    await _probe_frame(live, chat, "chat_frames", "bind", {"ct": "chat", "t": "bind", "session_id": "acceptance-session"})
    await _probe_frame(live, chat, "chat_frames", "send",
                       {"ct": "chat", "t": "send", "username": live.stack.admin_user, "session_id": "acceptance-session",
                        "message_id": "acceptance-msg-1", "message": [{"type": "plain", "text": "Please summarize this"}],
                        "enable_streaming": True})
    await _probe_frame(live, chat, "chat_frames", "interrupt", {"ct": "chat", "t": "interrupt"}, wait=2.0)
    if unified:
        await _chat_interrupt_mid_stream(live, chat)
    live.ledger.record_scenario("chat_frames", detail="bind, send and interrupt with ct=chat on "
                                + (f"{unified}" if unified else "the live endpoint (opened with the query ct=chat)"))
    live.relabel(chat, "chat_invalid")
    await _probe_frame(live, chat, "chat_invalid", "send",
                       {"ct": "chat", "t": "send", "session_id": "acceptance-session", "message": "not a list"}, wait=2.0)
    live.ledger.record_scenario("chat_invalid", detail="a chat `send` whose `message` is not a list")

    live.relabel(chat, "chat_frames")
    for c, stamp in ((conn, "after-text-input"), (chat, "after-chat-frames")) if not unified else ((conn, "after-text-input"),):
        turn, _ = await live.utterance_turn(c, transcript=f"still working {stamp}", stamp=stamp)
        assert turn.types()[-1] == "end", f"{stamp}: the connection must still serve a spoken turn: {turn.types()}"
    await conn.close()
    await chat.close()


async def test_malformed_frame(live) -> None:
    conn = await live.connect("malformed")
    await conn.send_raw("this is not JSON")
    closed = await conn.wait_closed(10.0)
    if closed:
        live.ledger.finding("robustness", f"a text frame that is not JSON ends the connection (close code "
                            f"{conn.close_code}, reason {conn.close_reason!r}) instead of an `error` frame", "malformed")
        assert conn.close_code is not None
    else:
        turn, _ = await live.utterance_turn(conn, transcript="after garbage", stamp="after-garbage")
        assert turn.types()[-1] == "end"
    live.ledger.record_scenario("malformed", detail=f"non-JSON text frame -> {'closed ' + str(conn.close_code) if closed else 'ignored'}")
    await conn.close()


# ----------------------------------------------------------------------------- with text-to-speech

async def test_voice_turn_with_tts(live) -> None:
    await live.set_providers(chat=True, stt=True, tts=True)
    try:
        conn = await live.connect("tts_turn")
        said = "tell me a short story"
        speeches_before = len(live.model.speeches)
        turn, _ = await live.utterance_turn(conn, transcript=said, stamp="tts-1")
        tail = await live.tail(conn)
        stream = await _stream_for(live, said)
    finally:
        await live.set_providers(chat=True, stt=True, tts=False)
    types = turn.types()
    chunks, audio = turn.of("bot_text_chunk"), turn.of("response")
    speeches = live.model.speeches[speeches_before:]
    assert types[-1] == "end" and not turn.of("bot_msg"), types
    assert chunks and len(audio) == len(chunks) == len(speeches), (types, len(speeches))
    for i, f in enumerate(turn.frames):
        if f.t == "response":
            assert turn.frames[i - 1].t == "bot_text_chunk", "each audio chunk follows its text"
    assert [c.data["data"]["text"] for c in chunks] == [s.text for s in speeches]
    assert [hashlib.sha256(base64.b64decode(a.data["data"])).hexdigest() for a in audio] == [s.sha256 for s in speeches], \
        "every `response` must carry exactly the audio the TTS provider returned"
    assert "".join(c.data["data"]["text"] for c in chunks).strip() == stream.text.strip()
    metrics = Turn(turn.frames + tail).metrics()
    assert {"tts", "tts_total_time", "speak_to_first_frame"} <= set(metrics), sorted(metrics)
    live.ledger.record_scenario("tts_turn", detail=f"spoken turn with a TTS provider: the model streamed {len(stream.sent)} "
                                f"deltas, the client got {len(chunks)} sentence chunk(s) each followed by its audio",
                                model_deltas=len(stream.sent), sentence_chunks=len(chunks))
    await conn.close()


# ----------------------------------------------------------------------------- schemas and the report

async def test_every_frame_matches_its_schema(live) -> None:
    frames = live.ledger.frames
    server = [f for f in frames if f["direction"] == "in"]
    assert server, "no server frame was recorded"
    bad = [f for f in server if not f["schema"]["ok"]]
    assert not bad, f"server frames not matching their schema: {[(f['t'], f['schema']['errors']) for f in bad[:5]]}"
    client_known = set(frame_types("client"))
    chat_known = set(frame_types("client.chat"))
    # Client frames of known types, except the deliberately malformed chat request.
    sent = [f for f in frames if f["direction"] == "out" and f["scenario"] != "chat_invalid"
            and f.get("t") in (chat_known if f.get("ct") is not None else client_known)]
    bad = [f for f in sent if not f["schema"]["ok"]]
    assert sent and not bad, [(f["t"], f["schema"]["errors"]) for f in bad[:5]]
    # The schemas cover every frame type the release's handler sends or reads.
    assert live.code.emitted_types(chat=False) <= set(frame_types("server")), live.code.emitted_types(chat=False)
    assert live.code.emitted_types(chat=True) <= set(frame_types("server.chat")), live.code.emitted_types(chat=True)
    assert set(live.code.accepted) <= client_known | (chat_known if live.code.reads_ct else set()), sorted(live.code.accepted)
    unexercised = sorted(set(frame_types("server")) - {f["t"] for f in server if f.get("ct") is None})
    if unexercised:
        live.ledger.finding("schemas", f"server frame schema(s) never checked on a real frame in this run: "
                            f"{', '.join(unexercised)} (the release did not send them)")


async def test_protocol_comparison_report(live, acceptance) -> None:
    jpath, mpath = live.write_report()
    assert jpath == acceptance.report_dir / acceptance.run_id / "live-chat-protocol.json" and jpath.is_file() and mpath.is_file()
    import json

    report = json.loads(jpath.read_text("utf-8"))
    _, items = load_documented()
    assert [i["id"] for i in report["items"]] == [i.id for i in items]
    for it in report["items"]:
        assert it["verdict"] in VERDICTS and it["how"], it
        if it["kind"] == "server_frame" and it["verdict"] == "served" and "observed" in it["basis"]:
            assert it["evidence"]["frames_seen"] > 0, it
        if it["kind"] == "server_frame" and it["evidence"]["frames_seen"]:
            assert it["verdict"] != "absent", it
    md = mpath.read_text("utf-8")
    assert all(f"`{i.id}`" in md for i in items)
    print("\n" + "\n".join(f"{it['verdict']:>18}  {it['id']}: {it['how']}" for it in report["items"]))
