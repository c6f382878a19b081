"""The TangSengDaoDao adapter double (see ``tests/platforms/adapter_double.py``): a robot polling
``GET /v1/robots/{robot_id}/{app_key}/events`` from its last event id, acking each event, and calling the robot
routes with JSON bodies.

"Connected" is "polling": :meth:`dial` starts the polling loop (retrying a refused first poll briefly, as a robot
client retries a 502); a poll answered with an error ends the loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import quote
from typing import Any

import aiohttp

from acceptance_fixtures.world import World
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer


class TsddDouble(AdapterDouble):
    platform = "tangsengdaodao"

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.Task[None] | None = None
        self.event_id = 0
        self.polling = False
        self.base = ""

    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return (("typing", {"channel_id": world.roles["main_group"], "channel_type": 2}),
                ("answerInlineQuery", {"inline_query_sid": "none", "type": "article", "id": "x"}))

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "sendMessage", {"channel_id": world.roles["main_group"], "channel_type": 2,
                               "payload": {"type": 1, "content": text}}

    def answer(self, reply: Any) -> Answer:
        status, body = reply
        if status == 200:
            return Answer(True, 0, None)
        if isinstance(body, dict):
            return Answer(False, body.get("status", status), body.get("msg"))
        return Answer(False, status, str(body))

    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the simulator never dials a TangSengDaoDao robot: the robot polls")

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        await self._stop_loop()
        self.base = (f"{adapter_config['tsdd_api_base_url']}/v1/robots/{adapter_config['tsdd_robot_id']}/"
                     f"{quote(str(adapter_config['tsdd_app_key']), safe='')}")  # the key is a path segment
        deadline = time.monotonic() + 2.0
        while True:
            status, body = await self._request("GET", f"events?event_id={self.event_id}")
            if status == 200 and body.get("status") == 1:
                break
            if time.monotonic() > deadline:
                raise ConnectionError(f"events refused: HTTP {status} {body}")
            await asyncio.sleep(0.1)
        await self._take(body["results"])
        self.connections += 1
        self.polling = True
        self._loop = asyncio.create_task(self._poll_loop())

    async def _poll_loop(self) -> None:
        try:
            while True:
                await asyncio.sleep(0.1)
                status, body = await self._request("GET", f"events?event_id={self.event_id}&limit=20", timeout=5)
                if status != 200:
                    return
                await self._take(body["results"])
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return
        finally:
            self.polling = False

    async def _take(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.events.append(event)
            self.event_id = max(self.event_id, int(event["event_id"]))
            await self._request("POST", f"events/{event['event_id']}/ack")

    async def _request(self, method: str, path: str, body: Any = None, timeout: float = WAIT) -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.request(method, f"{self.base}/{path}", json=body,
                                         timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            text = await resp.text()
            try:
                return resp.status, await resp.json(content_type=None)
            except ValueError:
                return resp.status, text

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        return await self._request("POST", action, params, timeout)

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        async def until() -> None:
            while not (self.polling and self.connections >= connections):
                await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"tangsengdaodao double: not polling (connection #{connections}) within {timeout}s") from None

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


DOUBLE = TsddDouble
