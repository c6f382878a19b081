"""The echo Runner: one run-scoped reply per ``message.received``, the same call the probe makes with ``echo_reply``."""

from __future__ import annotations

from typing import Any

from langbot_plugin.api.definition.components.runner.runner import Runner
from langbot_plugin.api.entities.builtin.platform.message import MessageChain, Plain


def message_id(data: dict) -> str:
    """The Source component's id (what the probe records as ``event.message_id``), else ``message_id``."""
    for comp in data.get("message_chain") or []:
        if isinstance(comp, dict) and comp.get("type") == "Source" and comp.get("id") not in (None, ""):
            return str(comp["id"])
    value = data.get("message_id")
    return "" if value in (None, "") else str(value)


class AcceptanceEcho(Runner):
    async def run(self, ctx: Any) -> None:
        data = dict(ctx.event.data or {})
        if data.get("type") != "message.received":
            return
        await ctx.reply(MessageChain([Plain(text=f"echo:{message_id(data)}")]))
