"""How an adapter built in-process by the driver is pointed at its simulated platform.

The full path (``acceptance_fixtures.platforms``) points a framework's *bot* at the simulator; here the
adapter is constructed directly, so it gets its configuration straight from the harness. Only the
connection differs from the full path; the simulator, its world and its scenarios are the same.
"""

from __future__ import annotations

import abc
from typing import Any

from acceptance_fixtures.simulator.codec import Codec

FORWARD, REVERSE = "forward", "reverse"


class LiveTarget(abc.ABC):
    adapters: frozenset[str] = frozenset()
    #: Connection modes, preferred first.
    modes: tuple[str, ...] = (FORWARD,)

    @abc.abstractmethod
    def codec(self, mode: str, access_token: str, *, reverse_url: str | None = None) -> Codec:
        """The simulator codec for ``mode`` (``reverse_url``: where the driver serves the adapter's endpoint)."""

    @abc.abstractmethod
    def adapter_config(self, mode: str, access_token: str, codec: Codec) -> dict[str, Any]:
        """The adapter's configuration dict (called after the simulator started, so its URL is known)."""

    def reverse_path(self) -> str | None:
        """Path the driver serves in reverse mode (the platform dials it), or None."""
        return None


class OneBotV11Target(LiveTarget):
    adapters = frozenset({"onebot-v11"})
    modes = (FORWARD, REVERSE)

    def codec(self, mode: str, access_token: str, *, reverse_url: str | None = None) -> Codec:
        from acceptance_fixtures.platforms.onebot_v11.codec import OneBotV11Codec

        if mode == FORWARD:  # the adapter dials ws://127.0.0.1:<sim>/onebot/v11/ws
            return OneBotV11Codec(access_token=access_token, mode="forward")
        if mode == REVERSE:  # the simulator dials the driver, which hands the socket to the adapter
            if not reverse_url:
                raise ValueError("reverse mode needs the driver's endpoint URL")
            return OneBotV11Codec(access_token=access_token, mode="reverse", url=reverse_url)
        raise ValueError(f"unknown mode {mode!r}")

    def adapter_config(self, mode: str, access_token: str, codec: Codec) -> dict[str, Any]:
        if mode == FORWARD:
            return {"connection_mode": "forward_ws", "ws_url": codec.forward_url, "access-token": access_token}  # type: ignore[attr-defined]
        return {"connection_mode": "reverse_ws", "access-token": access_token}

    def reverse_path(self) -> str | None:
        return "/onebot/v11/ws"


def live_target(adapter: str) -> LiveTarget | None:
    for target in (OneBotV11Target(),):
        if adapter in target.adapters:
            return target
    return None
