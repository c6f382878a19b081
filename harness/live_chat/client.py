"""WebSocket client for AstrBot's live / unified chat endpoints, keeping a transcript of every frame.

Every wait takes a timeout. A connection attempt ends in a :class:`Handshake`: either the upgrade
was accepted (``accepted``, with the open :class:`LiveChatConnection`) or refused (``http_status``,
``body``), and for accepted ones the close code and reason once the server closes.

    hs = await open_ws("ws://127.0.0.1:6185/api/live_chat/ws?token=...", timeout=10)
    conn = hs.require()
    await send_utterance(conn, pcm_tone(0.5), stamp="seg-1")
    frames = await conn.collect_until(lambda f: f.t == "end", timeout=60)
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

from harness.errors import HarnessError


class LiveChatError(HarnessError):
    """A live chat wait timed out or the connection was not usable."""


@dataclass
class Frame:
    """One WebSocket message in either direction (``out`` = client to server)."""

    direction: str
    at: float  # seconds since the connection attempt started
    kind: str  # text | binary | close | error
    raw: str = ""
    data: Any = None
    json_ok: bool = False

    @property
    def t(self) -> str | None:
        """The frame's type: ``t`` (live envelope) or ``type`` (unified chat envelope)."""
        if isinstance(self.data, dict):
            value = self.data.get("t", self.data.get("type"))
            return value if isinstance(value, str) else None
        return None

    def to_dict(self, max_raw: int = 400) -> dict[str, Any]:
        raw = self.raw if len(self.raw) <= max_raw else self.raw[:max_raw] + f"...(+{len(self.raw) - max_raw} chars)"
        data = self.data
        if isinstance(data, dict) and isinstance(data.get("data"), str) and len(data["data"]) > max_raw:
            data = {**data, "data": data["data"][:80] + f"...({len(data['data'])} chars)"}
        return {"direction": self.direction, "at": round(self.at, 4), "kind": self.kind, "t": self.t, "raw": raw,
                "data": data if self.json_ok else None}


@dataclass
class Handshake:
    """Outcome of one WebSocket upgrade attempt."""

    url: str  # with secrets removed (query values replaced by <redacted>)
    accepted: bool
    http_status: int | None = None
    body: str = ""
    error: str = ""
    connection: "LiveChatConnection | None" = None
    elapsed: float = 0.0

    def require(self) -> "LiveChatConnection":
        if not self.accepted or self.connection is None:
            raise LiveChatError(f"WebSocket upgrade to {self.url} refused: HTTP {self.http_status} {self.error} {self.body[:200]}")
        return self.connection

    def to_dict(self) -> dict[str, Any]:
        out = {"url": self.url, "accepted": self.accepted, "http_status": self.http_status, "body": self.body[:500],
               "error": self.error, "elapsed": round(self.elapsed, 3)}
        if self.connection is not None:
            out["close_code"] = self.connection.close_code
            out["close_reason"] = self.connection.close_reason
        return out


def redact_url(url: str) -> str:
    """The URL with every query value replaced (tokens and API keys travel in the query)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [p.split("=", 1)[0] + "=<redacted>" if "=" in p else p for p in parts.query.split("&")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pairs), parts.fragment))


def ws_url(base: str, path: str, **query: str | None) -> str:
    """``ws://host:port`` + ``path`` + the query parameters that are not None."""
    q = urlencode({k: v for k, v in query.items() if v is not None})
    return f"{base.rstrip('/')}{path}" + (f"?{q}" if q else "")


class LiveChatConnection:
    """An open WebSocket. Frames are read by a background task into a transcript and a queue."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, started: float,
                 on_frame: Callable[[Frame], None] | None = None) -> None:
        self._session = session
        self.ws = ws
        self.started = started
        self.transcript: list[Frame] = []
        self._queue: asyncio.Queue[Frame] = asyncio.Queue()
        self._on_frame = on_frame
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.closed_by: str = "client"
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="live-chat-reader")

    def _now(self) -> float:
        return time.monotonic() - self.started

    def _add(self, frame: Frame) -> None:
        self.transcript.append(frame)
        if self._on_frame is not None:
            self._on_frame(frame)
        if frame.direction == "in":
            self._queue.put_nowait(frame)

    async def _read(self) -> None:
        try:
            while True:
                msg = await self.ws.receive()
                if msg.type == aiohttp.WSMsgType.TEXT:
                    try:
                        data, ok = json.loads(msg.data), True
                    except ValueError:
                        data, ok = None, False
                    self._add(Frame("in", self._now(), "text", msg.data, data, ok))
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    self._add(Frame("in", self._now(), "binary", f"<{len(msg.data)} bytes>"))
                elif msg.type == aiohttp.WSMsgType.CLOSE:
                    # The server's close frame: code in msg.data, reason in msg.extra.
                    self.close_code = msg.data if isinstance(msg.data, int) else self.ws.close_code
                    self.close_reason = msg.extra if isinstance(msg.extra, str) else None
                    self.closed_by = "server"
                elif msg.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    break
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    self._add(Frame("in", self._now(), "error", str(self.ws.exception())))
                    break
        except Exception as exc:  # noqa: BLE001 - recorded, the connection is over
            self._add(Frame("in", self._now(), "error", f"{type(exc).__name__}: {exc}"))
        finally:
            if self.close_code is None:
                self.close_code = self.ws.close_code
            self._add(Frame("in", self._now(), "close", f"code={self.close_code} reason={self.close_reason!r}",
                            {"code": self.close_code, "reason": self.close_reason, "by": self.closed_by}, False))
            self.closed.set()

    # ---- sending ----

    async def send(self, obj: dict[str, Any]) -> None:
        raw = json.dumps(obj, ensure_ascii=False)
        self._add(Frame("out", self._now(), "text", raw, obj, True))
        await self.ws.send_str(raw)

    async def send_raw(self, text: str) -> None:
        self._add(Frame("out", self._now(), "text", text, None, False))
        await self.ws.send_str(text)

    # ---- receiving ----

    async def recv(self, timeout: float) -> Frame:
        """The next frame from the server (a ``close`` frame once the connection is over)."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout=timeout)
        except asyncio.TimeoutError:
            raise LiveChatError(f"no frame from the server within {timeout:.1f}s") from None

    async def collect_until(self, stop: Callable[[Frame], bool], *, timeout: float, what: str = "the expected frame") -> list[Frame]:
        """Frames received until (and including) the first one for which ``stop`` is true."""
        deadline = time.monotonic() + timeout
        got: list[Frame] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = ", ".join(str(f.t or f.kind) for f in got) or "nothing"
                raise LiveChatError(f"timed out after {timeout:.1f}s waiting for {what} (received: {seen})")
            try:
                frame = await asyncio.wait_for(self._queue.get(), timeout=remaining)
            except asyncio.TimeoutError:
                continue
            got.append(frame)
            if stop(frame):
                return got
            if frame.kind == "close":
                seen = ", ".join(str(f.t or f.kind) for f in got)
                raise LiveChatError(f"connection closed (code {self.close_code}) while waiting for {what} (received: {seen})")

    async def quiet(self, seconds: float) -> list[Frame]:
        """Every frame that arrives within ``seconds`` (used to show that nothing answers an input)."""
        deadline = time.monotonic() + seconds
        got: list[Frame] = []
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                frame = await asyncio.wait_for(self._queue.get(), timeout=remaining)
            except asyncio.TimeoutError:
                break
            got.append(frame)
            if frame.kind == "close":
                break
        return got

    async def wait_closed(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.closed.wait(), timeout=timeout)
            return True
        except asyncio.TimeoutError:
            return False

    async def close(self, timeout: float = 5.0) -> None:
        try:
            if not self.ws.closed:
                await asyncio.wait_for(self.ws.close(), timeout=timeout)
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
            pass
        finally:
            if not self._reader.done():
                self._reader.cancel()
                try:
                    await asyncio.wait_for(self._reader, timeout=timeout)
                except (asyncio.CancelledError, asyncio.TimeoutError, Exception):  # noqa: BLE001
                    pass
            await self._session.close()

    def received(self) -> list[Frame]:
        return [f for f in self.transcript if f.direction == "in" and f.kind == "text"]


async def open_ws(url: str, *, timeout: float = 10.0, headers: dict[str, str] | None = None,
                  on_frame: Callable[[Frame], None] | None = None) -> Handshake:
    """Attempt the upgrade; a refused upgrade is a result (``accepted=False``), not an exception."""
    started = time.monotonic()
    session = aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=None, connect=timeout))
    shown = redact_url(url)
    try:
        ws = await asyncio.wait_for(session.ws_connect(url, headers=headers, autoping=True, heartbeat=None,
                                                       max_msg_size=64 * 1024 * 1024), timeout=timeout)
    except aiohttp.WSServerHandshakeError as exc:
        await session.close()
        return Handshake(shown, False, http_status=exc.status, error=exc.message or "", elapsed=time.monotonic() - started)
    except asyncio.TimeoutError:
        await session.close()
        return Handshake(shown, False, error=f"no upgrade answer within {timeout:.1f}s", elapsed=time.monotonic() - started)
    except (aiohttp.ClientError, OSError) as exc:
        await session.close()
        # aiohttp's messages can carry the URL with its token: show the masked one.
        return Handshake(shown, False, error=f"{type(exc).__name__}: {exc}".replace(url, shown), elapsed=time.monotonic() - started)
    conn = LiveChatConnection(session, ws, started, on_frame)
    return Handshake(shown, True, http_status=101, connection=conn, elapsed=time.monotonic() - started)


async def probe_handshake(url: str, *, timeout: float = 10.0, settle: float = 1.0,
                          headers: dict[str, str] | None = None) -> Handshake:
    """Attempt the upgrade and, if accepted, wait up to ``settle`` seconds for the server to close.

    The connection is closed by the client afterwards; ``connection.close_code`` tells whether the
    server closed it first (with which code) or left it open (None before the client's own close).
    """
    hs = await open_ws(url, timeout=timeout, headers=headers)
    if hs.accepted and hs.connection is not None:
        conn = hs.connection
        server_closed = await conn.wait_closed(settle)
        if not server_closed:
            conn.close_code = None
        await conn.close()
        if not server_closed:
            conn.close_code, conn.close_reason = None, None
    return hs


# ---- live (voice) mode helpers ----

def pcm_tone(seconds: float, *, rate: int = 16000, freq: float = 440.0) -> bytes:
    """Raw 16-bit little-endian mono PCM at ``rate`` Hz (what the live endpoint expects in ``speaking_part``)."""
    n = max(1, int(rate * seconds))
    return b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n))


async def send_utterance(conn: LiveChatConnection, pcm: bytes, *, stamp: str, chunk_bytes: int = 6400,
                         end: bool = True) -> int:
    """``start_speaking``, the audio as base64 ``speaking_part`` frames, then ``end_speaking``; returns the part count."""
    await conn.send({"t": "start_speaking", "stamp": stamp})
    parts = 0
    for i in range(0, len(pcm), chunk_bytes):
        await conn.send({"t": "speaking_part", "data": base64.b64encode(pcm[i:i + chunk_bytes]).decode("ascii")})
        parts += 1
    if end:
        await conn.send({"t": "end_speaking", "stamp": stamp})
    return parts


@dataclass
class Turn:
    """The frames of one live turn, from the first frame after ``end_speaking`` to ``end`` (or an error)."""

    frames: list[Frame] = field(default_factory=list)

    def of(self, t: str) -> list[Frame]:
        return [f for f in self.frames if f.t == t]

    def types(self) -> list[str]:
        return [str(f.t) for f in self.frames if f.kind == "text"]

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.of("metrics"):
            if isinstance(f.data, dict) and isinstance(f.data.get("data"), dict):
                out.update(f.data["data"])
        return out
