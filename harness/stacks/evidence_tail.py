"""Follow an evidence JSONL file while a stack runs, to wait for the probe's records."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Callable

from harness.errors import StackError


class EvidenceTail:
    """Reads records appended to a JSONL file since the last read (complete lines only)."""

    def __init__(self, path: str | Path, *, from_end: bool = False) -> None:
        self.path = Path(path)
        self.offset = self.path.stat().st_size if (from_end and self.path.exists()) else 0
        self._partial = b""
        self.records: list[dict] = []

    def read_new(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        self.offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()  # an incomplete last line waits for the next read
        new = []
        for line in lines:
            if not line.strip():
                continue
            try:
                new.append(json.loads(line))
            except ValueError:
                continue
        self.records.extend(new)
        return new

    async def wait_for(self, predicate: Callable[[dict], bool], *, timeout: float, what: str,
                       stack=None, interval: float = 0.2, count: int = 1, since: float | None = None) -> list[dict]:
        """Wait until ``count`` records (seen so far, old or new) satisfy ``predicate``.

        ``since``: only records whose ``t`` is at or after it count (the answer to an action is not an
        older record that happens to match the same fields). ``stack`` (a harness.stacks.Stack) is
        checked for crashed processes on every poll.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.read_new()
            hits = [r for r in self.records if (since is None or (r.get("t") or 0.0) >= since) and predicate(r)]
            if len(hits) >= count:
                return hits
            if stack is not None:
                stack.check_alive()
            if time.monotonic() >= deadline:
                message = f"timed out after {timeout:.0f}s waiting for {what} in {self.path} ({len(hits)}/{count} found)"
                raise StackError(message, logs=stack.logs() if stack is not None else {})
            await asyncio.sleep(interval)
