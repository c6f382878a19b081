"""The Telegram adapter double (see ``tests/platforms/adapter_double.py``): a bot polling ``getUpdates`` and calling
Bot API methods over HTTP, as python-telegram-bot does (form fields, non-strings JSON-encoded).

"Connected" is "polling": :meth:`dial` starts the polling loop (and fails when the first poll is refused); a poll
answered with an error ends the loop, as a dropped connection ends a socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from acceptance_fixtures.world import World
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer


class TelegramDouble(AdapterDouble):
    platform = "telegram"

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.Task[None] | None = None
        self._offset: int | None = None
        self.polling = False

    # ---- the platform's actions ---------------------------------------------------------------------------------
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("getMe", {}), ("getChat", {"chat_id": world.roles["main_group"]})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "sendMessage", {"chat_id": world.roles["main_group"], "text": text}

    def answer(self, reply: Any) -> Answer:
        _, body = reply
        if body.get("ok"):
            return Answer(True, 0, None)
        return Answer(False, body.get("error_code"), body.get("description"))

    # ---- the connection ----------------------------------------------------------------------------------------
    def _base(self, adapter_config: dict[str, Any]) -> str:
        # AstrBot's config names the API base (".../bot"); LangBot's adapter has none (the egress plan redirects)
        base = str(adapter_config.get("telegram_api_base_url") or f"{self.simulator_url}/bot")
        return base + self.token

    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the simulator never dials a Telegram bot: the bot polls")

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        await self._stop_loop()
        self.api = self._base(adapter_config)
        status, body = await self._post("getUpdates", {"timeout": 0})
        if status != 200 or not body.get("ok"):
            raise ConnectionError(f"getUpdates refused: HTTP {status} {body}")
        self._take(body["result"])
        self.connections += 1
        self.polling = True
        self._loop = asyncio.create_task(self._poll_loop())

    async def _poll_loop(self) -> None:
        try:
            while True:
                params: dict[str, Any] = {"timeout": 1}
                if self._offset is not None:
                    params["offset"] = self._offset
                status, body = await self._post("getUpdates", params, timeout=5)
                if status != 200 or not body.get("ok"):
                    return
                self._take(body["result"])
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return
        finally:
            self.polling = False

    def _take(self, updates: list[dict[str, Any]]) -> None:
        for update in updates:
            self.events.append(update)
            self._offset = update["update_id"] + 1

    async def _post(self, method: str, params: dict[str, Any], timeout: float = WAIT) -> tuple[int, dict[str, Any]]:
        assert self._session is not None
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        async with self._session.post(f"{self.api}/{method}", data=fields,
                                      timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            return resp.status, await resp.json(content_type=None)

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        return await self._post(action, params, timeout)

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        async def until() -> None:
            while not (self.polling and self.connections >= connections):
                await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"telegram double: not polling (connection #{connections}) within {timeout}s") from None

    async def _stop_loop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._loop
            self._loop = None

    async def close(self) -> None:
        await self._stop_loop()
        if self._session is not None:
            await self._session.close()
            self._session = None


DOUBLE = TelegramDouble
