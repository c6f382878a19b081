"""Acceptance probe plugin: the plugin object itself does nothing; the Runner component does the work."""

from __future__ import annotations

from langbot_plugin.api.definition.plugin import BasePlugin


class AcceptanceProbePlugin(BasePlugin):
    async def initialize(self) -> None:
        pass
