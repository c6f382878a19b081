"""The Discord adapter double (see ``tests/platforms/adapter_double.py``): a bot that keeps a gateway session as
discord.py does (HELLO, IDENTIFY with its token, READY, heartbeats, answering member chunk requests is the
platform's job) and calls the REST API with ``Authorization: Bot <token>``.

The configured adapter has no URL (the egress plan sends Discord's host names to the simulator), so the double
dials the simulator's address: ``/gateway`` for the WebSocket, ``/api/v10`` for REST. An action is
``"<METHOD> <path>"``; the simulator records it under Discord's endpoint name, which :meth:`recorded_as` gives."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from acceptance_fixtures.platforms.discord import objects as dc
from acceptance_fixtures.world import World
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer


class DiscordDouble(AdapterDouble):
    platform = "discord"

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._beat: asyncio.Task[None] | None = None
        self.seq: int | None = None
        self.session_id: str | None = None
        self.ready = False

    # ---- the platform's actions ---------------------------------------------------------------------------------
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("get_current_user", {}), ("get_guild", {"guild_id": world.roles["main_group"]})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "create_message", {"channel_id": dc.general(world.roles["main_group"]), "content": text}

    def answer(self, reply: Any) -> Answer:
        status, body = reply
        if 200 <= status < 300:
            return Answer(True, 0, None)
        return Answer(False, body.get("code") if isinstance(body, dict) else status,
                      body.get("message") if isinstance(body, dict) else None)

    # ---- the connection ----------------------------------------------------------------------------------------
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the simulator never dials a Discord bot: the bot opens the gateway")

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        await self._stop()
        self.ready = False
        ws = await self._session.ws_connect(self.simulator_url.replace("http://", "ws://") + "/gateway?v=10&encoding=json")
        hello = json.loads((await ws.receive(timeout=WAIT)).data)
        assert hello["op"] == 10, hello
        await ws.send_str(json.dumps({"op": 2, "d": {"token": adapter_config.get("token") or adapter_config["discord_token"], "intents": 3276799,
                                                      "properties": {"os": "linux", "browser": "double", "device": "double"}}}))
        ready = json.loads((await ws.receive(timeout=WAIT)).data)
        if ready.get("t") != "READY":
            await ws.close()
            raise ConnectionError(f"gateway refused the bot: {ready}")
        self._ws = ws
        self.seq, self.session_id, self.ready = ready["s"], ready["d"]["session_id"], True
        self.connections += 1
        self._reader = asyncio.create_task(self._read(ws))
        self._beat = asyncio.create_task(self._heartbeat(ws, hello["d"]["heartbeat_interval"] / 1000))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if frame.get("s") is not None:
                    self.seq = frame["s"]
                if frame.get("op") == 0:
                    self.events.append(frame)
        finally:
            if self._ws is ws:
                self._ws = None
                self.ready = False

    async def _heartbeat(self, ws: aiohttp.ClientWebSocketResponse, interval: float) -> None:
        with contextlib.suppress(Exception):
            while not ws.closed:
                await ws.send_str(json.dumps({"op": 1, "d": self.seq}))
                await asyncio.sleep(interval)

    def _request(self, action: str, params: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
        p = dict(params)
        if action == "get_current_user":
            return "GET", "/users/@me", None
        if action == "get_guild":
            return "GET", f"/guilds/{p.pop('guild_id')}", None
        if action == "create_message":
            return "POST", f"/channels/{p.pop('channel_id')}/messages", p
        method, _, path = action.partition(" ")
        return method, path, p or None

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        assert self._session is not None
        method, path, body = self._request(action, params)
        async with self._session.request(method, f"{self.simulator_url}/api/v10{path}", json=body,
                                         headers={"Authorization": f"Bot {self.token}"},
                                         timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            text = await resp.text()
            return resp.status, json.loads(text) if text else {}

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        async def until() -> None:
            while not (self.ready and self.connections >= connections):
                await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"discord double: no gateway session (connection #{connections}) within {timeout}s") from None

    async def _stop(self) -> None:
        for task in (self._beat, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._beat = self._reader = None
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._ws = None

    async def close(self) -> None:
        await self._stop()
        if self._session is not None:
            await self._session.close()
            self._session = None


DOUBLE = DiscordDouble
