"""Adapter doubles: a platform's adapter, played by the test, so the contract suite can drive a codec
through the generic simulator server without a framework.

Each platform the contract suite covers has one double, ``DOUBLE`` in ``tests/platforms/<folder>/double.py``
(a subclass of :class:`AdapterDouble`, with :attr:`AdapterDouble.platform` naming the registered platform).
The double is configured the way the framework's adapter is: from the binding's ``adapter_config``. It
serves the endpoint the simulator dials (modes where the simulator dials) or dials the simulator (modes
where the adapter dials), then sends action calls and collects event frames.

The one platform-specific judgement the contract needs is :meth:`AdapterDouble.answer`: how an answer
reads (succeeded, code, message), i.e. what the platform's error answer looks like.

:class:`JsonWsDouble` does the plumbing for platforms that speak JSON over one WebSocket with echo-matched
replies; a platform with another wire subclasses :class:`AdapterDouble` directly.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import importlib
import itertools
import json
import pkgutil
import socket
from types import SimpleNamespace
from typing import Any, AsyncIterator, Callable, NamedTuple

import aiohttp
from aiohttp import web

from acceptance_fixtures.platforms import Platform
from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.world import World
from harness.evidence import EvidenceWriter

WAIT = 10.0
BOT_ID = "b1"


class Answer(NamedTuple):
    """An action's answer as the platform means it."""

    ok: bool
    code: int | None = None  # the platform's error/return code, None when it has none
    message: str | None = None


class AdapterDouble(abc.ABC):
    """One platform's adapter, played by the test (see the module docstring)."""

    #: The registered platform name this double plays the adapter of.
    platform: str = ""

    def __init__(self, token: str) -> None:
        self.token = token
        self.simulator_url = ""  # set by running(): the simulator's address
        self.connections = 0
        self.events: list[dict[str, Any]] = []

    # ---- what the platform's actions look like --------------------------------------------------------------
    @abc.abstractmethod
    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        """Two different actions (name, params) the codec answers successfully without changing the world."""

    @abc.abstractmethod
    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        """An action (name, params) sending ``text`` to the main group."""

    @abc.abstractmethod
    def answer(self, reply: Any) -> Answer:
        """The hook: how the platform's answer ``reply`` (as :meth:`call` returned it) reads."""

    # ---- the connection ---------------------------------------------------------------------------------------
    @abc.abstractmethod
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        """Serve the endpoint the simulator dials (as the configured adapter would); return the port of the
        framework's API (where a framework serving adapter endpoints on it is dialled)."""

    @abc.abstractmethod
    async def dial(self, adapter_config: dict[str, Any]) -> None:
        """Connect to the simulator as the configured adapter does (raise when refused)."""

    @abc.abstractmethod
    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        """Send one action call over the live connection and return the platform's answer."""

    @abc.abstractmethod
    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        """Until the ``connections``-th connection is up."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connection and stop serving."""


class JsonWsDouble(AdapterDouble):
    """JSON over one WebSocket, replies matched by an echo field: serving (any path) or dialling."""

    #: The field that carries the echo in calls and replies.
    echo_field = "echo"

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self._ws: aiohttp.ClientWebSocketResponse | web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._echo = itertools.count(1)
        self._changed = asyncio.Condition()
        self.rejections: list[int] = []

    # ---- what subclasses say ------------------------------------------------------------------------------------
    def serve_port(self, adapter_config: dict[str, Any]) -> int:
        """The port the configured adapter serves its endpoint on (0: any free one, e.g. a framework's API port)."""
        return 0

    def handshake_status(self, request: web.Request) -> int:
        """The status the configured adapter answers the simulator's handshake with (101: accepted)."""
        return 101

    @abc.abstractmethod
    def dial_target(self, adapter_config: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """(url, headers) the configured adapter dials the simulator with."""

    def is_event(self, frame: dict[str, Any]) -> bool:
        return self.echo_field not in frame

    def call_frame(self, action: str, params: dict[str, Any], echo: str) -> dict[str, Any]:
        return {"action": action, "params": params, self.echo_field: echo}

    # ---- plumbing -------------------------------------------------------------------------------------------------
    async def serve(self, adapter_config: dict[str, Any]) -> int:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._endpoint)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.serve_port(adapter_config))
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _endpoint(self, request: web.Request) -> web.StreamResponse:
        status = self.handshake_status(request)
        if status == 101 and self._ws is not None and not self._ws.closed:
            status = 409
        if status != 101:
            self.rejections.append(status)
            return web.Response(status=status)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await self._connected(ws)
        await self._read(ws)
        return ws

    async def dial(self, adapter_config: dict[str, Any]) -> None:
        url, headers = self.dial_target(adapter_config)
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        ws = await self._session.ws_connect(url, headers=headers)
        await self._connected(ws)
        self._reader = asyncio.create_task(self._read(ws))

    async def _connected(self, ws: Any) -> None:
        self._ws = ws
        self.connections += 1
        await self._notify()

    async def _read(self, ws: Any) -> None:
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if self.is_event(data):
                    self.events.append(data)
                    await self._notify()
                else:
                    fut = self._pending.pop(str(data.get(self.echo_field)), None)
                    if fut is not None and not fut.done():
                        fut.set_result(data)
        finally:
            if self._ws is ws:
                self._ws = None
            await self._notify()

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
            raise AssertionError(f"{self.platform} double: timed out after {timeout}s waiting for {what}") from None

    async def wait_connected(self, connections: int = 1, timeout: float = WAIT) -> None:
        await self._wait(lambda: self._ws is not None and self.connections >= connections, timeout,
                         f"connection #{connections}")

    async def next_event(self, where: Callable[[dict[str, Any]], bool], timeout: float = WAIT) -> dict[str, Any]:
        await self._wait(lambda: any(where(e) for e in self.events), timeout, "an event frame")
        return next(e for e in self.events if where(e))

    async def call(self, action: str, params: dict[str, Any], timeout: float = WAIT) -> Any:
        ws = self._ws
        assert ws is not None, f"{self.platform} double: no simulator connected"
        echo = f"e{next(self._echo)}"
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[echo] = fut
        await ws.send_str(json.dumps(self.call_frame(action, params, echo)))
        return await asyncio.wait_for(fut, timeout)

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 2.0)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()


# ---- discovery ----------------------------------------------------------------------------------------------------
def doubles() -> dict[str, type[AdapterDouble]]:
    """Every adapter double of ``tests/platforms/*/double.py``, by platform name."""
    import tests.platforms as here

    out: dict[str, type[AdapterDouble]] = {}
    for info in pkgutil.iter_modules(here.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{here.__name__}.{info.name}.double")
        except ModuleNotFoundError as exc:
            if exc.name != f"{here.__name__}.{info.name}.double":
                raise
            continue
        double = module.DOUBLE
        assert issubclass(double, AdapterDouble) and double.platform, module.__name__
        out[double.platform] = double
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pair(NamedTuple):
    sim: SimulatorServer
    double: AdapterDouble
    adapter_config: dict[str, Any]
    dials: bool  # the adapter dials the simulator in this mode

    async def reconnect(self, connections: int) -> None:
        """After the connection went down: the adapter redials (modes where it dials), or waits to be dialled."""
        if self.dials:
            await self.double.dial(self.adapter_config)
        await self.double.wait_connected(connections)
        await self.sim.wait_connected(WAIT)


@contextlib.asynccontextmanager
async def running(double: AdapterDouble, platform: Platform, framework: str, mode: str, *,
                  writer: EvidenceWriter | None = None) -> AsyncIterator[Pair]:
    """The platform's codec for ``framework``/``mode`` on a started generic simulator, connected to ``double``
    configured by the binding's ``adapter_config`` (the way an acceptance run wires a bot)."""
    sim_port = free_port()
    cfg = platform.adapter_config(framework, double.token, mode=mode, simulator_url=f"http://127.0.0.1:{sim_port}")
    dials = platform.adapter_dials(framework, mode)
    api_port = free_port() if dials else await double.serve(cfg)
    stack = SimpleNamespace(ws_base=f"ws://127.0.0.1:{api_port}", api_base=f"http://127.0.0.1:{api_port}",
                            bots={BOT_ID: SimpleNamespace(bot_id=BOT_ID, adapter_config=cfg)})
    codec = platform.codec(framework, access_token=double.token, stack=stack, bot_id=BOT_ID, mode=mode)
    sim = SimulatorServer(codec, world=platform.world(), writer=writer, port=sim_port)
    # Where an adapter whose SDK calls the platform's real host names reaches the simulator (the run's egress plan
    # sends those names there, so its configuration has no URL): the double dials this instead.
    double.simulator_url = f"http://127.0.0.1:{sim_port}"
    try:
        await sim.start()
        if dials:
            await double.dial(cfg)
        await double.wait_connected()
        await sim.wait_connected(WAIT)
        yield Pair(sim, double, cfg, dials)
    finally:
        await sim.stop()
        await double.close()
