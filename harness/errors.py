"""Errors of the harness and the CLI's exit-code contract.

Every ``acceptance`` command exits with one of these codes (pytest keeps its own):

====  ==========================================================================
0     clean: nothing failed, no drift
1     a verdict: an adapter failed, drift was found, a capability regressed
2     unusable input: the message names the file, the line or the field
3     the system under test could not be installed or started
4     an internal error of the harness (one line; the traceback with ``--debug``)
====  ==========================================================================
"""

from __future__ import annotations

from pathlib import Path


EXIT_CLEAN = 0
EXIT_VERDICT = 1
EXIT_INPUT = 2
EXIT_STACK = 3
EXIT_INTERNAL = 4


class HarnessError(Exception):
    """Base error of the harness. ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class InputError(HarnessError):
    """Unusable input: a file that is missing, malformed or fails its schema (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.hint = hint
        where = ""
        if self.path:
            where = self.path + (f":{line}" if line else "")
        parts = [f"{where}: " if where else ""]
        if field:
            parts.append(f"field '{field}': ")
        parts.append(message)
        if hint:
            parts.append(f"\n  hint: {hint}")
        super().__init__("".join(parts))


class StackError(HarnessError):
    """A system under test could not be installed, started or driven. Becomes a ``blocked`` verdict."""

    exit_code = 3

    def __init__(self, message: str, *, logs: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.logs = logs or {}
