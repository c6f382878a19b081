"""Acceptance echo plugin: the plugin object does nothing; the Runner component replies."""

from __future__ import annotations

from langbot_plugin.api.definition.plugin import BasePlugin


class AcceptanceEchoPlugin(BasePlugin):
    async def initialize(self) -> None:
        pass
