"""The probe's work for one event: pick the configuration, record the event, run the sweep on the trigger.

Configuration comes from the plugin's own config (``_conf_schema.json``): ``bots_json`` maps an
AstrBot platform instance id to that bot's probe configuration (the keys of
``acceptance_probe.config.ProbeConfig``); ``default_json`` serves platforms not listed. Events of a
platform with no configuration are not recorded.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from .components import plain_text
from .config import ProbeConfig
from .events import describe_event, event_capabilities
from .recorder import Recorder
from .sweep import Sweep, trigger_from_event

_SWEEP_LOCKS: dict[str, asyncio.Lock] = {}


def _json_obj(text: Any) -> dict:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class ProbeCore:
    def __init__(self, context: Any, config: Any) -> None:
        self.context = context
        self.config = config if config is not None else {}

    def config_for(self, platform_id: str) -> ProbeConfig | None:
        bots = _json_obj(self.config.get("bots_json"))
        raw = bots.get(platform_id)
        if raw is None:
            raw = _json_obj(self.config.get("default_json")) or None
        if not raw:
            return None
        cfg = ProbeConfig.from_mapping(raw)
        if not raw.get("framework"):
            cfg.framework = "astrbot"
        return cfg

    async def handle(self, event: Any) -> AsyncIterator[Any]:
        cfg = self.config_for(event.get_platform_id())
        if cfg is None:
            return
        recorder = Recorder(cfg, event.get_platform_name())
        if not recorder.enabled:
            return
        try:
            described = describe_event(event, cfg.native_kind)
            recorder.event(described, event_capabilities(described))
        except Exception as exc:  # the probe must never break the bot
            recorder.error("event recording", exc)
            return
        if described["type"] != "message.received" or not cfg.sweep_trigger:
            return
        if cfg.sweep_trigger not in plain_text(described["components"]):
            return
        lock = _SWEEP_LOCKS.setdefault(described.get("bot_uuid") or "", asyncio.Lock())
        if lock.locked():
            recorder.finding("sweep trigger ignored: a sweep is already running for this bot")
            return
        async with lock:
            try:
                async for result in Sweep(cfg, recorder, self.context, event, trigger_from_event(described)).run():
                    yield result
            except Exception as exc:
                recorder.error("sweep", exc)
                recorder.finding("sweep complete", sweep={"aborted": f"{type(exc).__name__}: {exc}"})
