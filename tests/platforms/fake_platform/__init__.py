"""A minimal simulated platform for generic tests: the smallest thing the platform kit accepts.

"Fake chat" speaks JSON over one forward WebSocket (``/fake/ws`` on the simulator's port, ``Authorization:
Bearer <token>``): the adapter dials it, the simulator sends event frames (``{"type": "message", ...}``) and
answers action calls (``{"action": ..., "params": ..., "echo": ...}``) with ``{"echo", "ok": true}``, recording
each as ``platform_received``. The simulator's fault switches apply: an unsupported or error fault answers
``{"echo", "ok": false, "code": <retcode>, "error": <message>}`` (unsupported: code 404), a slow fault delays the
answer, not the record, and while offline the endpoint refuses connections (503). One framework binds it:
``fakebot`` (made up, so the fake never serves a real run).

It is not an entry point: tests register it in-process (``register()`` / the ``fake_platform`` fixture of
``tests/platforms/conftest.py``) and unregister it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from acceptance_fixtures.platforms import Binding, Platform, register as _register, unregister as _unregister
from acceptance_fixtures.simulator.codec import Codec
from acceptance_fixtures.simulator.scenario import Injection, Scenario
from acceptance_fixtures.world import World

NAME = "fake-chat"
FRAMEWORK = "fakebot"
WS = "ws"
PATH = "/fake/ws"
HERE = Path(__file__).parent
#: The code of the fake's answer to an action the ``unsupported`` fault switched off.
UNSUPPORTED = 404


# ---- scenarios ---------------------------------------------------------------------------------------------
def _private_text(world: World) -> Injection:
    owner = world.roles["owner"]
    msg = world.store_message("private", owner, owner, [{"type": "Plain", "text": "hello fake"}])
    frame = {"type": "message", "chat": "private", "user": owner, "message_id": msg.message_id, "text": "hello fake"}
    return Injection([frame], match={"event.type": "message.received", "event.message_id": msg.message_id},
                     expected={"components": [{"type": "Plain", "text": "hello fake"}]}, refs={"message_id": msg.message_id})


def _member_joined(world: World) -> Injection:
    group, user = world.roles["main_group"], world.roles["newcomer"]
    frame = {"type": "member_joined", "group": group, "user": user}
    return Injection([frame], match={"event.type": "group.member_joined", "event.group_id": group, "event.user_id": user})


def scenarios() -> list[Scenario]:
    return [
        Scenario("message.private.plain", ("event:message.received", "receive:Plain"), _private_text,
                 description="the owner sends the bot a private text message"),
        Scenario("group.member_joined", ("event:group.member_joined",), _member_joined,
                 description="a newcomer joins the main group", ui_triggerable=False,
                 justification="the fake client has no member management"),
    ]


# ---- codec ---------------------------------------------------------------------------------------------------
class FakeCodec(Codec):
    platform = NAME
    adapter = NAME

    def __init__(self, *, access_token: str = "") -> None:
        super().__init__()
        self.access_token = access_token
        self._ws: web.WebSocketResponse | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def secrets(self) -> list[str]:
        return [self.access_token] if self.access_token else []

    def scenarios(self) -> list[Scenario]:
        return scenarios()

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.get(PATH, self._endpoint)]

    @property
    def url(self) -> str:
        """Where the adapter connects (``ws://127.0.0.1:<port>/fake/ws``)."""
        assert self.server is not None
        return self.server.base_url.replace("http://", "ws://", 1) + PATH

    async def start(self) -> None:
        """Nothing to dial: the adapter connects to :data:`PATH`."""

    async def stop(self) -> None:
        await self.drop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def send_event(self, frame: dict[str, Any]) -> None:
        if self._ws is None or self._ws.closed:
            raise ConnectionError("no adapter is connected")
        await self._ws.send_str(json.dumps(frame, ensure_ascii=False))

    async def drop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await self._ws.close()

    def fill_frame(self, frame: dict[str, Any]) -> dict[str, Any]:
        assert self.server is not None
        frame.setdefault("bot", self.server.world.bot.user_id)
        frame.setdefault("time", int(time.time()))
        return frame

    async def _endpoint(self, request: web.Request) -> web.StreamResponse:
        if self.access_token and not hmac.compare_digest(request.headers.get("Authorization", ""),
                                                         f"Bearer {self.access_token}"):
            raise web.HTTPUnauthorized(text="bad token")
        assert self.server is not None
        if self.server.faults.offline:
            raise web.HTTPServiceUnavailable(text="simulated outage")
        if self._ws is not None and not self._ws.closed:
            raise web.HTTPConflict(text="one adapter at a time")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.state.mark_up()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:  # answered concurrently: a slow answer blocks no other
                    task = asyncio.create_task(self._answer(ws, json.loads(msg.data)))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            self._ws = None
            self.state.mark_down()
        return ws

    async def _answer(self, ws: web.WebSocketResponse, call: dict[str, Any]) -> None:
        assert self.server is not None
        action, params = str(call.get("action", "")), dict(call.get("params") or {})
        observed: dict[str, Any] = {"target": params.get("user") or params.get("group")}
        if "text" in params:
            observed["components"] = [{"type": "Plain", "text": params["text"]}]
        faults = self.server.faults
        fault, code, error = None, 0, ""
        if action in faults.unsupported:
            fault, code, error = "unsupported", UNSUPPORTED, f"unsupported action {action}"
        elif (err := faults.error_for(action)) is not None:
            fault, code, error = "error", err.retcode, err.message
        delay = faults.delay_for(action)
        if delay and fault is None:
            fault = "slow"
        await self.server.record_action(t=time.time(), action=action, params=params, observed=observed,
                                        ok=not code, retcode=code, fault=fault)
        if delay:
            await asyncio.sleep(delay)
        reply: dict[str, Any] = {"echo": call.get("echo"), "ok": True}
        if code:
            reply.update(ok=False, code=code, error=error)
        if not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(json.dumps(reply))


# ---- binding and platform ------------------------------------------------------------------------------------
class FakeBotBinding(Binding):
    framework = FRAMEWORK
    modes = (WS,)

    def adapter_dials(self, mode: str) -> bool:
        return True

    def adapter_config(self, access_token: str, *, mode: str, simulator_url: str = "") -> dict[str, Any]:
        return {"url": simulator_url.replace("http://", "ws://", 1) + PATH, "token": access_token}

    def codec(self, *, access_token: str, stack: Any, bot_id: str, mode: str) -> FakeCodec:
        return FakeCodec(access_token=access_token)

    def declaration(self) -> Path:
        return HERE / "declarations" / f"{FRAMEWORK}.yaml"


class FakePlatform(Platform):
    name = NAME
    title = "Fake chat simulator (forward WebSocket, 127.0.0.1)"
    adapters = frozenset({NAME})
    bindings = {FRAMEWORK: FakeBotBinding()}
    mode_titles = {WS: "forward WebSocket (the adapter dials the simulator)"}

    def trigger_frame(self, world: World, text: str) -> dict[str, Any]:
        group, sender = world.roles["main_group"], world.roles["owner"]
        msg = world.store_message("group", group, sender, [{"type": "Plain", "text": text}])
        return {"type": "message", "chat": "group", "group": group, "user": sender, "message_id": msg.message_id, "text": text}

    def params_file(self) -> Path:
        return HERE / "platform_actions.yaml"

    def standalone_codec(self, mode: str, *, access_token: str, url: str | None = None,
                         heartbeat_interval: float | None = None) -> Codec:
        return FakeCodec(access_token=access_token)

    def standalone_info(self, codec: Codec, mode: str) -> dict[str, Any]:
        return {"ws_url": codec.url}  # type: ignore[attr-defined]


PLATFORM = FakePlatform()


def register() -> FakePlatform:
    """Register the fake platform in this process (tests only); undo with :func:`unregister`."""
    _register(PLATFORM)
    return PLATFORM


def unregister() -> None:
    _unregister(NAME)
