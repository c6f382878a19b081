"""The QQ Official adapter double (see ``tests/platforms/adapter_double.py``): a bot that gets an access token from
the token endpoint and calls the OpenAPI with ``Authorization: QQBot <token>``, and receives events either through
the WebSocket gateway (``websocket``: GET /gateway, HELLO, IDENTIFY, READY, heartbeats) or as signed callbacks on its
webhook route (``webhook``: it answers the op 13 validation with the Ed25519 signature seeded from its secret).

"Connected" is an identified gateway connection, or (webhook) a validation answered."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Callable

import aiohttp
from aiohttp import web

from acceptance_fixtures.platforms.qqofficial import objects as qq
from acceptance_fixtures.platforms.qqofficial.bindings import ASTRBOT_CALLBACK
from acceptance_fixtures.platforms.qqofficial.rest import ROUTES
from acceptance_fixtures.world import World
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer

_ROUTE = {action: (method, path) for method, path, action in ROUTES}


class QQOfficialDouble(AdapterDouble):
    platform = "qqofficial"

    def __init__(self, token: str) -> None:
        super().__init__(token)  # the app secret
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.access_token = ""
        self.up = False
        self._port = 0

    # ---- the platform's actions ---------------------------------------------------------------------------------
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("me", {}), ("gatewayBot", {})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "groupMessage", {"id": world.roles["main_group"], "content": text, "msg_type": 0, "msg_seq": 1}

    def answer(self, reply: Any) -> Answer:
        status, body = reply
        if 200 <= status < 300:
            return Answer(True, 0, None)
        return Answer(False, body.get("code"), body.get("message"))

    # ---- HTTP ---------------------------------------------------------------------------------------------------
    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=WAIT + 10))
        return self._session

    async def _fetch_token(self) -> None:
        async with self._http().post(f"{self.simulator_url}/app/getAppAccessToken",
                                     json={"appId": qq.APP_ID, "clientSecret": self.token}) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200 or not body.get("access_token"):
                raise ConnectionError(f"access token refused: HTTP {resp.status} {body}")
            self.access_token = body["access_token"]

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        if not self.access_token:
            await self._fetch_token()
        method, path = _ROUTE[action]
        body = dict(params)
        path = path.replace("{id}", str(body.pop("id", "")))
        headers = {"Authorization": f"QQBot {self.access_token}"}
        kw: dict[str, Any] = {"json": body} if method in ("POST", "PUT") else {}
        async with self._http().request(method, self.simulator_url + path, headers=headers, timeout=timeout, **kw) as resp:
            return resp.status, await resp.json(content_type=None)

    # ---- the gateway (websocket mode) -------------------------------------------------------------------------------
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        """LangBot's webhook route ``/bots/<uuid>`` on its API port, or AstrBot's own callback server on its ``port``."""
        if self._runner is not None:
            return self._port
        app = web.Application()
        app.router.add_post("/bots/{bot}", self._callback)
        app.router.add_post(ASTRBOT_CALLBACK, self._callback)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", int(adapter_config.get("port") or 0))
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self._port

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        payload = await request.json()
        if payload.get("op") == 13:
            d = payload["d"]
            signature = qq.sign(self.token, (d["event_ts"] + d["plain_token"]).encode())
            self.connections += 1
            self.up = True
            await self._notify()
            return web.json_response({"plain_token": d["plain_token"], "signature": signature})
        self.events.append(payload)
        await self._notify()
        return web.json_response({"code": 0, "message": "success"})

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        if adapter_config.get("type") == "qq_official_webhook":  # AstrBot: log in first, then serve the callback
            await self._fetch_token()
            await self.serve(adapter_config)
            return
        await self._drop_ws()
        await self._fetch_token()
        status, body = await self.call("gateway", {})
        if status != 200:
            raise ConnectionError(f"gateway URL refused: HTTP {status} {body}")
        ws = await self._http().ws_connect(body["url"])
        hello = json.loads((await ws.receive(timeout=WAIT)).data)
        assert hello["op"] == 10, hello
        await ws.send_str(json.dumps({"op": 2, "d": {"token": f"QQBot {self.access_token}", "intents": 1 << 25,
                                                     "shard": [0, 1]}}))
        ready = json.loads((await ws.receive(timeout=WAIT)).data)
        if ready.get("t") != "READY":
            await ws.close()
            raise ConnectionError(f"no READY: {ready}")
        self._ws = ws
        self.connections += 1
        self.up = True
        self._reader = asyncio.create_task(self._read(ws, hello["d"]["heartbeat_interval"] / 1000))
        await self._notify()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, interval: float) -> None:
        async def beat() -> None:
            while True:
                await asyncio.sleep(interval)
                await ws.send_str(json.dumps({"op": 1, "d": None}))

        beats = asyncio.create_task(beat())
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                    if frame.get("op") == 0:
                        self.events.append(frame)
                        await self._notify()
        finally:
            beats.cancel()
            if self._ws is ws:
                self._ws = None
                self.up = False
            await self._notify()

    async def _drop_ws(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 2.0)
            self._reader = None

    # ---- waiting ------------------------------------------------------------------------------------------------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        async def loop() -> None:
            async with self._changed:
                while not predicate():
                    await self._changed.wait()

        try:
            await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            raise AssertionError(f"qqofficial double: timed out after {timeout}s waiting for {what}") from None

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        await self._wait(lambda: self.up and self.connections >= connections, timeout, f"connection #{connections}")

    async def next_event(self, where: Callable[[dict[str, Any]], bool], timeout: float = WAIT) -> dict[str, Any]:
        await self._wait(lambda: any(where(e) for e in self.events), timeout, "an event")
        return next(e for e in self.events if where(e))

    async def close(self) -> None:
        await self._drop_ws()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()


DOUBLE = QQOfficialDouble
