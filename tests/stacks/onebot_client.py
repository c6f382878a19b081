"""A minimal OneBot v11 reverse-WebSocket client, just enough to drive the LangBot stack in tests.

It connects to the adapter's reverse-WS endpoint as the "protocol endpoint", sends event frames and
answers every action the adapter sends with ``{status: "ok", retcode: 0, data, echo}`` (``data``
carries a fresh ``message_id`` for send actions, ``{}`` otherwise). The full simulator lives in
``fixtures/``; this one only exists so the stack can be tested on its own.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import aiohttp


class OneBotReverseClient:
    def __init__(self, url: str, access_token: str, self_id: int = 10001) -> None:
        self.url = url
        self.access_token = access_token
        self.self_id = self_id
        self.actions: list[dict] = []  # every action frame received, with "t" added
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._ids = itertools.count(50001)

    async def connect(self, timeout: float = 30.0) -> None:
        """Connect, retrying while the adapter's endpoint is not up yet."""
        self._session = aiohttp.ClientSession(trust_env=False)
        headers = {"Authorization": f"Bearer {self.access_token}", "X-Client-Role": "Universal",
                   "X-Self-ID": str(self.self_id)}
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                self._ws = await self._session.ws_connect(self.url, headers=headers, heartbeat=20,
                                                          timeout=aiohttp.ClientWSTimeout(ws_close=5))
                break
            except (aiohttp.ClientError, OSError) as exc:
                last = exc
                await asyncio.sleep(0.5)
        else:
            await self.close()
            raise TimeoutError(f"could not connect to {self.url} within {timeout:.0f}s: {last}")
        self._reader = asyncio.create_task(self._read())
        await self.send_frame({"time": int(time.time()), "self_id": self.self_id, "post_type": "meta_event",
                               "meta_event_type": "lifecycle", "sub_type": "connect"})

    async def _read(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = msg.json()
            if "action" not in frame:
                continue
            frame["t"] = time.time()
            self.actions.append(frame)
            data: dict[str, Any] = {}
            if str(frame["action"]).startswith("send_"):
                data = {"message_id": next(self._ids)}
            await self._ws.send_json({"status": "ok", "retcode": 0, "data": data, "echo": frame.get("echo")})

    async def send_frame(self, frame: dict) -> None:
        assert self._ws is not None, "not connected"
        await self._ws.send_json(frame)

    async def private_text(self, user_id: int, message_id: int, text: str, nickname: str = "alice") -> None:
        await self.send_frame({
            "time": int(time.time()), "self_id": self.self_id, "post_type": "message", "message_type": "private",
            "sub_type": "friend", "message_id": message_id, "user_id": user_id,
            "message": [{"type": "text", "data": {"text": text}}], "raw_message": text, "font": 0,
            "sender": {"user_id": user_id, "nickname": nickname},
        })

    async def group_text(self, group_id: int, user_id: int, message_id: int, text: str, nickname: str = "bob") -> None:
        await self.send_frame({
            "time": int(time.time()), "self_id": self.self_id, "post_type": "message", "message_type": "group",
            "sub_type": "normal", "message_id": message_id, "group_id": group_id, "user_id": user_id,
            "message": [{"type": "text", "data": {"text": text}}], "raw_message": text, "font": 0,
            "sender": {"user_id": user_id, "nickname": nickname, "card": "", "role": "member"},
        })

    async def notice(self, notice_type: str, **fields: Any) -> None:
        await self.send_frame({"time": int(time.time()), "self_id": self.self_id, "post_type": "notice",
                               "notice_type": notice_type, **fields})

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
