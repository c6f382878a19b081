"""The probe's Runner: one ``event`` record per EBA event, and the sweep when a message triggers it."""

from __future__ import annotations

import asyncio
from typing import Any

from langbot_plugin.api.definition.components.runner.runner import Runner
from langbot_plugin.api.entities.builtin.platform.message import MessageChain, Plain

from acceptance_probe.components import plain_text
from acceptance_probe.config import ProbeConfig
from acceptance_probe.events import describe_event, event_capabilities
from acceptance_probe.recorder import Recorder
from acceptance_probe.sweep import Sweep, trigger_from_event

_SWEEP_LOCKS: dict[str, asyncio.Lock] = {}


class AcceptanceProbe(Runner):
    async def run(self, ctx: Any) -> None:
        cfg = ProbeConfig.from_mapping(ctx.config)
        data = dict(ctx.event.data or {})
        recorder = Recorder(cfg, data.get("adapter_name"))
        if not recorder.enabled:
            return
        try:
            envelope = ctx.event.model_dump(mode="json")
            if ctx.conversation is not None:
                envelope["conversation"] = ctx.conversation.model_dump(mode="json")
            event = describe_event(data, envelope)
            recorder.event(event, event_capabilities(event))
        except Exception as exc:  # the probe must never break the bot
            recorder.error("event recording", exc)
            return
        if event["type"] != "message.received":
            return
        if not cfg.sweep_trigger or cfg.sweep_trigger not in plain_text(event["components"]):
            if cfg.echo_reply:
                try:
                    await ctx.reply(MessageChain([Plain(text=f"echo:{event.get('message_id') or ''}")]))
                except Exception as exc:
                    recorder.error("echo reply", exc)
            return
        lock = _SWEEP_LOCKS.setdefault(event.get("bot_uuid") or "", asyncio.Lock())
        if lock.locked():
            recorder.finding("sweep trigger ignored: a sweep is already running for this bot")
            return
        async with lock:
            try:
                await Sweep(cfg, recorder, self.plugin, ctx, trigger_from_event(event, data)).run()
            except Exception as exc:
                recorder.error("sweep", exc)
                recorder.finding("sweep complete", sweep={"aborted": f"{type(exc).__name__}: {exc}"})
