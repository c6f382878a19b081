"""The KOOK adapter double (see ``tests/platforms/adapter_double.py``): a bot that asks ``gateway/index`` for the
WebSocket URL, connects, waits for HELLO (``s=1``) and collects events (``s=0``, zlib per frame with ``compress=1``),
and calls the HTTP API v3 with ``Authorization: Bot <token>``, as LangBot's kook-omni does.

"Connected" is "the gateway said HELLO on the live socket"; :meth:`dial` fails when ``gateway/index`` is refused or
HELLO does not come within 6 s (the adapter's own deadline)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from typing import Any

import aiohttp

from acceptance_fixtures.world import World
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer

HELLO_WAIT = 6.0


def decode(data: str | bytes) -> dict[str, Any]:
    if isinstance(data, bytes):
        data = zlib.decompress(data).decode("utf-8")
    return json.loads(data)


class KookDouble(AdapterDouble):
    platform = "kook"

    def __init__(self, token: str, *, compress: int = 1) -> None:
        super().__init__(token)
        self.compress = compress
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self.hello: dict[str, Any] | None = None
        self.frames: list[dict[str, Any]] = []  # every frame after HELLO (events, pongs, resume acks, reconnects)
        self.binary = 0

    # ---- the platform's actions ---------------------------------------------------------------------------------
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("user/me", {}), ("channel/view", {"target_id": world.roles["main_group"]})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "message/create", {"target_id": world.roles["main_group"], "content": text, "type": 1}

    def answer(self, reply: Any) -> Answer:
        _, body = reply
        if body.get("code") == 0:
            return Answer(True, 0, None)
        return Answer(False, body.get("code"), body.get("message"))

    # ---- the connection ----------------------------------------------------------------------------------------
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the simulator never dials a KOOK bot: the bot connects to the gateway")

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        await self._stop_reader()
        status, body = await self.call("gateway/index", {"compress": self.compress}, method="GET")
        if status != 200 or body.get("code") != 0:
            raise ConnectionError(f"gateway/index refused: HTTP {status} {body}")
        ws = await self._session.ws_connect(body["data"]["url"])
        try:
            msg = await ws.receive(timeout=HELLO_WAIT)
        except asyncio.TimeoutError:
            await ws.close()
            raise ConnectionError(f"no HELLO within {HELLO_WAIT}s") from None
        if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            raise ConnectionError(f"the gateway closed before HELLO ({msg.type})")
        hello = decode(msg.data)
        if hello.get("s") != 1 or (hello.get("d") or {}).get("code") != 0:
            await ws.close()
            raise ConnectionError(f"HELLO refused: {hello}")
        self.hello = hello
        self._ws = ws
        self.connections += 1
        self._reader = asyncio.create_task(self._read(ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for msg in ws:
                if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    break
                self.binary += msg.type == aiohttp.WSMsgType.BINARY
                frame = decode(msg.data)
                self.frames.append(frame)
                if frame.get("s") == 0:
                    self.events.append(frame)
        finally:
            if self._ws is ws:
                self._ws = None

    async def ping(self, sn: int) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"s": 2, "sn": sn}))

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT, *, method: str | None = None) -> Any:
        assert self._session is not None or method is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        url = f"{self.simulator_url}/api/v3/{action}"
        headers = {"Authorization": f"Bot {self.token}"}
        get = (method or ("GET" if action.split("/")[-1] in ("me", "view", "list", "index", "user-list") else "POST")) == "GET"
        kw: dict[str, Any] = {"params": {k: str(v) for k, v in params.items()}} if get else {"json": params}
        async with self._session.request("GET" if get else "POST", url, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=timeout), **kw) as resp:
            return resp.status, await resp.json(content_type=None)

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        async def until() -> None:
            while not (self._ws is not None and self.connections >= connections):
                await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"kook double: no gateway connection #{connections} within {timeout}s") from None

    async def next_frame(self, where: Any, timeout: float = WAIT) -> dict[str, Any]:
        async def until() -> dict[str, Any]:
            while True:
                for f in self.frames:
                    if where(f):
                        return f
                await asyncio.sleep(0.02)
        return await asyncio.wait_for(until(), timeout)

    async def _stop_reader(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None

    async def close(self) -> None:
        await self._stop_reader()
        if self._session is not None:
            await self._session.close()
            self._session = None


DOUBLE = KookDouble
