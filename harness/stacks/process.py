"""Processes of a system under test: own process group, output to a log file, bounded stop.

Each process is started in a new session (``start_new_session``), so it leads its own process group
and everything it spawns (LangBot's plugin runtime starts one process per plugin) stays in that
group. ``stop`` sends SIGTERM to the whole group, waits, then SIGKILL.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import subprocess
import time
import weakref
from pathlib import Path
from typing import Mapping, Sequence

from harness.errors import StackError

TAIL_CHARS = 12000

#: Started processes not yet stopped; killed when the interpreter exits without stop().
_LIVE: "weakref.WeakSet[ManagedProcess]" = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:  # pragma: no cover - exercised only on abnormal exits
    for proc in list(_LIVE):
        proc._signal_group(signal.SIGKILL)


def read_tail(path: Path, chars: int = TAIL_CHARS) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - chars * 2))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    return text[-chars:]


class ManagedProcess:
    """One long-running process of a stack."""

    def __init__(self, name: str, argv: Sequence[str], *, cwd: Path, env: dict[str, str], log_path: Path,
                 extra_env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.cwd = Path(cwd)
        self.env = env
        #: Set over ``env`` when the process starts (e.g. a run's egress plan, see harness.egress).
        self.extra_env: dict[str, str] = dict(extra_env or {})
        self.log_path = Path(log_path)
        self.proc: subprocess.Popen | None = None
        self.started_at: float | None = None

    def start(self) -> None:
        if self.proc is not None:
            raise StackError(f"{self.name} was already started")
        self.cwd.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab", buffering=0)
        try:
            self.proc = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.start_env(), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        except OSError as exc:
            raise StackError(f"cannot start {self.name}: {exc}", logs={self.name: " ".join(self.argv)}) from None
        finally:
            log.close()
        self.started_at = time.time()
        _LIVE.add(self)

    def start_env(self) -> dict[str, str]:
        """The environment the process is started with: ``env`` with ``extra_env`` set over it."""
        return {**self.env, **{str(k): str(v) for k, v in self.extra_env.items()}}

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, chars: int = TAIL_CHARS) -> str:
        return read_tail(self.log_path, chars)

    def _signal_group(self, sig: int) -> bool:
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, sig)  # the process leads its own group (new session)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover
            return False

    def _group_alive(self) -> bool:
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, SIGKILL what is left after ``timeout`` seconds. Idempotent."""
        if self.proc is None:
            return None
        if self._signal_group(signal.SIGTERM):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                self.proc.poll()
                if self.proc.returncode is not None and not self._group_alive():
                    break
                time.sleep(0.1)
            if self._group_alive():
                self._signal_group(signal.SIGKILL)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
            pass
        # Children reparented after the leader died still carry the group id.
        deadline = time.monotonic() + 5
        while self._group_alive() and time.monotonic() < deadline:
            self._signal_group(signal.SIGKILL)
            time.sleep(0.1)
        _LIVE.discard(self)
        return self.proc.returncode

    async def astop(self, timeout: float = 10.0) -> int | None:
        return await asyncio.to_thread(self.stop, timeout)

    def describe(self) -> str:
        state = "running" if self.alive() else f"exited with {self.returncode}"
        return f"{self.name} (pid {self.pid}, {state}; log {self.log_path})"
