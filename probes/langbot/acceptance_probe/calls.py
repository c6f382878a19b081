"""Calling LangBot APIs from the probe, in the run scope or plugin-wide, and classifying the outcome.

Inside ``Runner.run`` the SDK binds the invocation in a context variable, so ``plugin.send_message``
and ``plugin.call_platform_api`` are routed through the run-scoped API: LangBot maps them onto the
platform tools granted to this run (``allowed_platform_tools`` plus the event-scoped tools) and
refuses anything else with "... is not authorized for this run". The same methods called from a
task started in a fresh ``contextvars.Context()`` see no invocation and go plugin-wide.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from .facts import result_facts
from .jsonsafe import json_safe

REFUSAL_MARKERS = ("not authorized for this run", "is not authorized", "not available for this run")


@dataclass
class Outcome:
    scope: str
    ok: bool
    result: Any
    error: str | None
    error_kind: str | None
    started: float
    ended: float

    def api(self, name: str, input_summary: Any, action: str | None = None) -> dict:
        out = {
            "name": name,
            "scope": self.scope,
            "input": input_summary,
            "ok": self.ok,
            "result": json_safe(self.result, max_str=1000, max_items=20),
            "error": self.error,
            "error_kind": self.error_kind,
            "started": self.started,
            "ended": self.ended,
        }
        if action is not None:
            out["action"] = action
        if self.ok:  # the result in the neutral shape the checker compares with the world
            try:
                facts = result_facts(name, self.result)
            except Exception as exc:  # noqa: BLE001 - a result the probe cannot normalise is evidence too
                facts = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            if facts is not None:
                out["facts"] = facts
        return out


def classify(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    text = f"{type(exc).__name__}: {exc}"
    if type(exc).__name__ == "PermissionDeniedError" or any(m in text for m in REFUSAL_MARKERS):
        return "refused"
    code = getattr(getattr(exc, "error", None), "code", "") or ""
    if code == "deadline_exceeded" or "timed out" in text.lower() or "ActionCallTimeoutError" in text:
        return "timeout"
    return "error"


async def call(fn: Callable[[], Awaitable[Any]], *, scope: str, timeout: float) -> Outcome:
    """Run ``fn`` in the current (run) context, or plugin-wide in a fresh context."""
    started = time.time()
    try:
        if scope == "plugin":
            task = asyncio.get_running_loop().create_task(fn(), context=contextvars.Context())
        else:
            task = asyncio.ensure_future(fn())
        result = await asyncio.wait_for(task, timeout)
        return Outcome(scope, True, result, None, None, started, time.time())
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure is evidence
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, asyncio.TimeoutError):
            message = f"no answer within {timeout:.0f}s"
        return Outcome(scope, False, None, message[:2000], classify(exc), started, time.time())
