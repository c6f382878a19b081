"""Harness side of the direct adapter driver: a subprocess of the framework's own interpreter.

The subprocess runs ``harness/frameworks/inside/<framework>_adapter_driver.py`` and talks JSON lines
over its stdin/stdout (see that file for the commands). Every request waits with a timeout, the
subprocess is watched (a dead driver raises ``StackError`` with its log tail) and ``stop`` ends it
for sure: the ``stop`` command first, then SIGTERM and SIGKILL to its own process group.

    driver = AdapterDriver(spec, log_path=tmp / "driver.log")
    await driver.start()
    await driver.request("start", adapter=adapter, config=target.adapter_config(mode, token, codec), evidence={...}, timeout=60)
    hit = await driver.wait_event(lambda ev: ev.get("message_id") == "901", timeout=10)
    await driver.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import harness
from harness.errors import StackError
from harness.frameworks import FrameworkSpec
from harness.frameworks.venv import clean_env
from harness.stacks.process import read_tail

REPO_ROOT = Path(harness.__file__).resolve().parent.parent
MAX_LINE = 64 * 1024 * 1024


def driver_script(framework: str) -> Path:
    path = Path(str(resources.files("harness.frameworks.inside").joinpath(f"{framework}_adapter_driver.py")))
    if not path.exists():
        raise StackError(f"no in-process adapter driver for framework {framework!r} ({path.name} missing)")
    return path


class DriverError(StackError):
    """A driver command failed (the adapter raised, or the command was malformed)."""

    def __init__(self, message: str, *, remote_traceback: str = "", logs: dict[str, str] | None = None) -> None:
        super().__init__(message, logs=logs)
        self.remote_traceback = remote_traceback


class AdapterDriver:
    """One driver subprocess; at most one adapter inside it."""

    def __init__(self, spec: FrameworkSpec, *, log_path: str | Path, repo: Path = REPO_ROOT,
                 start_timeout: float = 60.0, keep_notifications: int = 5000,
                 env: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.env = dict(env or {})  # added to the clean environment (a mutant overlay's PYTHONPATH)
        self.log_path = Path(log_path)
        self.repo = Path(repo)
        self.start_timeout = start_timeout
        self.keep = keep_notifications
        self.proc: asyncio.subprocess.Process | None = None
        self.notifications: list[dict] = []
        self.hello: dict = {}
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._changed: asyncio.Condition | None = None
        self._reader: asyncio.Task | None = None
        self._log_fh = None
        self._closed_reason: str | None = None
        self.listeners: list[Callable[[dict], None]] = []

    # ---- lifecycle ----
    async def start(self) -> dict:
        """Start the subprocess and wait for its ``hello`` answer (versions, pid)."""
        if self.proc is not None:
            raise StackError("the adapter driver was already started")
        script = driver_script(self.spec.name)
        if not self.spec.python.exists():
            raise StackError(f"no interpreter at {self.spec.python}; is the framework environment installed?")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_fh = open(self.log_path, "ab", buffering=0)
        self._changed = asyncio.Condition()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                str(self.spec.python), str(script), "--repo", str(self.repo),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log_fh,
                env={**clean_env(), **self.env}, cwd=str(self.log_path.parent), start_new_session=True, limit=MAX_LINE,
            )
        except OSError as exc:
            self._log_fh.close()
            raise StackError(f"cannot start the adapter driver: {exc}") from None
        self._reader = asyncio.create_task(self._read(), name="adapter-driver-reader")
        try:
            self.hello = await self.request("hello", timeout=self.start_timeout)
        except BaseException:
            await self.stop()
            raise
        return self.hello

    async def stop(self, timeout: float = 10.0) -> None:
        """``stop`` command (bounded), then SIGTERM / SIGKILL to the driver's process group."""
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(Exception):
                await self.request("stop", timeout=timeout)
            with contextlib.suppress(Exception):
                proc.stdin.close()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except (TimeoutError, asyncio.TimeoutError):
                self._signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), min(5.0, max(1.0, timeout)))
                except (TimeoutError, asyncio.TimeoutError):
                    self._signal(signal.SIGKILL)
                    await asyncio.wait_for(proc.wait(), 5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        self._fail_pending("the adapter driver was stopped")
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

    def _signal(self, sig: int) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)  # its own session: the group is the driver and its children

    async def __aenter__(self) -> "AdapterDriver":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ---- health ----
    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None and self._closed_reason is None

    def log_tail(self, chars: int = 12000) -> str:
        return read_tail(self.log_path, chars)

    def check_alive(self) -> None:
        if self.proc is None:
            raise StackError("the adapter driver is not running")
        if not self.alive():
            why = self._closed_reason or f"exit code {self.proc.returncode}"
            raise StackError(f"the adapter driver exited ({why})", logs={"adapter driver": self.log_tail()})

    # ---- protocol ----
    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    break
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "notify" in msg:
                    await self._notified(msg)
                    continue
                fut = self._pending.pop(msg.get("id"), None) if isinstance(msg.get("id"), int) else None
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except (asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:  # noqa: BLE001 - a broken pipe ends the driver
            self._closed_reason = f"control channel failed: {type(exc).__name__}: {exc}"
        finally:
            self._closed_reason = self._closed_reason or "control channel closed"
            self._fail_pending(self._closed_reason)
            if self._changed is not None:
                async with self._changed:
                    self._changed.notify_all()

    async def _notified(self, msg: dict) -> None:
        self.notifications.append(msg)
        if len(self.notifications) > self.keep:
            del self.notifications[: len(self.notifications) - self.keep]
        for listener in list(self.listeners):
            listener(msg)
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    def _fail_pending(self, reason: str) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(StackError(f"{reason}; no answer from the adapter driver", logs={"adapter driver": self.log_tail()}))
        self._pending.clear()

    async def request(self, cmd: str, *, timeout: float, **params: Any) -> Any:
        """Send one command and wait (at most ``timeout`` s) for its answer; ``DriverError`` if it failed."""
        self.check_alive()
        assert self.proc is not None and self.proc.stdin is not None
        rid = next(self._ids)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            self.proc.stdin.write((json.dumps({"id": rid, "cmd": cmd, **params}, default=str) + "\n").encode())
            await asyncio.wait_for(self.proc.stdin.drain(), timeout)
            msg = await asyncio.wait_for(fut, timeout)
        except (TimeoutError, asyncio.TimeoutError):
            raise StackError(f"the adapter driver did not answer {cmd!r} within {timeout:.0f}s",
                             logs={"adapter driver": self.log_tail()}) from None
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise StackError(f"the adapter driver is gone ({exc})", logs={"adapter driver": self.log_tail()}) from None
        finally:
            self._pending.pop(rid, None)
        if not msg.get("ok"):
            raise DriverError(f"adapter driver {cmd!r} failed: {msg.get('error')}",
                              remote_traceback=msg.get("traceback") or "", logs={"adapter driver": self.log_tail()})
        return msg.get("result")

    async def wait_notification(self, predicate: Callable[[dict], bool], *, timeout: float, what: str,
                                since: float | None = None) -> dict:
        """The first notification (kept so far or arriving within ``timeout``) that satisfies ``predicate``."""
        assert self._changed is not None
        deadline = time.monotonic() + timeout

        def first() -> dict | None:
            for msg in self.notifications:
                if (since is None or msg.get("t", 0) >= since) and predicate(msg):
                    return msg
            return None

        async with self._changed:
            while (hit := first()) is None:
                self.check_alive()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StackError(f"timed out after {timeout:.0f}s waiting for {what} from the adapter driver",
                                     logs={"adapter driver": self.log_tail()})
                with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
        return hit

    async def wait_event(self, predicate: Callable[[dict], bool], *, timeout: float, what: str = "an event",
                         since: float | None = None) -> dict:
        """The first ``event`` notification whose described event satisfies ``predicate``; returns the notification."""
        return await self.wait_notification(lambda m: m.get("notify") == "event" and predicate(m.get("event") or {}),
                                            timeout=timeout, what=what, since=since)

    def errors(self) -> list[str]:
        """Warnings and errors the adapter logged so far, and an early end of its run loop."""
        out = [f"{m.get('level')}: {m.get('text')}" for m in self.notifications if m.get("notify") == "log"]
        out += [f"run_async ended: {m.get('error') or 'returned'}" for m in self.notifications if m.get("notify") == "adapter_exit"]
        return out
