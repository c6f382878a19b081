"""How an adapter built in-process by the driver is pointed at its simulated platform.

The full path (``acceptance_fixtures.platforms``) points a framework's *bot* at the simulator; here the
adapter is constructed directly, so it gets its configuration straight from the harness. Only the
connection differs from the full path; the simulator, its world and its scenarios are the same.

Each platform folder provides its target (``Platform.live_target()``); this module only re-exports the
generic base and looks targets up in the platform registry.
"""

from __future__ import annotations

from acceptance_fixtures.platforms import FORWARD, REVERSE, LiveTarget
from acceptance_fixtures.platforms import live_target as _registered_live_target


def live_target(adapter: str) -> LiveTarget | None:
    """The in-process target of the registered platform serving ``adapter``, or None."""
    return _registered_live_target(adapter)


__all__ = ["FORWARD", "LiveTarget", "REVERSE", "live_target"]
