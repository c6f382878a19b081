"""The OpenAI-compatible stand-in model server on its own (no framework)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from acceptance_fixtures.live_chat.model_server import ModelServer, clean_user_text, make_wav, split_chunks, wav_info

pytestmark = pytest.mark.unit


@pytest.fixture
async def server():
    async with ModelServer(api_key="sk-unit-test", chunk_delay=0.0) as s:
        yield s


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=15)) as s:
        yield s


def auth(server: ModelServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.api_key}"}


async def read_sse(resp: aiohttp.ClientResponse) -> list:
    events = []
    async for raw in resp.content:
        line = raw.decode().strip()
        if line.startswith("data: "):
            body = line[6:]
            events.append(body if body == "[DONE]" else json.loads(body))
    return events


def test_helpers() -> None:
    assert "".join(split_chunks("one two three", 1)) == "one two three"
    assert split_chunks("one two three", 2) == ["one two ", "three"]
    assert split_chunks("", 1) == []
    info = wav_info(make_wav(0.1))
    assert info == {"channels": 1, "sample_width": 2, "rate": 16000, "frames": 1600}
    assert wav_info(b"not a wav") is None
    assert clean_user_text("hi there<system_reminder>Current datetime: x</system_reminder>") == "hi there"


async def test_listens_on_loopback_only(server: ModelServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")


async def test_models_and_auth(server: ModelServer, http: aiohttp.ClientSession) -> None:
    async with http.get(server.base_url + "/models") as resp:
        assert resp.status == 401
        assert (await resp.json())["error"]["type"] == "invalid_api_key"
    async with http.get(server.base_url + "/models", headers=auth(server)) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["object"] == "list" and server.model in [m["id"] for m in body["data"]]
    assert [r.status for r in server.requests] == [401, 200]


async def test_chat_completion_plain(server: ModelServer, http: aiohttp.ClientSession) -> None:
    server.reply = lambda text: f"echo {clean_user_text(text)}"
    payload = {"model": server.model, "messages": [{"role": "system", "content": "be brief"},
                                                  {"role": "user", "content": [{"type": "text", "text": "hello"}]}]}
    async with http.post(server.base_url + "/chat/completions", json=payload, headers=auth(server)) as resp:
        body = await resp.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "echo hello"}
    assert body["choices"][0]["finish_reason"] == "stop" and body["usage"]["total_tokens"] > 0
    assert server.chat_requests()[-1].user_text == "hello" and not server.streams


async def test_chat_completion_sse(server: ModelServer, http: aiohttp.ClientSession) -> None:
    server.reply = "alpha beta gamma"
    payload = {"model": server.model, "stream": True, "stream_options": {"include_usage": True},
               "messages": [{"role": "user", "content": "go"}]}
    async with http.post(server.base_url + "/chat/completions", json=payload, headers=auth(server)) as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        events = await read_sse(resp)
    assert events[-1] == "[DONE]"
    chunks = [e for e in events[:-1] if e["choices"]]
    assert all(e["object"] == "chat.completion.chunk" for e in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "alpha beta gamma"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert events[-2]["usage"]["completion_tokens"] == 3 and events[-2]["choices"] == []
    stream = server.streams[-1]
    assert stream.completed and not stream.aborted and stream.sent == ["alpha ", "beta ", "gamma"]


async def test_sse_client_disconnect_is_recorded(server: ModelServer, http: aiohttp.ClientSession) -> None:
    server.reply = " ".join(f"w{i}" for i in range(50))
    server.chunk_delay = 0.05
    payload = {"model": server.model, "stream": True, "messages": [{"role": "user", "content": "long"}]}
    async with http.post(server.base_url + "/chat/completions", json=payload, headers=auth(server)) as resp:
        await server.wait_for(lambda s: s.streams and len(s.streams[-1].sent) >= 3, timeout=10, what="three deltas")
        resp.close()  # the client goes away mid-stream
    stream = await server.wait_for(lambda s: s.finished_streams() and s.streams[-1], timeout=10, what="the stream to end")
    assert stream.aborted and not stream.completed and 3 <= len(stream.sent) < len(stream.planned)


async def test_transcription_records_the_wav(server: ModelServer, http: aiohttp.ClientSession) -> None:
    server.transcripts.append("first words")
    form = aiohttp.FormData()
    form.add_field("model", "acceptance-whisper")
    form.add_field("file", make_wav(0.2), filename="audio.wav", content_type="audio/wav")
    async with http.post(server.base_url + "/audio/transcriptions", data=form, headers=auth(server)) as resp:
        assert await resp.json() == {"text": "first words"}
    form = aiohttp.FormData()
    form.add_field("file", b"raw", filename="x.bin")
    async with http.post(server.base_url + "/audio/transcriptions", data=form, headers=auth(server)) as resp:
        assert (await resp.json())["text"] == server.default_transcript  # queue empty: the default
    first, second = server.transcriptions
    assert first.wav == {"channels": 1, "sample_width": 2, "rate": 16000, "frames": 3200} and first.filename == "audio.wav"
    assert second.wav is None and second.size == 3


async def test_speech_returns_recorded_wav(server: ModelServer, http: aiohttp.ClientSession) -> None:
    payload = {"model": "acceptance-tts", "input": "Hello there.", "voice": "alloy", "response_format": "wav"}
    async with http.post(server.base_url + "/audio/speech", json=payload, headers=auth(server)) as resp:
        assert resp.content_type == "audio/wav"
        audio = await resp.read()
    assert server.speeches[-1].audio == audio and server.speeches[-1].text == "Hello there."
    assert wav_info(audio)["rate"] == 16000
    async with http.post(server.base_url + "/audio/speech", json={"input": 3}, headers=auth(server)) as resp:
        assert resp.status == 400


async def test_injected_failures(server: ModelServer, http: aiohttp.ClientSession) -> None:
    server.fail_next["/v1/models"] = [500, 503]
    statuses = []
    for _ in range(3):
        async with http.get(server.base_url + "/models", headers=auth(server)) as resp:
            statuses.append(resp.status)
    assert statuses == [500, 503, 200] and not server.fail_next


async def test_wait_for_times_out(server: ModelServer) -> None:
    with pytest.raises(TimeoutError, match="nothing"):
        await server.wait_for(lambda s: None, timeout=0.3, what="nothing")
    await asyncio.sleep(0)
