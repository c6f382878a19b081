"""AstrBot acceptance probe (a Star): records every message event and runs the sweep when triggered.

The plugin object only wires AstrBot to ``acceptance_probe.core``; see README.md. It never imports
the harness: the harness copies its evidence writer and redaction modules into ``acceptance_probe``
when it installs the plugin (``harness.stacks.astrbot_probe``).
"""

from __future__ import annotations

from sys import maxsize

from astrbot.api.event import AstrMessageEvent, filter
from astrbot.api.star import Context, Star

from .acceptance_probe.core import ProbeCore


class AcceptanceProbe(Star):
    def __init__(self, context: Context, config: dict | None = None) -> None:
        super().__init__(context)
        self.core = ProbeCore(context, config)

    # Just below AstrBot's own session controller (maxsize), so the probe sees events before other
    # plugins can stop them; it never stops or alters an event itself.
    @filter.event_message_type(filter.EventMessageType.ALL, priority=maxsize - 100)
    async def acceptance_probe_on_event(self, event: AstrMessageEvent):
        """Record the event; on the trigger text, run the sweep (reply steps are yielded results)."""
        async for result in self.core.handle(event):
            yield result
