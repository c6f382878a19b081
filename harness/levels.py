"""Evidence levels and verdict statuses, as the acceptance checklist defines them.

Levels are never promoted: the checker keeps the strongest level that a record proves, and an
inbound level (UI, protocol) is never turned into an outbound one or the other way round.
"""

from __future__ import annotations

from enum import Enum


class Level(str, Enum):
    UI = "plugin-e2e-ui"
    PROTOCOL = "plugin-e2e-protocol"
    OUTBOUND = "plugin-e2e-outbound"
    ADAPTER_LIVE = "adapter-live"
    UNIT = "unit"
    NOT_SUPPORTED = "not-supported"
    BLOCKED = "blocked"

    def __str__(self) -> str:  # pragma: no cover - convenience for f-strings
        return self.value


#: Levels that prove a capability by observation, strongest first.
PROVING_LEVELS: tuple[Level, ...] = (
    Level.UI,
    Level.OUTBOUND,
    Level.PROTOCOL,
    Level.ADAPTER_LIVE,
    Level.UNIT,
)

#: Levels that can complete a capability on their own (checklist, "Can Mark Complete").
COMPLETING_LEVELS = frozenset({Level.UI, Level.OUTBOUND, Level.NOT_SUPPORTED})

#: Pytest marker name for each level (``plugin_e2e`` covers the three plugin levels).
MARKERS: dict[str, str] = {
    "plugin_e2e": "full plugin path: real framework, runtime, probe plugin and simulator",
    "adapter_live": "adapter driven directly inside the framework interpreter, no plugin runtime",
    "unit": "unit tests of the harness itself",
}


def strength(level: Level) -> int:
    """Rank of a proving level: larger is stronger. Non-proving levels rank 0."""
    try:
        return len(PROVING_LEVELS) - PROVING_LEVELS.index(level)
    except ValueError:
        return 0


class Status(str, Enum):
    ACCEPTED = "accepted"
    PARTIAL = "partial"
    FAILED = "failed"
    BLOCKED = "blocked"
    NOT_SUPPORTED = "not-supported"
    UNTESTED = "untested"
    UNDECLARED = "undeclared"

    def __str__(self) -> str:  # pragma: no cover
        return self.value
