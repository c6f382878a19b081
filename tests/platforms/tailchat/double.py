"""The Tailchat adapter double (see ``tests/platforms/adapter_double.py``): an OpenApp bot that serves the callback
route ``/tailchat/callback/<robot_id>`` (checking ``?token=``), logs in with ``md5(appId + appSecret)`` and calls the
OpenAPI with ``X-Token``, configured from the binding's ``adapter_config``.

"Connected" is "logged in": :meth:`dial` starts the callback server once and logs in (raising when refused)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import aiohttp
from aiohttp import web

from acceptance_fixtures.platforms.tailchat.codec import CALLBACK_PREFIX, ROUTES
from acceptance_fixtures.world import World
from tests.platforms.adapter_double import BOT_ID, WAIT, AdapterDouble, Answer


class TailchatDouble(AdapterDouble):
    platform = "tailchat"

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.robot_id = BOT_ID
        self.cfg: dict[str, Any] = {}
        self.jwt: str | None = None
        self.rejected = 0
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    # ---- the platform's actions ---------------------------------------------------------------------------------
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return (("getUserInfo", {"userId": world.roles["owner"]}),
                ("fetchNearbyMessage", {"groupId": world.roles["main_group"], "converseId": world.roles["main_panel"],
                                        "messageId": world.roles["bot_message"], "num": 1}))

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "sendMessage", {"groupId": world.roles["main_group"], "converseId": world.roles["main_panel"],
                               "content": text, "plain": text}

    def answer(self, reply: Any) -> Answer:
        status, body = reply
        if status == 200 and body.get("code") == 200:
            return Answer(True, 0, None)
        return Answer(False, body.get("code"), body.get("message"))

    # ---- the connection ----------------------------------------------------------------------------------------
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the Tailchat adapter dials the simulator (login, sendMessage); it also serves callbacks")

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["robot_id"] != self.robot_id or request.query.get("token") != self.cfg.get("callback_token"):
            self.rejected += 1
            return web.json_response({"ok": False}, status=403)
        self.events.append(await request.json())
        return web.json_response({"ok": True})

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        self.cfg = adapter_config
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        if self._runner is None:
            app = web.Application()
            app.router.add_post(CALLBACK_PREFIX + "{robot_id}", self._callback)
            self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await self._runner.setup()
            await web.TCPSite(self._runner, adapter_config["listen_host"], int(adapter_config["listen_port"])).start()
        app_id = str(adapter_config["app_id"])
        token = hashlib.md5((app_id + self.token).encode()).hexdigest()
        status, body = await self._post("login", {"appId": app_id, "token": token}, jwt=None)
        if status != 200:
            raise ConnectionError(f"login refused: HTTP {status} {body}")
        self.jwt = body["data"]["jwt"]
        self.connections += 1

    async def _post(self, action: str, params: dict[str, Any], *, jwt: str | None, timeout: float = WAIT) -> tuple[int, dict]:
        assert self._session is not None
        headers = {"X-Token": jwt} if jwt else {}
        async with self._session.post(self.cfg["host"] + ROUTES[action], json=params, headers=headers,
                                      timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            return resp.status, await resp.json(content_type=None)

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        return await self._post(action, params, jwt=self.jwt, timeout=timeout)

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        async def until() -> None:
            while not (self.jwt and self.connections >= connections):
                await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"tailchat double: not logged in (connection #{connections}) within {timeout}s") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


DOUBLE = TailchatDouble
