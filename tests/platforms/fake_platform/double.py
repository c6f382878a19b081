"""The fake platform's adapter double (see ``tests/platforms/adapter_double.py``): dials ``/fake/ws``; and
:func:`fake_pair`, a running simulator with the double connected, for the generic simulator tests."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.world import World
from harness.evidence import EvidenceWriter, MemorySink
from tests.platforms.adapter_double import Answer, JsonWsDouble, Pair, running
from tests.platforms.fake_platform import FRAMEWORK, NAME, PLATFORM, WS

TOKEN = "fake-sim-token-0123456789abcdef"


class FakeChatDouble(JsonWsDouble):
    platform = NAME

    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("get_self", {}), ("get_status", {})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "send_message", {"group": world.roles["main_group"], "text": text}

    def answer(self, reply: Any) -> Answer:
        # {"echo", "ok": true} or {"echo", "ok": false, "code": <retcode>, "error": <message>}
        return Answer(bool(reply["ok"]), reply.get("code", 0), reply.get("error"))

    async def serve(self, adapter_config: dict[str, Any]) -> int:
        raise AssertionError("the simulator never dials a fake-chat adapter")

    def dial_target(self, adapter_config: dict[str, Any]) -> tuple[str, dict[str, str]]:
        return adapter_config["url"], {"Authorization": f"Bearer {adapter_config['token']}"}


DOUBLE = FakeChatDouble


@contextlib.asynccontextmanager
async def fake_pair(token: str = TOKEN) -> AsyncIterator[tuple[SimulatorServer, FakeChatDouble, MemorySink, Pair]]:
    """The fake codec on a started generic simulator, its adapter double connected, evidence in memory."""
    sink = MemorySink()
    writer = EvidenceWriter(sink, run_id="t", framework=FRAMEWORK, framework_version="0")  # the simulator adds the token
    double = FakeChatDouble(token)
    async with running(double, PLATFORM, FRAMEWORK, WS, writer=writer) as pair:
        yield pair.sim, double, sink, pair


def records(sink: MemorySink, kind: str) -> list[dict[str, Any]]:
    return [r for r in sink.records if r["record"] == kind]
